"""`kill -9` of a real `ecoaudit crawl` in the middle of a run, then `crawl --resume`.

Every page ends measured exactly once, pages stored before the kill are not loaded again, and
the database passes its integrity check.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ecoaudit.config import SiteConfig
from ecoaudit.crawl.frontier import Frontier
from ecoaudit.store import Store
from tests.hostile_server import GIF_1PX, Handler, HostileServer

pytestmark = pytest.mark.browser

PAGES = 16
KILL_AT_PAGES = 5
STEP_TIMEOUT_SECONDS = 150
ECOAUDIT = Path(sys.executable).parent / "ecoaudit"  # the installed command


def linked_page(handler: Handler) -> None:
    """/page/N links to every page; its image takes 1 s, so that the run outlasts the kill by
    several seconds even when the polling below is slow."""
    number = handler.path.rsplit("/", 1)[-1]
    links = "".join(f"<a href='/page/{other}'>{other}</a>" for other in range(PAGES))
    handler.send_body(f"<!doctype html><html><head><title>Page {number}</title></head><body>"
                      f"<img src='/slow-image/{number}' alt=''>{links}</body></html>".encode())


def slow_image(handler: Handler) -> None:
    handler.owner.stall(1.0)
    handler.send_body(GIF_1PX, content_type="image/gif")


def ecoaudit_crawl(start_url: str, database: Path, *extra: str) -> subprocess.Popen:
    command = [str(ECOAUDIT), "crawl", "--url", start_url,
               "--db", str(database), "--no-report", "--wait-before", "0", "--wait-after", "0",
               "--timeout", "10", "--concurrency", "2", "--max-pages", str(PAGES), *extra]
    # A session of its own, so that kill -9 reaches the browser and its driver too.
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, text=True)


def stored_urls(database: Path) -> list[str]:
    if not database.exists():
        return []
    with Store.open(f"sqlite:///{database}") as store:
        runs = store.list_runs()
        return [page["url"] for page in store.page_summaries(runs[0]["id"])] if runs else []


def test_kill_9_then_resume_measures_every_page_exactly_once(tmp_path) -> None:
    database = tmp_path / "ecoaudit.db"
    routes = {f"/page/{number}": linked_page for number in range(PAGES)}
    routes.update({f"/slow-image/{number}": slow_image for number in range(PAGES)})
    with HostileServer(extra_routes=routes) as server:
        start = server.url("/page/0")
        crawler = ecoaudit_crawl(start, database)
        deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
        while len(stored_urls(database)) < KILL_AT_PAGES and time.monotonic() < deadline:
            assert crawler.poll() is None, crawler.stdout.read()
            time.sleep(0.2)
        os.killpg(crawler.pid, signal.SIGKILL)
        crawler.wait(10)
        killed_at = time.monotonic()
        before_kill = set(stored_urls(database))
        assert KILL_AT_PAGES <= len(before_kill) < PAGES

        resumed = ecoaudit_crawl(start, database, "--resume")
        output, _ = resumed.communicate(timeout=STEP_TIMEOUT_SECONDS)
        navigations_after = Counter(entry.path for entry in server.requests(
            lambda entry: entry.is_navigation and entry.started > killed_at))
    assert resumed.returncode == 0, output
    urls = stored_urls(database)
    assert sorted(urls) == sorted(server.url(f"/page/{number}") for number in range(PAGES))
    assert len(urls) == len(set(urls))  # no duplicate after the resume
    already = {url.removeprefix(server.base) for url in before_kill}
    assert not already & set(navigations_after)  # stored pages were not loaded again
    with Store.open(f"sqlite:///{database}") as store:
        (run,) = store.list_runs()
        assert run["status"] == "completed"
        assert store.integrity_check()


def test_resume_counts_the_query_variants_measured_before_the_kill() -> None:
    site = SiteConfig(name="agenda", title="Agenda", start_urls=["https://www.metz.fr/"],
                      allowed_hosts=["www.metz.fr"], max_query_variants=3, max_pages=50)
    before_kill = [f"https://www.metz.fr/agenda?page={number}" for number in range(3)]
    frontier = Frontier(site)
    frontier.resume_from(before_kill)
    assert not frontier.add("https://www.metz.fr/agenda?page=99", 1, "link")
    assert frontier.refused["query_variants"] == 1
