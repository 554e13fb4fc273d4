"""Workers benchmark: pages per minute and CPU-seconds per page of a crawl queued for 1, 2 and 3
`ecoaudit worker` processes, against the same crawl run in-process (`ecoaudit crawl`).

    .venv/bin/python benchmarks/workers.py [--pages 120] [--workers 1,2,3] [--concurrency 4]
        [--waits 0.5] [--markdown FILE] [--json FILE]

1. Generates a municipal-looking site of N pages (sitegen.realistic_site) and serves it with a
   private nginx on 127.0.0.1 (a threaded Python server when nginx is missing).
2. Starts a private PostgreSQL and redis-server on 127.0.0.1 (tests/postgres_server.py,
   tests/redis_server.py), a fresh database for each point.
3. For each worker count W: starts W workers (each `--concurrency C`) under one measured process
   tree, queues `ecoaudit crawl --url START --max-pages N --wait`, and stops the workers when the
   run has ended. Pages per minute count from the queueing to the run's end; CPU is every process
   of the workers' tree (their Python, their Playwright drivers, their Chromiums) from /proc
   (process_tree.py), start-up included, divided by the pages measured.
4. The same crawl in-process, with `--concurrency W×C`, as the baseline.

Workers on one machine share its cores: pages per minute stop growing once the cores are busy.
CPU-seconds per page is what carries over to more machines: a machine with K cores gives about
K / (CPU-s per page) pages per second.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent),
                str(Path(__file__).resolve().parent.parent / "tests")]

from benchmarks.process_tree import cpu_table, run_measured  # noqa: E402
from benchmarks.serve import NginxServer, StaticServer  # noqa: E402
from benchmarks.sitegen import realistic_site  # noqa: E402

from postgres_server import PostgresServer  # noqa: E402
from redis_server import RedisServer  # noqa: E402

ECOAUDIT = str(Path(sys.executable).with_name("ecoaudit"))
CACHE = Path(__file__).resolve().parent / ".cache"
# Starts the workers, and stops them (SIGTERM, a warm shutdown) once the stop file exists.
LAUNCHER = """
import os, subprocess, sys, time
count, concurrency, ecoaudit, stop_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
workers = [subprocess.Popen([ecoaudit, "worker", "--concurrency", concurrency])
           for _ in range(count)]
while not os.path.exists(stop_file):
    time.sleep(0.2)
for worker in workers:
    worker.terminate()
for worker in workers:
    worker.wait()
"""


def serve(root: Path) -> NginxServer | StaticServer:
    """nginx when installed (as `make test` installs it), else Python's threaded server."""
    return NginxServer(root) if shutil.which("nginx") or Path("/usr/sbin/nginx").exists() else (
        StaticServer(root))


def crawl_args(start: str, pages: int, waits: float) -> list[str]:
    return ["crawl", "--url", start, "--max-pages", str(pages), "--no-report",
            "--wait-before", str(waits), "--wait-after", str(waits)]


def workers_point(count: int, concurrency: int, start: str, pages: int, waits: float,
                  postgres: PostgresServer, redis: RedisServer, logs: Path) -> dict:
    db = postgres.create_database(f"bench_{uuid.uuid4().hex[:10]}")
    env = dict(os.environ, ECOAUDIT_DB=db, ECOAUDIT_BROKER=redis.url)
    holder: dict = {}
    stop_file = logs / f"stop-{count}"
    stop_file.unlink(missing_ok=True)
    tree = threading.Thread(target=lambda: holder.update(usage=run_measured(
        [sys.executable, "-c", LAUNCHER, str(count), str(concurrency), ECOAUDIT,
         str(stop_file)], env=env, log_path=logs / f"workers-{count}.log")))
    tree.start()
    time.sleep(6)  # the workers start their browsers
    started = time.monotonic()
    done = subprocess.run([ECOAUDIT, *crawl_args(start, pages, waits),
                           "--concurrency", str(count * concurrency), "--wait"],
                          env=env, capture_output=True, text=True, timeout=3600)
    seconds = time.monotonic() - started
    stop_file.touch()
    tree.join(120)
    measured = _pages_measured(done.stdout)
    usage = holder["usage"]
    return {"workers": count, "concurrency": concurrency, "pages": measured,
            "seconds": round(seconds, 1), "pages_per_minute": round(60 * measured / seconds, 1),
            "cpu_seconds": round(usage.cpu_seconds, 1),
            "cpu_per_page": round(usage.cpu_seconds / max(measured, 1), 3),
            "cpu_by_kind": {kind: round(value, 1) for kind, value in usage.cpu_by_kind.items()},
            "table": cpu_table(usage, measured), "returncode": done.returncode}


def _pages_measured(summary: str) -> int:
    """The Pages column of the crawl summary's row."""
    for line in summary.splitlines():
        cells = [cell.strip() for cell in line.split("│") if cell.strip()]
        if len(cells) >= 4 and cells[1].isdigit() and cells[3].isdigit():
            return int(cells[3])
    raise SystemExit(f"no crawl summary in the output:\n{summary[-2000:]}")


def local_point(concurrency: int, start: str, pages: int, waits: float, logs: Path) -> dict:
    db = logs / f"local-{concurrency}.db"
    db.unlink(missing_ok=True)
    env = {key: value for key, value in os.environ.items() if key != "ECOAUDIT_BROKER"}
    log = logs / f"local-{concurrency}.log"
    usage = run_measured([ECOAUDIT, *crawl_args(start, pages, waits), "--concurrency",
                          str(concurrency), "--db", str(db)], env=env, log_path=log)
    measured = _pages_measured(log.read_text())
    return {"workers": 0, "concurrency": concurrency, "pages": measured,
            "seconds": round(usage.seconds, 1),
            "pages_per_minute": round(60 * measured / usage.seconds, 1),
            "cpu_seconds": round(usage.cpu_seconds, 1),
            "cpu_per_page": round(usage.cpu_seconds / max(measured, 1), 3),
            "cpu_by_kind": {kind: round(value, 1) for kind, value in usage.cpu_by_kind.items()},
            "table": cpu_table(usage, measured), "returncode": usage.returncode}


def markdown(points: list[dict], pages: int, waits: float) -> str:
    lines = [f"Site of {pages} pages, waits {waits} s + {waits} s, {os.cpu_count()} cores.", "",
             "| crawl | pages | seconds | pages/min | CPU-s | CPU-s / page |",
             "|---|---|---|---|---|---|"]
    for point in points:
        label = (f"{point['workers']} worker(s) × {point['concurrency']}" if point["workers"]
                 else f"in-process, concurrency {point['concurrency']}")
        lines.append(f"| {label} | {point['pages']} | {point['seconds']} | "
                     f"{point['pages_per_minute']} | {point['cpu_seconds']} | "
                     f"{point['cpu_per_page']} |")
    for point in points:
        label = f"{point['workers']} worker(s)" if point["workers"] else "in-process"
        lines += ["", f"CPU by process type, {label}:", "", point["table"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--waits", type=float, default=0.5)
    parser.add_argument("--markdown")
    parser.add_argument("--json")
    args = parser.parse_args()
    root = CACHE / f"workers-site-{args.pages}"
    if not root.exists():
        realistic_site(root, args.pages)
    logs = CACHE / "workers-logs"
    logs.mkdir(parents=True, exist_ok=True)
    postgres, redis = PostgresServer.start(), RedisServer.start()
    points = []
    try:
        with serve(root) as site:
            start = site.url("index.html")
            for count in (int(value) for value in args.workers.split(",")):
                points.append(workers_point(count, args.concurrency, start, args.pages,
                                            args.waits, postgres, redis, logs))
                print(json.dumps({k: v for k, v in points[-1].items() if k != "table"}))
            points.append(local_point(3 * args.concurrency, start, args.pages, args.waits,
                                      logs))
            print(json.dumps({k: v for k, v in points[-1].items() if k != "table"}))
    finally:
        redis.stop()
        postgres.stop()
    text = markdown(points, args.pages, args.waits)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(points, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
