"""The reports with journeys, device profiles and repeated measurements, from a real SQLite store.

A run's page rows are measurements: the figures use only its crawled pages, the retained
(median) sample of each, in the run's main device; the other profiles get their own averages
(never pooled), repeated pages show their range and whether they are unstable, and the journeys
get their own section, one table per journey and device, with totals and the costliest step.
"""

from __future__ import annotations

import csv
import html as markup
import re
from pathlib import Path

import pytest

from ecoaudit.capture import Capture, Protocol, Request
from ecoaudit.report import generate_reports
from ecoaudit.report.loader import crawled_view, load_sites
from ecoaudit.report.model import one_per_url
from ecoaudit.report.site import build_site_report
from ecoaudit.scoring import score_page
from ecoaudit.store import Store
from tests.test_report_languages import (
    ENGLISH_ONLY,
    FRENCH_ONLY,
    _found,
    other_language_phrases,
    visible_text,
)

BASE = "http://127.0.0.1:8000"
MOBILE = {"device": "mobile", "viewport_width": 412, "viewport_height": 915, "mobile": True}
HOSTILE_STEP = "<script>window.pwned = 3</script>Valider"
HOSTILE_URL = "/formulaire?q=<script>window.pwned=4</script>"
HOSTILE_ERROR = ("journey 'cassee' stopped at step 2 ('<script>window.pwned = 3</script>"
                 "Valider'), click '#go': nothing on the page matches it; the page was "
                 "http://127.0.0.1:8000/formulaire?q=<script>window.pwned=4</script>")


def capture(path: str, nodes: int, *, device: str = "desktop", journey: str | None = None,
            step: str | None = None, step_index: int | None = None,
            error: str | None = None) -> Capture:
    """A page (or journey step) of 3 requests and 100 KB whose DOM has `nodes` elements."""
    url = BASE + path
    protocol = Protocol(measured_at="2026-11-28T09:00:00Z", browser="chromium 1.0",
                        **(MOBILE if device == "mobile" else {}))
    if error is not None:
        return Capture(requested_url=url, error=error, protocol=protocol, journey=journey,
                       step=step, step_index=step_index)
    requests = [Request(url=url, resource_type="document", status=200, mime_type="text/html",
                        protocol="h2", transfer_bytes=20_000,
                        response_headers={"content-type": "text/html"})]
    requests += [Request(url=f"{BASE}/image-{n}.webp", resource_type="image", status=200,
                         protocol="h2", transfer_bytes=size)
                 for n, size in enumerate((5_000, 75_000))]
    return Capture(requested_url=url, final_url=url, status=200, content_type="text/html",
                   title=f"Page {path}", lang="fr", nodes=nodes, requests=requests,
                   protocol=protocol, journey=journey, step=step, step_index=step_index)


def record(store: Store, site: str, measurements: list[tuple[Capture, int]]) -> int:
    """One completed run of `site`: each (capture, sample) stored as a crawl stores it."""
    store.upsert_site(site, title=site.capitalize(), group="own")
    run_id = store.start_run(site, protocol=Protocol())
    for page, sample in measurements:
        scored = score_page(page)
        store.record_page(run_id, capture=page, findings=scored.findings, co2=scored.co2,
                          sample=sample, source="journey" if page.journey else "start")
    store.finish_run(run_id, "completed")
    return run_id


DESKTOP_PAGES = [("/", 300), ("/lourde", 2000)]  # EcoIndex 84 (A) and 51 (D)
MOBILE_PAGES = [("/", 600), ("/lourde", 1500)]  # EcoIndex 72 (B) and 54 (D)


def fill(store: Store) -> None:
    # An ordinary run: one device, one sample, no journey.
    record(store, "bureau", [(capture(path, nodes), 1) for path, nodes in DESKTOP_PAGES])
    # The same desktop pages, also measured on a phone (interleaved, as a crawl stores them).
    both = []
    for (path, nodes), (_, mobile_nodes) in zip(DESKTOP_PAGES, MOBILE_PAGES, strict=True):
        both += [(capture(path, nodes), 1), (capture(path, mobile_nodes, device="mobile"), 1)]
    record(store, "appareils", both)
    # Every page measured 3 times; one of them moves a lot; a journey played 3 times too.
    samples = {"/lisse": (300, 310, 320), "/agitee": (200, 2000, 600)}
    repeated = [(capture(path, nodes[sample - 1]), sample)
                for sample in (1, 2, 3) for path, nodes in samples.items()]
    repeated += [(capture(f"/visite/{name.lower()}", nodes, journey="visite", step=name,
                          step_index=index), sample)
                 for sample, beta in zip((1, 2, 3), (200, 2000, 600), strict=True)
                 for index, name, nodes in ((1, "Alpha", 300), (2, "Beta", beta))]
    record(store, "repetee", repeated)
    # A crawled page, then journeys: one on two devices, one that stops on a failed step.
    steps = [(1, "Recherche", "/recherche", 300, 600), (3, "Formulaire", "/formulaire", 2000, 1500)]
    journeys = [(capture("/", 300), 1)]
    for device in ("desktop", "mobile"):
        journeys += [(capture(path, desktop if device == "desktop" else mobile, device=device,
                              journey="demarche", step=name, step_index=index), 1)
                     for index, name, path, desktop, mobile in steps]
    journeys += [(capture("/", 300, journey="cassee", step="Accueil", step_index=1), 1),
                 (capture(HOSTILE_URL, 0, journey="cassee", step=HOSTILE_STEP, step_index=2,
                          error=HOSTILE_ERROR), 1)]
    record(store, "parcours", journeys)
    # A run of a journey alone (`ecoaudit journey FILE --db`): no crawled page.
    record(store, "seul", [(capture("/", 300, journey="solo", step="Accueil", step_index=1), 1)])


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("journeys")
    with Store.open(f"sqlite:///{folder / 'ecoaudit.db'}") as store:
        fill(store)
        return {lang: generate_reports(store, folder / lang, lang=lang).out_dir
                for lang in ("fr", "en")} | {"db": folder / "ecoaudit.db"}


@pytest.fixture
def store(reports: dict[str, Path]):
    with Store.open(f"sqlite:///{reports['db']}") as opened:
        yield opened


def _text(path: Path) -> str:
    """The page's HTML with entities decoded and blanks folded (no-break spaces included)."""
    return re.sub(r"\s+", " ", markup.unescape(path.read_text(encoding="utf-8")))


def _section(text: str, heading: str) -> str:
    """The text from the <h2> heading that starts with `heading` to the next one."""
    start = text.index(f"<h2>{heading}")
    end = text.find("<h2>", start + 4)
    return text[start:end if end != -1 else None]


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr.*?</tr>", html)


def _row(html: str, label: str) -> str:
    return next(row for row in _rows(html) if label in row)


# -- the one view every figure uses -------------------------------------------------------------


def test_the_figures_use_crawled_pages_retained_samples_and_the_main_device_only():
    def entry(url: str, score: int, **variant) -> dict:
        return {"url": url, "consent_state": "none", "error": None, **variant,
                "ecoindex": {"score": score, "grade": "B", "size_kb": 100.0, "requests": 3,
                             "nodes": 100}}

    entries = [entry("/a", 80, sample=1), entry("/a", 50, device="mobile", sample=1),
               entry("/a", 70, sample=2), entry("/a", 90, sample=3),
               entry("/b", 60, sample=1), entry("/b", 10, journey="j", step="s", step_index=1)]
    view = crawled_view(entries)
    assert [(page["url"], page["ecoindex"]["score"]) for page in view] == [("/a", 80), ("/b", 60)]
    assert view[0]["repeat"]["spread"]["score"] == {"min": 70, "median": 80, "max": 90,
                                                    "range": 20}
    assert [page["ecoindex"]["score"] for page in crawled_view(entries, "mobile")] == [50]


def test_an_ordinary_run_is_read_as_it_was_stored(store):
    sites = {site.name: site for site in load_sites(store)}
    latest = sites["bureau"].latest
    stored = one_per_url(store.run_pages(latest.run["id"]))
    assert latest.pages == stored
    assert (latest.device, list(latest.profiles), latest.journeys, latest.samples) == (
        "desktop", ["desktop"], [], 1)
    report = build_site_report(sites["bureau"])
    assert (report.profiles, report.journeys, report.repeated) == ([], [], False)


def test_an_ordinary_run_gets_no_new_section(reports):
    for lang, new in (("fr", ("Profils d'appareil", "Parcours utilisateurs", "instable",
                              "Étendue des scores", "Mesures par page")),
                      ("en", ("Device profiles", "User journeys", "unstable", "Score range",
                              "Measurements per page"))):
        folder = reports[lang] / "bureau"
        for path in [folder / "index.html", *sorted((folder / "pages").glob("*.html"))]:
            text = _text(path)
            assert [word for word in new if word in text] == [], path
    index = _text(reports["fr"] / "bureau" / "index.html")
    headings = re.findall(r"<h2>(.*?)</h2>", index)
    assert headings[:2] == ["Chiffres clés de la dernière mesure",
                            "Répartition des notes"] or headings[0].startswith("Chiffres clés")
    assert "Profil d'appareil</th><td>ordinateur de bureau</td>" in index  # the protocol says so
    assert sorted(p.name for p in (reports["fr"] / "bureau" / "pages").glob("*.html")) == [
        "index.html", "p1.html", "p2.html"]


# -- device profiles ----------------------------------------------------------------------------


def test_two_devices_are_never_averaged_together(store):
    sites = {site.name: site for site in load_sites(store)}
    desktop_only, both = build_site_report(sites["bureau"]), build_site_report(sites["appareils"])
    assert both.latest == desktop_only.latest  # every key figure: the desktop pages' alone
    assert both.latest.score_mean == pytest.approx((84 + 51) / 2)
    assert [(p.device, p.main, p.figures.pages_measured, p.figures.score_mean, p.mean_grade)
            for p in both.profiles] == [("desktop", True, 2, 67.5, "C"),
                                        ("mobile", False, 2, 63.0, "C")]
    assert both.profiles[1].viewport == {"width": 412, "height": 915, "mobile": True}


def test_the_site_report_shows_each_profile_apart(reports):
    text = _text(reports["fr"] / "appareils" / "index.html")
    assert "Chiffres du profil « ordinateur de bureau »" in text
    key_figures = _section(text, "Chiffres clés de la dernière mesure")
    assert "EcoIndex moyen</th><td class=\"n\">67,5</td>" in key_figures
    assert "65,3" not in text and "65,2" not in text  # the mean of both profiles, nowhere
    profiles = _section(text, "Profils d'appareil")
    desktop, mobile = _row(profiles, "ordinateur de bureau"), _row(profiles, ">mobile<")
    assert "67,5" in desktop and "2 / 2" in desktop and "gC" in desktop
    assert "63,0" in mobile and "412 × 915" in mobile and "100 Ko" in mobile
    assert "1 050" in mobile and "1 150" in desktop  # DOM means: (600+1500)/2, (300+2000)/2
    worst = _section(text, "Pages les moins bien notées")
    assert worst.count('<span class="badge">ordinateur de bureau</span>') == 2
    protocol = _section(text, "Protocole et versions")
    assert "ordinateur de bureau (profil des chiffres clés) · mobile" in protocol
    assert "1920 × 1080 (ordinateur de bureau) · 412 × 915 (mobile)" in protocol


def test_the_page_list_shows_every_profile_beside_its_figures(reports):
    folder = reports["fr"] / "appareils" / "pages"
    rows = _rows(_text(folder / "index.html"))[1:]
    shown = [(re.search(r'href="([^"]+)"', row)[1], re.search(r'badge">([^<]+)<', row)[1],
              re.search(r'<td class="n">(\d+) <span class="g', row)[1]) for row in rows]
    assert shown == [("p1.html", "ordinateur de bureau", "84"), ("p1-2.html", "mobile", "72"),
                     ("p2.html", "ordinateur de bureau", "51"), ("p2-2.html", "mobile", "54")]
    detail = _text(folder / "p1-2.html")
    assert '<span class="badge">mobile</span>' in detail and "72 <span" in detail


# -- repeated measurements ----------------------------------------------------------------------


def test_repeated_pages_show_the_median_the_range_and_whether_they_are_unstable(reports):
    text = _text(reports["fr"] / "repetee" / "pages" / "index.html")
    rows = {re.search(r">Page (/\w+)<", row)[1]: row for row in _rows(text)[1:]}
    stable, unstable = rows["/lisse"], rows["/agitee"]
    assert "84 <span" in stable and "83–84 (3 mesures)" in stable and "instable<" not in stable
    assert "72 <span" in unstable and "51–88 (3 mesures)" in unstable
    assert '<span class="badge bad"' in unstable and ">instable</span>" in unstable
    assert "a varié de plus de 5 points, ou sa note a changé, entre ses mesures" in text
    assert "mesurée jusqu'à 3 fois" in text
    site = _text(reports["fr"] / "repetee" / "index.html")
    assert "EcoIndex moyen</th><td class=\"n\">78,0</td>" in site  # (84 + 72) / 2, retained
    assert site.count(">instable</span>") == 2  # the worst pages and the journey's step Beta
    assert "Mesures par page</th><td>3 (chacune dans un contexte de navigateur neuf" in site
    detail = _text(reports["fr"] / "repetee" / "pages" / "p2.html")
    spread = _section(detail, "Écart entre les mesures (3 mesures)")
    assert '<span class="badge bad" title="« instable » : l\'EcoIndex de la page' in spread
    assert ">instable</span></h2>" in spread
    assert "<td class=\"n\">51</td><td class=\"n\">72</td><td class=\"n\">88</td>" in spread


def test_a_repeated_journey_shows_each_steps_retained_sample_and_range(reports):
    text = _text(reports["fr"] / "repetee" / "index.html")
    journeys = _section(text, "Parcours utilisateurs")
    assert "Parcours joué 3 fois" in journeys
    alpha, beta = _row(journeys, ">Alpha<"), _row(journeys, ">Beta<")
    assert ">84 (3 mesures)<" in alpha and "instable" not in alpha
    assert ">72<" in beta and "51–88 (3 mesures)" in beta and ">instable</span>" in beta
    assert "Total du parcours (2 étapes mesurées)" in journeys


# -- journeys -----------------------------------------------------------------------------------


def test_journey_steps_do_not_count_in_the_page_figures(store):
    site = next(site for site in load_sites(store) if site.name == "parcours")
    report = build_site_report(site)
    assert (report.latest.pages_total, report.latest.pages_measured) == (1, 1)
    assert [(j.name, j.device, [s["step"] for s in j.steps]) for j in report.journeys] == [
        ("demarche", "desktop", ["Recherche", "Formulaire"]),
        ("demarche", "mobile", ["Recherche", "Formulaire"]),
        ("cassee", "desktop", ["Accueil", HOSTILE_STEP])]


def test_the_journey_section_lists_the_steps_the_total_and_the_costliest_step(reports):
    text = _text(reports["fr"] / "parcours" / "index.html")
    journeys = _section(text, "Parcours utilisateurs")
    assert journeys.count("<h3>Parcours « demarche »") == 2  # one table per device
    desktop = journeys[journeys.index("<h3>Parcours « demarche »"):journeys.index("mobile</span>")]
    rows = _rows(desktop)
    assert re.findall(r'<td class="n">(\d)</td><td>(\w+)</td><td class="u">([^<]+)</td>',
                      "".join(rows)) == [("1", "Recherche", BASE + "/recherche"),
                                         ("3", "Formulaire", BASE + "/formulaire")]
    assert '<span class="g gA">A</span></td><td class="n">84</td>' in rows[1]
    assert '<span class="g gD">D</span></td><td class="n">51</td>' in rows[2]
    total = rows[3]
    assert "Total du parcours (2 étapes mesurées)" in total
    assert '<span class="g gC">C</span></td><td class="n">68</td>' in total
    assert "200 Ko" in total and '<td class="n">6</td>' in total
    assert "Étape la plus coûteuse : n° 3 « Formulaire » (EcoIndex 51, 100 Ko)" in desktop
    mobile = journeys[journeys.index("mobile</span>"):journeys.index("« cassee »")]
    assert "n° 3 « Formulaire » (EcoIndex 54, 100 Ko)" in mobile
    assert "Total du parcours (2 étapes mesurées)" in mobile and ">63</td>" in mobile


def test_a_failed_journey_shows_its_error_escaped_and_keeps_the_steps_before(reports):
    html = (reports["fr"] / "parcours" / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "pwned" in html
    assert "&lt;script&gt;window.pwned = 3&lt;/script&gt;Valider" in html
    assert "/formulaire?q=&lt;script&gt;window.pwned=4&lt;/script&gt;" in html
    failed = _section(_text(reports["fr"] / "parcours" / "index.html"), "Parcours utilisateurs")
    failed = failed[failed.index("« cassee »"):]
    assert ">Accueil<" in _row(failed, ">1<") and "non mesurée" in _row(failed, "Valider")
    assert "les étapes mesurées avant elle sont conservées" in failed
    assert "nothing on the page matches it" in failed
    assert "Total du parcours (1 étape mesurée)" in failed
    for path in (reports["en"]).rglob("*.html"):
        assert "<script>" not in path.read_text(encoding="utf-8"), path


def test_a_run_of_journeys_alone_is_not_a_run_where_every_page_failed(reports):
    text = _text(reports["fr"] / "seul" / "index.html")
    assert "Aucune page n'a pu être mesurée" not in text
    assert "Pages mesurées</th><td class=\"n\">0 / 0</td>" in text
    assert "<h3>Parcours « solo »</h3>" in _section(text, "Parcours utilisateurs")


# -- both languages -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ("fr", "en"))
def test_the_new_sections_speak_one_language(reports, lang):
    forbidden = set(ENGLISH_ONLY if lang == "fr" else FRENCH_ONLY) | other_language_phrases(lang)
    for site in ("appareils", "repetee"):  # no stored error text, which is in English
        for path in sorted((reports[lang] / site).rglob("*.html")):
            text = visible_text(path)
            assert [phrase for phrase in forbidden if _found(phrase, text)] == [], path
    text = _text(reports[lang] / "parcours" / "index.html")
    assert ("Parcours utilisateurs" if lang == "fr" else "User journeys") in text
    if lang == "en":
        assert "Costliest step: no. 3 “Formulaire” (EcoIndex 51, 100 KB)" in text
        assert "the steps measured before it are kept" in text


def test_the_key_figures_csv_does_not_mix_profiles(reports):
    with (reports["fr"] / "key-figures.csv").open(encoding="utf-8") as handle:
        rows = {row["site"]: row for row in csv.DictReader(handle)}
    skip = {"site", "title", "run_started_at"}
    assert {k: v for k, v in rows["appareils"].items() if k not in skip} == {
        k: v for k, v in rows["bureau"].items() if k not in skip}
    assert rows["parcours"]["pages_total"] == "1"
    assert rows["repetee"]["score_mean"] == "78"
