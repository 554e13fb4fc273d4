"""`ecoaudit db check [--full]`: is the database sound, and what does it hold?"""

from __future__ import annotations

import json

import click

from ecoaudit.cli.db.group import db, human_bytes
from ecoaudit.cli.runs import db_option
from ecoaudit.store.health import HealthReport, check_database


@db.command("check")
@click.option("--full", is_flag=True,
              help="SQLite: run the complete integrity_check instead of quick_check (slower).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@db_option
def check_command(full: bool, as_json: bool, db_url: str | None) -> None:
    """Check the database without changing it. Exit status 0 when healthy, 1 when damaged."""
    report = check_database(db_url, full=full)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_report(report))
    raise SystemExit(0 if report.healthy else 1)


def format_report(report: HealthReport) -> str:
    """The report as aligned lines, the verdict last."""
    size = human_bytes(report.size_bytes)
    if report.free_bytes:
        size += f", of which {human_bytes(report.free_bytes)} free for new runs"
    lines = [("Database", f"{report.database} ({report.backend}, {size})")]
    if report.backend == "sqlite":
        lines.append(("Check", f"{report.check}: {report.integrity or 'not run'}"))
    if report.schema_version:
        state = "up to date" if report.schema_version == report.schema_head else (
            f"this ecoaudit's is {report.schema_head}")
        lines.append(("Schema", f"{report.schema_version} ({state})"))
    if report.runs is not None:
        span = (f", from {_when(report.oldest_run)} to {_when(report.newest_run)}"
                if report.runs else "")
        lines.append(("Runs", f"{report.runs:,}{span}"))
        pruned = f"; {report.pruned_runs:,} runs pruned" if report.pruned_runs else ""
        lines.append(("Pages", f"{report.pages:,} (captures: {report.captures:,}{pruned})"))
    text = "\n".join(f"{name:<9} {value}" for name, value in lines)
    for warning in report.warnings:
        text += f"\nWarning: {warning}"
    for problem in report.problems:
        text += f"\nProblem: {problem}"
    if report.healthy:
        return text + "\nHealthy."
    if report.damaged and not any("db restore" in problem for problem in report.problems):
        return text + ("\nNot healthy: restore the last backup with `ecoaudit db restore FILE` "
                       "(`ecoaudit db backup` writes them to backups/ next to the database).")
    return text + "\nNot healthy."


def _when(moment: str | None) -> str:
    """'2026-03-01T02:00:05+00:00' -> '2026-03-01 02:00 UTC'."""
    return f"{moment[:10]} {moment[11:16]} UTC" if moment else "?"
