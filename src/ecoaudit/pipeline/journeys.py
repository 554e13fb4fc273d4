"""A user journey through the page pipeline: play it, score and keep each measured step.

Every measured step is a page of the run (source "journey", with its journey and step names).
A journey that failed also keeps a row for the step that failed, holding the reason, so that
the failure shows wherever the journey's figures do; the steps measured before it are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import StorageState

from ecoaudit.capture import Capture, Protocol
from ecoaudit.measure.journey import JourneyResult, play_journey
from ecoaudit.measure.journey_steps import Journey
from ecoaudit.pipeline.page import PagePipeline, page_entry
from ecoaudit.scoring import ScoredPage

JOURNEY_SOURCE = "journey"


@dataclass
class JourneyRun:
    """One play of a journey in one device profile (sample `sample` of a repeated run)."""

    journey: Journey
    device: str
    sample: int
    result: JourneyResult
    pages: list[ScoredPage] = field(default_factory=list)  # measured steps, then a failed one

    @property
    def entries(self) -> list[dict[str, Any]]:
        return [page_entry(page, {"sample": self.sample, "source": JOURNEY_SOURCE})
                for page in self.pages]

    @property
    def ok(self) -> bool:
        return self.result.ok


def failed_step_capture(result: JourneyResult, device_protocol: Protocol) -> Capture | None:
    """The row of the step that ended a journey early (None when it ended well)."""
    if result.ok:
        return None
    journey = result.journey
    index = result.failed_step
    step = journey.steps[index - 1] if index and 0 < index <= len(journey.steps) else None
    return Capture(
        requested_url=result.final_url or journey.start_url, final_url=result.final_url,
        error=f"journey {journey.name!r} stopped at {result.error}"
        if step is not None else f"journey {journey.name!r} failed: {result.error}",
        journey=journey.name, step=step.name if step else None, step_index=index or 0,
        protocol=device_protocol)


async def run_journey(pipeline: PagePipeline, journey: Journey, *, device: str | None = None,
                      sample: int = 1, storage_state: StorageState | None = None
                      ) -> JourneyRun:
    """Play one journey (in a fresh context of `device`, with a visitor's storage), then score
    and keep each measured step, and the failed step if any."""
    result = await play_journey(pipeline.session, journey, device=device,
                                storage_state=storage_state)
    run = JourneyRun(journey, result.device, sample, result)
    captures = list(result.captures)
    failed = failed_step_capture(result, pipeline.session.protocol(device=result.device))
    if failed is not None:
        captures.append(failed)
    for capture in captures:
        run.pages.append(await pipeline.keep(capture, source=JOURNEY_SOURCE, sample=sample))
    return run
