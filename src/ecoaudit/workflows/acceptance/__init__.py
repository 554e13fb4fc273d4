"""Procurement's acceptance: measure a deliverable against the eco-design clauses of a contract.

    contract = load_contract(Path("contrat.toml"))
    outcome = run_acceptance(contract, Path("recette"), urls=None, site=None)
    outcome.exit_code        # 0 compliant, 1 not compliant, 2 could not measure
    verify_folder(Path("recette")).intact

The output folder holds the printable report, the evidence (contract, captures, screenshots,
results) and a SHA-256 manifest; see `acceptance.evidence`.
"""

from __future__ import annotations

import asyncio
import platform
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecoaudit import __version__
from ecoaudit.config import SiteConfig, adhoc_site
from ecoaudit.crawl.engine import site_measure_options
from ecoaudit.errors import ConfigError, EcoauditError
from ecoaudit.measure import MeasureOptions
from ecoaudit.metrics import ecoindex
from ecoaudit.workflows.acceptance.contract import Contract, load_contract
from ecoaudit.workflows.acceptance.evidence import (
    EVIDENCE_DIR,
    REPORT_NAME,
    VerifyResult,
    evidence_files,
    prepare_folder,
    sha256_of,
    verify_folder,
    write_json,
    write_manifest,
)
from ecoaudit.workflows.acceptance.median_runs import PageRuns, measure_pages_repeatedly
from ecoaudit.workflows.acceptance.report import render_report
from ecoaudit.workflows.acceptance.verdict import Verdict, judge
from ecoaudit.workflows.check.gate import crawl_site_pages

__all__ = ["AcceptanceOutcome", "Contract", "VerifyResult", "load_contract", "run_acceptance",
           "verify_folder"]

SCROLL = "touche Flèche bas, puis défilement progressif jusqu’en bas de la page"


@dataclass
class AcceptanceOutcome:
    """Where the acceptance was written and what it concluded."""

    out_dir: Path
    report: Path
    manifest: Path
    manifest_sha256: str
    verdict: Verdict

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code


def measure_options(contract: Contract, site: SiteConfig | None) -> MeasureOptions:
    """The contract's protocol, with the site's access settings when a site is given."""
    measurement = contract.measurement
    options = MeasureOptions(
        viewport_width=measurement.viewport_width, viewport_height=measurement.viewport_height,
        wait_before=measurement.wait_before, wait_after=measurement.wait_after,
        timeout=measurement.timeout)
    if site is not None:
        options = site_measure_options(site, options, measurement.timeout)
    return options


def scope_site(contract: Contract, site: SiteConfig | None) -> SiteConfig | None:
    """The site to crawl: the one given, else the contract's start_url (None for a URL list)."""
    if site is not None or contract.start_url is None:
        return site
    crawled = adhoc_site(contract.start_url, max_pages=contract.max_pages)
    if crawled.allow_private_addresses:
        crawled.min_delay = 0.0
    return crawled


async def discover_urls(site: SiteConfig, options: MeasureOptions) -> list[str]:
    """The pages of a crawl scope: those a crawl of the site could measure.

    A crawl that measured no page raises EcoauditError with the first page's reason.
    """
    entries = await crawl_site_pages(site, options, concurrency=2)
    urls = [entry["url"] for entry in entries
            if not entry.get("error") and entry.get("source") != "journey"
            and entry.get("consent_state", "none") in ("none", "before")]
    if not urls:
        first = entries[0] if entries else {"url": site.start_urls[0], "error": "no page found"}
        raise EcoauditError(f"The crawl of the site {site.name} measured no page ({first['url']}: "
                            f"{first['error']}): check its start_urls and access settings in "
                            "sites.toml.")
    return list(dict.fromkeys(urls))


def _page_document(page: PageRuns, out_dir: Path) -> dict[str, Any]:
    entry = page.entry
    runs = []
    for index, page_entry in enumerate(page.entries):
        run_number = index + 1
        capture_file = f"{EVIDENCE_DIR}/pages/{page.number:02d}/run-{run_number}.json"
        shot = page.screenshots[index]
        score = page_entry.get("ecoindex") or {}
        runs.append({
            "run": run_number, "capture": capture_file,
            "screenshot": shot.relative_to(out_dir).as_posix() if shot else None,
            "measured_at": page_entry.get("measured_at"), "error": page_entry.get("error"),
            "score": score.get("score"), "grade": score.get("grade"),
            "size_kb": score.get("size_kb"), "requests": score.get("requests"),
            "nodes": score.get("nodes"),
        })
    failing = [finding for finding in entry.get("findings") or []
               if finding.get("status") in ("fail", "warn")]
    retained = page.retained_index
    return {
        "number": page.number, "url": page.url, "final_url": entry.get("final_url"),
        "title": entry.get("title"), "measured": page.measured, "error": page.error,
        "retained_run": retained + 1 if retained is not None else None,
        "ecoindex": entry.get("ecoindex"), "co2": entry.get("co2"),
        "spread": page.spread, "runs": runs, "failing_findings": failing,
    }


def _protocol(contract: Contract, options: MeasureOptions, browser: str | None,
              pages: list[PageRuns]) -> dict[str, Any]:
    first = next((capture for page in pages for capture in page.captures), None)
    times = [capture.protocol.measured_at for page in pages for capture in page.captures
             if capture.protocol.measured_at]
    return {
        "runs_per_page": contract.measurement.runs,
        "viewport": f"{options.viewport_width}x{options.viewport_height}",
        "wait_before_scroll_s": options.wait_before, "wait_after_scroll_s": options.wait_after,
        "timeout_s": options.timeout, "scroll": SCROLL,
        "cache": "vide (nouveau contexte de navigation par mesure)",
        "user_agent": first.protocol.user_agent if first else None,
        "browser": browser, "tool": f"ecoaudit {__version__}",
        "formula": ecoindex.FORMULA_VERSION, "co2_model": "Sustainable Web Design v4",
        "python": platform.python_version(), "system": platform.platform(terse=True),
        "first_measurement": min(times) if times else None,
        "last_measurement": max(times) if times else None,
        "retained": "la mesure de score EcoIndex médian parmi les mesures de chaque page",
    }


def _results(contract: Contract, verdict: Verdict, pages: list[PageRuns], out_dir: Path,
             protocol: dict[str, Any]) -> dict[str, Any]:
    contract_file = f"{EVIDENCE_DIR}/contrat.toml"
    return {
        "tool": {"name": "ecoaudit", "version": __version__},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "contract": {"title": contract.title, "reference": contract.reference,
                     "buyer": contract.buyer, "supplier": contract.supplier,
                     "notes": contract.notes, "file": contract_file,
                     "sha256": sha256_of(out_dir / contract_file),
                     "source_name": contract.path.name},
        "outcome": verdict.outcome, "outcome_label": verdict.label,
        "exit_code": verdict.exit_code,
        "pages_measured": verdict.pages_measured, "pages_total": verdict.pages_total,
        "medians": verdict.medians,
        "clauses": [asdict(clause) | {"label": clause.label} for clause in verdict.clauses],
        "pages": [_page_document(page, out_dir) for page in pages],
        "protocol": protocol,
    }


def run_acceptance(contract: Contract, out_dir: Path, *, urls: list[str] | None = None,
                   site: SiteConfig | None = None) -> AcceptanceOutcome:
    """Measure the deliverable, judge every clause and write the report and its evidence."""
    crawl_site = None if urls else scope_site(contract, site)
    if not urls and crawl_site is None and not contract.urls:
        raise ConfigError(f"{contract.path}: no page to measure: list urls or a start_url in "
                          "[scope], or give URLs or --site on the command line.")
    folder_existed = Path(out_dir).exists()
    out_dir = prepare_folder(out_dir)
    options = measure_options(contract, site or crawl_site)
    if not urls:
        try:
            urls = contract.urls if crawl_site is None else asyncio.run(
                discover_urls(crawl_site, options))
        except EcoauditError:
            shutil.rmtree(out_dir / EVIDENCE_DIR)  # nothing measured: leave no half folder
            if not folder_existed:
                out_dir.rmdir()
            raise
    shutil.copyfile(contract.path, out_dir / EVIDENCE_DIR / "contrat.toml")
    rules_site = site or crawl_site
    first_party = rules_site.site_hosts if rules_site \
        else None
    overrides = {**(rules_site.rules if rules_site else {}), **contract.rule_overrides}
    pages, browser = asyncio.run(measure_pages_repeatedly(
        list(urls), options, contract.measurement.runs, out_dir / EVIDENCE_DIR / "pages",
        overrides=overrides or None, first_party_hosts=first_party))
    for page in pages:
        for index, (capture, entry) in enumerate(zip(page.captures, page.entries, strict=True)):
            write_json(out_dir / EVIDENCE_DIR / "pages" / f"{page.number:02d}" /
                       f"run-{index + 1}.json", {"capture": capture.to_dict(), "entry": entry})
    verdict = judge(contract, pages)
    results = _results(contract, verdict, pages, out_dir,
                       _protocol(contract, options, browser, pages))
    write_json(out_dir / EVIDENCE_DIR / "resultats.json", results)
    evidence = [(name, sha256_of(out_dir / name)) for name in evidence_files(out_dir)]
    render_report(results, evidence, out_dir / REPORT_NAME)
    manifest, digest = write_manifest(out_dir)
    return AcceptanceOutcome(out_dir=out_dir, report=out_dir / REPORT_NAME, manifest=manifest,
                             manifest_sha256=digest, verdict=verdict)
