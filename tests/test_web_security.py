"""`ecoaudit serve`'s security, against a real server on 127.0.0.1 driven by real Chromium:
logging in and out, every route behind the login, CSRF, roles, the login rate limit, the
session cookie, the trusted proxy header, error pages; and the `ecoaudit users` command."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from ecoaudit.store import Store
from ecoaudit.store.models import AuditEntry, LoginAttempt, utc_now
from ecoaudit.web import accounts
from ecoaudit.web.app import WebStarletteRoute
from ecoaudit.web.routing import PUBLIC
from ecoaudit.web.security import (
    MAX_FAILURES,
    FormUrlError,
    check_form_url,
    delay_after,
    login_throttle,
)
from tests.web_server import chromium, log_in, serve_web, session_cookie

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve_web(tmp_path_factory.mktemp("web")) as web:
        yield web


@pytest.fixture(scope="module")
def browser():
    with chromium() as opened:
        yield opened


@pytest.fixture
def page(browser):
    context = browser.new_context()
    opened = context.new_page()
    yield opened
    context.close()


def protected_routes(app) -> list[tuple[str, str, str]]:
    """(method, concrete path, role) of every route of the application that needs a login."""
    found = []
    for route in app.routes:
        assert isinstance(route, WebStarletteRoute), f"{route} bypasses the role check"
        if route.web_route.role == PUBLIC:
            continue
        path = re.sub(r"\{(\w+):int\}", "1", route.path)
        path = re.sub(r"\{(\w+)(:\w+)?\}", "x", path)
        found.extend((method, path, route.web_route.role) for method in route.web_route.methods)
    return found


def csrf_of(page) -> str:
    return page.locator("input[name=csrf_token]").first.get_attribute("value")


def audit_actions(server) -> list[tuple[str, str]]:
    with server.store() as store, store.engine.connect() as connection:
        return [(row.user, row.action) for row in connection.execute(
            sa.select(AuditEntry.user, AuditEntry.action).order_by(AuditEntry.id))]


# -- logging in and out -------------------------------------------------------------------------


def test_log_in_then_log_out(server, page):
    page.goto(server.url("/"))
    assert "/login" in page.url
    assert page.locator("html").get_attribute("lang") == "fr"
    log_in(page, server, "viewer")
    assert "/login" not in page.url
    assert "viewer (lecteur)" in page.inner_text("header")
    with page.expect_navigation():
        page.click("header form button[type=submit]")
    assert page.url.startswith(server.url("/login"))
    page.goto(server.url("/"))
    assert "/login" in page.url
    actions = audit_actions(server)
    assert ("viewer", "login") in actions and ("viewer", "logout") in actions
    assert ("cli", "user_add") in [(user.split(":")[0], action) for user, action in actions]


def test_a_wrong_password_is_refused_with_one_sentence(server, page):
    log_in(page, server, "admin", "not-the-password")
    assert "/login" in page.url
    assert "Identifiant ou mot de passe incorrect." in page.inner_text("main")
    assert ("admin", "login_failed") in audit_actions(server)


def test_the_login_page_sends_back_only_to_a_path_of_this_site(server, page):
    page.goto(server.url("/login?next=//evil.example/x"))
    page.fill("#name", "viewer")
    page.fill("#password", server.password("viewer"))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.startswith(server.base)
    page.goto(server.url("/logout"))  # GET: not a route; logging out takes a POST
    assert "/login" not in page.url


def test_the_language_switch_is_kept_in_the_session(server, page):
    page.goto(server.url("/login?lang=en"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.inner_text("h1") == "Log in"
    page.goto(server.url("/login"))
    assert page.inner_text("h1") == "Log in"
    page.click("text=Français")
    assert page.inner_text("h1") == "Connexion"


# -- every route is behind the login, the role and the CSRF token --------------------------------


def test_unauthenticated_requests_to_every_route_are_sent_to_the_login_page(server, page):
    routes = protected_routes(server.app)
    assert ("POST", "/logout", "viewer") in routes and any(m == "GET" for m, _, _ in routes)
    for method, path, _role in routes:
        response = page.request.fetch(server.url(path), method=method, max_redirects=0,
                                      form={"x": "1"} if method == "POST" else None)
        assert response.status == 303, (method, path, response.status)
        assert response.headers["location"].startswith("/login"), (method, path)


def test_a_post_without_the_csrf_token_is_refused(server, page):
    log_in(page, server, "admin")
    token = csrf_of(page)
    for form in ({}, {"csrf_token": "forged"}, {"csrf_token": token[:-1]}):
        response = page.request.post(server.url("/logout"), form=form, max_redirects=0)
        assert response.status == 403
        assert "Ce formulaire a expiré" in response.text()
        assert "Traceback" not in response.text()
    page.goto(server.url("/"))
    assert "/login" not in page.url  # still logged in: the forged logouts did nothing
    response = page.request.post(server.url("/logout"), form={"csrf_token": token},
                                 max_redirects=0)
    assert response.status == 303


def test_another_sites_form_cannot_log_in_or_post(server, page):
    """The token lives in the session: a form made elsewhere has none that matches."""
    response = page.request.post(server.url("/login"), max_redirects=0,
                                 form={"name": "admin", "password": server.password("admin")})
    assert response.status == 403


def test_a_viewer_cannot_post_to_an_operator_route(server, page):
    operator_posts = [(m, p) for m, p, role in protected_routes(server.app)
                      if role in ("operator", "admin") and m == "POST"]
    if not operator_posts:
        pytest.skip("no operator route takes a POST yet")
    log_in(page, server, "viewer")
    token = csrf_of(page)
    with server.store() as store, store.engine.connect() as connection:
        jobs_before = connection.execute(sa.text("SELECT count(*) FROM jobs")).scalar()
    for method, path in operator_posts:
        response = page.request.fetch(server.url(path), method=method, max_redirects=0,
                                      form={"csrf_token": token, "urls": "http://127.0.0.1/"})
        assert response.status == 403, (method, path)
        assert "Cette action demande le rôle" in response.text()
    with server.store() as store, store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM jobs")).scalar() == jobs_before


def test_every_page_carries_the_security_headers(server, page):
    response = page.goto(server.url("/login"))
    headers = response.headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert "server" not in headers or "uvicorn" not in headers["server"]


# -- the session cookie ----------------------------------------------------------------------


def test_the_session_cookie_is_http_only_and_same_site(server, page):
    log_in(page, server, "viewer")
    cookie = session_cookie(page)
    assert cookie is not None
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # plain HTTP on 127.0.0.1
    assert page.evaluate("document.cookie") == ""


def test_the_session_cookie_is_secure_behind_a_tls_proxy(tmp_path):
    """Behind a reverse proxy that says X-Forwarded-Proto: https (believed from 127.0.0.1)."""
    with serve_web(tmp_path, users={}, proxy_headers=True) as server:
        for proto, secure in (("https", True), ("http", False)):
            response = httpx.get(server.url("/login"), headers={"X-Forwarded-Proto": proto})
            cookie = response.headers["set-cookie"].lower()
            assert ("; secure" in cookie) is secure, cookie
            assert "httponly" in cookie and "samesite=lax" in cookie


def test_a_changed_password_ends_the_open_sessions(server, page):
    log_in(page, server, "operator")
    page.goto(server.url("/"))
    assert "/login" not in page.url
    new_password = "operator-password-new"
    ecoaudit("users", "passwd", "operator", "--db", server.db_url, input=new_password + "\n")
    page.goto(server.url("/"))
    assert "/login" in page.url
    log_in(page, server, "operator", new_password)
    assert "/login" not in page.url
    ecoaudit("users", "passwd", "operator", "--db", server.db_url,
             input=server.password("operator") + "\n")


# -- the login rate limit ----------------------------------------------------------------------


def test_five_wrong_passwords_then_attempts_are_refused_for_a_while(tmp_path, browser):
    context = browser.new_context()
    page = context.new_page()
    with serve_web(tmp_path) as server:
        for _ in range(MAX_FAILURES):
            log_in(page, server, "admin", "wrong password")
            assert "Identifiant ou mot de passe incorrect." in page.inner_text("main")
        # Even the right password is refused now, with a page saying why and for how long.
        log_in(page, server, "admin")
        assert "/login" in page.url
        text = page.inner_text("main")
        assert "Trop de tentatives de connexion échouées" in text
        seconds = int(re.search(r"dans (\d+) s", text).group(1))
        assert 1 <= seconds <= delay_after(MAX_FAILURES).total_seconds()
        # From the same address, another name is refused too (a guesser changing names).
        log_in(page, server, "viewer")
        assert "Trop de tentatives" in page.inner_text("main")
        with server.store() as store, store.engine.begin() as connection:
            assert connection.execute(sa.select(sa.func.count(LoginAttempt.id))).scalar() == 5
            actions = [row[0] for row in connection.execute(sa.select(AuditEntry.action))]
            assert actions.count("login_failed") == 5 and "login_refused" in actions
            # Once the delay has passed (moved back in time here), the right password works.
            connection.execute(sa.update(LoginAttempt).values(
                at=utc_now() - timedelta(seconds=seconds + 2)))
        log_in(page, server, "admin")
        assert "/login" not in page.url
    context.close()


def test_the_delay_grows_with_each_failure_and_is_capped():
    delays = [delay_after(count).total_seconds() for count in range(MAX_FAILURES + 8)]
    assert delays[:MAX_FAILURES] == [0] * MAX_FAILURES
    assert delays[MAX_FAILURES:MAX_FAILURES + 3] == [30, 60, 120]
    assert max(delays) == 15 * 60


def test_the_rate_limit_counts_a_name_whatever_its_case_width_or_spaces(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'limit.db'}") as store:
        for spelling in ("admin", "Admin", " ADMIN ", "ａｄｍｉｎ", "admin\t"):
            accounts.note_failed_login(store, spelling, f"10.0.0.{len(spelling)}")
        failures, _latest = accounts.recent_failures(store, "aDmIn", "10.9.9.9", timedelta(
            minutes=15))
        assert failures == 5
        assert not login_throttle(store, "Admin ", "10.9.9.9").allowed


# -- the trusted reverse-proxy header --------------------------------------------------------------


def test_the_proxy_header_is_ignored_unless_trusted(server, browser):
    context = browser.new_context(extra_http_headers={"X-Remote-User": "admin"})
    page = context.new_page()
    page.goto(server.url("/"))
    assert "/login" in page.url
    context.close()


def test_a_trusted_proxy_header_names_an_existing_user(tmp_path, browser):
    with serve_web(tmp_path, trust_header="X-Remote-User") as server:
        for name, expected in (("operator", "operator (opérateur)"), ("nobody", None)):
            context = browser.new_context(extra_http_headers={"X-Remote-User": name})
            page = context.new_page()
            response = page.goto(server.url("/"))
            if expected:
                assert response.status == 200 and expected in page.inner_text("header")
            else:
                assert response.status == 403
                assert "« nobody », qui n’a pas de compte" in page.inner_text("main")
            context.close()
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url("/"))
        assert "/login" in page.url  # no header: the login page, as without the option
        context.close()


# -- error pages -------------------------------------------------------------------------------


def test_an_unreachable_database_gives_a_503_page_saying_so(tmp_path, browser):
    unreachable = "postgresql+psycopg://ecoaudit:secret@127.0.0.1:9/ecoaudit"
    with serve_web(tmp_path, db_url=unreachable, users={}) as server:
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url("/login"))
        page.fill("#name", "admin")
        page.fill("#password", "whatever-password")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        text = page.inner_text("main")
        assert "Base de données indisponible" in text
        assert "Cannot open the database" in text and "secret" not in text
        assert "Traceback" not in page.content()
        context.close()


def test_every_page_of_a_logged_in_user_is_the_503_page_while_the_database_is_down(tmp_path):
    """A session opened before the database went away: every GET route says so (503)."""
    import base64
    import json
    import time

    import itsdangerous

    unreachable = "postgresql+psycopg://ecoaudit:secret@127.0.0.1:9/ecoaudit"
    with serve_web(tmp_path, db_url=unreachable, users={}) as server:
        signer = itsdangerous.TimestampSigner(server.settings.secret_key)
        session = {"user": "viewer", "auth_at": time.time(), "csrf": "t" * 43}
        cookie = signer.sign(base64.b64encode(json.dumps(session).encode())).decode()
        gets = [path for method, path, _role in protected_routes(server.app) if method == "GET"]
        with httpx.Client(base_url=server.base, cookies={"ecoaudit_session": cookie}) as client:
            for path in gets:
                response = client.get(path)
                assert response.status_code == 503, (path, response.status_code)
                assert "Base de données indisponible" in response.text, path
                assert "Traceback" not in response.text and "secret" not in response.text


def test_an_unknown_page_is_a_404_page(server, page):
    log_in(page, server, "viewer")
    response = page.goto(server.url("/no/such/page"))
    assert response.status == 404
    assert "Cette page n’existe pas." in page.inner_text("main")


def test_an_unexpected_error_gives_a_500_page_without_a_trace(tmp_path, monkeypatch, caplog):
    import ecoaudit.web.views.core as core

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug in the login throttle")

    monkeypatch.setattr(core, "login_throttle", broken)
    with serve_web(tmp_path, users={}) as server, httpx.Client(base_url=server.base) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          client.get("/login").text).group(1)
        response = client.post("/login", data={"name": "a", "password": "b",
                                                "csrf_token": token})
    assert response.status_code == 500
    assert "Erreur interne" in response.text
    assert "a bug in the login throttle" not in response.text
    assert "Traceback" not in response.text
    assert "a bug in the login throttle" in caplog.text  # logged on the server


# -- URLs typed into forms ------------------------------------------------------------------------


def test_form_urls_pass_the_same_guard_as_sites_toml():
    assert check_form_url(" http://127.0.0.1:8000/a/../b ", allow_private=True) == \
        "http://127.0.0.1:8000/b"
    assert check_form_url("https://93.184.216.34/", allow_private=False) == \
        "https://93.184.216.34/"
    for url, words in (("ftp://example.org/", "ftp: scheme"),
                       ("example.org", "not an absolute URL"),
                       ("", "empty"),
                       ("http://127.0.0.1/", "private address 127.0.0.1"),
                       ("http://[::1]:8080/", "private address ::1"),
                       ("http://10.0.0.8/", "private address"),
                       ("http://localhost/", "private address")):
        with pytest.raises(FormUrlError, match=re.escape(words)) as raised:
            check_form_url(url, allow_private=False)
        assert str(raised.value).count(". ") == 0 and str(raised.value).endswith(".")


def test_private_hosts_of_sites_toml_are_matched_as_the_crawl_does_and_the_job_keeps_the_refusal():
    from ecoaudit.web.job_kinds import measure_options
    from ecoaudit.web.settings import WebSettings
    from ecoaudit.web.views.act import may_be_private

    allowed = {"127.0.0.1:8123", "*.intranet.example"}
    closed, opened = WebSettings(), WebSettings(allow_private_urls=True)
    assert may_be_private(closed, allowed, "http://127.0.0.1:8123/a")
    assert may_be_private(closed, allowed, "http://wiki.intranet.example/")
    assert not may_be_private(closed, allowed, "http://127.0.0.1:5432/")
    assert not may_be_private(closed, allowed, "http://127.0.0.1/")
    assert not may_be_private(closed, allowed, "not a url")
    assert may_be_private(opened, set(), "http://10.0.0.8/")
    # A job launched without the permission measures with private addresses refused, even if
    # the host's DNS answer turned private after the form checked it.
    assert measure_options({"allow_private": False}).allow_private is False
    assert measure_options({}).allow_private is None


# -- the `ecoaudit users` command ----------------------------------------------------------


def ecoaudit(*args: str, input: str | None = None, check: bool = True):
    result = subprocess.run([sys.executable, "-m", "ecoaudit", *args], input=input,
                            capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_the_users_command_adds_lists_changes_and_removes_accounts(tmp_path):
    db = f"sqlite:///{tmp_path / 'e.db'}"
    added = ecoaudit("users", "add", "marie", "--role", "operator", "--db", db,
                     input="a long password\n")
    assert added.stdout.strip() == "User marie added (operator)."
    listed = ecoaudit("users", "list", "--db", db).stdout
    assert listed.startswith("marie\toperator\tpassword set ")
    assert "a long password" not in listed
    ecoaudit("users", "passwd", "marie", "--db", db, input="another password\n")
    ecoaudit("users", "remove", "marie", "--db", db)
    assert "No user yet" in ecoaudit("users", "list", "--db", db).stdout
    with sa.create_engine(db).connect() as connection:
        actions = [row[0] for row in connection.execute(sa.text(
            "SELECT action FROM audit_log ORDER BY id"))]
        hashes = connection.execute(sa.text("SELECT count(*) FROM users")).scalar()
    assert actions == ["user_add", "user_passwd", "user_remove"]
    assert hashes == 0


def test_the_users_command_stores_an_argon2_hash_only(tmp_path):
    db = f"sqlite:///{tmp_path / 'e.db'}"
    ecoaudit("users", "add", "paul", "--role", "viewer", "--db", db, input="secret words\n")
    with sa.create_engine(db).connect() as connection:
        stored = connection.execute(sa.text("SELECT password_hash FROM users")).scalar()
    assert stored.startswith("$argon2id$") and "secret words" not in stored


@pytest.mark.parametrize(("args", "stdin", "sentence"), [
    (("add", "paul", "--role", "boss"), "secret words\n",
     "Error: Unknown role 'boss': use viewer, operator or admin."),
    (("add", "paul", "--role", "viewer"), "short\n",
     "Error: The password is too short: use at least 8 characters."),
    (("add", "two words", "--role", "viewer"), "secret words\n",
     "Error: 'two words' cannot be a user name"),
    (("remove", "ghost"), None, "Error: There is no user named 'ghost'"),
    (("passwd", "ghost"), "secret words\n", "Error: There is no user named 'ghost'"),
])
def test_the_users_command_says_what_is_wrong_in_one_sentence(tmp_path, args, stdin, sentence):
    db = f"sqlite:///{tmp_path / 'e.db'}"
    result = ecoaudit("users", *args, "--db", db, input=stdin, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(sentence)
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_duplicate_user_name_is_refused_in_one_sentence(tmp_path):
    db = f"sqlite:///{tmp_path / 'e.db'}"
    ecoaudit("users", "add", "paul", "--role", "viewer", "--db", db, input="secret words\n")
    result = ecoaudit("users", "add", "paul", "--role", "admin", "--db", db,
                      input="secret words\n", check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == ("Error: A user named 'paul' already exists: choose another "
                                     "name, or change its password with `ecoaudit users "
                                     "passwd`.")


# -- wording ------------------------------------------------------------------------------------


def test_every_message_file_has_the_same_keys_in_french_and_english():
    import tomllib
    from importlib import resources

    from ecoaudit.web.i18n import _flatten

    templates = resources.files("ecoaudit") / "templates"
    pairs = [(folder / entry.name, folder / entry.name.replace(".fr.toml", ".en.toml"))
             for folder in (templates / "web", templates / "report")
             for entry in folder.iterdir() if entry.name.endswith(".fr.toml")]
    assert len(pairs) >= 4
    for french, english in pairs:
        keys = [set(_flatten(tomllib.loads(path.read_text(encoding="utf-8"))))
                for path in (french, english)]
        assert keys[0] == keys[1], (french.name, sorted(keys[0] ^ keys[1]))


def test_only_an_admin_reads_the_audit_log(tmp_path, browser):
    context = browser.new_context()
    page = context.new_page()
    with serve_web(tmp_path) as server:  # its own: other tests here fail logins on purpose
        log_in(page, server, "operator")
        assert page.locator("nav a[href='/admin/audit-log']").count() == 0
        response = page.goto(server.url("/admin/audit-log"))
        assert response is not None and response.status == 403
        context.clear_cookies()
        log_in(page, server, "admin")
        page.goto(server.url("/admin/audit-log"))
        assert page.locator("#audit-log tbody tr").count() >= 2
        text = page.inner_text("#audit-log")
        assert "operator" in text and "admin" in text and "login" in text
        assert page.locator("nav a[href='/admin/audit-log']").count() == 1
        hrefs = page.locator("nav a").evaluate_all("links => links.map(link => link.pathname)")
        wanted = ["/", "/compare", "/jobs", "/admin/audit-log"]
        assert [href for href in hrefs if href in wanted] == wanted  # the navigation's order
    context.close()


def test_a_malformed_sites_toml_gives_its_sentence_not_a_trace(tmp_path, browser):
    config = tmp_path / "sites.toml"
    config.write_text('[[sites]]\nname = "x"\nstart_urls = ["https://example.org/"]\n'
                      "max_pagez = 3\n", encoding="utf-8")
    (tmp_path / "web").mkdir()
    with serve_web(tmp_path / "web", config_path=config) as web:
        page = browser.new_page()
        log_in(page, web, "viewer")
        response = page.goto(web.url("/"))
        text = page.inner_text("main")
        page.close()
    assert response is not None and response.status == 500
    assert "max_pagez" in text and "Traceback" not in text
