"""Damaged, read-only and foreign databases: every command that opens one says in one sentence
what is wrong and what to do, exits non-zero without a traceback, and changes nothing.

Read-only cases use a read-only bind mount as root (chmod does not stop root) and chmod for an
ordinary user (`small_filesystems.read_only`).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ecoaudit.cli import main
from ecoaudit.store import Store
from ecoaudit.store.errors import (
    DatabaseDamaged,
    DatabaseReadOnly,
    NotAnEcoauditDatabase,
    SchemaTooNew,
)
from small_filesystems import read_only
from store_damage_samples import filled_database, fingerprint

ECOAUDIT = str(Path(sys.executable).parent / "ecoaudit")
WRITING_COMMANDS = [
    ["runs"],
    ["report", "--out", "{folder}/reports"],
    ["export", "latest", "--site", "metz"],
    ["rescore", "latest", "--site", "metz"],
    ["crawl", "--url", "http://127.0.0.1:9/", "--no-report"],
    ["db", "prune", "--keep-captures", "90d"],
]
OPENING_COMMANDS = [*WRITING_COMMANDS, ["db", "backup", "--to", "{folder}/copy.db"]]


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
             *arguments: str) -> tuple[int, str]:
    """The real entry point in this process: (exit status, standard error)."""
    monkeypatch.setattr(sys, "argv", ["ecoaudit", *arguments])
    try:
        main()
    except SystemExit as exited:
        return exited.code or 0, capsys.readouterr().err
    return 0, capsys.readouterr().err


def assert_one_sentence(error: str, *expected: str) -> None:
    lines = [line for line in error.splitlines() if line.strip()]
    assert len(lines) == 1, error
    assert lines[0].startswith("Error: ") and "Traceback" not in error
    for words in expected:
        assert words in lines[0], lines[0]


def assert_every_command_refuses(monkeypatch, capsys, folder: Path, database: Path,
                                 *expected: str, commands: list = OPENING_COMMANDS) -> None:
    before = fingerprint(folder)
    for command in commands:
        arguments = [part.format(folder=folder) for part in command]
        status, error = run_main(monkeypatch, capsys, *arguments, "--db", str(database))
        assert status == 2, (command, error)
        assert_one_sentence(error, *expected)
        assert fingerprint(folder) == before, command  # nothing written, nothing changed


def test_a_file_that_is_not_a_database_is_refused_by_every_command(
        tmp_path, monkeypatch, capsys) -> None:
    database = tmp_path / "ecoaudit.db"
    database.write_bytes(b"\x89PNG garbage, not SQLite at all" * 20)
    assert_every_command_refuses(monkeypatch, capsys, tmp_path, database,
                                 "is not a SQLite database", "ecoaudit db restore FILE")


def test_a_truncated_database_is_refused_by_every_command(tmp_path, monkeypatch, capsys) -> None:
    database = filled_database(tmp_path / "ecoaudit.db")
    assert database.stat().st_size > 300_000
    with open(database, "r+b") as handle:
        handle.truncate(100_000)
    assert_every_command_refuses(monkeypatch, capsys, tmp_path, database,
                                 "is truncated (100,000 bytes where its header announces",
                                 "ecoaudit db restore FILE")


def test_a_malformed_database_is_one_sentence_wherever_the_damage_is_met(
        tmp_path, monkeypatch, capsys) -> None:
    database = filled_database(tmp_path / "ecoaudit.db")
    with open(database, "r+b") as handle:  # same size, pages in the middle overwritten
        handle.seek(4096 * 6)
        handle.write(b"\xff" * 4096 * 30)
    before = fingerprint(tmp_path)
    for command in (["runs"], ["report", "--out", str(tmp_path / "r")], ["export", "1"]):
        status, error = run_main(monkeypatch, capsys, *command, "--db", str(database))
        assert status == 2
        assert_one_sentence(error, "is damaged (database disk image is malformed)",
                            "ecoaudit db check", "ecoaudit db restore FILE")
    status, _ = run_main(monkeypatch, capsys, "db", "check", "--db", str(database))
    assert status == 1
    assert {name: digest for name, digest in fingerprint(tmp_path).items()
            if not name.endswith(("-wal", "-shm"))} == before


def test_the_installed_command_prints_no_traceback_for_a_damaged_file(tmp_path) -> None:
    database = tmp_path / "ecoaudit.db"
    database.write_bytes(b"garbage" * 100)
    done = subprocess.run([ECOAUDIT, "runs", "--db", str(database)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert_one_sentence(done.stderr, "is not a SQLite database")


def test_a_read_only_database_file_is_refused_and_left_as_it_was(
        tmp_path, monkeypatch, capsys) -> None:
    database = filled_database(tmp_path / "ecoaudit.db")
    backups = tmp_path / "backups"
    backups.mkdir()
    with read_only(database):
        with pytest.raises(DatabaseReadOnly, match="is read-only"):
            Store.open(str(database))
        assert_every_command_refuses(monkeypatch, capsys, tmp_path, database,
                                     f"The database file {database} is read-only",
                                     "write access", commands=WRITING_COMMANDS)
        # Reading is all a backup needs: the history can still be saved elsewhere.
        status, _ = run_main(monkeypatch, capsys, "db", "backup", "--to", str(backups),
                             "--db", str(database))
        assert status == 0
        status, _ = run_main(monkeypatch, capsys, "db", "check", "--db", str(database))
        assert status == 0
    (copy,) = backups.iterdir()
    status, _ = run_main(monkeypatch, capsys, "db", "check", "--db", str(copy))
    assert status == 0


def test_a_read_only_folder_is_refused_for_an_existing_and_a_new_database(
        tmp_path, monkeypatch, capsys) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    database = filled_database(folder / "ecoaudit.db")
    with read_only(folder):
        assert_every_command_refuses(monkeypatch, capsys, folder, database,
                                     f"The folder {folder} is read-only", "write access",
                                     commands=WRITING_COMMANDS)
        status, error = run_main(monkeypatch, capsys, "db", "backup", "--to",
                                 str(folder / "copy.db"), "--db", str(database))
        assert status == 2
        assert_one_sentence(error, "Cannot copy", "nothing was changed")
        with pytest.raises(DatabaseReadOnly, match=r"cannot create the database file new\.db"):
            Store.open(str(folder / "new.db"))
    assert not (folder / "new.db").exists()


def test_a_database_from_a_newer_ecoaudit_is_refused_and_never_migrated_down(
        tmp_path, monkeypatch, capsys) -> None:
    database = filled_database(tmp_path / "ecoaudit.db")
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    connection.close()
    before = fingerprint(tmp_path)
    with pytest.raises(SchemaTooNew, match="written by a newer ecoaudit"):
        Store.open(str(database))
    for command in (["runs"], ["crawl", "--url", "http://127.0.0.1:9/", "--no-report"]):
        status, error = run_main(monkeypatch, capsys, *command, "--db", str(database))
        assert status == 2
        assert_one_sentence(error, "schema revision 0099", "upgrade ecoaudit",
                            "never migrated down")
    assert fingerprint(tmp_path) == before  # no copy taken, nothing migrated
    status, _ = run_main(monkeypatch, capsys, "db", "check", "--db", str(database))
    assert status == 1


def test_a_sqlite_file_of_another_application_is_not_touched(tmp_path, monkeypatch,
                                                             capsys) -> None:
    database = tmp_path / "inventory.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO items (name) VALUES ('chaise')")
    connection.close()
    before = fingerprint(tmp_path)
    status, error = run_main(monkeypatch, capsys, "runs", "--db", str(database))
    assert status == 2
    assert_one_sentence(error, "is not an ecoaudit database", "items")
    assert fingerprint(tmp_path) == before


def test_damage_found_at_open_is_a_store_error_for_api_users(tmp_path) -> None:
    database = tmp_path / "ecoaudit.db"
    database.write_bytes(b"not sqlite" * 50)
    with pytest.raises(DatabaseDamaged):
        Store.open(str(database))


@pytest.mark.postgres
def test_a_shared_postgresql_database_is_used_unless_its_tables_clash(postgres_server) -> None:
    import psycopg

    shared = postgres_server.create_database("shared_with_others")
    clashing = postgres_server.create_database("clashing_tables")
    for url, table in ((shared, "inventory"), (clashing, "runs")):
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f"CREATE TABLE {table} (id integer)")
    with Store.open(shared) as store:
        assert store.list_runs() == []
    with pytest.raises(NotAnEcoauditDatabase, match="it has other tables: runs"):
        Store.open(clashing)
