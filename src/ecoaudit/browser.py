"""Finding a Chromium to drive, and the launch options to drive it with.

Order: an explicit path (ECOAUDIT_CHROMIUM or the config), then Playwright's own Chromium where
it is installed, then a system Chromium or Chrome.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ecoaudit.errors import BrowserNotFound

log = logging.getLogger(__name__)

ENV_VARIABLE = "ECOAUDIT_CHROMIUM"
SYSTEM_CANDIDATES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/opt/google/chrome/chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
HOW_TO_GET_ONE = (
    "No Chromium or Chrome was found: run `make setup browser` (or `playwright install chromium`, "
    "or `apt-get install chromium`), or set ECOAUDIT_CHROMIUM to the browser's executable."
)


@dataclass(frozen=True)
class BrowserExecutable:
    """A browser executable and where it was found."""

    path: str
    source: str  # "ECOAUDIT_CHROMIUM", "config", "playwright" or "system"


def playwright_chromium_path() -> str | None:
    """Path of Playwright's own Chromium if it is installed, else None."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except Exception:  # the driver could not start: treat as absent
        log.debug("Playwright driver could not report its Chromium", exc_info=True)
        return None
    return path if path and Path(path).is_file() else None


def _usable(path: str) -> str | None:
    resolved = shutil.which(path) if not os.path.isabs(path) else path
    if resolved and os.path.isfile(resolved) and os.access(resolved, os.X_OK):
        return resolved
    return None


def find_chromium(configured: str | None = None) -> BrowserExecutable:
    """Find a Chromium executable, or raise BrowserNotFound with how to get one."""
    explicit = os.environ.get(ENV_VARIABLE)
    for source, path in ((ENV_VARIABLE, explicit), ("config", configured)):
        if path:
            resolved = _usable(path)
            if not resolved:
                raise BrowserNotFound(
                    f"The browser named by {source} ({path}) is not an executable file: "
                    "fix the path or unset it."
                )
            return BrowserExecutable(resolved, source)
    own = playwright_chromium_path()
    if own:
        return BrowserExecutable(own, "playwright")
    for candidate in SYSTEM_CANDIDATES:
        resolved = _usable(candidate)
        if resolved:
            return BrowserExecutable(resolved, "system")
    raise BrowserNotFound(HOW_TO_GET_ONE)


def needs_no_sandbox() -> bool:
    """Chromium's sandbox cannot run as root: only then is --no-sandbox used."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def launch_options(executable: BrowserExecutable) -> dict:
    """Keyword arguments for Playwright's chromium.launch()."""
    sandbox = not needs_no_sandbox()
    if not sandbox:
        log.info("Running as root: Chromium is started with --no-sandbox.")
    return {
        "executable_path": executable.path,
        "headless": True,
        "chromium_sandbox": sandbox,
        "args": [
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--mute-audio",
        ],
    }


def browser_version(executable: BrowserExecutable) -> str | None:
    """Version line the executable prints, e.g. 'Chromium 156.0.8078.73'."""
    try:
        done = subprocess.run(
            [executable.path, "--version"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else None


def main() -> int:
    """`python -m ecoaudit.browser`: print the browser found, exit 1 if none."""
    try:
        executable = find_chromium()
    except BrowserNotFound as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Browser: {executable.path} ({executable.source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
