"""`ecoaudit worker [--concurrency N] [--broker URL] [--db URL]`: measure queued pages."""

from __future__ import annotations

import click

from ecoaudit.cli import cli
from ecoaudit.cli.options import broker_option, default_concurrency


@cli.command()
@click.option("--concurrency", type=click.IntRange(1, 64), default=None,
              help="Pages measured at once by this worker, in one browser (default: chosen "
              "for this machine).")
@broker_option
@click.option("--db", "db_url", metavar="URL", default=None,
              help="The PostgreSQL database every worker shares (default: $ECOAUDIT_DB).")
def worker(concurrency, broker, db_url) -> None:
    """Measure the pages of crawls queued with `ecoaudit crawl --broker`, until stopped.

    Start as many workers as needed, on as many machines, with the same --broker and --db.
    SIGTERM lets the pages in flight end; a worker killed outright loses nothing: its pages
    are measured again by another worker (see docs/scale.md).
    """
    from ecoaudit.workers.worker import run_worker

    if broker is None:
        raise click.UsageError("A worker needs a broker: give --broker URL or set "
                               "ECOAUDIT_BROKER (e.g. redis://127.0.0.1:6379/0).")
    run_worker(broker, db_url, concurrency=concurrency or min(64, default_concurrency()))
