"""The acceptance verdict: each clause of the contract, compliant or not, with its evidence.

Pure functions of the contract and the measured pages. A clause is `compliant`, `not_compliant`,
or `undetermined` (a page could not be measured, or a criterion could not be decided on it).
Outcome: not compliant (exit 1) when any clause is broken; else undetermined (exit 2) when any
clause could not be established; else compliant (exit 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Any

from ecoaudit.metrics import ecoindex
from ecoaudit.rules import load_catalogue
from ecoaudit.rules.rgesn import criteria, rgesn_view
from ecoaudit.scoring.budgets import (
    Budget,
    BudgetCheck,
    evaluate_metrics,
    evaluate_page,
    page_metrics,
)
from ecoaudit.workflows.acceptance.contract import Contract
from ecoaudit.workflows.acceptance.median_runs import PageRuns

COMPLIANT, NOT_COMPLIANT, UNDETERMINED = "compliant", "not_compliant", "undetermined"
EXIT_CODES = {COMPLIANT: 0, NOT_COMPLIANT: 1, UNDETERMINED: 2}
LABELS_FR = {COMPLIANT: "Conforme", NOT_COMPLIANT: "Non conforme", UNDETERMINED: "Non établi"}
UNITS_FR = {"KB": "Ko", "requests": "requêtes", "nodes": "éléments", "points": "points",
            "gCO2e": "gCO2e", "grades": ""}

REQUIREMENTS_FR = {
    "min_score": "score EcoIndex d’au moins {limit}",
    "min_grade": "note EcoIndex {limit} ou meilleure",
    "max_size_kb": "poids d’au plus {limit} Ko",
    "max_requests": "au plus {limit} requêtes",
    "max_nodes": "au plus {limit} éléments dans le DOM",
    "max_co2_g": "au plus {limit} gCO2e par vue (SWD v4, mix électrique mondial)",
    "rules_must_pass": "règle « {rule} » ({rule_id}) respectée",
}


@dataclass
class ClauseRow:
    """The evidence of one clause on one page (or on the median)."""

    subject: str  # a page URL, or "médiane"
    measured: Any
    status: str
    detail: str = ""
    unit: str = ""  # French unit of `measured`
    resources: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Clause:
    """One clause of the contract and whether the deliverable meets it."""

    id: str  # page.max_size_kb, median.min_grade, page.rules_must_pass.page-weight, rgesn.6.3
    article: str | None
    requirement: str  # French
    status: str
    rows: list[ClauseRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return LABELS_FR[self.status]


@dataclass
class Verdict:
    """Every clause, the medians, and the outcome."""

    clauses: list[Clause]
    medians: dict[str, Any]
    pages_measured: int
    pages_total: int

    @property
    def outcome(self) -> str:
        statuses = {clause.status for clause in self.clauses}
        if NOT_COMPLIANT in statuses:
            return NOT_COMPLIANT
        if UNDETERMINED in statuses or self.pages_measured < self.pages_total:
            return UNDETERMINED
        return COMPLIANT

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    @property
    def label(self) -> str:
        return LABELS_FR[self.outcome]


def _status_of(rows: list[ClauseRow]) -> str:
    statuses = {row.status for row in rows}
    if NOT_COMPLIANT in statuses:
        return NOT_COMPLIANT
    if UNDETERMINED in statuses or not rows:
        return UNDETERMINED
    return COMPLIANT


def _row_status(check: BudgetCheck | None) -> str:
    if check is None or check.passed is None:
        return UNDETERMINED
    return COMPLIANT if check.passed else NOT_COMPLIANT


def _requirement(check_key: str, limit: Any, rule_id: str | None, rule_titles: dict) -> str:
    shown = f"{limit:g}" if isinstance(limit, float) else limit
    return REQUIREMENTS_FR[check_key].format(limit=shown, rule_id=rule_id,
                                             rule=rule_titles.get(rule_id, rule_id))


def _rule_titles() -> dict[str, str]:
    return {rule.id: rule.text("title", "fr") for rule in load_catalogue()}


def _detail(check: BudgetCheck) -> str:
    if check.passed is False and check.excess:
        unit = UNITS_FR.get(check.unit, check.unit) or ("note(s)" if check.unit == "grades"
                                                        else "")
        return f"écart de {check.excess:g} {unit}".strip()
    return check.detail


def page_clauses(budget: Budget, article: str | None, pages: list[PageRuns]) -> list[Clause]:
    """One clause per key of the per-page budget (and per rule of rules_must_pass)."""
    if budget.is_empty:
        return []
    titles = _rule_titles()
    by_page = {page.number: {check.name: check for check in evaluate_page(page.entry, budget)}
               if page.measured else {} for page in pages}
    names = [check.name for check in evaluate_page({}, budget)]
    clauses = []
    for name in names:
        key, _, rule_id = name.partition(":")
        limit = getattr(budget, key) if key != "rules_must_pass" else "pass"
        rows = []
        for page in pages:
            check = by_page[page.number].get(name)
            if check is None:
                rows.append(ClauseRow(page.url, None, UNDETERMINED, page.error or "non mesurée"))
            else:
                rows.append(ClauseRow(page.url, check.measured, _row_status(check),
                                      _detail(check), unit=UNITS_FR.get(check.unit, check.unit),
                                      resources=check.resources))
        clauses.append(Clause(
            id=f"page.{key}" + (f".{rule_id}" if rule_id else ""), article=article,
            requirement="Chaque page : " + _requirement(key, limit, rule_id or None, titles),
            status=_status_of(rows), rows=rows))
    return clauses


def medians(pages: list[PageRuns]) -> dict[str, Any]:
    """Medians over the measured pages of their retained measurements."""
    metrics = [page_metrics(page.entry) for page in pages if page.measured]
    if not metrics:
        return {}
    result: dict[str, Any] = {}
    for name in ("score", "size_kb", "requests", "nodes", "co2_g"):
        values = [item[name] for item in metrics if item[name] is not None]
        result[name] = median(values) if values else None
    if result["score"] is not None:
        result["grade"] = ecoindex.grade(round(result["score"]))
    return result


def median_clauses(budget: Budget, article: str | None, pages: list[PageRuns],
                   values: dict[str, Any]) -> list[Clause]:
    """One clause per key of the median budget."""
    if budget.is_empty:
        return []
    complete = all(page.measured for page in pages)
    clauses = []
    for check in evaluate_metrics(values, budget):
        status = _row_status(check) if complete else UNDETERMINED
        detail = _detail(check) if complete else "toutes les pages n’ont pas pu être mesurées"
        row = ClauseRow("médiane des pages", check.measured, status, detail,
                        unit=UNITS_FR.get(check.unit, check.unit))
        clauses.append(Clause(
            id=f"median.{check.key}", article=article,
            requirement="Médiane des pages : " + _requirement(check.key, check.limit, None, {}),
            status=status, rows=[row]))
    return clauses


def rgesn_clauses(numbers: list[str], article: str | None, pages: list[PageRuns]) -> list[Clause]:
    """One clause per RGESN criterion: every page must pass it (or it must not apply)."""
    titles = {criterion.number: criterion.title for criterion in criteria()}
    views = {page.number: {entry["criterion"]: entry for entry in
                           rgesn_view(page.entry.get("findings") or [])}
             for page in pages if page.measured}
    clauses = []
    for number in numbers:
        rows = []
        for page in pages:
            if page.number not in views:
                rows.append(ClauseRow(page.url, None, UNDETERMINED, page.error or "non mesurée"))
                continue
            entry = views[page.number][number]
            status = {"pass": COMPLIANT, "na": COMPLIANT, "warn": NOT_COMPLIANT,
                      "fail": NOT_COMPLIANT}.get(entry["status"], UNDETERMINED)
            rules = ", ".join(f"{rule} : {result}" for rule, result in entry["rules"].items())
            rows.append(ClauseRow(page.url, entry["status"], status, rules))
        clauses.append(Clause(
            id=f"rgesn.{number}", article=article,
            requirement=f"Critère RGESN 2024 {number} « {titles[number]} » respecté sur chaque "
                        "page", status=_status_of(rows), rows=rows))
    return clauses


def judge(contract: Contract, pages: list[PageRuns]) -> Verdict:
    """Every clause of `contract` on the measured `pages`."""
    values = medians(pages)
    clauses = [
        *page_clauses(contract.page_budget, contract.page_article, pages),
        *median_clauses(contract.median_budget, contract.median_article, pages, values),
        *rgesn_clauses(contract.rgesn_criteria, contract.rgesn_article, pages),
    ]
    return Verdict(clauses=clauses, medians=values,
                   pages_measured=sum(page.measured for page in pages), pages_total=len(pages))
