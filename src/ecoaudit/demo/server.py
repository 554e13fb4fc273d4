"""The bundled demo site (a fictional commune) and a local server for it on 127.0.0.1.

robots.txt and sitemap.xml hold the placeholder `{base}`, replaced by the server's origin. The
server also answers the site's dynamic pages (`dynamic.py`: the search, the démarche in several
steps, the espace agents behind a login), keeps their sessions in memory and logs every request
(`serve_demo`).
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from http.server import ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

from ecoaudit.demo.dynamic import SESSION_COOKIE, DynamicSite, Request, Response, SessionStore
from ecoaudit.net.localserve import QuietHandler, served_folder

TEMPLATED_FILES = ("/robots.txt", "/sitemap.xml")
MAX_LOGGED_REQUESTS = 100_000
MAX_FORM_BYTES = 64 * 1024


def demo_site_directory() -> Path:
    """Folder of the demo site's files inside the installed package."""
    return Path(str(resources.files("ecoaudit.demo").joinpath("site")))


def demo_journeys_directory() -> Path:
    """Folder of the demo site's journey files (TOML) inside the installed package."""
    return Path(str(resources.files("ecoaudit.demo").joinpath("journeys")))


@dataclass(frozen=True)
class LoggedRequest:
    """One request the demo server answered."""

    time: float  # time.time() when the answer started
    method: str
    path: str  # with its query
    status: int
    session: str | None  # the session cookie the request carried


class RequestLog:
    """The last `limit` requests, appended to from the server's threads."""

    def __init__(self, limit: int = MAX_LOGGED_REQUESTS) -> None:
        self.entries: list[LoggedRequest] = []
        self._limit = limit
        self._lock = threading.Lock()

    def add(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.entries.append(entry)
            if len(self.entries) > self._limit:
                del self.entries[: len(self.entries) - self._limit]


@dataclass
class DemoServer:
    """A running demo server: its base URL (ending with "/"), its requests so far, its sessions."""

    base_url: str
    requests: list[LoggedRequest]
    _sessions: SessionStore = field(repr=False)

    def expire_sessions(self) -> None:
        """Forget every session, as if they had all expired."""
        self._sessions.clear()


class _DemoHandler(QuietHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer  # `served_folder`'s: a TCP server, bound to (host, port)
    dynamic: ClassVar[DynamicSite]  # set by `serve_demo` on a subclass, one per server
    request_log: ClassVar[RequestLog]
    no_store = False  # set for a dynamic answer

    def end_headers(self) -> None:
        # Static assets get a long cache lifetime, pages a short one: what a good site does.
        if self.no_store:
            self.send_header("Cache-Control", "no-store")
        elif self.path.endswith((".css", ".js", ".png", ".jpg", ".webp", ".gif", ".ttf",
                                 ".woff2")):
            self.send_header("Cache-Control", "public, max-age=31536000")
        else:
            self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Also called for the errors answered before the request line is parsed.
        entry = LoggedRequest(time.time(), getattr(self, "command", None) or "",
                              getattr(self, "path", ""), code if isinstance(code, int) else 0,
                              self._session_cookie())
        self.request_log.add(entry)

    def do_GET(self) -> None:
        self.no_store = False
        path = self.path.split("?")[0]
        if self.dynamic.handles(path):
            self._answer_dynamically("GET", path)
        elif path in TEMPLATED_FILES:
            self._answer_templated(path)
        else:
            super().do_GET()

    def do_HEAD(self) -> None:
        self.no_store = False
        path = self.path.split("?")[0]
        if self.dynamic.handles(path):
            self._answer_dynamically("GET", path, with_body=False)
        else:
            super().do_HEAD()

    def do_POST(self) -> None:
        self.no_store = False
        path = self.path.split("?")[0]
        if not self.dynamic.handles(path):
            self.close_connection = True  # its body is left unread
            self.send_error(405, "The demo site's files are read with GET")
            return
        form = self._read_form()
        if form is not None:
            self._answer_dynamically("POST", path, form)

    def _answer_templated(self, path: str) -> None:
        host, port = self.server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET socket's bound address is (str, int)
        base = f"http://{host}:{port}"
        text = (Path(self.directory) / path.lstrip("/")).read_text(encoding="utf-8")
        body = text.replace("{base}", base).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(path)[0] or "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer_dynamically(self, method: str, path: str, form: dict[str, str] | None = None,
                            *, with_body: bool = True) -> None:
        query = urlsplit(self.path).query
        request = Request(method, path, _first_values(query), form or {}, self._session_cookie())
        self._send(self.dynamic.respond(request), with_body)

    def _send(self, response: Response, with_body: bool) -> None:
        self.no_store = True
        self.send_response(response.status)
        if response.body:
            self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(response.body)))
        if response.location:
            self.send_header("Location", response.location)
        if response.allow:
            self.send_header("Allow", response.allow)
        cookie = response.set_cookie_header()
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)

    def _read_form(self) -> dict[str, str] | None:
        """The POST's urlencoded fields; None once an error is answered."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_FORM_BYTES:
            self.close_connection = True  # the body, if any, is left unread
            self.send_error(413 if length > 0 else 400, "A form of at most 64 KiB is expected")
            return None
        return _first_values(self.rfile.read(length).decode("utf-8", "replace"))

    def _session_cookie(self) -> str | None:
        headers = getattr(self, "headers", None)
        if headers is None:
            return None
        try:
            morsel = SimpleCookie(headers.get("Cookie", "")).get(SESSION_COOKIE)
        except CookieError:
            return None
        return morsel.value if morsel is not None else None


def _first_values(urlencoded: str) -> dict[str, str]:
    """The fields of a query string or form body, the first value of each."""
    return {name: values[0]
            for name, values in parse_qs(urlencoded, keep_blank_values=True).items()}


def _bound_handler(dynamic: DynamicSite, request_log: RequestLog) -> type[_DemoHandler]:
    """A handler class for one server: its dynamic pages and its request log."""

    class BoundHandler(_DemoHandler):
        pass

    BoundHandler.dynamic = dynamic
    BoundHandler.request_log = request_log
    return BoundHandler


@contextmanager
def serve_demo(port: int = 0, *, session_seconds: float = 3600.0) -> Iterator[DemoServer]:
    """Serve the demo site, its dynamic pages included, on 127.0.0.1 (a free port by default).

    A session is forgotten `session_seconds` after its last request.
    """
    site = demo_site_directory()
    sessions = SessionStore(session_seconds)
    request_log = RequestLog()
    handler = _bound_handler(DynamicSite(site, sessions), request_log)
    with served_folder(site, handler, port) as base:
        yield DemoServer(base + "/", request_log.entries, sessions)


@contextmanager
def serve_demo_site(port: int = 0) -> Iterator[str]:
    """Serve the demo site on 127.0.0.1 (a free port by default); yields its base URL."""
    with serve_demo(port) as server:
        yield server.base_url
