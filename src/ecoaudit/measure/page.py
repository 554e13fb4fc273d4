"""Measuring pages in headless Chromium with the EcoIndex protocol (the only browser driver).

One browser process serves many pages; every page gets a fresh context (empty cache, no cookies),
so N pages measured in parallel give the same numbers as N single-page runs. The protocol:
load (wait for the `load` event), wait, ArrowDown, smooth scroll to the bottom, wait, then read
the DOM facts and the HAR that the browser recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from ecoaudit import __version__
from ecoaudit.capture import (
    Capture,
    Cookie,
    DomFacts,
    Font,
    Image,
    Link,
    Media,
    Protocol,
    Request,
)
from ecoaudit.measure import coverage, har
from ecoaudit.measure.browser import (
    BrowserExecutable,
    find_chromium,
    find_full_chromium,
    launch_options,
)
from ecoaudit.measure.navigation_guard import NavigationGuard
from ecoaudit.metrics import ecoindex
from ecoaudit.net import parties
from ecoaudit.net.access import DEFAULT_USER_AGENT
from ecoaudit.net.hosts import host_is_private
from ecoaudit.net.urls import private_peer_address

log = logging.getLogger(__name__)

MAX_CONSOLE_ERRORS = 50

# The crawler's politeness, per page navigation. Awaited right before a navigation leaves, it
# returns the function to call once that navigation is answered (or has failed). A context
# variable, so that pages measured in parallel each keep their own host's turn.
navigation_turn: contextvars.ContextVar[
    Callable[[], Awaitable[Callable[[], None]]] | None
] = contextvars.ContextVar("navigation_turn", default=None)
# Told the page's links as soon as it has loaded (before the protocol's waits), so that a crawl
# can start on the next pages while this one is still being measured.
links_found: contextvars.ContextVar[Callable[[list[Link]], Awaitable[None]] | None] = (
    contextvars.ContextVar("links_found", default=None))
# The deadline of the measurement under way: waiting for a navigation turn does not count.
_deadline: contextvars.ContextVar[asyncio.Timeout | None] = contextvars.ContextVar(
    "deadline", default=None)


BROWSER_DEATH_GRACE_SECONDS = 0.5  # a "target closed" error may come before the disconnection
# Playwright's words for a page whose browser went away (not a server closing a connection).
BROWSER_GONE_MARKERS = ("has been closed", "target closed", "crash")
SELF_NAVIGATIONS_FOLLOWED = 3  # a page that replaces itself more often is not measured
SELF_REPLACING_PAGE = ("the page kept replacing itself (script or meta refresh navigations) "
                       "and could not be measured")
CLOSE_MARGIN_SECONDS = 20.0


def _script(name: str) -> str:
    return resources.files("ecoaudit.measure").joinpath("js", name).read_text(encoding="utf-8")


INIT_SCRIPT = _script("init.js")
FIRST_VIEWPORT_SCRIPT = _script("first_viewport.js")
LINKS_SCRIPT = _script("links.js")
# The DOM facts, the links and the window.open calls (init.js) in one call (one chance fewer for
# a self-replacing page to slip in, and one round trip instead of three).
COLLECT_SCRIPT = (f"() => ({{facts: ({_script('collect.js')})(),"
                  f" links: ({LINKS_SCRIPT})(), popups: window.__ecoauditPopups || 0}})")
SCROLL_SCRIPT = (
    "() => window.scrollTo({top: (document.body || document.documentElement).scrollHeight,"
    " behavior: 'smooth'})"
)


@dataclass
class MeasureOptions:
    """How to measure: the protocol, and how to reach the pages."""

    viewport_width: int = 1920
    viewport_height: int = 1080
    wait_before: float = 3.0
    wait_after: float = 3.0
    timeout: float = 60.0
    user_agent: str | None = None  # a full replacement; None: the browser's own + the token
    user_agent_token: str | None = DEFAULT_USER_AGENT  # appended to the browser's user agent
    extra_headers: dict[str, str] = field(default_factory=dict)
    http_credentials: dict[str, str] | None = None  # {"username", "password"}
    cookies: list[dict] = field(default_factory=list)  # Playwright cookie dicts
    consent_selector: str | None = None
    first_party_hosts: list[str] = field(default_factory=list)
    collect_coverage: bool = True
    screenshot_dir: Path | None = None
    browser_path: str | None = None  # explicit executable (config); else found automatically
    ignore_https_errors: bool = False  # accept invalid TLS certificates (self-signed tests)
    # Documents (pages, frames, redirect hops) may only come from these hosts in the main frame
    # (None: anywhere), and from private addresses only when allowed (None: when the measured
    # URL's own host is private, i.e. a local or staging server).
    allowed_hosts: list[str] | None = None
    allow_private: bool | None = None

    def protocol(self, browser_version: str | None, consent: str = "none",
                 executable: BrowserExecutable | None = None) -> Protocol:
        """The protocol record stored with every capture."""
        return Protocol(
            viewport_width=self.viewport_width,
            viewport_height=self.viewport_height,
            wait_before_scroll=self.wait_before,
            wait_after_scroll=self.wait_after,
            timeout=self.timeout,
            consent=consent,
            user_agent=self.user_agent,
            browser=browser_version,
            browser_build=executable.build if executable else None,
            browser_path=executable.path if executable else None,
            tool_version=__version__,
            formula_version=ecoindex.FORMULA_VERSION,
            measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )


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


class PageEvents:
    """What the page did besides loading: dialogs, pop-ups, downloads, console errors."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.popups = 0
        self.downloads: list[str] = []
        self.console_errors: list[str] = []
        self.documents_loaded = 0  # the first document, plus each one a script or refresh loaded

    def attach(self, context: BrowserContext, page: Page) -> None:
        page.on("load", self._on_load)
        page.on("dialog", self._on_dialog)
        page.on("download", self._on_download)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self._add_error(f"uncaught: {error}"))
        context.on("page", self._on_popup)

    def _on_load(self, _page: Page) -> None:
        self.documents_loaded += 1

    @property
    def replaced_itself_too_often(self) -> bool:
        """Whether the page replaced its document more often than a measurement follows."""
        return self.documents_loaded > SELF_NAVIGATIONS_FOLLOWED + 1

    async def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.type)
        with contextlib.suppress(PlaywrightError):
            await dialog.dismiss()

    async def _on_download(self, download) -> None:
        self.downloads.append(download.url)
        with contextlib.suppress(PlaywrightError):
            await download.cancel()

    async def _on_popup(self, popup: Page) -> None:
        self.popups += 1
        with contextlib.suppress(PlaywrightError):
            await popup.close()

    def _on_console(self, message) -> None:
        if message.type == "error":
            self._add_error(message.text)

    def _add_error(self, text: str) -> None:
        if len(self.console_errors) < MAX_CONSOLE_ERRORS:
            self.console_errors.append(text[:500])


class CoverageRecorder:
    """JS and CSS coverage through a CDP session, started before the page's first byte."""

    def __init__(self) -> None:
        self.session = None
        self.sheets: dict[str, dict] = {}

    async def start(self, context: BrowserContext, page: Page) -> None:
        self.session = await context.new_cdp_session(page)
        self.session.on("CSS.styleSheetAdded", self._on_sheet)
        await self.session.send("Profiler.enable")
        await self.session.send(
            "Profiler.startPreciseCoverage", {"callCount": False, "detailed": False}
        )
        await self.session.send("DOM.enable")
        await self.session.send("CSS.enable")
        await self.session.send("CSS.startRuleUsageTracking")

    async def _send_plain(self, method: str) -> dict:
        """A CDP command whose answer is plain JSON. Playwright's public `send` walks every
        value of the answer to wrap its own objects, which a coverage answer (every function of
        every script) has none of: that walk was a sixth of our process's CPU per page. Its
        implementation object answers the same dict without the walk; the public call remains
        the fallback should that private object ever change."""
        implementation = getattr(self.session, "_impl_obj", None)
        try:
            return await implementation.send(method, None, None)
        except (AttributeError, TypeError):
            return await self.session.send(method)

    def _on_sheet(self, event: dict) -> None:
        header = event.get("header", {})
        self.sheets[header.get("styleSheetId", "")] = header

    async def stop(self, document_url: str) -> list:
        scripts = await self._send_plain("Profiler.takePreciseCoverage")
        rules = await self._send_plain("CSS.stopRuleUsageTracking")
        return coverage.scripts_coverage(scripts.get("result", []), document_url) + (
            coverage.stylesheets_coverage(self.sheets, rules.get("ruleUsage", []), document_url)
        )


class BrowserSession:
    """One Chromium process shared by many page measurements; relaunched if it dies."""

    def __init__(self, options: MeasureOptions) -> None:
        self.options = options
        self.executable: BrowserExecutable | None = None
        self._playwright: Playwright | None = None
        self._manager = None
        self._browser: Browser | None = None
        self._launch_lock = asyncio.Lock()
        self.browser_version: str | None = None
        self.default_user_agent: str | None = None
        self.relaunches = 0

    async def __aenter__(self) -> BrowserSession:
        # find_chromium may ask Playwright's sync API, which refuses to run inside an event loop.
        self.executable = await asyncio.to_thread(find_chromium, self.options.browser_path)
        self._manager = async_playwright()
        self._playwright = await self._manager.__aenter__()
        await self._launch()
        return self

    async def __aexit__(self, *exc_info) -> None:
        try:
            if self._browser is not None:
                await self._browser.close()
        except PlaywrightError:
            pass
        await self._manager.__aexit__(*exc_info)

    async def _launch(self) -> None:
        try:
            self._browser = await self._playwright.chromium.launch(
                **launch_options(self.executable))
        except PlaywrightError as error:
            fallback = await asyncio.to_thread(find_full_chromium) if (
                self.executable.is_shell) else None
            if fallback is None:
                raise
            log.warning("The headless shell %s could not start (%s): measuring with the full "
                        "browser %s instead.", self.executable.path,
                        str(error).strip().splitlines()[0][:200], fallback.path)
            self.executable = fallback
            self._browser = await self._playwright.chromium.launch(**launch_options(fallback))
        self.browser_version = f"chromium {self._browser.version}"
        page = await self._browser.new_page()
        try:
            self.default_user_agent = await page.evaluate("navigator.userAgent")
        finally:
            await page.close()
        log.info("Browser started: %s, %s", self.browser_version, self.executable.describe())

    @property
    def browser_description(self) -> str | None:
        """E.g. 'chromium 156.0.8078.129, headless shell, /usr/lib/...(system)'."""
        if not self.browser_version or not self.executable:
            return self.browser_version
        return f"{self.browser_version}, {self.executable.describe()}"

    def protocol(self, consent: str = "none") -> Protocol:
        """The protocol of a measurement by this session (its options and its browser)."""
        return self.options.protocol(self.browser_version, consent, self.executable)

    @property
    def user_agent(self) -> str | None:
        """The User-Agent sent: the option, else the browser's own followed by our token."""
        if self.options.user_agent:
            return self.options.user_agent
        if self.options.user_agent_token and self.default_user_agent:
            return f"{self.default_user_agent} {self.options.user_agent_token}"
        return None

    async def _ensure_browser(self) -> Browser:
        async with self._launch_lock:
            if self._browser is None or not self._browser.is_connected():
                log.warning("The browser is gone: relaunching it.")
                self.relaunches += 1
                await self._launch()
            return self._browser

    async def measure(self, url: str, *, consent: str = "none", screenshot: Path | None = None,
                      ) -> Capture:
        """Measure one page; never raises for a page's own faults (they become `error`)."""
        problem = invalid_url_reason(url)
        if problem:
            return self._failed(url, problem, consent)
        for attempt in (1, 2):
            browser = await self._ensure_browser()
            try:
                capture = await self._measure_with_deadline(browser, url, consent, screenshot)
            except PlaywrightError as error:
                log.debug("Measurement of %s failed", url, exc_info=True)
                capture = self._failed(url, f"the browser failed on this page: {error}"[:300],
                                       consent)
            if attempt == 2 or not capture.error or not await browser_died(browser, capture.error):
                return capture
            log.warning("The browser died while measuring %s: retrying once.", url)
        raise AssertionError("unreachable")

    async def _measure_with_deadline(self, browser, url, consent, screenshot) -> Capture:
        budget = (self.options.timeout + self.options.wait_before + self.options.wait_after
                  + CLOSE_MARGIN_SECONDS)
        try:
            async with asyncio.timeout(budget) as deadline:
                token = _deadline.set(deadline)
                try:
                    return await self._measure(browser, url, consent, screenshot)
                finally:
                    _deadline.reset(token)
        except TimeoutError:
            if not browser.is_connected():  # stuck on a browser that died: measure() retries
                raise PlaywrightError("the browser died during the measurement") from None
            return self._failed(url, f"the measurement did not end within {budget:g} s", consent)

    def _failed(self, url: str, reason: str, consent: str) -> Capture:
        return Capture(
            requested_url=url, error=reason,
            protocol=self.protocol(consent),
        )

    async def _consent_state(self, browser: Browser, url: str) -> dict | None:
        """Storage (cookies, localStorage) of a visitor who clicked the consent button."""
        context = await browser.new_context(**self._context_arguments())
        try:
            page = await context.new_page()
            await _navigate(page, url, self.options.timeout)
            await page.click(self.options.consent_selector, timeout=10_000)
            await asyncio.sleep(1.0)
            return await context.storage_state()
        finally:
            await context.close()

    def _context_arguments(self) -> dict:
        options = self.options
        arguments: dict = {
            "viewport": {"width": options.viewport_width, "height": options.viewport_height},
            "screen": {"width": options.viewport_width, "height": options.viewport_height},
            "accept_downloads": True,
            "service_workers": "allow",
        }
        if options.ignore_https_errors:
            arguments["ignore_https_errors"] = True
        user_agent = self.user_agent
        if user_agent:
            arguments["user_agent"] = user_agent
        if options.extra_headers:
            arguments["extra_http_headers"] = dict(options.extra_headers)
        if options.http_credentials:
            arguments["http_credentials"] = dict(options.http_credentials)
        return arguments

    async def _measure(self, browser: Browser, url: str, consent: str,
                       screenshot: Path | None) -> Capture:
        options = self.options
        capture = Capture(requested_url=url, protocol=self.protocol(consent))
        capture.protocol.user_agent = self.user_agent
        workdir = Path(tempfile.mkdtemp(prefix="ecoaudit-"))
        har_path = workdir / "page.har"  # bodies as files beside it: nothing to deflate
        arguments = self._context_arguments()
        if consent == "after" and options.consent_selector:
            try:
                arguments["storage_state"] = await self._consent_state(browser, url)
            except (PlaywrightError, TimeoutError) as error:
                capture.error = f"the consent button {options.consent_selector!r} could not be "\
                    f"clicked: {str(error).splitlines()[0][:150]}"
                shutil.rmtree(workdir, ignore_errors=True)
                return capture
        context = await browser.new_context(
            record_har_path=str(har_path), record_har_content="attach", **arguments
        )
        events = PageEvents()
        guard: NavigationGuard | None = None
        try:
            if options.cookies:
                await context.add_cookies(options.cookies)
            await context.add_init_script(INIT_SCRIPT)
            page = await context.new_page()
            events.attach(context, page)
            guard = self._navigation_guard(url)
            if guard is not None:
                await guard.start(await context.new_cdp_session(page))
            recorder = CoverageRecorder() if options.collect_coverage else None
            if recorder:
                await recorder.start(context, page)
            await self._run_protocol(page, capture, recorder, screenshot, guard)
            if capture.error is None and events.replaced_itself_too_often:
                capture.error = SELF_REPLACING_PAGE
            if not browser.is_connected():
                raise PlaywrightError("the browser process died during the measurement")
            if capture.ok or capture.nodes is not None:
                capture.cookies = [_cookie(c, capture, options) for c in await context.cookies()]
        except PlaywrightError as error:
            if not browser.is_connected():
                raise
            capture.error = capture.error or describe_navigation_error(error, options.timeout)
        finally:
            try:
                await context.close()
            except PlaywrightError:
                if not browser.is_connected():
                    shutil.rmtree(workdir, ignore_errors=True)
                    raise
        if guard is not None and guard.main_frame_refusal and capture.nodes is None:
            # The refused navigation caused whatever went wrong after it (an error page
            # replacing the document, a script context destroyed while collecting). A page
            # whose facts were collected before it tried to leave keeps its measurement.
            capture.error = f"refused: {guard.main_frame_refusal}"
        try:
            self._read_har(har_path, capture)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        capture.dialogs, capture.popups = events.dialogs, capture.popups + events.popups
        capture.downloads, capture.console_errors = events.downloads, events.console_errors
        _link_images_to_requests(capture)
        return capture

    def _navigation_guard(self, url: str) -> NavigationGuard | None:
        allow_private = self.options.allow_private
        if allow_private is None:
            allow_private = host_is_private(urlsplit(url).hostname or "")
        if allow_private and self.options.allowed_hosts is None:
            return None
        return NavigationGuard(self.options.allowed_hosts, allow_private)

    async def _run_protocol(self, page: Page, capture: Capture, recorder,
                            screenshot: Path | None, guard: NavigationGuard | None) -> None:
        options = self.options
        try:
            response = await _navigate(page, capture.requested_url, options.timeout)
        except PlaywrightError as error:
            capture.error = describe_navigation_error(error, options.timeout)
            return  # a refused navigation is named by _measure, whatever the error says
        if response is None:
            capture.error = "the browser received no response for this URL"
            return
        if guard is not None:
            refusal = guard.main_frame_refusal or await _private_peer(response, guard)
            if refusal:
                capture.error = f"refused: {refusal}"
                return
        capture.final_url = response.url
        capture.status = response.status
        capture.content_type = (await response.all_headers()).get("content-type")
        capture.redirect_chain = _redirect_chain(response)
        if response.status != 200:
            capture.error = f"HTTP status {response.status}: a page must answer 200 to be measured"
            return
        if not (capture.content_type or "").lower().startswith("text/html"):
            capture.error = (f"not an HTML page (content type {capture.content_type or 'none'})")
            return
        await _evaluate(page, FIRST_VIEWPORT_SCRIPT, options.timeout)
        early = links_found.get()
        if early is not None:
            with contextlib.suppress(PlaywrightError):  # only a head start: the end tells all
                await early(_links(await page.evaluate(LINKS_SCRIPT)))
        await asyncio.sleep(options.wait_before)
        await page.keyboard.press("ArrowDown")
        await _evaluate(page, SCROLL_SCRIPT, options.timeout)
        await asyncio.sleep(options.wait_after)
        collected = await _evaluate(page, COLLECT_SCRIPT, options.timeout)
        facts = collected["facts"]
        capture.links = _links(collected["links"])
        capture.popups = int(collected.get("popups") or 0)
        if guard is not None and guard.main_frame_refusal:  # a script tried to leave
            capture.error = f"refused: {guard.main_frame_refusal}"
            return
        _apply_facts(capture, facts)
        if recorder:
            try:
                capture.coverage = await recorder.stop(page.url)
            except PlaywrightError:
                log.debug("Coverage unavailable for %s", capture.requested_url, exc_info=True)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(screenshot), full_page=False)

    def _read_har(self, har_path: Path, capture: Capture) -> None:
        if not har_path.exists():
            return
        try:
            document, archive = har.read_har(har_path)
        except (OSError, ValueError, KeyError) as error:
            capture.error = capture.error or f"the browser's network record was unreadable: "\
                f"{error}"
            return
        full_browser = self.executable is not None and not self.executable.is_shell
        try:
            capture.requests = har.requests_from_har(
                document, archive, leave_out_browser_fetches=full_browser)
            if full_browser:
                capture.browser_only_requests = har.browser_only_urls(document)
            if capture.final_url:
                capture.document_sha256 = har.document_sha256(document, archive,
                                                              capture.final_url)
        finally:
            if isinstance(archive, zipfile.ZipFile):
                archive.close()
        first_party = self._first_party_hosts(capture)
        for request in capture.requests:
            request.third_party = parties.is_third_party(request.url, first_party)

    def _first_party_hosts(self, capture: Capture) -> list[str]:
        hosts = list(self.options.first_party_hosts)
        for url in (capture.requested_url, capture.final_url):
            host = urlsplit(url).hostname if url else None
            if host:
                hosts.append(host)
        return hosts


async def browser_died(browser: Browser, error: str) -> bool:
    """Whether the browser died under this page. An error saying the target was closed can
    reach us just before the browser's disconnection: give that a moment to arrive."""
    if browser.is_connected() and any(marker in error.lower() for marker in BROWSER_GONE_MARKERS):
        await asyncio.sleep(BROWSER_DEATH_GRACE_SECONDS)
    return not browser.is_connected()


async def _private_peer(response, guard: NavigationGuard) -> str | None:
    """The address the browser really connected to, when it is private and not allowed (a DNS
    answer that changed between our check and the browser's own lookup)."""
    if guard.allow_private:
        return None
    try:
        peer = await response.server_addr()
    except PlaywrightError:
        return None
    address = private_peer_address((peer or {}).get("ipAddress"))
    return f"the browser was connected to the private address {address}" if address else None


async def _navigate(page: Page, url: str, timeout: float):
    """Load `url` (until `load`), within the host's politeness: wait for this navigation's
    turn, and hand the turn on as soon as the document answers (commit) or fails."""
    turn = navigation_turn.get()
    answered = None
    if turn is not None:
        loop = asyncio.get_running_loop()
        waiting_since = loop.time()
        answered = await turn()
        deadline = _deadline.get()
        if deadline is not None and deadline.when() is not None:
            deadline.reschedule(deadline.when() + loop.time() - waiting_since)
    started = asyncio.get_running_loop().time()
    try:
        response = await page.goto(url, wait_until="commit", timeout=timeout * 1000)
    finally:
        if answered is not None:
            answered()
    left = timeout - (asyncio.get_running_loop().time() - started)
    await _wait_for_load(page, response, max(left, 0.001))
    return response


async def _wait_for_load(page: Page, response, timeout: float) -> None:
    """Wait for `load`; stop early, with the network's reason, when the document itself fails
    after its first bytes (a connection reset mid-body never fires `load`)."""
    failed: asyncio.Future = asyncio.get_running_loop().create_future()

    def on_failed(request) -> None:
        if (response is not None and request.url == response.url and not failed.done()
                and request.frame == page.main_frame):
            failed.set_result(request.failure or "unknown network error")

    page.on("requestfailed", on_failed)
    load = asyncio.ensure_future(page.wait_for_load_state("load", timeout=timeout * 1000))
    try:
        await asyncio.wait({load, failed}, return_when=asyncio.FIRST_COMPLETED)
        if not load.done():
            raise PlaywrightError(f"the page's document failed while loading: "
                                  f"net::{failed.result().removeprefix('net::')}")
        load.result()
    finally:
        if not load.done():
            load.cancel()
            with contextlib.suppress(asyncio.CancelledError, PlaywrightError):
                await load
        page.remove_listener("requestfailed", on_failed)


async def _evaluate(page: Page, script: str, timeout: float):
    """Run a script in the page; when the page replaced itself meanwhile, wait for the new one.

    A page that navigates away by script or meta refresh after `load` is measured as the page
    it became; one that keeps doing so raises the last error.
    """
    for attempt in range(SELF_NAVIGATIONS_FOLLOWED + 1):
        try:
            return await page.evaluate(script)
        except PlaywrightError as error:
            if "Execution context was destroyed" not in str(error) or (
                    attempt == SELF_NAVIGATIONS_FOLLOWED):
                raise
            log.debug("%s navigated away by itself; waiting for the new page", page.url)
            await page.wait_for_load_state("load", timeout=timeout * 1000)
    raise AssertionError("unreachable")


def _redirect_chain(response) -> list[str]:
    chain: list[str] = []
    request = response.request.redirected_from
    while request is not None:
        chain.append(request.url)
        request = request.redirected_from
    return list(reversed(chain))


def _links(found: list[dict] | None) -> list[Link]:
    return [Link(**link) for link in found or []]


def _apply_facts(capture: Capture, facts: dict) -> None:
    capture.nodes = int(facts["nodes"])
    capture.title = facts.get("title")
    capture.lang = facts.get("lang")
    capture.images = [Image(**image) for image in facts.get("images", [])]
    capture.media = [Media(**media) for media in facts.get("media", [])]
    capture.fonts = [Font(**font) for font in facts.get("fonts", [])]
    capture.permission_requests = sorted(set(facts.get("permissions", [])))
    capture.dom = DomFacts(**facts["dom"])


def _cookie(cookie: dict, capture: Capture, options: MeasureOptions) -> Cookie:
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


def _link_images_to_requests(capture: Capture) -> None:
    """Give each image its bytes and sniffed format from the request that fetched it."""
    by_url: dict[str, Request] = {}
    for request in capture.requests:
        if request.status and 200 <= request.status < 300:
            by_url.setdefault(request.url, request)
    for image in capture.images:
        request = by_url.get(image.url)
        if request is not None:
            image.bytes = request.transfer_bytes
            image.format = request.sniffed_format
        elif image.url.startswith("data:image/"):
            image.format = image.url[11:].split(";")[0].split(",")[0].replace("svg+xml", "svg")


async def measure_many(
    urls: Iterable[str], options: MeasureOptions, *, concurrency: int = 4,
) -> list[Capture]:
    """Measure every URL (in parallel, one shared browser); results in the input order."""
    url_list = list(urls)
    limit = asyncio.Semaphore(max(1, concurrency))
    async with BrowserSession(options) as session:

        async def one(url: str) -> Capture:
            async with limit:
                return await session.measure(url)

        return list(await asyncio.gather(*(one(url) for url in url_list)))


def measure_urls(urls: Iterable[str], options: MeasureOptions, *, concurrency: int = 4
                 ) -> list[Capture]:
    """Synchronous wrapper of `measure_many`."""
    return asyncio.run(measure_many(urls, options, concurrency=concurrency))
