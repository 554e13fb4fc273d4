"""Measuring the deliverable's pages several times with one browser, and keeping the median.

The measurements are the pipeline's repeated measurement (`PagePipeline.measure_repeatedly`,
the same mechanism as `--repeat N`): samples interleaved over the pages, each in a fresh
context. The retained measurement of a page is the sample with the median EcoIndex score
(`scoring.repeats.Samples`): one real measurement, whose capture, findings and screenshot are
the evidence; the spread over all samples is reported beside it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecoaudit.capture import Capture
from ecoaudit.measure import MeasureOptions
from ecoaudit.pipeline import PageSamples, measure_samples
from ecoaudit.scoring.repeats import Samples


@dataclass
class PageRuns:
    """Every measurement of one page of the scope."""

    number: int  # 1-based, in the order of the scope
    group: PageSamples

    @property
    def url(self) -> str:
        return self.group.url

    @property
    def captures(self) -> list[Capture]:
        return [page.capture for page in self.group.pages]

    @functools.cached_property
    def entries(self) -> list[dict[str, Any]]:
        """The JSON entry of each run (built once: the verdict reads them many times)."""
        return self.group.entries

    @property
    def screenshots(self) -> list[Path | None]:
        return self.group.screenshots

    @functools.cached_property
    def samples(self) -> Samples:
        return Samples([entry.get("ecoindex") for entry in self.entries])

    @property
    def measured_runs(self) -> list[int]:
        """Indexes of the runs that measured the page."""
        return self.samples.measured

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
        return self.samples.retained_index

    @property
    def entry(self) -> dict[str, Any]:
        """The retained entry, or the first failed one when no run measured the page."""
        index = self.retained_index
        return self.entries[index if index is not None else 0]

    @property
    def spread(self) -> dict[str, dict[str, float]]:
        """min, median and max of each EcoIndex input and of the score over the measured runs."""
        return self.samples.spread


async def measure_pages_repeatedly(
    urls: list[str], options: MeasureOptions, runs: int, screenshot_dir: Path, *,
    overrides: dict[str, dict] | None = None, first_party_hosts: list[str] | None = None,
) -> tuple[list[PageRuns], str | None]:
    """Measure each URL `runs` times in one browser; returns the pages and the browser version.

    Screenshots go to `screenshot_dir/NN/run-K.png` (page NN, run K, both 1-based).
    """
    groups, browser = await measure_samples(
        urls, options, concurrency=1, repeat=runs, overrides=overrides,
        first_party_hosts=first_party_hosts,
        screenshot=lambda number, _device, sample: (
            screenshot_dir / f"{number:02d}" / f"run-{sample}.png"))
    return [PageRuns(number, group) for number, group in enumerate(groups, start=1)], browser
