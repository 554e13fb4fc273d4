"""RGESN 2024 criteria, how ecoaudit checks each one, and compliance views built from findings.

A criterion that ecoaudit cannot check is `manual` (needs manual evidence), never failed.
The rules feeding a criterion are those whose file lists it under `references.rgesn`; a view uses
the `rgesn` list stored in each finding, so stored findings keep their own mapping.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecoaudit.rules import Catalogue

DATA_FILE = Path(__file__).resolve().parent / "rgesn2024.toml"
CHECK_MODES = ("auto", "partial", "manual")
PRIORITY_WEIGHTS = {"prioritaire": 1.5, "recommandé": 1.25, "modéré": 1.0}
_ORDER = {"fail": 3, "warn": 2, "pass": 1}


@dataclass(frozen=True)
class Criterion:
    """One RGESN 2024 criterion and how ecoaudit checks it."""

    number: str  # "6.3"
    family: int
    family_title: str
    title: str  # French, our own short summary
    title_en: str
    priority: str  # prioritaire, recommandé, modéré
    check: str  # auto, partial, manual
    rules: tuple[str, ...] = field(default_factory=tuple)

    @property
    def weight(self) -> float:
        return PRIORITY_WEIGHTS[self.priority]

    def to_dict(self) -> dict:
        return {
            "criterion": self.number, "family": self.family, "family_title": self.family_title,
            "title": self.title, "title_en": self.title_en, "priority": self.priority,
            "weight": self.weight, "check": self.check, "rules": list(self.rules),
        }


@lru_cache(maxsize=1)
def _data() -> dict:
    return tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))


def criterion_numbers() -> list[str]:
    """The 78 criterion numbers, in order ("1.1" .. "9.7")."""
    return [row["number"] for row in _data()["criteria"]]


def criteria(catalogue: Catalogue | None = None) -> list[Criterion]:
    """All 78 criteria, with the ids of the catalogue's rules that feed each one."""
    from ecoaudit.rules import load_catalogue

    catalogue = catalogue or load_catalogue()
    feeding: dict[str, list[str]] = {}
    for rule in catalogue:
        for number in rule.rgesn:
            feeding.setdefault(number, []).append(rule.id)
    return [replace(row, rules=tuple(feeding.get(row.number, []))) for row in _criteria_rows()]


def _criteria_rows() -> list[Criterion]:
    families = {row["number"]: row["title"] for row in _data()["families"]}
    return [
        Criterion(number=row["number"], family=int(row["number"].split(".")[0]),
                  family_title=families[int(row["number"].split(".")[0])], title=row["title"],
                  title_en=row["title_en"], priority=row["priority"], check=row["check"])
        for row in _data()["criteria"]
    ]


def _status_from(statuses: list[str], check: str) -> str:
    if check == "manual":
        return "manual"
    decided = [status for status in statuses if status in _ORDER]
    if not decided:
        return "manual" if check == "partial" else "na"
    return max(decided, key=_ORDER.__getitem__)


def _base(criterion: Criterion) -> dict:
    return {
        "criterion": criterion.number, "family": criterion.family,
        "family_title": criterion.family_title, "title": criterion.title,
        "title_en": criterion.title_en, "priority": criterion.priority,
        "weight": criterion.weight, "check": criterion.check,
    }


def rgesn_view(findings: list[dict]) -> list[dict]:
    """Per-page view: each of the 78 criteria with its status and the findings that fed it.

    status: pass / warn / fail from the rules that applied (the worst wins); `na` when the rules
    of an automatic criterion did not apply; `manual` for criteria that need manual evidence
    (and for partial criteria no applicable rule could inform).
    """
    by_criterion: dict[str, dict[str, str]] = {}
    for finding in findings:
        for number in finding.get("rgesn", []):
            by_criterion.setdefault(number, {})[finding["rule"]] = finding["status"]
    view = []
    for criterion in _criteria_rows():
        fed = {} if criterion.check == "manual" else by_criterion.get(criterion.number, {})
        entry = _base(criterion)
        entry["rules"] = fed
        entry["status"] = _status_from(list(fed.values()), criterion.check)
        view.append(entry)
    return view


def site_rgesn_view(
    pages_findings: list[list[dict]], site_findings: list[dict] | None = None,
) -> list[dict]:
    """Per-site view: for each criterion, how many pages pass, warn, fail, and the share that pass.

    `compliance_percent` is pass / (pass + warn + fail) over the pages where the criterion could be
    checked, None when it could not be checked on any page.
    """
    page_views = [rgesn_view(findings) for findings in pages_findings]
    site_view = rgesn_view(site_findings or []) if site_findings else None
    result = []
    for index, criterion in enumerate(_criteria_rows()):
        statuses = [view[index]["status"] for view in page_views]
        if site_view is not None:
            statuses.append(site_view[index]["status"])
        counts = Counter(statuses)
        checked = counts["pass"] + counts["warn"] + counts["fail"]
        entry = _base(criterion)
        entry.update({
            "pages": len(page_views),
            "pass": counts["pass"], "warn": counts["warn"], "fail": counts["fail"],
            "na": counts["na"],
            "compliance_percent": round(100 * counts["pass"] / checked, 1) if checked else None,
            "status": _status_from(statuses, criterion.check),
        })
        result.append(entry)
    return result


def compliance_summary(view: list[dict]) -> dict:
    """Counts of criteria by status, and the share of checked criteria that pass."""
    counts = Counter(entry["status"] for entry in view)
    checked = counts["pass"] + counts["warn"] + counts["fail"]
    return {
        "criteria": len(view),
        **{status: counts[status] for status in ("pass", "warn", "fail", "na", "manual")},
        "compliance_percent": round(100 * counts["pass"] / checked, 1) if checked else None,
    }
