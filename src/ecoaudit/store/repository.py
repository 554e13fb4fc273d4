"""The repository API the crawler, the reports and the CLI call: `Store.open(...)` and its methods.

Every write is one short transaction, committed before the method returns (a measured page is
safe on disk at once) and retried when another process holds the write lock. Every method
returns plain data (ints, dicts with ISO 8601 UTC strings), never ORM objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ecoaudit import __version__
from ecoaudit.capture import Capture, Protocol
from ecoaudit.export import jsondoc
from ecoaudit.metrics import ecoindex, page_ecoindex
from ecoaudit.store.capture_blob import compress_capture, decompress_capture
from ecoaudit.store.database import (
    display_url,
    is_sqlite,
    make_engine,
    resolve_url,
    retry_on_lock,
    use_wal,
    writer,
)
from ecoaudit.store.errors import (
    CapturesPruned,
    DatabaseUnavailable,
    RunInProgress,
    RunNotFound,
    StoreError,
)
from ecoaudit.store.failures import failure_words, kind, run_stopped, translate
from ecoaudit.store.migrate import upgrade
from ecoaudit.store.models import (
    DUPLICATE_REASONS,
    RUN_STATUSES,
    Document,
    Duplicate,
    Finding,
    Page,
    QueuedRun,
    Run,
    Site,
    StoredCapture,
    url_key,
    utc_now,
)
from ecoaudit.store.owner import owner_alive, process_label
from ecoaudit.store.redact import redact
from ecoaudit.store.rows import (
    DOCUMENT_FIELDS,
    as_integer,
    as_number,
    as_short_text,
    document_dict,
    entry_without_capture,
    iso,
    jsonable,
    page_summary,
    parse_time,
    run_rows,
    site_dict,
)
from ecoaudit.store.sqlite_file import check_before_open, make_reserve, release_reserve

T = TypeVar("T")
RESUMABLE_STATUSES = ("running", "interrupted")


class Store:
    """The results database. Open with `Store.open(url)`; use as a context manager or `close()`."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._writer = writer(engine)
        database = engine.url.database
        self._sqlite_file = (Path(database) if is_sqlite(engine) and database
                             and database != ":memory:" else None)

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = True) -> Store:
        """Open (and migrate) the database at `url`, $ECOAUDIT_DB or ./ecoaudit.db.

        With `create=False` a SQLite file that does not exist is an error instead of being
        created (for commands that only read).
        """
        resolved = resolve_url(url)
        engine = make_engine(resolved)
        database = engine.url.database
        try:
            if is_sqlite(engine) and database and database != ":memory:":
                if not create and not Path(database).exists():
                    raise DatabaseUnavailable(
                        f"There is no database file {database}: crawl a site first, or give "
                        "the right file with --db or ECOAUDIT_DB."
                    )
                check_before_open(Path(database))
            upgrade(engine)
            use_wal(engine)
        except DBAPIError as error:
            engine.dispose()
            storage = translate(error, resolved)
            if storage is not None:
                raise storage from None
            if not isinstance(error, OperationalError):
                raise
            reason = str(error.orig).strip().splitlines()[0] if error.orig else "unreachable"
            raise DatabaseUnavailable(
                f"Cannot open the database {display_url(resolved)} ({reason}): check --db or "
                "ECOAUDIT_DB, and that the database server is running."
            ) from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, resolved)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------------

    def _read(self, action: Callable[[Session], T]) -> T:
        def attempt() -> T:
            with Session(self.engine) as session:
                return action(session)

        return self._guarded(lambda: retry_on_lock(attempt))

    def _write(self, action: Callable[[Session], T], *, upsert: bool = False,
               run_id: int | None = None) -> T:
        """One write transaction. With `run_id` (a crawl recording into that run), a storage
        failure (disk full, read-only, disk error) also stops the run: it is marked
        interrupted, resumable, with everything committed before kept."""

        def attempt() -> T:
            with Session(self._writer, expire_on_commit=False) as session, session.begin():
                return action(session)

        return self._guarded(lambda: retry_on_lock(attempt, retry_integrity=upsert), run_id)

    def _guarded(self, call: Callable[[], T], run_id: int | None = None) -> T:
        """`call()`, with storage failures raised as one-sentence StoreErrors."""
        try:
            return call()
        except DBAPIError as error:
            storage = translate(error, self.url)
            if storage is None:
                raise
            if run_id is not None and kind(error) in ("full", "readonly", "ioerr"):
                storage = self._stop_run(run_id, error)
            raise storage from None

    def _stop_run(self, run_id: int, error: DBAPIError) -> StoreError:
        """Mark a run whose writes fail as interrupted (a small write that often still fits,
        since the failed transaction's space in the journal is reused); the error to raise."""
        site, marked = "SITE", False
        try:
            with self._writer.begin() as connection:
                # The write lock is held (BEGIN IMMEDIATE): the space given back is ours.
                if self._sqlite_file is not None:
                    release_reserve(self._sqlite_file)
                site = connection.execute(
                    sa.select(Site.name).join(Run, Run.site_id == Site.id).where(Run.id == run_id)
                ).scalar() or site
                connection.execute(
                    sa.update(Run)
                    .where(Run.id == run_id, Run.status == "running")
                    .values(status="interrupted", ended_at=utc_now(),
                            reason=f"{failure_words(error)}; resume with --resume")
                )
                marked = connection.execute(
                    sa.select(Run.status).where(Run.id == run_id)
                ).scalar() == "interrupted"
        except DBAPIError:
            marked = False
        return run_stopped(error, self.url, run_id=run_id, site=site, marked=marked)

    # -- sites ----------------------------------------------------------------------------------

    def upsert_site(
        self, name: str, *, title: str | None = None, group: str = "own", config: dict | None = None
    ) -> int:
        """Create or update the site `name`; its config snapshot is stored redacted."""

        def action(session: Session) -> int:
            site = session.scalar(sa.select(Site).where(Site.name == name))
            if site is None:
                site = Site(name=name)
                session.add(site)
            site.title = title
            site.group = group
            site.config = jsonable(redact(config or {}))
            site.updated_at = utc_now()
            session.flush()
            return site.id

        return self._write(action, upsert=True)

    def sites(self) -> list[dict[str, Any]]:
        """Every site, by name."""
        return self._read(
            lambda session: [
                site_dict(site) for site in session.scalars(sa.select(Site).order_by(Site.name))
            ]
        )

    # -- runs -----------------------------------------------------------------------------------

    def start_run(
        self,
        site_name: str,
        *,
        settings: dict | None = None,
        protocol: dict | Protocol | None = None,
        tool_version: str | None = __version__,
        formula_version: str | None = ecoindex.FORMULA_VERSION,
        browser_version: str | None = None,
    ) -> int:
        """A new run of `site_name` (the site is created if unknown), status 'running'."""
        if isinstance(protocol, Protocol):
            protocol = dataclasses.asdict(protocol)

        def action(session: Session) -> int:
            site = session.scalar(sa.select(Site).where(Site.name == site_name))
            if site is None:
                site = Site(name=site_name, config={})
                session.add(site)
                session.flush()
            run = Run(
                site_id=site.id,
                status="running",
                settings=jsonable(redact(settings or {})),
                protocol=jsonable(redact(protocol or {})),
                tool_version=tool_version,
                formula_version=formula_version,
                browser_version=browser_version,
                owner=process_label(),
            )
            session.add(run)
            session.flush()
            return run.id

        self._reserve_space()
        return self._write(action, upsert=True)

    def _reserve_space(self) -> None:
        """Before a crawl writes a run: set a little disk space aside (SQLite), given back if
        the disk fills up, so that the run can still be marked interrupted."""
        if self._sqlite_file is not None:
            make_reserve(self._sqlite_file)

    def resume_run(self, run_id: int) -> None:
        """Mark an interrupted run as running again, owned by this process; RunInProgress when
        another live process on this machine is crawling it (two resumes at once)."""

        def action(session: Session) -> None:
            run = _get_run(session, run_id, lock=True)
            if run.status == "running" and owner_alive(run.owner):
                raise RunInProgress(
                    f"Run {run_id} is being crawled by another ecoaudit process ({run.owner}): "
                    "wait for it to end, or stop it, before resuming."
                )
            run.status = "running"
            run.ended_at = None
            run.reason = None
            run.owner = process_label()
            run.resumed_count += 1

        self._reserve_space()
        self._write(action)

    def finish_run(self, run_id: int, status: str, reason: str | None = None) -> None:
        """End a run: 'completed', 'interrupted' or 'failed' (with a reason for the last two)."""
        if status not in RUN_STATUSES or status == "running":
            raise ValueError(f"finish_run status must be completed/interrupted/failed: {status!r}")

        def action(session: Session) -> None:
            run = _get_run(session, run_id, lock=True)
            run.status = status
            run.reason = reason
            run.ended_at = utc_now()
            _refresh_counts(session, run)

        self._write(action, run_id=run_id)

    def run(self, run_id: int) -> dict[str, Any]:
        """One run as a dict (see `list_runs`); RunNotFound when there is none."""

        def action(session: Session) -> dict[str, Any]:
            rows = run_rows(session, sa.select(Run).where(Run.id == run_id))
            if not rows:
                raise RunNotFound(
                    f"There is no run {run_id} in this database: `ecoaudit runs` lists them."
                )
            return rows[0]

        return self._read(action)

    def list_runs(self, site_name: str | None = None) -> list[dict[str, Any]]:
        """The runs of one site (or of all), newest first.

        Keys: id, site, site_title, group, started_at, ended_at, status, reason, settings,
        protocol, tool_version, formula_version, browser_version, pages_ok, pages_failed,
        documents, resumed_count, owner, rescored_at, score_mean (mean EcoIndex of measured
        pages, or None).
        """
        query = sa.select(Run).join(Run.site).order_by(Run.started_at.desc(), Run.id.desc())
        if site_name is not None:
            query = query.where(Site.name == site_name)
        return self._read(lambda session: run_rows(session, query))

    def latest_run(self, site_name: str, status: str | None = "completed") -> dict | None:
        """The newest run of `site_name` with `status` (any status when None), or None."""
        query = (
            sa.select(Run)
            .join(Run.site)
            .where(Site.name == site_name)
            .order_by(Run.started_at.desc(), Run.id.desc())
            .limit(1)
        )
        if status is not None:
            query = query.where(Run.status == status)
        rows = self._read(lambda session: run_rows(session, query))
        return rows[0] if rows else None

    def find_run(self, spec: str | int, site_name: str | None = None) -> dict[str, Any]:
        """The run a user named: an id, or 'latest' (newest completed run of `site_name`).

        Without `site_name`, 'latest' works when the database holds a single site.
        """
        text = str(spec).strip()
        if text.lower() != "latest":
            if not text.isdigit():
                raise RunNotFound(f"'{text}' is not a run: give a run id or 'latest'.")
            run = self.run(int(text))
            if site_name is not None and run["site"] != site_name:
                raise RunNotFound(f"Run {text} belongs to site {run['site']}, not {site_name}.")
            return run
        if site_name is None:
            names = [site["name"] for site in self.sites()]
            if len(names) != 1:
                raise RunNotFound(
                    "'latest' needs --site SITE when the database holds "
                    f"{len(names)} sites: `ecoaudit runs` lists them."
                )
            site_name = names[0]
        latest = self.latest_run(site_name)
        if latest is None:
            raise RunNotFound(
                f"Site {site_name} has no completed run: "
                f"`ecoaudit runs {site_name}` lists its runs."
            )
        return latest

    def resumable_run(self, site_name: str) -> int | None:
        """The run `crawl --resume` continues: the site's newest run, if it is still 'running'
        or 'interrupted' and no live process on this machine is crawling it; else None. A run
        queued for workers is theirs: never resumed in-process."""
        run = self.latest_run(site_name, status=None)
        if run is None or run["status"] not in RESUMABLE_STATUSES:
            return None
        if run["status"] == "running" and owner_alive(run["owner"]):
            return None
        if self._read(lambda session: session.get(QueuedRun, run["id"])) is not None:
            return None
        return run["id"]

    # -- pages ----------------------------------------------------------------------------------

    def record_page(
        self,
        run_id: int,
        *,
        capture: Capture,
        depth: int = 0,
        source: str = "start",
        findings: list[dict] | None = None,
        co2: dict | None = None,
        sample: int = 1,
    ) -> int:
        """Store one measurement of a page and commit at once; the same measurement (url,
        consent state, device, sample, journey step) recorded again in the run replaces the
        earlier row (same page id) instead of adding one."""
        url = capture.requested_url
        consent = capture.protocol.consent or "none"
        variant = {"device": capture.protocol.device or "desktop", "sample": sample,
                   "journey": capture.journey or "", "step_index": capture.step_index or 0}
        blob, raw_size = compress_capture(capture)
        score = page_ecoindex(capture)
        findings = jsonable(findings or [])
        co2 = jsonable(co2)

        def action(session: Session) -> int:
            run = _get_run(session, run_id, lock=True)
            page = session.scalar(
                sa.select(Page).where(
                    Page.run_id == run_id,
                    Page.url_key == url_key(url),
                    Page.consent_state == consent,
                    *(getattr(Page, name) == value for name, value in variant.items()),
                )
            )
            if page is None:
                page = Page(run_id=run_id, url=url, url_key=url_key(url), consent_state=consent,
                            **variant)
                session.add(page)
            page.step = capture.step
            page.final_url = capture.final_url
            page.status = capture.status
            page.error = capture.error
            page.title = capture.title
            page.depth = depth
            page.source = source
            page.measured_at = parse_time(capture.protocol.measured_at)
            page.recorded_at = utc_now()
            for name in ("score", "grade", "ges", "water", "nodes", "requests", "size_kb"):
                setattr(page, name, getattr(score, name) if score else None)
            page.findings = findings
            page.co2 = co2
            session.flush()
            session.merge(
                StoredCapture(
                    page_id=page.id,
                    schema_version=capture.schema_version,
                    raw_bytes=raw_size,
                    data=blob,
                )
            )
            _replace_finding_rows(session, page.id, findings)
            _refresh_counts(session, run)
            return page.id

        return self._write(action, upsert=True, run_id=run_id)

    def update_page_scores(self, page_id: int, findings: list[dict], co2: dict | None) -> None:
        """Replace the findings and CO2 of a stored page (for `rescore`)."""
        findings = jsonable(findings)
        co2 = jsonable(co2)

        def action(session: Session) -> None:
            page = session.get(Page, page_id)
            if page is None:
                raise RunNotFound(f"There is no page {page_id} in this database.")
            page.findings = findings
            page.co2 = co2
            _replace_finding_rows(session, page_id, findings)

        self._write(action)

    def mark_rescored(self, run_id: int) -> None:
        """Record that the findings of a run were just recomputed."""

        def action(session: Session) -> None:
            _get_run(session, run_id).rescored_at = utc_now()

        self._write(action)

    def record_site_findings(self, run_id: int, findings: list[dict]) -> None:
        """Store the findings of the site-scope rules of a run (replacing earlier ones)."""
        findings = jsonable(findings)

        def action(session: Session) -> None:
            _get_run(session, run_id).site_findings = findings

        self._write(action, run_id=run_id)

    def measured_urls(self, run_id: int) -> set[tuple[str, str]]:
        """(url, consent_state) of every crawled page already recorded in the run, failed ones
        included (journey steps are not crawled pages)."""
        return self._read(
            lambda session: {
                (url, consent)
                for url, consent in session.execute(
                    sa.select(Page.url, Page.consent_state).where(Page.run_id == run_id,
                                                                  Page.journey == "")
                )
            }
        )

    def load_capture(self, page_id: int) -> Capture:
        """The full Capture stored for a page."""

        def action(session: Session) -> Capture:
            data = session.scalar(
                sa.select(StoredCapture.data).where(StoredCapture.page_id == page_id)
            )
            if data is None:
                pruned = session.execute(
                    sa.select(Run.id, Run.captures_pruned_at)
                    .join(Page, Page.run_id == Run.id)
                    .where(Page.id == page_id)
                ).first()
                if pruned is not None and pruned.captures_pruned_at is not None:
                    raise CapturesPruned(
                        f"The full capture of page {page_id} is gone: retention pruned the "
                        f"captures of run {pruned.id} on {iso(pruned.captures_pruned_at)[:10]} "
                        "(its figures and findings are kept)."
                    )
                raise RunNotFound(f"There is no stored capture for page {page_id}.")
            return decompress_capture(data)

        return self._read(action)

    def page_summaries(self, run_id: int) -> list[dict[str, Any]]:
        """The pages of a run without their captures (cheap), in the order they were measured.

        Keys: page_id, run_id, url, final_url, consent_state, status, error, title, depth,
        source, measured_at, score, grade, ges, water, nodes, requests, size_kb, findings, co2.
        """
        return self._read(
            lambda session: [
                page_summary(page)
                for page in session.scalars(
                    sa.select(Page).where(Page.run_id == run_id).order_by(Page.id)
                )
            ]
        )

    def run_pages(self, run_id: int) -> list[dict[str, Any]]:
        """The pages of a run as JSON document entries (`jsondoc.page_entry`), plus page_id,
        depth and source; built from the stored captures. A page whose capture retention
        pruned gets its stored figures and findings, with no requests."""

        def action(session: Session) -> list[dict[str, Any]]:
            rows = session.execute(
                sa.select(Page, StoredCapture.data)
                .outerjoin(StoredCapture, StoredCapture.page_id == Page.id)
                .where(Page.run_id == run_id)
                .order_by(Page.id)
            )
            return [
                jsondoc.page_entry(
                    decompress_capture(data),
                    findings=page.findings,
                    co2=page.co2,
                    extra={"page_id": page.id, "depth": page.depth, "source": page.source,
                           "sample": page.sample},
                ) if data is not None else entry_without_capture(page)
                for page, data in rows
            ]

        return self._read(action)

    # -- documents ------------------------------------------------------------------------------

    def record_document(self, run_id: int, *, url: str, **fields: Any) -> int:
        """Store one linked document (fields: final_url, status, content_type, size_bytes,
        found_on, link_text, error) and commit; the same URL again in a run updates it."""
        unknown = set(fields) - set(DOCUMENT_FIELDS)
        if unknown:
            raise TypeError(f"record_document got unknown fields: {sorted(unknown)}")

        def action(session: Session) -> int:
            run = _get_run(session, run_id, lock=True)
            document = session.scalar(
                sa.select(Document).where(
                    Document.run_id == run_id, Document.url_key == url_key(url)
                )
            )
            if document is None:
                document = Document(run_id=run_id, url=url, url_key=url_key(url))
                session.add(document)
            for name in DOCUMENT_FIELDS:
                if name in fields:
                    setattr(document, name, fields[name])
            document.recorded_at = utc_now()
            session.flush()
            _refresh_counts(session, run)
            return document.id

        return self._write(action, upsert=True, run_id=run_id)

    def measured_documents(self, run_id: int) -> set[str]:
        """URLs of the documents already recorded in the run (for resume)."""
        return self._read(
            lambda session: set(
                session.scalars(sa.select(Document.url).where(Document.run_id == run_id))
            )
        )

    def run_documents(self, run_id: int) -> list[dict[str, Any]]:
        """The documents of a run, in the order they were recorded."""
        return self._read(
            lambda session: [
                document_dict(document)
                for document in session.scalars(
                    sa.select(Document).where(Document.run_id == run_id).order_by(Document.id)
                )
            ]
        )

    # -- duplicates -----------------------------------------------------------------------------

    def record_duplicate(self, run_id: int, *, url: str, duplicate_of: str, reason: str) -> bool:
        """Record that the crawl set `url` aside as a copy of `duplicate_of` (`reason`: one of
        "canonical", "redirect", "same_content") and commit. Idempotent: a URL already recorded
        in the run is left as it was. True when this call recorded it."""
        if reason not in DUPLICATE_REASONS:
            raise ValueError(f"record_duplicate reason must be one of {DUPLICATE_REASONS}: "
                             f"{reason!r}")

        def action(session: Session) -> bool:
            _get_run(session, run_id)
            known = session.scalar(sa.select(Duplicate.id).where(
                Duplicate.run_id == run_id, Duplicate.url_key == url_key(url)))
            if known is not None:
                return False
            session.add(Duplicate(run_id=run_id, url=url, url_key=url_key(url),
                                  duplicate_of=duplicate_of, reason=reason,
                                  recorded_at=utc_now()))
            session.flush()
            return True

        return self._write(action, upsert=True, run_id=run_id)

    def run_duplicates(self, run_id: int) -> list[dict[str, Any]]:
        """The URLs a run set aside as duplicates, in the order they were recorded: dicts with
        url, duplicate_of, reason and recorded_at (ISO 8601 UTC)."""
        return self._read(
            lambda session: [
                _duplicate_dict(duplicate)
                for duplicate in session.scalars(
                    sa.select(Duplicate).where(Duplicate.run_id == run_id).order_by(Duplicate.id)
                )
            ]
        )

    # -- whole runs, health ---------------------------------------------------------------------

    def run_document(self, run_id: int) -> dict[str, Any]:
        """The full JSON document of a run (the same shape as `crawl --json`)."""
        run = self.run(run_id)
        return jsondoc.build_document(
            self.run_pages(run_id),
            run["protocol"],
            documents=self.run_documents(run_id),
            run=run,
            duplicates=self.run_duplicates(run_id),
        )

    def integrity_check(self) -> bool:
        """True when the database is sound: SQLite's integrity and foreign-key checks pass, and
        on every backend each page has its capture (unless retention pruned its run's) and each
        run's counts match its rows."""

        def action(session: Session) -> bool:
            if is_sqlite(self.engine):
                if session.execute(sa.text("PRAGMA integrity_check")).scalar() != "ok":
                    return False
                if session.execute(sa.text("PRAGMA foreign_key_check")).first() is not None:
                    return False
            pages_without_capture = session.scalar(
                sa.select(sa.func.count(Page.id))
                .join(Run, Run.id == Page.run_id)
                .where(
                    Run.captures_pruned_at.is_(None),
                    ~sa.exists().where(StoredCapture.page_id == Page.id),
                )
            )
            if pages_without_capture:
                return False
            for run in session.scalars(sa.select(Run)):
                ok, failed, documents = _counts(session, run.id)
                if (run.pages_ok, run.pages_failed, run.documents_count) != (ok, failed, documents):
                    return False
            return True

        return self._read(action)


# -- helpers ----------------------------------------------------------------------------------


def _get_run(session: Session, run_id: int, *, lock: bool = False) -> Run:
    """The run, or RunNotFound. With `lock`, its row stays locked until the transaction ends:
    writers that recount a run's pages go one after the other (PostgreSQL would otherwise let
    two concurrent transactions each write a count missing the other's page)."""
    if lock:
        session.execute(sa.select(Run.id).where(Run.id == run_id).with_for_update())
    run = session.get(Run, run_id)
    if run is None:
        raise RunNotFound(f"There is no run {run_id} in this database: `ecoaudit runs` lists them.")
    return run


def _duplicate_dict(duplicate: Duplicate) -> dict[str, Any]:
    return {"url": duplicate.url, "duplicate_of": duplicate.duplicate_of,
            "reason": duplicate.reason, "recorded_at": iso(duplicate.recorded_at)}


def _counts(session: Session, run_id: int) -> tuple[int, int, int]:
    """Pages measured and failed (the first sample in the run's first device profile: repeats
    and other profiles add no page; journey steps are not pages of the crawl), documents."""
    first_device = session.scalar(sa.select(Page.device).where(Page.run_id == run_id)
                                  .order_by(Page.id).limit(1)) or "desktop"
    first = (Page.run_id == run_id, Page.sample == 1, Page.journey == "",
             Page.device == first_device)
    ok = session.scalar(sa.select(sa.func.count(Page.id)).where(*first, Page.error.is_(None)))
    failed = session.scalar(
        sa.select(sa.func.count(Page.id)).where(*first, Page.error.is_not(None))
    )
    documents = session.scalar(
        sa.select(sa.func.count(Document.id)).where(Document.run_id == run_id)
    )
    return ok or 0, failed or 0, documents or 0


def _refresh_counts(session: Session, run: Run) -> None:
    session.flush()
    run.pages_ok, run.pages_failed, run.documents_count = _counts(session, run.id)


def _replace_finding_rows(session: Session, page_id: int, findings: list[dict]) -> None:
    session.execute(sa.delete(Finding).where(Finding.page_id == page_id))
    for finding in findings:
        if not isinstance(finding, dict) or not finding.get("rule"):
            continue
        session.add(
            Finding(
                page_id=page_id,
                rule=str(finding["rule"])[:100],
                status=as_short_text(finding.get("status")),
                severity=as_short_text(finding.get("severity")),
                value=as_number(finding.get("value")),
                saving_bytes=as_integer(finding.get("saving_bytes")),
            )
        )






























