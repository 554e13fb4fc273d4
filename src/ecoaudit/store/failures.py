"""Database errors raised by the drivers, turned into one sentence a user can act on.

SQLite reports a damaged file, a full disk or a read-only file through error codes that
`sqlite3` exposes as `sqlite_errorname`; PostgreSQL through SQLSTATE codes. Errors that are not
about the storage itself (a bug, a constraint) are left alone: `translate` returns None.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ecoaudit.store.errors import (
    DatabaseDamaged,
    DatabaseReadOnly,
    DatabaseUnavailable,
    DiskFull,
    StoreError,
)
from ecoaudit.store.sqlite_file import RESTORE_HINT

CHECK_HINT = "run `ecoaudit db check` to see the damage"

# Marker words of each kind, for drivers or versions that give no error code.
_TEXT_MARKERS = (
    ("notadb", ("file is not a database",)),
    ("corrupt", ("malformed", "database corruption", "data_corrupted")),
    ("full", ("database or disk is full", "no space left on device", "disk full")),
    ("readonly", ("readonly database", "read-only", "read only")),
    ("ioerr", ("disk i/o error",)),
    ("cantopen", ("unable to open database file",)),
)


def where(url: str) -> str:
    """How a message names the database: the file path for SQLite, the URL otherwise."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def kind(error: BaseException) -> str | None:
    """notadb, corrupt, full, readonly, ioerr, cantopen, or None for any other error."""
    original = getattr(error, "orig", None) or error
    name = str(getattr(original, "sqlite_errorname", "") or "")
    for prefix, found in (("SQLITE_NOTADB", "notadb"), ("SQLITE_CORRUPT", "corrupt"),
                          ("SQLITE_FULL", "full"), ("SQLITE_READONLY", "readonly"),
                          ("SQLITE_IOERR", "ioerr"), ("SQLITE_CANTOPEN", "cantopen")):
        if name.startswith(prefix):
            return found
    state = str(getattr(original, "sqlstate", "") or "")
    if state == "53100":
        return "full"
    if state == "25006":
        return "readonly"
    if state in ("XX001", "XX002"):
        return "corrupt"
    text = str(original).lower()
    for found, markers in _TEXT_MARKERS:
        if any(marker in text for marker in markers):
            return found
    return None


def translate(error: BaseException, url: str | None) -> StoreError | None:
    """The one-sentence StoreError for a storage failure, or None when it is something else.

    `url` names the database in the message (None when it is not known).
    """
    found = kind(error)
    if found is None:
        return None
    subject = f"The database {where(url)}" if url else "The database"
    original = getattr(error, "orig", None) or error
    detail = str(original).strip().splitlines()[0] if str(original).strip() else found
    if found == "notadb":
        return DatabaseDamaged(
            f"{subject} is not a SQLite database ({detail}): it is damaged or another kind of "
            f"file; {RESTORE_HINT}, or give the right file with --db."
        )
    if found == "corrupt":
        return DatabaseDamaged(
            f"{subject} is damaged ({detail}): {CHECK_HINT}, and {RESTORE_HINT}."
        )
    if found == "full":
        return DiskFull(
            f"{subject} cannot grow: its disk is full ({detail}); free some space or prune old "
            "captures (`ecoaudit db prune`), then run the command again."
        )
    if found == "readonly":
        return DatabaseReadOnly(
            f"{subject} cannot be written ({detail}): give the user running ecoaudit write "
            "access to the file and to its folder."
        )
    if found == "ioerr":
        return DatabaseUnavailable(
            f"{subject} met a disk error ({detail}): check the disk's free space and health, "
            f"then {CHECK_HINT}."
        )
    return DatabaseUnavailable(
        f"{subject} cannot be opened ({detail}): check that the file and its folder exist and "
        "that the user running ecoaudit can read and write them."
    )


_RUN_FAILURES = {
    "full": ("the disk holding the database is full",
             "free some space (or prune old captures with `ecoaudit db prune`)"),
    "readonly": ("the database became read-only",
                 "give the user running ecoaudit write access to it again"),
    "ioerr": ("a disk error occurred", "check the disk's free space and health"),
}


def failure_words(error: BaseException) -> str:
    """What went wrong while writing, in a few words (stored as the run's reason)."""
    return _RUN_FAILURES.get(kind(error) or "", ("the database could not be written", ""))[0]


def run_stopped(error: BaseException, url: str, *, run_id: int, site: str,
                marked: bool) -> StoreError:
    """The error of a crawl whose run could not be written any more: what happened to the run
    (stopped, interrupted, nothing committed lost) and how to continue it."""
    found = kind(error) or ""
    what, fix = _RUN_FAILURES.get(found, ("the database could not be written", "fix it"))
    state = ("it was stopped and marked interrupted" if marked
             else "it was stopped and stays resumable")
    message = (
        f"Run {run_id} of {site} could not be written to {where(url)} because {what}: {state}, "
        f"with every page recorded before kept; {fix}, then continue it with "
        f"`ecoaudit crawl {site} --resume`."
    )
    error_class = {"full": DiskFull, "readonly": DatabaseReadOnly}.get(found, DatabaseUnavailable)
    stopped = error_class(message)
    stopped.run_id = run_id
    return stopped
