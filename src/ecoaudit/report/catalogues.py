"""The rule wording the reports show (title, why, how to fix, example), from the catalogue.

The reports still render when the catalogue cannot be loaded (for example a broken local rule
file): rule ids then stand in for titles.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ecoaudit.errors import EcoauditError

log = logging.getLogger(__name__)


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
            rule.example_text("good", self.lang),
        )

