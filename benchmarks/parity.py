"""Parity benchmark: ecoaudit against the reference ecoindex-cli 2.30.1 on the same local pages.

    .venv/bin/python benchmarks/parity.py [--markdown FILE] [--dump-requests FILE]

Serves the bundled demo site and generated pages covering the counting rules (shadow DOM, SVG,
iframe, redirects, 404s, late fetch, data: URI, lazy images, big DOM) on 127.0.0.1, runs the
reference (throwaway virtualenv, same Chromium) and then `ecoaudit audit --viewport 1280x720`
(the reference's real viewport) with the same 3 s + 3 s waits, one after the other, and prints a
side-by-side table. Target: identical nodes, requests and grade, size within 0.5 %, score within
1 point. For every page that misses it, both sides' request lists are compared (the reference's
list comes from a second run of its own scraper). Exit status 0 when every page meets the target.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import reference_tool
import sitegen
from serve import StaticServer

DEMO_SITE = Path(str(files("ecoaudit") / "demo_site"))
SIZE_TOLERANCE = 0.005
SCORE_TOLERANCE = 1


@dataclass(frozen=True)
class Measure:
    nodes: int
    requests: int
    size_kb: float
    score: int
    grade: str


@dataclass(frozen=True)
class Comparison:
    name: str
    url: str
    ours: Measure | None
    reference: Measure | None

    @property
    def size_gap(self) -> float | None:
        if not (self.ours and self.reference):
            return None
        if self.reference.size_kb == 0:
            return 0.0 if self.ours.size_kb == 0 else 1.0
        return (self.ours.size_kb - self.reference.size_kb) / self.reference.size_kb

    @property
    def meets_target(self) -> bool:
        ours, reference = self.ours, self.reference
        return bool(
            ours and reference
            and ours.nodes == reference.nodes
            and ours.requests == reference.requests
            and ours.grade == reference.grade
            and abs(self.size_gap) <= SIZE_TOLERANCE
            and abs(ours.score - reference.score) <= SCORE_TOLERANCE
        )


def ecoaudit_executable() -> str:
    found = shutil.which("ecoaudit", path=str(Path(sys.executable).parent))
    if not found:
        raise SystemExit("The ecoaudit command is not installed next to this Python.")
    return found


def run_ours(
    urls: list[str], wait_before: float, wait_after: float, concurrency: int | None, work: Path
) -> tuple[dict[str, dict], float]:
    """`ecoaudit audit URLS --viewport 1280x720 --json FILE`: page entries by URL, seconds."""
    document_path = work / "ecoaudit.json"
    command = [
        ecoaudit_executable(), "audit", *urls, "--viewport", "1280x720",
        "--wait-before", str(wait_before), "--wait-after", str(wait_after),
        "--json", str(document_path),
    ]
    if concurrency:
        command += ["--concurrency", str(concurrency)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    elapsed = time.monotonic() - started
    (work / "ecoaudit-stderr.txt").write_text(done.stderr)
    if not document_path.exists():
        raise SystemExit(f"ecoaudit audit wrote no JSON (exit {done.returncode}):\n{done.stderr}")
    document = json.loads(document_path.read_text())
    return {page["url"]: page for page in document["pages"]}, elapsed


def our_measure(page: dict | None) -> Measure | None:
    if not page or not page.get("ecoindex"):
        return None
    score = page["ecoindex"]
    return Measure(score["nodes"], score["requests"], score["size_kb"], score["score"],
                   score["grade"])


def reference_measure(result: reference_tool.ReferenceResult | None) -> Measure | None:
    if not result or not result.ok:
        return None
    return Measure(result.nodes, result.requests, result.size_kb, result.score, result.grade)


def _cell(measure: Measure | None, attribute: str, digits: int = 0) -> str:
    if measure is None:
        return "error"
    value = getattr(measure, attribute)
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def table(comparisons: list[Comparison]) -> str:
    """A Markdown table: each measure for ecoaudit / reference, then the differences."""
    lines = [
        "| page | nodes (ours / ref) | requests (ours / ref) | size KB (ours / ref) | "
        "size gap | score (ours / ref) | grade (ours / ref) | target met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for item in comparisons:
        ours, reference = item.ours, item.reference
        gap = item.size_gap
        lines.append(
            f"| {item.name} "
            f"| {_cell(ours, 'nodes')} / {_cell(reference, 'nodes')} "
            f"| {_cell(ours, 'requests')} / {_cell(reference, 'requests')} "
            f"| {_cell(ours, 'size_kb', 3)} / {_cell(reference, 'size_kb', 3)} "
            f"| {'n/a' if gap is None else f'{gap * 100:+.2f} %'} "
            f"| {_cell(ours, 'score')} / {_cell(reference, 'score')} "
            f"| {_cell(ours, 'grade')} / {_cell(reference, 'grade')} "
            f"| {'yes' if item.meets_target else '**no**'} |"
        )
    return "\n".join(lines)


def request_differences(our_page: dict, reference_list: dict) -> dict:
    """URLs (with status) counted by one tool and not the other, and per-URL byte gaps."""
    if "items" not in reference_list:
        return {"reference_error": reference_list.get("error")}
    ours = Counter((r["url"], r["status"]) for r in our_page.get("requests", []))
    theirs = Counter((r.url, r.status) for r in reference_list["items"])
    our_bytes = {(r["url"], r["status"]): r["transfer_bytes"] for r in our_page["requests"]}
    their_bytes = {(r.url, r.status): r.size for r in reference_list["items"]}
    return {
        "reference_counts": {k: reference_list[k] for k in ("nodes", "requests", "size")},
        "only_ecoaudit": [list(key) for key in (ours - theirs).elements()],
        "only_reference": [list(key) for key in (theirs - ours).elements()],
        "byte_gaps": [
            {"url": key[0], "status": key[1], "ecoaudit": our_bytes[key],
             "reference": their_bytes[key]}
            for key in our_bytes.keys() & their_bytes.keys()
            if our_bytes[key] != their_bytes[key]
        ],
    }


def page_list() -> tuple[list[tuple[str, str, str]], dict[str, str], Path]:
    """(name, server, path) of every page compared, the redirects, and the generated root."""
    generated = reference_tool.CACHE_DIR / "parity-pages"
    rule_pages, redirects = sitegen.counting_pages(generated)
    demo_pages = sorted(str(p.relative_to(DEMO_SITE)) for p in DEMO_SITE.rglob("*.html"))
    pages = [(f"demo: {path}", "demo", path) for path in demo_pages]
    pages += [(f"rule: {name}", "rules", path) for name, path in rule_pages.items()]
    return pages, redirects, generated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=None, help="ecoaudit's (default: its)")
    parser.add_argument("--wait-before", type=int, default=3)
    parser.add_argument("--wait-after", type=int, default=3)
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--dump-requests", type=Path,
                        help="write both tools' request lists of the pages missing the target")
    arguments = parser.parse_args()

    reference_tool.prepare()
    pages, redirects, generated = page_list()
    work = Path(tempfile.mkdtemp(prefix="parity-", dir=reference_tool.CACHE_DIR))
    with StaticServer(DEMO_SITE) as demo, StaticServer(generated, redirects) as rules:
        servers = {"demo": demo, "rules": rules}
        urls = [servers[server].url(path) for _, server, path in pages]
        print(f"{len(urls)} pages; reference first ({arguments.reference_workers} workers) ...",
              file=sys.stderr)
        reference_results, reference_seconds = reference_tool.run_analysis(
            urls, workers=arguments.reference_workers, wait_before=arguments.wait_before,
            wait_after=arguments.wait_after, output_dir=work / "reference",
        )
        print("... then ecoaudit ...", file=sys.stderr)
        our_pages, our_seconds = run_ours(
            urls, arguments.wait_before, arguments.wait_after, arguments.concurrency, work
        )
        by_url = {result.url.rstrip("/"): result for result in reference_results}
        comparisons = [
            Comparison(name, url, our_measure(our_pages.get(url)),
                       reference_measure(by_url.get(url.rstrip("/"))))
            for (name, _, _), url in zip(pages, urls, strict=True)
        ]
        missed = [item for item in comparisons if not item.meets_target]
        diagnosis = {}
        if missed:
            print(f"{len(missed)} page(s) miss the target: collecting both request lists ...",
                  file=sys.stderr)
            lists = reference_tool.request_lists(
                [item.url for item in missed], wait_before=arguments.wait_before,
                wait_after=arguments.wait_after,
            )
            for item in missed:
                diagnosis[item.name] = request_differences(our_pages.get(item.url, {}),
                                                           lists[item.url])

    met = len(comparisons) - len(missed)
    summary = (
        f"{met}/{len(comparisons)} pages meet the target (same nodes, requests and grade, size "
        f"within {SIZE_TOLERANCE:.1%}, score within {SCORE_TOLERANCE}). Reference "
        f"ecoindex-cli 2.30.1 ({arguments.reference_workers} workers): {reference_seconds:.0f} s;"
        f" ecoaudit: {our_seconds:.0f} s. Waits {arguments.wait_before} s + "
        f"{arguments.wait_after} s, viewport 1280x720 on both sides."
    )
    output = table(comparisons) + "\n\n" + summary + "\n"
    print(output)
    if diagnosis:
        print(json.dumps(diagnosis, indent=2, ensure_ascii=False))
    if arguments.markdown:
        arguments.markdown.write_text(output)
    if arguments.dump_requests:
        arguments.dump_requests.write_text(json.dumps(diagnosis, indent=2, ensure_ascii=False))
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
