"""Crawls queued for workers (issue 13): real `ecoaudit worker` processes, a real redis-server
broker and a real PostgreSQL database, started here on 127.0.0.1, crawling local sites.

Each test is bounded: workers are stopped (then killed) at the end, runs are followed with a
deadline, and every site is served by a server whose request log the test reads.
"""

from __future__ import annotations

import contextlib
import http.server
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ecoaudit.store import Store
from ecoaudit.store.models import FrontierUrl, Page, QueuedRun
from rabbitmq_server import RabbitServer, RabbitUnavailable
from redis_server import RedisServer, RedisUnavailable
from tests.local_http import LocalHttpServer
from tests.tiny_site import tiny_site
from tests.wordpress_like_site import MEASURED_PATHS, POST, REPLY_LINKS, SHORTLINK, routes

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

ECOAUDIT = str(Path(sys.executable).with_name("ecoaudit"))
FAST = ["--wait-before", "0.1", "--wait-after", "0.1", "--timeout", "20"]
RUN_DEADLINE_SECONDS = 240


# -- the cluster: a broker, a database, workers ------------------------------------------------


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    try:
        server = RedisServer.start()
    except RedisUnavailable as reason:
        pytest.skip(f"redis-server cannot run here: {reason}")
    yield server
    server.stop()


@pytest.fixture
def cluster(redis, postgres_server, tmp_path) -> Iterator[Cluster]:
    db = postgres_server.create_database(f"workers_{uuid.uuid4().hex[:12]}")
    with Cluster(redis, db, tmp_path) as running:
        yield running


class Cluster:
    """Workers on one broker and one database; every process stopped on exit."""

    def __init__(self, redis: RedisServer | RabbitServer, db: str, folder: Path) -> None:
        self.redis = redis
        self.db = db
        self.folder = folder
        self.workers: list[subprocess.Popen] = []
        self.env = dict(os.environ, ECOAUDIT_DB=db, ECOAUDIT_BROKER=redis.url)
        if redis.url.startswith("redis://"):  # a fresh queue for each test
            subprocess.run([sys.executable, "-c", _FLUSH, redis.url], check=True, timeout=30)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def start_worker(self, concurrency: int = 4) -> subprocess.Popen:
        log = open(self.folder / f"worker-{len(self.workers)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen([ECOAUDIT, "worker", "--concurrency", str(concurrency)],
                                   env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.workers.append(process)
        return process

    def ecoaudit(self, *args: str, timeout: float = RUN_DEADLINE_SECONDS
                 ) -> subprocess.CompletedProcess:
        return subprocess.run([ECOAUDIT, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def queue_url(self, url: str, *extra: str) -> int:
        """Queue an ad-hoc crawl of `url`; its run id."""
        done = self.ecoaudit("crawl", "--url", url, "--no-report", *FAST, *extra)
        assert done.returncode == 0, done.stderr
        return int(done.stdout.split("run ", 1)[1].split(",", 1)[0])

    def wait_for(self, run_id: int, deadline: float = RUN_DEADLINE_SECONDS,
                 until=None) -> dict:
        """The queued run once finished (or once `until(counts)` holds)."""
        end = time.monotonic() + deadline
        with Store.open(self.db) as store:
            while time.monotonic() < end:
                with store.engine.connect() as connection:
                    state = connection.execute(sa.select(QueuedRun.state).where(
                        QueuedRun.run_id == run_id)).scalar()
                    counts = dict(connection.execute(
                        sa.select(FrontierUrl.state, sa.func.count())
                        .where(FrontierUrl.run_id == run_id).group_by(FrontierUrl.state)).all())
                if until is not None and until(counts):
                    return counts
                if until is None and state == "finished":
                    return store.run(run_id)
                time.sleep(0.5)
        logs = "\n".join(path.read_text()[-2000:] for path in self.folder.glob("worker-*.log"))
        raise AssertionError(f"run {run_id} did not get there in {deadline} s; {counts}\n{logs}")

    def pages(self, run_id: int) -> list[dict]:
        with Store.open(self.db) as store:
            return store.page_summaries(run_id)


_FLUSH = "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushall()"


# -- a generated site served with a log of every request ---------------------------------------


class LoggedSite:
    """A folder served on 127.0.0.1, logging (time, path, referer) of every GET."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log: list[tuple[float, str, str]] = []
        lock = threading.Lock()
        owner = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def do_GET(self) -> None:
                with lock:
                    owner.log.append((time.monotonic(), self.path,
                                      self.headers.get("Referer", "")))
                super().do_GET()

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), lambda *a: Handler(*a, directory=str(root)))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def html_gets(self) -> list[str]:
        return [path for _, path, _ in self.log if path.endswith((".html", "/"))]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


TINY_PAGES: list[str] = []


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """321 small pages (tiny_site.py): cheap to render, so 300 pages fit in a test."""
    root = tmp_path_factory.mktemp("tiny")
    TINY_PAGES[:] = tiny_site(root)
    return root


@contextlib.contextmanager
def served(root: Path) -> Iterator[LoggedSite]:
    site = LoggedSite(root)
    try:
        yield site
    finally:
        site.close()


def figures(pages: list[dict]) -> dict[str, tuple]:
    return {page["url"]: (page["nodes"], page["requests"], page["size_kb"], page["score"],
                          page["grade"], page["error"]) for page in pages}


# -- the tests ---------------------------------------------------------------------------------


def test_workers_measure_every_page_once_with_the_numbers_of_a_local_crawl(
        cluster, tiny, tmp_path) -> None:
    cluster.start_worker(concurrency=3)
    cluster.start_worker(concurrency=3)
    with served(tiny) as site:
        run_id = cluster.queue_url(f"{site.base}/index.html", "--max-pages", "400",
                                   "--concurrency", "6")
        run = cluster.wait_for(run_id)
        distributed = cluster.pages(run_id)
        gets = site.html_gets()
        # The same site crawled in-process, its first 60 pages: the same figures, page by page.
        local_db = f"sqlite:///{tmp_path / 'local.db'}"
        local = subprocess.run(
            [ECOAUDIT, "crawl", "--url", f"{site.base}/index.html", "--db", local_db,
             "--no-report", "--max-pages", "60", "--concurrency", "6", *FAST],
            capture_output=True, text=True, timeout=RUN_DEADLINE_SECONDS,
            env={key: value for key, value in os.environ.items() if key != "ECOAUDIT_BROKER"})
        assert local.returncode == 0, local.stderr
        with Store.open(local_db) as store:
            local_pages = store.page_summaries(store.list_runs()[0]["id"])
    assert run["status"] == "completed", run["reason"]
    assert len(distributed) == len(TINY_PAGES) >= 300
    assert run["pages_ok"] == len(distributed)
    urls = [page["url"].removeprefix(site.base) for page in distributed]
    assert sorted(urls) == sorted(TINY_PAGES)  # every page, one row each
    assert sorted(gets) == sorted(TINY_PAGES)  # each loaded once by the workers
    distributed_figures, local_figures = figures(distributed), figures(local_pages)
    assert len(local_figures) == 60
    assert {url: distributed_figures[url] for url in local_figures} == local_figures


def test_a_killed_worker_loses_nothing(cluster, tiny) -> None:
    victim = cluster.start_worker(concurrency=4)
    cluster.start_worker(concurrency=4)
    with served(tiny) as site:
        run_id = cluster.queue_url(f"{site.base}/index.html", "--max-pages", "60")
        cluster.wait_for(run_id, until=lambda counts: counts.get("done", 0) >= 12)
        os.killpg(victim.pid, signal.SIGKILL)  # the worker and its browser, as a machine dies
        victim.wait(10)
        run = cluster.wait_for(run_id)
    pages = cluster.pages(run_id)
    assert run["status"] == "completed", run["reason"]
    assert len(pages) == 60 and run["pages_ok"] == 60
    assert len({page["url"] for page in pages}) == 60
    assert all(page["error"] is None for page in pages)


def test_the_run_completes_across_a_broker_restart(cluster, redis, tiny) -> None:
    cluster.start_worker(concurrency=3)
    cluster.start_worker(concurrency=3)
    with served(tiny) as site:
        run_id = cluster.queue_url(f"{site.base}/index.html", "--max-pages", "40")
        cluster.wait_for(run_id, until=lambda counts: counts.get("done", 0) >= 5)
        redis.restart(pause=2.0)
        run = cluster.wait_for(run_id)
    assert run["status"] == "completed", run["reason"]
    assert run["pages_ok"] == 40
    assert len({page["url"] for page in cluster.pages(run_id)}) == 40


def test_politeness_holds_across_workers(cluster, tiny, tmp_path) -> None:
    limit, delay = 2, 0.5
    with served(tiny) as site:
        config = tmp_path / "sites.toml"
        config.write_text(
            f'[[sites]]\nname = "polite"\nstart_urls = ["{site.base}/index.html"]\n'
            f"max_pages = 14\nmax_concurrency_per_host = {limit}\nmin_delay = {delay}\n"
            "allow_private_addresses = true\nsitemap = false\n", encoding="utf-8")
        for _ in range(3):
            cluster.start_worker(concurrency=4)
        done = cluster.ecoaudit("crawl", "polite", "--config", str(config), "--no-report",
                                "--wait", *FAST)
        assert done.returncode == 0, done.stdout + done.stderr
        log = list(site.log)
    pages = [(at, path) for at, path, _ in log if path.endswith(".html")]
    assert len(pages) == 14
    starts = [at for at, _ in pages]
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) >= delay
    # A page is open from its document request to its last subresource request.
    spans = {}
    for at, path, referer in log:
        page = path if path.endswith(".html") else referer.removeprefix(site.base)
        if page:
            first, last = spans.get(page, (at, at))
            spans[page] = (min(first, at), max(last, at))
    for at, _ in pages:
        assert sum(1 for first, last in spans.values() if first <= at <= last) <= limit


def test_canonical_and_replytocom_pages_are_not_measured_twice(cluster) -> None:
    holder: dict[str, str] = {}
    server = LocalHttpServer(routes(lambda: holder["base"]))
    holder["base"] = server.base
    cluster.start_worker(concurrency=3)
    cluster.start_worker(concurrency=3)
    with server:
        run_id = cluster.queue_url(server.url("/"), "--max-pages", "20")
        run = cluster.wait_for(run_id)
    pages = cluster.pages(run_id)
    assert run["status"] == "completed", run["reason"]
    measured = sorted(page["url"].removeprefix(server.base) for page in pages)
    assert measured == sorted(MEASURED_PATHS)
    assert run["pages_ok"] == len(MEASURED_PATHS)
    with Store.open(cluster.db) as store:
        duplicates = store.run_duplicates(run_id)
    assert [(d["url"].removeprefix(server.base), d["reason"]) for d in duplicates] == [
        (SHORTLINK, "canonical")]
    assert not any(path in server.paths() for path in REPLY_LINKS)
    assert server.paths().count(POST) == 1


# -- bad input: one sentence, nothing lost -----------------------------------------------------


def test_an_unreachable_broker_gets_one_sentence(postgres_server, tmp_path) -> None:
    db = postgres_server.create_database(f"w_{uuid.uuid4().hex[:12]}")
    env = dict(os.environ, ECOAUDIT_DB=db)
    for command in (["crawl", "--url", "https://example.org/", "--broker",
                     "redis://127.0.0.1:9/0"], ["worker", "--broker", "redis://127.0.0.1:9/0"]):
        done = subprocess.run([ECOAUDIT, *command], env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2
        assert done.stderr.startswith("Error: Cannot reach the broker redis://127.0.0.1:9/0")
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_an_unreachable_postgresql_and_a_sqlite_file_get_one_sentence(redis, tmp_path) -> None:
    cases = {"postgresql://ecoaudit@127.0.0.1:9/none": "Cannot open the database",
             str(tmp_path / "shared.db"): "is a SQLite file, which several workers"}
    for db, expected in cases.items():
        for command in (["crawl", "--url", "https://example.org/"], ["worker"]):
            done = subprocess.run([ECOAUDIT, *command, "--broker", redis.url, "--db", db],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 2, done.stderr
            assert expected in done.stderr
            assert "Traceback" not in done.stderr
    assert not (tmp_path / "shared.db").exists()  # nothing created for a refused crawl


def test_a_worker_of_another_version_does_not_join_and_the_run_waits(cluster, tiny) -> None:
    with served(tiny) as site:
        run_id = cluster.queue_url(f"{site.base}/index.html", "--max-pages", "5")
        with Store.open(cluster.db) as store, store.engine.begin() as connection:
            connection.execute(sa.update(QueuedRun).where(QueuedRun.run_id == run_id)
                               .values(tool_version="0.0.1"))
        cluster.start_worker(concurrency=2)
        cluster.wait_for(run_id, deadline=60, until=lambda counts: _problem(cluster, run_id))
        shown = cluster.ecoaudit("queue")
        assert "was queued by ecoaudit 0.0.1" in shown.stdout.replace("\n", " ")
        assert cluster.pages(run_id) == []  # nothing measured by the wrong version
        with Store.open(cluster.db) as store, store.engine.begin() as connection:
            from ecoaudit import __version__

            connection.execute(sa.update(QueuedRun).where(QueuedRun.run_id == run_id)
                               .values(tool_version=__version__))
        run = cluster.wait_for(run_id)  # the run was kept: workers of its version finish it
    assert run["status"] == "completed" and run["pages_ok"] == 5


def _problem(cluster: Cluster, run_id: int) -> bool:
    with Store.open(cluster.db) as store, store.engine.connect() as connection:
        return connection.execute(sa.select(QueuedRun.problem).where(
            QueuedRun.run_id == run_id)).scalar() is not None


def test_queue_shows_runs_from_the_database_and_retries_failed_pages(cluster, tmp_path) -> None:
    flaky = {"fail": True}

    def page(_path: str):
        if flaky["fail"]:
            return 500, {"Content-Type": "text/html"}, "<html><body>down</body></html>"
        return 200, {"Content-Type": "text/html"}, "<html><body><p>back</p></body></html>"

    server = LocalHttpServer({"/": (200, {"Content-Type": "text/html"},
                                    '<html><body><a href="/b">b</a></body></html>'),
                              "/b": page})
    cluster.start_worker(concurrency=2)
    with server:
        run_id = cluster.queue_url(server.url("/"))
        run = cluster.wait_for(run_id)
        assert run["pages_failed"] == 1
        listed = json.loads(cluster.ecoaudit("queue", "--all", "--json").stdout)
        assert [row["pages"] for row in listed if row["run_id"] == run_id] == [
            {"queued": 0, "claimed": 0, "done": 1, "failed": 1}]
        flaky["fail"] = False
        retried = cluster.ecoaudit("queue", "--retry-failed", str(run_id))
        assert "1 failed page(s) queued again" in retried.stdout, retried.stderr
        run = cluster.wait_for(run_id)
    assert run["status"] == "completed" and run["pages_failed"] == 0 and run["pages_ok"] == 2
    with Store.open(cluster.db) as store, store.engine.connect() as connection:
        rows = connection.execute(sa.select(sa.func.count()).select_from(Page)
                                  .where(Page.run_id == run_id)).scalar()
    assert rows == 2


def test_schedule_once_queues_the_due_sites_for_the_workers(cluster, tiny, tmp_path) -> None:
    cluster.start_worker(concurrency=3)
    with served(tiny) as site:
        config = tmp_path / "sites.toml"
        config.write_text(
            f'[[sites]]\nname = "nightly"\nstart_urls = ["{site.base}/index.html"]\n'
            "max_pages = 6\nallow_private_addresses = true\nsitemap = false\n"
            "min_delay = 0\n", encoding="utf-8")
        done = cluster.ecoaudit("schedule", "--once", "--config", str(config), "--out",
                                str(tmp_path / "reports"), *FAST)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "reports" / "index.html").is_file()
    with Store.open(cluster.db) as store, store.engine.connect() as connection:
        run = store.list_runs()[0]
        queued = connection.execute(sa.select(QueuedRun.state).where(
            QueuedRun.run_id == run["id"])).scalar()
    assert queued == "finished"  # measured by the worker, not by the scheduler
    assert run["status"] == "completed" and run["pages_ok"] == 6


def test_a_run_queued_for_workers_is_never_resumed_in_process(store_url) -> None:
    from ecoaudit.store.work_queue import WorkQueue

    with Store.open(store_url) as store:
        run_id = store.start_run("queued-site")
        assert store.resumable_run("queued-site") == run_id  # a local run: resumable
        WorkQueue(store.engine).open_run(run_id, site_spec={}, measure={}, tool_version="x",
                                         catalogue="y")
        assert store.resumable_run("queued-site") is None


def test_rabbitmq_works_too_through_the_broker_url(postgres_server, tiny, tmp_path) -> None:
    try:
        rabbit = RabbitServer.start()
    except RabbitUnavailable as reason:
        pytest.skip(f"RabbitMQ cannot run here: {reason}")
    try:
        db = postgres_server.create_database(f"rabbit_{uuid.uuid4().hex[:12]}")
        with Cluster(rabbit, db, tmp_path) as cluster, served(tiny) as site:
            cluster.start_worker(concurrency=3)
            run_id = cluster.queue_url(f"{site.base}/index.html", "--max-pages", "12")
            run = cluster.wait_for(run_id, deadline=120)
    finally:
        rabbit.stop()
    assert run["status"] == "completed" and run["pages_ok"] == 12


def test_a_crawl_launched_from_the_web_goes_to_the_workers(cluster, redis, tiny, tmp_path) -> None:
    from tests.web_server import chromium, log_in, serve_web

    cluster.start_worker(concurrency=3)
    with served(tiny) as site:
        config = tmp_path / "sites.toml"
        config.write_text(
            f'[[sites]]\nname = "web-queued"\nstart_urls = ["{site.base}/index.html"]\n'
            "max_pages = 8\nallow_private_addresses = true\nsitemap = false\nmin_delay = 0\n",
            encoding="utf-8")
        with serve_web(tmp_path / "web", config_path=config, broker=redis.url,
                       db_url=cluster.db) as web, chromium() as browser:
            page = browser.new_page()
            log_in(page, web, "operator")
            page.goto(web.url("/crawl"))
            page.select_option("#site", "web-queued")
            for name in ("wait_before", "wait_after"):
                page.fill(f"input[name={name}]", "0.1")
            page.click("#launch")
            page.wait_for_load_state()
            job_url, deadline, state = page.url, time.monotonic() + 120, ""
            while state not in ("done", "failed") and time.monotonic() < deadline:
                time.sleep(0.5)
                page.goto(job_url)
                state = page.get_attribute("#job-state [data-state]", "data-state") or ""
            assert state == "done", page.inner_text("main")
            page.close()
    with Store.open(cluster.db) as store, store.engine.connect() as connection:
        run = store.list_runs()[0]
        queued = connection.execute(sa.select(QueuedRun.state).where(
            QueuedRun.run_id == run["id"])).scalar()
    assert queued == "finished"  # measured by the worker, not by the web server
    assert run["status"] == "completed" and run["pages_ok"] == 8


def test_a_run_cancelled_on_the_workers_ends_interrupted(cluster, tiny) -> None:
    cluster.start_worker(concurrency=2)
    with served(tiny) as site:
        run_id = cluster.queue_url(f"{site.base}/index.html", "--max-pages", "200")
        cluster.wait_for(run_id, until=lambda counts: counts.get("done", 0) >= 5)
        cancelled = cluster.ecoaudit("queue", "--cancel", str(run_id))
        assert cancelled.returncode == 0, cancelled.stderr
        assert "cancelled" in cancelled.stdout
        run = cluster.wait_for(run_id, deadline=120)
        measured = len(site.html_gets())
        time.sleep(2)
        assert len(site.html_gets()) == measured  # nothing more measured once it ended
    assert run["status"] == "interrupted"
    assert run["reason"].startswith("cancelled: ")
    assert 5 <= run["pages_ok"] < 200
    listed = json.loads(cluster.ecoaudit("queue", "--all", "--json").stdout)
    assert [row["pages"]["queued"] for row in listed if row["run_id"] == run_id] == [0]
