"""Everything computed from a Capture besides EcoIndex: rule findings and CO2 (pure functions).

`audit`, `crawl`, `check`, `acceptance` and `rescore` all score through `score_page`, so a
stored capture re-scored later gives what a fresh measurement would have given.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecoaudit import rules
from ecoaudit.capture import Capture
from ecoaudit.metrics import page_co2
from ecoaudit.rules import Catalogue


@dataclass(frozen=True)
class ScoredPage:
    """A capture with what is computed from it: its rule findings and its CO2 (as dicts)."""

    capture: Capture
    findings: list[dict]
    co2: dict | None


def score_page(
    capture: Capture,
    *,
    catalogue: Catalogue | None = None,
    overrides: dict[str, dict] | None = None,
    first_party_hosts: list[str] | None = None,
) -> ScoredPage:
    """The findings (as dicts) and the SWD v4 CO2 of one capture.

    A page that could not be measured gets `na` findings (with the reason) and no CO2.
    """
    findings = rules.evaluate(capture, catalogue=catalogue, overrides=overrides,
                              first_party_hosts=first_party_hosts)
    green = bool((overrides or {}).get("co2-per-view", {}).get("green_hosting", False))
    return ScoredPage(capture, [finding.to_dict() for finding in findings],
                      page_co2(capture, green_hosting=green))
