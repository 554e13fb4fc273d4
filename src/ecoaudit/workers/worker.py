"""`ecoaudit worker`: a Celery worker (threads pool) whose task threads share one browser, plus
the reaper that brings back the work of dead workers and lost tokens."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid

from celery import Celery
from celery.exceptions import Reject

from ecoaudit.config.serial import site_from_data
from ecoaudit.store.work_queue import WorkQueue
from ecoaudit.workers.celery_app import (
    FINISH_TASK,
    PAGE_TASK,
    QUEUE,
    TaskLimits,
    check_broker,
    make_app,
    send_finish_token,
    send_page_tokens,
)
from ecoaudit.workers.run_context import task_limits
from ecoaudit.workers.runtime import WorkerRuntime, WrongVersion
from ecoaudit.workers.shared_db import check_shared_database
from ecoaudit.workers.submit import options_from_data
from ecoaudit.workers.versions import Versions

log = logging.getLogger(__name__)
REAP_EVERY_SECONDS = 5.0
IDLE_SECONDS = 60.0  # a crawling run with queued pages and no activity this long gets new tokens
FINISH_IDLE_SECONDS = 1800.0  # a finishing run silent this long is finished again
WRONG_VERSION_PAUSE_SECONDS = 5.0  # before giving back a token this worker must not take
FINISH_TIME_LIMIT_SECONDS = 6 * 3600
DEFAULT_PAGE_TIME_LIMIT = 3600.0


def register_tasks(app: Celery, runtime: WorkerRuntime) -> None:
    """The two tasks, bound to this process's runtime."""

    @app.task(name=PAGE_TASK, bind=True)
    def crawl_page(task, run_id: int) -> str:
        run = _joinable(runtime, run_id)
        if run is None or run["state"] != "crawling":
            return f"run {run_id}: nothing to crawl"
        hard = (task.request.timelimit or (None, None))[0] or DEFAULT_PAGE_TIME_LIMIT
        return runtime.call(runtime.crawl_page(run), timeout=hard)

    @app.task(name=FINISH_TASK, bind=True, time_limit=FINISH_TIME_LIMIT_SECONDS)
    def finish_run(task, run_id: int) -> str:
        run = _joinable(runtime, run_id)
        if run is None or run["state"] != "finishing":
            return f"run {run_id}: nothing to finish"
        return runtime.call(runtime.finish_run(run), timeout=FINISH_TIME_LIMIT_SECONDS)


def _joinable(runtime: WorkerRuntime, run_id: int) -> dict | None:
    try:
        return runtime.joinable(run_id)
    except WrongVersion as refusal:
        log.error("%s", refusal)
        time.sleep(WRONG_VERSION_PAUSE_SECONDS)  # let a worker of the right version take it
        raise Reject(str(refusal), requeue=True) from None


class Reaper(threading.Thread):
    """Every few seconds: pages whose worker died (lease ended) back in the queue with a new
    token each; a run idle with queued pages (tokens lost with a broker) gets new tokens; a
    run whose finishing worker died is finished again."""

    def __init__(self, queue: WorkQueue, app: Celery) -> None:
        super().__init__(name="ecoaudit-reaper", daemon=True)
        self.queue = queue
        self.app = app
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(REAP_EVERY_SECONDS):
            try:
                self.reap()
            except Exception:  # the database or broker may be back at the next round
                log.warning("The reaper could not look at the queue", exc_info=True)

    def reap(self) -> None:
        for run_id, state in self.queue.open_runs():
            if state == "cancelling":  # the claims of dead workers end cancelled too
                self.queue.requeue_stalled(run_id)
                if self.queue.cancel_run(run_id)[1] and self.queue.begin_finish(run_id):
                    send_finish_token(self.app, run_id)
                continue
            if state == "finishing":
                if self.queue.touch_stalled(run_id, FINISH_IDLE_SECONDS):
                    send_finish_token(self.app, run_id)
                continue
            lost = self.queue.requeue_stalled(run_id)
            if not lost and self.queue.queued_pages(run_id) and self.queue.touch_stalled(
                    run_id, IDLE_SECONDS):
                lost = self.queue.queued_pages(run_id)
            if lost:
                log.warning("Run %s: %s page(s) given back to the queue", run_id, lost)
                send_page_tokens(self.app, run_id, lost, self._limits(run_id))

    def _limits(self, run_id: int) -> TaskLimits:
        return run_limits(self.queue.queued_run(run_id) or {})


def run_limits(run: dict) -> TaskLimits:
    """The page task limits of a queued run (`WorkQueue.queued_run`)."""
    base, timeout = options_from_data(run.get("measure") or {})
    return task_limits(site_from_data(run["site_spec"]), base, timeout)


def warn_about_other_versions(queue: WorkQueue, versions: Versions) -> None:
    """One line for each open run this worker will not join."""
    for run_id, _state in queue.open_runs():
        run = queue.queued_run(run_id)
        if run is None:
            continue
        refusal = versions.refusal(run_id, run["tool_version"], run["catalogue"])
        if refusal:
            log.warning("%s", refusal)


def run_worker(broker: str, db_url: str, *, concurrency: int, loglevel: str = "INFO") -> None:
    """Start a worker and serve until stopped (SIGTERM: a warm shutdown, pages in flight end)."""
    app = make_app(broker)
    check_broker(app)
    check_shared_database(db_url)
    runtime = WorkerRuntime(db_url, app)
    runtime.start()
    register_tasks(app, runtime)
    warn_about_other_versions(runtime.queue, runtime.versions)
    reaper = Reaper(runtime.queue, app)
    reaper.start()
    try:
        app.worker_main([
            "worker", "--pool=threads", f"--concurrency={concurrency}",
            f"--loglevel={loglevel}", f"--queues={QUEUE}", "--without-gossip",
            "--without-mingle", f"--hostname=ecoaudit-{os.getpid()}-{uuid.uuid4().hex[:6]}@%h",
        ])
    finally:
        reaper.stopping.set()
        runtime.stop()

