"""Measuring the deliverable's pages several times with one browser, and keeping the median.

Runs are interleaved (every page once, then every page again...) so that a slow moment of the
server does not fall on the runs of one page only. The retained measurement of a page is the run
with the median EcoIndex score (ties broken by weight): one real measurement, whose capture,
findings and screenshot are the evidence; the spread over all runs is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from ecoaudit.capture import Capture
from ecoaudit.measure import BrowserSession, MeasureOptions
from ecoaudit.pipeline import PagePipeline, page_entry

SPREAD_METRICS = ("score", "size_kb", "requests", "nodes")


@dataclass
class PageRuns:
    """Every measurement of one page."""

    number: int  # 1-based, in the order of the scope
    url: str
    captures: list[Capture] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    screenshots: list[Path | None] = field(default_factory=list)

    @property
    def measured_runs(self) -> list[int]:
        """Indexes of the runs that measured the page."""
        return [i for i, entry in enumerate(self.entries) if entry.get("ecoindex")]

    @property
    def measured(self) -> bool:
        """True when every run measured the page."""
        return bool(self.entries) and len(self.measured_runs) == len(self.entries)

    @property
    def error(self) -> str | None:
        failed = [entry for entry in self.entries if not entry.get("ecoindex")]
        if not failed:
            return None
        reason = failed[0].get("error") or "not measured"
        return f"{len(failed)} of {len(self.entries)} measurements failed: {reason}"

    @property
    def retained_index(self) -> int | None:
        """The run with the median score (lower median for an even count), None if none."""
        runs = sorted(self.measured_runs, key=lambda i: (self.entries[i]["ecoindex"]["score"],
                                                         -self.entries[i]["ecoindex"]["size_kb"]))
        return runs[(len(runs) - 1) // 2] if runs else None

    @property
    def entry(self) -> dict[str, Any]:
        """The retained entry, or the first failed one when no run measured the page."""
        index = self.retained_index
        return self.entries[index if index is not None else 0]

    @property
    def spread(self) -> dict[str, dict[str, float]]:
        """min, median and max of each EcoIndex input and of the score over the measured runs."""
        result = {}
        for metric in SPREAD_METRICS:
            values = [self.entries[i]["ecoindex"][metric] for i in self.measured_runs]
            if values:
                result[metric] = {"min": min(values), "median": median(values),
                                  "max": max(values), "range": round(max(values) - min(values), 3)}
        return result


async def measure_pages_repeatedly(
    urls: list[str], options: MeasureOptions, runs: int, screenshot_dir: Path, *,
    overrides: dict[str, dict] | None = None, first_party_hosts: list[str] | None = None,
) -> tuple[list[PageRuns], str | None]:
    """Measure each URL `runs` times in one browser; returns the pages and the browser version.

    Screenshots go to `screenshot_dir/NN/run-K.png` (page NN, run K, both 1-based).
    """
    pages = [PageRuns(number=i, url=url) for i, url in enumerate(urls, start=1)]
    async with BrowserSession(options) as session:
        pipeline = PagePipeline(session, overrides=overrides, first_party_hosts=first_party_hosts)
        for run in range(1, runs + 1):
            for page in pages:
                shot = screenshot_dir / f"{page.number:02d}" / f"run-{run}.png"
                scored = await pipeline.page(page.url, screenshot=shot)
                page.captures.append(scored.capture)
                page.entries.append(page_entry(scored))
                page.screenshots.append(shot if shot.is_file() else None)
        return pages, session.browser_description
