"""What the reports need from the rule catalogue and the RGESN 2024 list, read once.

The reports still render when the catalogue cannot be loaded (for example a broken local rule
file): rule ids then stand in for titles, and the RGESN table lists the criteria findings name.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from importlib import resources

from ecoaudit.errors import EcoauditError
from ecoaudit.report.rgesn_table import AUTOMATIC, MANUAL, PARTIAL, Criterion

log = logging.getLogger(__name__)
CHECK_NAMES = {"auto": AUTOMATIC, "automatic": AUTOMATIC, "partial": PARTIAL, "manual": MANUAL}


@dataclass(frozen=True)
class RuleText:
    """A rule's wording in one language, for the to-do list and the page details."""

    id: str
    title: str
    why: str = ""
    fix: str = ""
    example_good: str = ""


class RuleTexts:
    """Rule wording by id in one language; unknown ids fall back to the id itself."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._rules = {}
        try:
            from ecoaudit.rules import load_catalogue

            self._rules = load_catalogue().rules
        except (ImportError, EcoauditError) as error:
            log.warning("Rule catalogue unavailable, reports show rule ids only: %s", error)

    def __call__(self, rule_id: str) -> RuleText:
        rule = self._rules.get(rule_id)
        if rule is None:
            return RuleText(rule_id, rule_id)
        return RuleText(
            rule_id,
            rule.text("title", self.lang),
            rule.text("why", self.lang),
            rule.text("fix", self.lang),
            rule.example.get("good", ""),
        )


def rgesn_criteria() -> list[Criterion]:
    """The 78 RGESN 2024 criteria with how ecoaudit checks each (from data/rgesn2024.toml)."""
    source = resources.files("ecoaudit") / "data" / "rgesn2024.toml"
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        log.warning("RGESN list unavailable: the table lists the criteria findings name")
        return []
    return [
        Criterion(
            str(item["number"]),
            item.get("title", str(item["number"])),
            item.get("title_en", item.get("title", str(item["number"]))),
            CHECK_NAMES.get(item.get("check", "manual"), MANUAL),
        )
        for item in data.get("criteria", [])
    ]
