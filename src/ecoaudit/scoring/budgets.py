"""Budgets: the `[budget]` table of `check`, a site's `budgets` in sites.toml, a contract's clauses.

    budget = load_budget_file(Path("budget.toml"))             # or parse_budget(table, source=...)
    checks = evaluate_page(page_entry, budget, baseline=entry)  # one BudgetCheck per key (and rule)

Keys (all optional): min_score, min_grade, max_size_kb, max_requests, max_nodes, max_co2_g
(Sustainable Web Design v4, global grid, grams per view), rules_must_pass (rule ids) and
max_score_drop (EcoIndex points lost against the baseline page). Each measured step of a
journey is a page held to them; a `journey` sub-table (min_score, min_grade, max_size_kb,
max_requests) holds each journey's totals (scoring/journeys.py) to its own limits. Evaluation is
a pure function of a page entry (`jsondoc.page_entry`); every check says what was measured, the
limit and by how much it is missed.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ecoaudit.errors import ConfigError
from ecoaudit.metrics import ecoindex
from ecoaudit.rules import load_catalogue

BUDGET_KEYS = (
    "min_score", "min_grade", "max_size_kb", "max_requests", "max_nodes", "max_co2_g",
    "rules_must_pass", "max_score_drop",
)
# The keys of the `journey` sub-table: limits on a journey's totals (mean score, total weight).
JOURNEY_TOTAL_KEYS = ("min_score", "min_grade", "max_size_kb", "max_requests")
# A rule's finding passes a budget when it passed or did not apply; warn and fail do not.
PASSING_RULE_STATUSES = ("pass", "na")
UNITS = {
    "min_score": "points", "min_grade": "grades", "max_size_kb": "KB", "max_requests": "requests",
    "max_nodes": "nodes", "max_co2_g": "gCO2e", "max_score_drop": "points",
}


@dataclass(frozen=True)
class Budget:
    """The limits a page is held to; None (or an empty tuple) means the key is not set."""

    min_score: float | None = None
    min_grade: str | None = None
    max_size_kb: float | None = None
    max_requests: int | None = None
    max_nodes: int | None = None
    max_co2_g: float | None = None
    rules_must_pass: tuple[str, ...] = ()
    max_score_drop: float | None = None
    journey: Budget | None = None  # limits on each journey's totals

    @property
    def is_empty(self) -> bool:
        return not self.to_dict()

    def to_dict(self) -> dict[str, Any]:
        """The keys that are set, as they would be written in TOML."""
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        values["rules_must_pass"] = list(self.rules_must_pass)
        values["journey"] = self.journey.to_dict() if self.journey else None
        return {key: value for key, value in values.items() if value not in (None, [], {})}

    def merged_with(self, other: Budget) -> Budget:
        """This budget with every key `other` sets replaced by `other`'s value."""
        return Budget(**{item.name: getattr(self, item.name)
                         if getattr(other, item.name) in (None, ()) else getattr(other, item.name)
                         for item in fields(self)})


@dataclass
class BudgetCheck:
    """One budget key (or one rule of rules_must_pass) checked on one page.

    `passed` is None when the check could not be made (no baseline page, value unknown).
    `excess` says by how much the limit is missed, in `unit` (0 when it passed).
    """

    key: str
    passed: bool | None
    measured: float | int | str | None
    limit: float | int | str | None
    excess: float | None = None
    unit: str = ""
    rule: str | None = None
    detail: str = ""
    resources: list[dict[str, Any]] = field(default_factory=list)  # offending URLs with bytes

    @property
    def name(self) -> str:
        """`max_size_kb`, or `rules_must_pass:page-weight` for a rule."""
        return f"{self.key}:{self.rule}" if self.rule else self.key

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "rule": self.rule, "passed": self.passed,
                "measured": self.measured, "limit": self.limit, "excess": self.excess,
                "unit": self.unit, "detail": self.detail, "resources": self.resources}


# -- parsing -----------------------------------------------------------------------------------


def _number(value: Any, expected: str, *, integer: bool = False) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(expected)
    if integer and not (isinstance(value, int) or float(value).is_integer()):
        raise ValueError(expected)
    return int(value) if integer else float(value)


def _grade(value: Any) -> str:
    if not isinstance(value, str) or value.strip().upper() not in ecoindex.GRADES:
        raise ValueError('an EcoIndex grade from "A" to "G"')
    return value.strip().upper()


def _score(value: Any) -> float:
    number = _number(value, "a number from 0 to 100")
    if number > 100:
        raise ValueError("a number from 0 to 100")
    return number


def _rule_ids(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError('a list of rule ids, e.g. ["page-weight", "text-compression"]')
    known = [rule.id for rule in load_catalogue()]
    for rule_id in value:
        if rule_id not in known:
            close = difflib.get_close_matches(rule_id, known, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise ValueError(f"a list of known rule ids; {rule_id!r} is not one{hint} "
                             "(`ecoaudit rules` lists them)")
    return tuple(dict.fromkeys(value))


_PARSERS = {
    "min_score": _score,
    "min_grade": _grade,
    "max_size_kb": lambda v: _number(v, "a number of kilobytes, 0 or more"),
    "max_requests": lambda v: _number(v, "a whole number of requests, 0 or more", integer=True),
    "max_nodes": lambda v: _number(v, "a whole number of DOM nodes, 0 or more", integer=True),
    "max_co2_g": lambda v: _number(v, "a number of grams CO2e per view, 0 or more"),
    "rules_must_pass": _rule_ids,
    "max_score_drop": lambda v: _number(v, "a number of EcoIndex points, 0 or more"),
}


def parse_budget(table: Mapping[str, Any], *, source: str,
                 allowed: tuple[str, ...] = BUDGET_KEYS) -> Budget:
    """Validate a budget table; ConfigError naming `source` and the key when a value is wrong.

    `source` says where the table comes from, e.g. "budget.toml [budget]".
    """
    if not isinstance(table, Mapping):
        raise ConfigError(f"{source} must be a table of budget keys ({', '.join(allowed)}).")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "journey" and allowed == BUDGET_KEYS:
            values[key] = parse_budget(value, source=f"{source} journey",
                                       allowed=JOURNEY_TOTAL_KEYS)
            continue
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise ConfigError(f"{source}: unknown key {key!r}{hint}; the keys are "
                              f"{', '.join(allowed)}.")
        try:
            values[key] = _PARSERS[key](value)
        except ValueError as expected:
            raise ConfigError(f"{source}: {key} must be {expected}, got {value!r}.") from None
    return Budget(**values)


def load_budget_file(path: Path) -> Budget:
    """Read the `[budget]` table of a TOML file (see examples/budget.toml)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The budget file {path} does not exist: check the path given "
                          "to --budget.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"The budget file {path} cannot be read ({error}).") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}.") from None
    unknown = [key for key in data if key != "budget"]
    if unknown or "budget" not in data:
        raise ConfigError(f"{path}: the budget must be written in a [budget] table"
                          + (f" (unknown top-level key {unknown[0]!r})." if unknown else "."))
    return parse_budget(data["budget"], source=f"{path} [budget]")


def site_budget(site: Any) -> Budget:
    """The budget declared by a site of sites.toml (its `budgets` table)."""
    return parse_budget(site.budgets or {}, source=f'sites.toml site "{site.name}" budgets')


# -- evaluation --------------------------------------------------------------------------------


def page_metrics(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The figures budgets apply to, from a page entry; None where the page has no value."""
    score = entry.get("ecoindex") or {}
    co2 = ((entry.get("co2") or {}).get("global") or {}).get("grams_per_view")
    return {
        "score": score.get("score"), "grade": score.get("grade"),
        "size_kb": score.get("size_kb"), "requests": score.get("requests"),
        "nodes": score.get("nodes"), "co2_g": co2,
        "findings": list(entry.get("findings") or []),
    }


def evaluate_page(entry: Mapping[str, Any], budget: Budget, *,
                  baseline: Mapping[str, Any] | None = None) -> list[BudgetCheck]:
    """Check one measured page entry against every key of `budget` that is set.

    `baseline` is the same page's entry in the baseline run (for max_score_drop), if any.
    """
    baseline_score = ((baseline or {}).get("ecoindex") or {}).get("score")
    return evaluate_metrics(page_metrics(entry), budget, baseline_score=baseline_score,
                            has_baseline=baseline is not None)


def evaluate_metrics(metrics: Mapping[str, Any], budget: Budget, *,
                     baseline_score: float | None = None,
                     has_baseline: bool = False) -> list[BudgetCheck]:
    """Check figures (see `page_metrics`, or medians of several pages) against `budget`."""
    checks: list[BudgetCheck] = []
    if budget.min_score is not None:
        checks.append(_at_least("min_score", metrics.get("score"), budget.min_score))
    if budget.min_grade is not None:
        checks.append(_grade_check(metrics.get("grade"), budget.min_grade))
    for key, metric in (("max_size_kb", "size_kb"), ("max_requests", "requests"),
                        ("max_nodes", "nodes"), ("max_co2_g", "co2_g")):
        limit = getattr(budget, key)
        if limit is not None:
            checks.append(_at_most(key, metrics.get(metric), limit))
    for rule_id in budget.rules_must_pass:
        checks.append(_rule_check(rule_id, metrics.get("findings") or []))
    if budget.max_score_drop is not None:
        checks.append(_drop_check(metrics.get("score"), baseline_score, budget.max_score_drop,
                                  has_baseline))
    return checks


def _round(value: float) -> float:
    return round(float(value), 4)


def _at_most(key: str, measured: Any, limit: float) -> BudgetCheck:
    if measured is None:
        return BudgetCheck(key, None, None, limit, unit=UNITS[key], detail="not measured")
    excess = _round(max(0.0, float(measured) - float(limit)))
    return BudgetCheck(key, float(measured) <= float(limit), measured, limit, excess,
                       UNITS[key])


def _at_least(key: str, measured: Any, limit: float) -> BudgetCheck:
    if measured is None:
        return BudgetCheck(key, None, None, limit, unit=UNITS[key], detail="not measured")
    missing = _round(max(0.0, float(limit) - float(measured)))
    return BudgetCheck(key, float(measured) >= float(limit), measured, limit, missing, UNITS[key])


def _grade_check(grade: Any, limit: str) -> BudgetCheck:
    if grade not in ecoindex.GRADES:
        return BudgetCheck("min_grade", None, None, limit, unit="grades", detail="not measured")
    below = max(0, ecoindex.GRADES.index(grade) - ecoindex.GRADES.index(limit))
    return BudgetCheck("min_grade", below == 0, grade, limit, float(below), "grades")


def _rule_check(rule_id: str, findings: list[dict]) -> BudgetCheck:
    finding = next((item for item in findings if item.get("rule") == rule_id), None)
    if finding is None:
        return BudgetCheck("rules_must_pass", None, None, "pass", rule=rule_id,
                           detail="the rule was not evaluated on this page")
    status = finding.get("status")
    resources = [
        {"url": item.get("url"), "bytes": item.get("bytes"),
         "saving_bytes": item.get("saving_bytes"), "detail": item.get("detail", "")}
        for item in finding.get("evidence") or []
    ]
    detail = ""
    if status not in PASSING_RULE_STATUSES:
        detail = f"measured {finding.get('value')!r}, threshold {finding.get('threshold')!r}"
        if finding.get("reason"):
            detail += f": {finding['reason']}"
    return BudgetCheck("rules_must_pass", status in PASSING_RULE_STATUSES, status, "pass",
                       rule=rule_id, detail=detail, resources=resources)


def _drop_check(score: Any, baseline_score: Any, limit: float, has_baseline: bool) -> BudgetCheck:
    if score is None or baseline_score is None:
        detail = ("the page is not in the baseline run" if not has_baseline
                  else "no EcoIndex score to compare")
        return BudgetCheck("max_score_drop", None, None, limit, unit="points", detail=detail)
    drop = float(baseline_score) - float(score)
    excess = _round(max(0.0, drop - float(limit)))
    return BudgetCheck("max_score_drop", drop <= float(limit), _round(drop), limit, excess,
                       "points", detail=f"baseline score {baseline_score}, now {score}")
