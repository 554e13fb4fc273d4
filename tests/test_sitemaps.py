"""Sitemaps: robots Sitemap lines, /sitemap.xml, indexes, gzip files and encodings, limits."""

from __future__ import annotations

import asyncio
import gzip
import time

import httpx
import pytest

from ecoaudit.config import SiteConfig, adhoc_site
from ecoaudit.crawl.frontier import Frontier
from ecoaudit.crawl.robots import RobotsPolicy
from ecoaudit.crawl.sitemaps import SitemapError, discover, parse_sitemap
from ecoaudit.net.httpfetch import TooLarge, fetch
from local_http import LocalHttpServer

XML = {"Content-Type": "application/xml"}
GZIP = {"Content-Type": "application/gzip"}


def urlset(*urls: str) -> str:
    entries = "".join(f"<url><loc>{url}</loc><lastmod>2025-01-01</lastmod></url>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    )


def sitemap_index(*urls: str) -> str:
    entries = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in urls)
    return f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'


def run_discover(site: SiteConfig, robots: RobotsPolicy | None) -> list[str]:
    async def scenario() -> list[str]:
        async with httpx.AsyncClient() as client:
            return await discover(client, site, robots)

    return asyncio.run(scenario())


def test_sitemap_index_and_gzipped_sitemaps_are_followed() -> None:
    with LocalHttpServer() as server:
        base = server.base
        server.routes.update({
            "/index.xml": (200, XML, sitemap_index(f"{base}/pages.xml.gz", f"{base}/news.xml")),
            "/pages.xml.gz": (200, GZIP, gzip.compress(urlset(f"{base}/a", f"{base}/b").encode())),
            "/news.xml": (200, XML, urlset(f"{base}/news/1", f"{base}/a")),
            "/sitemap.xml": (200, XML, urlset(f"{base}/c")),
        })
        site = adhoc_site(server.url("/"))
        robots = RobotsPolicy.parse(f"Sitemap: {base}/index.xml\n", origin=base)
        found = run_discover(site, robots)
        asked = server.paths()
    # Sitemaps are read breadth first: the two top-level ones, then the index's children.
    assert found == [f"{base}/c", f"{base}/a", f"{base}/b", f"{base}/news/1"]
    assert asked == ["/index.xml", "/sitemap.xml", "/pages.xml.gz", "/news.xml"]


def test_gzip_content_encoding_is_decoded() -> None:
    with LocalHttpServer() as server:
        body = gzip.compress(urlset(server.url("/encoded")).encode())
        server.routes["/sitemap.xml"] = (200, {**XML, "Content-Encoding": "gzip"}, body)
        found = run_discover(adhoc_site(server.url("/")), None)
    assert found == [server.url("/encoded")]


def test_plain_text_sitemap_is_read() -> None:
    with LocalHttpServer() as server:
        server.routes["/sitemap.xml"] = (200, {}, f"{server.url('/t1')}\n\n{server.url('/t2')}\n")
        assert run_discover(adhoc_site(server.url("/")), None) == [
            server.url("/t1"), server.url("/t2"),
        ]


def test_missing_or_broken_sitemaps_give_no_urls_and_no_error() -> None:
    with LocalHttpServer({"/sitemap.xml": (200, XML, "<urlset><url><loc>")}) as server:
        assert run_discover(adhoc_site(server.url("/")), None) == []
    with LocalHttpServer() as server:
        assert run_discover(adhoc_site(server.url("/")), None) == []


def test_sitemap_disallowed_by_robots_is_not_fetched() -> None:
    with LocalHttpServer() as server:
        server.routes["/sitemap.xml"] = (200, XML, urlset(server.url("/a")))
        robots = RobotsPolicy.parse("User-agent: *\nDisallow: /sitemap\n", origin=server.base)
        assert run_discover(adhoc_site(server.url("/")), robots) == []
        assert server.paths() == []


def test_index_recursion_is_bounded() -> None:
    with LocalHttpServer() as server:
        # /s0.xml -> /s1.xml -> ... an endless chain of indexes.
        for level in range(10):
            child = server.url(f"/s{level + 1}.xml")
            server.routes[f"/s{level}.xml"] = (200, XML, sitemap_index(child))
        robots = RobotsPolicy.parse(f"Sitemap: {server.base}/s0.xml\n", origin=server.base)
        site = adhoc_site(server.url("/"), sitemap=True)
        assert run_discover(site, robots) == []
        fetched = [path for path in server.paths() if path != "/sitemap.xml"]
    assert fetched == ["/s0.xml", "/s1.xml", "/s2.xml", "/s3.xml"]


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 3_000_000 + b"</urlset>", compresslevel=1)
    assert len(bomb) < 100_000
    with pytest.raises(TooLarge, match="larger than 1000000 bytes once decompressed"):
        parse_sitemap(bomb, max_bytes=1_000_000)
    assert parse_sitemap(bomb, max_bytes=4_000_000) == ("urlset", [])


def test_gzip_bomb_in_content_encoding_is_refused() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 3_000_000 + b"</urlset>", compresslevel=1)

    async def scenario(server: LocalHttpServer) -> None:
        async with httpx.AsyncClient() as client:
            await fetch(client, server.url("/sitemap.xml"), adhoc_site(server.url("/")),
                        max_bytes=1_000_000)

    headers = {**XML, "Content-Encoding": "gzip"}
    with LocalHttpServer({"/sitemap.xml": (200, headers, bomb)}) as server, pytest.raises(TooLarge):
        asyncio.run(scenario(server))


def test_xml_with_entities_is_refused() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b"<urlset><url><loc>&a;</loc></url></urlset>"
    )
    with pytest.raises(SitemapError, match="DOCTYPE"):
        parse_sitemap(body)


def billion_laughs() -> bytes:
    """Nine levels of ten references each: a billion "lol"s once expanded."""
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        reference = f"&lol{level - 1};"
        entities.append(f'<!ENTITY lol{level} "{reference * 10}">')
    declarations = "\n".join(entities)
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE urlset [\n{declarations}\n]>\n'
        "<urlset><url><loc>&lol9;</loc></url></urlset>"
    ).encode()


REFUSED = "the XML declares a DOCTYPE or entities, which sitemaps never need"


@pytest.mark.timeout(20)
def test_billion_laughs_is_refused_quickly_in_one_sentence() -> None:
    began = time.monotonic()
    with pytest.raises(SitemapError) as refused:
        parse_sitemap(billion_laughs())
    assert str(refused.value) == REFUSED
    with pytest.raises(SitemapError, match="DOCTYPE"):
        parse_sitemap(gzip.compress(billion_laughs()))
    assert time.monotonic() - began < 2


def test_external_entities_and_dtds_are_refused_and_never_fetched() -> None:
    with LocalHttpServer() as server:
        bodies = [
            f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "{server.url("/x")}">]>'
            "<urlset><url><loc>&xxe;</loc></url></urlset>",
            '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            "<urlset><url><loc>http://h/&xxe;</loc></url></urlset>",
            f'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "{server.url("/evil.dtd")}">'
            f"<urlset><url><loc>{server.url('/a')}</loc></url></urlset>",
        ]
        for body in bodies:
            with pytest.raises(SitemapError) as refused:
                parse_sitemap(body.encode())
            assert str(refused.value) == REFUSED
        server.routes["/sitemap.xml"] = (200, XML, bodies[0])
        assert run_discover(adhoc_site(server.url("/")), None) == []
        assert server.paths() == ["/sitemap.xml"]


def test_sitemap_with_namespaces_and_bom_is_read() -> None:
    body = "\ufeff" + urlset("https://metz.fr/a", "https://metz.fr/b")
    assert parse_sitemap(body.encode()) == ("urlset", ["https://metz.fr/a", "https://metz.fr/b"])
    with pytest.raises(SitemapError, match="not valid XML"):
        parse_sitemap(b"<urlset><loc>x</urlset>")


def test_sitemap_urls_feed_the_frontier_within_scope() -> None:
    async def scenario(server: LocalHttpServer) -> Frontier:
        frontier = Frontier(adhoc_site(server.url("/"), min_delay=0))
        async with httpx.AsyncClient() as client:
            await frontier.seed(client)
        return frontier

    with LocalHttpServer() as server:
        server.routes["/sitemap.xml"] = (
            200, XML, urlset(server.url("/in"), "http://127.0.0.2:9/out", server.url("/"))
        )
        frontier = asyncio.run(scenario(server))
    taken = [frontier.next() for _ in range(3)]
    assert [(q.url, q.source, q.depth) for q in taken if q] == [
        (server.url("/"), "start", 0), (server.url("/in"), "sitemap", 1),
    ]
    assert frontier.refused["out_of_scope"] == 1 and frontier.refused["duplicate"] == 1
