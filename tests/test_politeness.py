"""Politeness checked from the server's side: its own log of what the crawler asked, and when.

What is promised (see docs/reliability.md): per host, at most `max_concurrency_per_host` pages
are being loaded at once (a page from its navigation to the end of its last resource), at least
the larger of `min_delay` and robots.txt's Crawl-delay between two page navigations and between
two document inspections; robots.txt's Disallow is obeyed; every request names ecoaudit.
"""

from __future__ import annotations

import asyncio

import pytest

from ecoaudit.config import SiteConfig
from ecoaudit.crawl.engine import crawl_sites
from ecoaudit.measure import MeasureOptions
from ecoaudit.store import Store
from tests.hostile_server import (
    GIF_1PX,
    Handler,
    HostileServer,
    LoggedRequest,
    max_overlap,
    smallest_gap,
)

pytestmark = pytest.mark.browser

PAGES = 7
DOCUMENTS = 3
PER_HOST = 2
CLOCK_TOLERANCE = 0.05  # the server stamps arrivals, the crawler stamps departures
USER_AGENT = "ecoaudit-metz/1.0 (+https://www.metz.fr/ecoconception)"


def linked_page(handler: Handler) -> None:
    """/page/N links to every page, to /private and to PDFs; its image takes 2 s to come."""
    number = handler.path.rsplit("/", 1)[-1]
    links = "".join(f"<a href='/page/{other}'>{other}</a>" for other in range(PAGES))
    documents = "".join(f"<a href='/doc/{index}.pdf'>PDF</a>" for index in range(DOCUMENTS))
    handler.send_body(f"<!doctype html><html><head><title>Page {number}</title></head><body>"
                      f"<img src='/slow-image/{number}' alt=''>{links}{documents}"
                      "<a href='/private/secret'>secret</a></body></html>".encode())


def slow_image(handler: Handler) -> None:
    handler.owner.stall(2.0)
    handler.send_body(GIF_1PX, content_type="image/gif")


def pdf(handler: Handler) -> None:
    handler.send_body(b"%PDF-1.4 " + b"0" * 1000, content_type="application/pdf")


def routes() -> dict:
    table = {f"/page/{number}": linked_page for number in range(PAGES)}
    table.update({f"/slow-image/{number}": slow_image for number in range(PAGES)})
    table.update({f"/doc/{index}.pdf": pdf for index in range(DOCUMENTS)})
    return table


def page_loads(log: list[LoggedRequest]) -> list[LoggedRequest]:
    """Each page as the server lived it: from its navigation to the end of its slow image."""
    images = {entry.path.rsplit("/", 1)[-1]: entry for entry in log
              if entry.path.startswith("/slow-image/")}
    loads = []
    for entry in log:
        if entry.is_navigation and entry.path.startswith("/page/"):
            image = images.get(entry.path.rsplit("/", 1)[-1])
            loads.append(LoggedRequest(entry.method, entry.path, entry.headers, entry.started,
                                       image.ended if image else entry.ended))
    return loads


@pytest.mark.parametrize(("min_delay", "crawl_delay"), [(0.2, 1.0), (1.0, 0.2)])
def test_server_log_shows_limits_robots_and_user_agent_respected(
    tmp_path, min_delay: float, crawl_delay: float,
) -> None:
    robots = f"User-agent: *\nDisallow: /private\nCrawl-delay: {crawl_delay}\n"
    with HostileServer(robots_txt=robots, extra_routes=routes()) as server, \
            Store.open(f"sqlite:///{tmp_path / 'ecoaudit.db'}") as store:
        site = SiteConfig(
            name="polite", title="Polite", start_urls=[server.url("/page/0")],
            allowed_hosts=[f"127.0.0.1:{server.port}"], max_pages=PAGES, max_depth=2,
            max_concurrency_per_host=PER_HOST, min_delay=min_delay, page_timeout=15,
            allow_private_addresses=True, user_agent=USER_AGENT,
        )
        base = MeasureOptions(wait_before=0, wait_after=0, timeout=15)
        (result,) = asyncio.run(crawl_sites([site], store, base, concurrency=4))
        log = server.requests()
    delay = max(min_delay, crawl_delay)
    assert (result.status, result.pages_ok, result.documents) == ("completed", PAGES, DOCUMENTS)

    loads = page_loads(log)
    assert len(loads) == PAGES
    print(f"\ndelay {delay}: pages at once {max_overlap(loads)}, smallest gap between "
          f"navigations {smallest_gap(loads):.3f} s")
    assert max_overlap(loads) == PER_HOST  # reached, never exceeded
    assert smallest_gap(loads) >= delay - CLOCK_TOLERANCE

    inspections = [entry for entry in log if entry.path.startswith("/doc/")]
    assert len({entry.path for entry in inspections}) == DOCUMENTS
    heads = [entry for entry in inspections if entry.method == "HEAD"]
    assert smallest_gap(heads) >= delay - CLOCK_TOLERANCE

    assert not [entry.path for entry in log if entry.path.startswith("/private")]
    assert all(USER_AGENT in entry.user_agent for entry in log if entry.path != "/ws")
    assert any(entry.path == "/robots.txt" for entry in log)
