"""Safe migrations of a SQLite file: a verified copy first, kept until the next open that finds
the schema up to date; a migration that fails, or a process killed with `kill -9` in the middle
of one, leaves the database exactly as it was.

The failing and the slow migrations are real Alembic revisions added after the shipped ones, in
a copy of `ecoaudit/migrations` that the test points ecoaudit to.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

import ecoaudit.migrations
from ecoaudit.store import Store, migrate
from ecoaudit.store.database import make_engine, writer
from ecoaudit.store.errors import MigrationFailed
from ecoaudit.store.migrate import alembic_config, head_revision, pre_migration_copies
from store_damage_samples import filled_database

TEST_REVISION = '''"""A test migration: adds and fills a column, then fails, hangs or ends well."""
import os
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("extra", sa.Integer(), nullable=True))
    op.execute("UPDATE pages SET extra = 1")
    mode = os.environ.get("ECOAUDIT_TEST_MIGRATION", "ok")
    if mode == "fail":
        raise RuntimeError("made to fail")
    if mode == "hang":
        Path(os.environ["ECOAUDIT_TEST_MARKER"]).write_text("in the middle")
        time.sleep(120)


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("extra")
'''

OPEN_WITH_TEST_MIGRATIONS = """
import sys
from ecoaudit.store import Store, migrate
migrate.SCRIPT_LOCATION = sys.argv[1]
Store.open(sys.argv[2]).close()
"""


@pytest.fixture
def test_migrations(tmp_path: Path) -> Path:
    """ecoaudit's migrations plus revision 9001, in a folder of their own."""
    folder = tmp_path / "migrations"
    shutil.copytree(Path(ecoaudit.migrations.__file__).parent, folder,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "9001_test.py").write_text(
        TEST_REVISION.format(head=head_revision()), encoding="utf-8")
    return folder


def dump(database: Path) -> list[str]:
    """Every table's schema and rows, as SQL."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return list(connection.iterdump())


def revision(database: Path) -> str:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def open_with(migrations: Path, database: Path, mode: str, **kwargs) -> subprocess.Popen:
    environment = {**os.environ, "ECOAUDIT_TEST_MIGRATION": mode,
                   "ECOAUDIT_TEST_MARKER": str(database.parent / "marker")}
    return subprocess.Popen([sys.executable, "-c", OPEN_WITH_TEST_MIGRATIONS, str(migrations),
                             str(database)], env=environment, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def test_a_failing_migration_leaves_the_database_exactly_as_it_was(
        tmp_path: Path, test_migrations: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = filled_database(tmp_path / "ecoaudit.db")
    before = dump(database)
    shipped = head_revision()
    monkeypatch.setattr(migrate, "SCRIPT_LOCATION", str(test_migrations))
    monkeypatch.setenv("ECOAUDIT_TEST_MIGRATION", "fail")
    with pytest.raises(MigrationFailed) as failed:
        Store.open(str(database))
    (copy,) = pre_migration_copies(database)
    message = str(failed.value)
    assert f"from schema {shipped} to 9001 failed (made to fail)" in message
    assert "left exactly as it was" in message and str(copy) in message
    assert dump(database) == before and revision(database) == shipped
    assert dump(copy) == before  # the copy is the database as it was, verified

    monkeypatch.setattr(migrate, "SCRIPT_LOCATION", "ecoaudit:migrations")
    with Store.open(str(database)) as store:  # the shipped schema: opens as before
        assert len(store.list_runs()) == 2
    assert pre_migration_copies(database) == []  # a successful open: the copy goes


def test_a_migration_killed_with_kill_9_leaves_the_database_as_it_was(
        tmp_path: Path, test_migrations: Path) -> None:
    database = filled_database(tmp_path / "ecoaudit.db")
    before = dump(database)
    migrating = open_with(test_migrations, database, "hang", start_new_session=True)
    marker = tmp_path / "marker"
    deadline = time.monotonic() + 60
    while not marker.exists():  # the column is added and filled, not yet committed
        assert migrating.poll() is None, migrating.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(migrating.pid, signal.SIGKILL)
    migrating.wait(10)

    assert dump(database) == before and revision(database) == head_revision()
    (copy,) = pre_migration_copies(database)
    assert dump(copy) == before

    finished = open_with(test_migrations, database, "ok")
    assert finished.wait(60) == 0, finished.communicate()
    assert revision(database) == "9001"
    with contextlib.closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT count(*), min(extra) FROM pages").fetchone() == (60, 1)
    assert len(pre_migration_copies(database)) == 2  # kept until the next successful open
    again = open_with(test_migrations, database, "ok")
    assert again.wait(60) == 0, again.communicate()
    assert pre_migration_copies(database) == []


def test_the_shipped_migration_of_an_older_database_takes_a_copy_first(tmp_path: Path) -> None:
    database = tmp_path / "ecoaudit.db"
    engine = make_engine(f"sqlite:///{database}")
    with writer(engine).begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        connection.execute(sa.text(
            "INSERT INTO sites (id, name, site_group, config, created_at, updated_at) "
            "VALUES (1, 'metz', 'own', '{}', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"))
        connection.execute(sa.text(
            "INSERT INTO runs (id, site_id, started_at, status, settings, protocol, pages_ok, "
            "pages_failed, documents_count, resumed_count) "
            "VALUES (7, 1, '2025-01-01 00:00:00', 'completed', '{}', '{}', 0, 0, 0, 0)"))
    engine.dispose()
    before = dump(database)
    with Store.open(str(database)) as store:
        assert store.run(7)["captures_pruned_at"] is None
    (copy,) = pre_migration_copies(database)
    assert copy.name.startswith("ecoaudit.pre-migration-0003-")
    assert dump(copy) == before and revision(copy) == "0003"
    assert revision(database) == head_revision()
    Store.open(str(database)).close()
    assert pre_migration_copies(database) == []
