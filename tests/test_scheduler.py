"""The scheduler: cron triggers, due sites, the one-scheduler lock, and real runs of a local site
(a trigger every few seconds written in sites.toml, the same path as a nightly cron)."""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ecoaudit.config import load_config
from ecoaudit.errors import ConfigError
from ecoaudit.measure import MeasureOptions
from ecoaudit.store import Store
from ecoaudit.workflows.schedule.lock import SchedulerBusy, SchedulerLock
from ecoaudit.workflows.schedule.scheduler import (
    CronTrigger,
    SchedulerSettings,
    SiteScheduler,
    is_due,
    site_trigger,
)
from tests.page_server import Response, serve

ECOAUDIT = str(Path(sys.executable).parent / "ecoaudit")
PARIS = ZoneInfo("Europe/Paris")
QUICK = ["--wait-before", "0", "--wait-after", "0", "--timeout", "15", "--concurrency", "1"]


def site_block(name: str, start: str, schedule: str) -> str:
    return f"""
[[sites]]
name = "{name}"
start_urls = ["{start}"]
allow_private_addresses = true
min_delay = 0
sitemap = false
respect_robots = false
max_concurrency_per_host = 1
schedule = "{schedule}"
"""


def slow_site_routes() -> dict:
    links = "".join(f'<a href="/p{i}">{i}</a>' for i in range(4))
    routes = {"/": Response(f"<html><body>{links}</body></html>")}
    routes.update({f"/p{i}": Response(f"<html><body>page {i}</body></html>", delay=1.5)
                   for i in range(4)})
    return routes


def runs_of(db: Path, site: str) -> list[dict]:
    with Store.open(str(db)) as store:
        return sorted(store.list_runs(site), key=lambda run: run["id"])


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


# -- triggers and due sites (pure) ---------------------------------------------------------------


def test_cron_day_of_week_zero_is_sunday_and_times_are_in_paris() -> None:
    trigger = CronTrigger("0 2 * * 0", PARIS)
    saturday_noon = datetime(2026, 3, 28, 12, 0, tzinfo=PARIS)
    next_time = trigger.get_next_fire_time(None, saturday_noon)
    assert next_time == datetime(2026, 3, 29, 3, 0, tzinfo=PARIS)  # 02:00 does not exist (DST)
    assert next_time.weekday() == 6
    nightly = CronTrigger("0 2 * * *", PARIS)
    assert nightly.get_next_fire_time(None, datetime(2026, 11, 28, 1, 30, tzinfo=UTC)) == datetime(
        2026, 11, 29, 2, 0, tzinfo=PARIS)


def test_a_site_is_due_once_however_many_fire_times_it_missed() -> None:
    trigger = CronTrigger("0 2 * * *", PARIS)
    now = datetime(2026, 11, 28, 9, 0, tzinfo=PARIS)
    ran_today = {"status": "completed", "started_at": "2026-11-28T01:05:00+00:00"}
    ran_last_week = {"status": "completed", "started_at": "2026-11-21T01:05:00+00:00"}
    assert not is_due(trigger, ran_today, now)
    assert is_due(trigger, ran_last_week, now)  # seven missed nights: one run
    assert is_due(trigger, None, now)
    assert is_due(trigger, {**ran_today, "status": "interrupted"}, now)


def test_a_bad_cron_expression_is_reported_naming_the_site(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(site_block("mairie", "https://example.org/", "0 2 * * *"), encoding="utf-8")
    site = load_config(path).sites[0]
    site.schedule = "0 25 * * *"
    with pytest.raises(ConfigError, match='Site "mairie": schedule \'0 25 \\* \\* \\*\' is not'):
        site_trigger(site, PARIS)
    path.write_text(site_block("mairie", "https://example.org/", "every night"),
                    encoding="utf-8")
    done = subprocess.run([ECOAUDIT, "schedule", "--config", str(path), "--db",
                           str(tmp_path / "db.sqlite")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and '"mairie"' in done.stderr and "schedule" in done.stderr
    assert "Traceback" not in done.stderr


# -- the lock ----------------------------------------------------------------------------------


def test_a_second_lock_on_the_same_database_is_refused(store_url: str) -> None:
    with Store.open(store_url) as first, Store.open(store_url) as second:
        with SchedulerLock(first.engine), pytest.raises(SchedulerBusy, match="Another scheduler"):
            SchedulerLock(second.engine).acquire()
        with SchedulerLock(second.engine):  # released: free again
            pass


HOLD_LOCK = """
import sys, time
from ecoaudit.store import Store
from ecoaudit.workflows.schedule.lock import SchedulerLock
store = Store.open(sys.argv[1])
lock = SchedulerLock(store.engine)
lock.acquire()
print("locked", flush=True)
time.sleep(120)
"""


def test_the_lock_of_a_killed_scheduler_is_freed_at_once(store_url: str) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, store_url],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with Store.open(store_url) as store:
            with pytest.raises(SchedulerBusy, match=f":{holder.pid}"):
                SchedulerLock(store.engine).acquire()
            holder.kill()  # SIGKILL: no clean-up code runs
            holder.wait(10)
            deadline = time.monotonic() + 10
            while True:
                try:
                    SchedulerLock(store.engine).acquire()
                    break
                except SchedulerBusy:
                    assert time.monotonic() < deadline, "the dead scheduler's lock was kept"
                    time.sleep(0.2)
    finally:
        if holder.poll() is None:
            holder.kill()


# -- real runs ---------------------------------------------------------------------------------


@pytest.mark.browser
def test_scheduled_runs_never_overlap_an_unreachable_site_fails_and_sigterm_stops_cleanly(
        tmp_path: Path) -> None:
    db = tmp_path / "audits.db"
    with serve(slow_site_routes()) as server:
        (tmp_path / "sites.toml").write_text(
            site_block("local", server.url("/"), "* * * * * */3")
            + site_block("down", "http://127.0.0.1:9/", "* * * * * */3"), encoding="utf-8")
        scheduler = subprocess.Popen(
            [ECOAUDIT, "schedule", "--db", str(db), "--parallel-sites", "2", *QUICK],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(db.exists, 30, "the database")
            wait_for(lambda: len([r for r in runs_of(db, "local")
                                  if r["status"] == "completed"]) >= 2
                     and any(r["status"] == "failed" for r in runs_of(db, "down")),
                     150, "two completed runs of local and a failed run of down")
            second = subprocess.run([ECOAUDIT, "schedule", "--once", "--db", str(db)],
                                    cwd=tmp_path, capture_output=True, text=True, timeout=60)
            wait_for(lambda: runs_of(db, "local")[-1]["status"] == "running"
                     and runs_of(db, "local")[-1]["pages_ok"] >= 1, 60, "a run in progress")
            scheduler.send_signal(signal.SIGTERM)
            _, log = scheduler.communicate(timeout=90)
        finally:
            if scheduler.poll() is None:
                scheduler.kill()
    assert second.returncode == 2 and "Another scheduler" in second.stderr
    assert scheduler.returncode == 0, log
    local = runs_of(db, "local")
    for earlier, later in itertools.pairwise(local):
        assert earlier["ended_at"] <= later["started_at"]  # never two runs of a site at once
    assert local[-1]["status"] == "interrupted" and "resume" in local[-1]["reason"]
    assert all(run["status"] != "running" for run in local + runs_of(db, "down"))
    failed = next(run for run in runs_of(db, "down") if run["status"] == "failed")
    assert failed["reason"]
    assert log.count("Run of local starts") == len(local)
    assert log.count(" of local ends: ") == len(local)
    assert "Scheduler stopped" in log
    assert (tmp_path / "reports" / "index.html").is_file()


@pytest.mark.browser
def test_missed_runs_after_a_pause_are_coalesced_into_one(tmp_path: Path) -> None:
    db = tmp_path / "audits.db"
    with serve({"/": Response("<html><body>accueil</body></html>")}) as server:
        (tmp_path / "sites.toml").write_text(site_block("local", server.url("/"), "* * * * * */2"),
                                             encoding="utf-8")
        config = load_config(tmp_path / "sites.toml")
        with Store.open(str(db)) as store:
            store.upsert_site("local", title="local", group="own", config={})
            run_id = store.start_run("local")  # it ran just now: not due at start-up
            store.finish_run(run_id, "completed")
            scheduler = SiteScheduler(config, store, MeasureOptions(wait_before=0, wait_after=0),
                                      SchedulerSettings(concurrency=1, reports_dir=None))
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def paused_then_ready() -> None:  # on the loop, before any job can fire
                scheduler.apscheduler.pause()
                ready.set()

            thread = threading.Thread(target=loop.run_until_complete,
                                      args=(scheduler.run_forever(paused_then_ready),),
                                      daemon=True)
            thread.start()
            try:
                assert ready.wait(30)
                before = len(runs_of(db, "local"))
                time.sleep(7)  # three or four fire times missed
                assert len(runs_of(db, "local")) == before
                loop.call_soon_threadsafe(scheduler.apscheduler.resume)
                wait_for(lambda: len(scheduler.results) >= 1, 60, "the catch-up run")
            finally:
                loop.call_soon_threadsafe(scheduler.stop)
                thread.join(60)
    catch_up, *later = runs_of(db, "local")[before:]
    assert catch_up["status"] == "completed" and scheduler.results[0].status == "completed"
    # The missed fire times gave one run; a later one can only be the next regular fire, after it.
    assert len(later) <= 1 and all(run["started_at"] >= catch_up["ended_at"] for run in later)


@pytest.mark.browser
def test_once_runs_the_due_sites_then_nothing_until_the_next_fire_time(tmp_path: Path) -> None:
    db = tmp_path / "audits.db"
    with serve({"/": Response("<html><body>accueil</body></html>")}) as server:
        # 29 February at 02:00: never ran, so due; then not due again for years, whatever the
        # time the test runs at (a nightly 02:00 could pass between the two calls).
        (tmp_path / "sites.toml").write_text(site_block("local", server.url("/"), "0 2 29 2 *"),
                                             encoding="utf-8")
        first = subprocess.run([ECOAUDIT, "schedule", "--once", "--db", str(db), "--no-report",
                                *QUICK], cwd=tmp_path, capture_output=True, text=True,
                               timeout=120)
        second = subprocess.run([ECOAUDIT, "schedule", "--once", "--db", str(db), "--no-report",
                                 *QUICK], cwd=tmp_path, capture_output=True, text=True,
                                timeout=120)
    assert first.returncode == 0, first.stderr
    assert "Sites due now: local" in first.stderr and "Run of local starts" in first.stderr
    assert second.returncode == 0 and "Sites due now: none" in second.stderr
    assert [run["status"] for run in runs_of(db, "local")] == ["completed"]
