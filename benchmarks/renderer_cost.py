"""CPU that Chromium spends per fresh context, by process type: where a page's CPU goes.

    .venv/bin/python benchmarks/renderer_cost.py [--wait 3] [--pages 4]

Serves a one-element page on 127.0.0.1, then, in one browser (the one ecoaudit finds:
ECOAUDIT_CHROMIUM if set), opens a fresh context per page, loads the page, waits, and closes the
context, printing the CPU seconds each kind of process used in each phase (from psutil, summed
over the live process tree; kinds as in process_tree.kind_of). For whole runs, see
process_tree.py, which also counts the processes that have already exited.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import psutil
from playwright.async_api import async_playwright

from ecoaudit.measure.browser import find_chromium, launch_options
from ecoaudit.net.localserve import served_folder
from process_tree import kind_of


def cpu_by_kind() -> dict[str, float]:
    """CPU seconds of each kind of process below this one."""
    totals: dict[str, float] = {}
    for process in psutil.Process().children(recursive=True):
        try:
            times = process.cpu_times()
            kind = kind_of(process.cmdline())
        except psutil.Error:
            continue
        totals[kind] = totals.get(kind, 0.0) + times.user + times.system
    return totals


def spent(before: dict[str, float], after: dict[str, float]) -> str:
    parts = [f"{kind} {after[kind] - before.get(kind, 0.0):.2f}" for kind in sorted(after)
             if after[kind] - before.get(kind, 0.0) >= 0.01]
    return ", ".join(parts) or "-"


async def measure(base: str, wait: float, pages: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options(find_chromium()))
        await asyncio.sleep(2)  # let the browser's own start-up settle
        for number in range(1, pages + 1):
            start = cpu_by_kind()
            context = await browser.new_context(viewport={"width": 1280, "height": 720})
            page = await context.new_page()
            await page.goto(f"{base}/page.html")
            loaded = cpu_by_kind()
            await asyncio.sleep(wait)
            waited = cpu_by_kind()
            await context.close()
            print(f"page {number}: open and load: {spent(start, loaded)} | "
                  f"{wait:g} s after load: {spent(loaded, waited)}")
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, default=3.0)
    parser.add_argument("--pages", type=int, default=4)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "page.html").write_text("<html><body><p>one element</p></body></html>")
        with served_folder(Path(folder)) as base:
            asyncio.run(measure(base, arguments.wait, arguments.pages))


if __name__ == "__main__":
    main()
