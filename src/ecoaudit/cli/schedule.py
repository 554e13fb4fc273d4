"""`ecoaudit schedule [--config FILE] [--db ...] [--once]`: nightly audits of every site."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.cli.options import (
    broker_option,
    default_concurrency,
    measure_options,
    protocol_options,
)
from ecoaudit.config import load_config
from ecoaudit.errors import ConfigError
from ecoaudit.store import Store
from ecoaudit.workflows.schedule.lock import SchedulerLock
from ecoaudit.workflows.schedule.scheduler import DEFAULT_TIMEZONE, SchedulerSettings, SiteScheduler


async def _run(scheduler: SiteScheduler, once: bool) -> list:
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, scheduler.stop)
    try:
        if once:
            return await scheduler.run_due_once()
        await scheduler.run_forever()
        return scheduler.results
    finally:
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(number)


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("sites.toml"), show_default=True, help="The sites configuration.")
@click.option("--db", "db_url", metavar="URL|FILE", default=None,
              help="Database: SQLite file or SQLAlchemy URL (default: $ECOAUDIT_DB, "
              "else ./ecoaudit.db).")
@click.option("--once", is_flag=True,
              help="Run every site that is due now, then exit (for cron or systemd timers).")
@click.option("--timezone", default=DEFAULT_TIMEZONE, show_default=True,
              help="Time zone of the sites' cron schedules.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("reports"), show_default=True, help="Folder of the HTML reports.")
@click.option("--report/--no-report", "write_report", default=True, show_default=True,
              help="Rewrite the HTML reports after each run.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None,
              help="Pages measured at once within a site (default: chosen for this machine).")
@click.option("--parallel-sites", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Sites crawled at the same time.")
@broker_option
@protocol_options
@click.pass_context
def schedule(context, config_path, db_url, once, timezone, out_dir, write_report, concurrency,
             parallel_sites, broker, viewport, wait_before, wait_after, timeout,
             no_coverage) -> None:
    """Audit every site of the configuration on its `schedule` (default 02:00 every night).

    Runs until SIGTERM or SIGINT, which interrupt running crawls cleanly (resumable). After
    each night, backs up and prunes the database as the [defaults] table of sites.toml asks
    (backup, keep_captures, keep_runs). With --once: exit status 0 when every due run completed
    (and the backup and prune succeeded), 2 otherwise. With --broker (or $ECOAUDIT_BROKER),
    each run is queued for `ecoaudit worker` processes and followed to its end.
    """
    logging.getLogger("ecoaudit.workflows.schedule.scheduler").setLevel(logging.INFO)
    config = load_config(config_path)
    if not config.sites:
        raise ConfigError(f"{config_path} declares no site: add a [[sites]] table.")
    for site in config.sites:
        site.check_secrets()
    explicit_timeout = (
        timeout if context.get_parameter_source("timeout").name != "DEFAULT" else None
    )
    if broker:  # the runs are queued for workers: the broker and a shared database, checked
        from ecoaudit.workers.celery_app import check_broker, make_app
        from ecoaudit.workers.shared_db import check_shared_database

        check_broker(make_app(broker))
        db_url = check_shared_database(db_url)
    settings = SchedulerSettings(
        timezone=timezone, concurrency=concurrency or default_concurrency(),
        parallel_sites=parallel_sites, reports_dir=str(out_dir) if write_report else None,
        timeout=explicit_timeout, broker=broker)
    base = measure_options(viewport, wait_before, wait_after, timeout, no_coverage)
    with Store.open(db_url) as store:
        scheduler = SiteScheduler(config, store, base, settings)
        with SchedulerLock(store.engine):
            results = asyncio.run(_run(scheduler, once))
    if once and (any(result.status != "completed" for result in results)
                 or scheduler.maintenance_failed):
        raise SystemExit(2)
