"""Real processes against one database: two concurrent writers, and kill -9 then resume."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ecoaudit.store import RunInProgress, Store
from store_samples import sample_capture, sample_co2, sample_findings

PAGES_PER_WRITER = 30
PROCESS_TIMEOUT_SECONDS = 90
ROUNDS, OPENERS = 6, 6  # processes opening one new database file at the same moment


def write_a_run(url: str, site: str, start, results) -> None:
    """Child process: open the (maybe new) database when told, record a whole run."""
    try:
        start.wait(PROCESS_TIMEOUT_SECONDS)
        with Store.open(url) as store:
            run_id = store.start_run(site, settings={}, protocol={})
            for index in range(PAGES_PER_WRITER):
                store.record_page(run_id, capture=sample_capture(f"/{site}/{index}"),
                                  findings=sample_findings(), co2=sample_co2())
                store.record_document(run_id, url=f"http://127.0.0.1:8000/{site}/{index}.pdf")
                store.list_runs(site)  # readers interleave with the other writer
            store.finish_run(run_id, "completed")
        results.put((site, run_id, None))
    except Exception as error:  # reported to the parent, which fails the test with it
        results.put((site, None, f"{type(error).__name__}: {error}"))


def crawl_until_killed(url: str, started) -> None:
    """Child process: record pages /p0, /p1, ... until it is killed."""
    with Store.open(url) as store:
        run_id = store.start_run("metz", settings={}, protocol={})
        started.put(run_id)
        index = 0
        while True:
            store.record_page(run_id, capture=sample_capture(f"/p{index}"),
                              findings=sample_findings())
            index += 1


def test_two_processes_write_one_database_at_once_without_lock_errors(store_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    writers = [context.Process(target=write_a_run, args=(store_url, site, start, results))
               for site in ("scheduler-site", "cli-site")]
    for writer in writers:
        writer.start()
    start.set()  # both open the new database (and migrate it) at the same moment
    outcomes = [results.get(timeout=PROCESS_TIMEOUT_SECONDS) for _ in writers]
    for writer in writers:
        writer.join(10)
    assert [error for _, _, error in outcomes] == [None, None]
    with Store.open(store_url) as store:
        for _site, run_id, _ in outcomes:
            run = store.run(run_id)
            assert (run["status"], run["pages_ok"], run["documents"]) == (
                "completed", PAGES_PER_WRITER, PAGES_PER_WRITER)
        assert store.integrity_check()


def test_kill_9_loses_nothing_committed_and_resume_measures_each_page_once(
    store_url: str,
) -> None:
    context = multiprocessing.get_context("spawn")
    started = context.Queue()
    crawler = context.Process(target=crawl_until_killed, args=(store_url, started))
    crawler.start()
    try:
        run_id = started.get(timeout=PROCESS_TIMEOUT_SECONDS)
        with Store.open(store_url) as watcher:
            deadline = time.monotonic() + PROCESS_TIMEOUT_SECONDS
            while len(watcher.measured_urls(run_id)) < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        os.kill(crawler.pid, signal.SIGKILL)
        crawler.join(10)
    assert crawler.exitcode == -signal.SIGKILL

    with Store.open(store_url) as store:
        assert store.integrity_check()
        assert store.run(run_id)["status"] == "running"  # nobody could mark it
        assert store.resumable_run("metz") == run_id  # its crawler is dead
        measured = store.measured_urls(run_id)
        count = len(measured)
        assert count >= 5
        # Committed pages are exactly /p0 ... /p(count-1): none lost, none half-written.
        expected = {(sample_capture(f"/p{index}").requested_url, "none") for index in range(count)}
        assert measured == expected
        assert store.run(run_id)["pages_ok"] == count

        store.resume_run(run_id)
        for index in range(count + 5):
            capture = sample_capture(f"/p{index}")
            if (capture.requested_url, "none") not in measured:
                store.record_page(run_id, capture=capture)
        store.finish_run(run_id, "completed")
        pages = store.page_summaries(run_id)
        assert len(pages) == len({page["url"] for page in pages}) == count + 5
        assert store.run(run_id)["resumed_count"] == 1
        assert store.integrity_check()


@pytest.mark.parametrize("status", ["interrupted", "completed"])
def test_only_an_unfinished_latest_run_is_resumable(tmp_path, status: str) -> None:
    with Store.open(str(tmp_path / "r.db")) as store:
        run_id = store.start_run("metz", settings={}, protocol={})
        store.finish_run(run_id, status)
        assert store.resumable_run("metz") == (run_id if status == "interrupted" else None)


def test_threads_recording_pages_of_one_run_keep_its_counts_exact(store: Store) -> None:
    run_id = store.start_run("metz", settings={}, protocol={})
    paths = [f"/t{index}" for index in range(48)]

    def record(path: str) -> None:
        failed = path.endswith(("0", "5"))
        capture = sample_capture(path, error="HTTP 500" if failed else None)
        store.record_page(run_id, capture=capture)
        store.record_document(run_id, url=f"http://127.0.0.1:8000{path}.pdf")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(record, paths))
    run = store.run(run_id)
    failed = sum(path.endswith(("0", "5")) for path in paths)
    assert (run["pages_ok"], run["pages_failed"], run["documents"]) == (
        len(paths) - failed, failed, len(paths))
    assert store.integrity_check()


def start_a_run_and_stay(url: str, started) -> None:
    """Child process: start a run of metz, then stay alive (as if crawling) until killed."""
    with Store.open(url) as store:
        started.put(store.start_run("metz", settings={}, protocol={}))
        time.sleep(PROCESS_TIMEOUT_SECONDS)


def test_a_run_another_live_process_crawls_is_not_resumed(tmp_path) -> None:
    url = str(tmp_path / "live.db")
    context = multiprocessing.get_context("spawn")
    started = context.Queue()
    crawler = context.Process(target=start_a_run_and_stay, args=(url, started))
    crawler.start()
    try:
        run_id = started.get(timeout=PROCESS_TIMEOUT_SECONDS)
        with Store.open(url) as store:
            assert store.resumable_run("metz") is None
            with pytest.raises(RunInProgress, match=f"Run {run_id} is being crawled"):
                store.resume_run(run_id)
            os.kill(crawler.pid, signal.SIGKILL)
            crawler.join(10)
            assert store.resumable_run("metz") == run_id
            store.resume_run(run_id)
            assert store.run(run_id)["resumed_count"] == 1
    finally:
        if crawler.is_alive():
            os.kill(crawler.pid, signal.SIGKILL)
        crawler.join(10)


def open_when_told(url: str, start, results) -> None:
    """Child process: open a (new) database at the same moment as the others."""
    try:
        start.wait(PROCESS_TIMEOUT_SECONDS)
        with Store.open(url) as store:
            store.list_runs()
        results.put("ok")
    except BaseException as error:  # reported to the parent
        results.put(f"{type(error).__name__}: {error}")


def test_processes_opening_one_new_file_at_once_all_open_it(tmp_path) -> None:
    context = multiprocessing.get_context("spawn")
    for round_number in range(ROUNDS):
        url = f"sqlite:///{tmp_path / f'new-{round_number}.db'}"
        start, results = context.Event(), context.Queue()
        children = [context.Process(target=open_when_told, args=(url, start, results))
                    for _ in range(OPENERS)]
        for child in children:
            child.start()
        start.set()
        outcomes = [results.get(timeout=PROCESS_TIMEOUT_SECONDS) for _ in children]
        for child in children:
            child.join(PROCESS_TIMEOUT_SECONDS)
        assert outcomes == ["ok"] * OPENERS
