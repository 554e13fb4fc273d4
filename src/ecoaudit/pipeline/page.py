"""One page pipeline for every command: measure → score → entry → sink.

`audit`, `check`, `acceptance` and `crawl` all send a page through the same steps: the browser
session measures it into a Capture, `score_page` adds its findings and CO2, `page_entry` turns it
into the JSON document's entry, and a sink (the store, for a crawl) keeps it. A crawl takes the
steps one by one because it decides, between measuring and keeping, whether a page counts.

Repeated measurement is the same steps N times: `measure_repeatedly` measures every page in
every device profile once, then again (interleaved, so a slow moment of the server does not fall
on one page's samples only), each time in a fresh context, and keeps every sample.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from playwright.async_api import StorageState

from ecoaudit.capture import Capture
from ecoaudit.export import jsondoc
from ecoaudit.measure import BrowserSession, MeasureOptions, Pacing
from ecoaudit.scoring import ScoredPage, score_page

# Where a sample's screenshot goes: (page number from 1, device, sample from 1) -> path or None.
ScreenshotPath = Callable[[int, str, int], Path | None]


class PageSink(Protocol):
    """Where kept pages go (the store implements it for a run: store/run_sink.py)."""

    def put(self, page: ScoredPage, *, depth: int, source: str, sample: int = 1) -> None:
        """Keep one scored measurement of a page, found at `depth` from the start by `source`
        (start, link, journey...); `sample` numbers the measurements of a repeated page."""
        ...


@dataclass
class PageSamples:
    """Every measurement of one page in one device profile, in sample order."""

    url: str
    device: str
    pages: list[ScoredPage] = field(default_factory=list)
    screenshots: list[Path | None] = field(default_factory=list)

    @property
    def entries(self) -> list[dict[str, Any]]:
        """The JSON entry of each sample, numbered from 1."""
        return [page_entry(page, {"sample": number})
                for number, page in enumerate(self.pages, start=1)]


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
                      pacing: Pacing | None = None, device: str | None = None,
                      storage_state: StorageState | None = None) -> Capture:
        """Step 1: load the page in the browser (in a device profile, with a visitor's
        storage) and gather its Capture."""
        return await self.session.measure(url, consent=consent, screenshot=screenshot,
                                          pacing=pacing, device=device,
                                          storage_state=storage_state)

    def score(self, capture: Capture) -> ScoredPage:
        """Step 2: the rule findings and CO2 of a capture."""
        return score_page(capture, overrides=self.overrides,
                          first_party_hosts=self.first_party_hosts)

    async def keep(self, capture: Capture, *, depth: int = 0, source: str = "start",
                   sample: int = 1) -> ScoredPage:
        """Steps 2 and 4: score the capture and hand it to the sink (in a thread: it may write)."""
        page = self.score(capture)
        if self.sink is not None:
            await asyncio.to_thread(self.sink.put, page, depth=depth, source=source,
                                    sample=sample)
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


    async def measure_repeatedly(self, urls: Sequence[str], *, repeat: int = 1,
                                 devices: Sequence[str] | None = None, concurrency: int = 1,
                                 screenshot: ScreenshotPath | None = None) -> list[PageSamples]:
        """Every step for each URL in each device profile, `repeat` times, interleaved; one
        group per (URL, device) in the input order, every sample kept."""
        groups = [PageSamples(url, device) for url in urls
                  for device in (devices or [self.session.options.device])]
        limit = asyncio.Semaphore(max(1, concurrency))

        async def one(number: int, group: PageSamples, sample: int) -> None:
            shot = screenshot(number, group.device, sample) if screenshot else None
            async with limit:
                capture = await self.measure(group.url, screenshot=shot, device=group.device)
            group.pages.append(await self.keep(capture, sample=sample))
            group.screenshots.append(shot if shot is not None and shot.is_file() else None)

        for sample in range(1, repeat + 1):
            await asyncio.gather(*(one(number, group, sample)
                                   for number, group in enumerate(groups, start=1)))
        return groups


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


async def measure_samples(urls: Sequence[str], options: MeasureOptions, *, concurrency: int,
                          repeat: int = 1, devices: Sequence[str] | None = None,
                          overrides: dict[str, dict] | None = None,
                          first_party_hosts: list[str] | None = None,
                          screenshot: ScreenshotPath | None = None
                          ) -> tuple[list[PageSamples], str | None]:
    """Open one browser and measure every URL in every device, `repeat` times; the groups and
    the browser's description."""
    async with BrowserSession(options) as session:
        pipeline = PagePipeline(session, overrides=overrides, first_party_hosts=first_party_hosts)
        groups = await pipeline.measure_repeatedly(urls, repeat=repeat, devices=devices,
                                                   concurrency=concurrency,
                                                   screenshot=screenshot)
        return groups, session.browser_description
