"""Eco-design rules: a catalogue of rule files (`rules/`), one pure check per rule, findings.

Public API:
    load_catalogue(directory=None) -> Catalogue
    evaluate(capture, *, catalogue=None, overrides=None, first_party_hosts=None) -> list[Finding]
    evaluate_site(captures, *, catalogue=None, overrides=None, first_party_hosts=None)
    validate_overrides(overrides, catalogue, *, source=...) -> dict
"""

from __future__ import annotations

from ecoaudit.rules.catalogue import Catalogue, Rule
from ecoaudit.rules.engine import (
    default_rule_directory,
    evaluate,
    evaluate_site,
    load_catalogue,
    validate_overrides,
)
from ecoaudit.rules.finding import STATUSES, Evidence, Finding

__all__ = [
    "STATUSES", "Catalogue", "Evidence", "Finding", "Rule", "default_rule_directory", "evaluate",
    "evaluate_site", "load_catalogue", "validate_overrides",
]
