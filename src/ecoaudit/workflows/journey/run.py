"""Playing journey files on their own: one browser, each journey in every device profile and
`repeat` times, every measured step scored and (with a database) kept as a run of the site the
journey starts on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ecoaudit.config import SiteConfig, adhoc_site
from ecoaudit.crawl.engine import site_measure_options
from ecoaudit.export import jsondoc
from ecoaudit.measure import BrowserSession, MeasureOptions
from ecoaudit.measure.journey_steps import Journey
from ecoaudit.pipeline import PagePipeline
from ecoaudit.pipeline.journeys import JourneyRun, run_journey
from ecoaudit.scoring.journeys import journey_totals
from ecoaudit.scoring.repeats import group_samples, retained_entry
from ecoaudit.store import RunSink, Store


@dataclass
class JourneysOutcome:
    """Every play of every journey, the runs they were stored in, the browser used."""

    plays: list[JourneyRun] = field(default_factory=list)
    run_ids: dict[str, int] = field(default_factory=dict)  # journey name -> stored run
    browser: str | None = None

    @property
    def failed(self) -> list[JourneyRun]:
        return [play for play in self.plays if not play.ok]


async def play_journeys(journeys: Sequence[Journey], base: MeasureOptions, *,
                        devices: Sequence[str] = (), repeat: int = 1,
                        overrides: dict[str, dict] | None = None,
                        store: Store | None = None,
                        site: SiteConfig | None = None) -> JourneysOutcome:
    """Play each journey in each device, `repeat` times (interleaved), in fresh contexts; with
    `site`, with its access settings (headers, cookies, hosts), else as an ad-hoc site of the
    journey's start URL."""
    outcome = JourneysOutcome()
    given_site = site
    async with BrowserSession(base) as session:
        outcome.browser = session.browser_description
        for journey in journeys:
            site = given_site or adhoc_site(journey.start_url)
            session.options = site_measure_options(site, base, base.timeout)
            pipeline = PagePipeline(session, overrides=overrides,
                                    first_party_hosts=site.site_hosts)
            run_id = await asyncio.to_thread(_open_run, store, site.name, journey,
                                             session) if store else None
            if store is not None and run_id is not None:
                pipeline.sink = RunSink(store, run_id)
                outcome.run_ids[journey.name] = run_id
            plays = []
            for sample in range(1, repeat + 1):
                for device in devices or [base.device]:
                    plays.append(await run_journey(pipeline, journey, device=device,
                                                   sample=sample))
            outcome.plays.extend(plays)
            if store is not None and run_id is not None:
                failed = next((play for play in plays if not play.ok), None)
                await asyncio.to_thread(
                    store.finish_run, run_id, "completed" if failed is None else "failed",
                    None if failed is None else f"journey {journey.name!r}: "
                    f"{failed.result.error}")
    return outcome


def _open_run(store: Store, site_name: str, journey: Journey, session: BrowserSession) -> int:
    store.upsert_site(site_name, title=site_name)
    return store.start_run(site_name, settings={"journey": journey.name,
                                                "journey_file": journey.source},
                           protocol=session.protocol().__dict__,
                           browser_version=session.browser_version)


def journeys_document(outcome: JourneysOutcome) -> dict[str, Any]:
    """The JSON document: one page entry per measured step (the median sample with its spread
    when repeated), and each journey's plays with their totals."""
    entries = [entry for play in outcome.plays for entry in play.entries]
    pages = [retained_entry(group) for group in group_samples(entries)]
    protocol = next((page.capture.protocol for play in outcome.plays for page in play.pages),
                    None)
    document = jsondoc.build_document(pages, protocol)
    document["journeys"] = [
        {"name": play.journey.name, "file": play.journey.source, "device": play.device,
         "sample": play.sample, "run_id": outcome.run_ids.get(play.journey.name),
         **journey_totals(play.entries)}
        for play in outcome.plays
    ]
    return document
