"""`ecoaudit db restore FILE`: put a SQLite backup back in place of the current database.

Nothing is changed until the backup has been checked: a SQLite file, sound (`quick_check`), with
ecoaudit's tables and a schema version this ecoaudit knows (an older one is upgraded on the next
open; a newer one is refused). The current database must not be open in another process (a
crawl, the scheduler). Then the backup is copied next to the database (verified), the current
file is kept aside as `<name>.before-restore-<UTC time>.db` (with its write-ahead log, if it has
one), and the copy takes the database's name in one atomic rename.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from ecoaudit.store.database import display_url, resolve_url
from ecoaudit.store.errors import BackupError, DatabaseDamaged
from ecoaudit.store.health import iso_moment
from ecoaudit.store.migrate import head_revision, known_revisions
from ecoaudit.store.sqlite_copy import connect_readonly, copy_database, integrity_problems
from ecoaudit.store.sqlite_file import check_damage, in_use, shm_path, wal_path

ECOAUDIT_TABLES = {"alembic_version", "sites", "runs", "pages", "captures"}
ASIDE_MARK = ".before-restore-"


@dataclass
class RestoreResult:
    """A restore done: what was put back, and where the previous database was kept."""

    database: Path
    source: Path
    previous: Path | None
    runs: int
    newest_run: str | None
    schema_version: str
    schema_head: str | None


def restore_database(source: Path, url: str | None = None,
                     now: datetime | None = None) -> RestoreResult:
    """Replace the SQLite database at `url` ($ECOAUDIT_DB, ./ecoaudit.db) with the backup
    `source`; BackupError (one sentence, nothing changed) when it cannot be done safely."""
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise BackupError(
            f"`ecoaudit db restore` puts back SQLite backups; for {display_url(resolved)} use "
            "`pg_restore --clean --if-exists --dbname URL FILE` with a `db backup` dump."
        )
    database = Path(parsed.database).resolve()
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"There is no backup file {source}: give the path of a file made by "
                          "`ecoaudit db backup`; nothing was changed.")
    if source.resolve() == database:
        raise BackupError(f"{source} is the database itself: give a backup file; nothing was "
                          "changed.")
    if not database.parent.is_dir():
        raise BackupError(f"The folder {database.parent} of the database does not exist: create "
                          "it, or give another --db; nothing was changed.")
    revision, runs, newest = inspect_backup(source)
    if database.exists() and in_use(database):
        raise BackupError(
            f"The database {database} is open in another process (a crawl or the scheduler): "
            "stop it, then restore; nothing was changed."
        )
    incoming = database.with_name(f".{database.name}.restoring")
    copy_database(source, incoming)
    previous = None
    try:
        if database.exists():
            previous = _keep_aside(database, now or datetime.now(UTC))
        os.replace(incoming, database)
        shm_path(database).unlink(missing_ok=True)
    except OSError as error:
        raise BackupError(f"Cannot put {source} in place of {database} ({error.strerror}): "
                          "check the folder's permissions and free space.") from None
    finally:
        incoming.unlink(missing_ok=True)
    return RestoreResult(database=database, source=source, previous=previous, runs=runs,
                         newest_run=newest, schema_version=revision, schema_head=head_revision())


def inspect_backup(source: Path) -> tuple[str, int, str | None]:
    """(schema version, runs, newest run) of an ecoaudit backup; BackupError when `source` is
    not one, is damaged, or comes from a newer ecoaudit."""
    not_backup = f"{source} is not an ecoaudit backup"
    try:
        check_damage(source)
        with contextlib.closing(connect_readonly(source)) as connection:
            problems = integrity_problems(connection)
            if problems:
                raise BackupError(f"The backup {source} is damaged (SQLite's quick check: "
                                  f"{problems[0]}): choose an older backup; nothing was changed.")
            tables = {row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables >= ECOAUDIT_TABLES:
                raise BackupError(f"{not_backup} (it lacks ecoaudit's tables): give a file made "
                                  "by `ecoaudit db backup`; nothing was changed.")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            count, newest = connection.execute(
                "SELECT count(*), max(started_at) FROM runs").fetchone()
    except DatabaseDamaged:
        raise BackupError(f"{not_backup} (it is not a sound SQLite database): give a file made "
                          "by `ecoaudit db backup`; nothing was changed.") from None
    except sqlite3.Error as error:
        raise BackupError(f"{not_backup} ({error}): give a file made by `ecoaudit db backup`; "
                          "nothing was changed.") from None
    if row is None:
        raise BackupError(f"{not_backup} (it has no schema version): give a file made by "
                          "`ecoaudit db backup`; nothing was changed.")
    revision = str(row[0])
    if revision not in known_revisions():
        raise BackupError(f"The backup {source} was made by a newer ecoaudit (schema {revision}, "
                          f"this one knows up to {head_revision()}): upgrade ecoaudit first; "
                          "nothing was changed.")
    return revision, int(count), iso_moment(newest)


def _keep_aside(database: Path, now: datetime) -> Path:
    """Keep the current database (and its write-ahead log) under a dated name; its path."""
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    aside = database.with_name(f"{database.stem}{ASIDE_MARK}{stamp}{database.suffix or '.db'}")
    number = 2
    while aside.exists():
        aside = database.with_name(
            f"{database.stem}{ASIDE_MARK}{stamp}-{number}{database.suffix or '.db'}")
        number += 1
    # Hard links: the database keeps its name until the restored copy replaces it atomically.
    os.link(database, aside)
    wal = wal_path(database)
    if wal.exists():
        os.link(wal, wal_path(aside))
        wal.unlink()  # never let the old log be replayed into the restored database
    return aside
