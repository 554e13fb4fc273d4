"""Throughput benchmark: pages per minute of `ecoaudit crawl` against ecoindex-cli 2.30.1.

    .venv/bin/python benchmarks/throughput.py [--pages 50] [--concurrency 16,32]
        [--reference-workers 8,16,24] [--scaling 50,200,1000] [--large-waits 1]
        [--markdown FILE] [--json FILE]

1. Generates local municipal-looking sites of exactly N pages each
   (benchmarks/.cache/throughput-site-N) and serves each with a private nginx on 127.0.0.1.
2. Head to head, with the full protocol (3 s + 3 s, viewport 1280x720 on both sides, the
   reference's real viewport): `ecoaudit crawl --url START --max-pages N` (once per
   --concurrency value, with the browser ecoaudit finds: ECOAUDIT_CHROMIUM if set), then the
   reference on exactly the URLs ecoaudit measured, once per worker count, in its own browser
   (Playwright's headless shell, see reference_tool.py); the best of each side is compared, and
   per-page numbers (nodes, requests, bytes, score, grade) are compared between the two tools.
3. Scaling curve of ecoaudit alone: each point is a fresh crawl of the first N pages; points above
   200 pages use `--large-waits` seconds before and after the scroll (said in the output).

Wall-clock time is the whole command (start-up included). CPU: user + system seconds of every
process of the tree, from /proc every 0.1 s, per kind of process (renderer, GPU process,
utility, browser, Playwright driver, the tool's Python...), so that the renderers Chromium's
zygote reaps are counted (see process_tree.py); our overhead share is (Python + driver) / total.
Memory: peak PSS of the whole tree, sampled every 0.5 s, and the tool's own process RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import reference_tool
import sitegen
from parity import browser_line
from process_tree import Usage, cpu_table, overhead_share, run_measured
from serve import NginxServer

FULL_WAIT = 3


@dataclass
class RunResult:
    tool: str
    pages_requested: int
    pages_measured: int
    pages_failed: int
    waits: str
    workers: str
    usage: Usage
    browser: str = ""

    @property
    def pages_per_minute(self) -> float:
        return self.pages_measured / (self.usage.seconds / 60)


def ecoaudit_executable() -> str:
    found = shutil.which("ecoaudit", path=str(Path(sys.executable).parent))
    if not found:
        raise SystemExit("The ecoaudit command is not installed next to this Python.")
    return found


def crawl(
    start_url: str, pages: int, wait: float, concurrency: int | None, work: Path
) -> tuple[RunResult, dict[str, dict]]:
    """One `ecoaudit crawl` of the first `pages` pages; its result and page entries by URL."""
    work.mkdir(parents=True, exist_ok=True)
    document_path = work / "ecoaudit.json"
    command = [
        ecoaudit_executable(), "crawl", "--url", start_url, "--max-pages", str(pages),
        "--db", str(work / "bench.db"), "--json", str(document_path), "--no-report",
        "--viewport", "1280x720", "--wait-before", str(wait), "--wait-after", str(wait),
    ]
    if concurrency:
        command += ["--concurrency", str(concurrency)]
    usage = run_measured(command, cwd=work, log_path=work / "ecoaudit.log")
    if not document_path.exists():
        raise SystemExit(f"ecoaudit crawl wrote no JSON (exit {usage.returncode}); "
                         f"see {work / 'ecoaudit.log'}")
    document = json.loads(document_path.read_text())
    entries = {page["url"]: page for page in document["pages"]}
    measured = sum(1 for page in entries.values() if page.get("ecoindex"))
    settings = (document.get("run") or {}).get("settings") or {}
    result = RunResult("ecoaudit crawl", pages, measured, len(entries) - measured,
                       f"{wait}+{wait} s", str(settings.get("concurrency", concurrency)), usage,
                       browser_line(document))
    return result, entries


def audit_list(
    urls: list[str], concurrency: int | None, work: Path
) -> tuple[RunResult, dict[str, dict]]:
    """`ecoaudit audit URLS` on a given URL list (no discovery), full protocol."""
    work.mkdir(parents=True, exist_ok=True)
    document_path = work / "ecoaudit-audit.json"
    command = [
        ecoaudit_executable(), "audit", *urls, "--viewport", "1280x720",
        "--wait-before", str(FULL_WAIT), "--wait-after", str(FULL_WAIT),
        "--json", str(document_path),
    ]
    if concurrency:
        command += ["--concurrency", str(concurrency)]
    usage = run_measured(command, cwd=work, log_path=work / "ecoaudit-audit.log")
    if not document_path.exists():
        raise SystemExit(f"ecoaudit audit wrote no JSON (exit {usage.returncode}); "
                         f"see {work / 'ecoaudit-audit.log'}")
    document = json.loads(document_path.read_text())
    entries = {page["url"]: page for page in document["pages"]}
    measured = sum(1 for page in entries.values() if page.get("ecoindex"))
    result = RunResult("ecoaudit audit (URL list)", len(urls), measured, len(entries) - measured,
                       f"{FULL_WAIT}+{FULL_WAIT} s", str(concurrency or "default"), usage,
                       browser_line(document))
    return result, entries


def reference_run(
    urls: list[str], workers: int, work: Path
) -> tuple[RunResult, dict[str, reference_tool.ReferenceResult]]:
    """The reference on `urls` with `workers` workers and the full 3 s + 3 s protocol."""
    command, results_file = reference_tool.analysis_command(
        urls, work, workers=workers, wait_before=FULL_WAIT, wait_after=FULL_WAIT
    )
    usage = run_measured(command, env=reference_tool.reference_environment(), cwd=work,
                         log_path=work / "reference.log")
    if not results_file.exists():
        raise SystemExit(f"ecoindex-cli wrote no results; see {work / 'reference.log'}")
    results = {r.url.rstrip("/"): r for r in reference_tool.read_results(results_file)}
    measured = sum(1 for r in results.values() if r.ok)
    result = RunResult("ecoindex-cli 2.30.1", len(urls), measured, len(results) - measured,
                       f"{FULL_WAIT}+{FULL_WAIT} s", str(workers), usage,
                       reference_tool.describe())
    return result, results


def compare(ours: dict[str, dict], theirs: dict[str, reference_tool.ReferenceResult]) -> dict:
    """Pages whose nodes, requests, bytes, score and grade are identical, and the others."""
    identical, different = 0, []
    for url, page in ours.items():
        reference = theirs.get(url.rstrip("/"))
        score = page.get("ecoindex")
        if not score or not reference or not reference.ok:
            different.append({"url": url, "why": "not measured by both"})
            continue
        mine = (score["nodes"], score["requests"], round(score["size_kb"], 3), score["score"],
                score["grade"])
        other = (reference.nodes, reference.requests, round(reference.size_kb, 3),
                 reference.score, reference.grade)
        if mine == other:
            identical += 1
        else:
            different.append({"url": url, "ecoaudit": mine, "reference": other})
    return {"identical": identical, "compared": len(ours), "different": different}


def row(result: RunResult) -> str:
    usage = result.usage
    pages = max(result.pages_measured, 1)
    return (
        f"| {result.tool} | {result.pages_measured} ({result.pages_failed} failed) "
        f"| {result.waits} | {result.workers} | {usage.seconds:.0f} s "
        f"| {result.pages_per_minute:.1f} | {usage.cpu_seconds:.0f} s "
        f"| {usage.cpu_seconds / pages:.2f} s | {overhead_share(usage):.0%} "
        f"| {usage.peak_tree_pss_mb:.0f} MB | {usage.peak_main_rss_mb:.0f} MB "
        f"| {usage.load_before:.1f} / {usage.load_after:.1f} |"
    )


TABLE_HEAD = (
    "| tool | pages measured | waits | workers / concurrency | wall clock | pages/min "
    "| CPU (tree, /proc) | CPU / page | own overhead (python + driver) "
    "| peak memory, tree PSS | peak memory, own process | load before / after |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def details(result: RunResult) -> list[str]:
    """The browser a run used and its CPU per kind of process."""
    usage = result.usage
    return [
        "", f"{result.tool}, {result.workers} workers / concurrency, "
        f"{usage.seconds:.0f} s, {result.pages_per_minute:.1f} pages/min, browser: "
        f"{result.browser or 'unknown'}; peak tree PSS {usage.peak_tree_pss_mb:.0f} MB "
        f"({usage.peak_processes} processes at most); own overhead "
        f"{overhead_share(usage):.0%}; rusage of reaped children {usage.cpu_seconds_rusage:.0f} s"
        " (misses what Chromium's zygote reaps):",
        "", cpu_table(usage, result.pages_measured),
    ]


def site_for(pages: int) -> Path:
    """A generated site of exactly `pages` pages, so that every crawl of it visits the same URLs."""
    root = reference_tool.CACHE_DIR / f"throughput-site-{pages}"
    print(f"Generating a {pages}-page site in {root} ...", file=sys.stderr)
    sitegen.realistic_site(root, pages)
    return root


def head_to_head(
    pages: int,
    concurrencies: list[int | None],
    reference_workers: list[int],
    also_audit: bool,
    with_reference: bool,
    work: Path,
) -> tuple[list[tuple[RunResult, dict]], list[tuple[RunResult, dict]]]:
    """ecoaudit runs (crawl, and audit of the URL list if asked) and reference runs on one site."""
    ours: list[tuple[RunResult, dict]] = []
    references: list[tuple[RunResult, dict]] = []
    with NginxServer(site_for(pages)) as server:
        start = server.url("index.html")
        for concurrency in concurrencies:
            print(f"ecoaudit crawl, {pages} pages, 3 s + 3 s, concurrency "
                  f"{concurrency or 'default'} ...", file=sys.stderr)
            ours.append(crawl(start, pages, FULL_WAIT, concurrency,
                              work / f"ecoaudit-{pages}-{concurrency or 'default'}"))
        urls = [url for url, page in ours[0][1].items() if page.get("ecoindex")]
        if also_audit:
            for concurrency in concurrencies:
                print(f"ecoaudit audit of the same {len(urls)} URLs, concurrency "
                      f"{concurrency or 'default'} ...", file=sys.stderr)
                ours.append(audit_list(urls, concurrency,
                                       work / f"audit-{concurrency or 'default'}"))
        if with_reference:
            for workers in reference_workers:
                print(f"reference, {len(urls)} pages, {workers} workers ...", file=sys.stderr)
                references.append(reference_run(urls, workers, work / f"reference-{workers}"))
    return ours, references


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50,
                        help="head-to-head size (default 50; 0: scaling points only)")
    parser.add_argument("--reference-workers", default="8,16,24",
                        help="worker counts to try for the reference (best one kept)")
    parser.add_argument("--concurrency", default="",
                        help="ecoaudit --concurrency values to try head to head, e.g. 16,32 "
                        "(default: its own choice); the scaling curve uses the first")
    parser.add_argument("--scaling", default="50,200,1000",
                        help="ecoaudit-alone points, in pages ('' for none)")
    parser.add_argument("--large-waits", type=float, default=1.0,
                        help="waits (s, before and after scroll) for scaling points above 200")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--also-audit", action="store_true",
                        help="also time `ecoaudit audit` on the crawled URL list (no discovery)")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--json", type=Path, dest="json_path")
    arguments = parser.parse_args()

    scaling = [int(value) for value in arguments.scaling.split(",") if value.strip()]
    concurrencies: list[int | None] = [
        int(value) for value in arguments.concurrency.split(",") if value.strip()
    ] or [None]
    reference_workers = [int(value) for value in arguments.reference_workers.split(",")]
    if not arguments.skip_reference:
        reference_tool.prepare()
    work = Path(tempfile.mkdtemp(prefix="throughput-", dir=reference_tool.CACHE_DIR))
    ours: list[tuple[RunResult, dict]] = []
    references: list[tuple[RunResult, dict]] = []
    scaling_runs: list[RunResult] = []

    if arguments.pages > 0:
        ours, references = head_to_head(arguments.pages, concurrencies, reference_workers,
                                         arguments.also_audit, not arguments.skip_reference,
                                         work)

    for points in scaling:
        if points == arguments.pages and ours:
            scaling_runs.append(ours[0][0])
            continue
        wait = FULL_WAIT if points <= 200 else arguments.large_waits
        with NginxServer(site_for(points)) as server:
            print(f"ecoaudit crawl, {points} pages, {wait} s + {wait} s ...", file=sys.stderr)
            try:
                result, _ = crawl(server.url("index.html"), points, wait, concurrencies[0],
                                  work / f"ecoaudit-{points}")
            except SystemExit as failure:  # keep the other points
                print(f"Scaling point {points} failed: {failure}", file=sys.stderr)
                continue
        scaling_runs.append(result)

    comparisons = [
        {"ecoaudit": f"{our_run.tool} (concurrency {our_run.workers})",
         "reference_workers": their_run.workers,
         **compare(our_pages, their_pages)}
        for our_run, our_pages in ours for their_run, their_pages in references
    ]
    lines = [f"Machine: {os.cpu_count()} cores. Sites generated by benchmarks/sitegen.py, served "
             "by nginx on 127.0.0.1. Viewport 1280x720 on both sides."]
    if ours:
        lines += ["", f"Head to head ({arguments.pages}-page site, same URL list, full protocol):",
                  "", TABLE_HEAD]
        lines += [row(result) for result, _ in ours + references]
    if references:
        best_reference = max((r for r, _ in references), key=lambda r: r.pages_per_minute)
        for label in ("ecoaudit crawl", "ecoaudit audit (URL list)"):
            candidates = [r for r, _ in ours if r.tool == label]
            if not candidates:
                continue
            best_ours = max(candidates, key=lambda r: r.pages_per_minute)
            lines += ["", f"Speed ratio, best {label} (concurrency {best_ours.workers}, "
                      f"{best_ours.pages_per_minute:.1f} pages/min) / reference at its best "
                      f"({best_reference.workers} workers, "
                      f"{best_reference.pages_per_minute:.1f} pages/min): "
                      f"{best_ours.pages_per_minute / best_reference.pages_per_minute:.2f}."]
        for comparison in comparisons:
            lines.append(
                f"Per-page numbers, {comparison['ecoaudit']} vs "
                f"reference {comparison['reference_workers']} workers: "
                f"{comparison['identical']}/{comparison['compared']} pages identical "
                "(nodes, requests, bytes, score, grade)."
            )
    if ours:
        lines += ["", "CPU per kind of process (from /proc every 0.1 s):"]
        for result, _ in ours + references:
            lines += details(result)
    if scaling_runs:
        lines += ["", "Scaling, ecoaudit alone (each point its own generated site):", "",
                  TABLE_HEAD]
        lines += [row(result) for result in scaling_runs]
        for result in scaling_runs:
            lines += details(result)
    output = "\n".join(lines) + "\n"
    print(output)
    for comparison in comparisons:
        if comparison["different"]:
            print("Differences:", json.dumps(comparison, indent=1))
    if arguments.markdown:
        arguments.markdown.write_text(output)
    if arguments.json_path:
        arguments.json_path.write_text(json.dumps({
            "runs": [asdict(r) | {"pages_per_minute": r.pages_per_minute}
                     for r, _ in ours + references],
            "scaling": [asdict(r) | {"pages_per_minute": r.pages_per_minute}
                        for r in scaling_runs],
            "comparisons": comparisons,
        }, indent=2))
    return 0 if all(not c["different"] for c in comparisons) else 1


if __name__ == "__main__":
    sys.exit(main())
