"""Serving a local folder on 127.0.0.1 (the demo site, generated reports) for the browser."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class QuietHandler(SimpleHTTPRequestHandler):
    """A static file handler that does not log every request to the terminal."""

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def served_folder(folder: Path, handler: type[SimpleHTTPRequestHandler] = QuietHandler,
                  port: int = 0) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a free port by default); yields the base URL, no slash."""
    server = ThreadingHTTPServer(("127.0.0.1", port),
                                 functools.partial(handler, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
