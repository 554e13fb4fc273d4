"""`ecoaudit queue [--db URL] [--retry-failed RUN --broker URL] [--json]`: what the workers
have to do, are doing, have done and have failed, per site and run."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ecoaudit.cli import cli
from ecoaudit.cli.options import broker_option
from ecoaudit.cli.output import console


@cli.command()
@click.option("--db", "db_url", metavar="URL", default=None,
              help="The database the workers share (default: $ECOAUDIT_DB).")
@click.option("--retry-failed", "retry_run", type=int, metavar="RUN", default=None,
              help="Queue the failed pages of run RUN again (needs --broker).")
@click.option("--cancel", "cancel_run", type=int, metavar="RUN", default=None,
              help="Cancel run RUN: its queued pages are not measured, it ends interrupted "
              "(needs --broker).")
@broker_option
@click.option("--all", "show_all", is_flag=True, help="Also list the finished runs.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def queue(db_url, retry_run, cancel_run, broker, show_all, as_json) -> None:
    """Queued crawls: pages queued, being measured, done and failed; a waiting run's position
    (pages of older runs ahead of it). Read from the database, whatever the broker holds."""
    from ecoaudit.store import Store
    from ecoaudit.store.work_queue import WorkQueue

    with Store.open(db_url, create=False) as store:
        work = WorkQueue(store.engine)
        if retry_run is not None:
            _retry(work, retry_run, broker)
        if cancel_run is not None:
            _cancel(store, work, cancel_run, broker)
        rows = [row for row in work.overview() if show_all or row["state"] != "finished"]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        console.print("No queued crawl" + ("." if show_all else " in progress (--all lists "
                                           "the finished ones)."))
        return
    table = Table(title="Queued crawls")
    for column in ("Run", "Site", "State", "Queued", "Measuring", "Done", "Failed", "Ahead"):
        table.add_column(column)
    for row in rows:
        pages = row["pages"]
        state = row["state"] if row["state"] != "finished" else row["status"]
        table.add_row(str(row["run_id"]), row["site"], state, str(pages["queued"]),
                      str(pages["claimed"]), str(pages["done"]), str(pages["failed"]),
                      str(row["ahead"]) if row["state"] == "crawling" else "-")
    console.print(table)
    for row in rows:
        if row["problem"] and row["state"] != "finished":
            console.print(f"Run {row['run_id']}: {row['problem']}", markup=False)


def _retry(work, run_id: int, broker: str | None) -> None:
    from ecoaudit.workers.celery_app import check_broker, make_app, send_page_tokens
    from ecoaudit.workers.worker import run_limits

    if broker is None:
        raise click.UsageError("--retry-failed needs the broker: give --broker URL or set "
                               "ECOAUDIT_BROKER.")
    run = work.queued_run(run_id)
    if run is None:
        raise click.UsageError(f"Run {run_id} was not crawled by workers: `ecoaudit queue "
                               "--all` lists those that were.")
    app = make_app(broker)
    check_broker(app)
    count = work.retry_failed(run_id)
    send_page_tokens(app, run_id, count, run_limits(run))
    console.print(f"Run {run_id}: {count} failed page(s) queued again.")


def _cancel(store, work, run_id: int, broker: str | None) -> None:
    from ecoaudit.workers.celery_app import check_broker, make_app
    from ecoaudit.workers.submit import cancel_queued_run

    if broker is None:
        raise click.UsageError("--cancel needs the broker: give --broker URL or set "
                               "ECOAUDIT_BROKER.")
    run = work.queued_run(run_id)
    if run is None or run["state"] not in ("crawling", "cancelling"):
        raise click.UsageError(f"Run {run_id} is not a crawl in progress on the workers: "
                               "`ecoaudit queue` lists those that are.")
    app = make_app(broker)
    check_broker(app)
    count = cancel_queued_run(store, app, run_id)
    console.print(f"Run {run_id}: cancelled, {count} queued page(s) will not be measured; the "
                  "pages being measured end first.")
