"""Run a command and sample the memory of its whole process tree (Linux /proc), for benchmarks.

    usage = run_measured(command, env=..., cwd=...)
    usage.seconds, usage.peak_tree_pss_mb, usage.peak_tree_rss_mb, usage.peak_main_rss_mb,
    usage.cpu_seconds, usage.returncode

PSS (proportional set size) shares each shared page between the processes that map it, so the
tree's PSS sum is its real footprint; the RSS sum counts shared pages (Chromium's) many times.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.5


@dataclass
class Usage:
    returncode: int
    seconds: float
    cpu_seconds: float  # user + system of the whole tree
    peak_main_rss_mb: float  # the command's own process
    peak_tree_rss_mb: float
    peak_tree_pss_mb: float
    peak_processes: int
    load_before: float  # 1-minute load average
    load_after: float


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def tree_of(pid: int) -> list[int]:
    children = _children_map()
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def _kilobytes(path: str, field: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples RSS and PSS of a process tree until stopped; keeps the peaks."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_main_rss_kb = 0
        self.peak_tree_rss_kb = 0
        self.peak_tree_pss_kb = 0
        self.peak_processes = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            pids = tree_of(self.pid)
            rss = {pid: _kilobytes(f"/proc/{pid}/status", "VmRSS:") for pid in pids}
            pss = sum(_kilobytes(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
            self.peak_main_rss_kb = max(self.peak_main_rss_kb, rss.get(self.pid, 0))
            self.peak_tree_rss_kb = max(self.peak_tree_rss_kb, sum(rss.values()))
            self.peak_tree_pss_kb = max(self.peak_tree_pss_kb, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self._halt.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def run_measured(
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    log_path: Path | None = None,
    timeout: float = 7200,
) -> Usage:
    """Run `command` to completion, sampling its process tree's memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115
    started = time.monotonic()
    try:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log)
        sampler = TreeSampler(process.pid)
        sampler.start()
        try:
            returncode = process.wait(timeout=timeout)
        finally:
            sampler.stop()
    finally:
        if log_path:
            log.close()
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Usage(
        returncode=returncode,
        seconds=seconds,
        cpu_seconds=cpu,
        peak_main_rss_mb=sampler.peak_main_rss_kb / 1024,
        peak_tree_rss_mb=sampler.peak_tree_rss_kb / 1024,
        peak_tree_pss_mb=sampler.peak_tree_pss_kb / 1024,
        peak_processes=sampler.peak_processes,
        load_before=load_before,
        load_after=os.getloadavg()[0],
    )
