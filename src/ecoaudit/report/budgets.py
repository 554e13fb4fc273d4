"""Page budgets (RGESN 6.1) in the reports: which budgets a site is held to, page by page.

Whether a page stays within a budget is decided by `ecoaudit.scoring.budgets` (the same code as the
CI gate and `check`); this module only chooses the budgets and their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecoaudit.scoring import budgets as gate_budgets

# The EcoIndex targets, used for weight, requests and DOM when a site declares no value of its own.
DEFAULT_BUDGETS = {"max_size_kb": 1024, "max_requests": 40, "max_nodes": 600}
BUDGET_ORDER = (
    "max_size_kb", "max_requests", "max_nodes", "min_score", "min_grade", "max_co2_g",
    "rules_must_pass",
)


@dataclass(frozen=True)
class Budget:
    """One budget: a key of sites.toml's `budgets` table and its limit."""

    key: str
    limit: float | int | str | tuple[str, ...]

    @property
    def shown_limit(self) -> str:
        """The limit as text: rule ids joined, numbers without a useless ".0"."""
        if isinstance(self.limit, tuple):
            return ", ".join(self.limit)
        if isinstance(self.limit, int | float):
            return f"{self.limit:g}"
        return str(self.limit)


def site_budgets(
    declared: dict[str, Any] | None, source: str = "sites.toml budgets"
) -> list[Budget]:
    """The budgets a site is held to: its own values over the EcoIndex targets, in a fixed order.

    A wrong value is a ConfigError naming `source` and the key. `max_score_drop` compares two
    runs, not a page with a limit: the reports leave it to `check`.
    """
    merged: dict[str, Any] = dict(DEFAULT_BUDGETS)
    merged.update(gate_budgets.parse_budget(declared or {}, source=source).to_dict())
    if "rules_must_pass" in merged:
        merged["rules_must_pass"] = tuple(merged["rules_must_pass"])
    return [Budget(key, merged[key]) for key in BUDGET_ORDER if key in merged]


def page_within(page: dict[str, Any], budget: Budget) -> bool:
    """True when a measured page entry stays within `budget` (an unknown value is not within)."""
    limits: dict[str, Any] = {budget.key: budget.limit}  # the key is only known at run time
    checks = gate_budgets.evaluate_page(page, gate_budgets.Budget(**limits))
    return bool(checks) and all(check.passed is True for check in checks)
