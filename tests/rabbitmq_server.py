"""A private, throwaway RabbitMQ node on 127.0.0.1 for tests, from Debian's rabbitmq-server.

    server = RabbitServer.start()     # raises RabbitUnavailable when it cannot run here
    server.url                         # amqp://guest:guest@127.0.0.1:PORT//
    server.stop()
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_SECONDS = 60


class RabbitUnavailable(Exception):
    """rabbitmq-server cannot run here (the pytest skip reason)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RabbitServer:
    folder: Path
    port: int
    process: subprocess.Popen
    name: str = ""

    @classmethod
    def start(cls) -> RabbitServer:
        binary = shutil.which("rabbitmq-server") or "/usr/sbin/rabbitmq-server"
        if not Path(binary).exists():
            raise RabbitUnavailable("rabbitmq-server not found (Debian's rabbitmq-server)")
        folder = Path(tempfile.mkdtemp(prefix="ecoaudit-rabbit-"))
        with contextlib.suppress(LookupError, PermissionError):
            shutil.chown(folder, user="rabbitmq", group="rabbitmq")
        port = _free_port()
        name = f"ecoaudit{uuid.uuid4().hex[:8]}@localhost"
        env = dict(os.environ, RABBITMQ_NODE_PORT=str(port), RABBITMQ_NODENAME=name,
                   RABBITMQ_NODE_IP_ADDRESS="127.0.0.1", RABBITMQ_DIST_PORT=str(_free_port()),
                   RABBITMQ_MNESIA_BASE=str(folder / "mnesia"),
                   RABBITMQ_LOG_BASE=str(folder / "log"))
        process = subprocess.Popen([binary], env=env, cwd=folder, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        server = cls(folder, port, process, name)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                server.stop()
                raise RabbitUnavailable(f"rabbitmq-server exited with {process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return server
            except OSError:
                time.sleep(0.5)
        server.stop()
        raise RabbitUnavailable(f"rabbitmq-server did not listen within {START_TIMEOUT_SECONDS} s")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def stop(self) -> None:
        """Stop the node: the Erlang VM leaves the script's session (it runs as the rabbitmq
        user), so its processes are found by the node name in their environment."""
        for number in (signal.SIGTERM, signal.SIGKILL):
            for pid in [self.process.pid, *self._node_pids()]:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, number)
            deadline = time.monotonic() + 20
            while self._node_pids() and time.monotonic() < deadline:
                time.sleep(0.2)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _node_pids(self) -> list[int]:
        marker = f"RABBITMQ_NODENAME={self.name}".encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if marker in (entry / "environ").read_bytes().split(b"\0"):
                        pids.append(int(entry.name))
        return pids
