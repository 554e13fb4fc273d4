"""The DOM facts, links, cookies and redirect chain of a page, written into its Capture."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ecoaudit.capture import (
    Capture,
    Cookie,
    DomFacts,
    Font,
    Image,
    Link,
    Media,
    Request,
)
from ecoaudit.measure.options import MeasureOptions
from ecoaudit.net import parties

# Longer canonical hrefs are ignored: no crawl follows URLs that long (max_url_length).
MAX_CANONICAL_LENGTH = 8192

if TYPE_CHECKING:
    from playwright.async_api import Cookie as BrowserCookie


def redirect_chain(response) -> list[str]:
    chain: list[str] = []
    request = response.request.redirected_from
    while request is not None:
        chain.append(request.url)
        request = request.redirected_from
    return list(reversed(chain))


def links_of(found: list[dict] | None) -> list[Link]:
    return [Link(**link) for link in found or []]


def apply_facts(capture: Capture, facts: dict) -> None:
    capture.nodes = int(facts["nodes"])
    capture.title = facts.get("title")
    capture.lang = facts.get("lang")
    capture.canonical_url = canonical_of(facts.get("canonical"))
    capture.images = [Image(**image) for image in facts.get("images", [])]
    capture.media = [Media(**media) for media in facts.get("media", [])]
    capture.fonts = [Font(**font) for font in facts.get("fonts", [])]
    capture.permission_requests = sorted(set(facts.get("permissions", [])))
    capture.dom = DomFacts(**facts["dom"])


def canonical_of(href: object) -> str | None:
    """The canonical URL the page script read: an absolute http(s) URL of sane length, else None
    (an empty or odd `href` names no canonical)."""
    if not isinstance(href, str) or len(href) > MAX_CANONICAL_LENGTH:
        return None
    return href if urlsplit(href).scheme in ("http", "https") else None


def cookie_of(cookie: BrowserCookie, capture: Capture, options: MeasureOptions) -> Cookie:
    hosts = list(options.first_party_hosts)
    if capture.final_url:
        hosts.append(urlsplit(capture.final_url).hostname or "")
    domain = cookie.get("domain", "").lstrip(".")
    return Cookie(
        name=cookie.get("name", ""),
        domain=cookie.get("domain", ""),
        size=len(cookie.get("name", "")) + len(cookie.get("value", "")),
        third_party=parties.is_third_party(f"https://{domain}/", hosts) if domain else None,
        http_only=bool(cookie.get("httpOnly")),
        secure=bool(cookie.get("secure")),
        same_site=cookie.get("sameSite"),
        expires=cookie.get("expires"),
    )


def link_images_to_requests(capture: Capture) -> None:
    """Give each image its bytes and sniffed format from the request that fetched it."""
    by_url: dict[str, Request] = {}
    for request in capture.requests:
        if request.status and 200 <= request.status < 300:
            by_url.setdefault(request.url, request)
    for image in capture.images:
        fetched = by_url.get(image.url)
        if fetched is not None:
            image.bytes = fetched.transfer_bytes
            image.format = fetched.sniffed_format
        elif image.url.startswith("data:image/"):
            image.format = image.url[11:].split(";")[0].split(",")[0].replace("svg+xml", "svg")
