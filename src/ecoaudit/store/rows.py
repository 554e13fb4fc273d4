"""Stored rows as the plain dicts the store hands out, and the coercions of stored values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecoaudit.store.models import (
    Document,
    Page,
    Run,
    Site,
)

DOCUMENT_FIELDS = (
    "final_url", "status", "content_type", "size_bytes", "found_on", "link_text", "error",
)


def run_rows(session: Session, query: sa.Select) -> list[dict[str, Any]]:
    runs = list(session.scalars(query))
    if not runs:
        return []
    means: dict[int, float] = dict(
        session.execute(
            sa.select(Page.run_id, sa.func.avg(Page.score))
            .where(Page.run_id.in_([run.id for run in runs]), Page.score.is_not(None))
            .group_by(Page.run_id)
        ).all()
    )
    return [run_dict(run, means.get(run.id)) for run in runs]


def run_dict(run: Run, score_mean: float | None) -> dict[str, Any]:
    return {
        "id": run.id,
        "site": run.site.name,
        "site_title": run.site.title,
        "group": run.site.group,
        "started_at": iso(run.started_at),
        "ended_at": iso(run.ended_at),
        "status": run.status,
        "reason": run.reason,
        "settings": run.settings,
        "protocol": run.protocol,
        "tool_version": run.tool_version,
        "formula_version": run.formula_version,
        "browser_version": run.browser_version,
        "pages_ok": run.pages_ok,
        "pages_failed": run.pages_failed,
        "documents": run.documents_count,
        "resumed_count": run.resumed_count,
        "owner": run.owner,
        "rescored_at": iso(run.rescored_at),
        "site_findings": run.site_findings or [],
        "captures_pruned_at": iso(run.captures_pruned_at),
        "score_mean": round(float(score_mean), 1) if score_mean is not None else None,
    }


def site_dict(site: Site) -> dict[str, Any]:
    return {
        "id": site.id,
        "name": site.name,
        "title": site.title,
        "group": site.group,
        "config": site.config,
        "created_at": iso(site.created_at),
        "updated_at": iso(site.updated_at),
    }


def page_variant(page: Page) -> dict[str, Any]:
    """Which measurement of its URL a page row is: device, sample, journey and step."""
    return {"device": page.device, "sample": page.sample, "journey": page.journey or None,
            "step": page.step, "step_index": page.step_index or None}


def page_summary(page: Page) -> dict[str, Any]:
    return {
        "page_id": page.id,
        "run_id": page.run_id,
        "url": page.url,
        "final_url": page.final_url,
        "consent_state": page.consent_state,
        **page_variant(page),
        "status": page.status,
        "error": page.error,
        "title": page.title,
        "depth": page.depth,
        "source": page.source,
        "measured_at": iso(page.measured_at),
        "score": page.score,
        "grade": page.grade,
        "ges": page.ges,
        "water": page.water,
        "nodes": page.nodes,
        "requests": page.requests,
        "size_kb": page.size_kb,
        "findings": page.findings,
        "co2": page.co2,
    }


def entry_without_capture(page: Page) -> dict[str, Any]:
    """A page's document entry from its stored columns (its capture was pruned)."""
    measured = page.score is not None and not page.error
    return {
        "url": page.url,
        "final_url": page.final_url,
        "status": page.status,
        "error": page.error,
        "title": page.title,
        "consent_state": page.consent_state,
        **page_variant(page),
        "measured_at": iso(page.measured_at),
        "ecoindex": {name: getattr(page, name) for name in
                     ("score", "grade", "ges", "water", "nodes", "requests", "size_kb")}
        if measured else None,
        "requests": [],
        "findings": page.findings,
        "co2": page.co2,
        "page_id": page.id,
        "depth": page.depth,
        "source": page.source,
        "capture_pruned": True,
    }


def document_dict(document: Document) -> dict[str, Any]:
    return {"url": document.url} | {name: getattr(document, name) for name in DOCUMENT_FIELDS}


def jsonable(value: Any) -> Any:
    """The value as JSON would give it back (tuples become lists, odd types become strings)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))


@overload
def iso(moment: datetime) -> str: ...


@overload
def iso(moment: None) -> None: ...


@overload
def iso(moment: datetime | None) -> str | None: ...


def iso(moment: datetime | None) -> str | None:
    """The moment in UTC, ISO 8601; None for None."""
    return moment.astimezone(UTC).isoformat() if moment else None


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def as_integer(value: Any) -> int | None:
    number = as_number(value)
    return int(number) if number is not None else None


def as_short_text(value: Any) -> str | None:
    return None if value is None else str(value)[:20]
