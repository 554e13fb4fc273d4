"""The contract file of an acceptance (TOML): its clauses, scope and measurement protocol.

    [contract]        title, reference, buyer, supplier (texts shown on the report)
    [scope]           urls = [...]  or  start_url = "..." with max_pages (a crawl)
    [measurement]     runs (default 3), viewport, wait_before, wait_after, timeout
    [page_budget]     budget keys every page must meet (scoring/budgets.py), article = "..."
    [median_budget]   budget keys the median over the pages must meet, article = "..."
    [rgesn]           criteria = ["6.3", ...] that every page must comply with, article = "..."
    [rules]           optional rule threshold overrides, as in sites.toml

Every error names the file and the key (see examples/contrat-exemple.toml).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

from ecoaudit.errors import ConfigError
from ecoaudit.rules import load_catalogue, validate_overrides
from ecoaudit.rules.rgesn import criteria
from ecoaudit.scoring.budgets import BUDGET_KEYS, Budget, parse_budget

TABLES = ("contract", "scope", "measurement", "page_budget", "median_budget", "rgesn", "rules")
CONTRACT_KEYS = ("title", "reference", "buyer", "supplier", "notes")
SCOPE_KEYS = ("urls", "start_url", "max_pages")
MEASUREMENT_KEYS = ("runs", "viewport", "wait_before", "wait_after", "timeout")
PAGE_BUDGET_KEYS = tuple(key for key in BUDGET_KEYS if key != "max_score_drop")
MEDIAN_BUDGET_KEYS = ("min_score", "min_grade", "max_size_kb", "max_requests", "max_nodes",
                      "max_co2_g")
DEFAULT_RUNS = 3


@dataclass
class Measurement:
    """How each page is measured: the protocol, and how many times."""

    runs: int = DEFAULT_RUNS
    viewport_width: int = 1920
    viewport_height: int = 1080
    wait_before: float = 3.0
    wait_after: float = 3.0
    timeout: float = 60.0


@dataclass
class Contract:
    """A validated contract file."""

    path: Path
    text: str  # the file as written, kept as evidence
    title: str
    reference: str | None = None
    buyer: str | None = None
    supplier: str | None = None
    notes: str | None = None
    urls: list[str] = field(default_factory=list)
    start_url: str | None = None
    max_pages: int = 10
    measurement: Measurement = field(default_factory=Measurement)
    page_budget: Budget = field(default_factory=Budget)
    page_article: str | None = None
    median_budget: Budget = field(default_factory=Budget)
    median_article: str | None = None
    rgesn_criteria: list[str] = field(default_factory=list)
    rgesn_article: str | None = None
    rule_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Reader:
    """Checks one table of the contract, naming the file, table and key in every error."""

    def __init__(self, path: Path, table: str, values: Any) -> None:
        self.path, self.table = path, table
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: [{table}] must be a table.")
        self.values = values

    def fail(self, key: str, expected: str) -> ConfigError:
        got = self.values.get(key)
        return ConfigError(f"{self.path} [{self.table}]: {key} must be {expected}, got {got!r}.")

    def only(self, keys: tuple[str, ...]) -> None:
        for key in self.values:
            if key not in keys:
                close = difflib.get_close_matches(key, keys, n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                raise ConfigError(f"{self.path} [{self.table}]: unknown key {key!r}{hint}; the "
                                  f"keys are {', '.join(keys)}.")

    @overload
    def text(self, key: str, required: Literal[True]) -> str: ...
    @overload
    def text(self, key: str, required: bool = False) -> str | None: ...

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.values.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "a non-empty text")
        return value.strip()

    def url(self, key: str, value: Any = None) -> str:
        value = self.values.get(key) if value is None else value
        if not isinstance(value, str) or not re.match(r"^https?://[^/\s]+", value):
            raise self.fail(key, "an http:// or https:// URL")
        return value

    def number(self, key: str, default: float, *, low: float, integer: bool = False) -> Any:
        value = self.values.get(key, default)
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= low
        if not ok or (integer and not isinstance(value, int)):
            kind = "a whole number" if integer else "a number"
            raise self.fail(key, f"{kind} of at least {low:g}")
        return value if integer else float(value)


def load_contract(path: Path) -> Contract:
    """Read and validate a contract file; ConfigError naming the file and the key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"The contract file {path} does not exist: check --contract.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"The contract file {path} cannot be read ({error}).") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}.") from None
    for table in data:
        if table not in TABLES:
            close = difflib.get_close_matches(table, TABLES, n=1)
            hint = f' (did you mean "[{close[0]}]"?)' if close else ""
            raise ConfigError(f"{path}: unknown table [{table}]{hint}; the tables are "
                              f"{', '.join('[' + name + ']' for name in TABLES)}.")
    if "contract" not in data:
        raise ConfigError(f"{path}: the [contract] table is missing; it needs at least a title.")
    head = _Reader(path, "contract", data["contract"])
    head.only(CONTRACT_KEYS)
    contract = Contract(path=path, text=text, title=head.text("title", required=True),
                        reference=head.text("reference"), buyer=head.text("buyer"),
                        supplier=head.text("supplier"), notes=head.text("notes"))
    _read_scope(contract, _Reader(path, "scope", data.get("scope", {})))
    contract.measurement = _read_measurement(_Reader(path, "measurement",
                                                     data.get("measurement", {})))
    contract.page_budget, contract.page_article = _read_budget(
        path, "page_budget", data.get("page_budget", {}), PAGE_BUDGET_KEYS)
    contract.median_budget, contract.median_article = _read_budget(
        path, "median_budget", data.get("median_budget", {}), MEDIAN_BUDGET_KEYS)
    contract.rgesn_criteria, contract.rgesn_article = _read_rgesn(
        _Reader(path, "rgesn", data.get("rgesn", {})))
    contract.rule_overrides = _read_rules(path, data.get("rules", {}))
    if contract.page_budget.is_empty and contract.median_budget.is_empty and not (
            contract.rgesn_criteria):
        raise ConfigError(f"{path}: the contract has no clause: add [page_budget], "
                          "[median_budget] or [rgesn] criteria.")
    return contract


def _read_scope(contract: Contract, scope: _Reader) -> None:
    scope.only(SCOPE_KEYS)
    urls = scope.values.get("urls", [])
    if not isinstance(urls, list):
        raise scope.fail("urls", "a list of http(s) URLs")
    contract.urls = [scope.url("urls", url) for url in urls]
    if "start_url" in scope.values:
        contract.start_url = scope.url("start_url")
    contract.max_pages = scope.number("max_pages", 10, low=1, integer=True)
    if contract.urls and contract.start_url:
        raise ConfigError(f"{contract.path} [scope]: give either urls or start_url, not both.")


def _read_measurement(table: _Reader) -> Measurement:
    table.only(MEASUREMENT_KEYS)
    measurement = Measurement(
        runs=table.number("runs", DEFAULT_RUNS, low=1, integer=True),
        wait_before=table.number("wait_before", 3.0, low=0),
        wait_after=table.number("wait_after", 3.0, low=0),
        timeout=table.number("timeout", 60.0, low=1),
    )
    viewport = table.values.get("viewport", "1920x1080")
    match = re.fullmatch(r"(\d{2,5})x(\d{2,5})", viewport) if isinstance(viewport, str) else None
    if not match:
        raise table.fail("viewport", 'WIDTHxHEIGHT, e.g. "1920x1080"')
    measurement.viewport_width, measurement.viewport_height = (int(match.group(1)),
                                                               int(match.group(2)))
    if measurement.runs > 15:
        raise table.fail("runs", "a whole number from 1 to 15")
    return measurement


def _read_budget(path: Path, table: str, values: Any,
                 allowed: tuple[str, ...]) -> tuple[Budget, str | None]:
    reader = _Reader(path, table, values)
    article = reader.text("article")
    limits = {key: value for key, value in reader.values.items() if key != "article"}
    return parse_budget(limits, source=f"{path} [{table}]", allowed=allowed), article


def _read_rgesn(table: _Reader) -> tuple[list[str], str | None]:
    table.only(("criteria", "article"))
    wanted = table.values.get("criteria", [])
    if not isinstance(wanted, list) or not all(isinstance(item, str) for item in wanted):
        raise table.fail("criteria", 'a list of criterion numbers, e.g. ["6.3", "4.1"]')
    known = {criterion.number: criterion for criterion in criteria()}
    for number in wanted:
        if number not in known:
            raise table.fail("criteria", f"a list of RGESN 2024 criterion numbers; {number!r} "
                             "is not one")
        if known[number].check == "manual":
            raise ConfigError(f"{table.path} [rgesn]: criteria: {number} cannot be checked by a "
                              "tool (it needs manual evidence); remove it and check it by hand.")
    return list(dict.fromkeys(wanted)), table.text("article")


def _read_rules(path: Path, values: Any) -> dict[str, dict[str, Any]]:
    return validate_overrides(values, load_catalogue(), source=f"{path} [rules]")
