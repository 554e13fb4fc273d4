"""Engine set-up: which database to open, and how to open it safely for concurrent writers.

SQLite is tuned for two processes writing at once (a scheduler and a CLI crawl): WAL journal
(switched on by `Store.open` once the file is known to be ecoaudit's), a busy timeout, FULL
synchronous writes (a power cut loses nothing already committed) and write transactions that
take the write lock up front (`BEGIN IMMEDIATE`), so the busy timeout applies instead of an
immediate "database is locked". Writes are retried on a lock error.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import PoolProxiedConnection

from ecoaudit.store.errors import DatabaseUnavailable

ENV_VARIABLE = "ECOAUDIT_DB"
DEFAULT_URL = "sqlite:///ecoaudit.db"
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10
WRITE_ATTEMPTS = 8

T = TypeVar("T")


def resolve_url(url: str | None = None) -> str:
    """The SQLAlchemy URL to open: `url`, else $ECOAUDIT_DB, else ./ecoaudit.db.

    A bare file path means a SQLite file; `postgresql://` and `postgres://` use psycopg 3.
    """
    raw = (url or os.environ.get(ENV_VARIABLE) or DEFAULT_URL).strip()
    if "://" not in raw:
        return "sqlite:///" + str(Path(raw).expanduser().resolve())
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for `url` (already resolved); raises DatabaseUnavailable for a bad URL."""
    try:
        parsed: URL = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"'{url}' is not a database URL: give a file path or a URL such as "
            "postgresql://user@host/dbname with --db or ECOAUDIT_DB."
        ) from None
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed)
        connect_args = {}
        if parsed.get_backend_name() == "postgresql":
            connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        return sa.create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except (NoSuchModuleError, ImportError):
        raise DatabaseUnavailable(
            f"The database URL {display_url(url)} names a database driver that is not "
            "installed: use a SQLite file path or a postgresql:// URL."
        ) from None


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        folder = Path(url.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise DatabaseUnavailable(
                f"The folder {folder} of the database file does not exist: create it or "
                "choose another path with --db or ECOAUDIT_DB."
            )
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    # Let us emit BEGIN ourselves (the driver's implicit BEGIN is always DEFERRED).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def sqlite_connection(raw: PoolProxiedConnection) -> sqlite3.Connection:
    """The sqlite3 connection under `raw`, a connection checked out of a SQLite engine and not
    yet closed (SQLAlchemy's `driver_connection` is None only once it is closed or invalidated).
    """
    connection = raw.driver_connection
    assert connection is not None, "a checked-out connection has its driver connection"
    return connection


WAL_SWITCH_SECONDS = 30.0  # how long a new file's switch to WAL may wait for the other openers


def use_wal(engine: Engine) -> None:
    """Switch a SQLite database to WAL mode (a setting kept in the file, so done once, when
    the file is known to be an ecoaudit database: a foreign file is never rewritten).

    Processes opening the same new file at once race for the switch, which needs the file to
    itself: each try waits a second at most, then looks again, on a fresh connection, whether
    another process has switched it meanwhile (its open connection would block ours forever).
    """
    if not is_sqlite(engine):
        return
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        raw = engine.raw_connection()  # outside any transaction, as SQLite requires
        connection = sqlite_connection(raw)
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            connection.execute("PRAGMA busy_timeout = 1000")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
            return
        except sqlite3.OperationalError as error:
            raw.invalidate()  # its view may predate another's switch: a fresh one next try
            if not is_lock_error(error) or time.monotonic() > deadline:
                raise
        finally:
            raw.close()
        time.sleep(0.1 * (1 + random.random()))


def _begin_sqlite_transaction(connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take SQLite's write lock when they begin."""
    if is_sqlite(engine):
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


def is_lock_error(error: BaseException) -> bool:
    """True for SQLite's "database is locked"/busy and PostgreSQL serialisation/deadlock errors."""
    text = str(getattr(error, "orig", error)).lower()
    return any(
        marker in text
        for marker in ("database is locked", "database table is locked", "database is busy",
                       "deadlock detected", "could not serialize")
    )


def retry_on_lock(action: Callable[[], T], *, retry_integrity: bool = False) -> T:
    """Run `action` (one whole transaction), again after a lock error, with growing pauses.

    With `retry_integrity`, a unique-constraint race (two writers inserting the same key) is
    retried once too: the second attempt finds the row and updates it.
    """
    pause = 0.05
    integrity_retried = False
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return action()
        except OperationalError as error:
            if not is_lock_error(error) or attempt == WRITE_ATTEMPTS:
                raise
        except IntegrityError:
            if not retry_integrity or integrity_retried:
                raise
            integrity_retried = True
        time.sleep(pause * (1 + random.random()))
        pause = min(pause * 2, 2.0)
    raise AssertionError("unreachable")  # pragma: no cover
