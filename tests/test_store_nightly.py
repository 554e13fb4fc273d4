"""After each night, `schedule` backs the database up and applies retention, as the [defaults]
table of sites.toml asks (`backup`, `backup_dir`, `backup_keep`, `keep_captures`, `keep_runs`)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecoaudit.config import load_config
from ecoaudit.measure import MeasureOptions
from ecoaudit.store import Store
from ecoaudit.store.backup import dated_backups
from ecoaudit.workflows.schedule.scheduler import SchedulerSettings, SiteScheduler
from test_store_retention import HISTORY, PRUNED, fill_history

ECOAUDIT = str(Path(sys.executable).parent / "ecoaudit")
SITE = """
[[sites]]
name = "metz"
start_urls = ["{start}"]
allow_private_addresses = true
min_delay = 0
sitemap = false
respect_robots = false
schedule = "0 2 29 2 *"
"""


def scheduler_for(config_path: Path, store: Store) -> SiteScheduler:
    return SiteScheduler(load_config(config_path), store, MeasureOptions(),
                         SchedulerSettings(reports_dir=None))


def test_after_the_night_the_database_is_backed_up_then_pruned(tmp_path: Path) -> None:
    (tmp_path / "saves").mkdir()
    config = tmp_path / "sites.toml"
    config.write_text('[defaults]\nbackup = true\nbackup_dir = "saves"\nbackup_keep = 2\n'
                      'keep_captures = "90d"\nkeep_runs = "5y"\n'
                      + SITE.format(start="https://www.metz.fr/"), encoding="utf-8")
    with Store.open(str(tmp_path / "ecoaudit.db")) as store:
        ids = fill_history(store, now=datetime.now(UTC))
        for _ in range(3):
            scheduler = scheduler_for(config, store)
            asyncio.run(scheduler.after_night())
            assert not scheduler.maintenance_failed
        runs = {run["id"]: run for run in store.list_runs()}
    (_first, second) = dated_backups(tmp_path / "saves", "ecoaudit", ".db")  # keep 2
    with Store.open(str(second)) as backup:
        assert len(backup.list_runs()) == len(HISTORY) - 1  # taken after the first prune
    pruned = {label for label, run_id in ids.items()
              if run_id in runs and runs[run_id]["captures_pruned_at"]}
    assert pruned >= PRUNED and ids["six_years"] not in runs


def test_a_failed_backup_is_logged_and_makes_once_exit_2(tmp_path: Path, caplog) -> None:
    config = tmp_path / "sites.toml"
    config.write_text('[defaults]\nbackup = true\nbackup_dir = "unmounted-disk"\n'
                      + SITE.format(start="https://www.metz.fr/"), encoding="utf-8")
    with Store.open(str(tmp_path / "ecoaudit.db")) as store:
        scheduler = scheduler_for(config, store)
        asyncio.run(scheduler.after_night())
    assert scheduler.maintenance_failed
    assert "The backup after the night's runs failed" in caplog.text
    assert "unmounted-disk does not exist" in caplog.text
    assert "Traceback" not in caplog.text


@pytest.mark.browser
def test_schedule_once_backs_up_after_its_runs(tmp_path: Path) -> None:
    from tests.page_server import Response, serve

    with serve({"/": Response("<html><body>accueil</body></html>")}) as server:
        (tmp_path / "sites.toml").write_text("[defaults]\nbackup = true\n"
                                             + SITE.format(start=server.url("/")),
                                             encoding="utf-8")
        done = subprocess.run(
            [ECOAUDIT, "schedule", "--once", "--db", str(tmp_path / "audits.db"), "--no-report",
             "--wait-before", "0", "--wait-after", "0", "--concurrency", "1"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (backup,) = (tmp_path / "backups").iterdir()
    assert "Backup written: " + str(backup) in done.stderr
    with Store.open(str(backup)) as copy:
        assert [run["status"] for run in copy.list_runs()] == ["completed"]
