"""Apply the Alembic migrations shipped in `ecoaudit.migrations`, programmatically, on open.

Safe when several processes open the same new database at once: the upgrade runs in one write
transaction (SQLite's write lock, or a PostgreSQL advisory lock), so the second process waits
and then finds the schema up to date.

Safe for the history too:

- a database whose schema is *ahead* of this ecoaudit (written by a newer version) is refused,
  never migrated down;
- a database that has tables but no ecoaudit schema version is refused, never written to (on
  PostgreSQL, only when they bear ecoaudit's table names: a database may be shared);
- before a SQLite file is migrated, a verified copy is taken next to it
  (`<name>.pre-migration-<revision>-<UTC time>.db`), kept until the next open that finds the
  schema up to date; the migration runs in one transaction, so a migration that fails, or a
  process killed in the middle, leaves the database exactly as it was.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from ecoaudit.store.database import is_sqlite, writer
from ecoaudit.store.errors import BackupError, MigrationFailed, NotAnEcoauditDatabase, SchemaTooNew
from ecoaudit.store.failures import translate, where
from ecoaudit.store.models import Base
from ecoaudit.store.sqlite_copy import copy_database

log = logging.getLogger(__name__)

SCRIPT_LOCATION = "ecoaudit:migrations"
POSTGRES_MIGRATION_LOCK_KEY = 4_242_001  # any constant shared by all ecoaudit processes
PRE_MIGRATION_MARK = ".pre-migration-"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str | None:
    """The newest migration this version of ecoaudit knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    """Every migration this version of ecoaudit knows."""
    return {script.revision for script in ScriptDirectory.from_config(alembic_config())
            .walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The migration the database is at (None for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def pre_migration_copies(database: Path) -> list[Path]:
    """The copies taken before migrations of this SQLite file, oldest first."""
    pattern = f"{database.stem}{PRE_MIGRATION_MARK}*{database.suffix or '.db'}"
    return sorted(database.parent.glob(pattern))


def check_revision(revision: str | None, url: str) -> None:
    """SchemaTooNew when the database is at a revision this ecoaudit does not know."""
    if revision is not None and revision not in known_revisions():
        raise SchemaTooNew(
            f"The database {where(url)} was written by a newer ecoaudit (schema revision "
            f"{revision}; this one knows up to {head_revision()}): upgrade ecoaudit to use it; "
            "it is never migrated down, and was not changed."
        )


def check_ecoaudit_tables(connection: Connection, url: str) -> None:
    """NotAnEcoauditDatabase when a database without a schema version already has tables: any
    table in a SQLite file (it is the wrong file), one of ecoaudit's table names elsewhere (a
    PostgreSQL database may be shared with other applications)."""
    tables = {name for name in sa.inspect(connection).get_table_names()
              if name != "alembic_version"}
    if connection.dialect.name != "sqlite":
        tables &= set(Base.metadata.tables)
    if tables:
        shown = ", ".join(sorted(tables)[:5])
        raise NotAnEcoauditDatabase(
            f"The database {where(url)} is not an ecoaudit database (it has other tables: "
            f"{shown}, and no ecoaudit schema version): give the right one with --db; it was "
            "not changed."
        )


def upgrade(engine: Engine) -> None:
    """Bring the database schema to the newest migration; does nothing when already there."""
    head = head_revision()
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as connection:
        current = current_revision(connection)
        if current == head:
            _forget_pre_migration_copies(engine)
            return
        check_revision(current, url)
        if current is None:
            check_ecoaudit_tables(connection, url)
    with writer(engine).begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"),
                {"key": POSTGRES_MIGRATION_LOCK_KEY},
            )
        current = current_revision(connection)  # again, now that the write lock is held
        if current == head:
            return
        check_revision(current, url)
        copy = _pre_migration_copy(engine, current)
        config = alembic_config()
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, "head")
        except Exception as error:
            # Leaving the `with` block rolls the whole migration back.
            raise _failure(error, url, current, head, copy) from None
    log.info("Database %s migrated from schema %s to %s", where(url), current, head)


def _failure(error: Exception, url: str, current: str | None, head: str | None,
             copy: Path | None) -> Exception:
    storage = translate(error, url)
    if storage is not None:
        return storage
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    kept = f" (a copy taken before is at {copy})" if copy else ""
    return MigrationFailed(
        f"Upgrading the database {where(url)} from schema {current or 'empty'} to {head} failed "
        f"({detail}): it was left exactly as it was{kept}; keep using the previous ecoaudit "
        "version and report the problem."
    )


def _sqlite_file(engine: Engine) -> Path | None:
    database = engine.url.database
    if not is_sqlite(engine) or not database or database == ":memory:":
        return None
    return Path(database)


def _pre_migration_copy(engine: Engine, current: str | None) -> Path | None:
    """A verified copy of a SQLite file holding data, taken before it is migrated."""
    database = _sqlite_file(engine)
    if database is None or current is None:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    copy = database.with_name(
        f"{database.stem}{PRE_MIGRATION_MARK}{current}-{stamp}{database.suffix or '.db'}"
    )
    try:
        copy_database(database, copy)
    except BackupError as error:
        raise MigrationFailed(
            f"This ecoaudit must upgrade the schema of {database} (from revision {current}), and "
            f"first copies it, but the copy failed: {error}"
        ) from None
    log.warning("Database %s is being migrated from schema %s; a copy was taken first: %s",
                database, current, copy)
    return copy


def _forget_pre_migration_copies(engine: Engine) -> None:
    """The database opened at the newest schema: the copies taken before migrating it go."""
    database = _sqlite_file(engine)
    if database is None:
        return
    for copy in pre_migration_copies(database):
        try:
            copy.unlink()
            log.info("Pre-migration copy %s removed: the migrated database opened fine", copy)
        except OSError as error:
            log.warning("Pre-migration copy %s could not be removed: %s", copy, error)
