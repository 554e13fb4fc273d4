"""Measuring real pages in the real Chromium, served on 127.0.0.1: EcoIndex counting rules."""

from __future__ import annotations

import base64
import time

import pytest

from ecoaudit.capture import Capture
from ecoaudit.measure import MeasureOptions, measure_urls
from tests.page_server import Response, serve

pytestmark = pytest.mark.browser

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
QUICK = MeasureOptions(wait_before=0, wait_after=0, timeout=15)


def _measure(urls: list[str], options: MeasureOptions = QUICK) -> list[Capture]:
    return measure_urls(urls, options, concurrency=4)


NODES_PAGE = """<!doctype html><html><head><title>nodes</title></head><body>
<div id="host"></div>
<svg width="10" height="10"><g><circle r="1"></circle><rect width="1" height="1"></rect></g></svg>
<iframe src="/frame.html"></iframe>
<script>
document.getElementById('host').attachShadow({mode: 'open'}).innerHTML =
  '<p>a</p><p>b</p><span>c</span><svg><g><circle r="1"></circle></g></svg>';
const closedHost = document.createElement('div');
document.body.appendChild(closedHost);
closedHost.attachShadow({mode: 'closed'}).innerHTML = '<p>x</p><p>y</p>';
</script></body></html>"""
FRAME_PAGE = "<html><body><div><p>in frame</p><p>more</p></div><img src='/frame.png'></body></html>"


def test_nodes_count_open_shadow_dom_with_its_svg_content_but_not_document_svg_descendants():
    routes = {"/": Response(NODES_PAGE), "/frame.html": Response(FRAME_PAGE),
              "/frame.png": Response(PNG_1PX, content_type="image/png")}
    with serve(routes) as server:
        (capture,) = _measure([server.url("/")])
    assert capture.error is None
    # html head title body div#host svg iframe script div(closed host) = 9 in the document (the
    # svg's g, circle and rect are not counted; the iframe's content and the closed shadow root
    # neither) + p p span svg g circle in the open shadow root (XPath does not see shadow trees,
    # so the reference subtracts nothing there) = 15. More cases: tests/test_node_counting.py.
    assert capture.nodes == 15


REQUESTS_PAGE = f"""<!doctype html><html><head><title>requests</title></head><body>
<img src="/moved.png"><img src="/missing.png">
<img src="data:image/png;base64,{base64.b64encode(PNG_1PX).decode()}">
<iframe src="/frame.html"></iframe>
<script>setTimeout(() => fetch('/late.json'), LATE_MS);</script>
</body></html>"""


def _request_routes(late_ms: int = 500) -> dict:
    """The requests page; its fetch fires `late_ms` after parsing (after `load`)."""
    return {
        "/": Response(REQUESTS_PAGE.replace("LATE_MS", str(late_ms))),
        "/moved.png": Response(b"", status=301, headers={"Location": "/real.png"}),
        "/real.png": Response(PNG_1PX, content_type="image/png"),
        "/missing.png": Response(b"gone", status=404, content_type="text/plain"),
        "/frame.html": Response(FRAME_PAGE),
        "/frame.png": Response(PNG_1PX, content_type="image/png"),
        "/late.json": Response(b'{"late": true}', content_type="application/json"),
    }


def test_requests_count_redirects_errors_iframes_and_late_fetches_but_not_data_uris():
    with serve(_request_routes()) as server:
        (capture,) = _measure([server.url("/")], MeasureOptions(wait_before=1.5, wait_after=1.5))
    paths = sorted(request.url.replace(server.base, "") for request in capture.requests)
    assert paths == sorted(["/", "/moved.png", "/real.png", "/missing.png", "/frame.html",
                            "/frame.png", "/late.json"])
    assert capture.request_count == 7
    by_path = {request.url.replace(server.base, ""): request for request in capture.requests}
    assert by_path["/moved.png"].status == 301
    assert by_path["/moved.png"].redirect_to.endswith("/real.png")
    assert by_path["/missing.png"].status == 404
    assert by_path["/frame.png"].frame == "iframe"
    assert by_path["/"].frame == "main"


def test_a_fetch_fired_after_the_waits_is_not_counted():
    with serve(_request_routes(late_ms=20_000)) as server:
        (capture,) = _measure([server.url("/")])
    assert "/late.json" not in [r.url.replace(server.base, "") for r in capture.requests]
    assert capture.request_count == 6


def test_transferred_bytes_match_what_the_server_sent():
    with serve(_request_routes()) as server:
        (capture,) = _measure([server.url("/")], MeasureOptions(wait_before=1.5, wait_after=1.5))
        sent = dict(server.sent_bytes)
    for request in capture.requests:
        path = request.url.replace(server.base, "")
        assert request.transfer_bytes == sent[path], path
    counted = {request.url.replace(server.base, "") for request in capture.requests}
    # The browser's own favicon probe is served but, as in the reference, not counted.
    assert set(sent) - counted <= {"/favicon.ico"}
    assert capture.size_kb == sum(sent[path] for path in counted) / 1000


def test_images_are_sniffed_and_sized():
    page = ("<html><body><div><img src='/a.png' style='width:100px;height:50px'></div>"
            "<div style='margin-top:3000px'><img src='/b.png' loading='lazy'></div></body></html>")
    with serve({"/": Response(page), "/a.png": Response(PNG_1PX, content_type="image/webp"),
                "/b.png": Response(PNG_1PX, content_type="image/png")}) as server:
        (capture,) = _measure([server.url("/")])
    first, second = capture.images
    assert first.format == "png"  # sniffed from the bytes, not the content type
    assert (first.natural_width, first.displayed_width, first.displayed_height) == (1, 100, 50)
    assert first.in_first_viewport and not first.lazy
    assert second.lazy and not second.in_first_viewport
    assert first.bytes == next(r.transfer_bytes for r in capture.requests
                               if r.url.endswith("/a.png"))


def test_capture_survives_a_json_round_trip():
    with serve(_request_routes()) as server:
        (capture,) = _measure([server.url("/")])
    assert Capture.from_dict(capture.to_dict()) == capture


def test_protocol_is_recorded_with_the_capture():
    options = MeasureOptions(viewport_width=1280, viewport_height=720, wait_before=0.2,
                             wait_after=0.1, timeout=15)
    with serve({"/": Response("<html><body>hi</body></html>")}) as server:
        (capture,) = _measure([server.url("/")], options)
    protocol = capture.protocol
    assert (protocol.viewport_width, protocol.viewport_height) == (1280, 720)
    assert (protocol.wait_before_scroll, protocol.wait_after_scroll) == (0.2, 0.1)
    assert protocol.browser.startswith("chromium ")
    assert protocol.tool_version and protocol.formula_version and protocol.measured_at


def _never_ending(handler) -> None:
    handler.answer(Response(b"x", content_type="image/png", stall_after_headers=30))


def test_bad_pages_each_give_one_clear_error_within_the_timeout():
    routes = {
        "/ok": Response("<html><body><p>fine</p></body></html>"),
        "/slow": Response("<html></html>", delay=10),
        "/text": Response(b"plain", content_type="text/plain"),
        "/server-error": Response("<html>oops</html>", status=503),
        "/not-found": Response("<html>no</html>", status=404),
        "/stuck": Response("<html><body><img src='/forever.png'></body></html>"),
        "/forever.png": _never_ending,
        "/download": Response(b"PK\x03\x04", content_type="application/zip",
                              headers={"Content-Disposition": "attachment; filename=a.zip"}),
    }
    options = MeasureOptions(wait_before=0, wait_after=0, timeout=5)
    with serve(routes) as server:
        urls = [server.url(path) for path in
                ("/ok", "/slow", "/text", "/server-error", "/not-found", "/stuck", "/download")]
        urls += ["ftp://example.org/file", "file:///etc/passwd", "javascript:alert(1)",
                 "data:text/html,<p>x</p>", "http://[::1", "http://127.0.0.1:9/closed"]
        started = time.monotonic()
        captures = _measure(urls, options)
        elapsed = time.monotonic() - started
    errors = {capture.requested_url.replace(server.base, ""): capture.error for capture in captures}
    assert errors["/ok"] is None
    assert "within 5 s" in errors["/slow"]
    assert "not an HTML page" in errors["/text"]
    assert "HTTP status 503" in errors["/server-error"]
    assert "HTTP status 404" in errors["/not-found"]
    assert "within 5 s" in errors["/stuck"]
    assert "download" in errors["/download"]
    for scheme_url in ("ftp://example.org/file", "file:///etc/passwd", "javascript:alert(1)",
                       "data:text/html,<p>x</p>"):
        assert "unsupported URL scheme" in errors[scheme_url]
    assert "malformed URL" in errors["http://[::1"]
    assert "refused" in errors["http://127.0.0.1:9/closed"] or errors["http://127.0.0.1:9/closed"]
    assert all("\n" not in (error or "") for error in errors.values())
    assert elapsed < 45


def test_dialogs_popups_and_downloads_do_not_stop_the_measurement():
    page = """<html><body><a id=d href="/file.zip" download>file</a><script>
    alert('hello'); confirm('sure?'); prompt('name?');
    window.open('/popup');
    document.getElementById('d').click();
    </script></body></html>"""
    routes = {"/": Response(page), "/popup": Response("<html>popup</html>"),
              "/file.zip": Response(b"PK\x03\x04", content_type="application/zip")}
    with serve(routes) as server:
        (capture,) = _measure([server.url("/")])
    assert capture.error is None
    assert sorted(capture.dialogs) == ["alert", "confirm", "prompt"]
    assert capture.popups == 1
    assert capture.downloads and capture.downloads[0].endswith("/file.zip")
