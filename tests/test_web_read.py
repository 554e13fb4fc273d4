"""The read pages of `ecoaudit serve` against a real server on 127.0.0.1, in real Chromium.

One module-scoped database filled by real crawls of local fixture sites
(tests/report_fixture_sites.py): "ville" twice (its heavy page grows, a page appears; one page
has a title and a URL carrying markup and a script), "voisine" (the benchmark group) once.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import statistics
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from ecoaudit.measure.options import MeasureOptions
from ecoaudit.pipeline import measure_and_score, page_entry
from tests.page_server import serve
from tests.report_fixture_sites import (
    HOSTILE_TITLE,
    crawl,
    ville_routes,
    voisine_routes,
    write_config,
)
from tests.web_server import chromium, log_in, serve_web, session_cookie

pytestmark = pytest.mark.browser

DASHBOARD = "/"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-read")
    db_url = f"sqlite:///{folder / 'ecoaudit.db'}"
    ville = ville_routes(1)
    with serve(ville) as ville_server, serve(voisine_routes()) as voisine_server:
        sites = [
            {"name": "ville", "title": "Ville fictive", "group": "own",
             "url": ville_server.url("/"),
             "extra": "targets = { median_score = { min = 70, by = 2027 } }"},
            {"name": "voisine", "title": "Commune voisine", "group": "benchmark",
             "url": voisine_server.url("/")},
        ]
        config = write_config(folder / "sites.toml", sites)
        crawl(db_url, config, ["ville", "voisine"], folder / "reports")
        ville.update(ville_routes(2))
        crawl(db_url, config, ["ville"], folder / "reports")
    with serve_web(folder, config_path=config, db_url=db_url) as web:
        yield web


@pytest.fixture(scope="module")
def browser():
    with chromium() as opened:
        yield opened


@pytest.fixture(scope="module")
def stored(server) -> dict:
    """The runs and pages as the store holds them, to check the pages' figures against."""
    with server.store() as store:
        runs = store.list_runs("ville")
        latest, first = runs[0], runs[-1]
        pages = store.page_summaries(latest["id"])
        hostile = next(p for p in pages if p["title"] == HOSTILE_TITLE)
        capture = store.load_capture(hostile["page_id"])
    return {"latest": latest, "first": first, "pages": pages, "hostile": hostile,
            "requests": len(capture.requests)}


@pytest.fixture
def viewer(server, browser):
    page = browser.new_page()
    log_in(page, server, "viewer")
    yield page
    page.close()


def _french(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _main_text(page) -> str:
    return page.inner_text("main")


def test_dashboard_shows_the_collectivite_and_its_benchmark(server, viewer, stored):
    viewer.goto(server.url(DASHBOARD))
    text = _main_text(viewer)
    median = statistics.median(p["score"] for p in stored["pages"] if p["score"] is not None)
    assert "Ville fictive" in text and _french(median) in text
    benchmark = viewer.inner_text("main table:below(#benchmark)")
    assert "Commune voisine" in benchmark
    assert "EcoIndex médian ≥ 70,0 d'ici 2027" in text
    viewer.click("text=Ville fictive")
    assert viewer.url == server.url("/sites/ville")


def test_site_page_shows_trend_last_runs_todo_and_rgesn(server, viewer, stored):
    viewer.goto(server.url("/sites/ville"))
    text = _main_text(viewer)
    assert "Dernières mesures" in text and "Critère" in text  # the RGESN table
    assert viewer.locator("main svg.chart").count() == 1  # the trend of the two runs
    assert viewer.locator(f"a[href='/runs/{stored['latest']['id']}']").count() >= 1
    assert "Régressions" in text and "Page lourde" in text
    assert viewer.locator("main ol li").count() >= 1  # the to-do list


def test_run_page_lists_its_pages_with_their_figures(server, viewer, stored):
    run_id = stored["latest"]["id"]
    viewer.goto(server.url(f"/runs/{run_id}"))
    rows = viewer.locator("main table:below(#pages) >> nth=0").locator("tr")
    assert rows.count() == len(stored["pages"]) + 1
    for summary in stored["pages"]:
        link = viewer.locator(f"a[href='/runs/{run_id}/pages/{summary['page_id']}']")
        assert link.count() == 1
        row_text = link.locator("xpath=ancestor::tr").inner_text()
        assert f"{summary['score']} {summary['grade']}" in row_text


def test_page_page_lists_every_request_and_the_findings(server, viewer, stored):
    hostile = stored["hostile"]
    viewer.goto(server.url(f"/runs/{stored['latest']['id']}/pages/{hostile['page_id']}"))
    requests_table = viewer.locator("main table:below(#requests) >> nth=0")
    assert requests_table.locator("tr").count() == stored["requests"] + 1
    assert viewer.locator("main h2", has_text="Constats").count() == 1


def test_comparison_shows_both_runs_and_what_changed(server, viewer, stored):
    first, latest = stored["first"]["id"], stored["latest"]["id"]
    viewer.goto(server.url("/compare?site=ville"))
    viewer.select_option("#run-a", str(first))
    viewer.select_option("#run-b", str(latest))
    with viewer.expect_navigation():
        viewer.click("main form button[type=submit]")
    text = _main_text(viewer)
    assert f"Mesure n° {first}" in text and f"Mesure n° {latest}" in text
    assert "Nouvelles pages (1)" in text and "Régressions (1)" in text
    assert _french(stored["latest"]["score_mean"]) in text


def test_exports_download_the_run_and_the_report_bundle(server, viewer, stored):
    run_id = stored["latest"]["id"]
    answer = viewer.request.get(server.url(f"/runs/{run_id}/export.csv"))
    assert answer.ok and "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text())))
    assert len(rows) == len(stored["pages"]) and {r["run_id"] for r in rows} == {str(run_id)}
    document = json.loads(viewer.request.get(server.url(f"/runs/{run_id}/export.json")).text())
    assert document["run"]["id"] == run_id and len(document["pages"]) == len(stored["pages"])
    bundle = viewer.request.get(server.url("/sites/ville/report.zip"))
    names = zipfile.ZipFile(io.BytesIO(bundle.body())).namelist()
    assert "index.html" in names and "ville/index.html" in names and "ville/rgesn.html" in names


def test_unknown_site_run_and_page_get_the_404_page(server, viewer, stored):
    for path in ("/sites/nulle-part", "/runs/9999", f"/runs/{stored['latest']['id']}/pages/9999",
                 "/runs/9999/export.csv"):
        answer = viewer.goto(server.url(path))
        assert answer.status == 404, path
        assert "Traceback" not in viewer.content()


def test_english_pages(server, viewer, stored):
    viewer.goto(server.url(f"/runs/{stored['latest']['id']}?lang=en"))
    assert "Measured pages" in _main_text(viewer) and "Key figures" in _main_text(viewer)


def test_hostile_title_and_url_are_shown_as_text_everywhere(server, viewer, stored):
    latest = stored["latest"]["id"]
    hostile = stored["hostile"]
    paths = [DASHBOARD, "/sites/ville", f"/runs/{latest}", f"/runs/{latest}/pages/"
             f"{hostile['page_id']}", f"/compare?a={stored['first']['id']}&b={latest}"]
    shown = []
    for path in paths:
        viewer.goto(server.url(path))
        assert viewer.evaluate("typeof window.pwned") == "undefined", path
        assert viewer.locator("main script, main b, main img").count() == 0, path
        shown.append(_main_text(viewer))
    assert HOSTILE_TITLE in shown[2] and HOSTILE_TITLE in shown[3] and HOSTILE_TITLE in shown[4]
    assert hostile["url"] in shown[3]  # the page's URL (with its quotes), as text
    viewer.goto(server.url(f"/runs/{latest}"))
    assert viewer.get_by_text(HOSTILE_TITLE).first.is_visible()


def test_own_pages_grade_a_under_ecoaudit(server, viewer, stored):
    cookie = session_cookie(viewer)
    assert cookie is not None
    paths = [DASHBOARD, "/sites/ville", f"/runs/{stored['latest']['id']}"]
    options = MeasureOptions(wait_before=0.3, wait_after=0.3, timeout=30,
                             collect_coverage=False, allow_private=True,
                             cookies=[{key: cookie[key] for key in
                                       ("name", "value", "domain", "path")}])
    urls = [server.url(path) for path in paths]
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
        scored = pool.submit(asyncio.run, measure_and_score(urls, options,
                                                            concurrency=1)).result()
    for path, page in zip(paths, scored, strict=True):
        entry = page_entry(page)
        assert entry["final_url"] == server.url(path), "not logged in"
        assert entry["ecoindex"]["grade"] == "A", (path, entry["ecoindex"])


def test_long_lists_are_cut_into_parts_of_fifty() -> None:
    from ecoaudit.web.views.read_data import PAGE_SIZE, int_param, paginate

    rows = list(range(120))
    first, last = paginate(rows, 1), paginate(rows, int_param("99"))
    assert PAGE_SIZE == 50 and first.count == 3 and first.rows == rows[:50]
    assert first.previous is None and first.next == 2
    assert last.number == 3 and last.rows == rows[100:] and last.next is None
    assert paginate([], int_param("x")).rows == [] and int_param("-2") == 1
