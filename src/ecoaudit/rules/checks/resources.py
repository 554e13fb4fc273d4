"""Facts about captured requests that several checks share: kind, body size, image format."""

from __future__ import annotations

from ecoaudit.capture import Capture, Image, Request
from ecoaudit.rules.messages import is_singular

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
TEXT_KINDS = frozenset({"html", "css", "js", "json", "xml", "svg", "text"})
STATIC_KINDS = frozenset({"css", "js", "image", "svg", "font", "media"})
RASTER_FORMATS = frozenset({"jpeg", "png", "gif", "webp", "avif", "jxl", "bmp", "tiff"})
MODERN_FORMATS = frozenset({"webp", "avif", "jxl"})
_FORMAT_OF_MIME = {
    "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/pjpeg": "jpeg", "image/png": "png",
    "image/apng": "png", "image/gif": "gif", "image/webp": "webp", "image/avif": "avif",
    "image/jxl": "jxl", "image/bmp": "bmp", "image/x-ms-bmp": "bmp", "image/tiff": "tiff",
    "image/svg+xml": "svg", "image/x-icon": "ico", "image/vnd.microsoft.icon": "ico",
}
_FONT_MIMES = ("font/", "application/font", "application/x-font", "application/vnd.ms-fontobject")


def mime(request: Request) -> str:
    """Media type of the response, lower-case, without parameters ('' when unknown)."""
    raw = request.mime_type or request.response_headers.get("content-type") or ""
    return raw.split(";", 1)[0].strip().lower()


def kind(request: Request) -> str:
    """html, css, js, json, xml, svg, text, image, font, media or other."""
    resource_type = (request.resource_type or "").lower()
    media_type = mime(request)
    if media_type == "image/svg+xml":
        return "svg"
    if resource_type == "document" or media_type in ("text/html", "application/xhtml+xml"):
        return "html"
    if resource_type == "stylesheet" or media_type == "text/css":
        return "css"
    if resource_type == "script" or "javascript" in media_type or "ecmascript" in media_type:
        return "js"
    if resource_type == "font" or media_type.startswith(_FONT_MIMES):
        return "font"
    if resource_type == "image" or media_type.startswith("image/"):
        return "image"
    if resource_type == "media" or media_type.startswith(("video/", "audio/")):
        return "media"
    if "json" in media_type:
        return "json"
    if "xml" in media_type:
        return "xml"
    if media_type.startswith("text/"):
        return "text"
    return "other"


def is_inline(url: str) -> bool:
    return url.startswith(("data:", "blob:", "about:"))


def is_answered(request: Request) -> bool:
    """A successful response with a body (2xx), fetched over the network."""
    return (request.status is not None and 200 <= request.status < 300
            and not is_inline(request.url))


def body_bytes(request: Request) -> int:
    """Size of the body before transfer encoding (best available measure)."""
    if request.decoded_body_bytes is not None:
        return request.decoded_body_bytes
    if request.text_stats is not None:
        return request.text_stats.length
    if request.encoded_body_bytes is not None:
        return request.encoded_body_bytes
    return request.transfer_bytes


def header(request: Request, name: str) -> str | None:
    return request.response_headers.get(name.lower())


def image_format(request: Request) -> str | None:
    """Format read from the bytes, else from the media type."""
    if request.sniffed_format:
        return request.sniffed_format.lower()
    return _FORMAT_OF_MIME.get(mime(request))


def raster_image_requests(capture: Capture) -> list[Request]:
    """Answered raster image requests, one per URL."""
    seen: dict[str, Request] = {}
    for request in capture.requests:
        if (kind(request) == "image" and is_answered(request) and request.url not in seen
                and image_format(request) in RASTER_FORMATS):
            seen[request.url] = request
    return list(seen.values())


def images_by_url(capture: Capture) -> dict[str, Image]:
    """The first <img> element of each URL with known natural dimensions."""
    found: dict[str, Image] = {}
    for image in capture.images:
        if image.url not in found or (found[image.url].natural_width == 0 < image.natural_width):
            found[image.url] = image
    return found


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """'0 requête', '1 requête', '2 requêtes': French agreement (0 and 1 take the singular).
    Checks write counts in messages instead (`{count:plural:...}`, see rules.messages)."""
    word = singular if is_singular(number, "fr") else plural or singular + "s"
    return f"{number} {word}"
