"""A private, throwaway PostgreSQL server on 127.0.0.1 for tests, from Debian's binaries.

    server = PostgresServer.start()          # raises PostgresUnavailable when it cannot run here
    url = server.create_database("t1")       # postgresql+psycopg://ecoaudit@127.0.0.1:PORT/t1
    server.stop()

PostgreSQL refuses to run as root: as root, the binaries run as the `postgres` system user
(`runuser -u postgres --`) in a temporary folder that user owns. The server trusts local
connections only, has fsync off (test data), and is removed when stopped.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

SUPERUSER = "ecoaudit"
START_TIMEOUT_SECONDS = 30

# Run in a separate process: when the test process dies without stopping the server (killed,
# interrupted), stop the server and delete its folder, so no PostgreSQL is left running.
WATCHDOG = """
import os, shutil, subprocess, sys, time
parent, folder, stop_command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
while True:
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    time.sleep(1)
subprocess.run(stop_command, capture_output=True, timeout=60)
shutil.rmtree(folder, ignore_errors=True)
"""


class PostgresUnavailable(Exception):
    """PostgreSQL cannot run here; the message says why (used as the pytest skip reason)."""


def find_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name)
        if Path(path).parent.parent.name.isdigit() else 0,
    )
    for initdb in reversed(candidates):
        bin_dir = Path(initdb).parent
        if (bin_dir / "pg_ctl").exists():
            return bin_dir
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: Path
    folder: Path
    port: int
    run_as: list[str]
    watchdog: subprocess.Popen | None = None

    @classmethod
    def start(cls) -> PostgresServer:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise PostgresUnavailable(
                "PostgreSQL binaries not found in /usr/lib/postgresql/*/bin "
                "(install Debian's postgresql package, as `make test` does)"
            )
        run_as: list[str] = []
        folder = Path(tempfile.mkdtemp(prefix="ecoaudit-pg-"))
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                shutil.rmtree(folder, ignore_errors=True)
                raise PostgresUnavailable("running as root and runuser is missing")
            try:
                shutil.chown(folder, user="postgres", group="postgres")
            except LookupError:
                shutil.rmtree(folder, ignore_errors=True)
                raise PostgresUnavailable(
                    "running as root and there is no postgres system user"
                ) from None
            run_as = ["runuser", "-u", "postgres", "--"]
        server = cls(bin_dir=bin_dir, folder=folder, port=0, run_as=run_as)
        try:
            server._init()
            server._launch()
        except BaseException:
            server.stop()
            raise
        server._start_watchdog()
        return server

    def _stop_command(self) -> list[str]:
        return [*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m",
                "fast", "-w", "-t", "20", "stop"]

    def _start_watchdog(self) -> None:
        self.watchdog = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG, str(os.getpid()), str(self.folder),
             *self._stop_command()],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str, timeout: float = START_TIMEOUT_SECONDS) -> None:
        command = [*self.run_as, *args]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.folder
        )
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"{Path(args[0]).name} failed: {(result.stderr or result.stdout).strip()[-500:]}"
            )

    def _init(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
            "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync",
        )

    def _launch(self) -> None:
        last_error: PostgresUnavailable | None = None
        for _ in range(3):  # another process may take the free port before we bind it
            self.port = free_port()
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            try:
                self._run(
                    str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", options,
                    "-l", str(self.folder / "server.log"), "-w",
                    "-t", str(START_TIMEOUT_SECONDS), "start",
                    timeout=START_TIMEOUT_SECONDS + 10,
                )
                return
            except PostgresUnavailable as error:
                last_error = error
        raise last_error or PostgresUnavailable("pg_ctl start failed")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (if it started) and delete its folder."""
        if self.port and (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(PostgresUnavailable, subprocess.TimeoutExpired):
                self._run(*self._stop_command()[len(self.run_as):])
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.watchdog is not None:
            self.watchdog.kill()
            self.watchdog.wait(10)
            self.watchdog = None
