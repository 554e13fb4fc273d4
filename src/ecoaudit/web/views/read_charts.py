"""The report's inline SVG trend chart for a site's page, in the page's language."""

from __future__ import annotations

from markupsafe import Markup

from ecoaudit.report import charts
from ecoaudit.report.site import SiteReport
from ecoaudit.web.views.read_words import report_words


def trend_chart(report: SiteReport, lang: str) -> Markup:
    """The mean and median EcoIndex of every run of a site (as the site report draws it)."""
    t = report_words(lang).t
    points = report.trend
    labels = [t.short_date(point.run.started_at) for point in points]
    if len(set(labels)) < len(labels):  # several runs a day: show the time as well
        labels = [t.date(point.run.started_at) for point in points]
    description = t("chart_trend_desc", first=labels[0] if labels else "–",
                    last=labels[-1] if labels else "–", count=len(points))
    return charts.trend(
        labels,
        [charts.Series(t("mean_score"), "#0550ae", [p.figures.score_mean for p in points]),
         charts.Series(t("median_score"), "#1f2328", [p.figures.score_median for p in points],
                       dash="5 3")],
        t("chart_trend_title"), description,
    )
