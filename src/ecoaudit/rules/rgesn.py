"""RGESN 2024 criteria, how ecoaudit checks each one, and compliance views built from findings.

A criterion that ecoaudit cannot check is `manual` (needs manual evidence), never failed.
The rules feeding a criterion are those whose file lists it under `references.rgesn`; a view uses
the `rgesn` list stored in each finding, so stored findings keep their own mapping.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ecoaudit.rules.catalogue import Catalogue
from ecoaudit.rules.criteria import Criterion, criterion_numbers, criterion_rows
from ecoaudit.rules.engine import load_catalogue

__all__ = ["Criterion", "compliance_summary", "criteria", "criterion_numbers", "rgesn_view",
           "site_rgesn_view"]

_ORDER = {"fail": 3, "warn": 2, "pass": 1}


def criteria(catalogue: Catalogue | None = None) -> list[Criterion]:
    """All 78 criteria, with the ids of the catalogue's rules that feed each one."""
    catalogue = catalogue or load_catalogue()
    feeding: dict[str, list[str]] = {}
    for rule in catalogue:
        for number in rule.rgesn:
            feeding.setdefault(number, []).append(rule.id)
    return [replace(row, rules=tuple(feeding.get(row.number, []))) for row in criterion_rows()]


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
    for criterion in criterion_rows():
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
    for index, criterion in enumerate(criterion_rows()):
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
