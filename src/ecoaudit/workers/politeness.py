"""Politeness per host across every worker, from the database: a slot among the host's
`max_concurrency_per_host`, and the host's turn to receive a navigation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from ecoaudit.crawl.frontier import PACING_MARGIN
from ecoaudit.store.work_queue import WorkQueue

POLL_SECONDS = 0.2  # how often a page waiting for its host's slot or turn asks again


@contextlib.asynccontextmanager
async def host_slot(queue: WorkQueue, host: str, worker: str, limit: int,
                    lease_seconds: float) -> AsyncIterator[None]:
    """Hold one of the host's `limit` slots; a dead worker's slot ends with its lease."""
    while (lease := await asyncio.to_thread(queue.take_host_lease, host, worker, limit,
                                            lease_seconds)) is None:
        await asyncio.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        await asyncio.to_thread(queue.release_host_lease, lease)


async def navigation_turn(queue: WorkQueue, host: str, delay: float) -> None:
    """Wait until `delay` (plus a small margin) has passed since the host's last navigation
    by any worker; the next one then waits for this one."""
    if delay <= 0:
        return
    while (wait := await asyncio.to_thread(queue.navigation_turn, host,
                                           delay + PACING_MARGIN)) > 0:
        await asyncio.sleep(min(wait, POLL_SECONDS * 5))
