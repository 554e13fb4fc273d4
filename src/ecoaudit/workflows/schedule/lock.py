"""One scheduler per database: a lock that the operating system or the server frees on death.

SQLite: an exclusive `flock` on a file next to the database (`<db>.scheduler-lock`), holding the
owner's host and pid for the error message. The kernel drops the lock when the process ends, even
on kill -9, so there is no stale lock to clean up. (flock is local: a database on a network share
used from two machines is not protected; SQLite itself advises against that set-up.)

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated connection
for the scheduler's lifetime; the server drops it when that session ends, and the connection's
application_name names the owner. Advisory locks are scoped to the database, so two databases on
one server each have their own scheduler.
"""

from __future__ import annotations

import contextlib
import fcntl
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ecoaudit.errors import EcoauditError
from ecoaudit.store.owner import process_label

# Advisory lock key: an arbitrary constant, "ecoaudit" read as digits on a phone keypad.
ADVISORY_LOCK_KEY = 32_628_248
LOCK_SUFFIX = ".scheduler-lock"


class SchedulerBusy(EcoauditError):
    """Another scheduler already runs against the same database."""


class SchedulerLock:
    """Hold with `with SchedulerLock(store.engine):` or `acquire()` / `release()`.

    Keep a reference while holding it: the lock goes with the object's file or connection.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._file: TextIO | None = None
        self._connection: Connection | None = None

    @property
    def lock_path(self) -> Path | None:
        """The lock file of a SQLite database, None for other databases."""
        if self.engine.dialect.name != "sqlite":
            return None
        database = self.engine.url.database
        if not database or database == ":memory:":
            raise EcoauditError("The scheduler needs a database file, not an in-memory database: "
                                "give --db FILE.")
        return Path(database).resolve().with_name(Path(database).name + LOCK_SUFFIX)

    def acquire(self) -> None:
        """Take the lock, or raise SchedulerBusy naming the owner."""
        if self.engine.dialect.name == "sqlite":
            self._acquire_file()
        elif self.engine.dialect.name == "postgresql":
            self._acquire_advisory()
        else:
            raise EcoauditError(f"The scheduler supports SQLite and PostgreSQL databases, not "
                                f"{self.engine.dialect.name}.")

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"),
                                         {"key": ADVISORY_LOCK_KEY})
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._connection.close()
            self._connection = None

    def __enter__(self) -> SchedulerLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def _acquire_file(self) -> None:
        path = self.lock_path
        assert path is not None  # acquire() takes a file lock for SQLite databases only
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "an unknown process"
            handle.close()
            raise SchedulerBusy(f"Another scheduler ({owner}) already runs against {path.stem}: "
                                "stop it first, or use another database.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{process_label()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        handle.flush()
        self._file = handle

    def _acquire_advisory(self) -> None:
        connection = self.engine.connect()
        try:
            connection.execute(sa.text("SELECT set_config('application_name', :name, false)"),
                               {"name": f"ecoaudit scheduler {process_label()}"[:63]})
            taken = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"),
                                       {"key": ADVISORY_LOCK_KEY}).scalar()
            connection.commit()
        except BaseException:
            connection.close()
            raise
        if not taken:
            owner = self._advisory_owner(connection) or "another session"
            connection.close()
            raise SchedulerBusy(f"Another scheduler ({owner}) already runs against database "
                                f"{self.engine.url.database}: stop it first, or use another "
                                "database.")
        self._connection = connection

    @staticmethod
    def _advisory_owner(connection: Connection) -> str | None:
        query = sa.text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = :key "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            name = connection.execute(query, {"key": ADVISORY_LOCK_KEY}).scalar()
            return name.removeprefix("ecoaudit scheduler ") if name else None
        return None
