"""One page pipeline for every command: measure → score → entry → sink.

`audit`, `check`, `acceptance` and `crawl` all send a page through the same steps: the browser
session measures it into a Capture, `score_page` adds its findings and CO2, `page_entry` turns it
into the JSON document's entry, and a sink (the store, for a crawl) keeps it. A crawl takes the
steps one by one because it decides, between measuring and keeping, whether a page counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from ecoaudit.capture import Capture
from ecoaudit.export import jsondoc
from ecoaudit.measure import BrowserSession, MeasureOptions, Pacing
from ecoaudit.scoring import ScoredPage, score_page


class PageSink(Protocol):
    """Where kept pages go (the store implements it for a run: store/run_sink.py)."""

    def put(self, page: ScoredPage, *, depth: int, source: str) -> None:
        """Keep one scored page, found at `depth` from the start by `source` (start, link...)."""
        ...


class PagePipeline:
    """The steps every page goes through, with one browser session and one way of scoring."""

    def __init__(self, session: BrowserSession, *, overrides: dict[str, dict] | None = None,
                 first_party_hosts: list[str] | None = None,
                 sink: PageSink | None = None) -> None:
        self.session = session
        self.overrides = overrides
        self.first_party_hosts = first_party_hosts
        self.sink = sink

    async def measure(self, url: str, *, consent: str = "none", screenshot: Path | None = None,
                      pacing: Pacing | None = None) -> Capture:
        """Step 1: load the page in the browser and gather its Capture."""
        return await self.session.measure(url, consent=consent, screenshot=screenshot,
                                          pacing=pacing)

    def score(self, capture: Capture) -> ScoredPage:
        """Step 2: the rule findings and CO2 of a capture."""
        return score_page(capture, overrides=self.overrides,
                          first_party_hosts=self.first_party_hosts)

    async def keep(self, capture: Capture, *, depth: int = 0,
                   source: str = "start") -> ScoredPage:
        """Steps 2 and 4: score the capture and hand it to the sink (in a thread: it may write)."""
        page = self.score(capture)
        if self.sink is not None:
            await asyncio.to_thread(self.sink.put, page, depth=depth, source=source)
        return page

    async def page(self, url: str, *, screenshot: Path | None = None) -> ScoredPage:
        """Every step for one URL."""
        return await self.keep(await self.measure(url, screenshot=screenshot))

    async def pages(self, urls: Iterable[str], *, concurrency: int) -> list[ScoredPage]:
        """Every step for each URL, `concurrency` pages at once; results in the input order."""
        limit = asyncio.Semaphore(max(1, concurrency))

        async def one(url: str) -> ScoredPage:
            async with limit:
                capture = await self.measure(url)
            return await self.keep(capture)

        return list(await asyncio.gather(*(one(url) for url in urls)))


def page_entry(page: ScoredPage, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Step 3: the JSON document's entry of a scored page."""
    return jsondoc.page_entry(page.capture, findings=page.findings, co2=page.co2, extra=extra)


async def measure_and_score(urls: Iterable[str], options: MeasureOptions, *, concurrency: int,
                            overrides: dict[str, dict] | None = None,
                            first_party_hosts: list[str] | None = None) -> list[ScoredPage]:
    """Open one browser and send every URL through the pipeline; results in the input order."""
    async with BrowserSession(options) as session:
        pipeline = PagePipeline(session, overrides=overrides, first_party_hosts=first_party_hosts)
        return await pipeline.pages(urls, concurrency=concurrency)
