"""`ecoaudit db backup`, `db restore` and `db check` on real SQLite files, and on the real
PostgreSQL server (pg_dump) where they claim to work there."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ecoaudit.store import Store
from ecoaudit.store.backup import backup_database, dated_backups
from ecoaudit.store.errors import BackupError
from ecoaudit.store.health import check_database
from ecoaudit.store.restore import restore_database
from store_damage_samples import filled_database, fingerprint
from test_store_damage import assert_one_sentence, run_main

ECOAUDIT = str(Path(sys.executable).parent / "ecoaudit")
MORNING = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def completed_runs(database: Path) -> list[tuple[int, int]]:
    """(id, pages) of the completed runs, read without changing the file."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return connection.execute(
            "SELECT r.id, count(p.id) FROM runs r LEFT JOIN pages p ON p.run_id = r.id "
            "WHERE r.status = 'completed' GROUP BY r.id ORDER BY r.id").fetchall()


# -- backup ------------------------------------------------------------------------------------


def test_backups_are_dated_checked_single_files_and_only_the_last_n_are_kept(
        tmp_path: Path, monkeypatch, capsys) -> None:
    database = filled_database(tmp_path / "ecoaudit.db", runs=1, pages=5)
    folder = tmp_path / "backups"
    folder.mkdir()
    killed = folder / "ecoaudit-20250101-020000.db.partial"  # a backup killed long ago
    in_progress = folder / "ecoaudit-20260301-015959.db.partial"  # one running right now
    for partial in (killed, in_progress):
        partial.write_bytes(b"half a copy")
    os.utime(killed, (time.time() - 3 * 86400,) * 2)
    made = [backup_database(str(database), keep=3, now=MORNING + timedelta(days=day))
            for day in range(4)]
    assert not killed.exists() and in_progress.exists()
    in_progress.unlink()
    assert [path.name for path in dated_backups(folder, "ecoaudit", ".db")] == [
        "ecoaudit-20260302-020000.db", "ecoaudit-20260303-020000.db",
        "ecoaudit-20260304-020000.db"]
    assert made[-1].removed == [folder / "ecoaudit-20260301-020000.db"]
    assert made[-1].runs == 1 and made[-1].verified == "quick_check"
    newest = made[-1].path
    assert newest.read_bytes()[18:20] == b"\x01\x01"  # a rollback-journal file: no -wal needed
    assert check_database(str(newest)).healthy
    # Two backups within the same second do not overwrite each other.
    again = backup_database(str(database), keep=10, now=MORNING + timedelta(days=3))
    assert again.path.name == "ecoaudit-20260304-020000-2.db"
    assert dated_backups(folder, "ecoaudit", ".db")[-1] == again.path
    status, _ = run_main(monkeypatch, capsys, "db", "backup", "--keep", "2", "--db",
                         str(database))
    assert status == 0
    assert len(dated_backups(folder, "ecoaudit", ".db")) == 2


def test_backup_settings_come_from_the_defaults_of_sites_toml(
        tmp_path: Path, monkeypatch, capsys) -> None:
    database = filled_database(tmp_path / "ecoaudit.db", runs=1, pages=2)
    (tmp_path / "sites.toml").write_text(
        '[defaults]\nbackup_dir = "saves"\nbackup_keep = 1\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status, error = run_main(monkeypatch, capsys, "db", "backup", "--db", str(database))
    assert status == 2  # the configured folder must exist: an unmounted disk is not created
    assert_one_sentence(error, f"The backup folder {tmp_path / 'saves'} does not exist")
    (tmp_path / "saves").mkdir()
    for _ in range(2):
        status, _ = run_main(monkeypatch, capsys, "db", "backup", "--db", str(database))
        assert status == 0
        time.sleep(1.05)
    assert len(list((tmp_path / "saves").iterdir())) == 1


def test_bad_backup_targets_are_one_sentence_and_nothing_is_written(
        tmp_path: Path, monkeypatch, capsys) -> None:
    database = filled_database(tmp_path / "ecoaudit.db", runs=1, pages=2)
    (tmp_path / "taken.db").write_bytes(b"someone's file")
    before = fingerprint(tmp_path)
    for target, words in ((tmp_path / "no" / "such" / "x.db", "does not exist"),
                          (tmp_path / "taken.db", "already exists")):
        status, error = run_main(monkeypatch, capsys, "db", "backup", "--to", str(target),
                                 "--db", str(database))
        assert status == 2
        assert_one_sentence(error, words, "nothing was written")
    assert fingerprint(tmp_path) == before
    assert not (tmp_path / "backups").exists()


CRAWLED_SITE_PAGES = 6


@pytest.mark.browser
def test_a_backup_taken_while_a_crawl_writes_passes_check_with_the_same_completed_runs(
        tmp_path: Path, monkeypatch, capsys) -> None:
    from tests.page_server import Response, serve

    database = filled_database(tmp_path / "ecoaudit.db", runs=2, pages=10)
    links = "".join(f'<a href="/p{number}">{number}</a>' for number in range(CRAWLED_SITE_PAGES))
    routes = {"/": Response(f"<html><body>{links}</body></html>")}
    routes.update({f"/p{number}": Response(f"<html><body>{number}</body></html>", delay=0.6)
                   for number in range(CRAWLED_SITE_PAGES)})
    with serve(routes) as server:
        crawl = subprocess.Popen(
            [ECOAUDIT, "crawl", "--url", server.url("/"), "--db", str(database), "--no-report",
             "--wait-before", "0", "--wait-after", "0", "--concurrency", "1", "--timeout", "15"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 90
            while not _crawl_has_pages(database, 2):
                assert crawl.poll() is None, crawl.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.1)
            copy = backup_database(str(database)).path
            still_crawling = crawl.poll() is None
        finally:
            crawl.wait(120)
    assert still_crawling  # the copy was taken in the middle of the crawl
    assert crawl.returncode == 0, crawl.stderr.read()
    status, _ = run_main(monkeypatch, capsys, "db", "check", "--db", str(copy))
    assert status == 0
    assert completed_runs(copy) == [(1, 10), (2, 10)]
    with contextlib.closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as connection:
        (status_in_copy,) = connection.execute("SELECT status FROM runs WHERE id = 3").fetchone()
    assert status_in_copy == "running"  # the crawl's run, as it was at that moment
    assert completed_runs(database)[:2] == completed_runs(copy)


def _crawl_has_pages(database: Path, count: int) -> bool:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        row = connection.execute("SELECT count(*) FROM pages WHERE run_id = 3").fetchone()
    return row[0] >= count


# -- restore -----------------------------------------------------------------------------------


def test_restore_puts_a_backup_back_and_keeps_the_current_database_aside(
        tmp_path: Path, monkeypatch, capsys) -> None:
    database = filled_database(tmp_path / "ecoaudit.db", runs=1, pages=3)
    backup = backup_database(str(database), now=MORNING).path
    with Store.open(str(database)) as store:  # a run recorded after the backup...
        run_id = store.start_run("metz")
        store.finish_run(run_id, "failed", "oops")
        # ...and the database still open here: restore must refuse while it is in use.
        holder = subprocess.run([ECOAUDIT, "db", "restore", str(backup), "--db", str(database)],
                                capture_output=True, text=True, timeout=60)
    assert holder.returncode == 2
    assert_one_sentence(holder.stderr, "is open in another process", "nothing was changed")
    status, output = run_main(monkeypatch, capsys, "db", "restore", str(backup), "--db",
                              str(database))
    assert status == 0, output
    (aside,) = tmp_path.glob("ecoaudit.before-restore-*.db")
    assert [run["id"] for run in Store.open(str(database)).list_runs()] == [1]
    with Store.open(str(aside)) as previous:
        assert [run["status"] for run in previous.list_runs()] == ["failed", "completed"]


def test_restore_refuses_what_is_not_an_ecoaudit_backup_and_changes_nothing(
        tmp_path: Path, monkeypatch, capsys) -> None:
    database = filled_database(tmp_path / "ecoaudit.db", runs=1, pages=2)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a backup" * 100)
    foreign = tmp_path / "foreign.db"
    with contextlib.closing(sqlite3.connect(foreign)) as connection:
        connection.execute("CREATE TABLE items (id INTEGER)")
        connection.commit()
    newer = backup_database(str(database), to=tmp_path / "newer.db").path
    with contextlib.closing(sqlite3.connect(newer)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
        connection.commit()
    before = fingerprint(tmp_path)
    for source, words in ((garbage, "is not an ecoaudit backup"),
                          (foreign, "lacks ecoaudit's tables"),
                          (newer, "made by a newer ecoaudit"),
                          (tmp_path / "missing.db", "There is no backup file"),
                          (database, "is the database itself")):
        status, error = run_main(monkeypatch, capsys, "db", "restore", str(source), "--db",
                                 str(database))
        assert status == 2, source
        assert_one_sentence(error, words, "nothing was changed")
    assert fingerprint(tmp_path) == before


def test_restore_onto_a_new_machine_creates_the_database(tmp_path: Path) -> None:
    source = filled_database(tmp_path / "old.db", runs=1, pages=2)
    backup = backup_database(str(source), to=tmp_path / "copy.db").path
    target = tmp_path / "new" / "ecoaudit.db"
    target.parent.mkdir()
    result = restore_database(backup, str(target))
    assert result.previous is None and result.runs == 1
    assert check_database(str(target)).healthy
    with pytest.raises(BackupError, match="does not exist: create it"):
        restore_database(backup, str(tmp_path / "nowhere" / "ecoaudit.db"))


# -- check -------------------------------------------------------------------------------------


def test_check_reports_what_the_database_holds(tmp_path: Path, monkeypatch, capsys) -> None:
    database = filled_database(tmp_path / "ecoaudit.db", runs=2, pages=3)
    status, _ = run_main(monkeypatch, capsys, "db", "check", "--full", "--db", str(database))
    assert status == 0
    report = check_database(str(database), full=True)
    assert (report.runs, report.pages, report.captures, report.pruned_runs) == (2, 6, 6, 0)
    assert report.integrity == "ok" and report.check == "integrity_check"
    assert report.oldest_run <= report.newest_run
    assert report.size_bytes == database.stat().st_size


# -- PostgreSQL --------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgresql_check_backup_with_pg_dump_and_restore_advice(
        postgres_server, tmp_path: Path, monkeypatch, capsys) -> None:
    url = postgres_server.create_database("backup_source")
    with Store.open(url) as store:
        run_id = store.start_run("metz")
        store.finish_run(run_id, "completed")
    report = check_database(url)
    assert report.healthy and report.runs == 1 and report.schema_version == report.schema_head
    assert report.size_bytes > 0
    if not shutil_which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    result = backup_database(url, folder=tmp_path, now=MORNING)
    assert result.path == tmp_path / "backup_source-20260301-020000.dump"
    assert result.verified == "pg_restore --list" and result.size_bytes > 0
    listing = subprocess.run(["pg_restore", "--list", str(result.path)], capture_output=True,
                             text=True, check=True).stdout
    assert "TABLE DATA public runs" in listing
    status, error = run_main(monkeypatch, capsys, "db", "restore", str(result.path), "--db", url)
    assert status == 2
    assert_one_sentence(error, "pg_restore --clean --if-exists --dbname URL FILE")


@pytest.mark.postgres
def test_without_pg_dump_the_backup_says_how_to_run_it(postgres_server, tmp_path: Path,
                                                       monkeypatch, capsys) -> None:
    url = postgres_server.create_database("no_pg_dump")
    Store.open(url).close()
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on this PATH
    status, error = run_main(monkeypatch, capsys, "db", "backup", "--to", str(tmp_path),
                             "--db", url)
    assert status == 2
    assert_one_sentence(error, "pg_dump is not installed here", "pg_dump --format=custom")
    assert list(tmp_path.iterdir()) == []


def shutil_which(name: str) -> str | None:
    import shutil

    return shutil.which(name, path=os.environ.get("PATH"))
