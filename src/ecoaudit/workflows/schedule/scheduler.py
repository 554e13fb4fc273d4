"""Nightly audits: one cron trigger per site, runs that never overlap, missed runs coalesced.

    scheduler = SiteScheduler(config, store, base_options, timezone="Europe/Paris")
    await scheduler.run_forever()        # until stop() (SIGTERM/SIGINT in the CLI)
    await scheduler.run_due_once()       # `schedule --once`: every site due now, then return

Each site's `schedule` (sites.toml, a cron expression read by croniter: 5 fields, or 6 with
seconds last; default every night at 02:00) becomes one APScheduler job with `max_instances=1`
(no overlapping runs of a site), `coalesce=True` and no misfire limit (runs missed while the
scheduler was paused, busy or late are run once). A site is *due* when a fire time passed since
its last run started, when it never ran, or when its last run was interrupted (it is resumed).
On stop, running crawls get their `stop` event: they end 'interrupted', resumable.
When the database cannot be written (disk full, read-only, damaged), the run is left
interrupted and resumable, and the scheduler goes on.

After each night (a run ends and no other run is in progress or waiting), the [defaults] table's
storage settings apply: `backup = true` backs the database up (`backup_dir`, `backup_keep`),
then `keep_captures` / `keep_runs` prune old runs (without VACUUM: the space freed is reused by
the next runs). A failure there is logged, and `--once` then exits with status 2.
The scheduler holds no audit logic: it drives `crawl_sites`, `generate_reports`,
`backup_database` and `prune`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from croniter import croniter

from ecoaudit.config import Config, SiteConfig
from ecoaudit.crawl.engine import CrawlResult, crawl_sites
from ecoaudit.errors import ConfigError, EcoauditError
from ecoaudit.measure import MeasureOptions
from ecoaudit.store import Store
from ecoaudit.store.errors import (
    DatabaseDamaged,
    DatabaseReadOnly,
    DatabaseUnavailable,
    DiskFull,
)
from ecoaudit.store.owner import process_label
from ecoaudit.store.stop_guard import StopOnStorageFailure

# The database itself cannot be written: recording a failed run would fail too.
UNWRITABLE = (DiskFull, DatabaseReadOnly, DatabaseDamaged, DatabaseUnavailable)

log = logging.getLogger(__name__)

DEFAULT_SCHEDULE = "0 2 * * *"
DEFAULT_TIMEZONE = "Europe/Paris"


class CronTrigger(BaseTrigger):
    """An APScheduler trigger that reads its cron expression with croniter, like sites.toml does.

    Unlike APScheduler's own `CronTrigger.from_crontab`, day-of-week 0 is Sunday, as in cron.
    """

    __slots__ = ("expression", "timezone")

    def __init__(self, expression: str, timezone: ZoneInfo) -> None:
        self.expression = expression
        self.timezone = timezone

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime | None:
        start = (previous_fire_time or now).astimezone(self.timezone)
        if previous_fire_time is None and start.microsecond == 0 and croniter.match(
                self.expression, start):
            return start
        return croniter(self.expression, start).get_next(datetime)

    def previous_fire_time(self, now: datetime) -> datetime:
        """The last fire time at or before `now`."""
        moment = now.astimezone(self.timezone)
        if croniter.match(self.expression, moment.replace(microsecond=0)):
            return moment.replace(microsecond=0)
        return croniter(self.expression, moment).get_prev(datetime)

    def __str__(self) -> str:
        return f"cron[{self.expression}, {self.timezone.key}]"


def zone(name: str) -> ZoneInfo:
    """A time zone by IANA name; ConfigError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"Unknown time zone {name!r}: give an IANA name such as "
                          "Europe/Paris.") from None


def site_trigger(site: SiteConfig, timezone: ZoneInfo) -> CronTrigger:
    """The trigger of a site's `schedule` (default every night at 02:00); ConfigError naming the
    site when the expression does not parse."""
    expression = site.schedule or DEFAULT_SCHEDULE
    try:
        valid = isinstance(expression, str) and croniter.is_valid(expression)
        if valid:
            croniter(expression, datetime.now(timezone)).get_next(datetime)
    except (ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        raise ConfigError(f'Site "{site.name}": schedule {expression!r} is not a cron expression; '
                          'write 5 fields, e.g. "0 2 * * *" (every night at 02:00).')
    return CronTrigger(expression, timezone)


def is_due(trigger: CronTrigger, last_run: dict[str, Any] | None, now: datetime) -> bool:
    """Whether a site must run now: never ran, last run interrupted, or a fire time has passed
    since its last run started (several missed fire times make one run)."""
    if last_run is None or last_run.get("status") == "interrupted":
        return True
    started = datetime.fromisoformat(last_run["started_at"])
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return trigger.previous_fire_time(now) > started


@dataclass
class SchedulerSettings:
    """How the scheduler runs sites."""

    timezone: str = DEFAULT_TIMEZONE
    concurrency: int = 4  # pages measured at once within a site
    parallel_sites: int = 1  # sites crawled at the same time
    reports_dir: str | None = "reports"  # None: no reports after runs
    timeout: float | None = None  # page timeout; None: each site's page_timeout
    broker: str | None = None  # queue each run for `ecoaudit worker` processes instead


class SiteScheduler:
    """Runs the sites of a configuration on their schedules, into one store."""

    def __init__(self, config: Config, store: Store, base: MeasureOptions,
                 settings: SchedulerSettings | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.config = config
        self.store = store
        self.base = base
        self.settings = settings or SchedulerSettings()
        self.timezone = zone(self.settings.timezone)
        self.now = now
        # Every expression is checked at start-up, before anything runs.
        self.triggers = {site.name: site_trigger(site, self.timezone) for site in config.sites}
        self.sites = {site.name: site for site in config.sites}
        self.apscheduler: AsyncIOScheduler | None = None
        self.results: list[CrawlResult] = []
        self._stops: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Task] = set()
        self._stopping: asyncio.Event | None = None
        self._slots: asyncio.Semaphore | None = None
        self._reports_lock: asyncio.Lock | None = None
        self._maintenance_lock: asyncio.Lock | None = None
        self.maintenance_failed = False  # a backup or a prune after a night failed

    # -- public ---------------------------------------------------------------------------------

    def due_sites(self) -> list[str]:
        """Names of the sites due now, in configuration order."""
        now = self.now()
        return [name for name, trigger in self.triggers.items()
                if is_due(trigger, self.store.latest_run(name, status=None), now)]

    async def run_due_once(self) -> list[CrawlResult]:
        """Run every site due now (at most `parallel_sites` at once) and return their results."""
        self._prepare()
        due = await asyncio.to_thread(self.due_sites)
        log.info("Sites due now: %s", ", ".join(due) or "none")
        await asyncio.gather(*(self._tracked(self.run_site(name)) for name in due))
        return list(self.results)

    async def run_forever(self, ready: Callable[[], None] | None = None) -> None:
        """Schedule every site and run until `stop()`; sites due at start-up run at once."""
        self._prepare()
        stopping = self._stopping
        assert stopping is not None  # set by _prepare()
        loop = asyncio.get_running_loop()
        scheduler = AsyncIOScheduler(timezone=self.timezone, event_loop=loop, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        due = set(await asyncio.to_thread(self.due_sites))
        for name, trigger in self.triggers.items():
            extra = {"next_run_time": datetime.now(self.timezone)} if name in due else {}
            scheduler.add_job(self._job, trigger=trigger, args=[name], id=name,
                              name=f"audit of {name}", **extra)
        self.apscheduler = scheduler
        scheduler.start()
        for job in scheduler.get_jobs():
            log.info("Site %s scheduled (%s), next run %s", job.id, job.trigger,
                     job.next_run_time.isoformat(timespec="seconds"))
        if ready:
            ready()
        await stopping.wait()
        log.info("Stopping: %d run(s) in progress are being interrupted", len(self._tasks))
        scheduler.pause()
        for event in self._stops.values():
            event.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        scheduler.shutdown(wait=False)
        log.info("Scheduler stopped")

    def stop(self) -> None:
        """Ask for a clean stop (call from the event loop's thread, e.g. a signal handler)."""
        if self._stopping is not None:
            self._stopping.set()
        for event in self._stops.values():
            event.set()

    async def run_site(self, name: str) -> CrawlResult | None:
        """One run of one site: log its start and end, record a failure, rewrite the reports."""
        if self._stopping is not None and self._stopping.is_set():
            return None
        site = self.sites[name]
        stop = asyncio.Event()
        self._stops[name] = stop
        try:
            if self._slots is None:
                raise RuntimeError("run_site() runs within run_forever() or run_due_once()")
            async with self._slots:
                if stop.is_set():
                    return None
                result = await self._crawl(site, stop)
            self.results.append(result)
            if self.settings.reports_dir and not stop.is_set():
                await self._write_reports(self.settings.reports_dir)
            if not stop.is_set() and len(self._tasks) <= 1:  # the night's last run
                await self.after_night()
            return result
        finally:
            self._stops.pop(name, None)

    async def after_night(self) -> None:
        """Back up, then apply retention, as the [defaults] storage settings ask."""
        storage = self.config.storage
        if not (storage.backup or storage.retention):
            return
        async with self._maintenance_lock or asyncio.Lock():
            if storage.backup:
                await self._maintain("backup", self._backup)
            if storage.retention:
                await self._maintain("retention", self._prune)

    # -- internals ------------------------------------------------------------------------------

    def _prepare(self) -> None:
        self._stopping = self._stopping or asyncio.Event()
        self._slots = asyncio.Semaphore(max(1, self.settings.parallel_sites))
        self._reports_lock = asyncio.Lock()
        self._maintenance_lock = asyncio.Lock()

    async def _maintain(self, what: str, action: Callable[[], str]) -> None:
        try:
            log.info("%s", await asyncio.to_thread(action))
        except Exception as error:  # the scheduler goes on; --once reports it in its status
            self.maintenance_failed = True
            log.error("The %s after the night's runs failed: %s", what, error,
                      exc_info=not isinstance(error, EcoauditError))

    def _backup(self) -> str:
        from ecoaudit.store.backup import backup_database

        storage = self.config.storage
        result = backup_database(self.store.url, folder=storage.backup_dir,
                                 keep=storage.backup_keep)
        removed = f"; {len(result.removed)} older removed" if result.removed else ""
        return f"Backup written: {result.path} ({result.size_bytes:,} bytes{removed})"

    def _prune(self) -> str:
        from ecoaudit.store.durations import parse_duration
        from ecoaudit.store.retention import prune

        storage = self.config.storage
        captures = (parse_duration(storage.keep_captures, "keep_captures")
                    if storage.keep_captures else None)
        runs = parse_duration(storage.keep_runs, "keep_runs") if storage.keep_runs else None
        result = prune(self.store, keep_captures=captures, keep_runs=runs, compact=False)
        return (f"Retention: captures of {result.runs_pruned} runs removed "
                f"({result.capture_bytes + result.evidence_bytes:,} bytes), "
                f"{result.runs_deleted} old runs deleted")

    async def _job(self, name: str) -> None:
        await self._tracked(self.run_site(name))

    async def _tracked(self, coroutine) -> Any:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        try:
            return await task
        finally:
            self._tasks.discard(task)

    async def _crawl(self, site: SiteConfig, stop: asyncio.Event) -> CrawlResult:
        log.info("Run of %s starts", site.name)
        started = time.monotonic()
        guard = StopOnStorageFailure(self.store, stop, asyncio.get_running_loop())
        try:
            if self.settings.broker:
                result = await self._crawl_on_workers(site, stop)
            else:
                (result,) = await crawl_sites([site], guard, self.base,
                                              concurrency=self.settings.concurrency,
                                              resume=True, timeout=self.settings.timeout,
                                              stop=stop)
            guard.raise_failure()
        except UNWRITABLE as error:
            log.error("Run of %s stopped: %s", site.name, error)
            result = CrawlResult(
                site=site.name, run_id=error.run_id or 0,
                status="interrupted" if error.run_id else "failed", reason=str(error),
                pages_ok=0, pages_failed=0, documents=0, duplicates=0,
                elapsed=time.monotonic() - started)
        except Exception as error:  # the scheduler goes on whatever one site does
            log.error("Run of %s could not run: %s", site.name, error,
                      exc_info=not isinstance(error, ConfigError))
            result = await asyncio.to_thread(self._record_failure, site, str(error), started)
        level = logging.INFO if result.status == "completed" else logging.WARNING
        log.log(level, "Run %s of %s ends: %s, %d pages measured, %d failed, %.1f s%s",
                result.run_id, site.name, result.status, result.pages_ok, result.pages_failed,
                result.elapsed, f" ({result.reason})" if result.reason else "")
        return result

    async def _crawl_on_workers(self, site: SiteConfig, stop: asyncio.Event) -> CrawlResult:
        """Queue the run for the workers and follow it to its end (a stop of the scheduler
        leaves it to the workers: it goes on without the scheduler)."""
        from ecoaudit.workers.celery_app import make_app
        from ecoaudit.workers.follow import follow_runs, result_of
        from ecoaudit.workers.submit import queue_crawls

        app = make_app(self.settings.broker or "")
        (queued,) = await queue_crawls([site], self.store, app, self.base,
                                       concurrency=self.settings.concurrency,
                                       timeout=self.settings.timeout)
        if queued.reason:
            return await asyncio.to_thread(result_of, self.store, queued.run_id)
        log.info("Run %s of %s queued for the workers (%s pages)", queued.run_id, site.name,
                 queued.pages)
        (result,) = await asyncio.to_thread(follow_runs, self.store, [queued.run_id],
                                            lambda _progress: None, stop=stop.is_set)
        return result

    def _record_failure(self, site: SiteConfig, reason: str, started: float) -> CrawlResult:
        """A failed run with its reason: the one the crawl left running, or a new one."""
        run = self.store.latest_run(site.name, status=None)
        if run is None or run["status"] != "running" or run["owner"] != process_label():
            run_id = self.store.start_run(site.name, settings={"start_urls": site.start_urls})
        else:
            run_id = run["id"]
        self.store.finish_run(run_id, "failed", reason[:500])
        return CrawlResult(site=site.name, run_id=run_id, status="failed", reason=reason,
                           pages_ok=0, pages_failed=0, documents=0, duplicates=0,
                           elapsed=time.monotonic() - started)

    async def _write_reports(self, reports_dir: str) -> None:
        from ecoaudit.report import generate_reports

        assert self._reports_lock is not None  # set by _prepare() with run_site()'s slots
        async with self._reports_lock:
            try:
                written = await asyncio.to_thread(generate_reports, self.store,
                                                  reports_dir, config=self.config)
                log.info("Reports written: %s", written.index)
            except Exception:
                log.exception("The reports could not be written")
