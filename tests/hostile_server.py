"""A hostile web server for the test suite, on 127.0.0.1 only: every fault a nightly crawl meets.

Each path below is one fault (see `FAULTS`); the index page `/` links to all of them, so a crawl
of the server meets every one. The server keeps its own log of every request (method, path,
headers, when it arrived and when its answer ended), from which the tests check politeness and
the User-Agent from the server's side. Stalling answers give up when the server stops, so the
test process never hangs on them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import socket
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

STALL_LIMIT_SECONDS = 60.0  # a stalling answer never lasts longer than this, whatever happens
BIG_PAGE_BYTES = 20_000_000
HUGE_DOM_ELEMENTS = 200_000
GZIP_BOMB_BYTES = 200_000_000
GIF_1PX = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# path -> (what it does, what a crawl must do with it)
FAULTS: dict[str, tuple[str, str]] = {
    "/slow-first-byte": ("answers after 2 s", "measured"),
    "/first-byte-never": ("sends nothing until the server stops", "failed: timeout"),
    "/stalled-body": ("sends half the body, then stalls", "failed: timeout"),
    "/never-ending": ("a chunked body that never ends", "failed: timeout"),
    "/long-polling": ("a page whose script waits on a request that never ends", "measured"),
    "/websocket": ("a page that keeps a WebSocket open and receives messages", "measured"),
    "/reset-mid-body": ("the connection is reset in the middle of the body", "failed"),
    "/error-500": ("HTTP 500", "failed: status"),
    "/error-503": ("HTTP 503 with Retry-After", "failed: status"),
    "/redirect-loop": ("a redirects to b, b to a", "failed: too many redirects"),
    "/chain/20": ("a chain of 20 redirects to a real page", "measured"),
    "/calendar/2026-01": ("a calendar with a 'next month' link forever", "bounded"),
    "/search?q=start": ("a link to a new random query string on every page", "bounded"),
    "/big-page": ("a 20 MB HTML page", "measured"),
    "/huge-dom": ("a page of 200,000 elements", "measured"),
    "/bad-encoding": ("bytes that are not UTF-8, declared UTF-8, and an unknown charset",
                      "measured"),
    "/malformed": ("unclosed, misnested and garbage HTML", "measured"),
    "/dialogs": ("alert, confirm, prompt and beforeunload on load", "measured"),
    "/popups": ("three pop-up windows on load", "measured"),
    "/download": ("a URL that answers with an attachment", "recorded as a file"),
    "/service-worker": ("a page that installs a service worker intercepting its requests",
                        "measured"),
    "/navigates-away": ("a page that replaces itself by script once, after 50 ms", "measured"),
    "/navigates-forever": ("a page that replaces itself by script every 50 ms", "failed"),
    "/huge-cookies": ("sets 40 cookies of 4 KB each", "measured"),
    "/gzip-bomb": ("200 MB of HTML from 200 KB of gzip", "measured or failed, bounded"),
}


@dataclass
class LoggedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    started: float  # time.monotonic() when the request line was read
    ended: float | None = None  # when the answer was finished (None: never finished)

    @property
    def is_navigation(self) -> bool:
        """A browser page navigation (top-level document), as Fetch Metadata says."""
        return (self.headers.get("sec-fetch-mode") == "navigate"
                and self.headers.get("sec-fetch-dest") == "document")

    @property
    def user_agent(self) -> str:
        return self.headers.get("user-agent", "")


class HostileServer:
    """Use as `with HostileServer() as server:`; `server.url("/big-page")` is absolute."""

    def __init__(self, host: str = "127.0.0.1", robots_txt: str = "User-agent: *\nAllow: /\n",
                 extra_routes: dict[str, Callable[[Handler], None]] | None = None) -> None:
        if not host.startswith("127."):
            raise ValueError("the hostile server only listens on the loopback network")
        self.robots_txt = robots_txt
        self.extra_routes = dict(extra_routes or {})
        self.log: list[LoggedRequest] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._server.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return self.base + path

    def requests(self, predicate: Callable[[LoggedRequest], bool] | None = None
                 ) -> list[LoggedRequest]:
        """A copy of the log (optionally filtered), in arrival order."""
        with self.lock:
            return [entry for entry in self.log if predicate is None or predicate(entry)]

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def record(self, entry: LoggedRequest) -> None:
        with self.lock:
            self.log.append(entry)

    def stall(self, seconds: float = STALL_LIMIT_SECONDS) -> None:
        """Wait until the server stops (or `seconds` pass)."""
        self.stopping.wait(seconds)


def max_overlap(entries: list[LoggedRequest]) -> int:
    """The largest number of these requests in progress at the same moment."""
    events: list[tuple[float, int]] = []
    for entry in entries:
        events.append((entry.started, 1))
        events.append((entry.ended if entry.ended is not None else float("inf"), -1))
    current = highest = 0
    for _moment, change in sorted(events, key=lambda event: (event[0], event[1])):
        current += change
        highest = max(highest, current)
    return highest


def smallest_gap(entries: list[LoggedRequest]) -> float | None:
    """The shortest time between two consecutive request starts (None under two requests)."""
    starts = sorted(entry.started for entry in entries)
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    return min(gaps) if gaps else None


def _page(title: str, body: str = "", head: str = "") -> bytes:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"{head}</head><body><h1>{title}</h1>{body}</body></html>").encode()


def index_page() -> bytes:
    links = "".join(f"<li><a href='{path}'>{path}</a> {what}</li>"
                    for path, (what, _outcome) in FAULTS.items())
    return _page("Hostile index", f"<ul>{links}</ul>")


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """GZIP_BOMB_BYTES of HTML once decompressed, about a thousandth of that on the wire."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(b"<!doctype html><html><head><title>Bomb</title></head><body>")]
    block = b" " * 1_000_000
    parts.extend(compressor.compress(block) for _ in range(GZIP_BOMB_BYTES // len(block)))
    parts.append(compressor.compress(b"</body></html>"))
    parts.append(compressor.flush())
    return b"".join(parts)


@lru_cache(maxsize=1)
def big_page() -> bytes:
    filler = ("<p>" + "Metz " * 200 + "</p>\n").encode()
    head = _page("Big page").replace(b"</body></html>", b"")
    return head + filler * ((BIG_PAGE_BYTES - len(head)) // len(filler)) + b"</body></html>"


@lru_cache(maxsize=1)
def huge_dom() -> bytes:
    return _page("Huge DOM", "<div>" + "<i></i>" * HUGE_DOM_ELEMENTS + "</div>")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def log_message(self, *args: Any) -> None:  # the owner keeps its own log
        pass

    @property
    def owner(self) -> HostileServer:
        return self.server.owner  # type: ignore[attr-defined]

    def handle(self) -> None:
        # The browser closing a kept-alive connection is ordinary, not an error.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError, TimeoutError):
            super().handle()

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # reset on purpose (see _reset_mid_body)
            super().finish()

    def do_GET(self) -> None:
        entry = LoggedRequest(self.command, self.path,
                              {name.lower(): value for name, value in self.headers.items()},
                              time.monotonic())
        self.owner.record(entry)
        try:
            self._dispatch()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        finally:
            entry.ended = time.monotonic()

    do_HEAD = do_GET

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        extra = self.owner.extra_routes.get(self.path) or self.owner.extra_routes.get(path)
        if extra is not None:
            extra(self)
            return
        if path.startswith("/chain/"):
            self._chain(path)
        elif path.startswith("/calendar/"):
            self._calendar(path)
        else:
            handler = ROUTES.get(path)
            if handler is None:
                self.send_body(b"not found", status=404, content_type="text/plain")
            else:
                handler(self, parse_qs(parts.query))

    # -- helpers used by routes (also by tests' extra routes) ---------------------------------

    def send_body(self, body: bytes, *, status: int = 200,
                  content_type: str = "text/html; charset=utf-8",
                  headers: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers or []:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.send_body(b"", status=status, headers=[("Location", location)])

    # -- the faults ---------------------------------------------------------------------------

    def _index(self, _query: dict) -> None:
        self.send_body(index_page())

    def _robots(self, _query: dict) -> None:
        self.send_body(self.owner.robots_txt.encode(), content_type="text/plain")

    def _slow_first_byte(self, _query: dict) -> None:
        self.owner.stall(2.0)
        self.send_body(_page("Slow first byte", "<p>Worth the wait.</p>"))

    def _first_byte_never(self, _query: dict) -> None:
        self.owner.stall()
        self.close_connection = True

    def _stalled_body(self, _query: dict) -> None:
        body = _page("Stalled body", "<p>" + "x" * 5000 + "</p>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.owner.stall()
        self.close_connection = True

    def _never_ending(self, _query: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._chunk(b"<!doctype html><html><head><title>Never ending</title></head><body>")
        deadline = time.monotonic() + STALL_LIMIT_SECONDS
        while not self.owner.stopping.is_set() and time.monotonic() < deadline:
            self._chunk(b"<p>still going</p>\n")
            self.owner.stopping.wait(0.2)
        self.close_connection = True

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _long_polling(self, _query: dict) -> None:
        self.send_body(_page("Long polling", "<p id='news'>waiting</p>",
                             "<script>fetch('/poll').then(r => r.text())"
                             ".then(t => { document.getElementById('news').textContent = t; })"
                             "</script>"))

    def _poll(self, _query: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.flush()
        self.owner.stall()
        self.close_connection = True

    def _websocket_page(self, _query: dict) -> None:
        self.send_body(_page("WebSocket", "<p id='ticks'>0</p>",
                             "<script>const socket = new WebSocket("
                             "'ws://' + location.host + '/ws');"
                             "socket.onmessage = m => { "
                             "document.getElementById('ticks').textContent = m.data; };"
                             "</script>"))

    def _websocket(self, _query: dict) -> None:
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.end_headers()
        self.wfile.flush()
        deadline = time.monotonic() + STALL_LIMIT_SECONDS
        tick = 0
        while not self.owner.stopping.is_set() and time.monotonic() < deadline:
            tick += 1
            payload = f"tick {tick}".encode()
            self.wfile.write(struct.pack("!BB", 0x81, len(payload)) + payload)
            self.wfile.flush()
            self.owner.stopping.wait(0.3)
        self.close_connection = True

    def _reset_mid_body(self, _query: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"<!doctype html><html><head><title>Reset</title></head><body><p>"
                         + b"x" * 1000)
        self.wfile.flush()
        # SO_LINGER with a zero timeout: close() sends a TCP RST instead of a FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _error_500(self, _query: dict) -> None:
        self.send_body(_page("Internal Server Error"), status=500)

    def _error_503(self, _query: dict) -> None:
        self.send_body(_page("Service Unavailable"), status=503,
                       headers=[("Retry-After", "3600")])

    def _redirect_loop(self, _query: dict) -> None:
        self.redirect("/redirect-loop-b")

    def _redirect_loop_b(self, _query: dict) -> None:
        self.redirect("/redirect-loop")

    def _chain(self, path: str) -> None:
        try:
            hops = int(path.rsplit("/", 1)[1])
        except ValueError:
            self.send_body(b"bad chain", status=400, content_type="text/plain")
            return
        if hops > 0:
            self.redirect(f"/chain/{hops - 1}")
        else:
            self.send_body(_page("End of the chain"))

    def _calendar(self, path: str) -> None:
        month = path.rsplit("/", 1)[1]
        try:
            year, number = (int(part) for part in month.split("-"))
        except ValueError:
            self.send_body(b"bad month", status=404, content_type="text/plain")
            return
        following = f"{year + number // 12}-{number % 12 + 1:02d}"
        self.send_body(_page(f"Agenda {month}",
                             f"<a href='/calendar/{following}'>Mois suivant</a>"))

    def _search(self, query: dict) -> None:
        term = query.get("q", [""])[0]
        self.send_body(_page(f"Search {term[:20]}",
                             f"<a href='/search?q={uuid.uuid4().hex}'>Autre recherche</a>"))

    def _big_page(self, _query: dict) -> None:
        self.send_body(big_page())

    def _huge_dom(self, _query: dict) -> None:
        self.send_body(huge_dom())

    def _bad_encoding(self, _query: dict) -> None:
        body = (b"<!doctype html><html><head><meta charset='x-klingon'><title>Caf\xe9 \xff\xfe"
                b"</title></head><body><p>\xc3\x28 \xa0\xa1 \xed\xa0\x80 \xf0\x28\x8c\xbc</p>"
                b"<p>\x00\x01\x02</p></body></html>")
        self.send_body(body, content_type="text/html; charset=utf-8")

    def _malformed(self, _query: dict) -> None:
        body = (b"<html><head><title>Malformed</title><body><div><p><b>bold<i>italic</b></p>"
                b"<table><tr><td>cell<div></table><a href='/malformed-target'>link"
                b"<a href=\"javascript:alert(1)\">js</a><a href='mailto:x@y'>m</a>"
                b"<a href='file:///etc/passwd'>file</a><a href='data:text/html,hi'>data</a>"
                b"<a href='chrome://settings'>chrome</a><<<>>>&&&;;<!-- unclosed comment")
        self.send_body(body)

    def _malformed_target(self, _query: dict) -> None:
        self.send_body(_page("Malformed target"))

    def _dialogs(self, _query: dict) -> None:
        self.send_body(_page("Dialogs", "",
                             "<script>alert('hello'); confirm('sure?'); prompt('name?');"
                             "window.onbeforeunload = e => { e.preventDefault();"
                             " e.returnValue = 'stay'; return 'stay'; };</script>"))

    def _popups(self, _query: dict) -> None:
        self.send_body(_page("Pop-ups", "",
                             "<script>for (let i = 0; i < 3; i++) "
                             "window.open('/popup-target?' + i, '_blank');</script>"))

    def _popup_target(self, _query: dict) -> None:
        self.send_body(_page("A pop-up"))

    def _download(self, _query: dict) -> None:
        self.send_body(b"\x00" * 50_000, content_type="application/octet-stream",
                       headers=[("Content-Disposition", 'attachment; filename="data.bin"')])

    def _service_worker_page(self, _query: dict) -> None:
        self.send_body(_page("Service worker", "<img src='/sw-image.png' alt=''>",
                             "<script>navigator.serviceWorker.register('/sw.js')"
                             ".then(() => fetch('/sw-data.json'));</script>"))

    def _service_worker_script(self, _query: dict) -> None:
        script = (b"self.addEventListener('install', e => self.skipWaiting());"
                  b"self.addEventListener('activate', e => e.waitUntil(clients.claim()));"
                  b"self.addEventListener('fetch', e => e.respondWith("
                  b"new Response('{\"from\": \"worker\"}', "
                  b"{headers: {'Content-Type': 'application/json'}})));")
        self.send_body(script, content_type="text/javascript")

    def _navigates_away(self, _query: dict) -> None:
        self.send_body(_page("Navigates away", "",
                             "<script>setTimeout(() => { location.replace("
                             "'/navigated-here'); }, 50);</script>"))

    def _navigated_here(self, _query: dict) -> None:
        self.send_body(_page("Navigated here", "<p>The page that replaced the first one.</p>"))

    def _navigates_forever(self, query: dict) -> None:
        count = int(query.get("n", ["0"])[0] or 0)
        self.send_body(_page(f"Navigates forever {count}", "",
                             "<script>setTimeout(() => { location.replace("
                             f"'/navigates-forever?n={count + 1}'); }}, 50);</script>"))

    def _huge_cookies(self, _query: dict) -> None:
        cookies = [("Set-Cookie", f"big{index}={'c' * 4000}; Path=/")
                   for index in range(40)]
        self.send_body(_page("Huge cookies"), headers=cookies)

    def _gzip_bomb(self, _query: dict) -> None:
        self.send_body(gzip_bomb(), headers=[("Content-Encoding", "gzip")])


ROUTES: dict[str, Callable[[Handler, dict], None]] = {
    "/": Handler._index,
    "/robots.txt": Handler._robots,
    "/slow-first-byte": Handler._slow_first_byte,
    "/first-byte-never": Handler._first_byte_never,
    "/stalled-body": Handler._stalled_body,
    "/never-ending": Handler._never_ending,
    "/long-polling": Handler._long_polling,
    "/poll": Handler._poll,
    "/websocket": Handler._websocket_page,
    "/ws": Handler._websocket,
    "/reset-mid-body": Handler._reset_mid_body,
    "/error-500": Handler._error_500,
    "/error-503": Handler._error_503,
    "/redirect-loop": Handler._redirect_loop,
    "/redirect-loop-b": Handler._redirect_loop_b,
    "/search": Handler._search,
    "/big-page": Handler._big_page,
    "/huge-dom": Handler._huge_dom,
    "/bad-encoding": Handler._bad_encoding,
    "/malformed": Handler._malformed,
    "/malformed-target": Handler._malformed_target,
    "/dialogs": Handler._dialogs,
    "/popups": Handler._popups,
    "/popup-target": Handler._popup_target,
    "/download": Handler._download,
    "/service-worker": Handler._service_worker_page,
    "/sw.js": Handler._service_worker_script,
    "/navigates-away": Handler._navigates_away,
    "/navigated-here": Handler._navigated_here,
    "/navigates-forever": Handler._navigates_forever,
    "/huge-cookies": Handler._huge_cookies,
    "/gzip-bomb": Handler._gzip_bomb,
}

