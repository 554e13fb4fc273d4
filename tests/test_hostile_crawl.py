"""A whole crawl of the hostile server: bounded in time and memory, every failure with its reason.

The figures (elapsed time, peak memory of the crawler and of the browser's processes, pages
measured and failed) are printed, for docs/reliability.md: run with `-s` to see them.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import psutil
import pytest

from ecoaudit.config import SiteConfig
from ecoaudit.crawl.engine import SiteCrawl, site_measure_options
from ecoaudit.measure import BrowserSession, MeasureOptions
from ecoaudit.store import Store
from tests.hostile_server import FAULTS, HostileServer

pytestmark = pytest.mark.browser

# Long enough for the slow-but-finite faults (a 2 s first byte, 20 redirects) on a loaded machine.
PAGE_TIMEOUT = 10.0
CONCURRENCY = 4
MAX_PAGES = 45
MAX_DEPTH = 3
MAX_QUERY_VARIANTS = 3
# Every page may use its whole deadline (timeout + 20 s to close), CONCURRENCY at a time,
# plus the browser's start: a crawl that hangs on one fault breaks this bound.
CRAWL_BOUND_SECONDS = 240.0
PYTHON_RSS_LIMIT = 1_000_000_000
BROWSER_PSS_LIMIT = 3_000_000_000

MEASURED = ("/", "/slow-first-byte", "/long-polling", "/websocket", "/bad-encoding",
            "/malformed", "/dialogs", "/popups", "/service-worker", "/navigates-away",
            "/huge-cookies", "/calendar/2026-01", "/malformed-target")
FAILED_BECAUSE = {
    "/first-byte-never": f"did not finish loading within {PAGE_TIMEOUT:g} s",
    "/stalled-body": f"did not finish loading within {PAGE_TIMEOUT:g} s",
    "/never-ending": f"did not finish loading within {PAGE_TIMEOUT:g} s",
    "/error-500": "HTTP status 500",
    "/error-503": "HTTP status 503",
    "/redirect-loop": "too many redirects",
    "/chain/20": "too many redirects",
    "/download": "starts a download",
    "/navigates-forever": "kept replacing itself",
    "/reset-mid-body": "connection reset by the server",
}


class MemoryWatch:
    """Samples the memory of this process (RSS) and of its children: the Playwright driver and
    the browser's processes, as PSS (shared pages divided among the processes sharing them, so
    that the sum is not inflated by the libraries every Chromium process maps)."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.python_peak = 0
        self.browser_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            self.python_peak = max(self.python_peak, me.memory_info().rss)
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_full_info().pss
                except psutil.Error:
                    continue
            self.browser_peak = max(self.browser_peak, total)
            self._stop.wait(self.interval)


def hostile_site(server: HostileServer) -> SiteConfig:
    return SiteConfig(
        name="hostile", title="Hostile", start_urls=[server.url("/")],
        allowed_hosts=[f"127.0.0.1:{server.port}"], max_pages=MAX_PAGES, max_depth=MAX_DEPTH,
        max_concurrency_per_host=CONCURRENCY, min_delay=0.0, page_timeout=PAGE_TIMEOUT,
        max_query_variants=MAX_QUERY_VARIANTS, allow_private_addresses=True,
    )


async def crawl(site: SiteConfig, store: Store) -> tuple[SiteCrawl, object]:
    # Short waits, yet long enough for a page replacing itself every 50 ms to be seen doing so.
    base = MeasureOptions(wait_before=0.5, wait_after=0.5, timeout=PAGE_TIMEOUT)
    async with BrowserSession(site_measure_options(site, base)) as session:
        site_crawl = SiteCrawl(site, store, session, concurrency=CONCURRENCY)
        return site_crawl, await site_crawl.run()


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory) -> dict:
    """One crawl of the hostile server, shared by the tests of this module."""
    database = Path(tmp_path_factory.mktemp("hostile")) / "ecoaudit.db"
    with HostileServer() as server, Store.open(f"sqlite:///{database}") as store:
        site = hostile_site(server)
        started = time.monotonic()
        with MemoryWatch() as memory:
            site_crawl, result = asyncio.run(crawl(site, store))
        elapsed = time.monotonic() - started
        pages = store.page_summaries(result.run_id)
        print(f"\nhostile crawl: {elapsed:.1f} s, {result.pages_ok} measured, "
              f"{result.pages_failed} failed, {result.documents} documents; peak RSS "
              f"python {memory.python_peak / 1e6:.0f} MB, browser tree (PSS) "
              f"{memory.browser_peak / 1e6:.0f} MB; refused {dict(site_crawl.frontier.refused)}")
        for page in pages:
            print(f"  {page['url'].removeprefix(server.base)}: {page['error'] or 'measured'}")
        return {"server": server, "site_crawl": site_crawl, "result": result, "pages": pages,
                "elapsed": elapsed, "memory": memory, "integrity": store.integrity_check(),
                "log": server.requests()}


def by_path(outcome: dict) -> dict[str, dict]:
    base = outcome["server"].base
    return {page["url"].removeprefix(base): page for page in outcome["pages"]}


def test_hostile_crawl_ends_within_its_bound_and_completes(hostile_crawl: dict) -> None:
    assert hostile_crawl["elapsed"] < CRAWL_BOUND_SECONDS
    assert hostile_crawl["result"].status == "completed"
    assert hostile_crawl["integrity"]


def test_every_fault_is_visited_once_and_recorded(hostile_crawl: dict) -> None:
    pages = by_path(hostile_crawl)
    urls = [page["url"] for page in hostile_crawl["pages"]]
    assert len(urls) == len(set(urls))
    missing = [path for path in (*FAULTS, *MEASURED, *FAILED_BECAUSE) if path not in pages]
    assert missing == []


def test_pages_that_can_be_measured_are_measured(hostile_crawl: dict) -> None:
    pages = by_path(hostile_crawl)
    errors = {path: pages[path]["error"] for path in MEASURED if pages[path]["error"]}
    assert errors == {}


def test_each_failure_says_why_in_one_sentence(hostile_crawl: dict) -> None:
    pages = by_path(hostile_crawl)
    for path, reason in FAILED_BECAUSE.items():
        assert reason in (pages[path]["error"] or ""), path
    for page in hostile_crawl["pages"]:
        if page["error"]:
            assert "\n" not in page["error"] and len(page["error"]) < 300


def test_heavy_faults_end_measured_or_failed_never_hung(hostile_crawl: dict) -> None:
    pages = by_path(hostile_crawl)
    for path in ("/big-page", "/huge-dom", "/gzip-bomb"):
        assert path in pages, path


def test_infinite_url_spaces_stay_within_depth_and_query_limits(hostile_crawl: dict) -> None:
    paths = list(by_path(hostile_crawl))
    calendar = [path for path in paths if path.startswith("/calendar/")]
    search = [path for path in paths if path.startswith("/search")]
    assert 1 <= len(calendar) <= MAX_DEPTH
    assert 1 <= len(search) <= MAX_QUERY_VARIANTS
    assert len(paths) <= MAX_PAGES


def test_dangerous_link_schemes_are_refused_and_never_requested(hostile_crawl: dict) -> None:
    refused = hostile_crawl["site_crawl"].frontier.refused
    assert refused["scheme"] >= 4  # javascript:, mailto:, file:, data:, chrome: on /malformed
    assert not [entry.path for entry in hostile_crawl["log"]
                if "passwd" in entry.path or entry.path.startswith("/settings")]


def test_dialogs_popups_and_downloads_are_handled_and_noted(hostile_crawl: dict) -> None:
    pages = by_path(hostile_crawl)
    assert pages["/download"]["error"]
    assert pages["/dialogs"]["error"] is None and pages["/popups"]["error"] is None


def test_memory_stays_bounded(hostile_crawl: dict) -> None:
    memory = hostile_crawl["memory"]
    assert 0 < memory.python_peak < PYTHON_RSS_LIMIT
    assert 0 < memory.browser_peak < BROWSER_PSS_LIMIT
