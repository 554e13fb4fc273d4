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

from ecoaudit.report.changes import CHANGE_POINTS
from ecoaudit.report.i18n import LANGUAGES
from ecoaudit.report.model import parse_time
from ecoaudit.report.render import ReportWording, environment
from ecoaudit.scoring.repeats import UNSTABLE_SCORE_RANGE


class ReportWords(ReportWording):
    """The report's wording (`ecoaudit.report.render.ReportWording`) in one language, with the
    report fragments the read pages show."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "fr"
        super().__init__(self.lang)

    def common(self) -> dict[str, Any]:
        """What every report template expects besides its own data."""
        return {**self.template_words(), "unstable_points": UNSTABLE_SCORE_RANGE}

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
