"""The reference tool, ecoindex-cli 2.30.1, in a throwaway virtualenv, in its real browser.

ecoindex-cli launches Chromium with Playwright's `chromium.launch(headless=True)`: since
Playwright 1.49 that starts Playwright's *headless shell* (`chromium_headless_shell-<revision>`
under the browsers directory), not the full browser. `playwright install` cannot download here,
so `prepare()` lays out a browsers directory exactly where and how the reference's own Playwright
looks for the shell (the revision from its driver's `browsers.json`, the executable's relative
path from its driver's code) with the executable a symlink to Debian's real shell binary
(`/usr/lib/chromium/chromium-headless-shell`). The reference then runs with its default browser
choice, told only `PLAYWRIGHT_BROWSERS_PATH`: nothing in it is patched.

    prepare() -> Path of the virtualenv (created once under benchmarks/.cache/)
    run_analysis(urls, ...) -> (list[ReferenceResult], seconds)   (the CLI, as a user runs it)
    analysis_command(urls, work, ...) -> (command, results CSV)   (to run it yourself)
    reference_environment() -> the environment to run it in (PLAYWRIGHT_BROWSERS_PATH set)
    request_lists(urls, ...) -> {url: [ReferenceRequest]}  (the same scraper, for diagnosis)
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REFERENCE_PACKAGE = "ecoindex-cli==2.30.1"
CACHE_DIR = Path(__file__).resolve().parent / ".cache"
VENV_DIR = CACHE_DIR / "reference-venv"
BROWSERS_DIR = CACHE_DIR / "playwright-browsers"
# Debian's headless shell (package chromium-headless-shell); /usr/bin/chromium-headless-shell is
# only a wrapper script around it. REFERENCE_HEADLESS_SHELL names another binary.
SHELL_VARIABLE = "REFERENCE_HEADLESS_SHELL"
DEBIAN_SHELL = "/usr/lib/chromium/chromium-headless-shell"
SHELL_BROWSER = "chromium-headless-shell"
# Where Playwright puts the shell's executable inside its folder, newest layout first (used only
# when the driver's code cannot be read).
KNOWN_LAYOUTS = (("chrome-headless-shell-linux64", "chrome-headless-shell"),
                 ("chrome-linux", "headless_shell"))

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


def site_packages() -> Path:
    return Path(subprocess.run(
        [str(python_path()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip())


def shell_binary() -> Path:
    """The real headless-shell binary the reference's Playwright will find and start."""
    path = Path(os.environ.get(SHELL_VARIABLE) or DEBIAN_SHELL)
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise SystemExit(f"No headless shell at {path}: apt-get install chromium-headless-shell, "
                         f"or set {SHELL_VARIABLE} to the shell's binary.")
    return path.resolve()


def shell_revision(driver: Path) -> str:
    """The chromium-headless-shell revision the installed Playwright driver expects."""
    catalogue = json.loads((driver / "package" / "browsers.json").read_text())
    for browser in catalogue["browsers"]:
        if browser["name"] == SHELL_BROWSER:
            return str(browser["revision"])
    raise SystemExit(f"The reference's Playwright knows no {SHELL_BROWSER} "
                     f"({driver / 'package' / 'browsers.json'}): too old for this benchmark.")


def shell_layout(driver: Path) -> tuple[str, ...]:
    """The shell's executable path inside its folder on Linux x64, read from the driver's code.

    The driver maps each browser to per-platform path parts, e.g. (recent versions)
    "chromium-headless-shell": {"linux-x64": ["chrome-headless-shell-linux64",
    "chrome-headless-shell"], ...} or (older ones) {"ubuntu22.04-x64": ["chrome-linux",
    "headless_shell"], ...}. The first Linux x64 entry after the browser's name is taken.
    """
    for source in sorted((driver / "package" / "lib").rglob("*.js")):
        text = source.read_text(encoding="utf-8", errors="replace")
        for match in re.finditer(r"""["']chromium-headless-shell["']\s*:\s*\{""", text):
            block = text[match.end(): text.find("}", match.end())]
            for key, parts in re.findall(
                r"""["']([\w.-]+)["']\s*:\s*(\[[^\]]*\])""", block
            ):
                if key.endswith("x64") and not key.startswith(("mac", "win")):
                    names = tuple(re.findall(r"""["']([^"']+)["']""", parts))
                    if names and not any(name.endswith(".zip") for name in names):
                        return names
    return KNOWN_LAYOUTS[0]


def browsers_directory() -> Path:
    """Lay out BROWSERS_DIR as the reference's Playwright installs its headless shell.

    chromium_headless_shell-<revision>/<layout>/<executable> -> the real shell binary, plus the
    INSTALLATION_COMPLETE marker Playwright writes after an install. Idempotent.
    """
    driver = site_packages() / "playwright" / "driver"
    revision = shell_revision(driver)
    folder = BROWSERS_DIR / f"{SHELL_BROWSER.replace('-', '_')}-{revision}"
    executable = folder.joinpath(*shell_layout(driver))
    target = shell_binary()
    executable.parent.mkdir(parents=True, exist_ok=True)
    if executable.is_symlink() or executable.exists():
        if executable.resolve() == target:
            (folder / "INSTALLATION_COMPLETE").touch()
            return BROWSERS_DIR
        executable.unlink()
    executable.symlink_to(target)
    (folder / "INSTALLATION_COMPLETE").touch()
    return BROWSERS_DIR


def shell_executable() -> Path:
    """The executable path the reference's Playwright launches (inside BROWSERS_DIR)."""
    driver = site_packages() / "playwright" / "driver"
    folder = BROWSERS_DIR / f"{SHELL_BROWSER.replace('-', '_')}-{shell_revision(driver)}"
    return folder.joinpath(*shell_layout(driver))


def _remove_old_patch() -> None:
    """Earlier versions of this file patched Playwright's launch with a sitecustomize.py."""
    packages = site_packages()
    for stale in (packages / "sitecustomize.py",
                  *(packages / "__pycache__").glob("sitecustomize.*.pyc")):
        if stale.exists():
            stale.unlink()


def prepare(log: bool = True) -> Path:
    """Create the reference virtualenv once (pip from the package index) and its browsers dir."""
    if not cli_path().exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        if log:
            print(f"Installing {REFERENCE_PACKAGE} into {VENV_DIR} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV_DIR)], check=True)
        subprocess.run(
            [str(python_path()), "-m", "pip", "install", "--quiet", REFERENCE_PACKAGE],
            check=True,
        )
    _remove_old_patch()
    browsers_directory()
    return VENV_DIR


def reference_environment() -> dict[str, str]:
    """The caller's environment, with the reference's Playwright pointed at BROWSERS_DIR."""
    environment = dict(os.environ)
    environment["PLAYWRIGHT_BROWSERS_PATH"] = str(BROWSERS_DIR)
    return environment


def describe() -> str:
    """One line: which browser the reference runs, for the benchmarks' output."""
    executable = shell_executable()
    version = subprocess.run([str(executable), "--version"], capture_output=True, text=True,
                             timeout=20).stdout.strip()
    return (f"{REFERENCE_PACKAGE.replace('==', ' ')} in Playwright's headless shell: "
            f"{executable.relative_to(CACHE_DIR.parent)} -> {executable.resolve()} ({version})")


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
    print(describe())
