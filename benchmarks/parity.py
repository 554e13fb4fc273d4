"""Parity benchmark: ecoaudit against the reference ecoindex-cli 2.30.1 on the same local pages.

    .venv/bin/python benchmarks/parity.py [--markdown FILE] [--dump-requests FILE]

Serves the bundled demo site and generated pages covering the counting rules (shadow DOM in its
variants, SVG, iframe, redirects, 404s, late fetch, data: URI, lazy images, big DOM, page icons
of every kind) on 127.0.0.1, runs the reference (throwaway virtualenv, in its own default
browser: Playwright's headless shell, see reference_tool.py) and then `ecoaudit audit
--viewport 1280x720` (the reference's real viewport, with the browser ecoaudit finds:
ECOAUDIT_CHROMIUM if set) with the same 3 s + 3 s waits, one after the other, and prints a
side-by-side table. Target: strict identity on every page, no tolerance: the same nodes,
requests, bytes (size to the byte), score and grade. For every page that differs, both sides'
request lists are compared (the reference's list comes from a second run of its own scraper).
Exit status 0 when every page is identical.
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

DEMO_SITE = Path(str(files("ecoaudit.demo") / "site"))
FIELDS = ("nodes", "requests", "size_bytes", "score", "grade")


@dataclass(frozen=True)
class Measure:
    nodes: int
    requests: int
    size_kb: float
    score: int
    grade: str

    @property
    def size_bytes(self) -> int:
        return round(self.size_kb * 1000)


@dataclass(frozen=True)
class Comparison:
    name: str
    url: str
    ours: Measure | None
    reference: Measure | None

    @property
    def differences(self) -> list[str]:
        """The fields that differ (all of them when a side has no measure)."""
        if not (self.ours and self.reference):
            return ["measured by one side only"]
        return [field for field in FIELDS
                if getattr(self.ours, field) != getattr(self.reference, field)]

    @property
    def identical(self) -> bool:
        return not self.differences


def ecoaudit_executable() -> str:
    found = shutil.which("ecoaudit", path=str(Path(sys.executable).parent))
    if not found:
        raise SystemExit("The ecoaudit command is not installed next to this Python.")
    return found


def run_ours(
    urls: list[str], wait_before: float, wait_after: float, concurrency: int | None, work: Path
) -> tuple[dict[str, dict], float, str]:
    """`ecoaudit audit URLS --viewport 1280x720 --json FILE`: page entries by URL, seconds, and
    the browser it ran (from the document's protocol record)."""
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
    return {page["url"]: page for page in document["pages"]}, elapsed, browser_line(document)


def browser_line(document: dict) -> str:
    """Which browser an ecoaudit JSON document says it ran."""
    protocol = document.get("protocol") or {}
    if not protocol:
        pages = [page for page in document.get("pages", []) if page.get("protocol")]
        protocol = pages[0]["protocol"] if pages else {}
    parts = [protocol.get(key) for key in ("browser", "browser_build", "browser_path")]
    return ", ".join(str(part) for part in parts if part) or "unknown browser"


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


def _cell(measure: Measure | None, attribute: str) -> str:
    return "error" if measure is None else str(getattr(measure, attribute))


def table(comparisons: list[Comparison]) -> str:
    """A Markdown table: each measure for ecoaudit / reference, then whether all are identical."""
    lines = [
        "| page | nodes (ours / ref) | requests (ours / ref) | bytes (ours / ref) "
        "| score (ours / ref) | grade (ours / ref) | identical |",
        "|---|---|---|---|---|---|---|",
    ]
    for item in comparisons:
        cells = " | ".join(f"{_cell(item.ours, field)} / {_cell(item.reference, field)}"
                           for field in FIELDS)
        verdict = "yes" if item.identical else f"**no** ({', '.join(item.differences)})"
        lines.append(f"| {item.name} | {cells} | {verdict} |")
    return "\n".join(lines)


def request_differences(our_page: dict, reference_list: dict) -> dict:
    """URLs (with status) counted by one tool and not the other, and per-URL byte gaps."""
    if "items" not in reference_list:
        return {"reference_error": reference_list.get("error")}
    ours = Counter((r["url"], r["status"]) for r in our_page.get("requests", []))
    theirs = Counter((r.url, r.status) for r in reference_list["items"])
    our_bytes = {(r["url"], r["status"]): r["transfer_bytes"] for r in our_page.get("requests", [])}
    their_bytes = {(r.url, r.status): r.size for r in reference_list["items"]}
    return {
        "reference_counts": {k: reference_list[k] for k in ("nodes", "requests", "size")},
        "ecoaudit_counts": our_page.get("ecoindex"),
        # fetches ecoaudit saw but left out as made by the full browser only (its page icon)
        "ecoaudit_browser_only": our_page.get("browser_only_requests", []),
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
                        help="write both tools' request lists of the pages that differ")
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
        our_pages, our_seconds, our_browser = run_ours(
            urls, arguments.wait_before, arguments.wait_after, arguments.concurrency, work
        )
        by_url = {result.url.rstrip("/"): result for result in reference_results}
        comparisons = [
            Comparison(name, url, our_measure(our_pages.get(url)),
                       reference_measure(by_url.get(url.rstrip("/"))))
            for (name, _, _), url in zip(pages, urls, strict=True)
        ]
        missed = [item for item in comparisons if not item.identical]
        diagnosis = {}
        if missed:
            print(f"{len(missed)} page(s) differ: collecting both request lists ...",
                  file=sys.stderr)
            lists = reference_tool.request_lists(
                [item.url for item in missed], wait_before=arguments.wait_before,
                wait_after=arguments.wait_after,
            )
            for item in missed:
                diagnosis[item.name] = request_differences(our_pages.get(item.url, {}),
                                                           lists[item.url])

    same = len(comparisons) - len(missed)
    summary = (
        f"{same}/{len(comparisons)} pages identical (nodes, requests, bytes, score and grade; no "
        f"tolerance). Reference {reference_tool.describe()}, {arguments.reference_workers} "
        f"workers: {reference_seconds:.0f} s. ecoaudit ({our_browser}): {our_seconds:.0f} s. "
        f"Waits {arguments.wait_before} s + {arguments.wait_after} s, viewport 1280x720 on both "
        "sides."
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
