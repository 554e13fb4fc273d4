"""The report's wording and fragments, for the read pages.

The read pages speak two vocabularies: their own (`t("read_...")`, CORE's translator) and the
report's (`ReportWords.t`, `ecoaudit.report.i18n.Translator`), whose labels of figures, rules,
findings and evidence the pages reuse as they are. Report fragments that need no link
(device profiles, journeys, targets, the measurement protocol) are rendered by the report's own
autoescaping environment, so they show exactly what the static report shows.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ecoaudit.report.catalogues import RuleTexts
from ecoaudit.report.changes import CHANGE_POINTS
from ecoaudit.report.figures import swd_grams
from ecoaudit.report.i18n import LANGUAGES, Translator
from ecoaudit.report.model import parse_time
from ecoaudit.report.render import PERCENT_METRICS, environment, plain_value
from ecoaudit.scoring.repeats import UNSTABLE_SCORE_RANGE


class ReportWords:
    """The report's translator, rule texts and value formatting in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "fr"
        self.t = Translator(self.lang)
        self.rule_text = RuleTexts(self.lang)

    def plain(self, value: Any) -> str:
        """A finding's value or threshold as short text, numbers in this language."""
        return plain_value(value, self.t)

    def finding_value(self, finding: dict[str, Any]) -> str:
        """What a rule measured, in this language (the stored text for older findings)."""
        if finding.get("value_message"):
            return self.t.message(finding["value_message"], plain_value(finding.get("value")))
        return plain_value(finding.get("value"), self.t)

    def finding_reason(self, finding: dict[str, Any]) -> str:
        """Why a rule did not apply."""
        return self.t.message(finding.get("reason_message"), finding.get("reason"))

    def evidence_text(self, item: dict[str, Any]) -> str:
        """One piece of a finding's evidence, in this language."""
        return self.t.message(item.get("message"), item.get("detail"))

    def metric_label(self, metric: str) -> str:
        """The label of a target's metric."""
        key = f"metric_{metric}"
        return self.t(key) if self.t.has(key) else metric

    def metric_value(self, metric: str, value: float | None) -> str:
        """A target's value: a share as a percentage, else a number."""
        if metric.startswith(PERCENT_METRICS):
            return self.t.percent(value)
        return self.t.number(value, 1)

    def common(self) -> dict[str, Any]:
        """What every report template expects besides its own data."""
        return {
            "t": self.t, "swd": swd_grams, "rule_text": self.rule_text,
            "metric_label": self.metric_label, "metric_value": self.metric_value,
            "change_points": CHANGE_POINTS, "finding_value": self.finding_value,
            "finding_reason": self.finding_reason, "evidence_text": self.evidence_text,
            "unstable_points": UNSTABLE_SCORE_RANGE,
        }

    def fragment(self, template: str, **context: Any) -> Markup:
        """A report template without links (profiles.html, journeys.html, targets_table.html,
        protocol.html) rendered by the report's autoescaping environment."""
        html = _report_environment(self.lang).get_template(template).render(
            **self.common(), **context)
        return Markup(html)  # autoescaped output of the report templates


@cache
def report_words(lang: str) -> ReportWords:
    """The report's wording in `lang` (French for any other), built once per language."""
    return ReportWords(lang)


@cache
def _report_environment(lang: str) -> Environment:
    env = environment()
    words = report_words(lang)
    env.filters["plain"] = words.plain
    return env


def read_globals() -> dict[str, Any]:
    """What every read template receives besides its data: the report's wording by language
    (`report_words(t.lang)`), ISO dates as datetimes, and what the report's macros read."""
    return {"report_words": report_words, "parse_time": parse_time,
            "unstable_points": UNSTABLE_SCORE_RANGE, "change_points": CHANGE_POINTS}
