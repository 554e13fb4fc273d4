"""The browser is killed (SIGKILL) in the middle of a crawl: relaunched, the page retried once."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter

import psutil
import pytest
from playwright.async_api import async_playwright

from ecoaudit.config import SiteConfig
from ecoaudit.crawl.engine import SiteCrawl, site_measure_options
from ecoaudit.measure import BrowserSession, MeasureOptions
from ecoaudit.measure.browser import find_chromium, launch_options
from ecoaudit.measure.failures import BROWSER_DEATH_GRACE_SECONDS, browser_died
from ecoaudit.store import Store
from tests.hostile_server import GIF_1PX, Handler, HostileServer

pytestmark = pytest.mark.browser

PAGES = 10
KILLED: list[int] = []
KILL_WHILE_LOADING = "/slow-image?5"  # the browser is killed while page 5 is loading


def numbered_page(handler: Handler) -> None:
    """/page?N: links to every other page; a slow image keeps the page loading for 1.5 s."""
    number = handler.path.rsplit("?", 1)[-1]
    links = "".join(f"<a href='/page?{other}'>{other}</a>" for other in range(PAGES))
    handler.send_body(f"<!doctype html><html><head><title>Page {number}</title></head><body>"
                      f"<img src='/slow-image?{number}' alt=''>{links}</body></html>".encode())


def slow_image(handler: Handler) -> None:
    first_time = [entry.path for entry in handler.owner.requests()].count(handler.path) == 1
    if handler.path == KILL_WHILE_LOADING and first_time:
        for process in browser_main_processes():
            os.kill(process.pid, signal.SIGKILL)
            KILLED.append(process.pid)
    handler.owner.stall(1.5)
    handler.send_body(GIF_1PX, content_type="image/gif")


def browser_main_processes() -> list[psutil.Process]:
    """Chromium processes started by the Playwright driver (not by another Chromium)."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name() and "chrom" not in child.parent().name():
                found.append(child)
        except psutil.Error:
            continue
    return found


async def crawl_and_kill_the_browser(site: SiteConfig, store: Store) -> tuple:
    base = MeasureOptions(wait_before=0, wait_after=0, timeout=10)
    async with BrowserSession(site_measure_options(site, base)) as session:
        site_crawl = SiteCrawl(site, store, session, concurrency=2)
        result = await site_crawl.run()
        return result, session.relaunches


def test_killed_browser_is_relaunched_and_the_crawl_loses_no_page(tmp_path) -> None:
    routes = {"/page": numbered_page, "/slow-image": slow_image}
    with HostileServer(extra_routes=routes) as server, \
            Store.open(f"sqlite:///{tmp_path / 'ecoaudit.db'}") as store:
        site = SiteConfig(
            name="dies", title="Dies", start_urls=[server.url("/page?0")],
            allowed_hosts=[f"127.0.0.1:{server.port}"], max_pages=PAGES, max_depth=2,
            max_concurrency_per_host=2, min_delay=0.0, page_timeout=10, sitemap=False,
            allow_private_addresses=True,
        )
        KILLED.clear()
        result, relaunches = asyncio.run(crawl_and_kill_the_browser(site, store))
        pages = store.page_summaries(result.run_id)
        navigations = Counter(entry.path for entry in server.requests(
            lambda entry: entry.is_navigation))
    assert KILLED, "no browser process was found to kill"
    assert relaunches == 1
    assert result.status == "completed"
    assert sorted(page["url"].removeprefix(server.base) for page in pages) == sorted(
        f"/page?{number}" for number in range(PAGES))
    assert [page["error"] for page in pages] == [None] * PAGES
    # The page in flight when the browser died was loaded twice (retried once), the others once.
    assert navigations["/page?5"] == 2
    assert set(navigations.values()) <= {1, 2}


def test_a_closed_target_error_waits_for_the_disconnection_before_deciding() -> None:
    async def scenario() -> tuple[bool, bool, float, bool]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(**launch_options(find_chromium()))
            other_error = await browser_died(browser, "net::ERR_FAILED")
            started = time.monotonic()
            closed_error = await browser_died(browser, "Target page, context or browser has been "
                                                    "closed")
            waited = time.monotonic() - started
            await browser.close()
            return other_error, closed_error, waited, await browser_died(browser, "anything")

    other_error, closed_error, waited, after_close = asyncio.run(scenario())
    assert (other_error, closed_error, after_close) == (False, False, True)
    assert waited >= BROWSER_DEATH_GRACE_SECONDS
