"""A crawl that cannot write its run any more (disk full, read-only, disk error) stops cleanly.

    guard = StopOnStorageFailure(store, stop_event, loop)
    results = await crawl_sites(sites, guard, options, stop=stop_event)
    guard.raise_failure()      # the one-sentence StoreError, if a write failed

The store already marks the run interrupted (resumable) when one of its writes fails. The guard
adds what the crawl needs to wind down without crashing: the first failure sets the crawl's stop
event, and that write and the ones after it are dropped (the pages they held were not stored, so
`crawl --resume` measures them again). Pages being measured finish normally instead of having
their browser closed under them. Every other method is the store's own.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from ecoaudit.store.errors import StoreError
from ecoaudit.store.repository import Store

GUARDED_WRITES = ("record_page", "record_document", "record_duplicate", "record_site_findings",
                  "finish_run")


class StopOnStorageFailure:
    """Wraps a Store for one crawl; see the module's docstring."""

    def __init__(self, store: Store, stop: asyncio.Event,
                 loop: asyncio.AbstractEventLoop) -> None:
        self.store = store
        self.stop = stop
        self.loop = loop
        self.failure: StoreError | None = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.store, name)
        if name not in GUARDED_WRITES:
            return attribute

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if self.failure is not None:
                return None
            try:
                return attribute(*args, **kwargs)
            except StoreError as error:
                if error.run_id is None:  # not a storage failure of the run: the crawl's
                    raise
                self._fail(error)
                return None

        return guarded

    def raise_failure(self) -> None:
        """Raise the storage failure that stopped the crawl, if there was one."""
        if self.failure is not None:
            raise self.failure

    def _fail(self, error: StoreError) -> None:
        with self._lock:
            if self.failure is None:
                self.failure = error
        self.loop.call_soon_threadsafe(self.stop.set)
