"""Following queued runs from the database until they end: the progress a local crawl reports
(crawl/engine.CrawlProgress), and the same CrawlResult at the end."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from ecoaudit.crawl.engine import CrawlProgress, CrawlResult
from ecoaudit.store import Store
from ecoaudit.store.work_queue import WorkQueue

POLL_SECONDS = 1.0


def follow_runs(store: Store, run_ids: list[int], on_progress: Callable[[CrawlProgress], None],
                *, poll: float = POLL_SECONDS, timeout: float | None = None,
                stop: Callable[[], bool] | None = None) -> list[CrawlResult]:
    """Report each run's progress until every run has ended (or `timeout` seconds passed, or
    `stop()` is true: the runs keep going on the workers; their results so far are returned)."""
    queue = WorkQueue(store.engine)
    started = time.monotonic()
    while True:
        states = {row["run_id"]: row for row in queue.overview() if row["run_id"] in run_ids}
        for run_id in run_ids:
            row = states.get(run_id)
            if row is not None:
                on_progress(_progress(row, started))
        if all(states.get(run_id, {}).get("state") == "finished" for run_id in run_ids):
            break
        if timeout is not None and time.monotonic() - started > timeout:
            break
        if stop is not None and stop():
            break
        time.sleep(poll)
    return [result_of(store, run_id) for run_id in run_ids]


def _progress(row: dict, started: float) -> CrawlProgress:
    pages = row["pages"]
    progress = CrawlProgress(row["site"], done=pages["done"] + pages["failed"],
                             failed=pages["failed"], queued=pages["queued"] + pages["claimed"])
    progress.started = started
    return progress


def result_of(store: Store, run_id: int) -> CrawlResult:
    """A stored run as the CrawlResult a local crawl returns."""
    run = store.run(run_id)
    duplicates = len(store.run_duplicates(run_id))
    return CrawlResult(
        site=run["site"], run_id=run_id, status=run["status"], reason=run["reason"],
        pages_ok=run["pages_ok"] or 0, pages_failed=run["pages_failed"] or 0,
        documents=run["documents"] or 0, duplicates=duplicates,
        elapsed=_elapsed(run.get("started_at"), run.get("ended_at")))


def _elapsed(started: str | None, ended: str | None) -> float:
    if not started or not ended:
        return 0.0
    return (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds()
