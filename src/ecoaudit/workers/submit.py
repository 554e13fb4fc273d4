"""Queueing crawls for workers: open each run in the database, fill its frontier with the start
and sitemap URLs (robots.txt read here, as a local crawl does), and put one token per page on
the broker. Nothing is measured here; `ecoaudit worker` processes do that."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Any

from celery import Celery

from ecoaudit import __version__
from ecoaudit.config import SiteConfig
from ecoaudit.config.serial import site_to_data
from ecoaudit.crawl.engine import run_settings
from ecoaudit.crawl.frontier import Frontier
from ecoaudit.measure import MeasureOptions
from ecoaudit.metrics import ecoindex
from ecoaudit.net.httpfetch import site_client
from ecoaudit.net.urls import UrlError
from ecoaudit.store import Store
from ecoaudit.store.work_queue import WorkQueue
from ecoaudit.workers.celery_app import send_finish_token, send_page_tokens
from ecoaudit.workers.frontier_rows import limits_of, new_url
from ecoaudit.workers.run_context import task_limits
from ecoaudit.workers.versions import Versions

# The protocol's settings a run carries to its workers (the rest comes from the site).
MEASURE_KEYS = ("viewport_width", "viewport_height", "wait_before", "wait_after", "timeout",
                "collect_coverage", "ignore_https_errors")


@dataclass(frozen=True)
class QueuedCrawl:
    """A run handed to the workers (or refused before any page: `reason`)."""

    site: str
    run_id: int
    pages: int
    reason: str | None = None


def measure_data(base: MeasureOptions, timeout: float | None) -> dict[str, Any]:
    """The protocol's settings of a queued run; `timeout` None: each site's page_timeout."""
    data = {key: getattr(base, key) for key in MEASURE_KEYS}
    data["timeout"] = timeout
    return data


def options_from_data(data: dict[str, Any]) -> tuple[MeasureOptions, float | None]:
    """The MeasureOptions and the explicit page timeout `measure_data` recorded."""
    known = {field.name for field in dataclasses.fields(MeasureOptions)}
    values = {key: value for key, value in data.items() if key in known and key != "timeout"}
    return MeasureOptions(**values), data.get("timeout")


async def queue_crawls(sites: list[SiteConfig], store: Store, app: Celery,
                       base: MeasureOptions, *, concurrency: int,
                       timeout: float | None = None) -> list[QueuedCrawl]:
    """Open one queued run per site and send its page tokens."""
    queue = WorkQueue(store.engine)
    versions = Versions.here()
    queued = []
    for site in sites:
        site.check_secrets()
        queued.append(await _queue_site(site, store, queue, app, base, versions,
                                        concurrency=concurrency, timeout=timeout))
    return queued


async def _queue_site(site: SiteConfig, store: Store, queue: WorkQueue, app: Celery,
                      base: MeasureOptions, versions: Versions, *, concurrency: int,
                      timeout: float | None) -> QueuedCrawl:
    devices = site.devices or [base.device]
    await asyncio.to_thread(store.upsert_site, site.name, title=site.title, group=site.group,
                            config=site.redacted())
    run_id = await asyncio.to_thread(
        store.start_run, site.name, settings={**run_settings(site, concurrency, devices),
                                              "workers": True},
        tool_version=__version__, formula_version=ecoindex.FORMULA_VERSION)
    await asyncio.to_thread(queue.open_run, run_id, site_spec=site_to_data(site),
                            measure=measure_data(base, timeout), tool_version=versions.tool,
                            catalogue=versions.catalogue)
    frontier = Frontier(site)
    try:
        async with site_client(site) as client:
            await frontier.seed(client)
    except UrlError as error:
        return await _refused(store, queue, site, run_id, str(error))
    if frontier.blocked_reason:
        return await _refused(store, queue, site, run_id, frontier.blocked_reason)
    rows = [new_url(item.url, item.depth, item.source, item.parent)
            for item in list(frontier.queued_items())]
    rows += [new_url(found.url, 1, "link", found.found_on, kind="document",
                     link_text=found.link_text) for found in frontier.documents]
    pages = await asyncio.to_thread(queue.add_urls, run_id, rows, limits_of(site),
                                    dict(frontier.refused))
    options, explicit = options_from_data(measure_data(base, timeout))
    send_page_tokens(app, run_id, pages, task_limits(site, options, explicit))
    return QueuedCrawl(site.name, run_id, pages)


async def _refused(store: Store, queue: WorkQueue, site: SiteConfig, run_id: int,
                   reason: str) -> QueuedCrawl:
    """A run that cannot start (robots.txt, a private address): failed, with its reason."""
    await asyncio.to_thread(queue.mark_finished, run_id)
    await asyncio.to_thread(store.finish_run, run_id, "failed", reason)
    return QueuedCrawl(site.name, run_id, 0, reason)


def cancel_queued_run(store: Store, app: Celery, run_id: int) -> int:
    """Cancel a run crawled by workers: its queued pages are not measured, the pages being
    measured end, then the run ends "interrupted" (its last step is queued here when no page
    is left). How many pages were cancelled."""
    queue = WorkQueue(store.engine)
    cancelled, nothing_left = queue.cancel_run(run_id)
    if nothing_left and queue.begin_finish(run_id):
        send_finish_token(app, run_id)
    return cancelled
