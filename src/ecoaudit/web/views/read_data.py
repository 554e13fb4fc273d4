"""What the read pages show, read live from the Store with the report's loader and figures.

Every function here is synchronous (the Store is): the views call them in a worker thread.
An unknown site, run or page raises a 404 that the application turns into its error page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException

from ecoaudit.config import load_config
from ecoaudit.export.jsondoc import page_entry
from ecoaudit.report.changes import RunChanges, compare_runs
from ecoaudit.report.collectivite import CollectiviteReport, build_collectivite_report
from ecoaudit.report.figures import RunFigures, run_figures
from ecoaudit.report.loader import SitesConfig, UnknownSite, load_sites, run_data, summary_entry
from ecoaudit.report.model import OWN, RunData, SiteData
from ecoaudit.report.site import SiteReport, build_site_report
from ecoaudit.store import RunNotFound, Store, StoreError

PAGE_SIZE = 50  # rows of a long list shown at once (pages of a run, requests of a page)
LAST_RUNS = 10  # runs listed on a site's page


def not_found(what: str) -> HTTPException:
    """The 404 of an unknown site, run or page."""
    return HTTPException(status_code=404, detail=what)


def sites_config(path: Path | None) -> SitesConfig | None:
    """The loaded sites.toml the server was given, or None (the stored settings then count)."""
    return load_config(Path(path)) if path is not None else None


@dataclass(frozen=True)
class Paging:
    """One slice of a long list: its number (from 1), the number of slices and the rows."""

    number: int
    count: int
    rows: list[Any]
    total: int

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None


def paginate(rows: list[Any], number: int, size: int = PAGE_SIZE) -> Paging:
    """Slice `number` (from 1, clamped to the slices there are) of `rows`."""
    count = max(1, -(-len(rows) // size))
    number = min(max(1, number), count)
    return Paging(number, count, rows[(number - 1) * size:number * size], len(rows))


def collectivite(store: Store, config: SitesConfig | None) -> CollectiviteReport:
    """The collectivité's figures, as its report computes them."""
    reports = [build_site_report(site) for site in load_sites(store, config)]
    return build_collectivite_report(reports)


@dataclass
class SiteView:
    """A site's report and its last runs (every status, newest first)."""

    report: SiteReport
    runs: list[dict[str, Any]] = field(default_factory=list)
    run_count: int = 0


def site_view(store: Store, config: SitesConfig | None, name: str) -> SiteView:
    """A site's report (trend, changes, to-do, RGESN, targets...) and its last runs."""
    try:
        [site] = load_sites(store, config, [name])
    except UnknownSite:
        raise not_found(f"site {name}") from None
    runs = store.list_runs(name) if any(s["name"] == name for s in store.sites()) else []
    return SiteView(build_site_report(site), runs[:LAST_RUNS], len(runs))


@dataclass(frozen=True)
class PageRow:
    """One measurement in a run's list of pages: a page in one device profile."""

    page: dict[str, Any]
    device: str | None


@dataclass
class RunView:
    """One run: its record, its report (figures, to-do, profiles, journeys), every page
    measurement to list, its documents and duplicates."""

    run: dict[str, Any]
    data: RunData
    report: SiteReport
    rows: list[PageRow]
    documents: list[dict[str, Any]]
    duplicates: list[dict[str, Any]]


def load_run(store: Store, run_id: int) -> tuple[dict[str, Any], RunData]:
    """A run's record and its measurements sorted out (from the page summaries: no capture
    is read); 404 when there is no such run."""
    try:
        run = store.run(run_id)
    except RunNotFound:
        raise not_found(f"run {run_id}") from None
    entries = [summary_entry(summary) for summary in store.page_summaries(run_id)]
    return run, run_data(run, entries)


def site_of(run: dict[str, Any], data: RunData) -> SiteData:
    """A one-run site for the report's figures of a run."""
    return SiteData(name=run["site"], title=run.get("site_title"),
                    group=run.get("group") or OWN, runs=[data])


def run_view(store: Store, run_id: int) -> RunView:
    """Everything the run page shows."""
    run, data = load_run(store, run_id)
    data.duplicates = store.run_duplicates(run_id)
    report = build_site_report(site_of(run, data))
    main = list(data.profiles)[:1]
    order = {page["url"]: n for n, page in enumerate(data.pages)}
    rows = [PageRow(page, device) for device in main for page in data.profiles[device]]
    others = [PageRow(page, device) for device, pages in list(data.profiles.items())[1:]
              for page in pages]
    others.sort(key=lambda row: order.get(row.page["url"], len(order)))
    return RunView(run, data, report, _interleave(rows, others),
                   store.run_documents(run_id), data.duplicates)


def _interleave(main: list[PageRow], others: list[PageRow]) -> list[PageRow]:
    """Each page's main-profile row followed by its other profiles' rows."""
    by_url: dict[str, list[PageRow]] = {}
    for row in others:
        by_url.setdefault(row.page["url"], []).append(row)
    rows = []
    for row in main:
        rows.append(row)
        rows.extend(by_url.pop(row.page["url"], []))
    return rows + [row for group in by_url.values() for row in group]


@dataclass
class PageView:
    """One measurement: its run, its entry with requests (none when the capture is gone)."""

    run: dict[str, Any]
    page: dict[str, Any]
    capture_missing: bool


def page_view(store: Store, run_id: int, page_id: int) -> PageView:
    """One page row of a run with its requests and findings; 404 when it is not in the run."""
    try:
        run = store.run(run_id)
    except RunNotFound:
        raise not_found(f"run {run_id}") from None
    summary = next((s for s in store.page_summaries(run_id) if s["page_id"] == page_id), None)
    if summary is None:
        raise not_found(f"page {page_id} of run {run_id}")
    variant = {key: summary.get(key) for key in ("page_id", "depth", "source", "sample")}
    try:
        capture = store.load_capture(page_id)
    except StoreError:
        return PageView(run, summary_entry(summary), capture_missing=True)
    entry = page_entry(capture, findings=summary.get("findings") or [],
                       co2=summary.get("co2"), extra=variant)
    return PageView(run, entry, capture_missing=False)


@dataclass(frozen=True)
class PagePair:
    """One URL in two runs (None where the run has no such page)."""

    url: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def label(self) -> str:
        page = self.after or self.before or {}
        return page.get("title") or self.url


@dataclass
class Comparison:
    """Two runs side by side: each one's figures, and the pages of both matched by URL."""

    before: dict[str, Any]
    after: dict[str, Any]
    before_figures: RunFigures
    after_figures: RunFigures
    changes: RunChanges
    pairs: list[PagePair]


def comparison(store: Store, first: int, second: int) -> Comparison:
    """Runs `first` and `second` compared (the older one as "before")."""
    loaded = [load_run(store, run_id) for run_id in (first, second)]
    loaded.sort(key=lambda item: (item[0].get("started_at") or "", item[0]["id"]))
    (before, old), (after, new) = loaded
    urls = list(dict.fromkeys([p["url"] for p in new.pages] + [p["url"] for p in old.pages]))
    old_pages = {p["url"]: p for p in old.pages}
    new_pages = {p["url"]: p for p in new.pages}
    return Comparison(
        before, after, run_figures(old.pages), run_figures(new.pages),
        compare_runs(old.pages, new.pages),
        [PagePair(url, old_pages.get(url), new_pages.get(url)) for url in urls],
    )


def runs_to_pick(store: Store, site: str | None) -> list[dict[str, Any]]:
    """The runs the comparison form offers: a site's, or every site's (newest first)."""
    return store.list_runs(site)[:200]


def int_param(value: str | None, default: int = 1) -> int:
    """A positive whole number from a query parameter (`default` when absent or not one)."""
    if value is None or not value.strip().isdigit():
        return default
    return min(int(value.strip()), 10**9)
