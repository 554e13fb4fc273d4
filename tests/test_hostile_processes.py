"""Two real `ecoaudit crawl` processes write to one SQLite database at the same time (as the
scheduler and a crawl started by hand would): both succeed, without "database is locked"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ecoaudit.store import Store
from tests.hostile_server import Handler, HostileServer

pytestmark = pytest.mark.browser

ECOAUDIT = Path(sys.executable).parent / "ecoaudit"
PAGES = 8


def linked_page(handler: Handler) -> None:
    links = "".join(f"<a href='/page/{number}'>{number}</a>" for number in range(PAGES))
    handler.send_body(f"<!doctype html><html><head><title>{handler.path}</title></head>"
                      f"<body>{links}</body></html>".encode())


def test_two_crawls_write_one_sqlite_database_at_once(tmp_path) -> None:
    routes = {f"/page/{number}": linked_page for number in range(PAGES)}
    database = tmp_path / "ecoaudit.db"
    with HostileServer(extra_routes=routes) as first, HostileServer(extra_routes=routes) as second:
        crawls = [subprocess.Popen(
            [str(ECOAUDIT), "crawl", "--url", server.url("/page/0"), "--db", str(database),
             "--no-report", "--wait-before", "0", "--wait-after", "0", "--concurrency", "3"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
            for server in (first, second)]
        outputs = [crawl.communicate(timeout=240)[0] for crawl in crawls]
    for crawl, output in zip(crawls, outputs, strict=True):
        assert crawl.returncode == 0, output
        assert "locked" not in output
    with Store.open(f"sqlite:///{database}") as store:
        runs = store.list_runs()
        assert sorted((run["status"], run["pages_ok"]) for run in runs) == [
            ("completed", PAGES), ("completed", PAGES)]
        assert store.integrity_check()
