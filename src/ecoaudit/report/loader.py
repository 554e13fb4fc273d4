"""Read the store (and optionally sites.toml) into the plain SiteData the reports are built from.

Only the latest run of each site is read with its captures (requests for the page details);
earlier runs are read as page summaries, which is all the trend and the changes need.

A run's page rows are measurements: a page may be measured in several device profiles, several
times (`repeat`), and a run also holds the steps of its user journeys. The figures never mix
them: `crawled_view` selects, once, what every figure is computed from (the crawled pages, the
retained sample of each, in the run's main device), and the other measurements are kept apart
for the sections that show them (device profiles, journeys).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ecoaudit.errors import EcoauditError
from ecoaudit.report.model import OWN, RunData, SiteData, one_per_url
from ecoaudit.scoring.repeats import group_samples, retained_entry
from ecoaudit.store import Store, StoreError

DESKTOP = "desktop"
VARIANT_KEYS = ("device", "sample", "journey", "step", "step_index", "depth", "source")

REPORTED_STATUSES = ("completed", "interrupted", "failed")  # a running run is not finished


class UnknownSite(EcoauditError):
    """A site named on the command line is neither in the database nor in sites.toml."""


class ConfiguredSite(Protocol):
    """What the reports read of a sites.toml site (`ecoaudit.config.SiteConfig`)."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def start_urls(self) -> Sequence[str]: ...
    @property
    def page_views_per_year(self) -> int | None: ...
    @property
    def population(self) -> int | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def budgets(self) -> Mapping[str, Any]: ...
    @property
    def targets(self) -> Mapping[str, Any]: ...


class SitesConfig(Protocol):
    """What the reports read of a loaded sites.toml (`ecoaudit.config.Config`, a layer above)."""

    @property
    def sites(self) -> Sequence[ConfiguredSite]: ...


def summary_entry(summary: dict[str, Any]) -> dict[str, Any]:
    """A page entry (jsondoc shape) from a store page summary, without requests."""
    measured = summary.get("score") is not None and not summary.get("error")
    return {
        "url": summary["url"],
        "final_url": summary.get("final_url"),
        "status": summary.get("status"),
        "error": summary.get("error"),
        "title": summary.get("title"),
        "consent_state": summary.get("consent_state"),
        "ecoindex": {
            key: summary.get(key)
            for key in ("score", "grade", "ges", "water", "nodes", "requests", "size_kb")
        } if measured else None,
        "requests": [],
        "findings": summary.get("findings") or [],
        "co2": summary.get("co2"),
        "page_id": summary.get("page_id"),
        **{key: summary.get(key) for key in VARIANT_KEYS},
    }


def device_of(entry: dict[str, Any]) -> str:
    """The device profile a page row was measured in (rows older than profiles: desktop)."""
    return entry.get("device") or DESKTOP


def main_device(entries: list[dict[str, Any]]) -> str:
    """The run's main device profile: that of its first page row (normally desktop)."""
    return device_of(entries[0]) if entries else DESKTOP


def crawled_view(
    entries: list[dict[str, Any]], device: str | None = None
) -> list[dict[str, Any]]:
    """The page entries every figure of a run is computed from: the crawled pages (journey
    steps left out), one measurement each (the retained, median sample of every url, consent
    state and device, with its `repeat` spread when it was measured several times), in one
    device profile (`device`, default the run's main device), one per URL (before consent).

    For a run of one device, one sample and no journey, these are the run's page rows."""
    profile = device or main_device(entries)
    crawled = [entry for entry in entries if not entry.get("journey")]
    retained = [retained_entry(group) for group in group_samples(crawled)]
    return one_per_url([entry for entry in retained if device_of(entry) == profile])


def run_data(run: dict[str, Any], entries: list[dict[str, Any]]) -> RunData:
    """A run with its measurements sorted out: the main view (`crawled_view`) as its pages,
    each profile's own view, and the journey steps apart."""
    main = main_device(entries)
    devices = [main] + [device for device in dict.fromkeys(
        device_of(entry) for entry in entries if not entry.get("journey")) if device != main]
    profiles = {device: crawled_view(entries, device) for device in devices}
    return RunData(
        run=run,
        pages=profiles.get(main) or [],
        device=main if entries else None,
        profiles={device: pages for device, pages in profiles.items() if pages},
        journeys=[entry for entry in entries if entry.get("journey")],
        samples=max((entry.get("sample") or 1 for entry in entries), default=1),
    )


def _viewports(store: Store, data: RunData, entries: list[dict[str, Any]]) -> None:
    """The viewport of each profile of a run measured on other devices than desktop alone,
    from the stored capture of its first page row (left out when the capture is gone)."""
    if list(data.profiles) in ([], [DESKTOP]):
        return
    for device in data.profiles:
        first = next((entry for entry in entries if device_of(entry) == device
                      and entry.get("page_id") is not None), None)
        if first is None:
            continue
        try:
            protocol = store.load_capture(first["page_id"]).protocol
        except StoreError:
            continue
        data.viewports[device] = {"width": protocol.viewport_width,
                                  "height": protocol.viewport_height,
                                  "mobile": protocol.mobile}


def _settings_of(
    config_site: ConfiguredSite | None, stored: dict[str, Any] | None
) -> dict[str, Any]:
    """Budgets, targets, page views, size, title and base URL: from sites.toml, else the stored
    copy."""
    if config_site is not None:
        return {
            "title": config_site.title,
            "group": config_site.group,
            "budgets": dict(config_site.budgets),
            "targets": config_site.targets,
            "page_views_per_year": config_site.page_views_per_year,
            "population": config_site.population,
            "category": config_site.category,
            "base_url": config_site.start_urls[0] if config_site.start_urls else None,
        }
    snapshot = (stored or {}).get("config") or {}
    start_urls = snapshot.get("start_urls") or []
    return {
        "title": (stored or {}).get("title") or snapshot.get("title"),
        "group": (stored or {}).get("group") or snapshot.get("group") or OWN,
        "budgets": snapshot.get("budgets") or {},
        "targets": snapshot.get("targets") or [],
        "page_views_per_year": snapshot.get("page_views_per_year"),
        "population": snapshot.get("population"),
        "category": snapshot.get("category"),
        "base_url": start_urls[0] if start_urls else None,
    }


def _runs_of(store: Store, name: str) -> list[RunData]:
    runs = [r for r in store.list_runs(name) if r.get("status") in REPORTED_STATUSES]
    runs.reverse()  # oldest first
    loaded = []
    for index, run in enumerate(runs):
        if index == len(runs) - 1:
            entries = store.run_pages(run["id"])
            data = run_data(run, entries)
            _viewports(store, data, entries)
            data.duplicates = store.run_duplicates(run["id"])
        else:
            data = run_data(run, [summary_entry(s) for s in store.page_summaries(run["id"])])
        loaded.append(data)
    return loaded


def load_sites(
    store: Store, config: SitesConfig | None = None, names: list[str] | None = None
) -> list[SiteData]:
    """Every site of the store and of `config` (a loaded sites.toml, optional), or only `names`.

    Sites in the store but not in `config` are marked `in_config=False`; sites in `config` with
    no run yet come with no runs. Without a config, every stored site counts as configured.
    """
    stored = {site["name"]: site for site in store.sites()}
    configured = {site.name: site for site in config.sites} if config is not None else {}
    every = sorted(set(stored) | set(configured))
    if names:
        unknown = [name for name in names if name not in every]
        if unknown:
            known = ", ".join(every) or "none"
            raise UnknownSite(
                f"No site named {unknown[0]} in the database or sites.toml (known: {known}); "
                "check the name."
            )
        every = [name for name in every if name in names]
    sites = []
    for name in every:
        settings = _settings_of(configured.get(name), stored.get(name))
        sites.append(
            SiteData(
                name=name,
                in_config=config is None or name in configured,
                runs=_runs_of(store, name) if name in stored else [],
                **settings,
            )
        )
    return sites
