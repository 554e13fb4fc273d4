"""The logged-in visitor of an authenticated crawl (a site's `login` journey)."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from playwright.async_api import StorageState

from ecoaudit.capture import Capture
from ecoaudit.config import SiteConfig
from ecoaudit.measure import BrowserSession, Pacing
from ecoaudit.measure.journey import log_in
from ecoaudit.pipeline import PagePipeline

log = logging.getLogger(__name__)

MAX_RELOGINS = 3  # times an expired login session is renewed in one run


class LoginState:
    """The logged-in visitor of an authenticated crawl: the site's login journey, played once
    per run in its own context; its storage state (cookies, localStorage) stays in memory and
    is loaded into each page's fresh context. An expired session is renewed, a few times."""

    def __init__(self, site: SiteConfig, session: BrowserSession, device: str) -> None:
        self.journey = site.login
        self.session = session
        self.device = device
        self.state: StorageState | None = None
        self.renewals = 0
        self.refused: str | None = None  # why the last renewal failed
        self._lock = asyncio.Lock()
        self._form_pages = _page_keys([self.journey.start_url, *(
            step.target for step in self.journey.steps if step.action == "goto")]) if (
            self.journey is not None) else set()

    async def start(self) -> str | None:
        """Log in before the crawl; the reason it failed, or None."""
        if self.journey is None:
            return None
        result = await log_in(self.session, self.journey, device=self.device)
        if not result.ok:
            return f"the login journey {self.journey.source or self.journey.name} failed: "\
                f"{result.error}"
        self.state = result.storage_state
        log.info("Logged in with the journey %s", self.journey.name)
        return None

    def sent_back_to_form(self, url: str, capture: Capture) -> bool:
        """Whether a page other than the login form ended on the login form."""
        if self.journey is None or not capture.final_url:
            return False
        return bool(_page_keys([capture.final_url]) & self._form_pages) and not (
            _page_keys([url]) & self._form_pages)

    async def renew(self, stale: StorageState | None) -> bool:
        """Log in again (once for all the pages that saw `stale` expire); False past
        MAX_RELOGINS renewals or when the login fails."""
        async with self._lock:
            if self.state is not stale:
                return self.state is not None  # another page renewed it meanwhile
            if self.journey is None or self.renewals >= MAX_RELOGINS:
                return False
            self.renewals += 1
            log.warning("The login session expired: logging in again (%s of %s).",
                        self.renewals, MAX_RELOGINS)
            result = await log_in(self.session, self.journey, device=self.device)
            if not result.ok:
                self.refused = result.error
                return False
            self.state = result.storage_state
            return True

    async def measure(self, pipeline: PagePipeline, url: str, *, consent: str, pacing: Pacing,
                      device: str) -> Capture:
        """One measurement, logged in when the site has a login; a page that lands on the login
        form (the session expired) is measured again after a new login."""
        state = self.state
        capture = await pipeline.measure(url, consent=consent, pacing=pacing, device=device,
                                         storage_state=state)
        if self.sent_back_to_form(url, capture) and await self.renew(state):
            capture = await pipeline.measure(url, consent=consent, pacing=pacing, device=device,
                                             storage_state=self.state)
        if self.sent_back_to_form(url, capture):
            capture.error = capture.error or (
                f"redirected to the login page {capture.final_url}: the session expired and "
                "could not be renewed")
        return capture

    def note(self, reason: str | None) -> str | None:
        """The run's reason, with what the session went through."""
        if not self.renewals:
            return reason
        note = f"the login session expired and was renewed {self.renewals} time(s)"
        if self.refused:
            note += f"; the last renewal failed: {self.refused}"
        return f"{reason}; {note}" if reason else note


def _page_keys(urls: list[str]) -> set[str]:
    """scheme://host/path of each URL: a page whatever its query."""
    keys = set()
    for url in urls:
        parts = urlsplit(url)
        keys.add(f"{parts.scheme}://{parts.netloc}{parts.path or '/'}")
    return keys
