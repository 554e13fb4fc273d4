"""Rendering the reports from plain site data: bad input said plainly, escaping, CSV, languages."""

from __future__ import annotations

import csv
import html as markup
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from ecoaudit.metrics import ecoindex
from ecoaudit.report import charts
from ecoaudit.report.i18n import Translator, UnknownLanguage
from ecoaudit.report.model import RunData, SiteData
from ecoaudit.report.render import render_reports
from tests.report_samples import finding, page

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
HOSTILE_TITLE = '<script>window.pwned = 1</script><b>gras</b> & "guillemets"'


def _run(number: int, pages: list[dict], status: str = "completed") -> RunData:
    return RunData(
        {"id": number, "started_at": f"2026-0{number}-01T08:00:00+00:00", "status": status,
         "protocol": {"viewport_width": 1920, "viewport_height": 1080}, "tool_version": "0.1.0",
         "formula_version": "ecoindex-v4"},
        pages,
    )


def _metz() -> SiteData:
    first = [page("http://127.0.0.1/", 82, 3, 42.115, title="Accueil"),
             page("http://127.0.0.1/old", 84, 7, 538.833)]
    second = [page("http://127.0.0.1/", 4582, 4, 272.101, title=HOSTILE_TITLE,
                   findings=[finding("images-format", saving=12_000)]),
              page("http://127.0.0.1/new<b>?q=\"x\"", 600, 40, 1024)]
    return SiteData("metz", "Ville de Metz", runs=[_run(1, first), _run(2, second)],
                    page_views_per_year=100_000,
                    targets=[{"metric": "median_score", "min": 70, "by": 2027}])


def _read(path) -> str:
    return path.read_text(encoding="utf-8")


def _text(path) -> str:
    """The HTML with entities decoded, for checking wording."""
    return markup.unescape(_read(path))


def test_empty_database_gives_a_report_that_says_so(tmp_path):
    written = render_reports([], tmp_path, now=NOW)
    html = _read(written.index)
    assert "La base ne contient encore aucun site" in html
    assert _read(tmp_path / "key-figures.csv").count("\n") == 3  # header and the two groups


def test_site_with_no_run_says_so(tmp_path):
    written = render_reports([SiteData("haganis", "Haganis")], tmp_path, now=NOW)
    assert "Aucune mesure enregistrée pour ce site." in _read(written.sites["haganis"])
    assert "Aucune mesure enregistrée pour ce site." in _read(written.index)


def test_run_where_every_page_failed_says_so(tmp_path):
    failed = [page("http://127.0.0.1/", error="Connection refused"),
              page("http://127.0.0.1/b", error="Timeout after 60 s")]
    site = SiteData("opera", "Opéra", runs=[_run(1, failed)])
    written = render_reports([site], tmp_path, now=NOW)
    html = _text(written.sites["opera"])
    assert "Aucune page n'a pu être mesurée lors de la dernière mesure (2 en erreur)." in html
    assert "Connection refused" in html and "Timeout after 60 s" in html
    assert "(2 en erreur)" in _read(written.index)


def test_site_removed_from_sites_toml_is_reported_and_labelled(tmp_path):
    site = _metz()
    site.in_config = False
    written = render_reports([site], tmp_path, now=NOW)
    assert "retiré de sites.toml" in _read(written.index)
    assert "n'est plus dans sites.toml" in _text(written.sites["metz"])


def test_crawled_title_and_url_are_shown_as_text_never_as_markup(tmp_path):
    written = render_reports([_metz()], tmp_path, now=NOW)
    for path in tmp_path.rglob("*.html"):
        html = _read(path)
        assert "<script" not in html, path
        assert "<b>" not in html, path
    site_html = _read(written.sites["metz"])
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;&lt;b&gt;gras&lt;/b&gt;" in site_html
    assert "http://127.0.0.1/new&lt;b&gt;?q=&#34;x&#34;" in _read(tmp_path / "metz/pages/p2.html")


def test_site_report_shows_changes_worst_pages_and_to_do(tmp_path):
    written = render_reports([_metz()], tmp_path, now=NOW)
    html = _read(written.sites["metz"])
    assert "Régressions (1)" in html and "92 <span class=\"g gA\">A</span> → 48" in html
    assert "Nouvelles pages (1)" in html and "Pages disparues (1)" in html
    assert "12,0\u00a0Ko" in html  # bytes the to-do item would save
    assert "pages/p1.html" in html
    # The median of 48 and 61 is 54.5, grade D (54 after EcoIndex rounding); target not met.
    assert "54,5 <span class=\"g gD\">D</span>" in html
    assert "pas encore atteint" in html


def test_every_chart_is_inline_svg_with_a_title_and_a_description(tmp_path):
    render_reports([_metz(), SiteData("bench", "Nancy", group="benchmark")], tmp_path, now=NOW)
    charts = {"index.html": ["sites"], "metz/index.html": ["grades", "trend"],
              "metz/trend.html": ["trend"]}
    for name, kinds in charts.items():
        html = _read(tmp_path / name)
        found = re.findall(r'<svg class="chart" data-chart="(\w+)" role="img"[^>]*aria-labelledby="'
                           r'(c\d+t) (c\d+d)"', html)
        assert [kind for kind, _, _ in found] == kinds, name
        for _, title_id, desc_id in found:
            assert f'<title id="{title_id}">' in html and f'<desc id="{desc_id}">' in html


def test_reports_load_nothing_from_outside(tmp_path):
    render_reports([_metz()], tmp_path, now=NOW)
    for path in tmp_path.rglob("*.html"):
        html = _read(path)
        assert not re.search(r"<(script|img|iframe|object|embed)\b", html), path
        assert re.findall(r"<link\b[^>]*>", html) == ['<link rel="icon" href="data:,">'], path
        assert not re.search(r'(src|href)="(https?:)?//', html), path


def test_english_reports_with_lang_en(tmp_path):
    written = render_reports([_metz()], tmp_path, lang="en", now=NOW)
    assert '<html lang="en">' in _read(written.index)
    assert "Median EcoIndex" in _read(written.sites["metz"])
    assert '<html lang="fr">' in _read(render_reports([], tmp_path / "fr", now=NOW).index)


def test_an_unknown_language_is_one_clear_sentence():
    with pytest.raises(UnknownLanguage, match="use 'fr' or 'en'"):
        Translator("de")


def test_key_figures_csv_has_a_row_per_site_and_per_group(tmp_path):
    sites = [_metz(), SiteData("nancy", "Nancy", group="benchmark", runs=[_run(1, [
        page("http://127.0.0.1/", 82, 3, 42.115)])])]
    render_reports(sites, tmp_path, now=NOW)
    with (tmp_path / "key-figures.csv").open(encoding="utf-8") as handle:
        rows = {row["site"]: row for row in csv.DictReader(handle)}
    assert list(rows) == ["metz", "nancy", "all-own-sites", "all-benchmark-sites"]
    assert rows["metz"]["score_median"] == "54.5"
    assert rows["metz"]["kg_co2e_per_year_ecoindex"] == f"{100_000 * (2.04 + 1.78) / 2 / 1000:g}"
    assert rows["nancy"]["median_grade"] == "A"
    assert rows["all-benchmark-sites"]["score_mean"] == "92"


def test_a_second_report_replaces_detail_pages_of_a_longer_run(tmp_path):
    site = _metz()
    render_reports([site], tmp_path, now=NOW)
    site.runs[-1].pages = site.runs[-1].pages[:1]
    render_reports([site], tmp_path, now=NOW)
    assert sorted(p.name for p in (tmp_path / "metz/pages").iterdir()) == ["index.html", "p1.html"]


class _ElementCounter(HTMLParser):
    """Counts elements as EcoIndex does: every element, minus the descendants of <svg>."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.svg_depth = 0

    def handle_starttag(self, tag, attrs):
        if self.svg_depth == 0:
            self.count += 1
        if tag == "svg" or self.svg_depth:
            self.svg_depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.svg_depth == 0:
            self.count += 1

    def handle_endtag(self, tag):
        if self.svg_depth:
            self.svg_depth -= 1


def _big_site(name: str, group: str, pages: int) -> SiteData:
    def heavy_page(n: int, run: int) -> dict:
        entry = page(f"http://127.0.0.1/{name}/page-{n}", 500 + 10 * n + 300 * run, 30, 900,
                     title=f"Une page au titre assez long numéro {n}", swd_global=0.2,
                     findings=[finding(f"rule-{k}", saving=1000 * k, rgesn=("6.2", "6.3"))
                               for k in range(25)])
        for item in entry["findings"]:
            item["evidence"] = item["evidence"] * 60
        entry["requests"] = [{"url": f"https://tiers-{k}.example.org/x.js", "third_party": True,
                              "resource_type": f"type-{k % 12}", "transfer_bytes": 1000}
                             for k in range(40)]
        return entry

    runs = [_run(r + 1, [heavy_page(n, r) for n in range(pages + r)]) for r in range(2)]
    return SiteData(name, f"Site {name}", group=group, runs=runs, page_views_per_year=10_000,
                    targets=[{"metric": "median_score", "min": 70, "by": 2027},
                             {"metric": "share_c_or_better", "min": 90, "by": 2030}])


def test_large_reports_still_grade_a_by_the_ecoindex_formula(tmp_path):
    sites = [_big_site("big", "own", 60)]  # long page lists, many findings, evidence, domains
    sites += [_big_site(f"own{n}", "own", 2) for n in range(20)]  # many sites side by side
    sites += [_big_site(f"bench{n}", "benchmark", 2) for n in range(12)]
    render_reports(sites, tmp_path, now=NOW)
    worst = {}
    for path in tmp_path.rglob("*.html"):
        counter = _ElementCounter()
        counter.feed(_read(path))
        size_kb = (path.stat().st_size + 250) / 1000  # body and the response headers
        worst[path.relative_to(tmp_path).as_posix()] = (
            ecoindex.compute(counter.count, 1, size_kb).score, counter.count, round(size_kb))
    graded = {name: value for name, value in worst.items() if value[0] <= 80}
    assert graded == {}


def test_a_run_that_crawled_nothing_says_why(tmp_path):
    run = _run(1, [], status="failed")
    run.run["reason"] = "robots.txt disallows every start URL for the user-agent 'ecoaudit'."
    written = render_reports([SiteData("lemet", "LE MET'", runs=[run])], tmp_path, now=NOW)
    html = _text(written.sites["lemet"])
    assert "Aucune page n'a pu être mesurée lors de la dernière mesure (0 en erreur)." in html
    assert "robots.txt disallows every start URL" in html
    assert "Aucune mesure n'a encore de page mesurée" in html  # no empty trend chart


def test_trend_chart_of_a_long_history_stays_small():
    labels = [f"{day:03d}" for day in range(365)]
    values = [50 + day % 30 for day in range(365)]
    chart = charts.trend(labels, [charts.Series("médiane", "#000", values)], "titre", "desc")
    assert chart.count("<circle") == 0 and len(chart) < 12_000
    short = charts.trend(labels[:3], [charts.Series("médiane", "#000", values[:3])], "t", "d")
    assert short.count("<circle") == 3
