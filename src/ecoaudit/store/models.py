"""The tables: sites, runs, pages, captures (compressed, loaded on demand), findings, documents,
duplicates.

Schema changes go through a new Alembic migration in `ecoaudit/migrations/versions/`; a test
checks that the migrations and these models describe the same schema.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Plain JSON (not JSONB) on PostgreSQL too: it keeps key order, so exports read the same.
JSON_TYPE = sa.JSON(none_as_null=True)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

RUN_STATUSES = ("running", "completed", "interrupted", "failed")
# Why a crawled URL was set aside as a copy of another page (crawl/dedup.py, crawl/engine.py).
DUPLICATE_REASONS = ("canonical", "redirect", "same_content")


def utc_now() -> datetime:
    return datetime.now(UTC)


def url_key(url: str) -> str:
    """SHA-256 of a URL: a fixed-size unique key (some URLs are too long for an index)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


class UtcDateTime(sa.TypeDecorator):
    """A timestamp always given back as an aware UTC datetime (SQLite keeps no time zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict] = {
        dict[str, Any]: JSON_TYPE, list[Any]: JSON_TYPE, datetime: UtcDateTime,
    }


class Site(Base):
    """One audited website, with a redacted snapshot of its configuration."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str | None] = mapped_column(sa.String(500))
    group: Mapped[str] = mapped_column("site_group", sa.String(20), default="own")
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class Run(Base):
    """One crawl of a site: when, how (settings, protocol, versions), and how it ended."""

    __tablename__ = "runs"
    __table_args__ = (sa.Index("ix_runs_site_started", "site_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    ended_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="running", index=True)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    protocol: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tool_version: Mapped[str | None] = mapped_column(sa.String(50))
    formula_version: Mapped[str | None] = mapped_column(sa.String(100))
    browser_version: Mapped[str | None] = mapped_column(sa.String(200))
    pages_ok: Mapped[int] = mapped_column(default=0)
    pages_failed: Mapped[int] = mapped_column(default=0)
    documents_count: Mapped[int] = mapped_column(default=0)
    owner: Mapped[str | None] = mapped_column(sa.String(300))  # "host:pid" of the crawling process
    resumed_count: Mapped[int] = mapped_column(default=0)
    rescored_at: Mapped[datetime | None]  # last `ecoaudit rescore` of its findings
    site_findings: Mapped[list[Any] | None] = mapped_column(JSON_TYPE)  # site-scope rules
    # When retention removed the run's captures and per-resource evidence (figures stay).
    captures_pruned_at: Mapped[datetime | None]

    site: Mapped[Site] = relationship(lazy="joined")


class Page(Base):
    """One measurement of a page in a run, with its scores: a page has one per consent state,
    device profile and sample (repeated measurement); a journey's measured step is one too."""

    __tablename__ = "pages"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "url_key", "consent_state", "device", "sample", "journey",
                            "step_index", name="uq_pages_run_page_variant"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.Text)
    url_key: Mapped[str] = mapped_column(sa.String(64))
    consent_state: Mapped[str] = mapped_column(sa.String(10), default="none")
    device: Mapped[str] = mapped_column(sa.String(60), default="desktop",
                                        server_default="desktop")
    sample: Mapped[int] = mapped_column(default=1, server_default="1")  # 1..N with --repeat N
    journey: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")  # "": none
    step: Mapped[str | None] = mapped_column(sa.Text)
    step_index: Mapped[int] = mapped_column(default=0, server_default="0")  # 1, 2... in a journey
    final_url: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[int | None]  # HTTP status of the final document
    error: Mapped[str | None] = mapped_column(sa.Text)
    title: Mapped[str | None] = mapped_column(sa.Text)
    depth: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(sa.String(50), default="start")
    measured_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)
    score: Mapped[int | None]
    grade: Mapped[str | None] = mapped_column(sa.String(1))
    ges: Mapped[float | None]
    water: Mapped[float | None]
    nodes: Mapped[int | None]
    requests: Mapped[int | None]
    size_kb: Mapped[float | None]
    findings: Mapped[list[Any]] = mapped_column(default=list)
    co2: Mapped[dict[str, Any] | None]

    run: Mapped[Run] = relationship()


class StoredCapture(Base):
    """The full Capture of a page: zlib-compressed JSON of `Capture.to_dict()`."""

    __tablename__ = "captures"

    page_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    schema_version: Mapped[int]
    raw_bytes: Mapped[int]  # size of the JSON before compression
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Finding(Base):
    """One rule's result on one page: a flat copy of `pages.findings` for SQL aggregates."""

    __tablename__ = "findings"
    __table_args__ = (sa.Index("ix_findings_rule_status", "rule", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(sa.ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str | None] = mapped_column(sa.String(20))
    severity: Mapped[str | None] = mapped_column(sa.String(20))
    value: Mapped[float | None]  # numeric values only; others stay in pages.findings
    saving_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)


class Document(Base):
    """A document (PDF, DOCX, ...) linked from a page of a run: checked, not rendered."""

    __tablename__ = "documents"
    __table_args__ = (sa.UniqueConstraint("run_id", "url_key", name="uq_documents_run_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.Text)
    url_key: Mapped[str] = mapped_column(sa.String(64))
    final_url: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(sa.String(200))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    found_on: Mapped[str | None] = mapped_column(sa.Text)
    link_text: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)


class Duplicate(Base):
    """A URL of a run set aside as a copy of another page, not measured as a page of its own:
    its canonical link names another page, it redirects to a page already measured, or it serves
    the HTML of a page already measured."""

    __tablename__ = "duplicates"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "url_key", name="uq_duplicates_run_url"),
        sa.CheckConstraint("reason IN ('canonical', 'redirect', 'same_content')",
                           name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.Text)  # the URL set aside, as the crawl queued it
    url_key: Mapped[str] = mapped_column(sa.String(64))
    duplicate_of: Mapped[str] = mapped_column(sa.Text)  # the page it is a copy of
    reason: Mapped[str] = mapped_column(sa.String(20))  # one of DUPLICATE_REASONS
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)


# -- the work queue: runs crawled by workers (`ecoaudit worker`), shared through the database --

QUEUE_STATES = ("crawling", "cancelling", "finishing", "finished")
# A frontier URL is queued, claimed by a worker, then done or failed (measured), duplicate (set
# aside as a copy of another page), refused (robots.txt, seen when claimed), redirect (the
# final URL of another page's redirect: measured through it) or cancelled (the run was).
FRONTIER_STATES = ("queued", "claimed", "done", "failed", "duplicate", "refused", "redirect",
                   "cancelled")


class QueuedRun(Base):
    """A run crawled by workers: what they need to join it (the site, the protocol, the
    versions) and where it stands."""

    __tablename__ = "queued_runs"

    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    site_spec: Mapped[dict[str, Any]] = mapped_column(default=dict)  # config.serial, unresolved
    measure: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the protocol's settings
    tool_version: Mapped[str] = mapped_column(sa.String(50))
    catalogue: Mapped[str] = mapped_column(sa.String(64))  # digest of the rule catalogue
    state: Mapped[str] = mapped_column(sa.String(20), default="crawling", index=True)
    refused: Mapped[dict[str, Any]] = mapped_column(default=dict)  # URLs refused, by reason
    problem: Mapped[str | None] = mapped_column(sa.Text)  # why a worker would not join it
    queued_at: Mapped[datetime] = mapped_column(default=utc_now)
    active_at: Mapped[datetime] = mapped_column(default=utc_now)  # last claim or page done


class FrontierUrl(Base):
    """A URL of a queued run: a page to measure or a document to inspect, claimed by one
    worker at a time (`state`, `claimed_by`, `lease_until`)."""

    __tablename__ = "frontier"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "url_key", name="uq_frontier_run_url"),
        sa.UniqueConstraint("run_id", "content_key", name="uq_frontier_run_content"),
        sa.Index("ix_frontier_run_state", "run_id", "kind", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(sa.Text)
    url_key: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(10), default="page")  # page, document
    depth: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(sa.String(50), default="start")
    parent: Mapped[str | None] = mapped_column(sa.Text)
    link_text: Mapped[str | None] = mapped_column(sa.Text)
    path_key: Mapped[str | None] = mapped_column(sa.String(64))  # set for URLs with a query
    host: Mapped[str] = mapped_column(sa.String(300))  # net.urls.politeness_key
    state: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(300))
    lease_until: Mapped[datetime | None]
    content_key: Mapped[str | None] = mapped_column(sa.String(64))  # digest of its HTML
    error: Mapped[str | None] = mapped_column(sa.Text)
    queued_at: Mapped[datetime] = mapped_column(default=utc_now)
    done_at: Mapped[datetime | None]


class HostLease(Base):
    """One page of a host being measured: at most `max_concurrency_per_host` live leases per
    host across every worker; a lease of a dead worker ends at `expires_at`."""

    __tablename__ = "host_leases"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(sa.String(300), index=True)
    holder: Mapped[str] = mapped_column(sa.String(300))
    expires_at: Mapped[datetime]


class HostPace(Base):
    """When the next page navigation to a host may leave, across every worker."""

    __tablename__ = "host_pace"

    host: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    next_start_at: Mapped[datetime] = mapped_column(default=utc_now)


# -- the web interface (`ecoaudit serve`): accounts, audit log, login attempts, jobs --------------

WEB_ROLES = ("viewer", "operator", "admin")
JOB_KINDS = ("audit", "crawl", "acceptance")
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")


class User(Base):
    """A local account of the web interface (`ecoaudit users`); the password as an Argon2
    hash, never in clear."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    role: Mapped[str] = mapped_column(sa.String(20))  # viewer, operator, admin
    password_hash: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    password_changed_at: Mapped[datetime] = mapped_column(default=utc_now)


class AuditEntry(Base):
    """Who did what, when: logins, launches, cancellations, deletions, account changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    user: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(50))  # login, launch, cancel, user_add, ...
    target: Mapped[str] = mapped_column(sa.Text, default="")
    detail: Mapped[str] = mapped_column(sa.Text, default="")


class LoginAttempt(Base):
    """A failed login, kept a while for the rate limit (shared by every web process)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    name: Mapped[str] = mapped_column(sa.String(100), index=True)
    address: Mapped[str] = mapped_column(sa.String(100), index=True)


class Job(Base):
    """Work an operator launched from the web interface (an audit, a crawl, an acceptance).

    `active_fingerprint` holds `fingerprint` while the job is queued or running and NULL once
    it ended: its unique index refuses a second active job with the same kind and parameters.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # audit, crawl, acceptance
    state: Mapped[str] = mapped_column(sa.String(20), default="queued", index=True)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))  # SHA-256 of kind and params
    active_fingerprint: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)  # done, total, position
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)  # run ids, folder, files
    error: Mapped[str | None] = mapped_column(sa.Text)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
