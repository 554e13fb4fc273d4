"""The collectivité's figures: its own sites side by side, set against the benchmark group."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from ecoaudit.report.figures import RunFigures, run_figures
from ecoaudit.report.model import BENCHMARK, OWN
from ecoaudit.report.site import SiteReport

# Published national figures the strategy compares against (reference/strategy.md).
NATIONAL_PUBLIC_SERVICE_MEAN_2022 = 37  # public-service sites, 2022 barometer (D)
GRENOBLE_METROPOLE_2023 = 63  # best metropolis of a 2023 benchmark (C)


@dataclass
class GroupFigures:
    """Figures of a group of sites (own or benchmark), from their latest runs."""

    sites: list[SiteReport] = field(default_factory=list)
    pooled: RunFigures = field(default_factory=RunFigures)  # all latest pages together
    median_of_site_medians: float | None = None
    kg_co2e_per_year: float | None = None  # sum over sites that declare page views
    m3_water_per_year: float | None = None
    score_mean_weighted_by_views: float | None = None  # over sites declaring page views

    @property
    def sites_measured(self) -> list[SiteReport]:
        return [r for r in self.sites if r.latest is not None and r.latest.pages_measured]


@dataclass
class CollectiviteReport:
    """The content of the collectivité's report."""

    own: GroupFigures
    benchmark: GroupFigures
    other: list[SiteReport] = field(default_factory=list)  # groups other than own/benchmark

    @property
    def empty(self) -> bool:
        return not (self.own.sites or self.benchmark.sites or self.other)


def group_figures(reports: list[SiteReport]) -> GroupFigures:
    """Totals and medians across the sites of one group."""
    group = GroupFigures(sites=reports)
    pooled_pages = [p for r in reports if r.site.latest for p in r.site.latest.pages]
    group.pooled = run_figures(pooled_pages)
    # Figures of the sites with a measured page: their mean and median scores are set.
    latest = [r.latest for r in group.sites_measured if r.latest is not None]
    medians = [f.score_median for f in latest if f.score_median is not None]
    group.median_of_site_medians = float(statistics.median(medians)) if medians else None
    yearly = [f.yearly for f in latest if f.yearly]
    kg = [y.kg_co2e_ecoindex for y in yearly if y.kg_co2e_ecoindex is not None]
    m3 = [y.m3_water_ecoindex for y in yearly if y.m3_water_ecoindex is not None]
    group.kg_co2e_per_year = sum(kg) if kg else None
    group.m3_water_per_year = sum(m3) if m3 else None
    weighted = [(f.score_mean, f.yearly.page_views)
                for f in latest if f.yearly and f.score_mean is not None]
    if weighted:
        total_views = sum(views for _, views in weighted)
        group.score_mean_weighted_by_views = sum(s * v for s, v in weighted) / total_views
    return group


def build_collectivite_report(reports: list[SiteReport]) -> CollectiviteReport:
    """Split site reports into the collectivité's own sites and the benchmark group."""
    by_label = sorted(reports, key=lambda r: r.site.label.lower())
    return CollectiviteReport(
        own=group_figures([r for r in by_label if r.site.group == OWN]),
        benchmark=group_figures([r for r in by_label if r.site.group == BENCHMARK]),
        other=[r for r in by_label if r.site.group not in (OWN, BENCHMARK)],
    )
