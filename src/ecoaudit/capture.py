"""The Capture: one plain, JSON-serialisable record of everything the browser saw on one page load.

It is the source of truth: EcoIndex, rules and CO2 are pure functions of a Capture, so stored
captures can be re-scored offline. Fields a capture could not gather are None (or empty), never
invented; `from_dict` accepts older captures that lack newer fields.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any

CAPTURE_SCHEMA_VERSION = 1

# Response headers kept on every request (lower-case names): the ones rules need.
KEPT_RESPONSE_HEADERS = (
    "content-encoding", "cache-control", "expires", "etag", "last-modified", "content-length",
    "content-type", "age", "date", "vary", "pragma", "x-cache", "cf-cache-status",
)


@dataclass
class TextStats:
    """Facts about the body of a text resource (CSS, JS, HTML, JSON, SVG), for rules."""

    length: int  # characters
    line_breaks: int
    semicolons: int
    gzip_bytes: int  # size of the body gzipped at level 6: an estimate of what compression saves


@dataclass
class Request:
    """One network request of the page, as the browser's HAR recorded it."""

    url: str
    method: str = "GET"
    resource_type: str | None = None  # document, stylesheet, script, image, font, fetch, xhr, ...
    status: int | None = None  # None when the request failed without an answer
    mime_type: str | None = None
    protocol: str | None = None  # "http/1.1", "h2", "h3", ...
    transfer_bytes: int = 0  # on the wire, headers included, compressed as sent
    encoded_body_bytes: int | None = None
    decoded_body_bytes: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)  # KEPT_RESPONSE_HEADERS only
    set_cookie_bytes: list[int] = field(default_factory=list)  # one entry per Set-Cookie header
    request_cookie_bytes: int = 0  # length of the Cookie request header
    from_cache: bool = False
    from_service_worker: bool = False
    third_party: bool | None = None  # relative to the site's first party; None if unknown
    frame: str = "main"  # "main" or "iframe"
    started_ms: float | None = None  # since the navigation started
    duration_ms: float | None = None
    redirect_to: str | None = None
    failure: str | None = None  # network error text when the request failed
    sniffed_format: str | None = None  # images: format read from the bytes (png, jpeg, webp, ...)
    animated: bool | None = None  # images: more than one frame (GIF, WebP, APNG)
    text_stats: TextStats | None = None


@dataclass
class Image:
    """One <img> (or <picture>/<input type=image>) element as downloaded and as displayed."""

    url: str
    format: str | None = None  # sniffed from the bytes where they were seen
    bytes: int | None = None  # transferred bytes of the matching request
    natural_width: int = 0
    natural_height: int = 0
    displayed_width: float = 0
    displayed_height: float = 0
    in_first_viewport: bool = False
    lazy: bool = False  # loading="lazy"
    visible: bool = True  # has a non-empty box and is not hidden
    has_srcset: bool = False
    is_vector: bool = False


@dataclass
class Font:
    """One web font face from document.fonts."""

    family: str
    style: str = "normal"
    weight: str = "400"
    status: str = "loaded"
    url: str | None = None
    bytes: int | None = None


@dataclass
class Cookie:
    """One cookie present in the browser context at the end of the measurement."""

    name: str
    domain: str
    size: int  # len(name) + len(value)
    third_party: bool | None = None
    http_only: bool = False
    secure: bool = False
    same_site: str | None = None
    expires: float | None = None  # -1 for a session cookie


@dataclass
class Media:
    """One <video> or <audio> element."""

    tag: str
    src: str | None = None
    autoplay: bool = False
    playing: bool = False  # not paused at the end of the measurement
    muted: bool = False
    loop: bool = False
    preload: str | None = None
    width: int = 0
    height: int = 0


@dataclass
class Link:
    """One <a href> or <area href> of the main frame, resolved to an absolute URL."""

    url: str
    text: str = ""


@dataclass
class Coverage:
    """Bytes of one script or stylesheet and the bytes the page actually used."""

    url: str
    kind: str  # "js" or "css"
    total_bytes: int
    used_bytes: int


@dataclass
class DomFacts:
    """Counts read from the rendered DOM of the main frame, for rules."""

    iframes: int = 0
    plugins: int = 0  # <object> and <embed>
    empty_src: int = 0  # img[src=""], script[src=""], link[rel=stylesheet][href=""]
    inline_styles: int = 0  # <style> elements
    inline_scripts: int = 0  # <script> with text, not JSON-LD
    stylesheets: int = 0
    print_stylesheet: bool = False  # link/style with media print
    has_meta_viewport: bool = False
    max_depth: int | None = None


@dataclass
class Protocol:
    """How the page was measured: enough to compare two results or reproduce one."""

    viewport_width: int = 1920
    viewport_height: int = 1080
    device: str = "desktop"  # the profile: "desktop" (EcoIndex's), "mobile", a Playwright device
    device_scale_factor: float = 1.0
    mobile: bool = False  # a mobile viewport (meta viewport honoured) with touch events
    wait_before_scroll: float = 3.0
    wait_after_scroll: float = 3.0
    scroll: str = "ArrowDown, then smooth scroll to the bottom"
    timeout: float = 60.0
    cache: str = "empty"  # fresh browser context per page
    consent: str = "none"  # "none", "before", "after"
    user_agent: str | None = None
    browser: str | None = None  # e.g. "chromium 156.0.8078.73"
    browser_build: str | None = None  # "headless-shell" or "full" (ecoaudit.measure.browser)
    browser_path: str | None = None  # the executable that measured
    tool_version: str | None = None
    formula_version: str | None = None
    measured_at: str | None = None  # ISO 8601, UTC


@dataclass
class Capture:
    """Everything one page load showed the browser."""

    requested_url: str
    final_url: str | None = None
    redirect_chain: list[str] = field(default_factory=list)
    status: int | None = None
    content_type: str | None = None
    title: str | None = None
    lang: str | None = None
    # The page's <link rel="canonical" href>, absolute (resolved against the document's URL), as
    # written: None when the page names none, or in captures older than this field.
    canonical_url: str | None = None
    error: str | None = None  # why the page could not be measured; None when it was
    nodes: int | None = None  # DOM elements as EcoIndex counts them
    # SHA-256 of the page's HTML as served: two URLs serving the same bytes are the same page.
    document_sha256: str | None = None
    requests: list[Request] = field(default_factory=list)
    # Fetches the full browser made for itself (its icon), left out of `requests` and the counts.
    browser_only_requests: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    fonts: list[Font] | None = None
    cookies: list[Cookie] | None = None
    media: list[Media] | None = None
    links: list[Link] = field(default_factory=list)
    coverage: list[Coverage] | None = None
    dom: DomFacts | None = None
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)  # types of dialogs dismissed
    popups: int = 0
    downloads: list[str] = field(default_factory=list)
    permission_requests: list[str] = field(default_factory=list)  # e.g. "notifications"
    # A step of a user journey: the journey's name, the step's name and its place (1, 2...).
    journey: str | None = None
    step: str | None = None
    step_index: int | None = None
    protocol: Protocol = field(default_factory=Protocol)
    schema_version: int = CAPTURE_SCHEMA_VERSION

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def transfer_bytes(self) -> int:
        return sum(request.transfer_bytes for request in self.requests)

    @property
    def size_kb(self) -> float:
        """Bytes on the wire (headers included) / 1000, as EcoIndex counts them."""
        return self.transfer_bytes / 1000

    @property
    def request_count(self) -> int:
        return len(self.requests)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Capture:
        return _build(cls, data)


def _build(kind: Any, value: Any) -> Any:
    """Rebuild a dataclass (or list/optional of them) from plain data, ignoring unknown keys."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _build(inner[0], value) if len(inner) == 1 else value
    if origin is list:
        (item_kind,) = typing.get_args(kind)
        return [_build(item_kind, item) for item in value]
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):  # a class, never an instance
        hints = _field_types(kind)
        return kind(**{k: _build(hints[k], v) for k, v in value.items() if k in hints})
    return value


@functools.cache
def _field_types(kind: type) -> dict[str, Any]:
    """Type of each init field of a dataclass (resolved once per class: it is slow)."""
    hints = typing.get_type_hints(kind)
    return {f.name: hints[f.name] for f in dataclasses.fields(kind) if f.init}
