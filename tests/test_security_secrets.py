"""Credentials come only from environment variables, reach the site, and nothing else.

A real `ecoaudit crawl` (verbose logs, JSON output, HTML reports, SQLite database) of a site that
needs a header token, a cookie and HTTP basic auth; then every byte it wrote is searched for the
secrets, raw and base64-encoded as basic auth sends them.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.hostile_server import Handler, HostileServer

pytestmark = pytest.mark.browser

ECOAUDIT = Path(sys.executable).parent / "ecoaudit"
TOKEN = f"token-{uuid.uuid4().hex}"
COOKIE = f"cookie-{uuid.uuid4().hex}"
PASSWORD = f"password-{uuid.uuid4().hex}"
BASIC = base64.b64encode(f"agent:{PASSWORD}".encode()).decode()


def protected(handler: Handler) -> None:
    """Answers 401 until the browser sends basic auth, like a staging site."""
    if handler.headers.get("Authorization") != f"Basic {BASIC}":
        handler.send_body(b"login", status=401, content_type="text/plain",
                          headers=[("WWW-Authenticate", 'Basic realm="staging"')])
        return
    handler.send_body(b"<!doctype html><html lang='fr'><head><title>Recette</title></head>"
                      b"<body><a href='/page'>page</a></body></html>",
                      headers=[("Set-Cookie", "visit=1; Path=/")])


SITES_TOML = """
[[sites]]
name = "recette"
start_urls = ["{start}"]
allow_private_addresses = true
max_pages = 2
min_delay = 0
page_timeout = 15
headers = {{ "X-Api-Token" = "${{TEST_API_TOKEN}}" }}
cookies = {{ session = "${{TEST_SESSION}}" }}
basic_auth = {{ username = "agent", password = "${{TEST_PASSWORD}}" }}
"""


def every_output(folder: Path, console: str) -> dict[str, bytes]:
    outputs = {"console": console.encode()}
    for path in folder.rglob("*"):
        if path.is_file():
            outputs[str(path.relative_to(folder))] = path.read_bytes()
    return outputs


def test_secrets_reach_the_site_but_no_database_log_report_or_json(tmp_path) -> None:
    routes = {"/": protected, "/page": protected}
    with HostileServer(extra_routes=routes) as server:
        config = tmp_path / "sites.toml"
        config.write_text(SITES_TOML.format(start=server.url("/")), encoding="utf-8")
        environment = {**os.environ, "TEST_API_TOKEN": TOKEN, "TEST_SESSION": COOKIE,
                       "TEST_PASSWORD": PASSWORD}
        done = subprocess.run(
            [str(ECOAUDIT), "-v", "crawl", "recette", "--config", str(config),
             "--db", str(tmp_path / "ecoaudit.db"), "--json", str(tmp_path / "run.json"),
             "--out", str(tmp_path / "reports"), "--wait-before", "0", "--wait-after", "0"],
            capture_output=True, text=True, env=environment, timeout=240, cwd=tmp_path)
        navigations = server.requests(lambda entry: entry.is_navigation)
    console = done.stdout + done.stderr
    assert done.returncode == 0, console
    # The secrets were really used...
    sent = [entry for entry in navigations if entry.path == "/"]
    assert sent and sent[-1].headers.get("x-api-token") == TOKEN
    assert f"session={COOKIE}" in sent[-1].headers.get("cookie", "")
    assert sent[-1].headers.get("authorization") == f"Basic {BASIC}"
    # ...and written nowhere.
    outputs = every_output(tmp_path, console)
    assert {"ecoaudit.db", "run.json", "reports/index.html"} <= set(outputs)
    for secret in (TOKEN, COOKIE, PASSWORD, BASIC):
        leaks = [name for name, data in outputs.items() if secret.encode() in data]
        assert leaks == [], f"secret found in {leaks}"


def test_a_missing_secret_variable_is_one_sentence_before_anything_starts(tmp_path) -> None:
    config = tmp_path / "sites.toml"
    config.write_text(SITES_TOML.format(start="http://127.0.0.1:9/"), encoding="utf-8")
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("TEST_")}
    done = subprocess.run([str(ECOAUDIT), "crawl", "recette", "--config", str(config),
                           "--db", str(tmp_path / "ecoaudit.db"), "--no-report"],
                          capture_output=True, text=True, env=environment, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "TEST_API_TOKEN" in done.stderr and "not set" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
