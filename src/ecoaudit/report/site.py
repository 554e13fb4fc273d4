"""Everything one site report shows, assembled from a SiteData by pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from ecoaudit.report.changes import RunChanges, compare_runs
from ecoaudit.report.figures import RunFigures, run_figures
from ecoaudit.report.journey_tables import JourneyTable, journey_tables
from ecoaudit.report.model import RunData, SiteData
from ecoaudit.report.pages import failed_pages, worst_pages
from ecoaudit.report.profiles import DeviceProfile, device_profiles
from ecoaudit.report.rgesn_table import RgesnRow, rgesn_rows
from ecoaudit.report.targets import TargetProgress, target_progress
from ecoaudit.report.todo import TodoItem, rank_rules


@dataclass(frozen=True)
class TrendPoint:
    """One run on the trend: when, and its key figures."""

    run: RunData
    figures: RunFigures


@dataclass
class SiteReport:
    """The content of one site's report."""

    site: SiteData
    latest: RunFigures | None = None
    trend: list[TrendPoint] = field(default_factory=list)
    changes: RunChanges | None = None
    worst: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    todo: list[TodoItem] = field(default_factory=list)
    rgesn: list[RgesnRow] = field(default_factory=list)
    targets: list[TargetProgress] = field(default_factory=list)
    profiles: list[DeviceProfile] = field(default_factory=list)  # only with several devices
    journeys: list[JourneyTable] = field(default_factory=list)

    @property
    def several_devices(self) -> bool:
        """Whether the latest run measured its pages in several device profiles."""
        return bool(self.profiles)

    @property
    def repeated(self) -> bool:
        """Whether the latest run measured its pages (or journeys) several times."""
        return self.site.latest is not None and self.site.latest.repeated

    @property
    def has_runs(self) -> bool:
        return bool(self.site.runs)

    @property
    def median_change(self) -> float | None:
        """Median EcoIndex of the latest run minus that of the previous run (None if unknown)."""
        if len(self.trend) < 2:
            return None
        before, after = self.trend[-2].figures.score_median, self.trend[-1].figures.score_median
        return None if before is None or after is None else after - before

    @property
    def all_failed(self) -> bool:
        """Whether no page of the latest run could be measured (a run of journeys alone,
        with no crawled page, is not one where every page failed)."""
        if self.latest is None or self.latest.pages_measured:
            return False
        return bool(self.latest.pages_total or not self.journeys)


def figures_of(site: SiteData, run: RunData) -> RunFigures:
    """Key figures of one run of a site, with the site's budgets and page views."""
    return run_figures(run.pages, site.budgets, site.page_views_per_year,
                       budget_source=f'sites.toml site "{site.name}" budgets')


def build_site_report(site: SiteData, year: int | None = None) -> SiteReport:
    """Assemble a site's report (targets are judged in `year`, default this year)."""
    report = SiteReport(site=site)
    latest_run = site.latest
    if latest_run is None:  # no run
        return report
    report.trend = [TrendPoint(run, figures_of(site, run)) for run in site.runs]
    report.latest = report.trend[-1].figures
    latest_pages = latest_run.pages
    if site.previous is not None:
        report.changes = compare_runs(site.previous.pages, latest_pages)
    report.worst = worst_pages(latest_pages)
    report.failed = failed_pages(latest_pages)
    report.todo = rank_rules(latest_pages)
    report.rgesn = rgesn_rows(latest_pages)
    report.profiles = device_profiles(latest_run)
    report.journeys = journey_tables(latest_run.journeys)
    this_year = year or datetime.now(UTC).year
    report.targets = target_progress(
        site.targets, report.trend[0].figures, report.latest, this_year,
        source=f'sites.toml site "{site.name}" targets',
    )
    return report
