"""Both Chromium builds give a page the same figures: the full browser's own fetches (the page's
icon) are left out, and a headless shell that cannot start falls back to the full browser."""

from __future__ import annotations

import base64
import logging
import os

import pytest

from ecoaudit.measure import MeasureOptions, browser, har, measure_urls
from tests.page_server import Response, serve

pytestmark = pytest.mark.browser

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><circle r="8"/></svg>'
ICON_HEADS = {
    "/no-icon.html": "",  # the browser's default /favicon.ico, which the server has
    "/icon.html": '<link rel="icon" href="/icon.png">',
    "/shortcut.html": '<link rel="shortcut icon" href="/shortcut.ico">',
    "/apple.html": '<link rel="apple-touch-icon" href="/apple.png">'
                   '<link rel="apple-touch-icon-precomposed" href="/apple-pre.png">',
    "/svg-icon.html": '<link rel="icon" type="image/svg+xml" href="/icon.svg">'
                      '<link rel="mask-icon" href="/mask.svg" color="#000">',
    "/many-icons.html": '<link rel="icon" href="/icon.png" sizes="16x16">'
                        '<link rel="icon" href="/icon32.png" sizes="32x32">'
                        '<link rel="shortcut icon" href="/shortcut.ico">'
                        '<link rel="manifest" href="/manifest.json">',
    "/missing-icon.html": '<link rel="icon" href="/nowhere.png">',
    # The same file as an icon and as the page's own image: the image still counts.
    "/icon-and-image.html": '<link rel="icon" href="/icon.png">',
}
BODIES = {"/icon-and-image.html": '<p>texte</p><img src="/icon.png" alt="">'}


def _routes() -> dict:
    routes: dict = {
        path: Response(f"<!doctype html><html lang=fr><head><meta charset=utf-8><title>{path}"
                       f"</title>{head}</head><body>{BODIES.get(path, '<p>texte</p>')}</body>"
                       "</html>")
        for path, head in ICON_HEADS.items()
    }
    for path in ("/favicon.ico", "/icon.png", "/icon32.png", "/shortcut.ico", "/apple.png",
                 "/apple-pre.png"):
        routes[path] = Response(PNG, content_type="image/png")
    for path in ("/icon.svg", "/mask.svg"):
        routes[path] = Response(SVG, content_type="image/svg+xml")
    routes["/manifest.json"] = Response('{"name": "x", "icons": [{"src": "/icon32.png"}]}',
                                        content_type="application/manifest+json")
    routes["/nowhere.png"] = Response("not found", status=404, content_type="text/plain")
    return routes


def _builds() -> tuple[str, str]:
    shell, full = browser.find_headless_shell(), browser.find_full_chromium()
    if not shell or not full:
        pytest.skip("both builds are needed: a headless shell and a full Chromium")
    return shell.path, full.path


def _figures(urls: list[str], executable: str) -> tuple[dict, list]:
    options = MeasureOptions(wait_before=0.5, wait_after=0.5, timeout=15, browser_path=executable,
                             collect_coverage=False)
    captures = measure_urls(urls, options, concurrency=4)
    figures = {capture.requested_url: (capture.error, capture.nodes, capture.request_count,
                                       capture.transfer_bytes) for capture in captures}
    return figures, captures


def test_a_page_gets_the_same_figures_in_the_shell_and_in_the_full_browser(monkeypatch):
    monkeypatch.delenv(browser.ENV_VARIABLE, raising=False)
    shell, full = _builds()
    with serve(_routes()) as server:
        urls = [server.url(path) for path in ICON_HEADS]
        in_shell, shell_captures = _figures(urls, shell)
        in_full, full_captures = _figures(urls, full)
    assert in_shell == in_full
    assert all(error is None for error, *_ in in_shell.values())
    assert {c.protocol.browser_build for c in shell_captures} == {browser.HEADLESS_SHELL}
    assert {c.protocol.browser_build for c in full_captures} == {browser.FULL_BROWSER}
    left_out = {c.requested_url.rsplit("/", 1)[1]: c.browser_only_requests
                for c in full_captures}
    # The full browser did fetch the declared icons; they are recorded, not counted.
    assert any(url.endswith("/icon.png") for url in left_out["icon.html"])
    assert any(url.endswith("/shortcut.ico") for url in left_out["shortcut.html"])
    assert left_out["apple.html"] == [] and left_out["no-icon.html"] == []
    by_url = {c.requested_url.rsplit("/", 1)[1]: c for c in full_captures}
    page_image = [r for r in by_url["icon-and-image.html"].requests if r.url.endswith("icon.png")]
    assert [r.resource_type for r in page_image] == ["image"]
    assert all(not c.browser_only_requests for c in shell_captures)


def _entry(resource_type: str, destination: str | None) -> dict:
    headers = [{"name": "Sec-Fetch-Dest", "value": destination}] if destination else []
    return {"_resourceType": resource_type, "request": {"url": "http://x/i.png",
                                                        "headers": headers}}


def test_only_an_image_fetch_typed_other_is_the_browsers_own():
    assert har.browser_only_fetch(_entry("other", "image"))
    assert not har.browser_only_fetch(_entry("image", "image"))  # the page's <img>
    assert not har.browser_only_fetch(_entry("other", "empty"))  # <link rel=prefetch>
    assert not har.browser_only_fetch(_entry("other", None))
    document = {"log": {"entries": [_entry("document", "document"), _entry("other", "image")]}}
    assert len(har.requests_from_har(document)) == 2
    assert len(har.requests_from_har(document, leave_out_browser_fetches=True)) == 1


def test_a_shell_that_cannot_start_falls_back_to_the_full_browser(monkeypatch, tmp_path, caplog):
    monkeypatch.delenv(browser.ENV_VARIABLE, raising=False)
    if browser.find_full_chromium() is None:
        pytest.skip("no full Chromium to fall back to")
    broken = tmp_path / "chrome-headless-shell"
    broken.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "Chromium 156.0.0.0" && exit 0\n'
                      "echo 'crashed at start-up' >&2\nexit 1\n")
    broken.chmod(0o755)
    options = MeasureOptions(wait_before=0, wait_after=0, timeout=15, browser_path=str(broken),
                             collect_coverage=False)
    with serve(_routes()) as server, caplog.at_level(logging.WARNING, "ecoaudit.measure.session"):
        (capture,) = measure_urls([server.url("/icon.html")], options)
    assert capture.error is None and capture.request_count == 1
    assert capture.protocol.browser_build == browser.FULL_BROWSER
    assert capture.protocol.browser_path != str(broken)
    warnings = [r.getMessage() for r in caplog.records if "could not start" in r.getMessage()]
    assert len(warnings) == 1 and str(broken) in warnings[0]


def test_an_explicit_program_that_is_not_chromium_is_one_clear_sentence(monkeypatch):
    monkeypatch.setenv(browser.ENV_VARIABLE, "/bin/ls")
    with pytest.raises(browser.BrowserNotFound) as raised:
        browser.find_chromium()
    assert "is not a Chromium or Chrome" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_shell_is_preferred_to_the_full_browser_when_both_are_here(monkeypatch):
    monkeypatch.delenv(browser.ENV_VARIABLE, raising=False)
    _builds()
    found = browser.find_chromium()
    assert found.is_shell and os.access(found.path, os.X_OK)
