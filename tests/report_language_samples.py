"""Hand-made captures on which every rule finds something: evidence of each kind, textual
outcomes and not-applicable reasons (built with tests/rule_captures.py; no browser needed)."""

from __future__ import annotations

import dataclasses

from ecoaudit.capture import (
    Capture,
    Cookie,
    Coverage,
    DomFacts,
    Font,
    Image,
    Media,
    Protocol,
    TextStats,
)
from tests.rule_captures import SITE, page, req

PRETTY = TextStats(length=12_000, line_breaks=400, semicolons=300, gzip_bytes=3_000)
STALE = {"expires": "Thu, 01 Jan 2026 00:00:00 GMT", "date": "Sat, 28 Nov 2026 09:00:00 GMT"}
PROTOCOL = Protocol(browser="chromium 1.0", tool_version="0.1.0",
                    measured_at="2026-11-28T09:00:00Z")


def _at(path: str, capture: Capture) -> Capture:
    """The capture at SITE + path, titled with the path (no word of either language)."""
    url = SITE + path
    return dataclasses.replace(capture, requested_url=url, final_url=url,
                               title="metz" + path.replace("/", "-"),
                               protocol=dataclasses.replace(capture.protocol,
                                                            **_protocol_fields()))


def _protocol_fields() -> dict:
    return {name: getattr(PROTOCOL, name) for name in ("browser", "tool_version", "measured_at")}


def _image(path: str, fmt: str, size: int, **fields) -> object:
    return req(path, "image", size=size, sniffed_format=fmt, mime_type=f"image/{fmt}", **fields)


def images_page() -> Capture:
    """modern-image-formats, bitmap-overweight, images-resized-in-browser, offscreen-images."""
    return _at("/images", page(
        req("/images"),
        _image("/photo.jpg", "jpeg", 400_000),
        _image("/plan.png", "png", 600_000),
        _image("/bandeau.gif", "gif", 700_000),
        _image("/cache.webp", "webp", 50_000),
        _image("/pied.webp", "webp", 30_000),
        images=[
            Image(url=SITE + "/photo.jpg", format="jpeg", bytes=400_000, natural_width=3000,
                  natural_height=2000, displayed_width=600, displayed_height=400,
                  in_first_viewport=True),
            Image(url=SITE + "/plan.png", format="png", bytes=600_000, natural_width=400,
                  natural_height=300, displayed_width=400, displayed_height=300,
                  in_first_viewport=True),
            Image(url=SITE + "/cache.webp", format="webp", bytes=50_000, natural_width=800,
                  natural_height=600, visible=False),
            Image(url=SITE + "/pied.webp", format="webp", bytes=30_000, natural_width=800,
                  natural_height=300, displayed_width=800, displayed_height=300),
        ],
    ))


def network_page() -> Capture:
    """text-compression, cache-headers, http-errors-redirects, https-everywhere,
    http2-and-domains."""
    return _at("/reseau", page(
        req("/reseau", protocol="http/1.1", headers={"content-encoding": "gzip"}),
        req("/app.js", "script", size=40_000, text_stats=PRETTY,
            headers={"cache-control": "no-cache"}),
        req("/style.css", "stylesheet", size=20_000, headers=STALE),
        req("/logo.webp", "image", size=9_000),
        req("/ancien.js", "script", status=404, size=300),
        req("/vieux-logo.webp", "image", status=301, size=200,
            redirect_to=SITE + "/logo.webp"),
        req("http://www.metz.fr/print.css", "stylesheet", size=3_000,
            headers={"cache-control": "max-age=3600"}),
        req("https://static.metz.fr/a.webp", "image", size=4_000,
            headers={"cache-control": "max-age=3600"}),
        req("https://cdn1.example.net/a.js", "script", size=1_000),
        req("https://cdn2.example.org/b.js", "script", size=1_000),
        req("https://cdn3.example.com/c.js", "script", size=1_000),
    ))


def third_parties_page() -> Capture:
    """third-parties-before-consent, social-widgets-plugins, cookies, permission-prompts."""
    return _at("/tiers", page(
        req("/tiers", request_cookie_bytes=1_500),
        req("https://www.youtube.com/embed/x", "document", size=60_000),
        req("https://www.youtube.com/s/player.js", "script", size=90_000),
        req("https://platform.twitter.com/widgets.js", "script", size=80_000),
        req("/a.css", "stylesheet", request_cookie_bytes=1_500,
            headers={"cache-control": "max-age=3600"}),
        req("/b.webp", "image", request_cookie_bytes=1_500,
            headers={"cache-control": "max-age=3600"}),
        cookies=[Cookie(name="_ga", domain=".youtube.com", size=30, third_party=True)],
        dom=DomFacts(plugins=2, empty_src=1),
        permission_requests=["geolocation", "notifications"],
    ))


def content_page() -> Capture:
    """minified-css-js, unused-css-js, web-fonts, autoplay-and-animations."""
    return _at("/contenu", page(
        req("/contenu"),
        req("/site.css", "stylesheet", size=12_000, text_stats=PRETTY),
        req("/f1.woff2", "font", size=200_000),
        req("/f2.woff2", "font", size=150_000),
        req("/f3.woff2", "font", size=120_000),
        req("/fete.gif", "image", size=300_000, sniffed_format="gif", mime_type="image/gif",
            animated=True),
        req("/icone.webp", "image", size=5_000, sniffed_format="webp", animated=True),
        coverage=[Coverage(url=SITE + "/app.js", kind="js", total_bytes=300_000,
                           used_bytes=20_000),
                  Coverage(url=SITE + "/site.css", kind="css", total_bytes=40_000,
                           used_bytes=1_000)],
        fonts=[Font(family="Alpha"), Font(family="Beta", weight="700"),
               Font(family="Gamma", style="italic")],
        media=[Media(tag="video", src=SITE + "/fete.mp4", autoplay=True, muted=True,
                     loop=True),
               Media(tag="audio", src=SITE + "/hymne.mp3", playing=True)],
    ))


def heavy_page() -> Capture:
    """page-weight, request-count, dom-size, ecoindex-grade, co2-per-view."""
    kinds = [("stylesheet", 30_000), ("script", 60_000), ("image", 120_000), ("font", 50_000),
             ("media", 400_000), ("fetch", 2_000)]
    requests = [req(f"/r{n}", kind, size=size, headers={"cache-control": "max-age=3600"})
                for n, (kind, size) in enumerate(kinds * 8)]
    return _at("/lourde", page(req("/lourde"), *requests, nodes=3_000,
                               dom=DomFacts(max_depth=31)))


def old_capture_page() -> Capture:
    """A capture without the newer facts: the rules that need them do not apply."""
    capture = Capture(requested_url=SITE + "/", final_url=SITE + "/", status=200, nodes=120,
                      requests=[req("/ancienne", size=5_000,
                                    headers={"content-encoding": "br"})])
    return _at("/ancienne", capture)


def after_consent_page() -> Capture:
    """Measured after consent: third-parties-before-consent does not apply."""
    capture = _at("/apres", page(req("/apres")))
    return dataclasses.replace(capture, protocol=dataclasses.replace(capture.protocol,
                                                                    consent="after"))


def every_rule_pages() -> list[Capture]:
    """Pages on which, together, every page rule fails or warns, and several do not apply."""
    return [images_page(), network_page(), third_parties_page(), content_page(), heavy_page(),
            old_capture_page(), after_consent_page()]
