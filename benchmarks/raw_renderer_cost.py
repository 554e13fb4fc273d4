"""CPU of a fresh browser context in Chromium alone, without Playwright: is the cost ours?

    .venv/bin/pip install websockets   # for this benchmark only; not a dependency of ecoaudit
    .venv/bin/python benchmarks/raw_renderer_cost.py [--contexts 4] [--chromium /usr/bin/chromium]

Starts Chromium headless with the flags ecoaudit uses, then speaks the DevTools protocol to it
directly over its WebSocket: for each context, Target.createBrowserContext and
Target.createTarget(about:blank), a 2 s wait, Target.disposeBrowserContext. Prints the CPU
seconds of each kind of Chromium process (psutil, user + system) while creating the context and
during the 2 s after. No page is loaded and no automation library is involved.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import time
import urllib.request

import psutil
import websockets

from process_tree import kind_of
from renderer_cost import spent

PORT = 9339
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage", "--mute-audio"]


def cpu_by_kind(browser: psutil.Process) -> dict[str, float]:
    """CPU seconds of the browser process and each kind of its children."""
    totals: dict[str, float] = {}
    for process in [browser, *browser.children(recursive=True)]:
        try:
            kind = kind_of(process.cmdline())
            times = process.cpu_times()
        except psutil.Error:
            continue
        totals[kind] = totals.get(kind, 0.0) + times.user + times.system
    return totals


def debugger_url() -> str:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/json/version") as answer:
                return json.load(answer)["webSocketDebuggerUrl"]
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def measure(chromium: str, contexts: int) -> None:
    process = subprocess.Popen([chromium, *FLAGS, f"--remote-debugging-port={PORT}",
                                "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    browser = psutil.Process(process.pid)
    try:
        async with websockets.connect(debugger_url(), max_size=None) as socket:
            calls = 0

            async def call(method: str, **params) -> dict:
                nonlocal calls
                calls += 1
                await socket.send(json.dumps({"id": calls, "method": method, "params": params}))
                while True:
                    message = json.loads(await socket.recv())
                    if message.get("id") == calls:
                        return message.get("result", {})

            await asyncio.sleep(2)  # let the browser's own start-up settle
            for number in range(1, contexts + 1):
                start = cpu_by_kind(browser)
                context = (await call("Target.createBrowserContext"))["browserContextId"]
                await call("Target.createTarget", url="about:blank", browserContextId=context)
                created = cpu_by_kind(browser)
                await asyncio.sleep(2)
                waited = cpu_by_kind(browser)
                print(f"context {number}: create: {spent(start, created)} | "
                      f"2 s after: {spent(created, waited)}", flush=True)
                await call("Target.disposeBrowserContext", browserContextId=context)
                await asyncio.sleep(0.5)
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contexts", type=int, default=4)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.chromium, arguments.contexts))


if __name__ == "__main__":
    main()
