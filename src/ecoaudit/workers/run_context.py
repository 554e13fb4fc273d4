"""What a worker holds for each run it works on: the site, its measurement options on the
worker's one browser, the page pipeline writing into the run, the site's frontier rules (with
robots.txt), and the logged-in visitor when the site has a login."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from ecoaudit.config import SiteConfig
from ecoaudit.config.serial import site_from_data
from ecoaudit.crawl.engine import site_measure_options
from ecoaudit.crawl.frontier import Frontier
from ecoaudit.crawl.login import LoginState
from ecoaudit.crawl.robots import RobotsPolicy, fetch_robots
from ecoaudit.measure import BrowserSession, MeasureOptions
from ecoaudit.measure.session import CLOSE_MARGIN_SECONDS
from ecoaudit.net.httpfetch import site_client
from ecoaudit.net.urls import UrlError, origin
from ecoaudit.pipeline import PagePipeline
from ecoaudit.store import RunSink, Store
from ecoaudit.workers.celery_app import TaskLimits

log = logging.getLogger(__name__)


def task_limits(site: SiteConfig, base: MeasureOptions, timeout: float | None) -> TaskLimits:
    """A page task's limits: every measurement of a page at the page deadline."""
    page_timeout = timeout if timeout is not None else site.page_timeout
    deadline = page_timeout + base.wait_before + base.wait_after + CLOSE_MARGIN_SECONDS
    states = 2 if site.consent else 1
    measurements = states * len(site.devices or [base.device]) * max(1, site.repeat)
    return TaskLimits.for_pages(deadline, measurements)


@dataclass
class RunContext:
    """One run, as one worker crawls it."""

    run_id: int
    site: SiteConfig
    session: BrowserSession
    pipeline: PagePipeline
    frontier: Frontier
    login: LoginState
    devices: list[str]
    states: tuple[str, ...]
    limits: TaskLimits
    login_failure: str | None = None
    _robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def robots_allow(self, url: str) -> bool:
        """Whether robots.txt lets the crawl measure `url` (fetched once per origin)."""
        if not self.site.respect_robots:
            return True
        async with self._robots_lock:
            url_origin = origin(url)
            if url_origin not in self.frontier.robots:
                async with site_client(self.site) as client:
                    try:
                        policy = await fetch_robots(client, url_origin, self.site.user_agent,
                                                    self.site)
                    except UrlError as error:
                        policy = RobotsPolicy(origin=url_origin, status="refused",
                                              deny_all=True, reason=str(error))
                self.frontier.use_robots(policy)
        return self.frontier.screen(url, 0, "start").refusal != "robots"


async def open_context(run_id: int, spec: dict, session: BrowserSession, store: Store,
                       base: MeasureOptions, timeout: float | None) -> RunContext:
    """A run's context on this worker: robots.txt of its start origins read, logged in."""
    site = site_from_data(spec)
    options = site_measure_options(site, base, timeout)
    view = session.with_options(options)
    pipeline = PagePipeline(view, overrides=site.rules, first_party_hosts=site.site_hosts,
                            sink=RunSink(store, run_id))
    devices = site.devices or [base.device]
    context = RunContext(
        run_id=run_id, site=site, session=view, pipeline=pipeline, frontier=Frontier(site),
        login=LoginState(site, view, devices[0]), devices=devices,
        states=("before", "after") if site.consent else ("none",),
        limits=task_limits(site, base, timeout))
    for start in site.start_urls:
        await context.robots_allow(start)
    context.login_failure = await context.login.start()
    if context.login_failure:
        log.warning("Run %s: %s", run_id, context.login_failure)
    return context
