"""The collectivité's figures: its own sites side by side, set against the benchmark group,
as a whole and by size category (collectivités of the same population band)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from ecoaudit.metrics import ecoindex
from ecoaudit.report.figures import RunFigures, measured, run_figures
from ecoaudit.report.model import BENCHMARK, OWN
from ecoaudit.report.site import SiteReport
from ecoaudit.scoring.size_categories import CATEGORY_IDS, size_category_of

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


@dataclass(frozen=True)
class SiteMedians:
    """One site's medians over the measured pages of its latest run (None: nothing measured)."""

    pages: int = 0
    score: float | None = None
    size_kb: float | None = None
    requests: float | None = None

    @property
    def grade(self) -> str | None:
        return _grade(self.score)


@dataclass(frozen=True)
class OwnPlacement:
    """One of the collectivité's sites in its size category, set against the benchmark."""

    report: SiteReport
    medians: SiteMedians
    score_gap: float | None  # its median EcoIndex minus the category's benchmark median


@dataclass
class SizeRow:
    """One size category: its benchmark sites' figures, each site counting once (the median of
    their medians), and the collectivité's own sites of that size. `category` None: the sites
    whose size is unknown (neither population nor category in sites.toml)."""

    category: str | None
    benchmark_sites: int = 0  # benchmark sites of the category with a measured page
    benchmark_pages: int = 0
    score_median: float | None = None
    size_kb_median: float | None = None
    requests_median: float | None = None
    own: list[OwnPlacement] = field(default_factory=list)

    @property
    def grade(self) -> str | None:
        return _grade(self.score_median)


@dataclass
class CollectiviteReport:
    """The content of the collectivité's report."""

    own: GroupFigures
    benchmark: GroupFigures
    other: list[SiteReport] = field(default_factory=list)  # groups other than own/benchmark
    sizes: list[SizeRow] = field(default_factory=list)  # by size category, known sizes first

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
    own = [r for r in by_label if r.site.group == OWN]
    benchmark = [r for r in by_label if r.site.group == BENCHMARK]
    return CollectiviteReport(
        own=group_figures(own),
        benchmark=group_figures(benchmark),
        other=[r for r in by_label if r.site.group not in (OWN, BENCHMARK)],
        sizes=size_comparison(own, benchmark),
    )


def site_medians(report: SiteReport) -> SiteMedians:
    """Median EcoIndex, weight and requests of the measured pages of a site's latest run."""
    latest = report.site.latest
    pages = [page for page in latest.pages if measured(page)] if latest is not None else []
    if not pages:
        return SiteMedians()
    return SiteMedians(
        pages=len(pages),
        score=_median([page["ecoindex"]["score"] for page in pages]),
        size_kb=_median([page["ecoindex"]["size_kb"] for page in pages]),
        requests=_median([page["ecoindex"]["requests"] for page in pages]),
    )


def site_size_category(report: SiteReport) -> str | None:
    """The size category of a report's site (its written category, else its population's)."""
    return size_category_of(report.site.population, report.site.category)


def size_comparison(own: list[SiteReport], benchmark: list[SiteReport]) -> list[SizeRow]:
    """One row per size category holding a site of either group, in increasing size, then the
    sites of unknown size; each with the benchmark's medians and the own sites placed in it."""
    rows = []
    for category in [*CATEGORY_IDS, None]:
        members = [r for r in benchmark if site_size_category(r) == category]
        own_members = [r for r in own if site_size_category(r) == category]
        if members or own_members:
            rows.append(_size_row(category, members, own_members))
    return rows


def _size_row(category: str | None, benchmark: list[SiteReport],
              own: list[SiteReport]) -> SizeRow:
    """The benchmark's figures for one category (each measured site's medians, then their
    median) and the own sites' placements against them."""
    measured_sites = [m for m in (site_medians(r) for r in benchmark) if m.pages]
    row = SizeRow(
        category=category,
        benchmark_sites=len(measured_sites),
        benchmark_pages=sum(m.pages for m in measured_sites),
        score_median=_median([m.score for m in measured_sites if m.score is not None]),
        size_kb_median=_median([m.size_kb for m in measured_sites if m.size_kb is not None]),
        requests_median=_median([m.requests for m in measured_sites
                                 if m.requests is not None]),
    )
    for report in own:
        medians = site_medians(report)
        gap = (None if medians.score is None or row.score_median is None
               else medians.score - row.score_median)
        row.own.append(OwnPlacement(report, medians, gap))
    return row


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _grade(score: float | None) -> str | None:
    """The EcoIndex grade of a median score (rounded the EcoIndex way, as RunFigures does)."""
    return None if score is None else ecoindex.grade(round(score))
