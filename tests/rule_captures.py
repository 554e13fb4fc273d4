"""Builders of hand-made captures for the rule tests (no browser: rules are pure functions)."""

from __future__ import annotations

from ecoaudit.capture import Capture, DomFacts, Request
from ecoaudit.rules import Finding, evaluate, evaluate_site

SITE = "https://www.metz.fr"

_MIME_OF_KIND = {
    "document": "text/html", "stylesheet": "text/css", "script": "application/javascript",
    "image": "image/webp", "font": "font/woff2", "media": "video/mp4", "fetch": "application/json",
}


def req(path: str, kind: str = "document", *, status: int = 200, size: int = 1000,
        headers: dict | None = None, **fields) -> Request:
    """A request of the site (a path) or of another host (a full URL)."""
    url = path if "://" in path or path.startswith("data:") else SITE + path
    fields.setdefault("mime_type", _MIME_OF_KIND.get(kind))
    fields.setdefault("protocol", "h2")
    fields.setdefault("decoded_body_bytes", size)
    return Request(url=url, resource_type=kind, status=status, transfer_bytes=size,
                   response_headers=dict(headers or {}), **fields)


def page(*requests: Request, **fields) -> Capture:
    """A measured page of the site with every optional fact present (empty) unless given."""
    fields.setdefault("nodes", 100)
    for name in ("fonts", "media", "coverage", "cookies"):
        fields.setdefault(name, [])
    fields.setdefault("dom", DomFacts())
    return Capture(requested_url=SITE + "/", final_url=SITE + "/", status=200,
                   requests=list(requests) or [req("/")], **fields)


def finding(rule_id: str, capture: Capture, **thresholds) -> Finding:
    """The finding of one rule, with optional threshold overrides."""
    overrides = {rule_id: thresholds} if thresholds else None
    found = [f for f in evaluate(capture, overrides=overrides) if f.rule == rule_id]
    assert len(found) == 1, f"rule {rule_id} not evaluated"
    return found[0]


def site_finding(rule_id: str, captures: list[Capture], **thresholds) -> Finding:
    overrides = {rule_id: thresholds} if thresholds else None
    return next(f for f in evaluate_site(captures, overrides=overrides) if f.rule == rule_id)
