"""Consistent, verified copies of a SQLite database file (backups, pre-migration copies).

The copy goes through SQLite's online backup API: it is a consistent snapshot even while another
process (a crawl) writes the database. It is written under a temporary name next to the target,
checked with `PRAGMA quick_check`, switched to a single self-contained file (rollback journal,
no `-wal`), flushed to disk, and only then renamed to its final name: a copy interrupted at any
point never leaves a half-written file under a backup's name.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from ecoaudit.store.errors import BackupError

PARTIAL_SUFFIX = ".partial"
PROBLEMS_SHOWN = 5


def readonly_uri(path: Path) -> str:
    """A URI that opens the file read-only (SQLite will never write to it)."""
    return "file:" + quote(str(path.resolve())) + "?mode=ro"


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only sqlite3 connection to an existing file."""
    return sqlite3.connect(readonly_uri(path), uri=True, timeout=30)


def integrity_problems(connection: sqlite3.Connection, *, full: bool = False) -> list[str]:
    """What `PRAGMA quick_check` (or `integrity_check` with `full`) finds; [] when sound."""
    pragma = "integrity_check" if full else "quick_check"
    rows = [str(row[0]) for row in connection.execute(f"PRAGMA {pragma}")]
    return [] if rows == ["ok"] else rows


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def copy_database(source: Path, target: Path) -> None:
    """Copy the SQLite database `source` to the new file `target`, verified; BackupError (one
    sentence, nothing left behind) when it cannot be done."""
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    try:
        partial.unlink(missing_ok=True)
        with contextlib.closing(connect_readonly(source)) as reader, \
                contextlib.closing(sqlite3.connect(partial)) as writer:
            reader.backup(writer)  # one step: a single consistent snapshot
            writer.execute("PRAGMA journal_mode = DELETE")
            problems = integrity_problems(writer)
        if problems:
            raise BackupError(
                f"The copy of {source} fails SQLite's quick check ({'; '.join(problems[:2])}): "
                "the database itself is probably damaged; run `ecoaudit db check`."
            )
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except (sqlite3.Error, OSError) as error:
        raise BackupError(
            f"Cannot copy {source} to {target} ({_reason(error)}): nothing was changed; check "
            "the free space and the permissions of the target folder."
        ) from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
            Path(str(partial) + "-journal").unlink(missing_ok=True)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
