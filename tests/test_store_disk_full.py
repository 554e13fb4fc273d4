"""A real `ecoaudit crawl` whose disk fills up in the middle of the run (a 4 MB tmpfs).

The crawl stops with one sentence and a non-zero exit; its run is left interrupted and
resumable, with every page committed before kept; once space is freed, `--resume` finishes it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecoaudit.store import Store
from small_filesystems import fill, tmpfs
from tests.page_server import Response, serve

pytestmark = pytest.mark.browser

ECOAUDIT = str(Path(sys.executable).parent / "ecoaudit")
PAGES = 7
FILL_AT_PAGES = 2


def site_routes() -> dict:
    links = "".join(f'<a href="/p{number}">page {number}</a>' for number in range(1, PAGES))
    routes = {"/": Response(f"<html><head><title>Accueil</title></head><body>{links}</body>"
                            "</html>")}
    routes.update({f"/p{number}": Response(f"<html><body>page {number} {links}</body></html>",
                                           delay=0.6) for number in range(1, PAGES)})
    return routes


def crawl(start: str, database: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [ECOAUDIT, "crawl", "--url", start, "--db", str(database), "--no-report",
         "--wait-before", "0", "--wait-after", "0", "--timeout", "15", "--concurrency", "2",
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stored_pages(database: Path) -> set[str]:
    """URLs committed so far, read without writing anything."""
    if not database.exists():
        return set()
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        try:
            return {row[0] for row in connection.execute("SELECT url FROM pages")}
        except sqlite3.OperationalError:  # tables not created yet
            return set()


def test_a_disk_full_during_a_crawl_interrupts_the_run_and_loses_nothing(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "4m") as small, serve(site_routes()) as server:
        database = small / "ecoaudit.db"
        crawler = crawl(server.url("/"), database)
        deadline = time.monotonic() + 90
        while len(stored_pages(database)) < FILL_AT_PAGES:
            assert crawler.poll() is None, crawler.communicate()
            assert time.monotonic() < deadline, "the crawl stored no page"
            time.sleep(0.1)
        filler = fill(small)
        before_full = stored_pages(database)
        _, error = crawler.communicate(timeout=120)
        assert crawler.returncode == 2, error
        assert "Traceback" not in error
        message = [line for line in error.splitlines() if line.strip()]
        assert len(message) == 1, error
        assert message[0].startswith("Error: Run ")
        assert "disk holding the database is full" in message[0]
        assert "--resume" in message[0]

        filler.unlink()
        with Store.open(str(database)) as store:
            (run,) = store.list_runs()
            assert run["status"] == "interrupted"
            kept = {page["url"] for page in store.page_summaries(run["id"])}
            assert before_full <= kept  # nothing committed was lost
            assert store.integrity_check()
        resumed = crawl(server.url("/"), database, "--resume")
        output, error = resumed.communicate(timeout=120)
        assert resumed.returncode == 0, output + error
        with Store.open(str(database)) as store:
            (run,) = store.list_runs()
            assert run["status"] == "completed" and run["resumed_count"] == 1
            assert run["pages_ok"] == PAGES
