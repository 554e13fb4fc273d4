"""Why a page could not be measured, in one sentence, and whether the browser died."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from playwright.async_api import Browser
from playwright.async_api import TimeoutError as PlaywrightTimeout

BROWSER_DEATH_GRACE_SECONDS = 0.5  # a "target closed" error may come before the disconnection


# Playwright's words for a page whose browser went away (not a server closing a connection).
BROWSER_GONE_MARKERS = ("has been closed", "target closed", "crash")


SELF_REPLACING_PAGE = ("the page kept replacing itself (script or meta refresh navigations) "
                       "and could not be measured")


def invalid_url_reason(url: str) -> str | None:
    """Why a URL cannot be measured at all (malformed, unsupported scheme), or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"malformed URL: {url!r}"
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "none"
        return f"unsupported URL scheme '{shown}': only http:// and https:// pages can be measured"
    if not parts.hostname:
        return f"malformed URL (no host): {url!r}"
    try:
        parts.port  # noqa: B018 - raises on an invalid port
    except ValueError:
        return f"malformed URL (invalid port): {url!r}"
    return None


def describe_navigation_error(error: Exception, timeout: float) -> str:
    """One clear sentence for a failed navigation."""
    text = str(error)
    if isinstance(error, PlaywrightTimeout) or "Timeout" in text.split("\n")[0]:
        return f"the page did not finish loading within {timeout:g} s"
    known = {
        "ERR_NAME_NOT_RESOLVED": "host not found (DNS lookup failed)",
        "ERR_CONNECTION_REFUSED": "connection refused by the server",
        "ERR_CONNECTION_RESET": "connection reset by the server",
        "ERR_CONNECTION_CLOSED": "connection closed by the server before an answer",
        "ERR_EMPTY_RESPONSE": "the server closed the connection without an answer",
        "ERR_ADDRESS_UNREACHABLE": "address unreachable",
        "ERR_CONNECTION_TIMED_OUT": "connection timed out",
        "ERR_TOO_MANY_REDIRECTS": "too many redirects (redirect loop)",
        "ERR_CERT": "the site's TLS certificate is not valid",
        "ERR_SSL": "TLS handshake failed",
        "ERR_INVALID_RESPONSE": "the server sent an invalid HTTP response",
        "ERR_CONTENT_DECODING_FAILED": "the response body could not be decoded",
        "ERR_ABORTED": "the navigation was aborted (a download, or the page replaced itself)",
        "Download is starting": "the URL starts a download instead of showing a page",
        "Execution context was destroyed": SELF_REPLACING_PAGE,
    }
    for marker, sentence in known.items():
        if marker in text:
            return sentence
    first_line = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return f"navigation failed: {first_line[:200]}"


async def browser_died(browser: Browser, error: str) -> bool:
    """Whether the browser died under this page. An error saying the target was closed can
    reach us just before the browser's disconnection: give that a moment to arrive."""
    if browser.is_connected() and any(marker in error.lower() for marker in BROWSER_GONE_MARKERS):
        await asyncio.sleep(BROWSER_DEATH_GRACE_SECONDS)
    return not browser.is_connected()
