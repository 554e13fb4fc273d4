"""Finding a Chromium to drive, and the launch options to drive it with.

The EcoIndex reference, as its users install it, measures in Playwright's *headless shell* (the
old headless mode), so a shell is preferred. Order: an explicit path (ECOAUDIT_CHROMIUM, then the
config), Playwright's own headless shell, the system's headless shell, and only then a full
Chromium or Chrome (Playwright's own, then the system's).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ecoaudit.errors import BrowserNotFound

log = logging.getLogger(__name__)

ENV_VARIABLE = "ECOAUDIT_CHROMIUM"
HEADLESS_SHELL = "headless-shell"
FULL_BROWSER = "full"
BUILD_NAMES = {HEADLESS_SHELL: "headless shell", FULL_BROWSER: "full browser"}

# Debian/Ubuntu put the real shell in /usr/lib/chromium and a wrapper script on the PATH:
# the real binary first, so that Playwright's process is Chromium itself.
SYSTEM_SHELL_CANDIDATES = (
    "/usr/lib/chromium/chromium-headless-shell",
    "chromium-headless-shell",
    "chrome-headless-shell",
    "headless_shell",
    "/usr/bin/chromium-headless-shell",
    "/opt/google/chrome-headless-shell/chrome-headless-shell",
)
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
# Where a Playwright install puts its headless shell, inside chromium_headless_shell-<revision>/.
PLAYWRIGHT_SHELL_LAYOUTS = (
    "chrome-headless-shell-linux64/chrome-headless-shell",
    "chrome-headless-shell-linux-arm64/chrome-headless-shell",
    "chrome-linux/headless_shell",
    "chrome-headless-shell-mac-arm64/chrome-headless-shell",
    "chrome-headless-shell-mac-x64/chrome-headless-shell",
    "chrome-mac/headless_shell",
    "chrome-headless-shell-win64/chrome-headless-shell.exe",
    "chrome-win/headless_shell.exe",
)
VERSION_PATTERN = re.compile(r"\b(Chromium|Chrome|HeadlessChrome)\b.*?\d+\.\d+\.\d+", re.I)
HOW_TO_GET_ONE = (
    "No Chromium or Chrome was found: run `make setup browser` (or `playwright install "
    "chromium`, or `apt-get install chromium-headless-shell`), or set ECOAUDIT_CHROMIUM to the "
    "browser's executable."
)


@dataclass(frozen=True)
class BrowserExecutable:
    """A browser executable, where it was found, and which build it is."""

    path: str
    source: str  # "ECOAUDIT_CHROMIUM", "config", "playwright" or "system"
    build: str = FULL_BROWSER  # HEADLESS_SHELL or FULL_BROWSER

    @property
    def is_shell(self) -> bool:
        return self.build == HEADLESS_SHELL

    def describe(self) -> str:
        """E.g. 'headless shell, /usr/lib/chromium/chromium-headless-shell (system)'."""
        return f"{BUILD_NAMES[self.build]}, {self.path} ({self.source})"


def build_of(path: str) -> str:
    """Which build an executable is, from its name (the shell is named for what it is)."""
    names = {Path(path).name.lower(), Path(os.path.realpath(path)).name.lower()}
    shell = any("headless_shell" in name or "headless-shell" in name for name in names)
    return HEADLESS_SHELL if shell else FULL_BROWSER


def _usable(path: str) -> str | None:
    resolved = shutil.which(path) if not os.path.isabs(path) else path
    if resolved and os.path.isfile(resolved) and os.access(resolved, os.X_OK):
        return resolved
    return None


def _version_line(path: str) -> str | None:
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.strip().splitlines()
    return lines[0].strip() if lines else None


def _explicit(source: str, path: str) -> BrowserExecutable:
    resolved = _usable(path)
    if not resolved:
        raise BrowserNotFound(
            f"The browser named by {source} ({path}) is not an executable file: "
            "fix the path or unset it."
        )
    version = _version_line(resolved)
    if not version or not VERSION_PATTERN.search(version):
        said = f"it printed {version[:80]!r}" if version else "it printed no version"
        raise BrowserNotFound(
            f"The program named by {source} ({path}) is not a Chromium or Chrome "
            f"(`{Path(resolved).name} --version` should print e.g. 'Chromium 156.0.1'; {said}): "
            "point it to a Chromium, Chrome or headless shell executable, or unset it."
        )
    return BrowserExecutable(resolved, source, build_of(resolved))


def playwright_registry() -> Path | None:
    """The folder where `playwright install` puts browsers, as Playwright itself computes it."""
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured == "0":
        package = _playwright_package()
        return package / ".local-browsers" if package else None
    if configured:
        return Path(configured).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "ms-playwright"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "ms-playwright"


def _playwright_package() -> Path | None:
    try:
        import playwright
    except ImportError:
        return None
    return Path(playwright.__file__).parent / "driver" / "package"


def _playwright_revision(name: str) -> str | None:
    """The revision of browser `name` that the installed Playwright expects."""
    package = _playwright_package()
    try:
        browsers = json.loads((package / "browsers.json").read_text()) if package else {}
    except (OSError, ValueError):
        return None
    for entry in browsers.get("browsers", []):
        if entry.get("name") == name:
            return str(entry.get("revision"))
    return None


def playwright_shell_path() -> str | None:
    """Playwright's own headless shell where installed: the revision this Playwright expects
    first, else the newest one installed."""
    registry = playwright_registry()
    if registry is None or not registry.is_dir():
        return None
    wanted = _playwright_revision("chromium-headless-shell")
    folders = sorted(registry.glob("chromium_headless_shell-*"),
                     key=lambda folder: _revision_key(folder.name), reverse=True)
    folders.sort(key=lambda folder: folder.name != f"chromium_headless_shell-{wanted}")
    for folder in folders:
        for layout in PLAYWRIGHT_SHELL_LAYOUTS:
            resolved = _usable(str(folder / layout))
            if resolved:
                return resolved
    return None


def _revision_key(name: str) -> int:
    digits = name.rsplit("-", 1)[-1]
    return int(digits) if digits.isdigit() else -1


def playwright_chromium_path() -> str | None:
    """Path of Playwright's own full Chromium if it is installed, else None."""
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


def _first_usable(candidates: tuple[str, ...]) -> str | None:
    for candidate in candidates:
        resolved = _usable(candidate)
        if resolved:
            return resolved
    return None


def find_headless_shell() -> BrowserExecutable | None:
    """A headless shell (Playwright's own, else the system's), or None."""
    own = playwright_shell_path()
    if own:
        return BrowserExecutable(own, "playwright", HEADLESS_SHELL)
    system = _first_usable(SYSTEM_SHELL_CANDIDATES)
    return BrowserExecutable(system, "system", HEADLESS_SHELL) if system else None


def find_full_chromium() -> BrowserExecutable | None:
    """A full Chromium or Chrome (Playwright's own, else the system's), or None."""
    own = playwright_chromium_path()
    if own:
        return BrowserExecutable(own, "playwright", FULL_BROWSER)
    system = _first_usable(SYSTEM_CANDIDATES)
    return BrowserExecutable(system, "system", build_of(system)) if system else None


def find_chromium(configured: str | None = None) -> BrowserExecutable:
    """Find a Chromium executable, preferring a headless shell, or raise BrowserNotFound."""
    for source, path in ((ENV_VARIABLE, os.environ.get(ENV_VARIABLE)), ("config", configured)):
        if path:
            return _explicit(source, path)
    found = find_headless_shell() or find_full_chromium()
    if found is None:
        raise BrowserNotFound(HOW_TO_GET_ONE)
    return found


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
    return _version_line(executable.path)


def main(arguments: list[str] | None = None) -> int:
    """`python -m ecoaudit.measure.browser [--shell]`: print the browser found; exit 1 if none (with
    --shell: if the browser found is not a headless shell)."""
    wanted_shell = "--shell" in (sys.argv[1:] if arguments is None else arguments)
    try:
        executable = find_chromium()
    except BrowserNotFound as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Browser: {executable.describe()}")
    return 1 if wanted_shell and not executable.is_shell else 0


if __name__ == "__main__":
    sys.exit(main())
