"""Reports escape everything that came from a crawled site (titles, URLs, header values, link
text, console messages): a real crawl of a hostile site, then its HTML reports, and an
acceptance report of the same page."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile_server import Handler, HostileServer

pytestmark = pytest.mark.browser

ECOAUDIT = Path(sys.executable).parent / "ecoaudit"
REPOSITORY = Path(__file__).resolve().parents[1]
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
# What must never appear as such in a report: each would run a script if it were not escaped.
LIVE_MARKUP = ("<script>alert(", "<img src=x onerror", "<svg onload")
ESCAPED_TITLE = "&lt;script&gt;alert("


def hostile_page(handler: Handler) -> None:
    body = (
        b"<!doctype html><html lang='fr'><head>"
        b"<title>&lt;script&gt;alert('xss-title')&lt;/script&gt;</title></head><body>"
        b"<h1>Pire</h1>"
        b"<a href=\"/p/x'onmouseover='alert(1)\">&lt;img src=x onerror=alert('xss-text')&gt;</a>"
        b"<a href='/p/<svg onload=alert(2)>'>svg</a>"
        b"<img src='/pixel.png' alt='&lt;svg onload=alert(3)&gt;' width='400' height='400'>"
        b"<script>console.error(\"<img src=x onerror=alert('xss-console')>\")</script>"
        b"</body></html>"
    )
    handler.send_body(body, headers=[
        ("Cache-Control", "<script>alert('xss-header')</script>"),
        ("X-Powered-By", "<script>alert('xss-powered')</script>"),
        ("Set-Cookie", "tracker=<script>alert('xss-cookie')</script>; Path=/"),
    ])


def pixel(handler: Handler) -> None:
    handler.send_body(PNG_1PX, content_type="image/png",
                      headers=[("Cache-Control", "<img src=x onerror=alert('xss-image')>")])


def html_outputs(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): path.read_text(encoding="utf-8", errors="replace")
            for path in folder.rglob("*.html")}


def assert_escaped(pages: dict[str, str]) -> None:
    assert pages
    for name, text in pages.items():
        for markup in LIVE_MARKUP:
            assert markup not in text, f"{markup!r} unescaped in {name}"
    assert any(ESCAPED_TITLE in text for text in pages.values())  # the payload did get there


@pytest.fixture(scope="module")
def hostile_site() -> HostileServer:
    routes = {"/": hostile_page, "/p": hostile_page, "/pixel.png": pixel}
    with HostileServer(extra_routes=routes) as server:
        yield server


def test_crawl_reports_escape_titles_urls_headers_and_messages(hostile_site, tmp_path) -> None:
    done = subprocess.run(
        [str(ECOAUDIT), "crawl", "--url", hostile_site.url("/"), "--db",
         str(tmp_path / "ecoaudit.db"), "--out", str(tmp_path / "reports"), "--max-pages", "3",
         "--wait-before", "0", "--wait-after", "0", "--concurrency", "2"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_escaped(html_outputs(tmp_path / "reports"))


def test_acceptance_report_escapes_what_the_site_sent(hostile_site, tmp_path) -> None:
    contract = REPOSITORY / "examples" / "contrat-exemple.toml"
    if not contract.exists():
        pytest.skip("no example contract in this checkout")
    done = subprocess.run(
        [str(ECOAUDIT), "acceptance", hostile_site.url("/"), "--contract", str(contract),
         "--out", str(tmp_path / "recette")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode in (0, 1), done.stdout + done.stderr  # compliant or not: measured
    assert_escaped(html_outputs(tmp_path / "recette"))
