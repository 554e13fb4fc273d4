"""`ecoaudit db backup [--to FILE|FOLDER] [--keep N]`: a dated, verified copy of the database."""

from __future__ import annotations

from pathlib import Path

import click

from ecoaudit.cli.db.group import config_option, db, human_bytes, storage_settings
from ecoaudit.cli.runs import db_option
from ecoaudit.store.backup import backup_database


@db.command("backup")
@click.option("--to", "to", type=click.Path(path_type=Path), default=None, metavar="FILE|FOLDER",
              help="A new file, or a folder for a dated backup (default: backup_dir of "
              "sites.toml, else backups/ next to the database).")
@click.option("--keep", type=click.IntRange(1, 10_000), default=None,
              help="Dated backups kept in the folder, the oldest removed (default: backup_keep "
              "of sites.toml, else 7).")
@config_option
@db_option
def backup_command(to: Path | None, keep: int | None, config_path: Path | None,
                   db_url: str | None) -> None:
    """Back the database up while it may be in use (SQLite: online backup API; PostgreSQL:
    pg_dump), and check the copy."""
    settings = storage_settings(config_path)
    result = backup_database(db_url, to=to, folder=settings.backup_dir,
                             keep=keep or settings.backup_keep)
    held = f", {result.runs:,} runs, newest {result.newest_run}" if result.runs else ""
    click.echo(f"Backup written: {result.path} ({human_bytes(result.size_bytes)}{held}; "
               f"checked with {result.verified}) in {result.seconds:.1f} s.")
    for path in result.removed:
        click.echo(f"Older backup removed: {path}")
