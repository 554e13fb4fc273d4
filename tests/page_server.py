"""A local HTTP server for browser tests: routes to canned or scripted responses, on 127.0.0.1.

It counts the bytes it really sent for each path (status line, headers and body), so tests can
check the transfer sizes the browser reports against the server's own count.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Response:
    """A canned answer. `body` may be bytes or a callable returning bytes."""

    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    stall_after_headers: float = 0.0  # seconds to hang after the headers (never-ending body)


Route = Response | Callable[["Handler"], None]


class PageServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, routes: dict[str, Route]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = routes
        self.sent_bytes: dict[str, int] = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path


class _CountingWriter:
    def __init__(self, raw, on_write: Callable[[int], None]) -> None:
        self.raw, self.on_write = raw, on_write

    def write(self, data: bytes) -> int:
        written = self.raw.write(data)
        self.on_write(len(data))
        return written

    def flush(self) -> None:
        self.raw.flush()

    def __getattr__(self, name: str):
        return getattr(self.raw, name)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PageServer

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def setup(self) -> None:
        super().setup()
        self.wfile = _CountingWriter(self.wfile, self._count)

    def _count(self, size: int) -> None:
        path = getattr(self, "path", "?")
        with self.server.lock:
            self.server.sent_bytes[path] = self.server.sent_bytes.get(path, 0) + size

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
        route = self.server.routes.get(self.path) or self.server.routes.get(
            self.path.split("?")[0])
        if route is None:
            self.answer(Response(b"not found", status=404, content_type="text/plain"))
        elif callable(route):
            route(self)
        else:
            self.answer(route)

    def answer(self, response: Response) -> None:
        if response.delay:
            time.sleep(response.delay)
        body = response.body.encode() if isinstance(response.body, str) else response.body
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        if response.stall_after_headers:
            self.send_header("Content-Length", str(len(body) + 1_000_000))
        else:
            self.send_header("Content-Length", str(len(body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()
        if response.stall_after_headers:
            time.sleep(response.stall_after_headers)
            self.close_connection = True


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[PageServer]:
    """Serve `routes` on 127.0.0.1 (a free port) for the duration of the block."""
    server = PageServer(routes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
