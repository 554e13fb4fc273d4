"""The store as the page pipeline's sink: every page kept becomes a row of one run at once."""

from __future__ import annotations

from ecoaudit.scoring import ScoredPage
from ecoaudit.store.repository import Store


class RunSink:
    """Pages of one run, each committed as soon as it is kept (an interrupted run loses none)."""

    def __init__(self, store: Store, run_id: int) -> None:
        self.store = store
        self.run_id = run_id

    def put(self, page: ScoredPage, *, depth: int, source: str) -> None:
        """Record one scored page of the run."""
        self.store.record_page(self.run_id, capture=page.capture, depth=depth, source=source,
                               findings=page.findings, co2=page.co2)
