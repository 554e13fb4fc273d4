"""The demo server's dynamic pages, over HTTP: the search, the démarche in several steps, the
espace agents behind its login, the sessions and the request log; and the demo's journey files."""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from ecoaudit.demo.server import (
    DemoServer,
    demo_journeys_directory,
    demo_site_directory,
    serve_demo,
    serve_demo_site,
)

PASSWORD = "valmont-demo"
STEP_1 = "/demarches/etat-civil/etape-1"
STEP_2 = "/demarches/etat-civil/etape-2"
CONFIRMATION = "/demarches/etat-civil/confirmation"
PROTECTED = ("/agents/", "/agents/annuaire.html", "/agents/notes-de-service.html",
             "/agents/planning.html")
ACTIONS = {"goto", "click", "fill", "select", "check", "press", "wait_for", "scroll"}
IDENTITY = {"nom": "Marchal", "prenom": "Élise", "date_naissance": "1988-06-21",
            "courriel": "elise.marchal@exemple.fr", "consentement": "oui"}


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with serve_demo() as running:
        yield running


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    """A browser-like client: it keeps its cookies, and does not follow redirects by itself."""
    with httpx.Client(base_url=server.base_url, timeout=10) as opened:
        yield opened


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def path_of(location: str) -> str:
    return httpx.URL(location).path


def log_in(client: httpx.Client, password: str = PASSWORD) -> httpx.Response:
    return client.post("/agents/connexion", data={"identifiant": "agent",
                                                  "mot_de_passe": password})


def fill_step_1(client: httpx.Client) -> httpx.Response:
    return client.post(STEP_1, data={"type_acte": "naissance", "format": "extrait-filiation"})


# -- search ---------------------------------------------------------------------------------------


def test_search_lists_the_matching_pages_and_links_to_the_demarche(client: httpx.Client) -> None:
    response = client.get("/recherche", params={"q": "Acte de NAISSANCE"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    results = soup(response).select("#resultats li a")
    assert results and results[0]["href"] == "/demarches/etat-civil.html"
    assert soup(response).find("input", id="q")["value"] == "Acte de NAISSANCE"


def test_search_escapes_everything_it_echoes(client: httpx.Client) -> None:
    query = '<script>alert("x")</script> "><img src=x>'
    response = client.get("/recherche", params={"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.text and "<img src=x>" not in response.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in response.text
    page = soup(response)
    assert page.find("input", id="q")["value"] == query  # an attribute value, not markup
    assert "Aucun résultat" in page.find(id="resultats").get_text()
    assert page.find_all("script") == [] and page.find_all("img") == []


def test_demarches_page_has_the_search_form_and_the_demarche_link(client: httpx.Client) -> None:
    page = soup(client.get("/demarches.html"))
    form = page.find("form", id="recherche")
    assert form["action"] == "recherche" and form["method"] == "get"
    assert form.find("input", id="q")["name"] == "q"
    assert page.find("a", href="demarches/etat-civil.html")
    fiche = soup(client.get("/demarches/etat-civil.html"))
    assert fiche.find("form", action="etat-civil/etape-1").find("button", id="commencer")


# -- the démarche ---------------------------------------------------------------------------------


def test_the_demarche_goes_through_both_steps_to_a_confirmation(client: httpx.Client) -> None:
    step_1 = client.get(STEP_1)
    assert step_1.status_code == 200 and "set-cookie" not in step_1.headers
    form = soup(step_1).find("form", id="form-etape-1")
    assert form.find("select", id="type-acte") and form.find_all("input", type="radio")
    answered = fill_step_1(client)
    assert answered.status_code == 303 and path_of(answered.headers["location"]) == STEP_2
    cookie = answered.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    step_2 = client.get(STEP_2)
    assert step_2.status_code == 200
    assert "Acte de naissance, extrait avec filiation" in soup(step_2).get_text()
    assert soup(step_2).find("input", id="consentement", type="checkbox")
    sent = client.post(STEP_2, data=IDENTITY)
    assert sent.status_code == 303 and path_of(sent.headers["location"]) == CONFIRMATION
    confirmation = client.get(CONFIRMATION)
    assert confirmation.status_code == 200
    assert confirmation.headers["cache-control"] == "no-store"
    reference = soup(confirmation).find(id="reference").get_text()
    assert re.fullmatch(r"VAL-EC-\d{4}-[0-9A-F]{6}", reference)
    assert "Élise Marchal" in soup(confirmation).find(id="recapitulatif").get_text()


def test_skipping_steps_redirects_to_step_1(client: httpx.Client) -> None:
    for request in (client.build_request("GET", STEP_2), client.build_request("GET", CONFIRMATION),
                    client.build_request("POST", STEP_2, data=IDENTITY)):
        response = client.send(request)
        assert response.status_code in (302, 303), request
        assert path_of(response.headers["location"]) == STEP_1
    fill_step_1(client)
    early = client.get(CONFIRMATION)  # step 1 done, step 2 not: back to step 2
    assert early.status_code == 303 and path_of(early.headers["location"]) == STEP_2


def test_invalid_answers_show_the_step_again_with_errors_and_escaped_values(
        client: httpx.Client) -> None:
    wrong_1 = client.post(STEP_1, data={"type_acte": "divorce"})
    assert wrong_1.status_code == 200 and len(soup(wrong_1).select("#erreurs li")) == 2
    assert "set-cookie" not in wrong_1.headers
    fill_step_1(client)
    wrong_2 = client.post(STEP_2, data={**IDENTITY, "nom": "<b>Marchal</b>",
                                        "date_naissance": "2999-01-01", "consentement": ""})
    assert wrong_2.status_code == 200
    errors = [a["href"] for a in soup(wrong_2).select("#erreurs li a")]
    assert errors == ["#date-naissance", "#consentement"]
    assert "<b>Marchal</b>" not in wrong_2.text
    assert soup(wrong_2).find("input", id="nom")["value"] == "<b>Marchal</b>"
    assert client.get(CONFIRMATION).status_code == 303


# -- the espace agents ----------------------------------------------------------------------------


def test_a_wrong_password_shows_the_form_again_with_an_error(client: httpx.Client) -> None:
    response = log_in(client, "mauvais-mot-de-passe")
    assert response.status_code == 200 and "set-cookie" not in response.headers
    page = soup(response)
    assert "incorrect" in page.find(id="erreur-connexion").get_text()
    assert page.find("form", id="form-connexion").find("input", type="password")
    assert client.get("/agents/").status_code == 303


def test_the_login_page_is_a_form_without_an_error(client: httpx.Client) -> None:
    for path in ("/agents/connexion", "/agents/connexion.html"):
        response = client.get(path)
        assert response.status_code == 200
        page = soup(response)
        assert page.find("input", id="identifiant") and page.find("input", id="mot-de-passe")
        assert page.find(id="erreur-connexion") is None
    assert client.get("/").text.count('href="agents/connexion.html"') == 1


def test_a_login_opens_every_protected_page_and_a_logout_closes_them(
        client: httpx.Client) -> None:
    response = log_in(client)
    assert response.status_code in (302, 303)
    assert path_of(response.headers["location"]) == "/agents/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    for path in PROTECTED:
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-store"
        links = {a["href"] for a in soup(page).select("nav.agents-nav a")}
        assert set(PROTECTED) | {"/agents/deconnexion"} <= links
        assert soup(page).find("link", rel="stylesheet")["href"] == "/css/style.css"
    assert client.get("/agents/connexion").status_code == 303  # already logged in
    logout = client.get("/agents/deconnexion")
    assert logout.status_code in (302, 303)
    assert path_of(logout.headers["location"]) == "/agents/connexion"
    for path in PROTECTED:
        assert path_of(client.get(path).headers["location"]) == "/agents/connexion"


@pytest.mark.parametrize("path", [*PROTECTED, "/agents/inconnue.html"])
def test_a_protected_page_without_a_session_redirects_to_the_login(
        client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (302, 303)
    assert path_of(response.headers["location"]) == "/agents/connexion"
    assert "Annuaire" not in response.text


def test_a_forged_session_cookie_opens_nothing(server: DemoServer) -> None:
    with httpx.Client(base_url=server.base_url, cookies={"valmont_session": "forged"}) as forged:
        assert forged.get("/agents/annuaire.html").status_code == 303


def test_expired_sessions_send_the_agent_back_to_the_login(client: httpx.Client,
                                                            server: DemoServer) -> None:
    log_in(client)
    assert client.get("/agents/planning.html").status_code == 200
    server.expire_sessions()
    response = client.get("/agents/planning.html")
    assert response.status_code in (302, 303)
    assert path_of(response.headers["location"]) == "/agents/connexion"


def test_sessions_expire_after_session_seconds_without_a_request() -> None:
    with serve_demo(session_seconds=0.3) as server, \
            httpx.Client(base_url=server.base_url) as client:
        log_in(client)
        assert client.get("/agents/").status_code == 200
        time.sleep(0.5)
        assert client.get("/agents/").status_code == 303


# -- the server -----------------------------------------------------------------------------------


def test_the_request_log_records_method_path_status_and_session(server: DemoServer) -> None:
    before = time.time()
    with httpx.Client(base_url=server.base_url) as client:
        client.get("/index.html")
        client.get("/recherche?q=mairie")
        response = log_in(client)
        session = response.cookies["valmont_session"]
        client.get("/agents/annuaire.html")
    mine = [entry for entry in server.requests if entry.time >= before]
    rows = [(entry.method, entry.path, entry.status, entry.session) for entry in mine]
    assert ("GET", "/index.html", 200, None) in rows
    assert ("GET", "/recherche?q=mairie", 200, None) in rows
    assert ("POST", "/agents/connexion", 303, None) in rows
    assert ("GET", "/agents/annuaire.html", 200, session) in rows
    assert all(before <= entry.time <= time.time() for entry in mine)


def test_static_files_keep_their_caching_and_the_templated_files_their_base(
        client: httpx.Client, server: DemoServer) -> None:
    assert client.get("/css/style.css").headers["cache-control"] == "public, max-age=31536000"
    assert client.get("/demarches.html").headers["cache-control"] == "no-cache"
    sitemap = client.get("/sitemap.xml").text
    assert f"{server.base_url}agents/connexion.html" in sitemap
    assert "/agents/annuaire.html" not in sitemap
    assert client.post("/demarches.html").status_code == 405


def test_serve_demo_site_still_yields_the_base_url() -> None:
    with serve_demo_site() as base:
        assert isinstance(base, str) and base.endswith("/")
        assert httpx.get(base + "recherche?q=ecole").status_code == 200


# -- journeys -------------------------------------------------------------------------------------


def journey_files() -> list[Path]:
    return sorted(demo_journeys_directory().glob("*.toml"))


def test_both_journeys_are_shipped() -> None:
    assert [path.name for path in journey_files()] == ["connexion.toml",
                                                       "demarche-etat-civil.toml"]


@pytest.mark.parametrize("path", journey_files(), ids=lambda path: path.name)
def test_journey_files_use_only_the_journey_format(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"name", "start_url", "steps"}
    assert data["name"] == path.stem and data["start_url"].startswith("/")
    names = [step["name"] for step in data["steps"]]
    assert len(names) == len(set(names))
    for step in data["steps"]:
        actions = set(step) & ACTIONS
        assert len(actions) == 1, step
        assert set(step) <= {"name", "value", "measure"} | actions, step
        (action,) = actions
        assert ("value" in step) == (action in ("fill", "select", "press")), step
    assert 3 <= sum(step.get("measure", False) for step in data["steps"]) <= 4


def test_the_journeys_selectors_exist_on_the_pages_they_act_on(client: httpx.Client) -> None:
    data = tomllib.loads((demo_journeys_directory() / "demarche-etat-civil.toml").read_text())
    demarches = soup(client.get(data["start_url"]))
    results = soup(client.get("/recherche", params={"q": data["steps"][0]["value"]}))
    fiche = soup(client.get("/demarches/etat-civil.html"))
    step_1 = soup(client.get(STEP_1))
    fill_step_1(client)
    step_2 = soup(client.get(STEP_2))
    client.post(STEP_2, data=IDENTITY)
    confirmation = soup(client.get(CONFIRMATION))
    pages = [demarches] * 2 + [results] * 2 + [fiche] + [step_1] * 4 + [step_2] * 7 + [
        confirmation]
    for page, step in zip(pages, data["steps"], strict=True):
        (action,) = set(step) & ACTIONS
        assert page.select(step[action]), step["name"]
    login = tomllib.loads((demo_journeys_directory() / "connexion.toml").read_text())
    assert login["steps"][1]["value"] == "${VALMONT_AGENT_PASSWORD}"
    form = soup(client.get(login["start_url"]))
    assert form.select(login["steps"][0]["fill"]) and form.select(login["steps"][1]["fill"])


def test_the_readme_documents_the_demo_password() -> None:
    readme = (demo_site_directory() / "README.txt").read_text(encoding="utf-8")
    assert f"agent / {PASSWORD}" in readme
