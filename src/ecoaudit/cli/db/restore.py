"""`ecoaudit db restore FILE`: put a SQLite backup back, the current database kept aside."""

from __future__ import annotations

from pathlib import Path

import click

from ecoaudit.cli.db.group import db
from ecoaudit.cli.runs import db_option
from ecoaudit.store.restore import restore_database


@db.command("restore")
@click.argument("backup_file", metavar="FILE", type=click.Path(path_type=Path))
@db_option
def restore_command(backup_file: Path, db_url: str | None) -> None:
    """Replace the database with the backup FILE, after checking it; the current database is
    kept next to it as <name>.before-restore-<time>.db. Stop crawls and the scheduler first."""
    result = restore_database(backup_file, db_url)
    newest = f", newest {result.newest_run}" if result.newest_run else ""
    click.echo(f"Restored {result.source} as {result.database} ({result.runs:,} runs{newest}).")
    if result.previous is not None:
        click.echo(f"The previous database was kept as {result.previous}.")
    if result.schema_version != result.schema_head:
        click.echo(f"Its schema ({result.schema_version}) is upgraded to {result.schema_head} "
                   "the next time ecoaudit opens it (a copy is taken first).")
