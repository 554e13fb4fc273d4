"""User journeys, authenticated crawls, device profiles and repeated measurement, for real:
headless Chromium against the demo server (and small local servers) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path
from statistics import median_low
from urllib.parse import urlsplit

import pytest

from ecoaudit.config import adhoc_site, load_journey
from ecoaudit.crawl.engine import crawl_sites
from ecoaudit.demo.server import DemoServer, demo_journeys_directory, serve_demo
from ecoaudit.measure import BrowserSession, MeasureOptions
from ecoaudit.measure.journey import JourneyPlayer
from ecoaudit.scoring.repeats import group_samples, retained_entry
from ecoaudit.store import Store
from tests.page_server import Response, serve

pytestmark = pytest.mark.browser

FAST = {"wait_before": 0.3, "wait_after": 0.3, "timeout": 20.0}
PASSWORD = "valmont-demo"  # the demo's fictional agent password
SEARCH_SECRET = "tres-secret-42"


@pytest.fixture
def demo() -> DemoServer:
    with serve_demo() as server:
        yield server


@pytest.fixture
def agent_password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("VALMONT_AGENT_PASSWORD", PASSWORD)
    return PASSWORD


def options(**extra) -> MeasureOptions:
    return MeasureOptions(**{**FAST, **extra})


def server_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(site, database: Path, **extra):
    with Store.open(str(database)) as store:
        (result,) = asyncio.run(crawl_sites([site], store, options(), concurrency=2, **extra))
        return result, store.page_summaries(result.run_id), store.run_document(result.run_id)


def agents_site(demo: DemoServer, password_env: str = "VALMONT_AGENT_PASSWORD", **keys):
    path = demo_journeys_directory() / "connexion.toml"
    if password_env != "VALMONT_AGENT_PASSWORD":
        path = _login_with(password_env)
    login = load_journey(path, base_url=demo.base_url)
    return adhoc_site(demo.base_url + "agents/", login=login, min_delay=0,
                      max_concurrency_per_host=2, **keys)


def _login_with(variable: str) -> Path:
    text = (demo_journeys_directory() / "connexion.toml").read_text(encoding="utf-8")
    path = Path(f"/tmp/ecoaudit-test-login-{variable}.toml")
    path.write_text(text.replace("VALMONT_AGENT_PASSWORD", variable), encoding="utf-8")
    return path


# -- journeys ----------------------------------------------------------------------------------


def test_each_measured_step_owns_the_requests_the_server_saw_since_the_previous_one(
        demo: DemoServer) -> None:
    journey = load_journey(demo_journeys_directory() / "demarche-etat-civil.toml",
                           base_url=demo.base_url)

    async def play():
        async with BrowserSession(options()) as session:
            player = JourneyPlayer(session, journey)
            return await player.play(), player.boundaries

    first_logged = len(demo.requests)
    result, boundaries = asyncio.run(play())
    assert result.ok, result.error
    assert [c.step for c in result.captures] == [s.name for s in journey.measured_steps]
    assert len(result.captures) >= 3
    log = demo.requests[first_logged:]
    edges = [0.0] + [boundary.timestamp() for boundary in boundaries]
    for capture, start, end in zip(result.captures, edges, edges[1:], strict=False):
        served = sorted(entry.path.rstrip("?") for entry in log if start <= entry.time < end)
        # What the page took from the browser's cache (the style sheet of an earlier step)
        # is a request of the step, but never reached the server.
        measured = sorted(server_path(request.url) for request in capture.requests
                          if request.transfer_bytes > 0)
        assert measured == served, capture.step
        assert capture.ok and capture.nodes and capture.journey == journey.name
    confirmation = result.captures[-1]
    assert confirmation.final_url.endswith("/demarches/etat-civil/confirmation")
    assert sum(1 for c in result.captures for r in c.requests if r.transfer_bytes) == len(
        [entry for entry in log if entry.time < edges[-1]])


def test_a_missing_selector_ends_the_journey_clearly_and_keeps_the_steps_before(
        demo: DemoServer, tmp_path: Path) -> None:
    journey = tmp_path / "cassee.toml"
    journey.write_text(
        'name = "cassee"\nstart_url = "/demarches.html"\n'
        '[[steps]]\nname = "Accueil des démarches"\nscroll = true\nmeasure = true\n'
        '[[steps]]\nname = "Bouton disparu"\nclick = "#bouton-absent"\n'
        '[[steps]]\nname = "Jamais atteint"\nwait_for = "networkidle"\n', encoding="utf-8")
    database, document = tmp_path / "j.db", tmp_path / "j.json"
    run = subprocess.run(
        [sys.executable, "-m", "ecoaudit", "journey", str(journey), "--base-url", demo.base_url,
         "--db", str(database), "--json", str(document), "--wait-before", "0.3",
         "--wait-after", "0.3"], capture_output=True, text=True, timeout=180)
    assert run.returncode == 2, run.stderr
    pages = json.loads(document.read_text(encoding="utf-8"))["pages"]
    kept, failed = pages
    assert kept["step"] == "Accueil des démarches" and kept["ecoindex"]["score"] > 0
    assert failed["ecoindex"] is None and failed["step_index"] == 2
    for part in ("step 2", "Bouton disparu", "#bouton-absent", "nothing on the page matches it",
                 "/demarches.html"):
        assert part in failed["error"]
    assert "#bouton-absent" in run.stderr
    with Store.open(str(database)) as store:
        (stored_run,) = store.list_runs()
        summaries = store.page_summaries(stored_run["id"])
    assert [page["step_index"] for page in summaries] == [1, 2]
    assert stored_run["status"] == "failed" and "#bouton-absent" in stored_run["reason"]


# -- authenticated crawls ----------------------------------------------------------------------


def test_a_login_journey_opens_the_protected_area_and_the_logout_link_is_never_followed(
        demo: DemoServer, agent_password: str, tmp_path: Path) -> None:
    result, pages, _document = crawl(agents_site(demo), tmp_path / "a.db")
    assert result.status == "completed", result.reason
    measured = {server_path(page["url"]) for page in pages}
    assert {"/agents/", "/agents/annuaire.html", "/agents/notes-de-service.html",
            "/agents/planning.html"} <= measured
    for page in pages:  # the login form itself is a page of the area too (linked, static)
        assert page["error"] is None, page
        if "connexion" not in page["url"]:
            assert "connexion" not in (page["final_url"] or ""), page
    assert not [entry for entry in demo.requests if "deconnexion" in entry.path]
    logged_in = [entry for entry in demo.requests if entry.path.startswith("/agents/annuaire")]
    assert logged_in and all(entry.status == 200 and entry.session for entry in logged_in)


def test_an_expired_session_is_renewed_and_the_run_says_so(
        demo: DemoServer, agent_password: str, tmp_path: Path) -> None:
    expired = []

    def expire_after_the_first_page(progress) -> None:
        if progress.done == 1 and not expired:
            demo.expire_sessions()
            expired.append(True)

    result, pages, _ = crawl(agents_site(demo), tmp_path / "e.db",
                             progress=expire_after_the_first_page)
    assert expired and result.status == "completed"
    assert "expired and was renewed" in (result.reason or "")
    assert len(pages) >= 4 and all(page["error"] is None for page in pages)
    logins = [entry for entry in demo.requests
              if entry.method == "POST" and entry.path.startswith("/agents/connexion")]
    assert 2 <= len(logins) <= 4


def test_a_wrong_password_stops_the_run_with_one_sentence(
        demo: DemoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WRONG_AGENT_PASSWORD", "pas-le-bon")
    site = agents_site(demo, "WRONG_AGENT_PASSWORD", page_timeout=5)
    result, pages, _ = crawl(site, tmp_path / "w.db")
    assert result.status == "failed" and not pages
    reason = result.reason or ""
    for part in ("ecoaudit-test-login-WRONG_AGENT_PASSWORD.toml", "did not succeed",
                 "#mot-de-passe", "WRONG_AGENT_PASSWORD"):
        assert part in reason
    assert "pas-le-bon" not in reason


def test_secrets_appear_in_no_output_nor_in_the_database(
        demo: DemoServer, agent_password: str, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("SEARCH_SECRET", SEARCH_SECRET)
    search = tmp_path / "recherche-secrete.toml"
    search.write_text(
        'name = "recherche-secrete"\nstart_url = "/demarches.html"\n'
        '[[steps]]\nname = "Saisie"\nfill = "#q"\nvalue = "${SEARCH_SECRET}"\n'
        '[[steps]]\nname = "Résultats"\npress = "#q"\nvalue = "Enter"\n', encoding="utf-8")
    site = agents_site(demo, journeys=[load_journey(search, base_url=demo.base_url)])
    database = tmp_path / "s.db"
    caplog.set_level("DEBUG")
    result, pages, document = crawl(site, database)
    assert result.status == "completed", result.reason
    step = next(page for page in pages if page["journey"] == "recherche-secrete")
    assert step["error"] is None and "q=***" in step["url"]
    with Store.open(str(database)) as store:
        from ecoaudit.report import generate_reports

        written = generate_reports(store, tmp_path / "reports")
    outputs = [json.dumps(document), caplog.text, database.read_bytes().decode("latin-1")]
    outputs += [path.read_text(encoding="utf-8") for path in written.files
                if path.suffix in (".html", ".csv", ".json")]
    with sqlite3.connect(database) as connection:
        outputs += [zlib.decompress(blob).decode("utf-8")
                    for (blob,) in connection.execute("SELECT data FROM captures")]
        outputs += [json.dumps(row) for row in connection.execute("SELECT * FROM sites")]
    for output in outputs:
        assert PASSWORD not in output and SEARCH_SECRET not in output


# -- device profiles and repeated measurement --------------------------------------------------

RESPONSIVE = """<!doctype html><html><head><title>Responsive</title>
<meta name="viewport" content="width=device-width">
<style>@media (max-width: 600px) { .large-only { display: none } }</style></head><body>
<p>Une page qui change avec l'écran.</p>
<div style="height: 1500px"></div>
<img class="large-only" loading="lazy" src="/bandeau-large.png" width="1600" height="400">
<img loading="lazy" src="/vignette.png" width="300" height="200">
</body></html>"""


def test_a_mobile_profile_has_its_own_viewport_user_agent_and_lazy_images() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 2000
    routes = {"/": Response(RESPONSIVE), "/bandeau-large.png": Response(png, content_type=
                                                                        "image/png"),
              "/vignette.png": Response(png, content_type="image/png")}

    async def measure_both(url: str):
        async with BrowserSession(options(devices=["desktop", "mobile"])) as session:
            return (await session.measure(url, device="desktop"),
                    await session.measure(url, device="mobile"))

    with serve(routes) as server:
        desktop, mobile = asyncio.run(measure_both(server.url("/")))
    assert desktop.ok and mobile.ok
    assert (desktop.protocol.device, desktop.protocol.viewport_width) == ("desktop", 1920)
    assert (mobile.protocol.device, mobile.protocol.viewport_width) == ("mobile", 412)
    assert mobile.protocol.mobile and mobile.protocol.device_scale_factor > 2
    assert "Mobile" in (mobile.protocol.user_agent or "")
    assert "Mobile" not in (desktop.protocol.user_agent or "")
    fetched = {name: {urlsplit(r.url).path for r in capture.requests}
               for name, capture in (("desktop", desktop), ("mobile", mobile))}
    assert "/bandeau-large.png" in fetched["desktop"]
    assert "/bandeau-large.png" not in fetched["mobile"] and "/vignette.png" in fetched["mobile"]


def test_repeat_5_stores_five_measurements_and_retains_the_median(tmp_path: Path) -> None:
    paddings = iter([10_000, 400_000, 40_000, 1_500_000, 150_000])

    def page(handler) -> None:
        body = (f"<html><head><title>Variable</title></head><body><p>"
                f"{'x' * next(paddings, 5_000)}</p></body></html>").encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    with serve({"/": page, "/robots.txt": Response("", status=404)}) as server:
        site = adhoc_site(server.url("/"), repeat=5, sitemap=False, min_delay=0)
        result, pages, document = crawl(site, tmp_path / "r.db")
    assert result.status == "completed" and result.pages_ok == 1
    assert sorted(page["sample"] for page in pages) == [1, 2, 3, 4, 5]
    scores = [page["score"] for page in pages]
    assert len(set(scores)) > 1
    (group,) = group_samples(document["pages"])
    retained = retained_entry(group)
    assert retained["ecoindex"]["score"] == median_low(scores)
    assert retained["repeat"]["samples"] == 5 and retained["repeat"]["unstable"]
    assert retained["repeat"]["spread"]["score"]["min"] == min(scores)


# -- budgets in check --------------------------------------------------------------------------


def test_check_holds_every_step_and_the_journey_total_to_the_budget(
        demo: DemoServer, tmp_path: Path) -> None:
    budget = tmp_path / "budget.toml"
    # Every step of the démarche weighs under 40 KB, the whole journey over 20 KB.
    budget.write_text("[budget]\nmax_size_kb = 40\n[budget.journey]\nmax_size_kb = 20\n"
                      "min_grade = \"B\"\n", encoding="utf-8")
    report = tmp_path / "verdict.json"
    run = subprocess.run(
        [sys.executable, "-m", "ecoaudit", "check", "--journey",
         str(demo_journeys_directory() / "demarche-etat-civil.toml"), "--base-url",
         demo.base_url, "--budget", str(budget), "--json", str(report), "--wait-before", "0.3",
         "--wait-after", "0.3"], capture_output=True, text=True, timeout=180)
    assert run.returncode == 1, run.stdout + run.stderr
    verdict = json.loads(report.read_text(encoding="utf-8"))
    *steps, total = verdict["pages"]
    assert len(steps) == 4 and all(step["passed"] for step in steps)
    assert total["url"] == "journey demarche-etat-civil (total)" and not total["passed"]
    checks = {check["key"]: check for check in total["checks"]}
    assert checks["max_size_kb"]["passed"] is False and checks["min_grade"]["passed"] is True
    assert checks["max_size_kb"]["measured"] == pytest.approx(
        sum(step["size_kb"] for step in steps), abs=0.01)
    assert "journey demarche-etat-civil step" in run.stdout
