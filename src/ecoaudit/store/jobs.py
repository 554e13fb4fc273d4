"""The jobs an operator launches from the web interface (`ecoaudit serve`): their rows in the
`jobs` table, one short transaction per call.

A job is queued, then running, then done, failed or cancelled. While it is queued or running its
`active_fingerprint` holds the SHA-256 of its kind and parameters; the column is unique, so a
second job with the same kind and parameters (a double click, a form sent again) is never
created: `submit` returns the active one instead. The column goes back to NULL when the job ends.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ecoaudit.store.database import retry_on_lock, writer
from ecoaudit.store.models import JOB_KINDS, Job, utc_now
from ecoaudit.store.rows import iso

T = TypeVar("T")
ACTIVE_STATES = ("queued", "running")
ENDED_STATES = ("done", "failed", "cancelled")
SERVER_STOPPED = "the server stopped during the job"


def fingerprint(kind: str, params: dict[str, Any]) -> str:
    """The SHA-256 of a job's kind and parameters (keys sorted: the same job, the same digest)."""
    text = json.dumps({"kind": kind, "params": params}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Submitted:
    """The job `submit` returns, and whether it was created now (False: an active twin)."""

    job: dict[str, Any]
    created: bool


def job_dict(job: Job) -> dict[str, Any]:
    """A job row as plain data (times in ISO 8601 UTC)."""
    return {
        "id": job.id, "kind": job.kind, "state": job.state, "params": dict(job.params or {}),
        "created_by": job.created_by, "created_at": iso(job.created_at),
        "started_at": iso(job.started_at), "ended_at": iso(job.ended_at),
        "progress": dict(job.progress or {}), "result": dict(job.result or {}),
        "error": job.error, "cancel_requested": bool(job.cancel_requested),
        "active": job.state in ACTIVE_STATES,
    }


class JobStore:
    """The jobs table of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = writer(engine)

    def _read(self, action: Callable[[Session], T]) -> T:
        def attempt() -> T:
            with Session(self.engine) as session:
                return action(session)

        return retry_on_lock(attempt)

    def _write(self, action: Callable[[Session], T]) -> T:
        def attempt() -> T:
            with Session(self._writer, expire_on_commit=False) as session, session.begin():
                return action(session)

        return retry_on_lock(attempt)

    # -- creating and claiming ------------------------------------------------------------------

    def submit(self, kind: str, params: dict[str, Any], user: str) -> Submitted:
        """Queue a job, or return the queued or running job with the same kind and parameters."""
        if kind not in JOB_KINDS:
            raise ValueError(f"unknown job kind {kind!r}")
        digest = fingerprint(kind, params)

        def action(session: Session) -> Submitted:
            active = session.scalars(sa.select(Job).where(Job.active_fingerprint == digest)).first()
            if active is not None:
                return Submitted(job_dict(active), created=False)
            job = Job(kind=kind, state="queued", params=params, fingerprint=digest,
                      active_fingerprint=digest, created_by=user, created_at=utc_now(),
                      progress={}, result={}, cancel_requested=False)
            session.add(job)
            session.flush()
            return Submitted(job_dict(job), created=True)

        try:
            return self._write(action)
        except IntegrityError:  # another process inserted the twin between our read and write
            return self._write(action)

    def claim_next(self) -> dict[str, Any] | None:
        """Move the oldest queued job to running and return it; None when none is queued."""

        def action(session: Session) -> dict[str, Any] | None:
            query = sa.select(Job).where(Job.state == "queued").order_by(Job.id).limit(1)
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            job = session.scalars(query).first()
            if job is None:
                return None
            job.state, job.started_at = "running", utc_now()
            job.progress = {"done": 0, "total": None}
            return job_dict(job)

        return self._write(action)

    # -- while it runs --------------------------------------------------------------------------

    def set_progress(self, job_id: int, **progress: Any) -> None:
        """Replace the running job's progress ({"done": n, "total": n or None, ...})."""
        self._write(lambda session: session.execute(
            sa.update(Job).where(Job.id == job_id, Job.state == "running")
            .values(progress=progress)))

    def cancel_requested(self, job_id: int) -> bool:
        """Whether someone asked to cancel the job."""
        return bool(self._read(lambda session: session.scalar(
            sa.select(Job.cancel_requested).where(Job.id == job_id))))

    def finish(self, job_id: int, state: str, *, result: dict[str, Any] | None = None,
               error: str | None = None) -> None:
        """End the job (done, failed or cancelled): it no longer blocks its twin."""
        if state not in ENDED_STATES:
            raise ValueError(f"{state!r} is not an end state")

        def action(session: Session) -> None:
            job = session.get(Job, job_id)
            if job is None or job.state not in ACTIVE_STATES:
                return
            job.state, job.ended_at, job.active_fingerprint = state, utc_now(), None
            job.error = error
            if result is not None:
                job.result = result

        self._write(action)

    def cancel(self, job_id: int) -> dict[str, Any] | None:
        """Cancel a queued job at once; ask a running one to stop (the runner ends it).

        Returns the job as it is now, or None when there is no such job."""

        def action(session: Session) -> dict[str, Any] | None:
            job = session.get(Job, job_id)
            if job is None:
                return None
            if job.state == "queued":
                job.state, job.ended_at, job.active_fingerprint = "cancelled", utc_now(), None
            elif job.state == "running":
                job.cancel_requested = True
            return job_dict(job)

        return self._write(action)

    def fail_unfinished(self, reason: str = SERVER_STOPPED) -> int:
        """Mark every running job failed (the server that ran it stopped); how many."""

        def action(session: Session) -> int:
            result = session.execute(
                sa.update(Job).where(Job.state == "running")
                .values(state="failed", error=reason, ended_at=utc_now(),
                        active_fingerprint=None))
            return int(getattr(result, "rowcount", 0) or 0)

        return self._write(action)

    # -- reading --------------------------------------------------------------------------------

    def get(self, job_id: int) -> dict[str, Any] | None:
        """One job with its queue position (1: next to run), or None."""

        def action(session: Session) -> dict[str, Any] | None:
            job = session.get(Job, job_id)
            if job is None:
                return None
            row = job_dict(job)
            if job.state == "queued":
                row["position"] = session.scalar(
                    sa.select(sa.func.count()).select_from(Job)
                    .where(Job.state == "queued", Job.id <= job.id))
            return row

        return self._read(action)

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest jobs, newest first, each queued one with its position in the queue."""

        def action(session: Session) -> list[dict[str, Any]]:
            jobs = session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(limit)).all()
            queued = session.scalars(sa.select(Job.id).where(Job.state == "queued")
                                     .order_by(Job.id)).all()
            positions = {job_id: number for number, job_id in enumerate(queued, start=1)}
            rows = [job_dict(job) for job in jobs]
            for row in rows:
                if row["id"] in positions:
                    row["position"] = positions[row["id"]]
            return rows

        return self._read(action)
