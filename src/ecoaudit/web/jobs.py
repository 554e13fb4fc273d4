"""The job runner of `ecoaudit serve`: the jobs operators launch run one at a time, in order.

Jobs are rows of the `jobs` table (store/jobs.py), so the queue, its positions, the progress and
the results are read from the database by every page, and survive a restart. The runner is an
asyncio task in the server's event loop: it claims the oldest queued job, runs it, records how it
ended, and takes the next.

The work itself runs in one dedicated thread (a single-thread executor), with its own event loop
for the browser. Why a thread and not the server's loop: a measurement spends real CPU time in
synchronous code (scoring a page, parsing its HAR, writing the acceptance's report), and the
acceptance workflow is synchronous; in the server's loop they would freeze every page of the
interface while a job runs. One thread is enough: jobs run one at a time.

Cancelling: a queued job is cancelled at once by the database; a running job sees the request
(an in-memory event, or the row's `cancel_requested` set by another process) at its next page,
or through the crawl's stop event. A job that raises anything unexpected ends failed with one
sentence (the trace goes to the server's log only), and the next job runs.

At start-up, jobs left running by a server that stopped are marked failed ("the server stopped
during the job"); what they stored stays in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request

from ecoaudit.store import Store
from ecoaudit.store.jobs import SERVER_STOPPED, JobStore
from ecoaudit.web.job_kinds import (
    JobCancelled,
    JobControl,
    JobFailed,
    run_acceptance_job,
    run_audit,
    run_crawl,
)
from ecoaudit.web.settings import WebSettings

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 2.0  # a job queued by another process is noticed within this time
CANCEL_POLL_SECONDS = 1.0  # how often a running job reads its row's cancel request
SHUTDOWN_GRACE_SECONDS = 15.0


class JobRunner:
    """Runs the queued jobs of one database, one at a time."""

    def __init__(self, store: Callable[[], Store], settings: WebSettings) -> None:
        self._store = store
        self.settings = settings
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecoaudit-job")
        self._current: int | None = None
        self._future: asyncio.Future[dict[str, Any]] | None = None
        self._stop_current = threading.Event()
        self._recovered = False  # the left-over jobs of a stopped server are marked failed

    @property
    def jobs(self) -> JobStore:
        """The jobs table (DatabaseUnavailable while the database cannot be reached)."""
        return JobStore(self._store().engine)

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Fail the jobs a stopped server left running, then start taking jobs."""
        await self._fail_left_over()
        self._task = asyncio.create_task(self._loop(), name="ecoaudit-job-runner")

    async def _fail_left_over(self) -> None:
        """Mark failed the jobs a stopped server left running, once; when the database cannot
        be reached yet, the loop tries again before it claims any job (a left-over job would
        otherwise stay "running" for ever and block its twin)."""
        try:
            left = await asyncio.to_thread(lambda: self.jobs.fail_unfinished())
        except Exception:  # the database is not there yet: the pages say so; jobs wait for it
            log.warning("Cannot read the job queue at start-up", exc_info=True)
            return
        self._recovered = True
        if left:
            log.warning("%d job(s) were running when the server stopped: marked failed.", left)

    async def stop(self) -> None:
        """Stop taking jobs; the running one is asked to stop and marked failed if it must be
        abandoned (its thread is not waited for beyond a grace period)."""
        current, future = self._current, self._future
        self._stop_current.set()
        if future is not None:
            with contextlib.suppress(BaseException):  # how it ended is recorded below
                await asyncio.wait_for(asyncio.shield(future), SHUTDOWN_GRACE_SECONDS)
        if self._task is not None:
            self._task.cancel()
        if current is not None:
            await asyncio.to_thread(lambda: self.jobs.finish(current, "failed",
                                                             error=SERVER_STOPPED))
        self._executor.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        """A job was queued: look for it now rather than at the next poll."""
        self._wake.set()

    def cancel(self, job_id: int) -> None:
        """Stop the running job `job_id` at its next page (the row's request is set already)."""
        if self._current == job_id:
            self._stop_current.set()

    # -- the loop ----------------------------------------------------------------------------

    async def _loop(self) -> None:
        while True:
            if not self._recovered:
                await self._fail_left_over()
            try:
                job = None if not self._recovered else await asyncio.to_thread(
                    lambda: self.jobs.claim_next())
            except Exception:  # the database is unreachable for a while: try again later
                log.warning("Cannot read the job queue", exc_info=True)
                job = None
            if job is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)
                continue
            await self._run(job)

    async def _run(self, job: dict[str, Any]) -> None:
        job_id = job["id"]
        self._current = job_id
        self._stop_current = threading.Event()
        control = JobControl(stop_requested=self._stop_check(job_id),
                             report=lambda progress: self.jobs.set_progress(job_id, **progress))
        loop = asyncio.get_running_loop()
        state, result, error = "done", None, None
        self._future = loop.run_in_executor(self._executor, self.execute, job, control)
        try:
            result = await asyncio.shield(self._future)
        except JobCancelled as cancelled:
            state, result = "cancelled", _outcome(cancelled)
        except JobFailed as failed:
            state, error, result = "failed", str(failed.args[0]), _outcome(failed)
        except asyncio.CancelledError:  # the server stops: stop() records the job's end
            raise
        except Exception as unexpected:
            log.exception("Job %s failed", job_id)
            state, error = "failed", ("The job stopped on an unexpected error "
                                      f"({type(unexpected).__name__}); see the server's log.")
        self._current, self._future = None, None
        await asyncio.to_thread(lambda: self.jobs.finish(job_id, state, result=result,
                                                         error=error))

    def _stop_check(self, job_id: int) -> Any:
        """A function telling whether the job was cancelled: the in-memory event at once, the
        row (a cancel from another server process) every CANCEL_POLL_SECONDS."""
        event = self._stop_current
        last = [0.0]

        def stop_requested() -> bool:
            if event.is_set():
                return True
            now = time.monotonic()
            if now - last[0] >= CANCEL_POLL_SECONDS:
                last[0] = now
                if self.jobs.cancel_requested(job_id):
                    event.set()
            return event.is_set()

        return stop_requested

    def execute(self, job: dict[str, Any], control: JobControl) -> dict[str, Any]:
        """Run one job in the job thread; its result, or JobFailed / JobCancelled."""
        params = job["params"]
        control.check()
        if job["kind"] == "audit":
            return run_audit(params, control)
        if job["kind"] == "crawl":
            if self.settings.config_path is None:
                raise JobFailed("No configuration file was given to the server (--config).")
            return run_crawl(params, control, db_url=self.settings.db_url,
                             config_path=self.settings.config_path, broker=self.settings.broker)
        if job["kind"] == "acceptance":
            return run_acceptance_job(params, control, job_folder(self.settings, job["id"]))
        raise JobFailed(f"Unknown job kind {job['kind']!r}.")


def job_folder(settings: WebSettings, job_id: int) -> Path:
    """Where a job writes its files (an acceptance's report and evidence)."""
    return Path(settings.out_dir).resolve() / f"job-{job_id}"


def _outcome(error: Exception) -> dict[str, Any] | None:
    """The partial result an ending carries (a crawl's runs), if any."""
    extra = error.args[1] if len(error.args) > 1 else (error.args[0] if error.args else None)
    return extra if isinstance(extra, dict) else None


# -- the application's runner ----------------------------------------------------------------

async def start_jobs(app: Starlette) -> JobRunner:
    """Start the application's runner (call it from the application's start-up)."""
    runner: JobRunner | None = getattr(app.state, "job_runner", None)
    if runner is None:
        runner = JobRunner(app.state.store.get, app.state.settings)
        app.state.job_runner = runner
        await runner.start()
    return runner


async def stop_jobs(app: Starlette) -> None:
    """Stop the application's runner (call it from the application's shutdown)."""
    runner: JobRunner | None = getattr(app.state, "job_runner", None)
    if runner is not None:
        await runner.stop()
        app.state.job_runner = None


async def runner_of(request: Request) -> JobRunner:
    """The application's runner, started now if the application did not start it."""
    return await start_jobs(request.app)
