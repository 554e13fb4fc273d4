"""Checks every document the browser is about to request, before it leaves (server-side request
forgery defence inside the browser).

Through the DevTools Fetch domain, each document request of a page (the main frame and its
frames, every hop of a redirect chain, navigations started by scripts or meta refresh) is paused
and let through only when:
- its scheme is http or https;
- unless private addresses are allowed, its host does not resolve to a loopback, private or
  link-local address;
- for the main frame, its host is one of the site's allowed hosts (when the site has a scope).
Sub-resources (images, scripts, fetch(), WebSockets) are not paused: pausing them would slow and
distort every measurement; containing them is the network's job (see docs/docker.md).
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from playwright.async_api import CDPSession
from playwright.async_api import Error as PlaywrightError

from ecoaudit.net.hosts import host_matches
from ecoaudit.net.urls import UrlError, check_scheme, host_key, resolve_and_check_async

log = logging.getLogger(__name__)

DOCUMENT_REQUESTS = [{"urlPattern": "*", "resourceType": "Document", "requestStage": "Request"}]


class NavigationGuard:
    """Pauses a page's document requests and refuses those that leave the allowed network."""

    def __init__(self, allowed_hosts: list[str] | None, allow_private: bool) -> None:
        self.allowed_hosts = allowed_hosts
        self.allow_private = allow_private
        self.refused: list[tuple[str, str]] = []  # (url, reason), every frame
        self.main_frame_refusal: str | None = None
        self._main_frame: str | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self, session: CDPSession) -> None:
        """Start pausing the page's document requests (call before its first navigation)."""
        session.on("Fetch.requestPaused", lambda event: self._spawn(session, event))
        await session.send("Fetch.enable", {"patterns": DOCUMENT_REQUESTS})

    def _spawn(self, session: CDPSession, event: dict) -> None:
        task = asyncio.ensure_future(self._decide(session, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _decide(self, session: CDPSession, event: dict) -> None:
        url = event["request"]["url"]
        frame = event.get("frameId")
        if self._main_frame is None:  # the first document is the page's own navigation
            self._main_frame = frame
        main = frame == self._main_frame
        reason = await self.refusal(url, main_frame=main)
        try:
            if reason is None:
                await session.send("Fetch.continueRequest", {"requestId": event["requestId"]})
                return
            self.refused.append((url, reason))
            if main and self.main_frame_refusal is None:
                self.main_frame_refusal = reason
            log.warning("Refused to load %s: %s", url[:200], reason)
            await session.send("Fetch.failRequest", {"requestId": event["requestId"],
                                                     "errorReason": "BlockedByClient"})
        except PlaywrightError:
            log.debug("The page closed before the request to %s was decided", url[:200])

    async def refusal(self, url: str, *, main_frame: bool) -> str | None:
        """Why this document may not be requested, or None when it may."""
        try:
            check_scheme(url)
            netloc = host_key(url)
        except UrlError as error:
            return str(error)
        if not self.allow_private:
            try:
                await resolve_and_check_async(urlsplit(url).hostname or "", False)
            except UrlError as error:
                return str(error)
        if main_frame and self.allowed_hosts is not None and not host_matches(
                netloc, self.allowed_hosts):
            return f"the page leads out of the site's allowed hosts, to {url[:200]}"
        return None
