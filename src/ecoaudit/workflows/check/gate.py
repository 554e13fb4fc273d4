"""The web team's gate: measure pages (or crawl a site), apply a budget, compare with a baseline.

    entries = measure_pages(urls, options)              # or crawl_site_pages(site, options)
    result = judge_pages(entries, budget, baseline_entries=..., baseline_run=...)
    print(verdict_text(result)); sys.exit(result.exit_code)

Exit codes: 0 every check passed; 1 a budget or the regression tolerance is broken on a measured
page; 2 nothing is broken but a page could not be measured (a broken budget wins over an
unmeasured page: it is a certain failure, while the unmeasured page may be a passing glitch).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecoaudit.config import SiteConfig
from ecoaudit.crawl.engine import crawl_sites
from ecoaudit.export import jsondoc
from ecoaudit.measure import MeasureOptions
from ecoaudit.measure.journey_steps import Journey
from ecoaudit.net.urls import UrlError, normalise
from ecoaudit.pipeline import measure_and_score, page_entry
from ecoaudit.scoring.budgets import Budget, BudgetCheck, evaluate_metrics, evaluate_page
from ecoaudit.scoring.journeys import journey_totals
from ecoaudit.scoring.repeats import group_samples, retained_entry
from ecoaudit.store import Store
from ecoaudit.workflows.journey import play_journeys

EXIT_PASSED, EXIT_BROKEN, EXIT_UNMEASURED = 0, 1, 2


@dataclass
class PageVerdict:
    """One page: its entry, whether it could be measured, and its budget checks."""

    url: str
    entry: dict[str, Any]
    checks: list[BudgetCheck] = field(default_factory=list)
    baseline_found: bool = False

    @property
    def error(self) -> str | None:
        return self.entry.get("error")

    @property
    def label(self) -> str:
        return jsondoc.entry_label({**self.entry, "url": self.url})

    @property
    def broken(self) -> list[BudgetCheck]:
        return [check for check in self.checks if check.passed is False]

    def to_dict(self) -> dict[str, Any]:
        score = self.entry.get("ecoindex") or {}
        return {
            "url": self.url, "final_url": self.entry.get("final_url"),
            "consent_state": self.entry.get("consent_state"), "error": self.error,
            "score": score.get("score"), "grade": score.get("grade"),
            "size_kb": score.get("size_kb"), "requests": score.get("requests"),
            "nodes": score.get("nodes"), "baseline_found": self.baseline_found,
            "passed": self.error is None and not self.broken,
            "checks": [check.to_dict() for check in self.checks],
        }


@dataclass
class GateResult:
    """The verdict on every page."""

    pages: list[PageVerdict]
    budget: Budget
    baseline_run: dict[str, Any] | None = None

    @property
    def broken_pages(self) -> list[PageVerdict]:
        return [page for page in self.pages if page.broken]

    @property
    def unmeasured_pages(self) -> list[PageVerdict]:
        return [page for page in self.pages if page.error]

    @property
    def exit_code(self) -> int:
        if self.broken_pages:
            return EXIT_BROKEN
        if self.unmeasured_pages or not self.pages:
            return EXIT_UNMEASURED
        return EXIT_PASSED

    @property
    def outcome(self) -> str:
        return {EXIT_PASSED: "passed", EXIT_BROKEN: "failed",
                EXIT_UNMEASURED: "not measured"}[self.exit_code]

    def to_dict(self) -> dict[str, Any]:
        run = self.baseline_run
        return {
            "outcome": self.outcome, "exit_code": self.exit_code,
            "budget": self.budget.to_dict(),
            "baseline": {"run_id": run["id"], "site": run["site"],
                         "started_at": run["started_at"]} if run else None,
            "pages": [page.to_dict() for page in self.pages],
        }


def _key(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return normalise(url, ())
    except UrlError:
        return url


def match_baseline(entry: Mapping[str, Any],
                   baseline_entries: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The baseline entry of the same page: same URL (or final URL) and consent state."""
    wanted = {_key(entry.get("url")), _key(entry.get("final_url"))} - {None}
    state = entry.get("consent_state") or "none"
    candidates = [
        item for item in baseline_entries
        if not item.get("error")
        and wanted & ({_key(item.get("url")), _key(item.get("final_url"))} - {None})
    ]
    for item in candidates:
        if (item.get("consent_state") or "none") == state:
            return dict(item)
    return dict(candidates[0]) if candidates else None


def judge_pages(entries: Iterable[Mapping[str, Any]], budget: Budget, *,
                baseline_entries: list[Mapping[str, Any]] | None = None,
                baseline_run: dict[str, Any] | None = None) -> GateResult:
    """Apply `budget` to every page entry, with the baseline run's pages for regressions."""
    pages = []
    for entry in entries:
        verdict = PageVerdict(url=entry["url"], entry=dict(entry))
        if not verdict.error:
            baseline = (match_baseline(entry, baseline_entries)
                        if baseline_entries is not None else None)
            verdict.baseline_found = baseline is not None
            verdict.checks = evaluate_page(entry, budget, baseline=baseline)
            if baseline_entries is None:
                for check in verdict.checks:
                    if check.key == "max_score_drop":
                        check.detail = "no baseline run to compare with: give --baseline"
        pages.append(verdict)
    if budget.journey is not None:
        pages.extend(judge_journey_totals(entries, budget.journey))
    return GateResult(pages=pages, budget=budget, baseline_run=baseline_run)


def judge_journey_totals(entries: Iterable[Mapping[str, Any]],
                         budget: Budget) -> list[PageVerdict]:
    """One verdict per play of a journey (journey, device, sample): its totals held to the
    budget's `journey` limits. A journey that stopped early is not measured as a whole."""
    plays: dict[tuple, list[dict[str, Any]]] = {}
    for entry in entries:
        if entry.get("journey"):
            key = (entry["journey"], entry.get("device") or "desktop", entry.get("sample") or 1)
            plays.setdefault(key, []).append(dict(entry))
    verdicts = []
    for (journey, device, sample), steps in plays.items():
        totals = journey_totals(steps)
        label = f"journey {journey} (total)" + (f" [{device}]" if device != "desktop" else "") \
            + (f" #{sample}" if sample > 1 else "")
        figures = {"score": totals["score"], "grade": totals["grade"],
                   "size_kb": totals["size_kb"], "requests": totals["requests"]}
        entry = {"url": label, "final_url": None, "consent_state": "none", "device": device,
                 "error": None if totals["complete"] else totals["error"],
                 "ecoindex": figures if totals["steps"] else None}
        verdict = PageVerdict(url=label, entry=entry)
        if not verdict.error:
            verdict.checks = evaluate_metrics(figures, budget)
        verdicts.append(verdict)
    return verdicts


# -- measuring ---------------------------------------------------------------------------------


async def measure_pages(urls: list[str], options: MeasureOptions, *, concurrency: int = 4,
                        site: SiteConfig | None = None) -> list[dict[str, Any]]:
    """Measure each URL once (one shared browser) and return scored page entries, in order."""
    pages = await measure_and_score(
        urls, options, concurrency=concurrency, overrides=site.rules if site else None,
        first_party_hosts=site.site_hosts if site else None)
    return [page_entry(page) for page in pages]


async def measure_journeys(journeys: list[Journey], options: MeasureOptions, *,
                           site: SiteConfig | None = None) -> list[dict[str, Any]]:
    """Play journeys (once each) and return the entries of their measured and failed steps."""
    outcome = await play_journeys(journeys, options, overrides=site.rules if site else None,
                                  site=site)
    return [entry for play in outcome.plays for entry in play.entries]


async def crawl_site_pages(site: SiteConfig, options: MeasureOptions, *,
                           concurrency: int = 4) -> list[dict[str, Any]]:
    """Crawl a site into a throw-away database and return its page entries.

    The gate never writes into the history: a check of a staging site must not become the next
    'latest' baseline.
    """
    with tempfile.TemporaryDirectory(prefix="ecoaudit-check-") as folder, \
            Store.open(str(Path(folder) / "check.db")) as store:
        (result,) = await crawl_sites([site], store, options, concurrency=concurrency)
        # One verdict per page, device and journey step: the median of its samples.
        entries = [retained_entry(group) for group in group_samples(
            store.run_pages(result.run_id))]
    if not entries:
        reason = result.reason or "no page was found"
        entries = [{"url": site.start_urls[0], "error": f"the crawl {result.status}: {reason}",
                    "consent_state": "none"}]
    return entries


# -- text --------------------------------------------------------------------------------------

_LABELS = {
    "min_score": "EcoIndex score", "min_grade": "EcoIndex grade", "max_size_kb": "page weight",
    "max_requests": "requests", "max_nodes": "DOM nodes", "max_co2_g": "CO2 per view (SWD v4)",
    "rules_must_pass": "rule", "max_score_drop": "score drop against the baseline",
}


def _format(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def check_line(check: BudgetCheck) -> str:
    """One readable line for one check: mark, what, measured against limit, by how much."""
    mark = {True: "PASS", False: "FAIL", None: "SKIP"}[check.passed]
    if check.key == "rules_must_pass":
        text = f"{mark}  rule {check.rule}: {check.measured or 'not evaluated'}"
        if check.detail and check.passed is not True:
            text += f" ({check.detail})"
        return text
    if check.passed is None:
        return f"{mark}  {_LABELS[check.key]} (limit {_format(check.limit)}): {check.detail}"
    if check.key == "min_grade":
        text = f"{mark}  {_LABELS[check.key]}: {check.measured} (limit: {check.limit} or better)"
        if check.passed is False:
            text += f", {_format(check.excess)} grade(s) below"
        return text
    comparison, missed = ("<=", "over by") if check.key.startswith("max_") else (">=",
                                                                                 "short by")
    text = f"{mark}  {_LABELS[check.key]}: {_format(check.measured)} {check.unit} " \
        f"(limit {comparison} {_format(check.limit)})"
    if check.passed is False:
        text += f", {missed} {_format(check.excess)} {check.unit}"
    if check.key == "max_score_drop" and check.detail:
        text += f"; {check.detail}"
    return text


def verdict_text(result: GateResult, *, max_resources: int = 5) -> str:
    """The readable verdict: per page what passed and failed, by how much, which resources."""
    lines: list[str] = []
    if result.budget.is_empty:
        lines.append("No budget is set: give --budget FILE or a site with budgets in sites.toml.")
    if result.baseline_run:
        run = result.baseline_run
        lines.append(f"Baseline: run {run['id']} of {run['site']} ({run['started_at']}).")
    for page in result.pages:
        lines.append("")
        if page.error:
            lines.append(f"NOT MEASURED  {page.label}: {page.error}")
            continue
        score = page.entry.get("ecoindex") or {}
        status = "FAILED" if page.broken else "PASSED"
        lines.append(f"{status}  {page.label}  (EcoIndex {score.get('score')} "
                     f"{score.get('grade')}, {_format(score.get('size_kb'))} KB, "
                     f"{score.get('requests')} requests"
                     + (f", {score['nodes']} nodes)" if score.get("nodes") is not None else ")"))
        for check in page.checks:
            lines.append("  " + check_line(check))
            if check.passed is False:
                for resource in check.resources[:max_resources]:
                    size = f" {resource['bytes']} bytes" if resource.get("bytes") else ""
                    saving = (f", could save {resource['saving_bytes']} bytes"
                              if resource.get("saving_bytes") else "")
                    detail = f" ({resource['detail']})" if resource.get("detail") else ""
                    lines.append(f"        {resource.get('url') or '-'}{size}{saving}{detail}")
                if len(check.resources) > max_resources:
                    lines.append(f"        ... and {len(check.resources) - max_resources} more")
    broken, unmeasured = len(result.broken_pages), len(result.unmeasured_pages)
    lines.append("")
    lines.append(f"Verdict: {result.outcome.upper()}: {len(result.pages)} pages, {broken} over "
                 f"budget, {unmeasured} not measured.")
    return "\n".join(lines)
