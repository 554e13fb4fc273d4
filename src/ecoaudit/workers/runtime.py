"""One worker process: an event loop in its own thread holding one browser, on which the
Celery task threads run their pages (N at once with `--concurrency N`), as a local crawl runs
N pages at once in one browser."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable
from typing import Any, TypeVar

from celery import Celery

from ecoaudit.errors import EcoauditError
from ecoaudit.measure import BrowserSession, MeasureOptions
from ecoaudit.store import Store
from ecoaudit.store.owner import process_label
from ecoaudit.store.work_queue import LEASE_RENEWAL_SECONDS, LEASE_SECONDS, WorkQueue
from ecoaudit.workers.celery_app import send_finish_token, send_page_tokens
from ecoaudit.workers.finish import finish_run
from ecoaudit.workers.page_task import PageTask
from ecoaudit.workers.run_context import RunContext, open_context
from ecoaudit.workers.submit import options_from_data
from ecoaudit.workers.versions import Versions

log = logging.getLogger(__name__)
T = TypeVar("T")
RECYCLE_AFTER_PAGES = 500  # a fresh Chromium after this many pages, in case the old one leaks


class WrongVersion(EcoauditError):
    """This worker must not join the run (another ecoaudit version or rule catalogue)."""


class WorkerRuntime:
    """The browser, the database and the runs of one worker process."""

    def __init__(self, db_url: str, app: Celery, *, recycle_after: int = RECYCLE_AFTER_PAGES
                 ) -> None:
        self.store = Store.open(db_url)
        self.queue = WorkQueue(self.store.engine)
        self.app = app
        self.name = process_label()
        self.versions = Versions.here()
        self.recycle_after = recycle_after
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="ecoaudit-browser",
                                        daemon=True)
        self._session: BrowserSession | None = None
        self._contexts: dict[int, RunContext] = {}
        self._opening: dict[int, asyncio.Lock] = {}
        self._pages = 0
        self._busy = 0
        self._heartbeat: asyncio.Task | None = None

    # -- life ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the loop and the browser (raises BrowserNotFound when there is none)."""
        self._thread.start()
        self.call(self._open_session(), timeout=120)

    def stop(self) -> None:
        if self._session is not None:
            try:
                self.call(self._session.__aexit__(None, None, None), timeout=30)
            except Exception:  # closing at exit: nothing left to save
                log.debug("closing the browser failed", exc_info=True)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.store.close()

    def call(self, coroutine: Awaitable[T], *, timeout: float) -> T:
        """Run `coroutine` on the worker's loop from a task thread; give up after `timeout`
        (the task's hard limit), cancelling it."""
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(coroutine), self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    async def _open_session(self) -> None:
        session = BrowserSession(MeasureOptions())
        await session.__aenter__()
        self._session = session
        self._heartbeat = asyncio.create_task(self._renew_leases())

    async def _renew_leases(self) -> None:
        """Keep this worker's claims alive while it lives (a dead worker's lapse)."""
        while True:
            await asyncio.sleep(LEASE_RENEWAL_SECONDS)
            try:
                await asyncio.to_thread(self.queue.renew_leases, self.name)
            except Exception:  # the database may be back at the next beat
                log.warning("Could not renew this worker's claims", exc_info=True)

    # -- tasks ----------------------------------------------------------------------------------

    def joinable(self, run_id: int) -> dict[str, Any] | None:
        """The queued run if this worker may work on it now; None when there is nothing to do
        (unknown, finishing or finished); WrongVersion when it must not join it."""
        run = self.queue.queued_run(run_id)
        if run is None:
            return None
        refusal = self.versions.refusal(run_id, run["tool_version"], run["catalogue"])
        if refusal is not None:
            if run["problem"] != refusal:
                self.queue.note_problem(run_id, refusal)
            raise WrongVersion(refusal)
        return run

    async def crawl_page(self, run: dict[str, Any]) -> str:
        """Claim one page of the run and measure it; what happened, for the log."""
        run_id = run["run_id"]
        context = await self._context(run)
        claimed = await asyncio.to_thread(self.queue.claim_page, run_id, self.name,
                                          LEASE_SECONDS)
        if claimed is None:
            return f"run {run_id}: no page left to claim"
        self._busy += 1
        try:
            async with asyncio.timeout(context.limits.soft):
                finished = await PageTask(context, claimed, self.store, self.queue,
                                          self.name).run()
        except TimeoutError:
            finished = await asyncio.to_thread(
                self.queue.finish_page, run_id, claimed.id, "failed",
                error=f"the page was not measured within {context.limits.soft:g} s")
        finally:
            self._busy -= 1
            self._pages += 1
        await asyncio.to_thread(send_page_tokens, self.app, run_id, finished.queued,
                                context.limits)
        if finished.run_complete and await asyncio.to_thread(self.queue.begin_finish, run_id):
            await asyncio.to_thread(send_finish_token, self.app, run_id)
        await self._maybe_recycle()
        return f"run {run_id}: {claimed.url} measured"

    async def finish_run(self, run: dict[str, Any]) -> str:
        context = await self._context(run)
        status, reason = await finish_run(context, self.store, self.queue, self.name,
                                          run["refused"])
        self._contexts.pop(run["run_id"], None)
        return f"run {run['run_id']} {status}" + (f": {reason}" if reason else "")

    async def _context(self, run: dict[str, Any]) -> RunContext:
        run_id = run["run_id"]
        lock = self._opening.setdefault(run_id, asyncio.Lock())
        async with lock:
            if run_id not in self._contexts:
                if self._session is None:
                    raise RuntimeError("the worker's browser is not started")
                base, timeout = options_from_data(run["measure"])
                context = await open_context(run_id, run["site_spec"], self._session,
                                             self.store, base, timeout)
                protocol = context.session.protocol().__dict__
                await asyncio.to_thread(self.queue.fill_run_protocol, run_id, protocol,
                                        self._session.browser_version)
                self._contexts[run_id] = context
            return self._contexts[run_id]

    async def _maybe_recycle(self) -> None:
        """Replace the browser after `recycle_after` pages, once no page is being measured."""
        if self._session is None or self._pages < self.recycle_after or self._busy:
            return
        self._pages = 0
        log.info("Recycling the browser after %s pages.", self.recycle_after)
        await self._session.recycle()


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable

