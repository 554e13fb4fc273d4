"""Two real `ecoaudit crawl` processes (real Chromium) writing one SQLite file at the same time,
as a scheduled crawl and a CLI crawl would: both complete, with no "database is locked"."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from ecoaudit.store import Store
from local_http import LocalHttpServer

PAGES_PER_SITE = 6
HTML = {"Content-Type": "text/html; charset=utf-8"}


def small_site(name: str, arrived: threading.Event, other: threading.Event) -> dict:
    """Its home page answers once the other site's home page was asked for too: both runs are
    open at the same time, however slowly either process starts."""
    links = "".join(f'<a href="/{name}-{index}">{index}</a> ' for index in range(1, PAGES_PER_SITE))

    def home(_path: str) -> tuple:
        arrived.set()
        other.wait(120)
        return 200, HTML, f"<html><title>{name}</title><body>{links}</body></html>"

    routes: dict = {"/": home}
    for index in range(1, PAGES_PER_SITE):
        routes[f"/{name}-{index}"] = (200, HTML, f"<html><title>{name} {index}</title></html>")
    return routes


@pytest.mark.browser
def test_two_crawl_processes_share_one_sqlite_file_without_lock_errors(tmp_path) -> None:
    database = tmp_path / "shared.db"
    a_arrived, b_arrived = threading.Event(), threading.Event()
    with LocalHttpServer(small_site("a", a_arrived, b_arrived)) as first, \
            LocalHttpServer(small_site("b", b_arrived, a_arrived)) as second:
        crawls = [
            subprocess.Popen(
                [sys.executable, "-m", "ecoaudit", "crawl", "--url", server.url("/"),
                 "--db", str(database), "--wait-before", "0", "--wait-after", "0",
                 "--concurrency", "2", "--no-report"],
                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for server in (first, second)
        ]
        outputs = [crawl.communicate(timeout=240) for crawl in crawls]
    for crawl, (stdout, stderr) in zip(crawls, outputs, strict=True):
        assert crawl.returncode == 0, stdout + stderr
        assert "locked" not in (stdout + stderr).lower()
    with Store.open(str(database)) as store:
        runs = store.list_runs()
        assert sorted((run["status"], run["pages_ok"]) for run in runs) == [
            ("completed", PAGES_PER_SITE), ("completed", PAGES_PER_SITE)]
        assert store.integrity_check()
    # The two runs really overlapped in time (else this would not test concurrent writers).
    assert max(run["started_at"] for run in runs) < min(run["ended_at"] for run in runs)
