"""The store as the page pipeline's sink: every page kept becomes a row of one run at once."""

from __future__ import annotations

from typing import Protocol

from ecoaudit.capture import Capture
from ecoaudit.scoring import ScoredPage


class PageRecorder(Protocol):
    """What the sink needs of a store: `Store.record_page` (a storage-failure guard has it too)."""

    def record_page(self, run_id: int, *, capture: Capture, depth: int = 0, source: str = "start",
                    findings: list[dict] | None = None, co2: dict | None = None,
                    sample: int = 1) -> int | None:
        """Store one measured page of a run."""
        ...


class RunSink:
    """Pages of one run, each committed as soon as it is kept (an interrupted run loses none)."""

    def __init__(self, store: PageRecorder, run_id: int) -> None:
        self.store = store
        self.run_id = run_id

    def put(self, page: ScoredPage, *, depth: int, source: str, sample: int = 1) -> None:
        """Record one scored measurement of a page of the run (`sample`: 1..N with repeat)."""
        self.store.record_page(self.run_id, capture=page.capture, depth=depth, source=source,
                               findings=page.findings, co2=page.co2, sample=sample)
