"""The bundled demo site (a fictional commune) and a local server for it on 127.0.0.1.

robots.txt and sitemap.xml hold the placeholder `{base}`, replaced by the server's origin.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from ecoaudit.net.localserve import QuietHandler, served_folder

TEMPLATED_FILES = ("/robots.txt", "/sitemap.xml")


def demo_site_directory() -> Path:
    """Folder of the demo site's files inside the installed package."""
    return Path(str(resources.files("ecoaudit.demo").joinpath("site")))


class _DemoHandler(QuietHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer  # `served_folder`'s: a TCP server, bound to (host, port)

    def end_headers(self) -> None:
        # Static assets get a long cache lifetime, pages a short one: what a good site does.
        if self.path.endswith((".css", ".js", ".png", ".jpg", ".webp", ".gif", ".ttf", ".woff2")):
            self.send_header("Cache-Control", "public, max-age=31536000")
        else:
            self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path in TEMPLATED_FILES:
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
            return
        super().do_GET()


@contextmanager
def serve_demo_site(port: int = 0) -> Iterator[str]:
    """Serve the demo site on 127.0.0.1 (a free port by default); yields its base URL."""
    with served_folder(demo_site_directory(), _DemoHandler, port) as base:
        yield base + "/"
