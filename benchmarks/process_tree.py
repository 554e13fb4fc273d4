"""Run a command and measure its process tree from /proc (Linux): CPU per process type, memory.

    usage = run_measured(command, env=..., cwd=...)
    usage.seconds, usage.cpu_seconds, usage.cpu_by_kind, usage.peak_tree_pss_mb,
    usage.peak_main_rss_mb, usage.returncode, ...

CPU. Chromium's renderers are forked by its zygote and reaped by it, not by the command, so the
rusage of our children misses them. Instead /proc is read every 0.1 s: a process belongs to the
tree when its parent does, or when it is in the session of a member that leads its own session
(the command is started in a new session, and Playwright starts each browser in one: a process
orphaned and re-parented keeps its session). For each member the last utime + stime seen is kept
(a process is identified by pid and start time, so a reused pid is a new process), and the
processes are grouped by kind (see `kind_of`). What a process spends in its last 0.1 s is missed;
the rusage of reaped children is kept as a cross-check (`cpu_seconds_rusage`).

Memory, every 0.5 s: the peak of the tree's summed PSS (proportional set size: a shared page is
divided between the processes that map it, so Chromium's shared memory is not counted many
times), the peak summed RSS, and the peak RSS of the command's own process.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CPU_SAMPLE_SECONDS = 0.1
MEMORY_EVERY = 5  # memory is read every 5th CPU sample (0.5 s): smaps_rollup is costly
TICKS = os.sysconf("SC_CLK_TCK")

RENDERER, GPU, BROWSER, DRIVER, TOOL, OTHER = (
    "renderer", "gpu-process", "browser", "playwright driver", "python (tool)", "other")
# A process's command line can change after we first see it: a fork not yet exec'd shows its
# parent's (node's child about to become the browser, the browser's about to become a utility
# process), and a zygote's fresh child shows the zygote's until it renames itself a renderer.
# So the kind is read again during a process's first RECHECK_SAMPLES samples, and always for
# the kinds such a fork starts as.
RECHECK_SAMPLES = 20  # 2 s
PROVISIONAL = {"zygote", TOOL, OTHER}
KIND_ORDER = (RENDERER, GPU, "utility", "zygote", BROWSER, DRIVER, TOOL)


@dataclass
class Usage:
    returncode: int
    seconds: float
    cpu_seconds: float  # user + system of every process of the tree, from /proc
    cpu_by_kind: dict[str, float]  # the same, per kind of process
    processes_by_kind: dict[str, int]  # how many processes of each kind were seen
    cpu_seconds_rusage: float  # rusage of reaped children (misses zygote-reaped renderers)
    peak_main_rss_mb: float  # the command's own process
    peak_tree_rss_mb: float
    peak_tree_pss_mb: float
    peak_processes: int
    load_before: float  # 1-minute load average
    load_after: float


def kind_of(arguments: list[str], is_root: bool = False) -> str:
    """The kind of a process from its command line (`arguments` as in /proc/PID/cmdline).

    Chromium's children carry `--type=renderer`, `gpu-process`, `utility`, `zygote`...: that
    value is the kind. A Chromium executable without `--type=` is the browser process. Node (the
    Playwright driver) is the driver; a Python process is the tool itself.
    """
    if len(arguments) == 1:
        # Chromium rewrites its children's command line as one string (a process title).
        arguments = arguments[0].split()
    if not arguments:
        return OTHER
    for argument in arguments[1:]:
        if argument.startswith("--type="):
            return argument.split("=", 1)[1] or OTHER
    program = os.path.basename(arguments[0]).lower()
    if "chrom" in program or "headless" in program:
        return "crashpad" if "crashpad" in program else BROWSER
    if program == "node" or program.startswith("node") or any(
            "playwright" in argument and argument.endswith(("cli.js", "driver"))
            for argument in arguments[1:3]):
        return DRIVER
    if program.startswith("python") or is_root:
        return TOOL
    if any(os.path.basename(argument).startswith("python") for argument in arguments[:1]):
        return TOOL
    return OTHER


@dataclass
class _Process:
    kind: str
    ticks: int = 0
    samples: int = 0


class TreeSampler(threading.Thread):
    """Samples a process tree's CPU (every 0.1 s) and memory (every 0.5 s) until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.members: dict[tuple[int, int], _Process] = {}  # (pid, start time) -> process
        self.peak_main_rss_kb = 0
        self.peak_tree_rss_kb = 0
        self.peak_tree_pss_kb = 0
        self.peak_processes = 0
        self._halt = threading.Event()
        self._root_key: tuple[int, int] | None = None

    # -- /proc ---------------------------------------------------------------------------------

    @staticmethod
    def _stats() -> dict[int, tuple[int, int, int, int]]:
        """pid -> (parent pid, session id, utime + stime ticks, start time) of every process."""
        found = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    text = handle.read()
            except OSError:
                continue
            fields = text.rsplit(b")", 1)[1].split()
            # fields[0] is field 3 of stat(5): state; 4 ppid, 6 session, 14 utime, 15 stime,
            # 22 starttime.
            found[int(entry.name)] = (int(fields[1]), int(fields[3]),
                                      int(fields[11]) + int(fields[12]), int(fields[19]))
        return found

    @staticmethod
    def _arguments(pid: int) -> list[str]:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return []
        return [part.decode(errors="replace") for part in raw.split(b"\0") if part]

    @staticmethod
    def _kilobytes(path: str, name: bytes) -> int:
        try:
            with open(path, "rb") as handle:
                for line in handle:
                    if line.startswith(name):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return 0

    # -- sampling ------------------------------------------------------------------------------

    def sample(self, with_memory: bool) -> None:
        stats = self._stats()
        children: dict[int, list[int]] = {}
        for pid, (parent, _, _, _) in stats.items():
            children.setdefault(parent, []).append(pid)
        alive = [pid for pid, (_, _, _, start) in stats.items() if (pid, start) in self.members]
        if self.pid in stats and self._root_key is None:
            self._root_key = (self.pid, stats[self.pid][3])
            alive.append(self.pid)
        # Sessions led by a member (the command's own, each browser's): their processes belong.
        sessions = {pid for pid in alive if stats[pid][1] == pid}
        pending = list(alive)
        pending += [pid for pid, (_, session, _, _) in stats.items() if session in sessions]
        tree: set[int] = set()
        while pending:
            pid = pending.pop()
            if pid in tree or pid not in stats:
                continue
            tree.add(pid)
            pending.extend(children.get(pid, ()))
            if stats[pid][1] == pid and pid not in sessions:
                sessions.add(pid)
                pending += [other for other, (_, session, _, _) in stats.items()
                            if session == pid]
        for pid in tree:
            _, _, ticks, start = stats[pid]
            key = (pid, start)
            process = self.members.get(key)
            if (process is None or process.kind in PROVISIONAL
                    or process.samples < RECHECK_SAMPLES):
                arguments = self._arguments(pid)  # empty once a zombie: keep the kind then
                kind = kind_of(arguments, is_root=key == self._root_key)
                if process is None:
                    process = self.members[key] = _Process(kind)
                elif arguments:
                    process.kind = kind
            process.ticks = max(process.ticks, ticks)
            process.samples += 1
        self.peak_processes = max(self.peak_processes, len(tree))
        if with_memory:
            rss = {pid: self._kilobytes(f"/proc/{pid}/status", b"VmRSS:") for pid in tree}
            pss = sum(self._kilobytes(f"/proc/{pid}/smaps_rollup", b"Pss:") for pid in tree)
            self.peak_main_rss_kb = max(self.peak_main_rss_kb, rss.get(self.pid, 0))
            self.peak_tree_rss_kb = max(self.peak_tree_rss_kb, sum(rss.values()))
            self.peak_tree_pss_kb = max(self.peak_tree_pss_kb, pss)

    def run(self) -> None:
        count = 0
        while not self._halt.is_set():
            self.sample(with_memory=count % MEMORY_EVERY == 0)
            count += 1
            self._halt.wait(CPU_SAMPLE_SECONDS)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    # -- results -------------------------------------------------------------------------------

    def cpu_by_kind(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for process in self.members.values():
            totals[process.kind] = totals.get(process.kind, 0.0) + process.ticks / TICKS
        return dict(sorted(totals.items(), key=lambda item: _kind_rank(item[0])))

    def processes_by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for process in self.members.values():
            counts[process.kind] = counts.get(process.kind, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: _kind_rank(item[0])))


def _kind_rank(kind: str) -> tuple[int, str]:
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind)


def run_measured(
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    log_path: Path | None = None,
    timeout: float = 7200,
) -> Usage:
    """Run `command` to completion (in a new session), measuring its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115
    started = time.monotonic()
    try:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log,
                                   start_new_session=True)
        sampler = TreeSampler(process.pid)
        sampler.start()
        try:
            returncode = process.wait(timeout=timeout)
        except BaseException:
            os.killpg(process.pid, signal.SIGTERM)  # the session we started, and only it
            process.wait(timeout=30)
            raise
        finally:
            sampler.stop()
    finally:
        if log_path:
            log.close()
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    by_kind = sampler.cpu_by_kind()
    return Usage(
        returncode=returncode,
        seconds=seconds,
        cpu_seconds=sum(by_kind.values()),
        cpu_by_kind=by_kind,
        processes_by_kind=sampler.processes_by_kind(),
        cpu_seconds_rusage=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        peak_main_rss_mb=sampler.peak_main_rss_kb / 1024,
        peak_tree_rss_mb=sampler.peak_tree_rss_kb / 1024,
        peak_tree_pss_mb=sampler.peak_tree_pss_kb / 1024,
        peak_processes=sampler.peak_processes,
        load_before=load_before,
        load_after=os.getloadavg()[0],
    )


def cpu_table(usage: Usage, pages: int) -> str:
    """A Markdown table of CPU seconds per kind of process: total, per page, share."""
    lines = ["| process | processes | CPU-s | CPU-s / page | share |", "|---|---|---|---|---|"]
    total = usage.cpu_seconds or 1e-9
    for kind, seconds in usage.cpu_by_kind.items():
        lines.append(f"| {kind} | {usage.processes_by_kind.get(kind, 0)} | {seconds:.1f} "
                     f"| {seconds / max(pages, 1):.3f} | {seconds / total:.0%} |")
    lines.append(f"| **total** | {sum(usage.processes_by_kind.values())} "
                 f"| {usage.cpu_seconds:.1f} | {usage.cpu_seconds / max(pages, 1):.3f} | 100% |")
    return "\n".join(lines)


def overhead_share(usage: Usage) -> float:
    """(the tool's Python + the Playwright driver) / the whole tree's CPU."""
    own = usage.cpu_by_kind.get(TOOL, 0.0) + usage.cpu_by_kind.get(DRIVER, 0.0)
    return own / usage.cpu_seconds if usage.cpu_seconds else 0.0
