"""What each kind of job does once the runner started it: an audit of a few URLs, the crawl of a
site of the configuration, an acceptance. Each runs in the runner's job thread.

- An audit measures every URL in every device, `repeat` times, through the page pipeline, one
  measurement at a time, and checks between two measurements whether it was cancelled.
- A crawl is `crawl_sites` with a stop event (it ends "interrupted", resumable, when cancelled);
  with a broker it is queued for the workers (`queue_crawls`) and followed from the database.
- An acceptance is the command `ecoaudit acceptance` in a child process: its folder is exactly
  what the command line writes; a cancel interrupts it (as Ctrl-C does) and removes the half
  written folder; its progress is the number of measurements whose screenshot is written.

Every failure a user can act on becomes a `JobFailed` with one sentence.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Error as PlaywrightError

from ecoaudit.errors import EcoauditError
from ecoaudit.measure import BrowserSession, MeasureOptions
from ecoaudit.pipeline import PagePipeline, PageSamples
from ecoaudit.scoring.repeats import retained_entry
from ecoaudit.workflows.acceptance.evidence import EVIDENCE_DIR, MANIFEST_NAME, REPORT_NAME

PROGRESS_INTERVAL = 0.5  # seconds between two progress writes
POLL_INTERVAL = 0.3  # seconds between two looks at a child process or a cancel request
CANCEL_WAIT_SECONDS = 300  # a crawl cancelled on the workers: its pages in flight end first


class JobFailed(Exception):
    """The job could not do its work; the message is the one sentence shown to the user."""


class JobCancelled(Exception):
    """The job stopped because someone cancelled it."""


@dataclass
class JobControl:
    """The runner's hold on the job that runs: its cancel request and its progress."""

    stop_requested: Callable[[], bool]
    report: Callable[[dict[str, Any]], None]
    _last: float = field(default=0.0)

    def progress(self, done: int, total: int | None, *, force: bool = False,
                 **extra: Any) -> None:
        """Record the progress, at most every PROGRESS_INTERVAL seconds unless `force`."""
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            self.report({"done": done, "total": total, **extra})

    def check(self) -> None:
        """Raise JobCancelled when a cancel was requested."""
        if self.stop_requested():
            raise JobCancelled


def browser_failure(error: BaseException) -> str:
    """One sentence for a browser that could not start or died."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"The browser could not start or stopped during the job ({first[:200]})."


# -- audit ---------------------------------------------------------------------------------------

def measure_options(params: dict[str, Any]) -> MeasureOptions:
    """The protocol of an audit or a crawl from the job's parameters. Private addresses:
    refused when the form said so (`allow_private: false`, checked again at measurement time
    against a DNS answer that changed); otherwise as the command line does (allowed when the
    measured URL's own host is private)."""
    return MeasureOptions(wait_before=float(params.get("wait_before", 3.0)),
                          wait_after=float(params.get("wait_after", 3.0)),
                          timeout=float(params.get("timeout", 60.0)),
                          devices=list(params.get("devices") or []),
                          allow_private=params.get("allow_private"))


async def _audit(params: dict[str, Any], control: JobControl) -> list[PageSamples]:
    urls: list[str] = list(params["urls"])
    devices: list[str] = list(params.get("devices") or ["desktop"])
    repeat = int(params.get("repeat", 1))
    groups = [PageSamples(url, device) for url in urls for device in devices]
    total, done = len(groups) * repeat, 0
    control.progress(0, total, force=True)
    async with BrowserSession(measure_options(params)) as session:
        pipeline = PagePipeline(session)
        for _sample in range(repeat):
            for group in groups:
                control.check()
                capture = await pipeline.measure(group.url, device=group.device)
                group.pages.append(pipeline.score(capture))
                done += 1
                control.progress(done, total, force=True)
    return groups


def run_audit(params: dict[str, Any], control: JobControl) -> dict[str, Any]:
    """Measure the URLs; the result lists each page's retained figures."""
    try:
        groups = asyncio.run(_audit(params, control))
    except (EcoauditError, PlaywrightError) as error:
        message = str(error) if isinstance(error, EcoauditError) else browser_failure(error)
        raise JobFailed(message) from None
    pages = [_page_summary(group.device, retained_entry(group.entries)) for group in groups]
    measured = [page for page in pages if not page["error"]]
    if not measured:
        raise JobFailed(f"No page could be measured: {pages[0]['url']}: {pages[0]['error']}")
    return {"pages": pages}


def _page_summary(device: str, entry: dict[str, Any]) -> dict[str, Any]:
    score = entry.get("ecoindex") or {}
    co2 = entry.get("co2") or {}
    return {"url": entry.get("url"), "device": device, "title": entry.get("title"),
            "grade": score.get("grade"), "score": score.get("score"),
            "size_kb": score.get("size_kb"), "requests": score.get("requests"),
            "nodes": score.get("nodes"), "co2_g": co2.get("grams"),
            "error": entry.get("error")}


# -- crawl ---------------------------------------------------------------------------------------

def run_crawl(params: dict[str, Any], control: JobControl, *, db_url: str | None,
              config_path: Path, broker: str | None) -> dict[str, Any]:
    """Crawl one site of the configuration, in this process or on the workers."""
    from ecoaudit.config import load_config
    from ecoaudit.store import Store

    try:
        site = load_config(config_path).site(params["site"])
        site.check_secrets()
        with Store.open(db_url) as store:
            if broker:
                return _queued_crawl(site, store, params, control, broker)
            return asyncio.run(_local_crawl(site, store, params, control))
    except PlaywrightError as error:
        raise JobFailed(browser_failure(error)) from None
    except EcoauditError as error:
        raise JobFailed(str(error)) from None


async def _local_crawl(site: Any, store: Any, params: dict[str, Any],
                       control: JobControl) -> dict[str, Any]:
    from ecoaudit.crawl.engine import CrawlProgress, crawl_sites
    from ecoaudit.store.stop_guard import StopOnStorageFailure

    stop = asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            if control.stop_requested():
                stop.set()
            await asyncio.sleep(POLL_INTERVAL)

    def update(state: CrawlProgress) -> None:
        control.progress(state.done, state.done + state.queued, failed=state.failed)

    guard = StopOnStorageFailure(store, stop, asyncio.get_running_loop())
    watcher = asyncio.create_task(watch())
    try:
        results = await crawl_sites([site], guard, measure_options(params),
                                    concurrency=int(params.get("concurrency", 4)),
                                    progress=update, stop=stop)
    finally:
        watcher.cancel()
    guard.raise_failure()
    return _crawl_result(results, cancelled=control.stop_requested())


def _queued_crawl(site: Any, store: Any, params: dict[str, Any], control: JobControl,
                  broker: str) -> dict[str, Any]:
    from ecoaudit.crawl.engine import CrawlProgress
    from ecoaudit.workers.celery_app import check_broker, make_app
    from ecoaudit.workers.follow import follow_runs
    from ecoaudit.workers.submit import cancel_queued_run, queue_crawls

    app = make_app(broker)
    check_broker(app)
    queued = asyncio.run(queue_crawls([site], store, app, measure_options(params),
                                      concurrency=int(params.get("concurrency", 4))))
    refused = [item for item in queued if item.reason]
    if refused:
        raise JobFailed(f"{refused[0].site}: not queued: {refused[0].reason}")

    def update(state: CrawlProgress) -> None:
        control.progress(state.done, state.done + state.queued, failed=state.failed,
                         workers=True)

    run_ids = [item.run_id for item in queued]
    results = follow_runs(store, run_ids, update, stop=control.stop_requested)
    if control.stop_requested():  # the workers' queued pages are cancelled, then it ends
        for run_id in run_ids:
            cancel_queued_run(store, app, run_id)
        results = follow_runs(store, run_ids, update, timeout=CANCEL_WAIT_SECONDS)
    return _crawl_result(results, cancelled=control.stop_requested(), workers=True)


def _crawl_result(results: list[Any], *, cancelled: bool, workers: bool = False
                  ) -> dict[str, Any]:
    runs = [{"run_id": result.run_id, "site": result.site, "status": result.status,
             "reason": result.reason, "pages_ok": result.pages_ok,
             "pages_failed": result.pages_failed} for result in results]
    outcome = {"runs": runs, "workers": workers}
    if cancelled:
        raise JobCancelled(outcome)
    failed = [run for run in runs if run["status"] == "failed"]
    if failed:
        raise JobFailed(f"The crawl of {failed[0]['site']} failed: "
                        f"{failed[0]['reason'] or 'no page could be measured'}.", outcome)
    return outcome


# -- acceptance ----------------------------------------------------------------------------------

def acceptance_command(params: dict[str, Any], out_dir: Path) -> list[str]:
    """The command line that runs the acceptance of `params` into `out_dir`."""
    command = [sys.executable, "-m", "ecoaudit", "acceptance", "--contract",
               params["contract_path"], "--out", str(out_dir)]
    if params.get("site"):
        command += ["--site", params["site"], "--config", params["config_path"]]
    return command + list(params.get("urls") or [])


def run_acceptance_job(params: dict[str, Any], control: JobControl,
                       out_dir: Path) -> dict[str, Any]:
    """Run `ecoaudit acceptance` into `out_dir`; the result names the report and the bundle."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    total = params.get("measurements")
    process = subprocess.Popen(acceptance_command(params, out_dir), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        while process.poll() is None:
            if control.stop_requested():
                _interrupt(process)
                shutil.rmtree(out_dir, ignore_errors=True)
                raise JobCancelled
            shots = len(list((out_dir / EVIDENCE_DIR / "pages").glob("*/run-*.png")))
            control.progress(shots, total)
            time.sleep(POLL_INTERVAL)
    finally:
        if process.poll() is None:
            _interrupt(process)
    stdout, stderr = process.communicate()
    if not (out_dir / MANIFEST_NAME).is_file():  # exit 0, 1 and 2 "could not measure" write it
        shutil.rmtree(out_dir, ignore_errors=True)
        raise JobFailed(_last_error(stderr) or "The acceptance stopped without writing its "
                        "report.")
    verdict = next((line.removeprefix("Verdict: ") for line in stdout.splitlines()
                    if line.startswith("Verdict: ")), None)
    digest = next((line.rsplit(": ", 1)[-1] for line in stdout.splitlines()
                   if line.startswith("Manifest SHA-256")), None)
    return {"folder": str(out_dir), "report": REPORT_NAME, "verdict": verdict,
            "exit_code": process.returncode, "manifest_sha256": digest,
            "files": sorted(path.relative_to(out_dir).as_posix()
                            for path in out_dir.rglob("*") if path.is_file())}


def _interrupt(process: subprocess.Popen[str]) -> None:
    """Stop the child as Ctrl-C does (the browser is closed), then for good."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _last_error(stderr: str) -> str | None:
    """The one sentence the command printed ("Error: ..."), without its prefix."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("Error: "):
            return line.removeprefix("Error: ")
    return lines[-1][:300] if lines else None
