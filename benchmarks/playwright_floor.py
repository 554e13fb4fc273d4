"""What the protocol costs with nothing of ours: the floor under ecoaudit's CPU per page.

    .venv/bin/python benchmarks/playwright_floor.py [--pages 60] [--concurrency 16]

Generates (once) a site of --pages pages with benchmarks/sitegen.py, serves it with nginx on
127.0.0.1, and measures it four times in the browser ecoaudit finds, each time with the smallest
Playwright script that does a part of the protocol (a fresh context per page, load, 1 s, ...,
1 s, count the elements, close), run under process_tree so that the CPU of every process kind is
counted (renderers included):

- `bare`: load and count;
- `har`: the same, recording the HAR with bodies attached (as ecoaudit does);
- `har+scroll`: plus ArrowDown and the smooth scroll to the bottom (the EcoIndex protocol);
- `har+scroll+coverage`: plus JS and CSS coverage through a CDP session (as ecoaudit does).

The last line is ecoaudit itself (`ecoaudit audit` on the same URLs, 1 s + 1 s waits). The
difference between it and `har+scroll+coverage` is what ecoaudit adds of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path

import sitegen
from process_tree import DRIVER, TOOL, cpu_table, overhead_share, run_measured
from serve import NginxServer

CACHE = Path(__file__).resolve().parent / ".cache"
VARIANTS = ("bare", "har", "har+scroll", "har+scroll+coverage")
SCROLL = "() => window.scrollTo({top: document.body.scrollHeight, behavior: 'smooth'})"
COVERAGE_COMMANDS = ("Profiler.enable", "DOM.enable", "CSS.enable", "CSS.startRuleUsageTracking")


async def measure(urls: list[str], variant: str, concurrency: int) -> None:
    """One variant of the minimal protocol on every URL (runs in a child process)."""
    from playwright.async_api import async_playwright

    from ecoaudit.measure.browser import find_chromium, launch_options

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options(find_chromium()))
        limit = asyncio.Semaphore(concurrency)

        async def one(url: str) -> None:
            async with limit:
                work = tempfile.mkdtemp(prefix="floor-")
                har = ({"record_har_path": f"{work}/page.har", "record_har_content": "attach"}
                       if "har" in variant else {})
                context = await browser.new_context(viewport={"width": 1280, "height": 720}, **har)
                page = await context.new_page()
                if "coverage" in variant:
                    session = await context.new_cdp_session(page)
                    for command in COVERAGE_COMMANDS:
                        await session.send(command)
                    await session.send("Profiler.startPreciseCoverage",
                                       {"callCount": False, "detailed": False})
                await page.goto(url)
                await asyncio.sleep(1)
                if "scroll" in variant:
                    await page.keyboard.press("ArrowDown")
                    await page.evaluate(SCROLL)
                await asyncio.sleep(1)
                await page.evaluate("() => document.querySelectorAll('*').length")
                if "coverage" in variant:
                    await session.send("Profiler.takePreciseCoverage")
                    await session.send("CSS.stopRuleUsageTracking")
                await context.close()
                shutil.rmtree(work, ignore_errors=True)

        await asyncio.gather(*(one(url) for url in urls))
        await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # the child's side
    parser.add_argument("--urls", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.variant:
        urls = json.loads(Path(arguments.urls).read_text())
        asyncio.run(measure(urls, arguments.variant, arguments.concurrency))
        return 0

    root = CACHE / f"floor-site-{arguments.pages}"
    if not root.is_dir():
        sitegen.realistic_site(root, arguments.pages)
    pages = sorted(path.relative_to(root) for path in root.rglob("*.html"))[:arguments.pages]
    work = Path(tempfile.mkdtemp(prefix="floor-", dir=CACHE))
    with NginxServer(root) as server:
        urls = [server.url(str(page)) for page in pages]
        urls_file = work / "urls.json"
        urls_file.write_text(json.dumps(urls))
        ecoaudit = shutil.which("ecoaudit", path=str(Path(sys.executable).parent))
        runs = [(variant, [sys.executable, __file__, "--variant", variant, "--urls",
                           str(urls_file), "--concurrency", str(arguments.concurrency)])
                for variant in VARIANTS]
        runs.append(("ecoaudit audit", [ecoaudit, "audit", *urls, "--viewport", "1280x720",
                                        "--wait-before", "1", "--wait-after", "1",
                                        "--concurrency", str(arguments.concurrency),
                                        "--json", str(work / "ecoaudit.json")]))
        print(f"{len(urls)} pages, concurrency {arguments.concurrency}, 1 s + 1 s waits\n")
        print("| run | CPU-s / page | python + driver / page | share of the total |")
        print("|---|---|---|---|")
        tables = []
        for name, command in runs:
            usage = run_measured(command, cwd=work, log_path=work / f"{name.replace(' ', '-')}.log")
            ours = usage.cpu_by_kind.get(TOOL, 0) + usage.cpu_by_kind.get(DRIVER, 0)
            print(f"| {name} | {usage.cpu_seconds / len(urls):.3f} | {ours / len(urls):.3f} | "
                  f"{overhead_share(usage):.0%} |", flush=True)
            tables.append(f"{name}:\n\n{cpu_table(usage, len(urls))}")
    print("\n" + "\n\n".join(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
