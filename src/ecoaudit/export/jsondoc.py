"""The JSON document of `audit --json`, `crawl --json` and `export --format json`.

Its key names are a public interface (docs/json.md): later versions add keys, never rename them.

    {"tool": {"name", "version"}, "protocol": {...}, "run": {...} | null,
     "pages": [{"url", "final_url", "status", "error", "ecoindex": {...}, "requests": [...],
                "findings": [...], "co2": {...}, ...}],
     "documents": [...], "duplicates": [{"url", "duplicate_of", "reason", "recorded_at"}]}
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ecoaudit import __version__
from ecoaudit.capture import Capture, Protocol
from ecoaudit.metrics import page_ecoindex

REQUEST_KEYS = (
    "url", "method", "resource_type", "status", "mime_type", "protocol", "transfer_bytes",
    "encoded_body_bytes", "decoded_body_bytes", "from_cache", "from_service_worker",
    "third_party", "frame", "started_ms", "duration_ms", "redirect_to", "failure",
)


def page_entry(
    capture: Capture,
    *,
    findings: list[dict] | None = None,
    co2: dict | None = None,
    extra: dict | None = None,
) -> dict[str, Any]:
    """The document's entry for one page."""
    score = page_ecoindex(capture)
    entry: dict[str, Any] = {
        "url": capture.requested_url,
        "final_url": capture.final_url,
        "status": capture.status,
        "error": capture.error,
        "title": capture.title,
        "lang": capture.lang,
        "canonical_url": capture.canonical_url,
        "content_type": capture.content_type,
        "redirect_chain": list(capture.redirect_chain),
        "consent_state": capture.protocol.consent,
        "device": capture.protocol.device,
        "measured_at": capture.protocol.measured_at,
        "ecoindex": score.to_dict() if score else None,
        "requests": [
            {key: getattr(request, key) for key in REQUEST_KEYS} for request in capture.requests
        ],
        "browser_only_requests": list(capture.browser_only_requests),
        "findings": findings if findings is not None else [],
        "co2": co2,
    }
    if capture.journey:
        entry.update(journey=capture.journey, step=capture.step, step_index=capture.step_index)
    if extra:
        entry.update(extra)
    return entry


def entry_label(entry: dict[str, Any]) -> str:
    """A page entry in one line: its URL (after its journey step, if it is one), with its
    consent state and device profile when they are not the plain ones."""
    label = entry["url"]
    if entry.get("journey") and entry.get("step_index"):
        label = f"journey {entry['journey']} step {entry['step_index']} " \
            f"({entry.get('step')}): {label}"
    if entry.get("consent_state") not in (None, "none"):
        label += f" [{entry['consent_state']}]"
    if entry.get("device") not in (None, "desktop"):
        label += f" [{entry['device']}]"
    return label


def build_document(
    pages: list[dict[str, Any]],
    protocol: Protocol | dict | None,
    *,
    documents: list[dict] | None = None,
    run: dict | None = None,
    duplicates: list[dict] | None = None,
) -> dict[str, Any]:
    """The whole document, from page entries (see `page_entry`); `duplicates` are the URLs a
    crawl set aside as copies of another page (`Store.run_duplicates`)."""
    if isinstance(protocol, Protocol):
        protocol = dataclasses.asdict(protocol)
    return {
        "tool": {"name": "ecoaudit", "version": __version__},
        "protocol": protocol,
        "run": run,
        "pages": pages,
        "documents": documents or [],
        "duplicates": duplicates or [],
    }
