"""`ecoaudit db check`: is the database sound, at which schema, and what does it hold?

SQLite: the file's header is read first (not SQLite, cut short), then the file is opened
read-only (never changed, never migrated) for `PRAGMA quick_check` (`integrity_check` with
`full`) and `foreign_key_check`. PostgreSQL: the connection itself is checked. On both: the schema
version against this ecoaudit's, ecoaudit's own consistency (each page has its capture unless its
run was pruned), and what the database holds: runs, pages, captures, size, oldest and newest run.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError

from ecoaudit.store.database import display_url, make_engine, resolve_url, sqlite_connection
from ecoaudit.store.errors import DatabaseDamaged, DatabaseUnavailable
from ecoaudit.store.migrate import head_revision, known_revisions
from ecoaudit.store.sqlite_copy import integrity_problems, readonly_uri
from ecoaudit.store.sqlite_file import check_damage, has_pending_wal, size_on_disk

PROBLEM_LINES = 5


@dataclass
class HealthReport:
    """What `db check` found. `healthy` is False when anything in `problems` was found."""

    database: str
    backend: str
    check: str
    integrity: str | None = None  # SQLite: "ok" or "damage found"; None when not run
    damaged: bool = False  # a problem a backup can fix (as opposed to, say, a newer schema)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    schema_version: str | None = None
    schema_head: str | None = None
    runs: int | None = None
    pages: int | None = None
    captures: int | None = None
    pruned_runs: int | None = None
    size_bytes: int | None = None
    free_bytes: int | None = None  # SQLite: space inside the file reusable by new data
    oldest_run: str | None = None
    newest_run: str | None = None

    @property
    def healthy(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"healthy": self.healthy}


def check_database(url: str | None = None, *, full: bool = False) -> HealthReport:
    """Check the database at `url` ($ECOAUDIT_DB, ./ecoaudit.db) without changing it.

    Raises DatabaseUnavailable (a usage error) when a SQLite file does not exist; every other
    problem is in the report.
    """
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        return _check_sqlite(Path(parsed.database or ""), full)
    return _check_server(resolved)


def _check_sqlite(path: Path, full: bool) -> HealthReport:
    if not path.is_file():
        raise DatabaseUnavailable(
            f"There is no database file {path}: give the right file with --db or ECOAUDIT_DB."
        )
    report = HealthReport(database=str(path), backend="sqlite",
                          check="integrity_check" if full else "quick_check",
                          schema_head=head_revision(), size_bytes=size_on_disk(path))
    try:
        check_damage(path)
    except DatabaseDamaged as damaged:
        report.problems.append(str(damaged))
        report.damaged = True
        return report
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        report.warnings.append("The file or its folder is read-only: crawls cannot write to it.")
    engine = sa.create_engine("sqlite://", creator=lambda: _open_readonly(path),
                              poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            raw = sqlite_connection(connection.connection)
            problems = [line for row in integrity_problems(raw, full=full)
                        for line in row.splitlines() if line.strip()]
            report.integrity = "damage found" if problems else "ok"
            report.damaged = bool(problems)
            if problems:
                shown = problems[:PROBLEM_LINES]
                more = len(problems) - len(shown)
                report.problems.append(
                    f"SQLite's {report.check} found damage: {'; '.join(shown)}"
                    + (f" (and {more} more)" if more else "")
                )
            broken_links = raw.execute("PRAGMA foreign_key_check").fetchall()
            if broken_links:
                report.damaged = True
                report.problems.append(
                    f"{len(broken_links)} rows refer to rows that no longer exist."
                )
            free_pages = raw.execute("PRAGMA freelist_count").fetchone()[0]
            page_size = raw.execute("PRAGMA page_size").fetchone()[0]
            report.free_bytes = int(free_pages) * int(page_size)
            _describe(connection, report)
    except (DBAPIError, sqlite3.Error) as error:
        original = getattr(error, "orig", None) or error
        report.damaged = True
        report.problems.append(f"SQLite cannot read the database: {original}.")
    finally:
        engine.dispose()
    return report


def _open_readonly(path: Path) -> sqlite3.Connection:
    """Read-only; `immutable` when the folder is read-only too (SQLite could not create the
    files WAL mode needs to read), in which case a pending write-ahead log is not seen."""
    uri = readonly_uri(path)
    if not os.access(path.parent, os.W_OK) and not has_pending_wal(path):
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, timeout=30)


def _check_server(url: str) -> HealthReport:
    report = HealthReport(database=display_url(url), backend=make_url(url).get_backend_name(),
                          check="connection", schema_head=head_revision())
    engine: Engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _describe(connection, report)
            if engine.dialect.name == "postgresql":
                report.size_bytes = connection.execute(
                    sa.text("SELECT pg_database_size(current_database())")).scalar()
    except DBAPIError as error:
        original = getattr(error, "orig", None) or error
        first_line = str(original).strip().splitlines()[0] if str(original).strip() else "?"
        report.problems.append(
            f"Cannot use the database ({first_line}): check the URL and that the server runs."
        )
    finally:
        engine.dispose()
    return report


def _describe(connection: Connection, report: HealthReport) -> None:
    """Schema version, ecoaudit's own consistency, and the counts of what the database holds."""
    tables = set(sa.inspect(connection).get_table_names())
    if "alembic_version" not in tables:
        if tables:
            report.problems.append("This is not an ecoaudit database: it has other tables and "
                                   "no ecoaudit schema version.")
        else:
            report.warnings.append("The database is empty: ecoaudit creates its tables on the "
                                   "first crawl.")
        return
    report.schema_version = connection.execute(
        sa.text("SELECT version_num FROM alembic_version")).scalar()
    if report.schema_version not in known_revisions():
        report.problems.append(
            f"The schema ({report.schema_version}) was written by a newer ecoaudit than this one "
            f"(which knows up to {report.schema_head}): upgrade ecoaudit to use this database."
        )
        return
    if report.schema_version != report.schema_head:
        report.warnings.append(
            f"The schema ({report.schema_version}) is older than this ecoaudit's "
            f"({report.schema_head}): it is upgraded on the next open, after a copy is taken."
        )
    count = _counter(connection)
    report.runs, report.pages, report.captures = count("runs"), count("pages"), count("captures")
    pruned = "captures_pruned_at" in {c["name"] for c in sa.inspect(connection).get_columns("runs")}
    report.pruned_runs = count("runs", "captures_pruned_at IS NOT NULL") if pruned else 0
    oldest, newest = connection.execute(
        sa.text("SELECT min(started_at), max(started_at) FROM runs")).one()
    report.oldest_run, report.newest_run = iso_moment(oldest), iso_moment(newest)
    not_pruned = "AND r.captures_pruned_at IS NULL" if pruned else ""
    orphans = connection.execute(sa.text(
        "SELECT count(*) FROM pages p JOIN runs r ON r.id = p.run_id WHERE NOT EXISTS "
        f"(SELECT 1 FROM captures c WHERE c.page_id = p.id) {not_pruned}")).scalar()
    if orphans:
        report.damaged = True
        report.problems.append(f"{orphans} pages have lost their stored capture.")
    miscounted = connection.execute(sa.text(
        "SELECT count(*) FROM runs r WHERE r.pages_ok + r.pages_failed <> "
        "(SELECT count(*) FROM pages p WHERE p.run_id = r.id)")).scalar()
    if miscounted:
        report.damaged = True
        report.problems.append(f"{miscounted} runs count a number of pages they do not hold.")


def _counter(connection: Connection):
    def count(table: str, condition: str | None = None) -> int:
        where = f" WHERE {condition}" if condition else ""
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}{where}")).scalar_one())

    return count


def iso_moment(value: Any) -> str | None:
    """A stored time (a datetime, or SQLite's text) as ISO 8601 UTC to the second."""
    if value is None:
        return None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat(timespec="seconds")
    return str(value)
