"""Serve a directory on 127.0.0.1 for the benchmarks: a Python thread, or a private nginx.

    with StaticServer(root, redirects={"/old.html": "/new.html"}) as server:
        server.url("index.html")

    with NginxServer(root) as server:   # Debian's /usr/sbin/nginx, own config, free port
        server.url("index.html")

Both answer 301 for the paths in `redirects`, and replace the `{base}` placeholder of
sitemap.xml and robots.txt with their own origin (the demo site's convention).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import ClassVar

PLACEHOLDER_FILES = ("sitemap.xml", "robots.txt")
NGINX = "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler(http.server.SimpleHTTPRequestHandler):
    redirects: ClassVar[dict[str, str]] = {}
    base: str = ""

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in self.redirects:
            self.send_response(301)
            self.send_header("Location", self.redirects[path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path.lstrip("/") in PLACEHOLDER_FILES:
            target = Path(self.directory) / path.lstrip("/")
            if target.is_file():
                body = target.read_text(encoding="utf-8").replace("{base}", self.base).encode()
                self.send_response(200)
                kind = "application/xml" if path.endswith(".xml") else "text/plain"
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
        super().do_GET()


class StaticServer:
    """A threaded http.server on 127.0.0.1 and a free port, serving `root`."""

    def __init__(self, root: Path, redirects: dict[str, str] | None = None) -> None:
        self.root = Path(root)
        self.redirects = dict(redirects or {})
        self.port = 0
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def __enter__(self) -> StaticServer:
        handler = type("Handler", (_Handler,), {"redirects": self.redirects})
        self._server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(self.root))
        )
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        handler.base = self.base
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


NGINX_CONFIG = """\
daemon off;
worker_processes {workers};
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30;
    gzip on;
    gzip_types text/css application/javascript image/svg+xml application/json;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
        etag on;
        location ~* \\.(css|js|png|jpg|jpeg|gif|webp|svg|woff2|ttf)$ {{
            expires 7d;
        }}
{redirects}
        sub_filter_types *;
        location = /sitemap.xml {{ sub_filter '{{base}}' 'http://127.0.0.1:{port}';
            sub_filter_once off; }}
        location = /robots.txt {{ sub_filter '{{base}}' 'http://127.0.0.1:{port}';
            sub_filter_once off; }}
    }}
}}
"""


class NginxServer:
    """A private nginx (own config, temp dirs and free port) serving `root` on 127.0.0.1."""

    def __init__(
        self, root: Path, redirects: dict[str, str] | None = None, workers: int = 1
    ) -> None:
        self.root = Path(root).resolve()
        self.redirects = dict(redirects or {})
        self.workers = workers
        self.port = 0
        self._work: Path | None = None
        self._process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def __enter__(self) -> NginxServer:
        self._work = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        self.port = free_port()
        redirects = "\n".join(
            f"        location = {source} {{ return 301 {target}; }}"
            for source, target in self.redirects.items()
        )
        config = NGINX_CONFIG.format(
            workers=self.workers, work=self._work, port=self.port, root=self.root,
            redirects=redirects,
        )
        config_path = self._work / "nginx.conf"
        config_path.write_text(config)
        self._process = subprocess.Popen(
            [NGINX, "-c", str(config_path), "-p", str(self._work), "-e", str(self._work / "e.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"nginx failed: {self._process.stderr.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start listening within 10 s")

    def __exit__(self, *exc: object) -> None:
        if self._process:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        if self._work:
            shutil.rmtree(self._work, ignore_errors=True)
