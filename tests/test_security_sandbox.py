"""Chromium keeps its sandbox unless it must not (root), and says so in the log.

The non-root case is real: a forked child drops to the `nobody` user, launches Chromium with our
launch options, opens a page, and reads from /proc what the page's renderer runs under: a seccomp
filter (the sandbox's system-call layer) and a PID namespace of its own (its namespace layer).
That holds for the headless shell, which has no chrome://sandbox page, and for the full browser.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from ecoaudit.measure.browser import find_chromium, launch_options, needs_no_sandbox

pytestmark = pytest.mark.browser

NOBODY = 65534
CHILD_TIMEOUT_SECONDS = 90


def _status(pid: str) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return fields


def renderer_confinement() -> list[dict]:
    """Seccomp mode and PID namespace depth of each Chromium renderer this process started.

    Read from /proc/PID/status, which stays readable for Chromium's non-dumpable children.
    """
    statuses, renderers = {}, []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                statuses[entry.name] = _status(entry.name)
                if b"--type=renderer" in Path(f"/proc/{entry.name}/cmdline").read_bytes():
                    renderers.append(entry.name)
            except OSError:
                continue

    def descends_from_us(pid: str) -> bool:
        while pid in statuses and pid not in ("0", "1"):
            if pid == str(os.getpid()):
                return True
            pid = statuses[pid].get("PPid", "0")
        return False

    return [{"seccomp": statuses[pid].get("Seccomp"),
             "own_pid_namespace": len(statuses[pid].get("NSpid", "").split()) > 1}
            for pid in renderers if descends_from_us(pid)]


async def sandbox_report(executable) -> dict:
    options = launch_options(executable)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**options)
        try:
            page = await browser.new_page()
            await page.goto("data:text/html,<p>sandbox</p>")
            renderers = renderer_confinement()
        finally:
            await browser.close()
    return {"uid": os.geteuid(), "sandbox_option": options["chromium_sandbox"],
            "renderers": renderers}


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
    with caplog.at_level(logging.INFO, logger="ecoaudit.measure.browser"):
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
    assert report["renderers"], "no renderer process was found"
    # Seccomp mode 2 is a filter: the renderer's system calls are confined.
    assert all(r["seccomp"] == "2" and r["own_pid_namespace"] for r in report["renderers"])
