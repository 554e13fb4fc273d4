"""A private, throwaway redis-server on 127.0.0.1 for tests, from Debian's package.

    server = RedisServer.start()     # raises RedisUnavailable when it cannot run here
    server.url                        # redis://127.0.0.1:PORT/0
    server.restart()                  # stop and start again on the same port (same data)
    server.stop()

The server saves its data in an append-only file in its own folder, so a restart keeps the
queued messages, as a production broker configured for it does (docs/scale.md).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_SECONDS = 15


class RedisUnavailable(Exception):
    """redis-server cannot run here; the message says why (used as the pytest skip reason)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RedisServer:
    binary: str
    folder: Path
    port: int
    process: subprocess.Popen | None = None

    @classmethod
    def start(cls) -> RedisServer:
        binary = shutil.which("redis-server") or (
            "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
        if binary is None:
            raise RedisUnavailable("redis-server not found (install Debian's redis-server "
                                   "package, as `make test` does)")
        server = cls(binary=binary, folder=Path(tempfile.mkdtemp(prefix="ecoaudit-redis-")),
                     port=_free_port())
        server._launch()
        return server

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _launch(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.folder), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--daemonize", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RedisUnavailable(f"redis-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RedisUnavailable("redis-server did not answer within "
                               f"{START_TIMEOUT_SECONDS} s")

    def kill(self) -> None:
        """Stop the server at once (its append-only file keeps what it held)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def restart(self, pause: float = 0.0) -> None:
        self.kill()
        time.sleep(pause)
        self._launch()

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
