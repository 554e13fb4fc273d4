"""Apply the Alembic migrations shipped in `ecoaudit.migrations`, programmatically, on open.

Safe when several processes open the same new database at once: the upgrade runs in one write
transaction (SQLite's write lock, or a PostgreSQL advisory lock), so the second process waits
and then finds the schema up to date.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection, Engine

from ecoaudit.store.database import writer
from ecoaudit.store.errors import StoreError

SCRIPT_LOCATION = "ecoaudit:migrations"
POSTGRES_MIGRATION_LOCK_KEY = 4_242_001  # any constant shared by all ecoaudit processes


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str | None:
    """The newest migration this version of ecoaudit knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The migration the database is at (None for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database schema to the newest migration; does nothing when already there."""
    head = head_revision()
    with engine.connect() as connection:
        if current_revision(connection) == head:
            return
    config = alembic_config()
    with writer(engine).begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"),
                {"key": POSTGRES_MIGRATION_LOCK_KEY},
            )
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, "head")
        except CommandError as error:
            raise StoreError(
                f"The database schema is at a revision this ecoaudit does not know ({error}): "
                "upgrade ecoaudit, or use another database."
            ) from None
