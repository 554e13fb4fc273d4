"""The reference tool, ecoindex-cli 2.30.1, in a throwaway virtualenv driving our Chromium.

`playwright install` cannot download a browser here, so a `sitecustomize.py` written into the
virtualenv makes every Playwright Chromium launch use the executable ecoaudit finds
(`ecoaudit.browser.find_chromium()`), unless the caller already named one.

    prepare() -> Path of the virtualenv (created once under benchmarks/.cache/)
    run_analysis(urls, ...) -> (list[ReferenceResult], seconds)   (the CLI, as a user runs it)
    analysis_command(urls, work, ...) -> (command, results CSV)   (to run it yourself)
    request_lists(urls, ...) -> {url: [ReferenceRequest]}  (the same scraper, for diagnosis)
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REFERENCE_PACKAGE = "ecoindex-cli==2.30.1"
CACHE_DIR = Path(__file__).resolve().parent / ".cache"
VENV_DIR = CACHE_DIR / "reference-venv"
CHROMIUM_VARIABLE = "REFERENCE_CHROMIUM"

SITECUSTOMIZE = '''\
"""Written by ecoaudit's benchmarks/reference_tool.py: make Playwright launch a given Chromium.

The executable is read from the {variable} environment variable at launch time.
"""
import os


def _use_given_chromium():
    try:
        from playwright._impl import browser_type
    except ImportError:
        return
    original_launch = browser_type.BrowserType.launch

    async def launch(self, *args, **kwargs):
        path = os.environ.get("{variable}")
        if path and not kwargs.get("executable_path"):
            kwargs["executable_path"] = path
        return await original_launch(self, *args, **kwargs)

    browser_type.BrowserType.launch = launch


_use_given_chromium()
'''

# Run inside the reference virtualenv: its own scraper, then the request list it counted.
REQUEST_LIST_SCRIPT = """
import asyncio, json, sys
from ecoindex.models.compute import WindowSize
from ecoindex.scraper.scrap import EcoindexScraper

url, wait_before, wait_after = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
scraper = EcoindexScraper(url=url, window_size=WindowSize(width=1920, height=1080),
                          wait_before_scroll=wait_before, wait_after_scroll=wait_after)
result = asyncio.run(scraper.get_page_analysis())
items = asyncio.run(scraper.get_all_requests())
print(json.dumps({"nodes": result.nodes, "requests": result.requests, "size": result.size,
                  "items": [{"url": i.url, "status": i.status, "size": i.size,
                             "mime_type": i.mime_type} for i in items]}))
"""


@dataclass(frozen=True)
class ReferenceResult:
    """One row of the reference tool's results file."""

    url: str
    nodes: int
    requests: int
    size_kb: float
    score: int
    grade: str
    ges: float
    water: float
    ok: bool  # False when the reference could not measure the page (it writes zeros then)


@dataclass(frozen=True)
class ReferenceRequest:
    """One HAR entry as the reference counts it."""

    url: str
    status: int
    size: float
    mime_type: str


def python_path() -> Path:
    return VENV_DIR / "bin" / "python"


def cli_path() -> Path:
    return VENV_DIR / "bin" / "ecoindex-cli"


def chromium_path() -> str:
    """The Chromium both tools drive: the one ecoaudit finds."""
    from ecoaudit.browser import find_chromium

    return find_chromium().path


def prepare(log: bool = True) -> Path:
    """Create the reference virtualenv once (pip from the package index), with sitecustomize."""
    if not cli_path().exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        if log:
            print(f"Installing {REFERENCE_PACKAGE} into {VENV_DIR} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV_DIR)], check=True)
        subprocess.run(
            [str(python_path()), "-m", "pip", "install", "--quiet", REFERENCE_PACKAGE],
            check=True,
        )
    site_packages = subprocess.run(
        [str(python_path()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    target = Path(site_packages) / "sitecustomize.py"
    wanted = SITECUSTOMIZE.replace("{variable}", CHROMIUM_VARIABLE)
    if not target.exists() or target.read_text() != wanted:
        target.write_text(wanted)
    return VENV_DIR


def reference_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment[CHROMIUM_VARIABLE] = chromium_path()
    return environment


def analysis_command(
    urls: list[str], work: Path, *, workers: int = 1, wait_before: int = 3, wait_after: int = 3
) -> tuple[list[str], Path]:
    """The `ecoindex-cli analyze` command line for `urls` and the CSV file it will write."""
    work.mkdir(parents=True, exist_ok=True)
    urls_file = work / "urls.txt"
    urls_file.write_text("".join(f"{url}\n" for url in urls))
    results_file = work / "results.csv"
    command = [
        str(cli_path()), "analyze", "--urls-file", str(urls_file), "--no-interaction",
        "--max-workers", str(workers), "--export-format", "csv",
        "--output-file", str(results_file),
        "--wait-before-scroll", str(wait_before), "--wait-after-scroll", str(wait_after),
    ]
    return command, results_file


def run_analysis(
    urls: list[str],
    *,
    workers: int = 1,
    wait_before: int = 3,
    wait_after: int = 3,
    output_dir: Path | None = None,
    timeout: float = 3600,
) -> tuple[list[ReferenceResult], float]:
    """Run `ecoindex-cli analyze` on `urls`; return its results and the wall-clock seconds."""
    prepare()
    work = Path(output_dir or tempfile.mkdtemp(prefix="reference-", dir=CACHE_DIR))
    command, results_file = analysis_command(
        urls, work, workers=workers, wait_before=wait_before, wait_after=wait_after
    )
    started = time.monotonic()
    done = subprocess.run(
        command, env=reference_environment(), cwd=work, capture_output=True, text=True,
        timeout=timeout,
    )
    elapsed = time.monotonic() - started
    (work / "stdout.txt").write_text(done.stdout)
    (work / "stderr.txt").write_text(done.stderr)
    if not results_file.exists():
        raise RuntimeError(
            f"ecoindex-cli wrote no results (exit {done.returncode}); see {work}/stderr.txt"
        )
    return read_results(results_file), elapsed


def read_results(path: Path) -> list[ReferenceResult]:
    """Parse the reference's CSV results file."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    results = []
    for row in rows:
        nodes, requests = int(row["nodes"]), int(row["requests"])
        results.append(
            ReferenceResult(
                url=row["url"],
                nodes=nodes,
                requests=requests,
                size_kb=float(row["size"]),
                score=round(float(row["score"])),
                grade=row["grade"],
                ges=float(row["ges"]),
                water=float(row["water"]),
                ok=requests > 0,
            )
        )
    return results


def request_lists(
    urls: list[str], *, wait_before: float = 3, wait_after: float = 3, timeout: float = 120
) -> dict[str, dict]:
    """For each url, the reference scraper's own counts and request list (for diagnosis)."""
    prepare()
    lists = {}
    for url in urls:
        done = subprocess.run(
            [str(python_path()), "-c", REQUEST_LIST_SCRIPT, url, str(wait_before), str(wait_after)],
            env=reference_environment(), capture_output=True, text=True, timeout=timeout,
        )
        if done.returncode != 0:
            lists[url] = {"error": done.stderr.strip().splitlines()[-1:]}
            continue
        data = json.loads(done.stdout.strip().splitlines()[-1])
        data["items"] = [ReferenceRequest(**item) for item in data["items"]]
        lists[url] = data
    return lists


if __name__ == "__main__":
    print(prepare())
