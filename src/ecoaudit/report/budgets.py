"""Page budgets (RGESN 6.1): what a site declares, and whether one page stays within each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecoaudit import ecoindex

# The EcoIndex targets, used for weight, requests and DOM when a site declares no value of its own.
DEFAULT_BUDGETS = {"max_size_kb": 1024, "max_requests": 40, "max_nodes": 600}
BUDGET_ORDER = ("max_size_kb", "max_requests", "max_nodes", "min_score", "min_grade", "max_co2_g")


@dataclass(frozen=True)
class Budget:
    """One budget: a key of sites.toml's `budgets` table and its limit."""

    key: str
    limit: float | int | str


def site_budgets(declared: dict[str, Any] | None) -> list[Budget]:
    """The budgets a site is held to: its own values over the EcoIndex targets, in a fixed order."""
    merged: dict[str, Any] = dict(DEFAULT_BUDGETS)
    declared = {k: v for k, v in (declared or {}).items() if k in BUDGET_ORDER and v is not None}
    merged.update(declared)
    return [Budget(key, merged[key]) for key in BUDGET_ORDER if key in merged]


def page_within(page: dict[str, Any], budget: Budget) -> bool:
    """True when a measured page entry stays within `budget` (an unknown value is not within)."""
    score = page.get("ecoindex") or {}
    if budget.key == "max_size_kb":
        return score.get("size_kb") is not None and score["size_kb"] <= float(budget.limit)
    if budget.key == "max_requests":
        return score.get("requests") is not None and score["requests"] <= float(budget.limit)
    if budget.key == "max_nodes":
        return score.get("nodes") is not None and score["nodes"] <= float(budget.limit)
    if budget.key == "min_score":
        return score.get("score") is not None and score["score"] >= float(budget.limit)
    if budget.key == "min_grade":
        grade = score.get("grade")
        wanted = str(budget.limit).upper()
        return grade in ecoindex.GRADES and ecoindex.GRADES.index(grade) <= _grade_index(wanted)
    if budget.key == "max_co2_g":
        grams = ((page.get("co2") or {}).get("global") or {}).get("grams_per_view")
        return grams is not None and grams <= float(budget.limit)
    return False


def _grade_index(letter: str) -> int:
    return ecoindex.GRADES.index(letter) if letter in ecoindex.GRADES else len(ecoindex.GRADES)
