"""Turning the HAR that Playwright recorded for one page into the Capture's request list.

Counting follows the EcoIndex reference: every HAR entry is a request (redirects, errors, late
fetches and iframe requests included), `data:` URIs are not, and the size is the bytes on the wire
(Chrome's encodedDataLength, Playwright's `_transferSize`), headers included.

The full Chromium also fetches the page's declared icon, which the headless shell (the
reference's browser) never does: those fetches are told apart by `browser_only_fetch` and left
out when the caller asks, so a page gets the same figures on either build.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from collections import OrderedDict
from datetime import datetime
from pathlib import Path

from ecoaudit.capture import KEPT_RESPONSE_HEADERS, Request, TextStats
from ecoaudit.measure import sniff

TEXT_MIME_MARKERS = ("css", "javascript", "ecmascript", "html", "json", "xml", "svg", "text/")
MAX_TEXT_BYTES_ANALYSED = 5_000_000
MAX_BODY_BYTES_READ = 16_000_000  # text statistics read 5 MB, animation detection a bit more


Bodies = zipfile.ZipFile | Path | None  # a .zip HAR's archive, or the folder of a .har file


def read_har(path: Path) -> tuple[dict, Bodies]:
    """Open a HAR and where its attached bodies are: a .zip (bodies inside), or a .har file
    (bodies attached as files beside it, which Playwright writes without compressing them)."""
    if path.suffix == ".zip":
        archive = zipfile.ZipFile(path)
        return json.loads(archive.read("har.har")), archive
    return json.loads(path.read_text(encoding="utf-8")), path.parent


def _headers(entries: list[dict]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for header in entries:
        grouped.setdefault(header["name"].lower(), []).append(header["value"])
    return grouped


def _protocol(http_version: str | None) -> str | None:
    if not http_version:
        return None
    version = http_version.lower()
    if version in ("h2", "http/2", "http/2.0") or version.startswith("http/2"):
        return "h2"
    if version in ("h3", "http/3", "http/3.0") or "quic" in version:
        return "h3"
    return version


def _body(bodies: Bodies, content: dict) -> bytes | None:
    """The start of a recorded body: what sniffing and text statistics read, never more (a
    site's 1 GB video must not take 1 GB of our memory)."""
    name = content.get("_file")
    if bodies is None or not name:
        return None
    try:
        if isinstance(bodies, Path):
            if "/" in name or name.startswith("."):
                return None
            with (bodies / name).open("rb") as body:
                return body.read(MAX_BODY_BYTES_READ)
        with bodies.open(name) as body:
            return body.read(MAX_BODY_BYTES_READ)
    except (KeyError, FileNotFoundError):
        return None


def text_stats(body: bytes) -> TextStats:
    """Facts about a text body that rules need (minification and compression heuristics)."""
    text = body[:MAX_TEXT_BYTES_ANALYSED].decode("utf-8", errors="replace")
    return TextStats(
        length=len(text),
        line_breaks=text.count("\n"),
        semicolons=text.count(";"),
        gzip_bytes=len(gzip.compress(body[:MAX_TEXT_BYTES_ANALYSED], compresslevel=6)),
    )


def _is_text(mime_type: str | None) -> bool:
    if not mime_type:
        return False
    return any(marker in mime_type.lower() for marker in TEXT_MIME_MARKERS)


def _transfer_bytes(entry: dict) -> int:
    """Bytes on the wire; when Chromium could not size a response, the reference's estimate."""
    response = entry.get("response", {})
    transfer = response.get("_transferSize", -1)
    if isinstance(transfer, (int, float)) and transfer >= 0:
        return int(transfer)
    # Unknown (a blocked or aborted load, a 206 media range): like the EcoIndex reference, count
    # the length of the HAR response record serialised as JSON (without our attached-body key).
    content = {k: v for k, v in (response.get("content") or {}).items() if k != "_file"}
    return len(json.dumps({**response, "content": content}))


def _started_at(entry: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(entry["startedDateTime"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def browser_only_fetch(entry: dict) -> bool:
    """Whether a HAR entry is a fetch the full browser makes for itself, not for the page: its
    icon (`<link rel=icon>`, `shortcut icon`), typed "other" yet destined to be an image. The
    page's own images are typed "image"; the headless shell makes no such fetch."""
    if entry.get("_resourceType") != "other":
        return False
    destination = _headers(entry.get("request", {}).get("headers", [])).get("sec-fetch-dest")
    return destination == ["image"]


def main_frame_ref(har: dict) -> str | None:
    """The frame of the first document the HAR records: the page's main frame."""
    entries = sorted(har.get("log", {}).get("entries", []),
                     key=lambda entry: entry.get("_monotonicTime", 0))
    return next((entry.get("_frameref") for entry in entries
                 if entry.get("_resourceType") == "document"), None)


def split_by_start(har: dict, boundaries: list[datetime]) -> list[dict]:
    """The HAR cut into windows of start time: window k holds the entries started before
    boundaries[k] and not in an earlier window; the last window holds every later entry too.
    (A journey's measured steps: each step's requests are those made since the previous one.)"""
    windows: list[list[dict]] = [[] for _ in boundaries] or [[]]
    for entry in har.get("log", {}).get("entries", []):
        started = _started_at(entry)
        index = next((k for k, boundary in enumerate(boundaries)
                      if started is not None and started < boundary), len(windows) - 1)
        windows[index].append(entry)
    return [{"log": {**har.get("log", {}), "entries": entries}} for entries in windows]


def requests_from_har(har: dict, archive: Bodies = None, *,
                      leave_out_browser_fetches: bool = False,
                      main_frame: str | None = None) -> list[Request]:
    """Every counted request of the page, in the order the browser started them (without the
    full browser's own fetches when `leave_out_browser_fetches`). `main_frame` names the main
    frame when the HAR is a window of a longer record (else its first document's frame)."""
    entries = [
        entry for entry in har.get("log", {}).get("entries", [])
        if not entry.get("request", {}).get("url", "").startswith("data:")
        and not (leave_out_browser_fetches and browser_only_fetch(entry))
    ]
    entries.sort(key=lambda entry: entry.get("_monotonicTime", 0))
    main_frame = main_frame or next(
        (entry.get("_frameref") for entry in entries if entry.get("_resourceType") == "document"),
        None,
    )
    origin_time = _started_at(entries[0]) if entries else None
    return [_request(entry, archive, main_frame, origin_time) for entry in entries]


def _request(
    entry: dict, archive: Bodies, main_frame: str | None,
    origin_time: datetime | None,
) -> Request:
    request, response = entry.get("request", {}), entry.get("response", {})
    content = response.get("content", {}) or {}
    response_headers = _headers(response.get("headers", []))
    request_headers = _headers(request.get("headers", []))
    status = response.get("status")
    failure = response.get("_failureText") or None
    if not isinstance(status, int) or status <= 0:
        status = None
        failure = failure or "no response"
    content_types = response_headers.get("content-type", [])
    mime_type = content.get("mimeType") or (content_types[0] if content_types else None)
    started = _started_at(entry)
    item = Request(
        url=request.get("url", ""),
        method=request.get("method", "GET"),
        resource_type=entry.get("_resourceType"),
        status=status,
        mime_type=mime_type,
        protocol=_protocol(response.get("httpVersion")),
        transfer_bytes=_transfer_bytes(entry),
        encoded_body_bytes=_non_negative(response.get("bodySize")),
        decoded_body_bytes=_non_negative(content.get("size")),
        response_headers={
            name: ", ".join(values) for name, values in response_headers.items()
            if name in KEPT_RESPONSE_HEADERS
        },
        set_cookie_bytes=[len(value) for value in response_headers.get("set-cookie", [])],
        request_cookie_bytes=sum(len(value) for value in request_headers.get("cookie", [])),
        from_cache=bool(entry.get("_fromCache") or entry.get("cache", {}).get("beforeRequest")),
        from_service_worker=bool(response.get("_fromServiceWorker")),
        frame="main" if entry.get("_frameref") in (None, main_frame) else "iframe",
        started_ms=(
            round((started - origin_time).total_seconds() * 1000, 1)
            if started and origin_time else None
        ),
        duration_ms=_non_negative(entry.get("time")),
        redirect_to=response.get("redirectURL") or None,
        failure=failure,
    )
    if status and 200 <= status < 300:
        image_like = item.resource_type == "image" or (mime_type or "").startswith("image/")
        facts = _body_facts(archive, content, image_like, _is_text(mime_type))
        if facts is not None:
            item.sniffed_format, item.animated, item.text_stats = facts
    return item


BodyFacts = tuple[str | None, bool | None, TextStats | None]  # format, animated, text stats
_facts_by_body: OrderedDict[tuple[str, bool, bool], BodyFacts] = OrderedDict()
BODY_FACTS_KEPT = 4096


def _body_facts(archive: Bodies, content: dict, image_like: bool, text: bool
                ) -> BodyFacts | None:
    """What rules need of a body, read once per distinct body: Playwright names an attached body
    by the SHA-1 of its bytes, so the style sheet or logo shared by a site's pages is read,
    sniffed and compressed once per process, not once per page."""
    name = content.get("_file")
    if not name or not (image_like or text):
        return None
    key = (name, image_like, text)
    if key in _facts_by_body:
        _facts_by_body.move_to_end(key)
        return _facts_by_body[key]
    body = _body(archive, content)
    if body is None:
        return None
    fmt = sniff.image_format(body[:4096]) if image_like else None
    facts = (fmt, sniff.is_animated(body, fmt) if fmt else None,
             text_stats(body) if text and fmt is None else None)
    _facts_by_body[key] = facts
    if len(_facts_by_body) > BODY_FACTS_KEPT:
        _facts_by_body.popitem(last=False)
    return facts


def browser_only_urls(har: dict) -> list[str]:
    """URLs of the entries `browser_only_fetch` tells apart, in the HAR's order."""
    entries = har.get("log", {}).get("entries", [])
    return [entry.get("request", {}).get("url", "") for entry in entries
            if browser_only_fetch(entry)]


def document_sha256(har: dict, archive: Bodies, url: str) -> str | None:
    """SHA-256 of the body the browser received for the document at `url` (its first
    MAX_BODY_BYTES_READ bytes), or None when it was not recorded."""
    for entry in har.get("log", {}).get("entries", []):
        if entry.get("_resourceType") == "document" and entry.get("request", {}).get("url") == url:
            body = _body(archive, entry.get("response", {}).get("content", {}) or {})
            if body is not None:
                return hashlib.sha256(body).hexdigest()
    return None


def _non_negative(value: object) -> int | None:
    if isinstance(value, (int, float)) and value >= 0:
        return int(value)
    return None
