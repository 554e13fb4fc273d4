"""The RGESN 2024 table of a site: per criterion, how it is checked, the share of pages that comply.

Criteria a crawler cannot check are listed as needing manual evidence, never as failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecoaudit.report.figures import measured

AUTOMATIC, PARTIAL, MANUAL = "automatic", "partial", "manual"


@dataclass(frozen=True)
class Criterion:
    """One RGESN 2024 criterion: number, titles and how far a crawler can check it."""

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


def _criterion_key(criterion_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in criterion_id.split(".") if part.isdigit())


def rgesn_rows(pages: list[dict[str, Any]], criteria: list[Criterion]) -> list[RgesnRow]:
    """One row per criterion: a page is checked when a finding mapped to it passed or failed,
    and compliant when all such findings passed."""
    rows = []
    ok = [page for page in pages if measured(page)]
    for criterion in sorted(criteria, key=lambda c: _criterion_key(c.id)):
        checked = compliant = 0
        for page in ok:
            verdicts = [
                finding["status"]
                for finding in page.get("findings") or []
                if criterion.id in (finding.get("rgesn") or [])
                and finding.get("status") in ("pass", "warn", "fail")
            ]
            if verdicts:
                checked += 1
                compliant += all(status == "pass" for status in verdicts)
        rows.append(RgesnRow(criterion, checked, compliant))
    return rows


def criteria_from_findings(pages: list[dict[str, Any]]) -> list[Criterion]:
    """Criteria named by the findings themselves, for when no RGESN catalogue is available."""
    seen = sorted(
        {c for page in pages for f in page.get("findings") or [] for c in f.get("rgesn") or []},
        key=_criterion_key,
    )
    return [Criterion(c, c, c, AUTOMATIC) for c in seen]
