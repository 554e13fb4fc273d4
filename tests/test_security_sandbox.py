"""Chromium keeps its sandbox unless it must not (root), and says so in the log.

The non-root case is real: a forked child drops to the `nobody` user, launches Chromium with our
launch options and reads chrome://sandbox, the browser's own report of its sandbox layers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time

import pytest
from playwright.async_api import async_playwright

from ecoaudit.browser import find_chromium, launch_options, needs_no_sandbox

pytestmark = pytest.mark.browser

NOBODY = 65534
CHILD_TIMEOUT_SECONDS = 90


async def sandbox_report(executable) -> dict:
    options = launch_options(executable)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**options)
        try:
            page = await browser.new_page()
            await page.goto("chrome://sandbox")
            text = await page.inner_text("body")
        finally:
            await browser.close()
    return {"uid": os.geteuid(), "sandbox_option": options["chromium_sandbox"], "text": text}


def report_as_nobody(executable, home) -> dict:
    """Fork, become `nobody` in the child, and bring its sandbox report back through a pipe."""
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.environ["HOME"] = str(home)
            result = asyncio.run(sandbox_report(executable))
        except BaseException as error:  # everything goes back to the parent
            result = {"error": f"{type(error).__name__}: {error}"}
        os.write(writer, json.dumps(result).encode())
        os._exit(0)
    os.close(writer)
    deadline = time.monotonic() + CHILD_TIMEOUT_SECONDS
    while os.waitpid(child, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(child, 9)
            os.waitpid(child, 0)
            pytest.fail("the sandboxed browser did not answer in time")
        time.sleep(0.2)
    with os.fdopen(reader, "rb") as pipe:
        return json.loads(pipe.read() or b'{"error": "no answer"}')


def test_root_runs_chromium_without_sandbox_and_logs_it(caplog) -> None:
    if not needs_no_sandbox():
        pytest.skip("not running as root")
    with caplog.at_level(logging.INFO, logger="ecoaudit.browser"):
        options = launch_options(find_chromium())
    assert options["chromium_sandbox"] is False
    assert "--no-sandbox" in caplog.text


def test_non_root_user_runs_chromium_inside_its_sandbox(tmp_path) -> None:
    executable = find_chromium()
    if needs_no_sandbox():
        home = tmp_path / "home"
        home.mkdir()
        os.chown(home, NOBODY, NOBODY)
        os.chmod(tmp_path, 0o755)
        report = report_as_nobody(executable, home)
    else:
        report = asyncio.run(sandbox_report(executable))
    assert "error" not in report, report.get("error")
    assert report["uid"] != 0 and report["sandbox_option"] is True
    assert "adequately sandboxed" in report["text"]
