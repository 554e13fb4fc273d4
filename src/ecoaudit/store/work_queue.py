"""The work queue of runs crawled by workers: their frontier, claims and politeness, in the
database every worker shares (PostgreSQL; SQLite only for one process, in tests).

Each method is one short transaction. The frontier's order and every count a user sees (what is
queued, claimed, done, failed; a run's position in the queue) are read from these tables, never
from the broker: the broker only carries "there is work in run R" tokens.

- A URL is inserted once per run (unique run + URL key); the page limit, the query-variant limit
  and duplicates are checked under a lock of the run's row, so that concurrent workers cannot
  overshoot them.
- A page is claimed with `FOR UPDATE SKIP LOCKED` for a lease; a claim whose worker died is taken
  again once the lease has ended. A page marked done is never measured again.
- Politeness holds across workers: live host leases cap the pages of a host measured at once, and
  `host_pace` spaces their navigations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ecoaudit.store.models import (
    FrontierUrl,
    HostLease,
    HostPace,
    QueuedRun,
    Run,
    Site,
    url_key,
    utc_now,
)

T = TypeVar("T")
OPEN_STATES = ("queued", "claimed")
# A claim (a page, a host slot) lasts this long unless its worker renews it; a worker renews
# its claims every LEASE_RENEWAL_SECONDS, so a dead worker's pages come back within a lease.
LEASE_SECONDS = 30.0
LEASE_RENEWAL_SECONDS = 10.0


@dataclass(frozen=True)
class NewUrl:
    """A URL the crawl admitted (scope, robots, rules checked), to insert in the frontier."""

    url: str
    depth: int
    source: str
    host: str
    parent: str | None = None
    kind: str = "page"  # or "document"
    link_text: str = ""
    query: bool = False  # the URL has a query string (it counts as a variant of its path)
    path: str = ""  # scheme://host/path, for the query-variant limit


@dataclass(frozen=True)
class Limits:
    """The site's limits the frontier enforces: pages, documents, query variants per path."""

    max_pages: int
    max_documents: int
    max_query_variants: int


@dataclass(frozen=True)
class ClaimedUrl:
    """A page a worker claimed: measure it, then `finish_page`."""

    id: int
    run_id: int
    url: str
    depth: int
    source: str
    parent: str | None
    attempts: int


@dataclass(frozen=True)
class Finished:
    """What `finish_page` did: pages queued, and whether the run has nothing left to crawl (the
    caller that sees True is the only one: it queues the run's last step)."""

    queued: int
    run_complete: bool


def path_digest(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8")).hexdigest()


class WorkQueue:
    """The queue tables of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _transaction(self, action: Callable[[Session], T]) -> T:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            return action(session)

    # -- runs -------------------------------------------------------------------------------

    def open_run(self, run_id: int, *, site_spec: dict[str, Any], measure: dict[str, Any],
                 tool_version: str, catalogue: str) -> None:
        """Make `run_id` a queued run (its frontier is filled with `add_urls`)."""
        self._transaction(lambda session: session.add(QueuedRun(
            run_id=run_id, site_spec=site_spec, measure=measure, tool_version=tool_version,
            catalogue=catalogue, state="crawling")))

    def queued_run(self, run_id: int) -> dict[str, Any] | None:
        """What a worker needs to join the run, or None when it is not a queued run."""

        def action(session: Session) -> dict[str, Any] | None:
            row = session.get(QueuedRun, run_id)
            if row is None:
                return None
            return {"run_id": row.run_id, "site_spec": row.site_spec, "measure": row.measure,
                    "tool_version": row.tool_version, "catalogue": row.catalogue,
                    "state": row.state, "refused": dict(row.refused or {}),
                    "problem": row.problem}

        return self._transaction(action)

    def note_problem(self, run_id: int, problem: str | None) -> None:
        """Keep (or clear) the sentence saying why a worker would not join the run."""
        self._transaction(lambda session: session.execute(
            sa.update(QueuedRun).where(QueuedRun.run_id == run_id).values(problem=problem)))

    def begin_finish(self, run_id: int) -> bool:
        """Move the run from crawling to finishing; True for the one caller that did it."""

        def action(session: Session) -> bool:
            result = session.execute(
                sa.update(QueuedRun)
                .where(QueuedRun.run_id == run_id,
                       QueuedRun.state.in_(("crawling", "cancelling")))
                .values(state="finishing", active_at=utc_now()))
            return bool(getattr(result, "rowcount", 0))

        return self._transaction(action)

    def mark_finished(self, run_id: int) -> None:
        self._transaction(lambda session: session.execute(
            sa.update(QueuedRun).where(QueuedRun.run_id == run_id)
            .values(state="finished", active_at=utc_now())))

    def fill_run_protocol(self, run_id: int, protocol: dict[str, Any],
                          browser_version: str | None) -> None:
        """The protocol and browser of a queued run, from the first worker that joins it."""
        self._transaction(lambda session: session.execute(
            sa.update(Run).where(Run.id == run_id, Run.browser_version.is_(None))
            .values(protocol=protocol, browser_version=browser_version)))

    def open_runs(self) -> list[tuple[int, str]]:
        """(run id, state) of the queued runs not finished yet, oldest first."""
        return self._transaction(lambda session: [
            (run_id, state) for run_id, state in session.execute(
                sa.select(QueuedRun.run_id, QueuedRun.state)
                .where(QueuedRun.state != "finished").order_by(QueuedRun.run_id))])

    # -- the frontier -----------------------------------------------------------------------

    def add_urls(self, run_id: int, urls: Iterable[NewUrl], limits: Limits,
                 refused: dict[str, int] | None = None) -> int:
        """Insert admitted URLs (duplicates, the query-variant and page limits are checked here,
        under the run's lock); count refusals; return how many pages were queued."""
        return self._transaction(lambda session: self._add(session, run_id, list(urls), limits,
                                                           dict(refused or {})))

    def _add(self, session: Session, run_id: int, urls: list[NewUrl], limits: Limits,
             refused: dict[str, int]) -> int:
        queued_run = session.execute(
            sa.select(QueuedRun).where(QueuedRun.run_id == run_id).with_for_update()
        ).scalar_one()
        if queued_run.state == "cancelling":  # a cancelled run adds no page
            return 0
        counts = dict(session.execute(
            sa.select(FrontierUrl.kind, sa.func.count()).where(FrontierUrl.run_id == run_id)
            .group_by(FrontierUrl.kind)).all())
        pages, documents = counts.get("page", 0), counts.get("document", 0)
        keys = [url_key(item.url) for item in urls]
        known = set(session.scalars(sa.select(FrontierUrl.url_key).where(
            FrontierUrl.run_id == run_id, FrontierUrl.url_key.in_(keys)))) if keys else set()
        queued = 0
        for item, key in zip(urls, keys, strict=True):
            reason = self._refusal(session, run_id, item, key in known, pages, documents, limits)
            if reason is not None:
                refused[reason] = refused.get(reason, 0) + 1
                continue
            known.add(key)
            try:
                with session.begin_nested():
                    session.add(FrontierUrl(
                        run_id=run_id, url=item.url, url_key=key, kind=item.kind,
                        depth=item.depth, source=item.source, parent=item.parent,
                        link_text=item.link_text or None,
                        path_key=path_digest(item.path) if item.query else None,
                        host=item.host))
            except IntegrityError:  # a redirect's final URL another worker recorded meanwhile
                refused["duplicate"] = refused.get("duplicate", 0) + 1
                continue
            if item.kind == "page":
                pages += 1
                queued += 1
            else:
                documents += 1
        if refused:
            merged = dict(queued_run.refused or {})
            for reason, count in refused.items():
                merged[reason] = merged.get(reason, 0) + count
            queued_run.refused = merged
        return queued

    @staticmethod
    def _refusal(session: Session, run_id: int, item: NewUrl, known: bool, pages: int,
                 documents: int, limits: Limits) -> str | None:
        if known:
            return "duplicate"
        if item.kind == "document":
            return "document_limit" if documents >= limits.max_documents else None
        if item.query:
            variants = session.scalar(sa.select(sa.func.count()).where(
                FrontierUrl.run_id == run_id, FrontierUrl.path_key == path_digest(item.path)))
            if (variants or 0) >= limits.max_query_variants:
                return "query_variants"
        if pages >= limits.max_pages and item.source != "start":
            return "page_limit"
        return None

    def claim_page(self, run_id: int, worker: str, lease_seconds: float) -> ClaimedUrl | None:
        """Claim the run's next page (breadth first): a queued one, or one whose worker's lease
        has ended (the worker died). None when there is none to claim now."""

        def action(session: Session) -> ClaimedUrl | None:
            now = utc_now()
            candidate = session.execute(
                sa.select(FrontierUrl).where(
                    FrontierUrl.run_id == run_id, FrontierUrl.kind == "page",
                    sa.or_(FrontierUrl.state == "queued",
                           sa.and_(FrontierUrl.state == "claimed",
                                   FrontierUrl.lease_until < now)))
                .order_by(FrontierUrl.id).limit(1).with_for_update(skip_locked=True)
            ).scalar_one_or_none()
            if candidate is None:
                return None
            candidate.state = "claimed"
            candidate.claimed_by = worker
            candidate.lease_until = now + timedelta(seconds=lease_seconds)
            candidate.attempts += 1
            session.execute(sa.update(QueuedRun).where(QueuedRun.run_id == run_id)
                            .values(active_at=now))
            return ClaimedUrl(candidate.id, run_id, candidate.url, candidate.depth,
                              candidate.source, candidate.parent, candidate.attempts)

        return self._transaction(action)

    def renew_leases(self, worker: str, seconds: float = LEASE_SECONDS) -> None:
        """Extend every claim of a live worker: its pages and its host slots."""

        def action(session: Session) -> None:
            until = utc_now() + timedelta(seconds=seconds)
            session.execute(sa.update(FrontierUrl).where(FrontierUrl.claimed_by == worker,
                                                         FrontierUrl.state == "claimed")
                            .values(lease_until=until))
            session.execute(sa.update(HostLease).where(HostLease.holder == worker)
                            .values(expires_at=until))

        self._transaction(action)

    def touch_stalled(self, run_id: int, idle_seconds: float) -> bool:
        """True for the one caller that finds the run idle for `idle_seconds` (no claim, no
        page done): its tokens may have been lost with the broker; the caller sends new ones."""

        def action(session: Session) -> bool:
            now = utc_now()
            result = session.execute(
                sa.update(QueuedRun).where(
                    QueuedRun.run_id == run_id,
                    QueuedRun.active_at < now - timedelta(seconds=idle_seconds))
                .values(active_at=now))
            return bool(getattr(result, "rowcount", 0))

        return self._transaction(action)

    def page_state(self, page_id: int) -> str | None:
        return self._transaction(lambda session: session.scalar(
            sa.select(FrontierUrl.state).where(FrontierUrl.id == page_id)))

    def claim_final_url(self, run_id: int, page_id: int, final_url: str, host: str) -> str:
        """A claimed page landed on `final_url` (a redirect): take that URL too, so that it is
        not measured again. "mine" when this page stands for it, "taken" when another page of
        the run already does, "set_aside" when it was set aside for its canonical link."""

        def action(session: Session) -> str:
            key = url_key(final_url)
            row = session.execute(sa.select(FrontierUrl).where(
                FrontierUrl.run_id == run_id, FrontierUrl.url_key == key).with_for_update()
            ).scalar_one_or_none()
            if row is None:
                session.add(FrontierUrl(run_id=run_id, url=final_url, url_key=key, kind="page",
                                        source="redirect", host=host, state="redirect",
                                        done_at=utc_now(), parent=None))
                return "mine"
            if row.id == page_id:
                return "mine"
            if row.state == "queued":  # measured through this redirect: not again
                row.state, row.done_at = "redirect", utc_now()
                return "mine"
            return "set_aside" if row.state == "duplicate" else "taken"

        try:
            return self._transaction(action)
        except IntegrityError:  # another worker recorded the same final URL a moment before
            return self._transaction(action)

    def add_canonical(self, run_id: int, canonical: NewUrl, limits: Limits) -> bool:
        """Queue the canonical page a page names, unless the run has it already. True when that
        page is, or will be, measured in the run; False when the limits refuse it."""

        def action(session: Session) -> bool:
            key = url_key(canonical.url)
            state = session.scalar(sa.select(FrontierUrl.state).where(
                FrontierUrl.run_id == run_id, FrontierUrl.url_key == key))
            if state is not None:
                return state not in ("refused", "duplicate")
            return self._add(session, run_id, [canonical], limits, {}) == 1

        return self._transaction(action)

    def claim_content(self, run_id: int, page_id: int, content_key: str) -> str | None:
        """Record the digest of a page's HTML; the URL of an earlier page of the run that served
        the same HTML, or None when this page is the first to."""
        earlier = self._transaction(lambda session: session.scalar(
            sa.select(FrontierUrl.url).where(FrontierUrl.run_id == run_id,
                                             FrontierUrl.content_key == content_key,
                                             FrontierUrl.id != page_id)))
        if earlier is not None:
            return earlier
        try:
            self._transaction(lambda session: session.execute(
                sa.update(FrontierUrl).where(FrontierUrl.id == page_id)
                .values(content_key=content_key)))
        except IntegrityError:  # another worker recorded the same HTML a moment before
            return self.claim_content(run_id, page_id, content_key)
        return None

    def finish_page(self, run_id: int, page_id: int, state: str, *, error: str | None = None,
                    links: Iterable[NewUrl] = (), limits: Limits | None = None,
                    refused: dict[str, int] | None = None) -> Finished:
        """Mark a claimed page done (or failed) and queue its links, in one transaction."""
        links = list(links)

        def action(session: Session) -> Finished:
            queued = 0
            if limits is not None and (links or refused):
                queued = self._add(session, run_id, links, limits, dict(refused or {}))
            session.execute(sa.update(FrontierUrl).where(FrontierUrl.id == page_id).values(
                state=state, error=error, done_at=utc_now(), lease_until=None))
            session.execute(sa.update(QueuedRun).where(QueuedRun.run_id == run_id)
                            .values(active_at=utc_now()))
            return Finished(queued, self._open_pages(session, run_id) == 0)

        return self._transaction(action)

    @staticmethod
    def _open_pages(session: Session, run_id: int) -> int:
        return session.scalar(sa.select(sa.func.count()).where(
            FrontierUrl.run_id == run_id, FrontierUrl.kind == "page",
            FrontierUrl.state.in_(OPEN_STATES))) or 0

    def open_pages(self, run_id: int) -> int:
        """Pages of the run queued or being measured."""
        return self._transaction(lambda session: self._open_pages(session, run_id))

    def documents(self, run_id: int) -> list[dict[str, Any]]:
        """The run's documents not inspected yet, in the order they were found."""
        return self._transaction(lambda session: [
            {"id": row.id, "url": row.url, "found_on": row.parent,
             "link_text": row.link_text or ""}
            for row in session.scalars(sa.select(FrontierUrl).where(
                FrontierUrl.run_id == run_id, FrontierUrl.kind == "document",
                FrontierUrl.state == "queued").order_by(FrontierUrl.id))])

    def mark_document_done(self, row_id: int) -> None:
        self._transaction(lambda session: session.execute(
            sa.update(FrontierUrl).where(FrontierUrl.id == row_id)
            .values(state="done", done_at=utc_now())))

    def requeue_stalled(self, run_id: int) -> int:
        """Pages whose claim outlived its lease (their worker died) back in the queue; how many
        (each needs a new token on the broker)."""

        def action(session: Session) -> int:
            result = session.execute(
                sa.update(FrontierUrl).where(
                    FrontierUrl.run_id == run_id, FrontierUrl.kind == "page",
                    FrontierUrl.state == "claimed", FrontierUrl.lease_until < utc_now())
                .values(state="queued", claimed_by=None, lease_until=None))
            return int(getattr(result, "rowcount", 0) or 0)

        return self._transaction(action)

    def queued_pages(self, run_id: int) -> int:
        return self._transaction(lambda session: session.scalar(sa.select(sa.func.count()).where(
            FrontierUrl.run_id == run_id, FrontierUrl.kind == "page",
            FrontierUrl.state == "queued")) or 0)

    def cancel_run(self, run_id: int) -> tuple[int, bool]:
        """Cancel a crawling run: it adds no more links, its queued pages and documents become
        "cancelled" (pages being measured end normally). (pages cancelled, whether no page is
        left open: the caller then queues the run's last step)."""

        def action(session: Session) -> tuple[int, bool]:
            session.execute(sa.update(QueuedRun).where(
                QueuedRun.run_id == run_id, QueuedRun.state == "crawling").values(
                    state="cancelling", active_at=utc_now()))
            result = session.execute(
                sa.update(FrontierUrl).where(FrontierUrl.run_id == run_id,
                                             FrontierUrl.state == "queued")
                .values(state="cancelled", done_at=utc_now()))
            return int(getattr(result, "rowcount", 0) or 0), self._open_pages(session,
                                                                             run_id) == 0

        return self._transaction(action)

    def cancelled_pages(self, run_id: int) -> int:
        """Pages of the run that a cancel left unmeasured."""
        return self._transaction(lambda session: session.scalar(sa.select(sa.func.count()).where(
            FrontierUrl.run_id == run_id, FrontierUrl.kind == "page",
            FrontierUrl.state == "cancelled")) or 0)

    def retry_failed(self, run_id: int) -> int:
        """Failed pages of the run queued again (the run reopens); how many."""

        def action(session: Session) -> int:
            result = session.execute(
                sa.update(FrontierUrl).where(FrontierUrl.run_id == run_id,
                                             FrontierUrl.kind == "page",
                                             FrontierUrl.state == "failed")
                .values(state="queued", claimed_by=None, lease_until=None, error=None,
                        attempts=0))
            count = int(getattr(result, "rowcount", 0) or 0)
            if count:
                session.execute(sa.update(QueuedRun).where(QueuedRun.run_id == run_id)
                                .values(state="crawling", active_at=utc_now()))
                session.execute(sa.update(Run).where(Run.id == run_id)
                                .values(status="running", ended_at=None))
            return count

        return self._transaction(action)

    # -- politeness across workers -----------------------------------------------------------

    def take_host_lease(self, host: str, holder: str, limit: int, seconds: float) -> int | None:
        """One of the host's `limit` slots for `seconds` (renewable); its id, or None when every
        slot is held."""

        def action(session: Session) -> int | None:
            self._lock_host(session, host)
            now = utc_now()
            session.execute(sa.delete(HostLease).where(HostLease.host == host,
                                                       HostLease.expires_at < now))
            live = session.scalar(sa.select(sa.func.count()).where(HostLease.host == host)) or 0
            if live >= limit:
                return None
            lease = HostLease(host=host, holder=holder,
                              expires_at=now + timedelta(seconds=seconds))
            session.add(lease)
            session.flush()
            return lease.id

        return self._transaction(action)

    def release_host_lease(self, lease_id: int) -> None:
        self._transaction(lambda session: session.execute(
            sa.delete(HostLease).where(HostLease.id == lease_id)))

    def navigation_turn(self, host: str, delay: float) -> float:
        """0 when a navigation to `host` may leave now (the next is then `delay` later); else
        how many seconds to wait before asking again."""

        def action(session: Session) -> float:
            pace = self._lock_host(session, host)
            now = utc_now()
            if pace.next_start_at > now:
                return (pace.next_start_at - now).total_seconds()
            pace.next_start_at = now + timedelta(seconds=delay)
            return 0.0

        return self._transaction(action)

    @staticmethod
    def _lock_host(session: Session, host: str) -> HostPace:
        """The host's pace row, locked until the transaction ends (created when missing)."""
        pace = session.execute(sa.select(HostPace).where(HostPace.host == host)
                               .with_for_update()).scalar_one_or_none()
        if pace is not None:
            return pace
        try:
            with session.begin_nested():
                session.add(HostPace(host=host, next_start_at=utc_now()))
        except IntegrityError:  # another worker created it at the same moment
            pass
        return session.execute(sa.select(HostPace).where(HostPace.host == host)
                               .with_for_update()).scalar_one()

    # -- what stands where -------------------------------------------------------------------

    def overview(self) -> list[dict[str, Any]]:
        """Every queued run not finished long ago: site, state, pages by state, and position
        (pages queued in older runs, ahead of this run's)."""

        def action(session: Session) -> list[dict[str, Any]]:
            rows = session.execute(
                sa.select(QueuedRun.run_id, QueuedRun.state, QueuedRun.problem,
                          QueuedRun.queued_at, Site.name, Run.status, Run.reason)
                .join(Run, Run.id == QueuedRun.run_id).join(Site, Site.id == Run.site_id)
                .order_by(QueuedRun.run_id)).all()
            counts: dict[int, dict[str, int]] = {}
            for run_id, state, count in session.execute(
                    sa.select(FrontierUrl.run_id, FrontierUrl.state, sa.func.count())
                    .where(FrontierUrl.kind == "page")
                    .group_by(FrontierUrl.run_id, FrontierUrl.state)):
                counts.setdefault(run_id, {})[state] = count
            overview, ahead = [], 0
            for run_id, state, problem, queued_at, site, status, reason in rows:
                by_state = {name: counts.get(run_id, {}).get(name, 0)
                            for name in ("queued", "claimed", "done", "failed")}
                overview.append({
                    "run_id": run_id, "site": site, "state": state, "status": status,
                    "reason": reason, "problem": problem, "queued_at": _iso(queued_at),
                    "pages": by_state, "ahead": ahead if state == "crawling" else 0})
                if state == "crawling":
                    ahead += by_state["queued"]
            return overview

        return self._transaction(action)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
