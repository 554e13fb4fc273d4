"""Loading a page within the crawl's politeness and the measurement's deadline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from ecoaudit.capture import (
    Link,
)
from ecoaudit.measure.events import SELF_NAVIGATIONS_FOLLOWED
from ecoaudit.measure.navigation_guard import NavigationGuard
from ecoaudit.net.urls import private_peer_address

log = logging.getLogger(__name__)


@dataclass
class Pacing:
    """A crawl's hold on one measurement, handed to `BrowserSession.measure` (both optional).

    `navigation_turn`, awaited right before a navigation leaves, returns the function to call
    once that navigation is answered or has failed (the host's politeness). `links_found` is told
    the page's links as soon as it has loaded, so that a crawl starts on the next pages while
    this one is still in the protocol's waits. `deadline` is the measurement's own: time spent
    waiting for a turn is added back to it.
    """

    navigation_turn: Callable[[], Awaitable[Callable[[], None]]] | None = None
    links_found: Callable[[list[Link]], Awaitable[None]] | None = None
    deadline: asyncio.Timeout | None = None


async def private_peer(response, guard: NavigationGuard) -> str | None:
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


async def navigate(page: Page, url: str, timeout: float, pacing: Pacing):
    """Load `url` (until `load`), within the host's politeness: wait for this navigation's
    turn, and hand the turn on as soon as the document answers (commit) or fails."""
    turn = pacing.navigation_turn
    answered = None
    if turn is not None:
        loop = asyncio.get_running_loop()
        waiting_since = loop.time()
        answered = await turn()
        deadline = pacing.deadline
        when = deadline.when() if deadline is not None else None
        if deadline is not None and when is not None:
            deadline.reschedule(when + loop.time() - waiting_since)
    started = asyncio.get_running_loop().time()
    try:
        response = await page.goto(url, wait_until="commit", timeout=timeout * 1000)
    finally:
        if answered is not None:
            answered()
    left = timeout - (asyncio.get_running_loop().time() - started)
    await wait_for_load(page, response, max(left, 0.001))
    return response


async def wait_for_load(page: Page, response, timeout: float) -> None:
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


async def evaluate(page: Page, script: str, timeout: float):
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
