"""Write the HTML reports (and the key-figures CSV) from SiteData, with Jinja2 autoescaping.

Layout of the output folder:
    index.html, key-figures.csv                   the collectivité
    <site>/index.html, trend.html, todo.html, rgesn.html
    <site>/pages/index.html, list-<n>.html         every page of the latest run, paginated
    <site>/pages/p<n>.html                         one page's details
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from jinja2 import ChainableUndefined, Environment, PackageLoader, select_autoescape

from ecoaudit import __version__
from ecoaudit.errors import EcoauditError
from ecoaudit.report import charts
from ecoaudit.report.catalogues import RuleTexts
from ecoaudit.report.changes import CHANGE_POINTS
from ecoaudit.report.collectivite import (
    GRENOBLE_METROPOLE_2023,
    NATIONAL_PUBLIC_SERVICE_MEAN_2022,
    CollectiviteReport,
    build_collectivite_report,
)
from ecoaudit.report.figures import swd_grams
from ecoaudit.report.i18n import Translator
from ecoaudit.report.key_figures_csv import key_figures_csv
from ecoaudit.report.model import SiteData
from ecoaudit.report.pages import requests_by_domain, requests_by_type, third_party_domains
from ecoaudit.report.rgesn_table import MANUAL
from ecoaudit.report.site import SiteReport, build_site_report
from ecoaudit.report.targets import LATE, MET, ON_TRACK, UNKNOWN, TargetProgress
from ecoaudit.scoring.repeats import UNSTABLE_SCORE_RANGE

PAGES_PER_LIST = 25
TREND_ROWS = 24  # runs listed on the trend page (the chart shows them all)
CSV_NAME = "key-figures.csv"
TARGET_STATUSES = (MET, ON_TRACK, LATE, UNKNOWN)
PERCENT_METRICS = ("share_",)


class ReportWriteError(EcoauditError):
    """The report folder cannot be written."""


@dataclass(frozen=True)
class PageRow:
    """One measurement in the list of a run's pages: a page in one device profile, and the
    detail file that shows it (relative to the site folder's pages/)."""

    page: dict[str, Any]
    device: str | None
    href: str


class TargetRow(TypedDict):
    """One line of a targets table: a site's label and one of its targets."""

    site: str
    target: TargetProgress


@dataclass
class WrittenReports:
    """Where the reports were written."""

    out_dir: Path
    index: Path
    sites: dict[str, Path] = field(default_factory=dict)  # site name -> its index.html
    files: list[Path] = field(default_factory=list)


def environment() -> Environment:
    """The Jinja2 environment of the report templates; everything is escaped unless marked safe."""
    env = Environment(
        loader=PackageLoader("ecoaudit", "templates/report"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["plain"] = plain_value
    env.globals["unstable_points"] = UNSTABLE_SCORE_RANGE
    return env


def plain_value(value: Any, t: Translator | None = None) -> str:
    """A finding's value or threshold as short text: tables as `key = value` (threshold keys
    as written in sites.toml, true/false as in TOML), lists joined, numbers in `t`'s language."""
    if isinstance(value, dict):
        return ", ".join(f"{key} = {plain_value(item, t)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(plain_value(item, t) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if t is not None and t.lang == "fr" else text
    return str(value)


class ReportWording:
    """The report's wording in one language: its translator, rule texts, and how findings,
    evidence and target values read. The static report and the web pages share it."""

    def __init__(self, lang: str) -> None:
        self.t = Translator(lang)
        self.rule_text = RuleTexts(lang)

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

    def template_words(self) -> dict[str, Any]:
        """What every report template expects of the wording."""
        return {
            "t": self.t, "swd": swd_grams, "rule_text": self.rule_text,
            "metric_label": self.metric_label, "metric_value": self.metric_value,
            "change_points": CHANGE_POINTS, "finding_value": self.finding_value,
            "finding_reason": self.finding_reason, "evidence_text": self.evidence_text,
        }


class _Writer(ReportWording):
    def __init__(self, out_dir: Path, lang: str, now: datetime) -> None:
        super().__init__(lang)
        self.out_dir = out_dir
        self.env = environment()
        self.env.filters["plain"] = self.plain
        self.common = {**self.template_words(), "version": __version__, "generated_at": now}
        self.written: list[Path] = []

    def write(self, relative: str, template: str, **context: Any) -> Path:
        path = self.out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        html = self.env.get_template(template).render(**self.common, **context)
        path.write_text(html, encoding="utf-8")
        self.written.append(path)
        return path

    # -- charts ----------------------------------------------------------------------------

    def grade_chart(self, report: SiteReport) -> Any:
        counts = report.latest.grade_counts if report.latest else {}
        values = ", ".join(f"{grade} {count}" for grade, count in counts.items())
        return charts.grade_distribution(
            counts, self.t("grades"), self.t("chart_grades_desc", values=values)
        )

    def trend_chart(self, report: SiteReport) -> Any:
        points = report.trend
        labels = [self.t.short_date(point.run.started_at) for point in points]
        if len(set(labels)) < len(labels):  # several runs a day: show the time as well
            labels = [self.t.date(point.run.started_at) for point in points]
        description = self.t(
            "chart_trend_desc",
            first=labels[0] if labels else "–",
            last=labels[-1] if labels else "–",
            count=len(points),
        )
        return charts.trend(
            labels,
            [
                charts.Series(self.t("mean_score"), "#0550ae",
                              [p.figures.score_mean for p in points]),
                charts.Series(self.t("median_score"), "#1f2328",
                              [p.figures.score_median for p in points], dash="5 3"),
            ],
            self.t("chart_trend_title"),
            description,
        )

    def sites_chart(self, collectivite: CollectiviteReport) -> Any:
        bars = [
            charts.Bar(r.site.label, r.latest.score_median if r.latest else None)
            for r in collectivite.own.sites
        ] + [
            charts.Bar(r.site.label, r.latest.score_median if r.latest else None, benchmark=True)
            for r in collectivite.benchmark.sites
        ]
        references: list[tuple[str, float]] = [
            (self.t("national"), NATIONAL_PUBLIC_SERVICE_MEAN_2022)
        ]
        benchmark_median = collectivite.benchmark.pooled.score_median
        if benchmark_median is not None:
            references.append((self.t("benchmark_short"), benchmark_median))
        return charts.site_comparison(
            bars, references, self.t("chart_sites_title"), self.t("chart_sites_desc")
        )


def _page_hrefs(report: SiteReport) -> dict[str, str]:
    """Detail file (relative to the site folder's pages/) of each page URL of the latest run."""
    if report.site.latest is None:
        return {}
    return {page["url"]: f"p{n}.html" for n, page in enumerate(report.site.latest.pages, 1)}


def _page_rows(report: SiteReport) -> list[list[PageRow]]:
    """The latest run's pages, each with its measurement in every device profile: the main
    profile's (the pages the figures use, p<n>.html) first, then the others' (p<n>-<k>.html,
    k the profile's place). A run of one profile has one row per page."""
    latest = report.site.latest
    if latest is None:
        return []
    hrefs = _page_hrefs(report)
    groups = [[PageRow(page, latest.device, hrefs[page["url"]])] for page in latest.pages]
    urls = [page["url"] for page in latest.pages]
    others = list(latest.profiles.items())[1:] if latest.several_devices else []
    for place, (device, pages) in enumerate(others, 2):
        for page in pages:
            if page["url"] not in urls:  # measured in this profile only
                urls.append(page["url"])
                groups.append([])
            number = urls.index(page["url"]) + 1
            groups[number - 1].append(PageRow(page, device, f"p{number}-{place}.html"))
    return groups


def _write_site(writer: _Writer, report: SiteReport) -> Path:
    site = report.site
    folder = site.slug
    pages_dir = writer.out_dir / folder / "pages"
    if pages_dir.is_dir():
        shutil.rmtree(pages_dir)  # detail pages of an earlier, longer run
    hrefs = _page_hrefs(report)
    site_hrefs = {url: f"pages/{href}" for url, href in hrefs.items()}
    context = {"site": site, "report": report}
    trend_chart = writer.trend_chart(report) if report.has_runs else ""
    index = writer.write(
        f"{folder}/index.html", "site.html", **context, hrefs=site_hrefs,
        grade_chart=writer.grade_chart(report), trend_chart=trend_chart,
        target_rows=[TargetRow(site=site.label, target=target) for target in report.targets],
        with_site=False,
    )
    latest = site.latest
    if latest is None:  # no run
        return index
    writer.write(
        f"{folder}/trend.html", "trend.html", **context, trend_chart=trend_chart,
        trend_rows=list(reversed(report.trend))[:TREND_ROWS],
    )
    writer.write(f"{folder}/todo.html", "todo.html", **context)
    rows = report.rgesn
    writer.write(
        f"{folder}/rgesn.html", "rgesn.html", **context,
        checked_rows=[row for row in rows if row.criterion.check != MANUAL],
        manual_rows=[row for row in rows if row.criterion.check == MANUAL],
    )
    groups = _page_rows(report)
    chunks = [groups[i:i + PAGES_PER_LIST]
              for i in range(0, len(groups), PAGES_PER_LIST)] or [[]]
    names = ["index.html"] + [f"list-{n}.html" for n in range(2, len(chunks) + 1)]
    for number, (chunk, name) in enumerate(zip(chunks, names, strict=True), 1):
        writer.write(
            f"{folder}/pages/{name}", "pages_list.html", **context, hrefs=hrefs,
            list_rows=[row for group in chunk for row in group], list_number=number,
            list_count=len(chunks), previous_list=names[number - 2] if number > 1 else None,
            next_list=names[number] if number < len(chunks) else None,
        )
    for row in (row for group in groups for row in group):
        page = row.page
        findings = page.get("findings") or []
        failing = [f for f in findings if f.get("status") in ("fail", "warn")]
        failing.sort(key=lambda f: (f["status"] != "fail", -(f.get("saving_bytes") or 0)))
        # Why rules did not apply; a page that could not be measured says so once, above.
        not_applicable = [] if page.get("error") else [
            f for f in findings if f.get("status") == "na"]
        writer.write(
            f"{folder}/pages/{row.href}", "page.html", **context, page=page, device=row.device,
            by_type=requests_by_type(page), by_domain=requests_by_domain(page),
            third_parties=third_party_domains(page), failing=failing,
            not_applicable=not_applicable,
            passed_count=sum(f.get("status") == "pass" for f in findings),
        )
    return index


def render_reports(
    sites: list[SiteData],
    out_dir: Path,
    lang: str = "fr",
    now: datetime | None = None,
) -> WrittenReports:
    """Write the collectivité report, each site's report and the key-figures CSV to `out_dir`."""
    try:
        return _render(sites, Path(out_dir), lang, now or datetime.now(UTC))
    except OSError as error:
        reason = error.strerror or str(error)
        raise ReportWriteError(
            f"Cannot write the reports to {out_dir} ({reason}): choose another folder with --out."
        ) from None


def _render(sites: list[SiteData], out_dir: Path, lang: str, moment: datetime) -> WrittenReports:
    writer = _Writer(out_dir, lang, moment)
    reports = [build_site_report(site, year=moment.year) for site in sites]
    collectivite = build_collectivite_report(reports)
    written = WrittenReports(out_dir=Path(out_dir), index=Path(out_dir) / "index.html")
    for report in reports:
        written.sites[report.site.name] = _write_site(writer, report)
    target_rows: list[TargetRow] = [
        {"site": r.site.label, "target": target}
        for r in collectivite.own.sites
        for target in r.targets
    ]
    statuses = [row["target"].status for row in target_rows]
    writer.write(
        "index.html", "index.html", report=collectivite,
        sites_chart=writer.sites_chart(collectivite), target_rows=target_rows,
        target_counts=[(s, statuses.count(s)) for s in TARGET_STATUSES if s in statuses],
        national_mean=NATIONAL_PUBLIC_SERVICE_MEAN_2022, grenoble=GRENOBLE_METROPOLE_2023,
    )
    writer.write("benchmark.html", "benchmark.html", report=collectivite)
    writer.write("targets.html", "targets.html", target_rows=target_rows)
    csv_path = Path(out_dir) / CSV_NAME
    csv_path.write_text(key_figures_csv(collectivite), encoding="utf-8")
    written.files = [*writer.written, csv_path]
    return written

