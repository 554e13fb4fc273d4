"""Opening a database: URLs, migrations applied on open, SQLite settings, clear errors."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ecoaudit.store import DatabaseUnavailable, Store, StoreError, resolve_url
from ecoaudit.store.database import make_engine, writer
from ecoaudit.store.migrate import alembic_config, head_revision
from ecoaudit.store.models import Base
from store_samples import sample_capture

TABLES = {"sites", "runs", "pages", "captures", "findings", "documents", "duplicates",
          "queued_runs", "frontier", "host_leases", "host_pace", "users", "audit_log",
          "login_attempts", "jobs", "alembic_version"}


def test_migrations_create_every_table_in_an_empty_database(store_url: str) -> None:
    with Store.open(store_url) as store, store.engine.connect() as connection:
        assert set(sa.inspect(connection).get_table_names()) == TABLES
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert version == head_revision()


def test_opening_again_keeps_data_and_schema(store_url: str) -> None:
    with Store.open(store_url) as store:
        run_id = store.start_run("metz", settings={}, protocol={})
        store.record_page(run_id, capture=sample_capture("/"))
    with Store.open(store_url) as store, store.engine.connect() as connection:
        assert len(store.page_summaries(run_id)) == 1
        versions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    assert [row[0] for row in versions] == [head_revision()]


def test_migrations_describe_the_same_schema_as_the_models(store_url: str) -> None:
    with Store.open(store_url) as store, store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_a_database_from_a_newer_ecoaudit_is_refused_clearly(store_url: str) -> None:
    with Store.open(store_url) as store, store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StoreError, match="upgrade ecoaudit"):
        Store.open(store_url)


def test_sqlite_is_opened_in_wal_mode_with_a_busy_timeout(tmp_path) -> None:
    with Store.open(str(tmp_path / "audit.db")) as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_database_url_comes_from_argument_then_environment_then_default(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOAUDIT_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_url(None) == "sqlite:///ecoaudit.db"
    monkeypatch.setenv("ECOAUDIT_DB", "postgres://u:p@127.0.0.1/db")
    assert resolve_url(None) == "postgresql+psycopg://u:p@127.0.0.1/db"
    assert resolve_url("data.db") == f"sqlite:///{tmp_path / 'data.db'}"
    assert resolve_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_default_database_is_ecoaudit_db_in_the_current_folder(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOAUDIT_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    Store.open().close()
    assert (tmp_path / "ecoaudit.db").exists()


def test_unreachable_postgresql_is_one_sentence_and_quick() -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable, match="Cannot open the database") as raised:
        Store.open("postgresql://nobody:secret@127.0.0.1:1/nothing")
    assert "secret" not in str(raised.value)
    assert time.monotonic() - started < 15


def test_missing_folder_bad_url_and_missing_file_are_clear_errors(tmp_path) -> None:
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        Store.open(str(tmp_path / "no" / "such" / "folder.db"))
    with pytest.raises(DatabaseUnavailable, match="driver that is not installed"):
        Store.open("oracle+nothing://x/y")
    with pytest.raises(DatabaseUnavailable, match="There is no database file"):
        Store.open(str(tmp_path / "absent.db"), create=False)
    assert not (tmp_path / "absent.db").exists()


def test_upgrading_a_database_from_the_first_revision_keeps_its_runs(store_url: str) -> None:
    engine = make_engine(store_url)
    with writer(engine).begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(sa.text(
            "INSERT INTO sites (id, name, site_group, config, created_at, updated_at) "
            "VALUES (1, 'metz', 'own', '{}', :now, :now)"), {"now": "2025-01-01 00:00:00"})
        connection.execute(sa.text(
            "INSERT INTO runs (id, site_id, started_at, status, settings, protocol, pages_ok, "
            "pages_failed, documents_count, resumed_count) "
            "VALUES (7, 1, :now, 'completed', '{}', '{}', 0, 0, 0, 0)"),
            {"now": "2025-01-01 00:00:00"})
    engine.dispose()
    with Store.open(store_url) as store:
        run = store.run(7)
        assert (run["site"], run["status"], run["rescored_at"]) == ("metz", "completed", None)
        assert run["started_at"].startswith("2025-01-01T00:00:00")
        store.mark_rescored(7)
        assert store.run(7)["rescored_at"] is not None
