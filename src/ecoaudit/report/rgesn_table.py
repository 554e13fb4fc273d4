"""The RGESN 2024 table of a site: per criterion, how it is checked, the share of pages that comply.

Built on `ecoaudit.rules.rgesn.site_rgesn_view`, over the measured pages of the latest run.
Criteria a crawler cannot check are listed as needing manual evidence, never as failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecoaudit.report.figures import measured
from ecoaudit.rules import rgesn

AUTOMATIC, PARTIAL, MANUAL = "automatic", "partial", "manual"
CHECK_NAMES = {"auto": AUTOMATIC, "partial": PARTIAL, "manual": MANUAL}


@dataclass(frozen=True)
class Criterion:
    """One RGESN 2024 criterion: number, titles and how far ecoaudit can check it."""

    id: str
    title_fr: str
    title_en: str
    check: str  # AUTOMATIC, PARTIAL or MANUAL


@dataclass(frozen=True)
class RgesnRow:
    """A criterion and, when checked, how many measured pages comply with it."""

    criterion: Criterion
    pages_checked: int
    pages_compliant: int

    @property
    def share(self) -> float | None:
        return self.pages_compliant / self.pages_checked if self.pages_checked else None


def rgesn_rows(pages: list[dict[str, Any]]) -> list[RgesnRow]:
    """All 78 criteria; a page is checked for a criterion when a rule feeding it passed, warned
    or failed there, and compliant when the worst of those is a pass."""
    view = rgesn.site_rgesn_view([page.get("findings") or [] for page in pages if measured(page)])
    return [
        RgesnRow(
            Criterion(entry["criterion"], entry["title"], entry["title_en"],
                      CHECK_NAMES.get(entry["check"], MANUAL)),
            pages_checked=entry["pass"] + entry["warn"] + entry["fail"],
            pages_compliant=entry["pass"],
        )
        for entry in view
    ]
