"""A private, throwaway nginx on 127.0.0.1 for tests: compression, cache headers and HTTP/2.

    server = NginxServer.start(root, extra_config=...)   # NginxUnavailable: not installed
    server.url("/pages/a.html")                  # http://127.0.0.1:P1/...   HTTP/1.1, plain
    server.url("/pages/a.html", "tls-http1")     # https://127.0.0.1:P2/... HTTP/1.1 over TLS
    server.url("/pages/a.html", "h2")            # https://127.0.0.1:P3/... HTTP/2 over TLS
    server.responses()                           # what nginx logged as sent, byte for byte
    server.stop()

The three servers share one document root and these locations:

    /static/   gzip on for text types, `expires 7d` (Expires and Cache-Control: max-age)
    /raw/      gzip off, `expires 7d`
    /nocache/  gzip on, no Expires nor Cache-Control
    /          gzip on, no cache headers (the pages)

`extra_config` is inserted in each server block (site-specific locations: redirects, cookies).
The TLS certificate is self-signed, made at start with `openssl` for 127.0.0.1 and localhost:
browsers must be told to accept it. Everything lives in a temporary folder removed by `stop`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_SECONDS = 15
PORT_KINDS = ("http", "tls-http1", "h2")

MIME_TYPES = """
    types {
        text/html html;
        text/css css;
        application/javascript js;
        application/json json;
        image/svg+xml svg;
        image/webp webp;
        image/jpeg jpg jpeg;
        image/png png;
        image/gif gif;
        audio/wav wav;
        font/ttf ttf;
        font/woff2 woff2;
    }
    default_type application/octet-stream;
"""
GZIP_TYPES = "text/css application/javascript application/json image/svg+xml text/plain"
# One line per response: enough to compare with what the browser recorded.
LOG_FORMAT = "$server_port $status $bytes_sent $body_bytes_sent $server_protocol $request_uri"


class NginxUnavailable(Exception):
    """nginx is not installed; the message says so (used as the pytest skip reason)."""


class NginxFailed(RuntimeError):
    """nginx is installed but did not start; the message gives its error log."""


@dataclass(frozen=True)
class LoggedResponse:
    """One response as nginx logged it."""

    port: int
    status: int
    bytes_sent: int  # status line, headers and body (chunk framing included), as sent
    body_bytes_sent: int
    protocol: str  # "HTTP/1.1", "HTTP/2.0"
    uri: str  # path and query, as requested


def find_nginx() -> str | None:
    """Path of the nginx binary (PATH, then Debian's /usr/sbin/nginx), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid two days."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise NginxFailed("openssl is not installed (needed for the test certificate)")
    certificate, key = folder / "cert.pem", folder / "key.pem"
    result = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(certificate), "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        capture_output=True, text=True, timeout=30,
    )
    if result.returncode != 0:
        raise NginxFailed(f"openssl could not make a certificate: {result.stderr[-300:]}")
    return certificate, key


def _locations(root: Path) -> str:
    return f"""
        root {root};
        location /static/ {{ expires 7d; }}
        location /raw/ {{ gzip off; expires 7d; }}
        location /nocache/ {{ }}
"""


def _configuration(folder: Path, root: Path, ports: dict[str, int], certificate: Path,
                   key: Path, extra_config: str) -> str:
    user = "user root root;\n" if os.geteuid() == 0 else ""
    tls = f"ssl_certificate {certificate};\n        ssl_certificate_key {key};"
    servers = {
        "http": f"listen 127.0.0.1:{ports['http']};",
        "tls-http1": f"listen 127.0.0.1:{ports['tls-http1']} ssl;\n        {tls}",
        "h2": f"listen 127.0.0.1:{ports['h2']} ssl http2;\n        {tls}",
    }
    blocks = "".join(
        f"""
    server {{
        {listen}
        server_name _;
        {_locations(root)}
        {extra_config}
    }}
""" for listen in servers.values())
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    return f"""{user}worker_processes 1;
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    {MIME_TYPES}
    log_format ecoaudit '{LOG_FORMAT}';
    access_log {folder / "access.log"} ecoaudit;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    sendfile on;
    keepalive_timeout 30;
    gzip on;
    gzip_min_length 20;
    gzip_types {GZIP_TYPES};
    gzip_vary on;
{blocks}
}}
"""


@dataclass
class NginxServer:
    """A running private nginx; see the module docstring."""

    folder: Path
    root: Path
    ports: dict[str, int]
    process: subprocess.Popen

    @classmethod
    def start(cls, root: Path, *, extra_config: str = "") -> NginxServer:
        """Start nginx serving `root` on three free ports of 127.0.0.1."""
        binary = find_nginx()
        if binary is None:
            raise NginxUnavailable("nginx is not installed (install Debian's nginx package, "
                                   "as `make test` does through scripts/ensure-test-services.sh)")
        folder = Path(tempfile.mkdtemp(prefix="ecoaudit-nginx-"))
        try:
            certificate, key = _make_certificate(folder)
            for _ in range(3):  # another process may take a free port before nginx binds it
                server = cls._launch(binary, folder, Path(root).resolve(), certificate, key,
                                     extra_config)
                if server is not None:
                    return server
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        error = (folder / "error.log").read_text(errors="replace")[-500:] if (
            folder / "error.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise NginxFailed(f"nginx did not start: {error.strip() or 'no error logged'}")

    @classmethod
    def _launch(cls, binary: str, folder: Path, root: Path, certificate: Path, key: Path,
                extra_config: str) -> NginxServer | None:
        ports = {kind: _free_port() for kind in PORT_KINDS}
        configuration = folder / "nginx.conf"
        configuration.write_text(
            _configuration(folder, root, ports, certificate, key, extra_config), encoding="utf-8"
        )
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / name).mkdir(exist_ok=True)
        process = subprocess.Popen(
            [binary, "-p", str(folder), "-c", str(configuration), "-e", str(folder / "error.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        server = cls(folder=folder, root=root, ports=ports, process=process)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = process.stderr.read().decode(errors="replace") if process.stderr else ""
                log = folder / "error.log"
                output += log.read_text(errors="replace") if log.exists() else ""
                if "Address already in use" in output:
                    log.unlink(missing_ok=True)
                    return None
                raise NginxFailed(f"nginx exited at start: {output.strip()[-500:]}")
            if all(_accepts(port) for port in ports.values()):
                return server
            time.sleep(0.05)
        server._terminate()
        raise NginxFailed(f"nginx did not listen within {START_TIMEOUT_SECONDS} s")

    def url(self, path: str, kind: str = "http", *, host: str = "127.0.0.1") -> str:
        """URL of `path` on one of the servers: "http", "tls-http1" or "h2"."""
        scheme = "http" if kind == "http" else "https"
        return f"{scheme}://{host}:{self.ports[kind]}{path}"

    def responses(self) -> list[LoggedResponse]:
        """Every response logged so far, in the order nginx finished them."""
        log = self.folder / "access.log"
        if not log.exists():
            return []
        found = []
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            port, status, sent, body, protocol, uri = line.split(" ", 5)
            found.append(LoggedResponse(int(port), int(status), int(sent), int(body), protocol,
                                        uri))
        return found

    def _terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stderr:
            self.process.stderr.close()

    def stop(self) -> None:
        """Stop nginx and delete its folder (configuration, certificate, logs)."""
        with contextlib.suppress(OSError):
            self._terminate()
        shutil.rmtree(self.folder, ignore_errors=True)


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0
