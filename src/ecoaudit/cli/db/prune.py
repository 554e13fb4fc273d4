"""`ecoaudit db prune --keep-captures 90d --keep-runs 5y`: retention, then compaction."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ecoaudit.cli.db.group import config_option, db, human_bytes, storage_settings
from ecoaudit.cli.runs import db_option
from ecoaudit.store import Store
from ecoaudit.store.durations import parse_duration
from ecoaudit.store.errors import InvalidDuration
from ecoaudit.store.retention import PruneResult, prune


@db.command("prune")
@click.option("--keep-captures", metavar="DURATION", default=None,
              help="Keep the full captures and evidence of runs younger than this: 90d, 12w, "
              "6m or 5y (days, weeks, months, years); older runs keep their figures and "
              "findings summary (default: keep_captures of sites.toml).")
@click.option("--keep-runs", metavar="DURATION", default=None,
              help="Delete runs older than this entirely (default: keep_runs of sites.toml).")
@click.option("--dry-run", is_flag=True, help="Say what would be removed, change nothing.")
@click.option("--no-compact", is_flag=True,
              help="Do not VACUUM afterwards (the space freed is then reused by new runs).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@config_option
@db_option
def prune_command(keep_captures: str | None, keep_runs: str | None, dry_run: bool,
                  no_compact: bool, as_json: bool, config_path: Path | None,
                  db_url: str | None) -> None:
    """Apply retention: drop the captures and evidence of old runs, delete very old runs.

    Each site's newest run and newest completed run, and runs in progress, are never touched.
    """
    settings = storage_settings(config_path)
    captures = _duration(keep_captures, "--keep-captures", settings.keep_captures,
                         "keep_captures")
    runs = _duration(keep_runs, "--keep-runs", settings.keep_runs, "keep_runs")
    if captures is None and runs is None:
        raise InvalidDuration("There is nothing to prune: give --keep-captures and/or "
                              "--keep-runs with a duration such as 90d or 5y, or set "
                              "keep_captures / keep_runs in the [defaults] table of sites.toml.")
    with Store.open(db_url, create=False) as store:
        result = prune(store, keep_captures=captures, keep_runs=runs, compact=not no_compact,
                       dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_result(result))


def _duration(option: str | None, option_name: str, setting: str | None, key: str):
    if option is not None:
        return parse_duration(option, option_name)
    if setting is not None:
        return parse_duration(setting, f"sites.toml {key}")
    return None


def _runs(count: int) -> str:
    return f"{count:,} run" + ("" if count == 1 else "s")


def format_result(result: PruneResult) -> str:
    """What was removed and the space freed, in a few lines."""
    verb = "Would remove" if result.dry_run else "Removed"
    lines = []
    if result.captures_before:
        lines.append(
            f"{verb} the captures of {_runs(result.runs_pruned)} started before "
            f"{result.captures_before[:10]}: {result.captures_deleted:,} captures "
            f"({human_bytes(result.capture_bytes)}) and {human_bytes(result.evidence_bytes)} "
            "of per-resource evidence; their figures and findings are kept.")
    if result.runs_before:
        lines.append(f"{verb} {_runs(result.runs_deleted)} started before "
                     f"{result.runs_before[:10]} ({result.pages_deleted:,} pages).")
    if result.dry_run:
        lines.append("Nothing was changed (--dry-run).")
    elif result.freed_bytes is not None:
        lines.append(f"Database: {human_bytes(result.size_before)} before, "
                     f"{human_bytes(result.size_after)} after: "
                     f"{human_bytes(result.freed_bytes)} freed"
                     + ("" if result.compacted else " on disk") + ".")
    if result.note:
        lines.append(f"Note: {result.note}.")
    return "\n".join(lines)
