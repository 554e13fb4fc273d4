"""Measuring pages in headless Chromium with the EcoIndex protocol (the only browser driver).

One browser process serves many pages; every page gets a fresh context (empty cache, no cookies),
so N pages measured in parallel give the same numbers as N single-page runs. The protocol:
load (wait for the `load` event), wait, ArrowDown, smooth scroll to the bottom, wait, then read
the DOM facts and the HAR that the browser recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Page,
    Playwright,
    StorageState,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from ecoaudit.capture import (
    Capture,
    Link,
    Protocol,
)
from ecoaudit.measure import coverage, har
from ecoaudit.measure.browser import (
    BrowserExecutable,
    find_chromium,
    find_full_chromium,
    launch_options,
)
from ecoaudit.measure.devices import DeviceProfile, device_profile
from ecoaudit.measure.events import PageEvents
from ecoaudit.measure.facts import (
    apply_facts,
    cookie_of,
    link_images_to_requests,
    links_of,
    redirect_chain,
)
from ecoaudit.measure.failures import (
    SELF_REPLACING_PAGE,
    browser_died,
    describe_navigation_error,
    invalid_url_reason,
)
from ecoaudit.measure.navigation import Pacing, evaluate, navigate, private_peer
from ecoaudit.measure.navigation_guard import NavigationGuard
from ecoaudit.measure.options import MeasureOptions
from ecoaudit.measure.scripts import (
    COLLECT_SCRIPT,
    FIRST_VIEWPORT_SCRIPT,
    INIT_SCRIPT,
    LINKS_SCRIPT,
    SCROLL_SCRIPT,
)
from ecoaudit.net import parties
from ecoaudit.net.hosts import host_is_private

if TYPE_CHECKING:  # Playwright's own names for these, not re-exported by playwright.async_api
    from playwright._impl._api_structures import SetCookieParam
    from playwright.async_api._context_manager import PlaywrightContextManager

log = logging.getLogger(__name__)


CLOSE_MARGIN_SECONDS = 20.0


@dataclass(frozen=True)
class Visit:
    """One measurement's who and how: the URL, the consent state, the device, the storage."""

    url: str
    consent: str
    profile: DeviceProfile
    storage_state: StorageState | None = None


class CoverageRecorder:
    """JS and CSS coverage through a CDP session, started before the page's first byte."""

    def __init__(self) -> None:
        self.session: CDPSession | None = None
        self.sheets: dict[str, dict] = {}

    async def start(self, context: BrowserContext, page: Page) -> None:
        self.session = session = await context.new_cdp_session(page)
        session.on("CSS.styleSheetAdded", self._on_sheet)
        await session.send("Profiler.enable")
        await session.send(
            "Profiler.startPreciseCoverage", {"callCount": False, "detailed": False}
        )
        await session.send("DOM.enable")
        await session.send("CSS.enable")
        await session.send("CSS.startRuleUsageTracking")

    async def _send_plain(self, method: str) -> dict:
        """A CDP command whose answer is plain JSON. Playwright's public `send` walks every
        value of the answer to wrap its own objects, which a coverage answer (every function of
        every script) has none of: that walk was a sixth of our process's CPU per page. Its
        implementation object answers the same dict without the walk; the public call remains
        the fallback should that private object ever change."""
        session = self.session
        if session is None:
            raise RuntimeError("coverage was not started: call start() first")
        implementation: Any = getattr(session, "_impl_obj", None)  # private: unknown shape
        try:
            return await implementation.send(method, None, None)
        except (AttributeError, TypeError):
            return await session.send(method)

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
        self._manager: PlaywrightContextManager | None = None
        self._browser: Browser | None = None
        self._launch_lock = asyncio.Lock()
        self.browser_version: str | None = None
        self.default_user_agent: str | None = None
        self.relaunches = 0
        self._devices: dict[str, dict[str, Any]] = {}
        self._profiles: dict[str, DeviceProfile] = {}
        self._owner: BrowserSession | None = None  # set on a view (`with_options`)

    def with_options(self, options: MeasureOptions) -> BrowserSession:
        """A view of this open session with other options (another site's), measuring in the
        same browser: a worker crawls pages of several runs at once with one Chromium."""
        view = copy.copy(self)
        view.options = options
        view._owner = self._owner or self
        return view

    async def __aenter__(self) -> BrowserSession:
        # find_chromium may ask Playwright's sync API, which refuses to run inside an event loop.
        self.executable = await asyncio.to_thread(find_chromium, self.options.browser_path)
        self._manager = manager = async_playwright()
        self._playwright = await manager.__aenter__()
        self._devices = self._playwright.devices
        for name in dict.fromkeys([self.options.device, *self.options.devices]):
            self.profile(name)  # an unknown device stops here, before any page
        await self._launch()
        return self

    async def __aexit__(self, *exc_info) -> None:
        try:
            if self._browser is not None:
                await self._browser.close()
        except PlaywrightError:
            pass
        if self._manager is None:
            raise RuntimeError("the browser session was never entered")
        await self._manager.__aexit__(*exc_info)

    async def _launch(self) -> Browser:
        playwright, executable = self._playwright, self.executable
        if playwright is None or executable is None:
            raise RuntimeError("the browser session is not open: use `async with BrowserSession`")
        try:
            self._browser = browser = await playwright.chromium.launch(
                **launch_options(executable))
        except PlaywrightError as error:
            fallback = await asyncio.to_thread(find_full_chromium) if (
                executable.is_shell) else None
            if fallback is None:
                raise
            log.warning("The headless shell %s could not start (%s): measuring with the full "
                        "browser %s instead.", executable.path,
                        str(error).strip().splitlines()[0][:200], fallback.path)
            self.executable = executable = fallback
            self._browser = browser = await playwright.chromium.launch(
                **launch_options(fallback))
        self.browser_version = f"chromium {browser.version}"
        page = await browser.new_page()
        try:
            self.default_user_agent = await page.evaluate("navigator.userAgent")
        finally:
            await page.close()
        log.info("Browser started: %s, %s", self.browser_version, executable.describe())
        return browser

    @property
    def browser_description(self) -> str | None:
        """E.g. 'chromium 156.0.8078.129, headless shell, /usr/lib/...(system)'."""
        if not self.browser_version or not self.executable:
            return self.browser_version
        return f"{self.browser_version}, {self.executable.describe()}"

    def profile(self, device: str | None = None) -> DeviceProfile:
        """The profile of a device name (None: the options' device)."""
        name = device or self.options.device
        if name not in self._profiles:
            self._profiles[name] = device_profile(name, self._devices or None)
        return self._profiles[name]

    def protocol(self, consent: str = "none", device: str | None = None) -> Protocol:
        """The protocol of a measurement by this session (its options, browser and device)."""
        protocol = self.options.protocol(self.browser_version, consent, self.executable)
        profile = self.profile(device)
        if not profile.is_desktop:
            protocol.viewport_width = profile.viewport_width or protocol.viewport_width
            protocol.viewport_height = profile.viewport_height or protocol.viewport_height
        protocol.device = profile.name
        protocol.device_scale_factor = profile.device_scale_factor
        protocol.mobile = profile.is_mobile
        protocol.user_agent = self.user_agent_of(profile)
        return protocol

    def user_agent_of(self, profile: DeviceProfile) -> str | None:
        """The User-Agent sent with a profile: the option, else the device's (or the browser's
        own) followed by our token."""
        if self.options.user_agent:
            return self.options.user_agent
        base = profile.user_agent or self.default_user_agent
        if self.options.user_agent_token and base:
            return f"{base} {self.options.user_agent_token}"
        return profile.user_agent

    async def ensure_browser(self) -> Browser:
        """The session's browser, relaunched first if it died."""
        if self._owner is not None:
            shared = await self._owner.ensure_browser()
            self.browser_version = self._owner.browser_version
            return shared
        async with self._launch_lock:
            browser = self._browser
            if browser is None or not browser.is_connected():
                log.warning("The browser is gone: relaunching it.")
                self.relaunches += 1
                browser = await self._launch()
            return browser

    async def recycle(self) -> None:
        """Close the browser and start a fresh one: a long-lived worker replaces its Chromium
        after many pages, so that a leaking one does not grow for ever."""
        if self._owner is not None:
            await self._owner.recycle()
            return
        async with self._launch_lock:
            browser, self._browser = self._browser, None
            if browser is not None:
                with contextlib.suppress(PlaywrightError):
                    await browser.close()
            await self._launch()

    async def measure(self, url: str, *, consent: str = "none", screenshot: Path | None = None,
                      pacing: Pacing | None = None, device: str | None = None,
                      storage_state: StorageState | None = None) -> Capture:
        """Measure one page; never raises for a page's own faults (they become `error`).

        `pacing` is a crawl's hold on the measurement: its politeness turn and links callback.
        `device` names the profile (None: the options'); `storage_state` (cookies and
        localStorage of a logged-in visitor) is loaded into the page's fresh context.
        """
        visit = Visit(url, consent, self.profile(device), storage_state)
        problem = invalid_url_reason(url)
        if problem:
            return self._failed(visit, problem)
        for attempt in (1, 2):
            browser = await self.ensure_browser()
            try:
                capture = await self._measure_with_deadline(
                    browser, visit, screenshot, dataclasses.replace(pacing or Pacing()))
            except PlaywrightError as error:
                log.debug("Measurement of %s failed", url, exc_info=True)
                capture = self._failed(visit, f"the browser failed on this page: {error}"[:300])
            if attempt == 2 or not capture.error or not await browser_died(browser, capture.error):
                return capture
            log.warning("The browser died while measuring %s: retrying once.", url)
        raise AssertionError("unreachable")

    async def _measure_with_deadline(self, browser: Browser, visit: Visit,
                                     screenshot: Path | None, pacing: Pacing) -> Capture:
        budget = (self.options.timeout + self.options.wait_before + self.options.wait_after
                  + CLOSE_MARGIN_SECONDS)
        try:
            async with asyncio.timeout(budget) as deadline:
                pacing.deadline = deadline
                return await self._measure(browser, visit, screenshot, pacing)
        except TimeoutError:
            if not browser.is_connected():  # stuck on a browser that died: measure() retries
                raise PlaywrightError("the browser died during the measurement") from None
            return self._failed(visit, f"the measurement did not end within {budget:g} s")

    def _failed(self, visit: Visit, reason: str) -> Capture:
        return Capture(requested_url=visit.url, error=reason,
                       protocol=self.protocol(visit.consent, visit.profile.name))

    async def _consent_state(self, browser: Browser, visit: Visit, selector: str,
                             pacing: Pacing) -> StorageState:
        """Storage (cookies, localStorage) of a visitor who clicked the consent button."""
        context = await browser.new_context(**self.context_arguments(visit.profile,
                                                                     visit.storage_state))
        try:
            page = await context.new_page()
            await navigate(page, visit.url, self.options.timeout, pacing)
            await page.click(selector, timeout=10_000)
            await asyncio.sleep(1.0)
            return await context.storage_state()
        finally:
            await context.close()

    def context_arguments(self, profile: DeviceProfile,
                          storage_state: StorageState | None = None) -> dict:
        """The arguments of a fresh context for a device profile (and a visitor's storage)."""
        options = self.options
        width = profile.viewport_width or options.viewport_width
        height = profile.viewport_height or options.viewport_height
        arguments: dict = {
            "viewport": {"width": width, "height": height},
            "screen": {"width": profile.screen_width or width,
                       "height": profile.screen_height or height},
            "accept_downloads": True,
            "service_workers": "allow",
        }
        if not profile.is_desktop:
            arguments.update(device_scale_factor=profile.device_scale_factor,
                             is_mobile=profile.is_mobile, has_touch=profile.has_touch)
        if storage_state is not None:
            arguments["storage_state"] = storage_state
        if options.ignore_https_errors:
            arguments["ignore_https_errors"] = True
        user_agent = self.user_agent_of(profile)
        if user_agent:
            arguments["user_agent"] = user_agent
        if options.extra_headers:
            arguments["extra_http_headers"] = dict(options.extra_headers)
        if options.http_credentials:
            arguments["http_credentials"] = dict(options.http_credentials)
        return arguments

    async def _measure(self, browser: Browser, visit: Visit,
                       screenshot: Path | None, pacing: Pacing) -> Capture:
        options = self.options
        url = visit.url
        capture = Capture(requested_url=url,
                          protocol=self.protocol(visit.consent, visit.profile.name))
        workdir = Path(tempfile.mkdtemp(prefix="ecoaudit-"))
        har_path = workdir / "page.har"  # bodies as files beside it: nothing to deflate
        arguments = self.context_arguments(visit.profile, visit.storage_state)
        if visit.consent == "after" and options.consent_selector:
            try:
                arguments["storage_state"] = await self._consent_state(
                    browser, visit, options.consent_selector, pacing)
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
                # MeasureOptions.cookies holds Playwright cookie dicts (name, value, url).
                await context.add_cookies(cast("list[SetCookieParam]", options.cookies))
            await context.add_init_script(INIT_SCRIPT)
            page = await context.new_page()
            events.attach(context, page)
            guard = self.navigation_guard(url)
            if guard is not None:
                await guard.start(await context.new_cdp_session(page))
            recorder = CoverageRecorder() if options.collect_coverage else None
            if recorder:
                await recorder.start(context, page)
            await self._run_protocol(page, capture, recorder, screenshot, guard, pacing)
            if capture.error is None and events.replaced_itself_too_often:
                capture.error = SELF_REPLACING_PAGE
            if not browser.is_connected():
                raise PlaywrightError("the browser process died during the measurement")
            if capture.ok or capture.nodes is not None:
                capture.cookies = [cookie_of(c, capture, options) for c in await context.cookies()]
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
        link_images_to_requests(capture)
        return capture

    def navigation_guard(self, url: str) -> NavigationGuard | None:
        allow_private = self.options.allow_private
        if allow_private is None:
            allow_private = host_is_private(urlsplit(url).hostname or "")
        if allow_private and self.options.allowed_hosts is None:
            return None
        return NavigationGuard(self.options.allowed_hosts, allow_private)

    async def _run_protocol(self, page: Page, capture: Capture, recorder,
                            screenshot: Path | None, guard: NavigationGuard | None,
                            pacing: Pacing) -> None:
        options = self.options
        try:
            response = await navigate(page, capture.requested_url, options.timeout, pacing)
        except PlaywrightError as error:
            capture.error = describe_navigation_error(error, options.timeout)
            return  # a refused navigation is named by _measure, whatever the error says
        if response is None:
            capture.error = "the browser received no response for this URL"
            return
        if guard is not None:
            refusal = guard.main_frame_refusal or await private_peer(response, guard)
            if refusal:
                capture.error = f"refused: {refusal}"
                return
        capture.final_url = response.url
        capture.status = response.status
        capture.content_type = (await response.all_headers()).get("content-type")
        capture.redirect_chain = redirect_chain(response)
        if response.status != 200:
            capture.error = f"HTTP status {response.status}: a page must answer 200 to be measured"
            return
        if not (capture.content_type or "").lower().startswith("text/html"):
            capture.error = (f"not an HTML page (content type {capture.content_type or 'none'})")
            return
        facts = await settle_and_collect(page, capture, options, links_found=pacing.links_found)
        if guard is not None and guard.main_frame_refusal:  # a script tried to leave
            capture.error = f"refused: {guard.main_frame_refusal}"
            return
        apply_facts(capture, facts)
        if recorder:
            try:
                capture.coverage = await recorder.stop(page.url)
            except PlaywrightError:
                log.debug("Coverage unavailable for %s", capture.requested_url, exc_info=True)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(screenshot), full_page=False)

    def _read_har(self, har_path: Path, capture: Capture) -> None:
        self.read_har(har_path, [capture])

    def read_har(self, har_path: Path, captures: list[Capture],
                 boundaries: list[datetime] | None = None) -> None:
        """Fill each capture's requests from the HAR the browser wrote; with `boundaries` (a
        journey's measured steps), capture k gets the requests started in window k."""
        if not har_path.exists() or not captures:
            return
        try:
            document, archive = har.read_har(har_path)
        except (OSError, ValueError, KeyError) as error:
            for capture in captures:
                capture.error = capture.error or f"the browser's network record was "\
                    f"unreadable: {error}"
            return
        full_browser = self.executable is not None and not self.executable.is_shell
        windows = har.split_by_start(document, boundaries) if boundaries else [document]
        main_frame = har.main_frame_ref(document)
        try:
            for capture, window in zip(captures, windows, strict=False):
                capture.requests = har.requests_from_har(
                    window, archive, leave_out_browser_fetches=full_browser,
                    main_frame=main_frame)
                if full_browser:
                    capture.browser_only_requests = har.browser_only_urls(window)
                if capture.final_url:
                    capture.document_sha256 = har.document_sha256(window, archive,
                                                                  capture.final_url)
                first_party = self._first_party_hosts(capture)
                for request in capture.requests:
                    request.third_party = parties.is_third_party(request.url, first_party)
        finally:
            if isinstance(archive, zipfile.ZipFile):
                archive.close()

    def _first_party_hosts(self, capture: Capture) -> list[str]:
        hosts = list(self.options.first_party_hosts)
        for url in (capture.requested_url, capture.final_url):
            host = urlsplit(url).hostname if url else None
            if host:
                hosts.append(host)
        return hosts


async def settle_and_collect(page: Page, capture: Capture, options: MeasureOptions, *,
                             links_found: Callable[[list[Link]], Awaitable[None]] | None = None
                             ) -> dict:
    """The protocol on a loaded page: wait, ArrowDown, smooth scroll to the bottom, wait, then
    read the links into `capture` and return the DOM facts for `apply_facts` (`links_found` is
    told the links early)."""
    await evaluate(page, FIRST_VIEWPORT_SCRIPT, options.timeout)
    if links_found is not None:
        with contextlib.suppress(PlaywrightError):  # only a head start: the end tells all
            await links_found(links_of(await page.evaluate(LINKS_SCRIPT)))
    await asyncio.sleep(options.wait_before)
    await page.keyboard.press("ArrowDown")
    await evaluate(page, SCROLL_SCRIPT, options.timeout)
    await asyncio.sleep(options.wait_after)
    collected = await evaluate(page, COLLECT_SCRIPT, options.timeout)
    capture.links = links_of(collected["links"])
    capture.popups = int(collected.get("popups") or 0)
    return collected["facts"]


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
