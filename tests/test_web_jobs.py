"""Jobs launched from the web interface, against a real server on 127.0.0.1 driven by real
Chromium through Playwright: audit from the form, viewer refused, double submit, cancel, an
acceptance identical to the command line's, bad input, a browser that crashes."""

from __future__ import annotations

import re
import socket
import stat
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, sync_playwright

from ecoaudit.measure.browser import find_chromium
from ecoaudit.net.localserve import served_folder
from ecoaudit.store import Store
from ecoaudit.web import accounts
from ecoaudit.web.app import create_app
from ecoaudit.web.settings import WebSettings
from ecoaudit.workflows.acceptance import verify_folder

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"
WAITS = {"wait_before": "0.1", "wait_after": "0.1"}


@dataclass
class Server:
    url: str
    settings: WebSettings
    db_url: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("site")
    (folder / "index.html").write_text("<!doctype html><html lang=fr><head><title>Accueil"
                                       "</title></head><body><h1>Bonjour</h1></body></html>")
    (folder / "b.html").write_text("<!doctype html><title>Page B</title><p>B</p>")
    with served_folder(folder) as base:
        yield base.rstrip("/")


@pytest.fixture(scope="module")
def server(tmp_path_factory, site) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("web")
    config = folder / "sites.toml"
    config.write_text(f'[[sites]]\nname = "local"\nstart_urls = ["{site}/"]\nmax_pages = 2\n'
                      "allow_private_addresses = true\nmin_delay = 0\n")
    contracts = folder / "contracts"
    contracts.mkdir()
    (contracts / "recette.toml").write_text(
        f'[contract]\ntitle = "Recette locale"\n[scope]\nurls = ["{site}/", "{site}/b.html"]\n'
        "[measurement]\nruns = 1\nwait_before = 0.1\nwait_after = 0.1\ntimeout = 20\n"
        '[page_budget]\nmax_size_kb = 1024\nmin_grade = "C"\n')
    (contracts / "casse.toml").write_text('[contract]\ntitle = "Casse"\n[scope]\nurlz = []\n')
    db_url = f"sqlite:///{folder / 'web.db'}"
    with Store.open(db_url) as store:
        accounts.add_user(store, "op", "operator", PASSWORD)
        accounts.add_user(store, "vi", "viewer", PASSWORD)
    settings = WebSettings(db_url=db_url, config_path=config, out_dir=folder / "jobs",
                           secret_key="x" * 40)
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                       log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", settings, db_url)
    uv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=find_chromium().path)
        yield launched
        launched.close()


def login(browser, server: Server, name: str) -> Page:
    page = browser.new_page()
    page.goto(server.url + "/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def wait_state(page: Page, server: Server, job_url: str, states: tuple[str, ...],
               timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.goto(job_url)
        state = page.get_attribute("#job-state [data-state]", "data-state") or ""
        if state in states:
            return state
        time.sleep(0.3)
    raise AssertionError(f"{job_url} stayed {state}")


def audit(page: Page, server: Server, urls: str, **fields: str) -> str:
    page.goto(server.url + "/audit")
    page.fill("#urls", urls)
    for name, value in {**WAITS, **fields}.items():
        page.fill(f"input[name={name}]", value)
    page.click("#launch")
    page.wait_for_load_state()
    return page.url


def test_operator_audits_a_local_page_and_sees_its_result(browser, server, site):
    page = login(browser, server, "op")
    job_url = audit(page, server, f"{site}/")
    assert re.search(r"/jobs/\d+$", job_url)
    assert wait_state(page, server, job_url, ("done", "failed")) == "done"
    assert "Accueil" in page.inner_text("#results")
    assert page.locator("#results .g").count() == 1
    page.click("header form button")
    page.wait_for_load_state()
    assert "/login" in page.url
    page.close()


def test_viewer_has_no_launch_button_and_its_post_is_refused(browser, server):
    page = login(browser, server, "vi")
    page.goto(server.url + "/jobs")
    assert page.locator("#launch-links").count() == 0
    token = page.context.cookies()
    assert token
    response = page.request.post(server.url + "/audit", form={"urls": "http://x.example/"})
    assert response.status == 403
    page.close()


def test_double_submit_creates_one_job(browser, server, site):
    page = login(browser, server, "op")
    page.goto(server.url + "/audit")
    page.fill("#urls", f"{site}/b.html")
    for name, value in WAITS.items():
        page.fill(f"input[name={name}]", value)
    form = {field: page.input_value(f"[name={field}]")
            for field in ("csrf_token", "urls", "wait_before", "wait_after", "timeout",
                          "repeat")}
    form["device"] = "desktop"
    first = page.request.post(server.url + "/audit", form=form, max_redirects=0)
    second = page.request.post(server.url + "/audit", form=form, max_redirects=0)
    assert first.status == second.status == 303
    assert first.headers["location"] == second.headers["location"]
    wait_state(page, server, server.url + first.headers["location"], ("done", "failed"))
    page.close()


def test_cancel_a_queued_job(browser, server, site):
    page = login(browser, server, "op")
    slow = audit(page, server, f"{site}/\n{site}/b.html", repeat="3", wait_before="1")
    queued = audit(page, server, f"{site}/?cancel-me")
    page.goto(queued)
    assert page.get_attribute("#job-state [data-state]", "data-state") == "queued"
    page.click("#cancel")
    page.wait_for_load_state()
    assert page.get_attribute("#job-state [data-state]", "data-state") == "cancelled"
    page.goto(slow)
    page.click("#cancel")
    assert wait_state(page, server, slow, ("cancelled", "done", "failed")) == "cancelled"
    page.close()


def test_acceptance_from_the_web_matches_the_command_line(browser, server, tmp_path):
    page = login(browser, server, "op")
    page.goto(server.url + "/acceptance")
    page.select_option("#contract", label="contracts/recette.toml")
    page.click("#launch")
    page.wait_for_load_state()
    job_url = page.url
    assert wait_state(page, server, job_url, ("done", "failed"), timeout=120) == "done"
    verdict = page.inner_text("#verdict")
    with page.expect_download() as download_info:
        page.click("#bundle")
    archive = tmp_path / "bundle.zip"
    download_info.value.save_as(archive)
    web = tmp_path / "web"
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(web)
    contract = Path(server.settings.config_path).parent / "contracts" / "recette.toml"
    cli = tmp_path / "cli"
    done = subprocess.run([sys.executable, "-m", "ecoaudit", "acceptance", "--contract",
                           str(contract), "--out", str(cli)], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    files = sorted(p.relative_to(web).as_posix() for p in web.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(cli).as_posix() for p in cli.rglob("*") if p.is_file())
    assert verify_folder(web).intact
    check = subprocess.run([sys.executable, "-m", "ecoaudit", "acceptance", "verify", str(web)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    cli_verdict = next(line for line in done.stdout.splitlines() if line.startswith("Verdict"))
    assert cli_verdict.split(": ", 1)[1].split(" (")[0] in verdict
    page.close()


def test_malformed_contract_and_private_url_say_what_is_wrong(browser, server):
    page = login(browser, server, "op")
    page.goto(server.url + "/acceptance")
    page.select_option("#contract", label="contracts/casse.toml")
    page.click("#launch")
    page.wait_for_load_state()
    assert "urlz" in page.inner_text("#form-error")
    audit(page, server, "http://192.168.1.10/")
    message = page.inner_text("#form-error")
    assert "192.168.1.10" in message and "Traceback" not in page.content()
    page.close()


def test_a_browser_that_dies_fails_the_job_and_the_next_one_runs(browser, server, site,
                                                               tmp_path, monkeypatch):
    dead = tmp_path / "chromium"
    dead.write_text("#!/bin/sh\nexit 3\n")
    dead.chmod(dead.stat().st_mode | stat.S_IEXEC)
    page = login(browser, server, "op")
    monkeypatch.setenv("ECOAUDIT_CHROMIUM", str(dead))
    failing = audit(page, server, f"{site}/?crash")
    assert wait_state(page, server, failing, ("done", "failed")) == "failed"
    assert page.inner_text("#job-error")
    monkeypatch.delenv("ECOAUDIT_CHROMIUM")
    after = audit(page, server, f"{site}/?after-crash")
    assert wait_state(page, server, after, ("done", "failed")) == "done"
    page.close()


def test_crawl_of_a_configured_site_from_the_form(browser, server):
    page = login(browser, server, "op")
    page.goto(server.url + "/crawl")
    page.select_option("#site", "local")
    for name, value in WAITS.items():
        page.fill(f"input[name={name}]", value)
    page.click("#launch")
    page.wait_for_load_state()
    job_url = page.url
    assert wait_state(page, server, job_url, ("done", "failed")) == "done"
    link = page.locator("p.run a").first
    assert "completed" in page.inner_text("p.run")
    link.click()
    page.wait_for_load_state()
    assert re.search(r"/runs/\d+$", page.url)
    with Store.open(server.db_url) as store:
        run = store.list_runs()[0]
    assert run["site"] == "local" and run["status"] == "completed" and run["pages_ok"] == 1
    page.close()


def test_the_forms_and_jobs_pages_grade_a_under_ecoaudit(browser, server):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from ecoaudit.measure import MeasureOptions
    from ecoaudit.pipeline import measure_and_score, page_entry

    page = login(browser, server, "op")
    cookie = next(c for c in page.context.cookies() if c["name"] == "ecoaudit_session")
    paths = ["/audit", "/crawl", "/acceptance", "/jobs"]
    options = MeasureOptions(wait_before=0.3, wait_after=0.3, timeout=30, collect_coverage=False,
                             allow_private=True, cookies=[{key: cookie[key] for key in
                                                           ("name", "value", "domain", "path")}])
    urls = [server.url + path for path in paths]
    anonymous = MeasureOptions(wait_before=0.3, wait_after=0.3, timeout=30,
                               collect_coverage=False, allow_private=True)
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
        scored = pool.submit(asyncio.run, measure_and_score(urls, options,
                                                            concurrency=1)).result()
        login_page = pool.submit(asyncio.run, measure_and_score(
            [server.url + "/login"], anonymous, concurrency=1)).result()
    urls, scored = [server.url + "/login", *urls], [*login_page, *scored]
    for url, measured in zip(urls, scored, strict=True):
        entry = page_entry(measured)
        assert entry["final_url"] == url, "not logged in"
        assert entry["ecoindex"]["grade"] == "A", (url, entry["ecoindex"])
    page.close()


def test_jobs_left_running_are_failed_once_the_database_comes_back(tmp_path):
    """A database unreachable at start-up: the runner marks the left-over jobs failed before it
    claims anything, as soon as the database answers (the left-over no longer blocks its twin)."""
    import asyncio

    from ecoaudit.store.jobs import SERVER_STOPPED, JobStore
    from ecoaudit.web.jobs import JobRunner

    db_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    with Store.open(db_url) as store:
        jobs = JobStore(store.engine)
        left = jobs.submit("audit", {"urls": ["http://example.org/"]}, "op").job["id"]
        jobs.claim_next()
    store = Store.open(db_url)
    reachable = threading.Event()

    def opened() -> Store:
        if not reachable.is_set():
            raise OSError("database down")
        return store

    async def scenario() -> dict:
        runner = JobRunner(opened, WebSettings(db_url=db_url, out_dir=tmp_path / "out"))
        await runner.start()
        await asyncio.sleep(0.1)
        reachable.set()
        runner.wake()
        deadline = time.monotonic() + 10
        while (job := runner.jobs.get(left))["state"] == "running" and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await runner.stop()
        return job

    from concurrent.futures import ThreadPoolExecutor

    try:
        with ThreadPoolExecutor(1) as pool:  # Playwright's sync API may hold this thread's loop
            job = pool.submit(asyncio.run, scenario()).result()
    finally:
        store.close()
    assert job["state"] == "failed" and job["error"] == SERVER_STOPPED
