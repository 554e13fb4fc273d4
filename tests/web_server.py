"""A real `ecoaudit serve` for the web tests: the application under uvicorn on 127.0.0.1 (a free
port), in a thread of the test process, over a fresh SQLite database, with three accounts
created by `ecoaudit users add` itself (standard input carrying the password).

Usage (the API is stable; add keyword arguments, never change these):

    from tests.web_server import USERS, chromium, log_in, serve_web

    @pytest.fixture(scope="module")
    def server(tmp_path_factory):
        with serve_web(tmp_path_factory.mktemp("web"), config_path=None, broker=None) as web:
            yield web                      # web.url("/runs/1"), web.db_url, web.settings

    @pytest.fixture(scope="module")
    def browser():
        with chromium() as opened:         # skips the test when no Chromium is found
            yield opened

    def test_something(server, browser):
        page = browser.new_page()          # or browser.new_context().new_page()
        log_in(page, server, "operator")   # "viewer", "operator" or "admin" (USERS)
        page.goto(server.url("/jobs"))
        ...
        page.close()

- `serve_web(folder, *, config_path=None, broker=None, out_dir=None, allow_private_urls=True,
  trust_header=None, users=USERS, db_url=None, proxy_headers=False)`: the database is
  `folder/ecoaudit.db` unless `db_url` is given; job outputs go to `folder/jobs` unless
  `out_dir` is given. Private addresses are allowed in forms by default (the fixture sites
  are on 127.0.0.1). With `proxy_headers`, X-Forwarded-Proto/-For from 127.0.0.1 are
  believed, as behind a proxy.
- `USERS`: name -> (role, password); each user is named after its role.
- `log_in(page, server, name)` logs in through the login form and waits for the page after.
- `WebServer.store()` opens the server's database (a context manager), for checks.
- `session_cookie(page)`: the session cookie (Playwright's dict: httpOnly, sameSite...).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from ecoaudit.cli import cli
from ecoaudit.store import Store
from ecoaudit.web.app import SESSION_COOKIE, create_app
from ecoaudit.web.settings import WebSettings

# name -> (role, password): one account per role, named after it.
USERS: dict[str, tuple[str, str]] = {
    "viewer": ("viewer", "viewer-password-1"),
    "operator": ("operator", "operator-password-2"),
    "admin": ("admin", "admin-password-3"),
}


@dataclass
class WebServer:
    """A running server: its base URL, its database, its settings and accounts."""

    base: str
    db_url: str
    settings: WebSettings
    users: dict[str, tuple[str, str]] = field(default_factory=dict)
    app: Any = None

    def url(self, path: str = "/") -> str:
        """The absolute URL of `path` on this server."""
        return self.base + path

    def password(self, name: str) -> str:
        return self.users[name][1]

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The server's database, opened by the test (closed after)."""
        with Store.open(self.db_url) as opened:
            yield opened


def add_user(db_url: str, name: str, role: str, password: str) -> None:
    """`ecoaudit users add NAME --role ROLE --db URL`, the password on standard input."""
    result = CliRunner().invoke(cli, ["users", "add", name, "--role", role, "--db", db_url],
                                input=password + "\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output


@contextmanager
def serve_web(folder: Path, *, config_path: Path | None = None, broker: str | None = None,
              out_dir: Path | None = None, allow_private_urls: bool = True,
              trust_header: str | None = None,
              users: dict[str, tuple[str, str]] | None = None,
              db_url: str | None = None, proxy_headers: bool = False) -> Iterator[WebServer]:
    """Start the application under uvicorn on 127.0.0.1 in a thread; stop it on exit."""
    db_url = db_url or f"sqlite:///{folder / 'ecoaudit.db'}"
    chosen = USERS if users is None else users
    for name, (role, password) in chosen.items():
        add_user(db_url, name, role, password)
    settings = WebSettings(db_url=db_url, config_path=config_path, broker=broker,
                           out_dir=out_dir or folder / "jobs",
                           # SQLite: the secret is kept next to the database (as in use);
                           # otherwise given, so that no file lands in the current folder.
                           secret_key=None if db_url.startswith("sqlite") else "k" * 43,
                           trust_header=trust_header, allow_private_urls=allow_private_urls)
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                           proxy_headers=proxy_headers,
                                           forwarded_allow_ips="127.0.0.1",
                                           server_header=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"ecoaudit-serve-{port}")
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    try:
        yield WebServer(f"http://127.0.0.1:{port}", db_url, settings, dict(chosen), app)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium through Playwright (the test is skipped when none is found)."""
    from playwright.sync_api import sync_playwright

    from ecoaudit.errors import BrowserNotFound
    from ecoaudit.measure.browser import find_chromium, launch_options

    try:
        executable = find_chromium()
    except BrowserNotFound as error:
        pytest.skip(f"no Chromium: {error}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(executable))
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Any, server: WebServer, name: str, password: str | None = None) -> Any:
    """Log in through the login form as `name` (its password from the server's accounts
    unless given); returns the response of the page the form leads to."""
    page.goto(server.url("/login"))
    page.fill("#name", name)
    page.fill("#password", password if password is not None else server.password(name))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return page


def session_cookie(page: Any) -> dict[str, Any] | None:
    """The session cookie of the page's browser context, or None."""
    found = [cookie for cookie in page.context.cookies() if cookie["name"] == SESSION_COOKIE]
    return found[0] if found else None
