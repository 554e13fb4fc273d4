"""Playing a user journey in one fresh browser context, measuring the steps that ask for it.

A measured step applies the EcoIndex protocol to the state it leads to (the same waits and
scroll, the DOM facts of that state) and owns the requests started since the previous measured
step (the GreenIT-Analysis way): the browser records one HAR for the whole journey, cut at the
end of each measured step. A step that fails ends the journey with its reason; every step
measured before it is kept. Secret values (`${ENV_VAR}`) are typed into the page and never
written anywhere: what they may have left in a URL is masked in every capture.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, quote_plus

from playwright.async_api import BrowserContext, Page, Response, StorageState
from playwright.async_api import Error as PlaywrightError

from ecoaudit.capture import Capture
from ecoaudit.measure.events import PageEvents
from ecoaudit.measure.facts import apply_facts, link_images_to_requests
from ecoaudit.measure.failures import describe_navigation_error
from ecoaudit.measure.journey_steps import (
    NETWORK_IDLE,
    URL_WAIT_PREFIX,
    Journey,
    Step,
    UnsetVariable,
    references,
)
from ecoaudit.measure.scripts import INIT_SCRIPT, SCROLL_SCRIPT
from ecoaudit.measure.session import (
    CLOSE_MARGIN_SECONDS,
    BrowserSession,
    CoverageRecorder,
    settle_and_collect,
)

log = logging.getLogger(__name__)

STEP_TIMEOUT = 10.0  # seconds to find a step's element: a missing selector fails fast
MASK = "***"


class StepFailed(Exception):
    """A step could not be played; the message says which, and what the page showed."""


@dataclass
class JourneyResult:
    """What a journey measured (one capture per measured step reached) and how it ended."""

    journey: Journey
    device: str
    captures: list[Capture] = field(default_factory=list)
    error: str | None = None  # why the journey stopped before its end
    failed_step: int | None = None  # the step (1, 2...) that failed
    final_url: str | None = None
    storage_state: StorageState | None = field(default=None, repr=False)  # memory only

    @property
    def ok(self) -> bool:
        return self.error is None


class JourneyPlayer:
    """Plays one journey in a fresh context of a browser session."""

    def __init__(self, session: BrowserSession, journey: Journey, *, device: str | None = None,
                 storage_state: StorageState | None = None, measure: bool = True) -> None:
        self.session = session
        self.options = session.options
        self.journey = journey
        self.profile = session.profile(device)
        self.storage_state = storage_state
        self.measure = measure
        self.result = JourneyResult(journey, self.profile.name)
        self.boundaries: list[datetime] = []
        self.secrets: list[str] = []
        self.document: Response | None = None

    async def play(self) -> JourneyResult:
        """Play every step; never raises for the site's faults (they become `error`)."""
        browser = await self.session.ensure_browser()
        workdir = Path(tempfile.mkdtemp(prefix="ecoaudit-journey-"))
        har_path = workdir / "journey.har"
        arguments = self.session.context_arguments(self.profile, self.storage_state)
        if self.measure:
            arguments.update(record_har_path=str(har_path), record_har_content="attach")
        context = await browser.new_context(**arguments)
        events = PageEvents()
        try:
            await context.add_init_script(INIT_SCRIPT)
            page = await context.new_page()
            events.attach(context, page)
            page.on("response", self._on_response)
            guard = self.session.navigation_guard(self.journey.start_url)
            if guard is not None:
                await guard.start(await context.new_cdp_session(page))
            try:
                async with asyncio.timeout(self._budget()):
                    await self._play_steps(context, page)
            except TimeoutError:
                self._fail(len(self.result.captures) + 1,
                           f"the journey did not end within {self._budget():g} s")
            self.result.final_url = page.url
            if guard is not None and guard.main_frame_refusal:
                self._fail(None, f"refused: {guard.main_frame_refusal}")
            if not self.measure:
                await self._check_logged_in(page)
            if self.result.ok and not self.measure:
                self.result.storage_state = await context.storage_state()
        except PlaywrightError as error:
            self._fail(None, f"the browser failed: {str(error).splitlines()[0][:200]}")
        finally:
            try:
                await context.close()
            finally:
                if self.measure:
                    self._read_requests(har_path)
                shutil.rmtree(workdir, ignore_errors=True)
        if self.result.captures:
            last = self.result.captures[-1]
            last.dialogs, last.popups = events.dialogs, last.popups + events.popups
            last.downloads, last.console_errors = events.downloads, events.console_errors
        self._mask_secrets()
        return self.result

    async def _check_logged_in(self, page: Page) -> None:
        """A login whose page, after its last step or the step that failed after the form was
        filled in, still shows a field it filled in did not succeed: the site refused the user
        name or the password (its own reason, a timeout waiting for the next page, says less)."""
        failed = self.result.failed_step
        if self.result.error and failed is None:  # the start page or the browser failed
            return
        filled = [(index, step) for index, step in enumerate(self.journey.steps, start=1)
                  if step.action == "fill" and (failed is None or index < failed)]
        for index, step in sorted(filled, key=lambda item: not item[1].secret):  # password first
            if await page.locator(step.target).first.is_visible():
                self.result.error = None
                variables = ", ".join(references(step.value)) or "the journey file"
                self._fail(index, (
                    f"the login did not succeed: the field {step.target!r} that step {index} "
                    f"({step.name!r}) filled is still on the page {page.url} after the form "
                    f"was sent; check the user name and the password ({variables})"))
                return

    def _budget(self) -> float:
        options = self.options
        measured = len(self.journey.measured_steps) if self.measure else 0
        return (options.timeout * (len(self.journey.steps) + 1) + CLOSE_MARGIN_SECONDS
                + measured * (options.wait_before + options.wait_after + options.timeout))

    def _on_response(self, response: Response) -> None:
        """Remember the main frame's latest document: a measured step's status is its own."""
        request = response.request
        try:
            main_frame = request.frame.parent_frame is None
        except PlaywrightError:  # a service worker's request has no frame
            return
        if request.is_navigation_request() and main_frame:
            self.document = response

    def _fail(self, index: int | None, reason: str) -> None:
        if self.result.error is None:
            self.result.failed_step = index
            self.result.error = reason

    async def _play_steps(self, context: BrowserContext, page: Page) -> None:
        recorder = CoverageRecorder() if self.measure and self.options.collect_coverage else None
        if recorder:
            await recorder.start(context, page)
        try:
            await page.goto(self.journey.start_url, wait_until="load",
                            timeout=self.options.timeout * 1000)
        except PlaywrightError as error:
            self._fail(None, f"the start URL {self.journey.start_url} could not be loaded: "
                       f"{describe_navigation_error(error, self.options.timeout)}")
            return
        status = self.document.status if self.document is not None else None
        if status is not None and status >= 400:
            self._fail(None, f"the start URL {self.journey.start_url} answered HTTP {status}")
            return
        for index, step in enumerate(self.journey.steps, start=1):
            try:
                await self._play_step(page, step)
                await page.wait_for_load_state("load", timeout=self.options.timeout * 1000)
                status = self.document.status if self.document is not None else None
                if status is not None and status >= 400:
                    raise StepFailed(f"the page answered HTTP {status}")
            except (StepFailed, PlaywrightError, UnsetVariable) as error:
                self._fail(index, await self._step_failure(page, index, step, error))
                return
            if step.measure and self.measure:
                capture = await self._measure_state(page, index, step, recorder)
                self.result.captures.append(capture)
                if recorder:
                    recorder = CoverageRecorder()
                    await recorder.start(context, page)

    async def _play_step(self, page: Page, step: Step) -> None:
        wait_ms = min(self.options.timeout, STEP_TIMEOUT) * 1000
        value = step.resolved_value()
        if value is not None and step.secret:
            self.secrets.append(value)
        target = step.target
        if step.action == "goto":
            await page.goto(target, wait_until="load", timeout=self.options.timeout * 1000)
        elif step.action == "scroll":
            await page.evaluate(SCROLL_SCRIPT)
        elif step.action == "wait_for":
            if target == NETWORK_IDLE:
                await page.wait_for_load_state("networkidle", timeout=self.options.timeout * 1000)
            elif target.startswith(URL_WAIT_PREFIX):
                await page.wait_for_url(target.removeprefix(URL_WAIT_PREFIX),
                                        timeout=self.options.timeout * 1000)
            else:
                await page.locator(target).first.wait_for(state="visible", timeout=wait_ms)
        else:
            await self._act(page, step, value or "", wait_ms)

    async def _act(self, page: Page, step: Step, value: str, wait_ms: float) -> None:
        element = page.locator(step.target).first
        if step.action == "click":
            await element.click(timeout=wait_ms)
        elif step.action == "fill":
            await element.fill(value, timeout=wait_ms)
        elif step.action == "select":
            await element.select_option(value, timeout=wait_ms)
        elif step.action == "check":
            await element.check(timeout=wait_ms)
        elif step.action == "press":
            await element.press(value, timeout=wait_ms)
        else:
            raise StepFailed(f"unknown action {step.action!r}")

    async def _step_failure(self, page: Page, index: int, step: Step, error: Exception) -> str:
        """One sentence: the step, its selector, what went wrong, and what the page showed."""
        if isinstance(error, UnsetVariable):
            what = f"the environment variable {error.variable} is not set"
        elif isinstance(error, StepFailed):
            what = str(error)
        else:
            text = str(error).splitlines()[0] if str(error) else type(error).__name__
            what = ("nothing on the page matches it" if "Timeout" in text and step.action not in
                    ("goto", "wait_for") else text[:200])
        try:
            title = await page.title()
        except PlaywrightError:
            title = ""
        shown = f"{page.url}" + (f" (title {title[:80]!r})" if title else "")
        return f"step {index} ({step.name!r}), {step.describe()}: {what}; the page was {shown}"

    async def _measure_state(self, page: Page, index: int, step: Step,
                             recorder: CoverageRecorder | None) -> Capture:
        """The protocol on the state the step reached: waits, scroll, DOM facts, coverage."""
        capture = Capture(requested_url=page.url,
                          protocol=self.session.protocol(device=self.profile.name),
                          journey=self.journey.name, step=step.name, step_index=index)
        document = self.document
        if document is not None:
            capture.status = document.status
            capture.content_type = (await document.all_headers()).get("content-type")
        try:
            facts = await settle_and_collect(page, capture, self.options)
            apply_facts(capture, facts)
            capture.final_url = page.url
            if recorder:
                capture.coverage = await recorder.stop(page.url)
        except PlaywrightError as error:
            capture.error = f"the state of this step could not be measured: "\
                f"{str(error).splitlines()[0][:200]}"
        self.boundaries.append(datetime.now(UTC))
        return capture

    def _read_requests(self, har_path: Path) -> None:
        captures = self.result.captures
        if not captures:
            return
        self.session.read_har(har_path, captures, self.boundaries)
        for capture in captures:
            link_images_to_requests(capture)

    def _mask_secrets(self) -> None:
        """Replace every secret value (and its URL-encoded forms) in the captures by ***."""
        forms = {form for secret in self.secrets if secret
                 for form in (secret, quote(secret, safe=""), quote_plus(secret))}
        if not forms:
            return
        for position, capture in enumerate(self.result.captures):
            text = json.dumps(capture.to_dict())
            for form in sorted(forms, key=len, reverse=True):
                text = text.replace(json.dumps(form)[1:-1], MASK)
            self.result.captures[position] = Capture.from_dict(json.loads(text))
        for form in forms:
            if self.result.error:
                self.result.error = self.result.error.replace(form, MASK)
            if self.result.final_url:
                self.result.final_url = self.result.final_url.replace(form, MASK)


async def play_journey(session: BrowserSession, journey: Journey, *, device: str | None = None,
                       storage_state: StorageState | None = None) -> JourneyResult:
    """Play and measure a journey in a fresh context (of `device`, with a visitor's storage)."""
    return await JourneyPlayer(session, journey, device=device,
                               storage_state=storage_state).play()


async def log_in(session: BrowserSession, journey: Journey, *, device: str | None = None
                 ) -> JourneyResult:
    """Play a login journey without measuring it; its `storage_state` (memory only) is the
    logged-in visitor's. It fails when the page after the last step still shows a field the
    journey filled in (the site refused the user name or the password)."""
    return await JourneyPlayer(session, journey, device=device, measure=False).play()
