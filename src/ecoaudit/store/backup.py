"""`ecoaudit db backup [--to FILE|FOLDER]`: a verified copy of the whole history.

SQLite: SQLite's online backup API (`sqlite_copy.copy_database`), so the copy is consistent while
a crawl writes; verified with `PRAGMA quick_check`; a single self-contained file. PostgreSQL:
`pg_dump --format=custom` when it is installed (verified with `pg_restore --list` when that is),
else one sentence saying how to run it.

Names carry the UTC date and time (`ecoaudit-20260301-020512.db`, `<dbname>-....dump`). In a
backup folder, only the newest `keep` dated backups of the same database are kept; a file named
with `--to FILE` is never rotated. The default folder is `backups/` next to the SQLite file (or
in the current folder for PostgreSQL), created when missing; any other folder must exist (a
backup disk that is not mounted must not silently become a folder on the system disk).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from ecoaudit.store.database import display_url, resolve_url
from ecoaudit.store.errors import BackupError, DatabaseUnavailable
from ecoaudit.store.health import iso_moment
from ecoaudit.store.sqlite_copy import PARTIAL_SUFFIX, connect_readonly, copy_database
from ecoaudit.store.sqlite_file import check_damage

DEFAULT_KEEP = 7
DEFAULT_FOLDER = "backups"
STAMP_FORMAT = "%Y%m%d-%H%M%S"
STALE_PARTIAL_SECONDS = 24 * 3600


@dataclass
class BackupResult:
    """A backup made: where, how big, what it holds, and the old backups rotated out."""

    path: Path
    size_bytes: int
    seconds: float
    runs: int | None = None
    newest_run: str | None = None
    removed: list[Path] = field(default_factory=list)
    verified: str = "quick_check"


def backup_database(url: str | None = None, *, to: Path | None = None,
                    folder: Path | None = None, keep: int = DEFAULT_KEEP,
                    now: datetime | None = None) -> BackupResult:
    """Back up the database at `url` ($ECOAUDIT_DB, ./ecoaudit.db).

    `to`: a file to create, or an existing folder. Else `folder` (must exist), else the default
    folder. `keep`: how many dated backups to keep in that folder (at least 1).
    """
    if keep < 1:
        raise BackupError("Keep at least 1 backup: give --keep 1 or more.")
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    started = time.monotonic()
    now = now or datetime.now(UTC)
    if parsed.get_backend_name() == "sqlite":
        source = _sqlite_source(parsed)
        target, rotate = _target(to, folder, source.parent / DEFAULT_FOLDER, source.stem,
                                 source.suffix or ".db", now)
        copy_database(source, target)
        runs, newest = _sqlite_contents(target)
        result = BackupResult(path=target, size_bytes=target.stat().st_size,
                              seconds=time.monotonic() - started, runs=runs, newest_run=newest)
    elif parsed.get_backend_name() == "postgresql":
        name = parsed.database or "ecoaudit"
        target, rotate = _target(to, folder, Path.cwd() / DEFAULT_FOLDER, name, ".dump", now)
        result = _pg_dump(parsed, target)
        result.seconds = time.monotonic() - started
    else:
        raise BackupError(f"ecoaudit backs up SQLite files and PostgreSQL databases, not "
                          f"{display_url(resolved)}: use that database's own backup tool.")
    if rotate:
        result.removed = rotate_backups(target.parent, _stem_of(target), target.suffix, keep)
    return result


def dated_name(stem: str, suffix: str, moment: datetime) -> str:
    """`<stem>-YYYYMMDD-HHMMSS<suffix>`, in UTC."""
    return f"{stem}-{moment.astimezone(UTC).strftime(STAMP_FORMAT)}{suffix}"


def dated_backups(folder: Path, stem: str, suffix: str) -> list[Path]:
    """The dated backups of a database in `folder`, oldest first."""
    pattern = re.compile(rf"^{re.escape(stem)}-(\d{{8}}-\d{{6}})(?:-(\d+))?{re.escape(suffix)}$")
    found = []
    for path in folder.iterdir():
        match = pattern.match(path.name)
        if match:
            found.append(((match.group(1), int(match.group(2) or 1)), path))
    return [path for _, path in sorted(found)]


def rotate_backups(folder: Path, stem: str, suffix: str, keep: int) -> list[Path]:
    """Delete all but the newest `keep` dated backups; the ones removed. Copies left half-done
    by a backup killed more than a day ago (`*.partial`) go too."""
    backups = dated_backups(folder, stem, suffix)
    removed = backups[:-keep] if len(backups) > keep else []
    for path in removed:
        path.unlink(missing_ok=True)
    day_ago = time.time() - STALE_PARTIAL_SECONDS
    for partial in folder.glob(f"{stem}-*{suffix}{PARTIAL_SUFFIX}"):
        with contextlib.suppress(OSError):
            if partial.stat().st_mtime < day_ago:
                partial.unlink()
    return removed


def _stem_of(target: Path) -> str:
    match = re.match(r"^(.*)-\d{8}-\d{6}(-\d+)?$", target.stem)
    return match.group(1) if match else target.stem


def _sqlite_source(parsed: URL) -> Path:
    database = parsed.database
    if not database or database == ":memory:":
        raise BackupError("An in-memory database cannot be backed up: give --db FILE.")
    source = Path(database)
    if not source.is_file():
        raise DatabaseUnavailable(
            f"There is no database file {source}: give the right file with --db or ECOAUDIT_DB."
        )
    check_damage(source)
    return source


def _target(to: Path | None, folder: Path | None, default_folder: Path, stem: str,
            suffix: str, now: datetime) -> tuple[Path, bool]:
    """The file to write, and whether it is a dated backup of a folder (to rotate)."""
    if to is not None and not to.is_dir():
        if not to.parent.is_dir():
            raise BackupError(f"The folder {to.parent} of the backup target does not exist: "
                              "create it, or give another --to; nothing was written.")
        if to.exists():
            raise BackupError(f"{to} already exists: give a new file name or a folder with "
                              "--to; nothing was written.")
        return to, False
    chosen = to if to is not None else folder
    if chosen is None:
        chosen = default_folder
        chosen.mkdir(exist_ok=True)
    elif not chosen.is_dir():
        raise BackupError(f"The backup folder {chosen} does not exist: create it (or mount its "
                          "disk), or give another one; nothing was written.")
    target = chosen / dated_name(stem, suffix, now)
    number = 2
    while target.exists() or Path(str(target) + PARTIAL_SUFFIX).exists():
        target = chosen / f"{Path(dated_name(stem, '', now)).name}-{number}{suffix}"
        number += 1
    return target, True


def _sqlite_contents(path: Path) -> tuple[int | None, str | None]:
    """Runs held by a backup copy, and when its newest one started (None when not ecoaudit)."""
    with contextlib.closing(connect_readonly(path)) as connection:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "runs" not in tables:
            return None, None
        count, newest = connection.execute(
            "SELECT count(*), max(started_at) FROM runs").fetchone()
    return int(count), iso_moment(newest)


def _pg_dump(parsed: URL, target: Path) -> BackupResult:
    conninfo = parsed.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    executable = shutil.which("pg_dump")
    if executable is None:
        raise BackupError(
            "pg_dump is not installed here: install PostgreSQL's client tools (e.g. `apt-get "
            f"install postgresql-client`), or run `pg_dump --format=custom --file {target} "
            f"'{conninfo}'` where they are."
        )
    environment = dict(os.environ)
    if parsed.password:
        environment["PGPASSWORD"] = str(parsed.password)
    partial = Path(str(target) + PARTIAL_SUFFIX)
    try:
        done = subprocess.run(
            [executable, "--format=custom", "--no-password", f"--file={partial}",
             f"--dbname={conninfo}"],
            capture_output=True, text=True, env=environment, check=False)
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()
            raise BackupError(f"pg_dump failed ({reason[-1] if reason else done.returncode}): "
                              "nothing was written; check the URL and pg_dump's version.")
        verified = _pg_verify(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(path=target, size_bytes=target.stat().st_size, seconds=0.0,
                        verified=verified)


def _pg_verify(dump: Path) -> str:
    """Read the dump's table of contents back with pg_restore, when it is installed."""
    executable = shutil.which("pg_restore")
    if executable is None:
        return "not verified (pg_restore is not installed)"
    done = subprocess.run([executable, "--list", str(dump)], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0 or "TABLE DATA" not in done.stdout or " runs " not in done.stdout:
        raise BackupError(f"The dump {dump} cannot be read back by pg_restore: it was deleted; "
                          "check pg_dump and the server, then try again.")
    return "pg_restore --list"
