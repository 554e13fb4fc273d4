"""Finding a browser: explicit path first, then a headless shell (Playwright's own, then the
system's), then a full Chromium."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ecoaudit.errors import BrowserNotFound
from ecoaudit.measure import browser


def test_the_environment_variable_wins(monkeypatch, tmp_path):
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\necho 'Chromium 1.2.3'\n")
    fake.chmod(0o755)
    monkeypatch.setenv(browser.ENV_VARIABLE, str(fake))
    found = browser.find_chromium()
    assert (found.path, found.source) == (str(fake), "ECOAUDIT_CHROMIUM")
    assert browser.browser_version(found) == "Chromium 1.2.3"


def test_a_wrong_explicit_path_is_one_clear_sentence(monkeypatch, tmp_path):
    monkeypatch.setenv(browser.ENV_VARIABLE, str(tmp_path / "missing"))
    with pytest.raises(BrowserNotFound, match="not an executable file"):
        browser.find_chromium()


def test_the_configured_path_is_used_when_no_variable(monkeypatch, tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'Chromium 156.0.8078.129 built on Debian'\n")
    fake.chmod(0o755)
    monkeypatch.delenv(browser.ENV_VARIABLE, raising=False)
    found = browser.find_chromium(str(fake))
    assert (found.source, found.build) == ("config", browser.FULL_BROWSER)


@pytest.mark.parametrize("layout", ["chrome-headless-shell-linux64/chrome-headless-shell",
                                    "chrome-linux/headless_shell"])
def test_playwrights_own_headless_shell_comes_first(monkeypatch, tmp_path, layout):
    monkeypatch.delenv(browser.ENV_VARIABLE, raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    for revision in ("1100", "1200"):
        shell = tmp_path / f"chromium_headless_shell-{revision}" / layout
        shell.parent.mkdir(parents=True)
        shell.write_text("#!/bin/sh\necho 'Chromium 1.2.3'\n")
        shell.chmod(0o755)
    found = browser.find_chromium()
    assert (found.source, found.build) == ("playwright", browser.HEADLESS_SHELL)
    assert "chromium_headless_shell-1200" in found.path  # the newest, lacking the expected one


def test_no_browser_at_all_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.delenv(browser.ENV_VARIABLE, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "none"))
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", ("chromium", str(tmp_path / "chrome")))
    monkeypatch.setattr(browser, "SYSTEM_SHELL_CANDIDATES", ("chromium-headless-shell",))
    with pytest.raises(BrowserNotFound) as raised:
        browser.find_chromium()
    message = str(raised.value)
    assert "playwright install chromium" in message and "ECOAUDIT_CHROMIUM" in message
    assert "\n" not in message


def test_the_command_prints_that_sentence_without_a_traceback(tmp_path):
    environment = {**os.environ, "ECOAUDIT_CHROMIUM": str(tmp_path / "missing")}
    done = subprocess.run([sys.executable, "-m", "ecoaudit", "audit", "http://127.0.0.1:9/"],
                          capture_output=True, text=True, env=environment, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "ECOAUDIT_CHROMIUM" in done.stderr and "not an executable file" in done.stderr


def test_the_system_browser_is_found_here():
    found = browser.find_chromium()
    assert os.access(found.path, os.X_OK)
    assert found.source in ("playwright", "system", "ECOAUDIT_CHROMIUM")
