"""Linked documents (PDF, office files, archives): recognised, then sized without rendering.

RGESN 2024 criterion 5.7 asks for light, suitable document formats; a crawler can list the
documents a site links to, with their type and size. `inspect` asks with HEAD first and falls back
to a GET that only counts the bytes (never keeping them), up to a cap.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from ecoaudit.config import SiteConfig
from ecoaudit.net.httpfetch import TooLarge, fetch
from ecoaudit.net.urls import UrlError

DOCUMENT_EXTENSIONS = frozenset({
    ".pdf", ".doc", ".docx", ".odt", ".rtf", ".xls", ".xlsx", ".ods", ".csv", ".ppt", ".pptx",
    ".odp", ".odg", ".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".epub",
    ".dwg", ".dxf", ".shp", ".kml", ".kmz", ".gpx", ".mp3", ".mp4", ".avi", ".mov", ".wav",
    ".ogg", ".iso", ".exe", ".msi", ".dmg", ".apk",
})
DOCUMENT_CONTENT_TYPES = frozenset({
    "application/pdf", "application/msword", "application/rtf", "text/csv",
    "application/vnd.ms-excel", "application/vnd.ms-powerpoint", "application/zip",
    "application/x-zip-compressed", "application/x-rar-compressed", "application/vnd.rar",
    "application/x-7z-compressed", "application/gzip", "application/x-tar",
    "application/epub+zip", "application/octet-stream",
})
DOCUMENT_CONTENT_TYPE_PREFIXES = (
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "audio/",
    "video/",
)
MAX_COUNTED_BYTES = 200 * 1000 * 1000
HEAD_REFUSED = (403, 405, 501)


def is_document_url(url: str) -> bool:
    """Whether the URL's path ends with a document extension (.pdf, .docx, .zip, ...)."""
    path = unquote(urlsplit(url).path).lower()
    return posixpath.splitext(path)[1] in DOCUMENT_EXTENSIONS


def is_document_content_type(content_type: str | None) -> bool:
    """Whether a Content-Type is a document rather than a web page or a page resource."""
    if not content_type:
        return False
    kind = content_type.split(";")[0].strip().lower()
    return kind in DOCUMENT_CONTENT_TYPES or kind.startswith(DOCUMENT_CONTENT_TYPE_PREFIXES)


async def inspect(
    client: httpx.AsyncClient,
    url: str,
    found_on: str | None,
    link_text: str | None,
    site: SiteConfig | None = None,
) -> dict[str, Any]:
    """Type and size of a linked document: HEAD, then a counting GET when HEAD says too little.

    Returns url, final_url, status, content_type, size_bytes, found_on, link_text, error
    (None when all went well) and size_source ("content-length", "counted" or None).
    """
    record: dict[str, Any] = {
        "url": url, "final_url": None, "status": None, "content_type": None,
        "size_bytes": None, "found_on": found_on, "link_text": (link_text or "").strip()[:300],
        "error": None, "size_source": None,
    }
    try:
        head = await fetch(client, url, site, method="HEAD", read_body=False, decode=False)
        _take(record, head)
        if head.status in HEAD_REFUSED or (head.status < 400 and record["size_bytes"] is None):
            counted = await fetch(
                client, url, site, keep_body=False, decode=False, max_bytes=MAX_COUNTED_BYTES,
                total_timeout=300.0, skip_body_with_length=True,
            )
            _take(record, counted)
            if counted.status < 400 and record["size_bytes"] is None:
                record["size_bytes"] = counted.body_bytes
                record["size_source"] = "counted"
                if counted.truncated:
                    record["error"] = (
                        f"larger than {MAX_COUNTED_BYTES} bytes: counting stopped there"
                    )
    except UrlError as error:
        record["error"] = str(error)
    except TooLarge as error:
        record["error"] = str(error)
    except (httpx.HTTPError, TimeoutError) as error:
        record["error"] = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if record["error"] is None and record["status"] is not None and record["status"] >= 400:
        record["error"] = f"HTTP {record['status']}"
    return record


def _take(record: dict[str, Any], answer: Any) -> None:
    record["final_url"] = answer.final_url
    record["status"] = answer.status
    record["content_type"] = answer.content_type
    length = answer.headers.get("content-length")
    encoded = (answer.headers.get("content-encoding") or "identity").lower() != "identity"
    if length and length.isdigit() and answer.status < 400 and not encoded:
        record["size_bytes"] = int(length)
        record["size_source"] = "content-length"
    else:
        record["size_bytes"] = None
        record["size_source"] = None
