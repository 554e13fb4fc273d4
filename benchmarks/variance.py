"""Run-to-run variance of EcoIndex: the same pages measured N times, each in a fresh context.

    .venv/bin/python benchmarks/variance.py [--runs 10] [--concurrency 4 | 1,8]
        [--sites demo,generated] [--quick] [--json FILE]

Two sites, served on 127.0.0.1 only:

- the bundled demo site (`ecoaudit.demo.server.serve_demo_site`), every page of its sitemap;
- a generated site (benchmarks/sitegen.py: `realistic_site`, plus three `counting_pages`
  cases: lazy images far below the fold, a fetch fired 2 s after `load`, an iframe), served by
  a private nginx (benchmarks/serve.py; Python's http.server when nginx is missing); about ten
  pages chosen for their content: images, lazy images, scripts, a large DOM.

Every measurement goes through ecoaudit's own `BrowserSession.measure` with the default
`MeasureOptions` (fresh context, empty cache, 1920x1080, wait 3 s, ArrowDown, smooth scroll,
wait 3 s); `--quick` waits 0.5 s instead and runs 3 times unless `--runs` says otherwise (a
smoke run, or a look at what short waits do: not the protocol). For each concurrency level (one
browser per level; all pages x runs go through a semaphore of that size, run after run) it
prints, per page: the EcoIndex score (min, median, max, spread), the grades, nodes, requests and
size in KB (min/median/max) and which of the three inputs changed; then, for every page whose
figures vary, the requests that differ between runs (URLs present in some runs only, or whose
transferred bytes differ): the reason for the variance. With several levels it adds a table
comparing them. `--json` writes every run's figures and the differences.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sitegen
from ecoaudit.capture import Capture
from ecoaudit.demo.server import demo_site_directory, serve_demo_site
from ecoaudit.measure.options import MeasureOptions
from ecoaudit.measure.session import BrowserSession
from ecoaudit.metrics.page import page_ecoindex
from serve import NGINX, NginxServer, StaticServer

CACHE = Path(__file__).resolve().parent / ".cache" / "variance-site"
GENERATED_PAGES = 30  # realistic_site's size; ~8 of its pages are measured
CASES_FOLDER = "cas"  # counting_pages written beside it
CASES = ("lazy-images.html", "late-fetch.html", "iframe.html")
INPUTS = ("nodes", "requests", "size_kb")


@dataclass(frozen=True)
class Page:
    """One page to measure: its site, its label (path) and its URL."""

    site: str
    label: str
    url: str


@dataclass
class Run:
    """The figures of one measurement of one page."""

    score: int | None = None
    grade: str | None = None
    nodes: int | None = None
    requests: int | None = None
    size_kb: float | None = None
    error: str | None = None
    seconds: float = 0.0


@dataclass
class PageResult:
    """Every run of one page at one concurrency level, and the requests behind them."""

    page: Page
    runs: list[Run] = field(default_factory=list)
    captures: list[Capture] = field(default_factory=list)  # measured ones only


# ------------------------------------------------------------------------------------- pages


def demo_pages(base: str) -> list[Page]:
    """The demo site's pages, in its sitemap's order (`base` ends with a slash)."""
    sitemap = (demo_site_directory() / "sitemap.xml").read_text(encoding="utf-8")
    paths = [line.split("<loc>{base}/", 1)[1].split("</loc>", 1)[0]
             for line in sitemap.splitlines() if "<loc>{base}/" in line]
    return [Page("demo", "/" + path, base + path) for path in paths]


def page_features(html: str) -> dict[str, int]:
    """What a generated page holds: images, lazy images, the heavy script, its element count."""
    return {
        "images": html.count("<img"),
        "lazy": html.count('loading="lazy"'),
        "script": int("site.js" in html),
        "elements": html.count("<") - html.count("</"),
    }


GENERATED_KINDS: tuple[tuple[str, Callable[[dict[str, int]], bool]], ...] = (
    ("no image, heavy script", lambda f: f["images"] == 0 and f["script"] == 1),
    ("images, none lazy", lambda f: f["images"] >= 3 and f["lazy"] == 0),
    ("every image lazy", lambda f: f["images"] >= 3 and f["lazy"] == f["images"]),
    ("many images, half lazy", lambda f: f["images"] >= 5 and 0 < f["lazy"] < f["images"]),
    ("lazy images and script", lambda f: f["lazy"] >= 2 and f["script"] == 1),
    ("large DOM", lambda f: f["elements"] >= 2000),
)


def pick_generated(root: Path, paths: Sequence[str]) -> list[str]:
    """The home page, a section page, and the first leaf page of each kind of content."""
    chosen = [paths[0], next(p for p in paths if p.endswith("/index.html"))]
    leaves = [p for p in paths if not p.endswith("index.html")]
    for _kind, matches in GENERATED_KINDS:
        found = next((p for p in leaves if p not in chosen
                      and matches(page_features((root / p).read_text(encoding="utf-8")))), None)
        if found:
            chosen.append(found)
    return chosen


def build_generated_site() -> list[str]:
    """Write the generated site under benchmarks/.cache; return the paths to measure."""
    paths = sitegen.realistic_site(CACHE, GENERATED_PAGES)
    sitegen.counting_pages(CACHE / CASES_FOLDER)
    return pick_generated(CACHE, paths) + [f"{CASES_FOLDER}/{name}" for name in CASES]


@contextlib.contextmanager
def served_sites(sites: Sequence[str]) -> Iterator[list[Page]]:
    """Serve the chosen sites on 127.0.0.1; yield their pages."""
    with contextlib.ExitStack() as stack:
        pages: list[Page] = []
        if "demo" in sites:
            pages += demo_pages(stack.enter_context(serve_demo_site()))
        if "generated" in sites:
            paths = build_generated_site()
            server_type = NginxServer if Path(NGINX).exists() else StaticServer
            server = stack.enter_context(server_type(CACHE))
            pages += [Page("generated", "/" + path, server.url(path)) for path in paths]
        yield pages


# ----------------------------------------------------------------------------------- measure


def run_of(capture: Capture, seconds: float) -> Run:
    """The figures of one capture (error when it could not be measured)."""
    index = page_ecoindex(capture)
    if index is None:
        return Run(error=capture.error or "not measured", seconds=seconds)
    return Run(index.score, index.grade, index.nodes, index.requests, round(index.size_kb, 3),
               seconds=seconds)


async def measure_level(pages: Sequence[Page], options: MeasureOptions, runs: int,
                        concurrency: int) -> tuple[list[PageResult], dict[str, Any]]:
    """Every page `runs` times, `concurrency` at once, in one browser; results and run facts."""
    results = [PageResult(page) for page in pages]
    limit = asyncio.Semaphore(max(1, concurrency))
    done = 0
    total = len(pages) * runs

    async with BrowserSession(options) as session:

        async def one(result: PageResult) -> None:
            nonlocal done
            async with limit:
                started = time.monotonic()
                capture = await session.measure(result.page.url)
                seconds = time.monotonic() - started
            result.runs.append(run_of(capture, seconds))
            if page_ecoindex(capture) is not None:
                result.captures.append(capture)
            done += 1
            if done % 10 == 0 or done == total:
                print(f"  concurrency {concurrency}: {done}/{total} measurements",
                      file=sys.stderr, flush=True)

        started = time.monotonic()
        load_before = os.getloadavg()[0]
        await asyncio.gather(*(one(result) for _ in range(runs) for result in results))
        facts = {
            "concurrency": concurrency,
            "seconds": round(time.monotonic() - started, 1),
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "measurement_seconds": duration_figures(results),
            "browser": session.browser_description,
            "relaunches": session.relaunches,
        }
    return results, facts


def duration_figures(results: Sequence[PageResult]) -> dict[str, float]:
    """Median and longest wall-clock time of one measurement: how the load slowed each page."""
    seconds = [run.seconds for result in results for run in result.runs]
    return {"median": round(statistics.median(seconds), 2), "max": round(max(seconds), 2)}


# ----------------------------------------------------------------------------------- analyse


def spread_of(values: Sequence[float]) -> dict[str, float]:
    """min, median, max and spread (max - min) of some values."""
    return {"min": min(values), "median": statistics.median(values), "max": max(values),
            "spread": round(max(values) - min(values), 3)}


def summary(result: PageResult) -> dict[str, Any]:
    """The page's figures over its measured runs, and which EcoIndex inputs changed."""
    measured = [run for run in result.runs if run.error is None]
    out: dict[str, Any] = {"measured": len(measured), "failed": len(result.runs) - len(measured),
                           "errors": sorted({run.error for run in result.runs if run.error})}
    if not measured:
        return out
    out["score"] = spread_of([run.score for run in measured if run.score is not None])
    out["grades"] = sorted({run.grade for run in measured if run.grade})
    for name in INPUTS:
        out[name] = spread_of([getattr(run, name) for run in measured])
    out["changed"] = [name for name in INPUTS if out[name]["spread"]]
    return out


def request_profile(capture: Capture) -> dict[str, list[int]]:
    """Transferred bytes of every request of a capture, by URL (a URL may be fetched twice)."""
    profile: dict[str, list[int]] = defaultdict(list)
    for request in capture.requests:
        profile[request.url].append(request.transfer_bytes)
    return profile


def differing_requests(captures: Sequence[Capture]) -> list[dict[str, Any]]:
    """Requests that differ between runs: present in some runs only, fetched a different number
    of times, or with different transferred bytes; with their type and start times."""
    profiles = [request_profile(capture) for capture in captures]
    details: dict[str, dict[str, Any]] = defaultdict(lambda: {"types": set(), "starts": []})
    for capture in captures:
        for request in capture.requests:
            details[request.url]["types"].add(request.resource_type or "?")
            if request.started_ms is not None:
                details[request.url]["starts"].append(request.started_ms)
    differences = []
    for url in sorted(set().union(*profiles)):
        counts = [len(profile.get(url, [])) for profile in profiles]
        totals = [sum(profile[url]) for profile in profiles if url in profile]
        if len(set(counts)) == 1 and len(set(totals)) == 1:
            continue
        starts = details[url]["starts"]
        differences.append({
            "url": url,
            "type": "/".join(sorted(details[url]["types"])),
            "present_in": sum(1 for count in counts if count),
            "runs": len(profiles),
            "times_fetched": sorted(set(counts)),
            "bytes": [min(totals), max(totals)],
            "started_ms": [round(min(starts)), round(max(starts))] if starts else None,
        })
    return differences


def analyse(results: Sequence[PageResult]) -> list[dict[str, Any]]:
    """Summary and differing requests of every page, ready for JSON."""
    pages = []
    for result in results:
        entry = {"site": result.page.site, "page": result.page.label, "url": result.page.url,
                 **summary(result), "runs": [vars(run) for run in result.runs]}
        entry["differing_requests"] = (differing_requests(result.captures)
                                       if entry.get("changed") else [])
        pages.append(entry)
    return pages


# ------------------------------------------------------------------------------------ output


def triple(figures: dict[str, float], digits: int = 0) -> str:
    """'min / median / max' of a spread_of dict ('value' when constant)."""
    values = [figures["min"], figures["median"], figures["max"]]
    if figures["spread"] == 0:
        return f"{values[0]:.{digits}f}"
    return " / ".join(f"{value:.{digits}f}" if digits else f"{value:g}" for value in values)


def page_table(pages: Sequence[dict[str, Any]]) -> str:
    """The Markdown table of one concurrency level."""
    lines = ["| site | page | runs | score min / med / max | spread | grade | nodes | requests "
             "| size KB | changed |", "|---|---|---|---|---|---|---|---|---|---|"]
    for page in pages:
        runs = f"{page['measured']}" + (f" ({page['failed']} failed)" if page["failed"] else "")
        if not page["measured"]:
            lines.append(f"| {page['site']} | {page['page']} | {runs} | – | – | – | – | – | – "
                         f"| {'; '.join(page['errors'])[:80]} |")
            continue
        score = page["score"]
        lines.append(
            f"| {page['site']} | {page['page']} | {runs} | {score['min']:g} / "
            f"{score['median']:g} / {score['max']:g} | {score['spread']:g} | "
            f"{'/'.join(page['grades'])} | {triple(page['nodes'])} | {triple(page['requests'])} "
            f"| {triple(page['size_kb'], 1)} | {', '.join(page['changed']) or '–'} |")
    return "\n".join(lines)


def why_lines(pages: Sequence[dict[str, Any]]) -> list[str]:
    """For every page whose figures vary: the requests that differ between runs."""
    lines = []
    for page in pages:
        if not page.get("changed"):
            continue
        changed = ", ".join(f"{name} {page[name]['min']:g}..{page[name]['max']:g}"
                            for name in page["changed"])
        lines.append(f"- **{page['site']} {page['page']}**: {changed}")
        if not page["differing_requests"]:
            lines.append("  - the same requests with the same bytes in every run "
                         "(only the DOM changed)")
        for request in page["differing_requests"]:
            lines.append("  - " + describe_request(request, page["url"]))
    return lines


def describe_request(request: dict[str, Any], page_url: str) -> str:
    """One differing request in a sentence: where, when, how often and how heavy."""
    base = page_url.split("/", 3)[:3]
    url = request["url"].removeprefix("/".join(base))
    bytes_min, bytes_max = request["bytes"]
    size = f"{bytes_min} B" if bytes_min == bytes_max else f"{bytes_min}..{bytes_max} B"
    start = request["started_ms"]
    when = "" if start is None else f", started at {start[0] / 1000:.1f}..{start[1] / 1000:.1f} s"
    times = request["times_fetched"]
    fetched = "" if max(times) <= 1 else f", fetched {'/'.join(map(str, times))} times"
    return (f"`{url}` ({request['type']}): in {request['present_in']}/{request['runs']} runs, "
            f"{size}{fetched}{when}")


def comparison_table(levels: Sequence[dict[str, Any]]) -> str:
    """Median score, score spread and median size of every page at every concurrency level."""
    heads = [f"c={level['facts']['concurrency']}" for level in levels]
    lines = ["| site | page | " + " | ".join(f"score med (spread) {h}" for h in heads) + " | "
             + " | ".join(f"size KB med {h}" for h in heads) + " | "
             + " | ".join(f"requests med {h}" for h in heads) + " |",
             "|---|---|" + "---|" * (3 * len(levels))]
    for index, page in enumerate(levels[0]["pages"]):
        same = [level["pages"][index] for level in levels]
        scores = [f"{p['score']['median']:g} ({p['score']['spread']:g})" if p["measured"]
                  else "–" for p in same]
        sizes = [f"{p['size_kb']['median']:.1f}" if p["measured"] else "–" for p in same]
        requests = [f"{p['requests']['median']:g}" if p["measured"] else "–" for p in same]
        lines.append(f"| {page['site']} | {page['page']} | " + " | ".join(scores + sizes
                                                                          + requests) + " |")
    return "\n".join(lines)


def headline(levels: Sequence[dict[str, Any]]) -> list[str]:
    """The widest score spread of each site at each level, and the grade changes."""
    lines = []
    for level in levels:
        concurrency = level["facts"]["concurrency"]
        for site in sorted({page["site"] for page in level["pages"]}):
            measured = [p for p in level["pages"] if p["site"] == site and p["measured"]]
            if not measured:
                continue
            widest = max(measured, key=lambda p: p["score"]["spread"])
            regraded = [p["page"] for p in measured if len(p["grades"]) > 1]
            varied = [f"{p['page']} ({', '.join(p['changed'])})" for p in measured
                      if p["changed"]]
            lines.append(f"- c={concurrency}, {site}: widest score spread "
                         f"{widest['score']['spread']:g} ({widest['page']}); grade changes: "
                         f"{', '.join(regraded) or 'none'}; inputs that varied: "
                         f"{'; '.join(varied) or 'none'}")
    return lines


def report(levels: Sequence[dict[str, Any]], runs: int, options: MeasureOptions) -> str:
    """The whole Markdown report."""
    parts = [f"# EcoIndex run-to-run variance: {runs} runs per page, waits "
             f"{options.wait_before:g} s + {options.wait_after:g} s, {os.cpu_count()} CPUs", ""]
    for level in levels:
        facts = level["facts"]
        duration = facts["measurement_seconds"]
        parts += [f"## Concurrency {facts['concurrency']} ({facts['seconds']:g} s in all, one "
                  f"page {duration['median']:g} s median, {duration['max']:g} s at most; load "
                  f"average {facts['load_average_1min'][0]:g} -> "
                  f"{facts['load_average_1min'][1]:g}; {facts['browser']})", "",
                  page_table(level["pages"]), ""]
        why = why_lines(level["pages"])
        parts += ["### Why: requests that differ between runs", ""]
        parts += (why or ["Every page gave the same nodes, requests and bytes in every run."])
        parts.append("")
    if len(levels) > 1:
        parts += ["## Concurrency levels compared", "", comparison_table(levels), ""]
    parts += ["## Headline", "", *headline(levels), ""]
    return "\n".join(parts)


# -------------------------------------------------------------------------------------- main


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int,
                        help="measurements per page (10; 3 with --quick)")
    parser.add_argument("--concurrency", default="4",
                        help="measurements at once; a comma list measures at each level (4)")
    parser.add_argument("--sites", default="demo,generated", help="demo, generated or both")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 0.5 s waits and 3 runs (not the protocol)")
    parser.add_argument("--json", type=Path, help="write every run's figures to this file")
    arguments = parser.parse_args(argv)
    arguments.levels = [int(value) for value in arguments.concurrency.split(",") if value]
    arguments.site_list = [value.strip() for value in arguments.sites.split(",") if value]
    if arguments.runs is None:
        arguments.runs = 3 if arguments.quick else 10
    return arguments


def options_for(quick: bool) -> MeasureOptions:
    """The default protocol; 0.5 s waits for a smoke run."""
    return MeasureOptions(wait_before=0.5, wait_after=0.5) if quick else MeasureOptions()


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the Markdown report, write the JSON document."""
    arguments = parse_arguments(argv)
    options = options_for(arguments.quick)
    levels = []
    with served_sites(arguments.site_list) as pages:
        for concurrency in arguments.levels:
            print(f"Measuring {len(pages)} pages x {arguments.runs} runs at concurrency "
                  f"{concurrency}...", file=sys.stderr, flush=True)
            results, facts = asyncio.run(
                measure_level(pages, options, arguments.runs, concurrency))
            levels.append({"facts": facts, "pages": analyse(results)})
    print(report(levels, arguments.runs, options))
    if arguments.json:
        document = {"runs": arguments.runs, "quick": arguments.quick, "cpus": os.cpu_count(),
                    "wait_before": options.wait_before, "wait_after": options.wait_after,
                    "viewport": [options.viewport_width, options.viewport_height],
                    "levels": levels}
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
