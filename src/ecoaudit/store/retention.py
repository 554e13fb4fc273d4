"""Retention: `ecoaudit db prune --keep-captures 90d --keep-runs 5y`.

- Runs older than `keep_captures` lose their full captures (the `captures` rows) and the
  per-resource evidence inside their findings (`pages.findings[*].evidence`, and the site-scope
  findings'); every page keeps its figures (EcoIndex, grade, weight, requests, nodes, CO2) and
  its findings summary (rule, status, severity, value, threshold, bytes to save) forever, so the
  trends and the yearly key figures never change. The run records when (`captures_pruned_at`).
- Runs older than `keep_runs` are deleted whole.
- Never touched: a run in progress, and each site's newest run and newest completed run (what
  the reports show in detail, what `crawl --resume` and `check --baseline latest` need).

Each run is pruned in its own transaction: an interruption leaves every run either pruned or
not. Then SQLite is compacted (`VACUUM`, when the disk has room for it) or PostgreSQL vacuumed,
and the space freed is measured.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ecoaudit.store.database import is_sqlite, retry_on_lock, sqlite_connection, writer
from ecoaudit.store.durations import Duration
from ecoaudit.store.errors import RunNotFound
from ecoaudit.store.failures import translate
from ecoaudit.store.models import Document, Duplicate, Finding, Page, Run, StoredCapture
from ecoaudit.store.repository import Store
from ecoaudit.store.sqlite_file import size_on_disk

T = TypeVar("T")


@dataclass
class PruneResult:
    """What a prune removed (or, with `dry_run`, would remove) and the space it freed."""

    dry_run: bool
    captures_before: str | None  # runs started before this lose their captures
    runs_before: str | None  # runs started before this are deleted
    runs_deleted: int = 0
    pages_deleted: int = 0
    runs_pruned: int = 0  # runs whose captures and evidence were removed
    captures_deleted: int = 0
    capture_bytes: int = 0  # compressed bytes of the captures removed
    evidence_bytes: int = 0  # bytes of per-resource evidence removed from the findings
    protected_runs: list[int] = field(default_factory=list)
    size_before: int | None = None
    size_after: int | None = None
    compacted: bool = False
    note: str | None = None

    @property
    def freed_bytes(self) -> int | None:
        if self.size_before is None or self.size_after is None:
            return None
        return max(0, self.size_before - self.size_after)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"freed_bytes": self.freed_bytes}


def prune(store: Store, *, keep_captures: Duration | None = None,
          keep_runs: Duration | None = None, compact: bool = True, dry_run: bool = False,
          now: datetime | None = None) -> PruneResult:
    """Apply retention to `store` (see the module's docstring); `compact=False` skips VACUUM
    (the space freed is then reused by new runs instead of being given back to the disk)."""
    now = now or datetime.now(UTC)
    captures_cutoff = keep_captures.cutoff(now) if keep_captures else None
    runs_cutoff = keep_runs.cutoff(now) if keep_runs else None
    result = PruneResult(
        dry_run=dry_run,
        captures_before=captures_cutoff.isoformat(timespec="seconds") if captures_cutoff else None,
        runs_before=runs_cutoff.isoformat(timespec="seconds") if runs_cutoff else None,
        size_before=database_size(store),
    )
    runs = _guard(store, lambda: _runs(store))
    protected = _protected(runs)
    result.protected_runs = sorted(protected)
    doomed = [run for run in runs if runs_cutoff and run["started_at"] < runs_cutoff
              and run["id"] not in protected]
    doomed_ids = {run["id"] for run in doomed}
    to_prune = [run for run in runs if captures_cutoff and run["started_at"] < captures_cutoff
                and run["id"] not in protected and run["id"] not in doomed_ids
                and run["captures_pruned_at"] is None]
    for run in doomed:
        result.pages_deleted += _guard(store, partial(_delete_run, store, run["id"], dry_run))
        result.runs_deleted += 1
    for run in to_prune:
        captures, capture_bytes, evidence_bytes = _guard(
            store, partial(_prune_run, store, run["id"], now, dry_run))
        result.runs_pruned += 1
        result.captures_deleted += captures
        result.capture_bytes += capture_bytes
        result.evidence_bytes += evidence_bytes
    if not dry_run and (doomed or to_prune):
        if compact:
            result.compacted, result.note = _guard(store, lambda: _compact(store))
        result.size_after = database_size(store)
    else:
        result.size_after = result.size_before
    return result


def database_size(store: Store) -> int | None:
    """Bytes the database takes: the SQLite file and its journal, or PostgreSQL's size."""
    if is_sqlite(store.engine):
        database = store.engine.url.database
        return size_on_disk(Path(database)) if database and database != ":memory:" else None
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as connection:
            return int(connection.execute(
                sa.text("SELECT pg_database_size(current_database())")).scalar_one())
    return None


def strip_evidence(findings: Any) -> tuple[Any, int]:
    """Findings without their per-resource evidence, and the JSON bytes removed. Every other
    key (status, value, threshold, bytes to save, ...) is kept as it was."""
    if not isinstance(findings, list):
        return findings, 0
    removed = 0
    kept = []
    for finding in findings:
        if isinstance(finding, dict) and finding.get("evidence"):
            removed += len(_json_size(finding["evidence"]))
            finding = {**finding, "evidence": []}
        kept.append(finding)
    return kept, removed


def _json_size(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _guard(store: Store, call: Callable[[], T]) -> T:
    try:
        return call()
    except DBAPIError as error:
        storage = translate(error, store.url)
        if storage is None:
            raise
        raise storage from None


def _runs(store: Store) -> list[dict[str, Any]]:
    with Session(store.engine) as session:
        rows = session.execute(
            sa.select(Run.id, Run.site_id, Run.status, Run.started_at, Run.captures_pruned_at)
            .order_by(Run.started_at, Run.id)
        ).all()
    return [row._asdict() for row in rows]


def _protected(runs: list[dict[str, Any]]) -> set[int]:
    """Runs in progress, and each site's newest run and newest completed run."""
    protected = {run["id"] for run in runs if run["status"] == "running"}
    newest: dict[int, int] = {}
    newest_completed: dict[int, int] = {}
    for run in runs:  # oldest first: the last one seen wins
        newest[run["site_id"]] = run["id"]
        if run["status"] == "completed":
            newest_completed[run["site_id"]] = run["id"]
    return protected | set(newest.values()) | set(newest_completed.values())


def _in_transaction(store: Store, action: Callable[[Session], T]) -> T:
    def attempt() -> T:
        with Session(writer(store.engine)) as session, session.begin():
            return action(session)

    return retry_on_lock(attempt)


def _delete_run(store: Store, run_id: int, dry_run: bool) -> int:
    """Delete a run and everything recorded in it; the number of its pages."""

    def action(session: Session) -> int:
        pages = sa.select(Page.id).where(Page.run_id == run_id).scalar_subquery()
        count = session.scalar(sa.select(sa.func.count(Page.id)).where(Page.run_id == run_id))
        if dry_run:
            return int(count or 0)
        session.execute(sa.delete(Finding).where(Finding.page_id.in_(pages)))
        session.execute(sa.delete(StoredCapture).where(StoredCapture.page_id.in_(pages)))
        session.execute(sa.delete(Page).where(Page.run_id == run_id))
        session.execute(sa.delete(Document).where(Document.run_id == run_id))
        session.execute(sa.delete(Duplicate).where(Duplicate.run_id == run_id))
        session.execute(sa.delete(Run).where(Run.id == run_id))
        return int(count or 0)

    return _in_transaction(store, action)


def _prune_run(store: Store, run_id: int, now: datetime,
               dry_run: bool) -> tuple[int, int, int]:
    """Remove a run's captures and evidence: (captures, their bytes, evidence bytes)."""

    def action(session: Session) -> tuple[int, int, int]:
        page_ids = sa.select(Page.id).where(Page.run_id == run_id).scalar_subquery()
        captures, capture_bytes = session.execute(
            sa.select(sa.func.count(StoredCapture.page_id),
                      sa.func.coalesce(sa.func.sum(sa.func.length(StoredCapture.data)), 0))
            .where(StoredCapture.page_id.in_(page_ids))
        ).one()
        evidence_bytes = 0
        for page in session.scalars(sa.select(Page).where(Page.run_id == run_id)):
            findings, removed = strip_evidence(page.findings)
            if removed:
                evidence_bytes += removed
                if not dry_run:
                    page.findings = findings
        run = session.get(Run, run_id)
        if run is None:  # deleted since it was listed, by another prune
            raise RunNotFound(f"Run {run_id} was deleted while its captures were being pruned.")
        site_findings, removed = strip_evidence(run.site_findings)
        evidence_bytes += removed
        if not dry_run:
            if removed:
                run.site_findings = site_findings
            run.captures_pruned_at = now
            session.execute(sa.delete(StoredCapture).where(StoredCapture.page_id.in_(page_ids)))
        return int(captures), int(capture_bytes), evidence_bytes

    return _in_transaction(store, action)


def _compact(store: Store) -> tuple[bool, str | None]:
    """Give the freed space back to the disk: (done, a note when it was not)."""
    engine = store.engine
    if is_sqlite(engine):
        database = Path(engine.url.database or "")
        size = size_on_disk(database)
        free = shutil.disk_usage(database.parent).free
        if free < size:
            return False, (f"not compacted: VACUUM needs about {size:,} free bytes and the disk "
                           f"has {free:,}; the space freed is reused by new runs instead")
        raw = engine.raw_connection()
        try:
            sqlite = sqlite_connection(raw)
            sqlite.execute("VACUUM")
            sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        return True, None
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM (ANALYZE) captures, pages, findings, documents, "
                                       "duplicates, runs"))
        return True, ("PostgreSQL keeps the space freed for new runs; `VACUUM FULL` gives it "
                      "back to the disk but locks the tables while it runs")
    return False, None
