"""Key figures of one run, computed from its page entries (plain dicts, see `jsondoc.page_entry`).

Pure functions: no database, no browser. A page counts as measured when it has an EcoIndex.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ecoaudit.metrics import ecoindex
from ecoaudit.report.budgets import Budget, page_within, site_budgets

GRADES = ecoindex.GRADES


@dataclass(frozen=True)
class BudgetShare:
    """How many measured pages stay within one budget."""

    budget: Budget
    pages_within: int
    pages_measured: int

    @property
    def share(self) -> float | None:
        return self.pages_within / self.pages_measured if self.pages_measured else None


@dataclass(frozen=True)
class YearlyEstimate:
    """Order of magnitude of a year of page views, from the mean per-view figures."""

    page_views: int
    kg_co2e_ecoindex: float | None
    m3_water_ecoindex: float | None
    kg_co2e_swd_global: float | None
    kg_co2e_swd_france: float | None


@dataclass
class RunFigures:
    """Every key figure of one run of one site."""

    pages_total: int = 0
    pages_measured: int = 0
    pages_failed: int = 0
    score_mean: float | None = None
    score_median: float | None = None
    grade_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GRADES, 0))
    share_c_or_better: float | None = None
    share_b_or_better: float | None = None
    budgets: list[BudgetShare] = field(default_factory=list)
    pages_within_all_budgets: int = 0
    size_kb_total: float = 0.0
    size_kb_mean: float | None = None
    requests_total: int = 0
    requests_mean: float | None = None
    nodes_mean: float | None = None
    ges_mean: float | None = None
    water_mean: float | None = None
    swd_global_mean: float | None = None
    swd_france_mean: float | None = None
    yearly: YearlyEstimate | None = None
    third_party_hosts: list[str] = field(default_factory=list)  # distinct, sorted
    pages_with_third_parties: int = 0

    @property
    def median_grade(self) -> str | None:
        """Grade of the median score (rounded the EcoIndex way)."""
        return None if self.score_median is None else ecoindex.grade(round(self.score_median))

    @property
    def share_within_all_budgets(self) -> float | None:
        return self.pages_within_all_budgets / self.pages_measured if self.pages_measured else None


def measured(page: dict[str, Any]) -> bool:
    """True when the page was measured (it has an EcoIndex and no error)."""
    return bool(page.get("ecoindex")) and not page.get("error")


def swd_grams(page: dict[str, Any], grid: str = "global") -> float | None:
    """SWD grams of CO2e per view on the "global" or "france" grid, None when absent."""
    co2 = page.get("co2") or {}
    value = (co2.get(grid) or {}).get("grams_per_view")
    return float(value) if value is not None else None


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def run_figures(
    pages: list[dict[str, Any]],
    budgets: dict[str, Any] | None = None,
    page_views_per_year: int | None = None,
    *,
    budget_source: str = "sites.toml budgets",
) -> RunFigures:
    """Key figures of one run: scores, grades, budgets, weight, requests, DOM, footprint."""
    ok = [page for page in pages if measured(page)]
    scores = [page["ecoindex"]["score"] for page in ok]
    figures = RunFigures(pages_total=len(pages), pages_measured=len(ok))
    figures.pages_failed = len(pages) - len(ok)
    if not ok:
        return figures
    figures.score_mean = statistics.fmean(scores)
    figures.score_median = float(statistics.median(scores))
    for page in ok:
        figures.grade_counts[page["ecoindex"]["grade"]] += 1
    c_or_better = sum(figures.grade_counts[g] for g in "ABC")
    figures.share_c_or_better = _share(c_or_better, len(ok))
    b_or_better = figures.grade_counts["A"] + figures.grade_counts["B"]
    figures.share_b_or_better = _share(b_or_better, len(ok))
    declared = site_budgets(budgets, budget_source)
    figures.budgets = [
        BudgetShare(budget, sum(page_within(page, budget) for page in ok), len(ok))
        for budget in declared
    ]
    figures.pages_within_all_budgets = sum(
        all(page_within(page, budget) for budget in declared) for page in ok
    )
    sizes = [page["ecoindex"]["size_kb"] for page in ok]
    requests = [page["ecoindex"]["requests"] for page in ok]
    figures.size_kb_total = sum(sizes)
    figures.size_kb_mean = statistics.fmean(sizes)
    figures.requests_total = sum(requests)
    figures.requests_mean = statistics.fmean(requests)
    figures.nodes_mean = statistics.fmean(page["ecoindex"]["nodes"] for page in ok)
    figures.ges_mean = statistics.fmean(page["ecoindex"]["ges"] for page in ok)
    figures.water_mean = statistics.fmean(page["ecoindex"]["water"] for page in ok)
    figures.swd_global_mean = _mean([g for p in ok if (g := swd_grams(p, "global")) is not None])
    figures.swd_france_mean = _mean([g for p in ok if (g := swd_grams(p, "france")) is not None])
    if page_views_per_year:
        figures.yearly = yearly_estimate(figures, page_views_per_year)
    hosts_per_page = [third_party_hosts(page) for page in ok]
    figures.third_party_hosts = sorted(set().union(*hosts_per_page))
    figures.pages_with_third_parties = sum(bool(hosts) for hosts in hosts_per_page)
    return figures


def third_party_hosts(page: dict[str, Any]) -> set[str]:
    """Host names of the page's requests flagged as third party."""
    return {
        urlsplit(request.get("url") or "").hostname or ""
        for request in page.get("requests") or []
        if request.get("third_party")
    } - {""}


def yearly_estimate(figures: RunFigures, page_views: int) -> YearlyEstimate:
    """kgCO2e and m³ of water for `page_views` views at the run's mean per-view figures."""

    def per_year(grams_per_view: float | None) -> float | None:
        return None if grams_per_view is None else page_views * grams_per_view / 1000

    water = None if figures.water_mean is None else page_views * figures.water_mean / 100_000
    return YearlyEstimate(
        page_views=page_views,
        kg_co2e_ecoindex=per_year(figures.ges_mean),
        m3_water_ecoindex=water,  # centilitres -> litres (/100) -> m³ (/1000)
        kg_co2e_swd_global=per_year(figures.swd_global_mean),
        kg_co2e_swd_france=per_year(figures.swd_france_mean),
    )
