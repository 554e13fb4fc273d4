"""`ecoaudit runs` (history) and `ecoaudit export` (one run as CSV or JSON)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.export.run_csv import write_run_csv
from ecoaudit.store import RunNotFound, Store
from ecoaudit.store.database import display_url

DEFAULT_CONFIG = Path("sites.toml")
DB_HELP = "Database: a SQLite file or SQLAlchemy URL (default: $ECOAUDIT_DB, else ./ecoaudit.db)."


def db_option(function):
    """Add `--db URL|FILE` to a command (passed as `db_url`)."""
    return click.option("--db", "db_url", metavar="URL|FILE", default=None, help=DB_HELP)(
        function
    )


@cli.command("runs")
@click.argument("site", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@db_option
def runs_command(site: str | None, as_json: bool, db_url: str | None) -> None:
    """List the runs of SITE (or of every site), newest first."""
    with Store.open(db_url, create=False) as store:
        if site is not None and site not in {known["name"] for known in store.sites()}:
            raise RunNotFound(f"No site named {site} in {display_url(store.url)}: "
                              "`ecoaudit runs` lists every site's runs.")
        runs = store.list_runs(site)
    if as_json:
        click.echo(json.dumps(runs, indent=2, ensure_ascii=False))
        return
    if not runs:
        click.echo("No runs yet.")
        return
    click.echo(format_runs_table(runs))


RUNS_COLUMNS = (("Run", ">"), ("Site", "<"), ("Started (UTC)", "<"), ("Status", "<"),
                ("Pages", ">"), ("Failed", ">"), ("Docs", ">"), ("Score", ">"))


def format_runs_table(runs: list[dict]) -> str:
    """The runs as plain aligned columns (readable in a terminal, a pipe or a log)."""
    rows = [
        (str(run["id"]), run["site"], run["started_at"][:16].replace("T", " "), run["status"],
         str(run["pages_ok"]), str(run["pages_failed"]), str(run["documents"]),
         "-" if run["score_mean"] is None else f"{run['score_mean']:.1f}")
        for run in runs
    ]
    header = tuple(name for name, _ in RUNS_COLUMNS)
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    return "\n".join(
        "  ".join(f"{cell:{align}{width}}" for cell, (_, align), width
                  in zip(row, RUNS_COLUMNS, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


@cli.command("export")
@click.argument("run_spec", metavar="RUN")
@click.option("--format", "output_format", type=click.Choice(["csv", "json"]), default="json",
              show_default=True, help="csv: one row per page; json: the full document.")
@click.option("--output", "-o", "output", metavar="FILE", default=None,
              help="Write to FILE instead of standard output.")
@click.option("--site", default=None, help="The site whose latest run RUN=latest means.")
@db_option
def export_command(run_spec: str, output_format: str, output: str | None, site: str | None,
                   db_url: str | None) -> None:
    """Export one run (an id, or `latest` completed run of --site) as CSV or JSON."""
    with Store.open(db_url, create=False) as store:
        run = store.find_run(run_spec, site)
        text = render_run(store, run, output_format)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"Cannot write {output}: {error.strerror}.") from None
    click.echo(f"Run {run['id']} exported to {output}", err=True)


def render_run(store: Store, run: dict, output_format: str) -> str:
    """The text of one run in `output_format` ("csv" or "json")."""
    if output_format == "json":
        return json.dumps(store.run_document(run["id"]), indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    write_run_csv(run, store.page_summaries(run["id"]), buffer)
    return buffer.getvalue()
