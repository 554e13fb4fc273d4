"""Crawling whole local sites through the real browser into a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecoaudit.config import SiteConfig, parse_config
from ecoaudit.crawl.engine import crawl_sites
from ecoaudit.measure import MeasureOptions
from ecoaudit.store import Store
from tests.local_http import LocalHttpServer

pytestmark = pytest.mark.browser

QUICK = MeasureOptions(wait_before=0, wait_after=0, timeout=15)
HTML = {"Content-Type": "text/html; charset=utf-8"}


def page(title: str, *links: str) -> tuple[int, dict, str]:
    anchors = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return 200, HTML, f"<html><head><title>{title}</title></head><body>{anchors}</body></html>"


def site_config(server: LocalHttpServer, **keys) -> SiteConfig:
    raw = {"name": "local", "title": "Local test site", "start_urls": [server.url("/")],
           "allow_private_addresses": True, "min_delay": 0, "max_concurrency_per_host": 4,
           **keys}
    return parse_config({"sites": [raw]}).sites[0]


def crawl(site: SiteConfig, store_url: str) -> tuple[dict, list[dict], list[dict]]:
    with Store.open(store_url) as store:
        (result,) = asyncio.run(crawl_sites([site], store, QUICK, concurrency=4))
        run = store.run(result.run_id)
        return run, store.page_summaries(result.run_id), store.run_documents(result.run_id)


def paths(pages: list[dict], base: str) -> list[str]:
    """Paths of the measured pages, by final URL (after redirects)."""
    return sorted((page["final_url"] or page["url"]).replace(base, "") for page in pages)


def _sitemap_index(base: str) -> str:
    return (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
            f'sitemap/0.9"><sitemap><loc>{base}/pages.xml.gz</loc></sitemap></sitemapindex>')


def _sitemap_pages(base: str) -> bytes:
    xml = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           f"<url><loc>{base}/from-sitemap</loc></url></urlset>")
    return gzip.compress(xml.encode())


def discovery_routes(server_base: callable) -> dict:
    return {
        "/robots.txt": lambda _p: (200, {"Content-Type": "text/plain"},
                                   f"User-agent: *\nDisallow: /private\n"
                                   f"Sitemap: {server_base()}/sitemap-index.xml\n"),
        "/sitemap-index.xml": lambda _p: (200, {"Content-Type": "application/xml"},
                                          _sitemap_index(server_base())),
        "/pages.xml.gz": lambda _p: (200, {"Content-Type": "application/gzip"},
                                     _sitemap_pages(server_base())),
        "/": page("home", "/a", "/b?x=1&utm_source=mail", "/c#section", "/doc.pdf",
                  "mailto:someone@example.org", "javascript:void(0)", "tel:+33000000",
                  "http://other.invalid/", "/moved", "/private/secret", "/skip-me"),
        "/a": page("a", "/a/1"),
        "/a/1": page("a1", "/a/1/2"),
        "/a/1/2": page("a12", "/a/1/2/3"),
        "/a/1/2/3": page("too deep"),
        "/b": page("b"),
        "/c": page("c", "/"),
        "/moved": (301, {"Location": "/a"}, b""),
        "/from-sitemap": page("from sitemap"),
        "/private/secret": page("private"),
        "/skip-me": page("excluded"),
        "/doc.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 " + b"x" * 5000),
    }


def test_crawl_discovers_links_and_sitemaps_within_scope_and_limits(store_url):
    holder: dict = {}
    with LocalHttpServer(discovery_routes(lambda: holder["base"])) as server:
        holder["base"] = server.base
        site = site_config(server, max_depth=3, exclude=["skip-me"])
        run, pages, documents = crawl(site, store_url)
    measured = paths(pages, server.base)
    # The start page is measured; the port is kept; the query is kept minus utm_*; the fragment
    # is dropped; the sitemap (index -> gzip) adds /from-sitemap; robots.txt keeps /private out;
    # the exclude pattern keeps /skip-me out; depth 3 keeps /a/1/2/3 out; /moved (-> /a) is
    # measured once, as /a; mailto/javascript/tel and other hosts are not followed.
    assert measured == ["/", "/a", "/a/1", "/a/1/2", "/b?x=1", "/c", "/from-sitemap"]
    assert run["status"] == "completed"
    assert [finding["rule"] for finding in run["site_findings"]] == ["site-static-hosts"]
    assert all(page["error"] is None for page in pages)
    assert [doc["url"].replace(server.base, "") for doc in documents] == ["/doc.pdf"]
    assert documents[0]["size_bytes"] == 5009 and documents[0]["content_type"].startswith(
        "application/pdf")
    assert "/private/secret" not in server.paths()
    assert "/a/1/2/3" not in server.paths()


def test_page_limit_is_respected(store_url):
    holder: dict = {}
    with LocalHttpServer(discovery_routes(lambda: holder["base"])) as server:
        holder["base"] = server.base
        _, pages, _ = crawl(site_config(server, max_pages=3, sitemap=False), store_url)
    assert len(pages) == 3
    assert "/" in paths(pages, server.base)


def test_urls_serving_the_same_html_are_recorded_once(tmp_path):
    home = page("Accueil", "/index.html", "/actus", "/actus/", "/plan")
    actus = page("Actualités", "/")
    routes = {"/": home, "/index.html": home, "/actus": actus, "/actus/": actus,
              "/plan": page("Plan du site", "/", "/actus")}
    with LocalHttpServer(routes) as server:
        site = site_config(server, sitemap=False, respect_robots=False)
        with Store.open(f"sqlite:///{tmp_path / 'dedupe.db'}") as store:
            (result,) = asyncio.run(crawl_sites([site], store, QUICK, concurrency=1))
            pages = store.page_summaries(result.run_id)
        visited = server.paths("GET")
    assert paths(pages, server.base) == ["/", "/actus", "/plan"]
    assert result.duplicates == 2 and result.pages_ok == 3
    assert {"/index.html", "/actus/"} <= set(visited)  # loaded once each, to know them


def test_robots_crawl_delay_spaces_page_loads(tmp_path):
    routes = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nCrawl-delay: 1\n"),
        "/": page("home", "/p1", "/p2"),
        "/p1": page("p1"),
        "/p2": page("p2"),
    }
    with LocalHttpServer(routes) as server:
        crawl(site_config(server, sitemap=False), f"sqlite:///{tmp_path / 'db.sqlite'}")
        navigations = [r.at for r in server.requests
                       if r.headers.get("Sec-Fetch-Mode") == "navigate"]
    assert len(navigations) == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(navigations)]
    assert min(gaps) >= 0.95


def test_robots_disallowing_everything_ends_the_run_with_a_reason(store_url):
    routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nDisallow: /\n"),
              "/": page("home")}
    with LocalHttpServer(routes) as server:
        run, pages, _ = crawl(site_config(server), store_url)
    assert run["status"] == "failed"
    assert "robots.txt" in run["reason"]
    assert pages == []


def test_unreachable_site_fails_the_run_with_a_reason(tmp_path):
    site = parse_config({"sites": [{"name": "gone", "start_urls": ["http://127.0.0.1:9/"],
                                    "allow_private_addresses": True, "respect_robots": False,
                                    "sitemap": False}]}).sites[0]
    run, pages, _ = crawl(site, f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert run["status"] == "failed"
    assert "every page failed" in run["reason"]
    assert len(pages) == 1 and pages[0]["error"]


def test_crawled_numbers_equal_a_single_page_audit(tmp_path):
    from ecoaudit.measure import measure_urls

    routes = {"/": page("home", "/x"), "/x": page("x", "/")}
    with LocalHttpServer(routes) as server:
        _, pages, _ = crawl(site_config(server, sitemap=False, respect_robots=False),
                            f"sqlite:///{tmp_path / 'db.sqlite'}")
        single = measure_urls([server.url("/x")], QUICK)[0]
    crawled = next(p for p in pages if p["url"].endswith("/x"))
    assert (crawled["nodes"], crawled["requests"], crawled["size_kb"]) == (
        single.nodes, single.request_count, single.size_kb)


def _slow_site(count: int) -> dict:
    links = [f"/p{i}" for i in range(count)]
    routes = {"/": page("home", *links)}
    for link in links:
        routes[link] = lambda _p, link=link: (200, HTML, f"<html><title>{link}</title></html>")
    return routes


def _wait_for_pages(store_url: str, at_least: int, limit: float) -> int:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with Store.open(store_url) as store:
                runs = store.list_runs()
                if runs:
                    count = len(store.page_summaries(runs[0]["id"]))
                    if count >= at_least:
                        return count
        except Exception:  # the database may be mid-creation
            pass
        time.sleep(0.2)
    raise AssertionError(f"fewer than {at_least} pages stored within {limit} s")


def test_resume_after_kill_9_measures_every_page_exactly_once(store_url, tmp_path):
    with LocalHttpServer(_slow_site(24)) as server:
        command = [sys.executable, "-m", "ecoaudit", "crawl", "--url", server.url("/"),
                   "--db", store_url, "--wait-before", "0.4", "--wait-after", "0",
                   "--concurrency", "2", "--no-report"]
        first = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            stored = _wait_for_pages(store_url, 5, 60)
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        assert stored < 25, "the crawl finished before it could be killed"
        done = subprocess.run([*command, "--resume"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
    with Store.open(store_url) as store:
        runs = store.list_runs()
        assert len(runs) == 1 and runs[0]["status"] == "completed"
        urls = [p["url"] for p in store.page_summaries(runs[0]["id"])]
        assert store.integrity_check()
    assert len(urls) == len(set(urls)) == 25
    if store_url.startswith("sqlite:///"):
        with sqlite3.connect(Path(store_url.removeprefix("sqlite:///"))) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
