"""Sitemaps: page URLs listed by robots.txt `Sitemap:` lines and /sitemap.xml.

Follows sitemap indexes (bounded depth and number of files), reads `.xml.gz` files and gzip
Content-Encoding, and plain-text sitemaps (one URL a line). Limits follow the sitemaps.org
protocol: 50 MB uncompressed and 50,000 URLs per file; anything larger is refused, not truncated.
defusedxml parses the XML and refuses any DOCTYPE, entity declaration or external reference, so no
entity expansion (billion laughs) and no external fetch can happen.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from ecoaudit.config import SiteConfig
from ecoaudit.crawl.robots import RobotsPolicy
from ecoaudit.net.httpfetch import TooLarge, fetch, gunzip_capped
from ecoaudit.net.urls import UrlError, origin

log = logging.getLogger(__name__)

MAX_SITEMAP_BYTES = 50 * 1000 * 1000
MAX_URLS_PER_SITEMAP = 50_000
MAX_SITEMAP_FILES = 50
MAX_INDEX_DEPTH = 3
MAX_URLS = 50_000
GZIP_MAGIC = b"\x1f\x8b"


class SitemapError(Exception):
    """A sitemap that cannot be used (too large, not XML, ...)."""


async def discover(
    client: httpx.AsyncClient,
    site: SiteConfig,
    robots: RobotsPolicy | Mapping[str, RobotsPolicy] | None,
) -> list[str]:
    """Page URLs from the site's sitemaps, in the order listed, without duplicates.

    `robots` is the policy of the start URLs' origin (or a mapping origin -> policy): its
    Sitemap lines are read first, then /sitemap.xml of each start origin. A sitemap that fails is
    logged and skipped: sitemaps only add candidates to the crawl.
    """
    policies = _policies(robots)
    queue: list[tuple[str, int]] = []
    for policy in policies.values():
        queue.extend((url, 0) for url in policy.sitemaps)
    for start_url in site.start_urls:
        default = origin(start_url) + "/sitemap.xml"
        start_policy = policies.get(origin(start_url))
        if (site.respect_robots and start_policy is not None
                and not start_policy.allowed(default)):
            continue
        queue.append((default, 0))
    pages: dict[str, None] = {}
    visited: set[str] = set()
    while queue and len(visited) < MAX_SITEMAP_FILES and len(pages) < MAX_URLS:
        sitemap_url, depth = queue.pop(0)
        if sitemap_url in visited:
            continue
        visited.add(sitemap_url)
        try:
            kind, locations = await _read_sitemap(client, site, sitemap_url)
        except (SitemapError, TooLarge, UrlError, httpx.HTTPError, TimeoutError) as error:
            log.info("Sitemap %s skipped: %s", sitemap_url, error)
            continue
        if kind == "sitemapindex":
            if depth < MAX_INDEX_DEPTH:
                queue.extend(
                    (child, depth + 1)
                    for child in locations
                    if _same_origin(child, sitemap_url) or site.in_scope(child)
                )
            continue
        for location in locations[: MAX_URLS - len(pages)]:
            if _is_http(location):
                pages.setdefault(location, None)
    return list(pages)


def parse_sitemap(body: bytes, max_bytes: int = MAX_SITEMAP_BYTES) -> tuple[str, list[str]]:
    """("urlset" or "sitemapindex", the <loc> values) of a sitemap body (gzip accepted)."""
    if body.startswith(GZIP_MAGIC):
        body = gunzip_capped(body, max_bytes)
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"<"):
        return "urlset", _text_sitemap(stripped)
    kind = ""
    locations: list[str] = []
    events = iterparse(io.BytesIO(body), events=("start", "end"), forbid_dtd=True)
    try:
        for event, element in events:
            name = element.tag.rsplit("}", 1)[-1]
            if event == "start":
                if not kind:
                    kind = name
                continue
            if name == "loc" and element.text and element.text.strip():
                locations.append(element.text.strip())
                if len(locations) > MAX_URLS_PER_SITEMAP:
                    raise SitemapError(f"more than {MAX_URLS_PER_SITEMAP} URLs in one file")
            elif name in ("url", "sitemap"):
                element.clear()
    except DefusedXmlException:
        raise SitemapError(
            "the XML declares a DOCTYPE or entities, which sitemaps never need"
        ) from None
    except ParseError as error:
        raise SitemapError(f"not valid XML ({error})") from None
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"the root element is <{kind}>, not <urlset> or <sitemapindex>")
    return kind, locations


async def _read_sitemap(
    client: httpx.AsyncClient, site: SiteConfig, url: str
) -> tuple[str, list[str]]:
    answer = await fetch(client, url, site, max_bytes=MAX_SITEMAP_BYTES, total_timeout=120.0)
    if answer.status != 200:
        raise SitemapError(f"HTTP {answer.status}")
    return parse_sitemap(answer.body)


def _text_sitemap(body: bytes) -> list[str]:
    lines = body.decode("utf-8", errors="replace").splitlines()
    urls = [line.strip() for line in lines if line.strip().startswith(("http://", "https://"))]
    if len(urls) > MAX_URLS_PER_SITEMAP:
        raise SitemapError(f"more than {MAX_URLS_PER_SITEMAP} URLs in one file")
    return urls


def _policies(
    robots: RobotsPolicy | Mapping[str, RobotsPolicy] | None,
) -> dict[str, RobotsPolicy]:
    if robots is None:
        return {}
    if isinstance(robots, RobotsPolicy):
        return {robots.origin or "": robots}
    return dict(robots)


def _same_origin(first: str, second: str) -> bool:
    try:
        return origin(first) == origin(second)
    except UrlError:
        return False


def _is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")
