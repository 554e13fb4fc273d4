"""`ecoaudit crawl`: discover and measure whole sites, store every page, then write the reports."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ecoaudit.cli import cli
from ecoaudit.cli.options import (
    broker_option,
    default_concurrency,
    measure_options,
    protocol_options,
    sampling_options,
    threshold_option,
    threshold_overrides,
)
from ecoaudit.cli.output import console, print_failures, write_json
from ecoaudit.config import Config, SiteConfig, adhoc_site, load_config
from ecoaudit.crawl.engine import CrawlProgress, CrawlResult, crawl_sites
from ecoaudit.errors import ConfigError
from ecoaudit.store import Store
from ecoaudit.store.stop_guard import StopOnStorageFailure

DEFAULT_CONFIG = Path("sites.toml")


def choose_sites(config_path: Path, names: tuple[str, ...], crawl_all: bool, url: str | None,
                 max_pages: int | None, concurrency: int) -> tuple[list[SiteConfig], Config | None]:
    """The sites to crawl, validated before anything starts."""
    if url:
        if names or crawl_all:
            raise click.UsageError("Give either --url, site names, or --all, not several.")
        overrides = {"max_pages": max_pages} if max_pages else {}
        site = adhoc_site(url, **overrides)
        if site.allow_private_addresses:
            # The user's own local or staging server: no courtesy delay, full parallelism.
            site.max_concurrency_per_host, site.min_delay = concurrency, 0.0
        return [site], None
    if not config_path.is_file():
        raise ConfigError(f"There is no configuration file {config_path}: give --config FILE, "
                          "or --url URL for a site without configuration.")
    config = load_config(config_path)
    if crawl_all:
        if names:
            raise click.UsageError("Give either --all or site names, not both.")
        sites = list(config.sites)
    elif names:
        sites = [config.site(name) for name in names]
    else:
        raise click.UsageError("Name the sites to crawl, or use --all or --url URL.")
    if not sites:
        raise ConfigError(f"{config_path} declares no site: add a [[sites]] table.")
    for site in sites:
        if max_pages:
            site.max_pages = max_pages
        site.check_secrets()
    return sites, config


@cli.command()
@click.argument("sites", nargs=-1)
@click.option("--all", "crawl_all", is_flag=True, help="Crawl every site of the configuration.")
@click.option("--url", help="Crawl an ad-hoc site from this start URL (no configuration).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_CONFIG, show_default=True, help="The sites configuration.")
@click.option("--db", "db_url", metavar="URL|FILE", default=None,
              help="Database: SQLite file or SQLAlchemy URL (default: $ECOAUDIT_DB, "
              "else ./ecoaudit.db).")
@click.option("--max-pages", type=click.IntRange(1, 1_000_000), default=None,
              help="Override each site's max_pages.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None,
              help="Pages measured at once (default: chosen for this machine).")
@click.option("--resume", is_flag=True, help="Continue the site's interrupted run.")
@click.option("--json", "json_path", metavar="FILE",
              help="Write the JSON document of the run(s) to FILE ('-' for standard output).")
@click.option("--report/--no-report", "write_report", default=True, show_default=True,
              help="Write the HTML reports after the crawl.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("reports"), show_default=True, help="Folder of the HTML reports.")
@broker_option
@click.option("--wait", is_flag=True,
              help="With --broker: follow the queued runs until they end, then write the "
              "summary, the JSON and the reports as a local crawl does.")
@protocol_options
@sampling_options
@threshold_option
@click.pass_context
def crawl(context, sites, crawl_all, url, config_path, db_url, max_pages, concurrency, resume,
          json_path, write_report, out_dir, broker, wait, viewport, wait_before, wait_after,
          timeout, no_coverage, devices, repeat, thresholds) -> None:
    """Discover and measure the pages of SITES (from sites.toml), of --all, or of --url.

    With --broker (or $ECOAUDIT_BROKER) the crawl is queued for `ecoaudit worker` processes
    sharing a PostgreSQL database; --wait follows it to the end.

    Exit status: 0 when every run completed (or was queued), 2 when a run failed or was
    interrupted.
    """
    concurrency = concurrency or default_concurrency()
    chosen, config = choose_sites(config_path, sites, crawl_all, url, max_pages, concurrency)
    for site in chosen:  # the command line wins over sites.toml
        site.devices = devices or site.devices
        if context.get_parameter_source("repeat").name != "DEFAULT":
            site.repeat = repeat
    for rule_id, values in threshold_overrides(thresholds).items():
        for site in chosen:  # the command line wins over sites.toml
            site.rules = {**site.rules, rule_id: {**site.rules.get(rule_id, {}), **values}}
    explicit_timeout = (
        timeout if context.get_parameter_source("timeout").name != "DEFAULT" else None
    )
    base = measure_options(viewport, wait_before, wait_after, timeout, no_coverage)
    if broker and resume:
        raise click.UsageError("--resume does not apply to queued crawls: their workers take "
                               "up every page left; `ecoaudit queue --retry-failed RUN` "
                               "measures failed pages again.")
    queued = _queue(chosen, broker, db_url, base, concurrency, explicit_timeout, wait) if (
        broker) else None
    if broker and queued is None:
        return
    with Store.open(db_url) as store:
        results = queued if queued is not None else _run_with_progress(
            chosen, store, base, concurrency, resume, explicit_timeout)
        _print_summary(results)
        documents = [store.run_document(result.run_id) for result in results]
        for document in documents:
            print_failures(document["pages"])
        if json_path:
            _write_document(documents, json_path)
        if write_report:
            from ecoaudit.report import generate_reports

            written = generate_reports(store, out_dir, config=config,
                                       site_names=[site.name for site in chosen] if url else None)
            console.print(f"Reports: {written.index}")
    failed = [result for result in results if result.status != "completed"]
    raise SystemExit(2 if failed else 0)


def _queue(sites, broker, db_url, base, concurrency, timeout, wait) -> list[CrawlResult] | None:
    """Queue the crawls for workers; with `wait`, follow them to their end (else None)."""
    from ecoaudit.workers.celery_app import check_broker, make_app
    from ecoaudit.workers.follow import follow_runs
    from ecoaudit.workers.shared_db import check_shared_database
    from ecoaudit.workers.submit import queue_crawls

    app = make_app(broker)
    check_broker(app)
    db_url = check_shared_database(db_url)
    with Store.open(db_url) as store:
        queued = asyncio.run(queue_crawls(sites, store, app, base, concurrency=concurrency,
                                          timeout=timeout))
        for item in queued:
            console.print(f"{item.site}: run {item.run_id}, " + (
                f"not queued: {item.reason}" if item.reason else
                f"{item.pages} page(s) queued for the workers"))
        if not wait:
            console.print("Follow them with `ecoaudit queue`.")
            return None
        with _progress_display() as update:
            return follow_runs(store, [item.run_id for item in queued], update)


@contextlib.contextmanager
def _progress_display() -> Iterator[Callable[[CrawlProgress], None]]:
    """A progress bar per site; yields the function that updates it."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(),
               TextColumn("{task.fields[line]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        tasks: dict[str, TaskID] = {}

        def update(state: CrawlProgress) -> None:
            if state.site not in tasks:
                tasks[state.site] = progress.add_task(state.site, total=None, line="")
            progress.update(
                tasks[state.site], completed=state.done, total=state.done + state.queued,
                line=(f"{state.done} measured, {state.queued} queued, {state.failed} errors, "
                      f"{state.documents} documents, {state.pages_per_minute:.0f} pages/min"),
            )

        yield update


def _run_with_progress(sites, store, base, concurrency, resume, timeout) -> list[CrawlResult]:
    with _progress_display() as update:

        async def guarded() -> list[CrawlResult]:
            # A disk that fills up (or turns read-only) stops the crawl cleanly, then the
            # one-sentence error says what happened to the run.
            stop = asyncio.Event()
            guard = StopOnStorageFailure(store, stop, asyncio.get_running_loop())
            results = await crawl_sites(sites, guard, base, concurrency=concurrency,
                                        resume=resume, progress=update, timeout=timeout,
                                        stop=stop)
            guard.raise_failure()
            return results

        return asyncio.run(guarded())


def _print_summary(results: list[CrawlResult]) -> None:
    table = Table(title="Crawl summary")
    for column in ("Site", "Run", "Status", "Pages", "Failed", "Same page", "Documents",
                   "Minutes", "Pages/min"):
        table.add_column(column)
    for result in results:  # "Same page": URLs skipped as a page already measured
        measured = result.pages_ok + result.pages_failed
        minutes = result.elapsed / 60
        table.add_row(result.site, str(result.run_id), result.status, str(result.pages_ok),
                      str(result.pages_failed), str(result.duplicates), str(result.documents),
                      f"{minutes:.1f}", f"{measured / minutes:.0f}" if minutes > 0 else "-")
    console.print(table)
    for result in results:
        if result.reason:
            console.print(f"{result.site}: {result.status}: {result.reason}")


def _write_document(documents: list[dict], path: str) -> None:
    if len(documents) == 1:
        document = documents[0]
    else:  # several runs: one document, pages and documents concatenated
        document = dict(documents[0])
        document["run"] = None
        document["runs"] = [d["run"] for d in documents]
        document["pages"] = [page for d in documents for page in d["pages"]]
        document["documents"] = [item for d in documents for item in d["documents"]]
    if path == "-":
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        write_json(document, path)

