"""A threaded HTTP server on 127.0.0.1 for crawl tests: canned answers, and a log of every request.

Routes map a path (with its query, or without: the exact path+query is tried first), optionally
prefixed by a method ("HEAD /a.pdf"), to (status, headers, body) or to a callable taking the
request path and returning that triple.
HEAD gets the headers of the GET answer without the body. Content-Length is added unless the
headers carry `NO_LENGTH` (the body then ends when the connection closes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Answer = tuple[int, dict[str, str], bytes | str]
Route = Answer | Callable[[str], Answer]
NO_LENGTH = "X-Test-No-Length"


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic() when the request arrived


class LocalHttpServer:
    """Use as `with LocalHttpServer(routes) as server:`; `server.url("/x")` is absolute."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self, method: str | None = None) -> list[str]:
        """Paths requested so far, in order (optionally only one method)."""
        with self._lock:
            return [r.path for r in self.requests if method is None or r.method == method]

    def __enter__(self) -> LocalHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, method: str, path: str, headers: dict[str, str]) -> Answer:
        with self._lock:
            self.requests.append(SeenRequest(method, path, headers, time.monotonic()))
        bare = urlsplit(path).path
        route = next(
            (self.routes[key] for key in (f"{method} {path}", f"{method} {bare}", path, bare)
             if key in self.routes),
            None,
        )
        if route is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        return route(path) if callable(route) else route


def _handler_for(owner: LocalHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            self._respond(send_body=True)

        def do_HEAD(self) -> None:
            self._respond(send_body=False)

        def _respond(self, send_body: bool) -> None:
            status, headers, body = owner._answer(self.command, self.path, dict(self.headers))
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            send_length = NO_LENGTH not in headers
            for name, value in headers.items():
                if name != NO_LENGTH:
                    self.send_header(name, value)
            if send_length and "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if send_body:
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
