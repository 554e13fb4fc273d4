"""Reports of a database built by crawling local fixture sites, opened in the real Chromium.

One module-scoped database: three runs of "ville", three of "voisine" (benchmark), one of
"ancienne" (then removed from sites.toml), none of "sans-mesure".
"""

from __future__ import annotations

import functools
import html as markup
import json
import statistics
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ecoaudit.measure.browser import find_chromium, launch_options
from ecoaudit.store import Store
from tests.page_server import serve
from tests.report_fixture_sites import (
    ECOAUDIT,
    crawl,
    ville_routes,
    voisine_routes,
    write_config,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict:
    """Crawl the fixture sites (several runs) with `ecoaudit crawl`, then run `ecoaudit report`
    on the database with the final sites.toml."""
    folder = tmp_path_factory.mktemp("report")
    db_url = f"sqlite:///{folder / 'ecoaudit.db'}"
    ville = ville_routes(1)
    with serve(ville) as ville_server, serve(voisine_routes()) as voisine_server, \
            serve(voisine_routes()) as old_server:
        sites = [
            {"name": "ville", "title": "Ville fictive", "group": "own",
             "url": ville_server.url("/"),
             "extra": "page_views_per_year = 50000\n"
                      "targets = { median_score = { min = 70, by = 2027 } }\n"
                      "budgets = { max_size_kb = 500 }"},
            {"name": "voisine", "title": "Commune voisine", "group": "benchmark",
             "url": voisine_server.url("/")},
            {"name": "ancienne", "title": "Ancien site", "group": "own",
             "url": old_server.url("/")},
        ]
        first_config = write_config(folder / "first.toml", sites)
        after_crawl = folder / "after-crawl"
        crawl(db_url, first_config, ["ville", "voisine", "ancienne"], after_crawl)
        crawl(db_url, first_config, ["ville", "voisine"], after_crawl)
        ville.update(ville_routes(2))
        crawl_output = crawl(db_url, first_config, ["ville", "voisine"], after_crawl)
    final_sites = [*sites[:2], {"name": "sans-mesure", "title": "Site jamais mesuré",
                                "group": "own", "url": "http://127.0.0.1:9/"}]
    config = write_config(folder / "sites.toml", final_sites)
    out = folder / "reports"
    done = subprocess.run(
        [ECOAUDIT, "report", "--db", db_url, "--config", str(config), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return {"db": db_url, "out": out, "stdout": done.stdout, "after_crawl": after_crawl,
            "crawl_output": crawl_output}


def test_each_crawl_writes_the_reports_itself(reports):
    index = _text(reports["after_crawl"] / "index.html")
    assert "Ville fictive" in index and "Ancien site" in index
    assert (reports["after_crawl"] / "ville" / "trend.html").read_text().count("<tr><td>") == 3
    assert str(reports["after_crawl"] / "index.html") in reports["crawl_output"].replace("\n", "")


def _text(path: Path) -> str:
    return markup.unescape(path.read_text(encoding="utf-8"))


def _latest_scores(db_url: str, site: str) -> list[dict]:
    with Store.open(db_url) as store:
        run = store.latest_run(site)
        return [p for p in store.page_summaries(run["id"]) if p["score"] is not None]


def test_report_command_prints_where_it_wrote(reports):
    assert f"{reports['out'] / 'index.html'}" in reports["stdout"]
    assert f"{reports['out'] / 'ville' / 'index.html'}" in reports["stdout"]


def test_site_figures_match_the_stored_pages(reports):
    pages = _latest_scores(reports["db"], "ville")
    scores = [p["score"] for p in pages]
    assert len(pages) == 4  # accueil, lourde, hostile, nouvelle
    median = statistics.median(scores)
    mean = statistics.fmean(scores)
    site_html = _text(reports["out"] / "ville" / "index.html")
    assert f"{median:.1f}".replace(".", ",") in site_html
    assert f"{mean:.1f}".replace(".", ",") in site_html
    rows = (reports["out"] / "key-figures.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    ville = dict(zip(header, next(r for r in rows if r.startswith("ville,")).split(","),
                     strict=True))
    assert float(ville["score_median"]) == median
    assert float(ville["score_mean"]) == pytest.approx(mean, abs=0.001)
    total_kb = sum(p["size_kb"] for p in pages)
    assert float(ville["size_kb_total"]) == pytest.approx(total_kb, abs=0.01)
    c_or_better = sum(p["grade"] in "ABC" for p in pages) / len(pages)
    assert float(ville["share_c_or_better"]) == pytest.approx(c_or_better, abs=0.001)
    within = sum(p["size_kb"] <= 500 for p in pages)
    assert "Poids ≤ 500 Ko" in site_html and f"{within} / {len(pages)}" in site_html
    ges = statistics.fmean(p["ges"] for p in pages)
    assert float(ville["kg_co2e_per_year_ecoindex"]) == pytest.approx(50000 * ges / 1000, abs=0.01)


def test_site_report_shows_the_regression_the_new_page_and_the_trend(reports):
    site_html = _text(reports["out"] / "ville" / "index.html")
    assert "Régressions (1)" in site_html and "Page lourde" in site_html
    assert "Nouvelles pages (1)" in site_html and "Nouvelle page" in site_html
    trend = _text(reports["out"] / "ville" / "trend.html")
    assert trend.count("<tr><td>") == 3  # one row per run


def test_collectivite_report_separates_benchmark_and_says_what_is_missing(reports):
    index = _text(reports["out"] / "index.html")
    own = index.split("<h2>Sites de la collectivité</h2>")[1].split("</table>")[0]
    assert "Ville fictive" in own and "Commune voisine" not in own
    assert "Ancien site" in own and "retiré de sites.toml" in own
    assert "Site jamais mesuré" in own and "Aucune mesure enregistrée pour ce site." in own
    benchmark = _text(reports["out"] / "benchmark.html")
    listed = benchmark.split("<h2>Chaque site de comparaison</h2>")[1]  # own sites: size table only
    assert "Commune voisine" in listed and "Ville fictive" not in listed
    median = statistics.median(p["score"] for p in _latest_scores(reports["db"], "ville"))
    assert ("atteint\u00a0: 1" if median >= 70 else "pas encore atteint\u00a0: 1") in index
    targets = _text(reports["out"] / "targets.html")
    assert "EcoIndex médian ≥ 70,0 d'ici 2027" in targets


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served(reports):
    """The report folder served on 127.0.0.1 (our tool refuses file: URLs)."""
    handler = functools.partial(QuietHandler, directory=str(reports["out"]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def expected_charts(name: str) -> list[str]:
    if name == "index.html":
        return ["sites"]
    if name.endswith("/trend.html"):
        return ["trend"]
    if name.count("/") == 1 and name.endswith("/index.html") and name != "sans-mesure/index.html":
        return ["grades", "trend"]
    return []


def test_every_report_page_opens_cleanly_with_its_charts_and_no_outside_request(reports, served):
    from playwright.sync_api import sync_playwright

    pages = sorted(p.relative_to(reports["out"]).as_posix() for p in reports["out"].rglob("*.html"))
    assert len(pages) >= 10
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(find_chromium()))
        context = browser.new_context()
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: r.url.startswith(served + "/")
                or problems.append(f"outside request: {r.url}"))
        for name in pages:
            response = page.goto(f"{served}/{name}")
            assert response.status == 200, name
            assert page.evaluate("typeof window.pwned") == "undefined", name
            kinds = page.eval_on_selector_all("svg.chart", "ns => ns.map(n => n.dataset.chart)")
            assert kinds == expected_charts(name), name
            assert page.eval_on_selector_all("svg.chart", "nodes => nodes.every(n => "
                                             "n.querySelector('title').textContent.length > 0)")
            assert page.evaluate("document.documentElement.lang") == "fr"
            assert page.locator("h1").count() == 1, name
        browser.close()
    assert problems == []


def test_hostile_title_and_url_are_shown_as_text(reports, served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(find_chromium()))
        page = browser.new_page()
        page.goto(f"{served}/ville/index.html")
        assert "<script>window.pwned = 1</script><b>gras</b>" in page.inner_text("main")
        detail = page.locator("a", has_text="window.pwned = 1").first.get_attribute("href")
        page.goto(f"{served}/ville/{detail}")
        assert page.inner_text("h1") == "<script>window.pwned = 1</script><b>gras</b>"
        shown_url = page.inner_text("table td.u")
        assert "hostile?q=" in shown_url and "pwned=2" in markup.unescape(
            shown_url.replace("%3C", "<").replace("%3E", ">"))
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert page.locator("main script, main b").count() == 0
        browser.close()


def test_our_own_audit_grades_every_kind_of_report_page_a(reports, served):
    names = ["index.html", "ville/index.html", "ville/trend.html", "ville/todo.html",
             "ville/rgesn.html", "ville/pages/index.html", "ville/pages/p1.html"]
    done = subprocess.run(
        [ECOAUDIT, "audit", *(f"{served}/{name}" for name in names), "--json", "-",
         "--wait-before", "0", "--wait-after", "0"],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    grades = {page["url"].removeprefix(served + "/"): page["ecoindex"]["grade"]
              for page in document["pages"]}
    assert grades == dict.fromkeys(names, "A"), [
        (p["url"], p["ecoindex"]) for p in document["pages"]]
