"""Hand-built page entries (the `jsondoc.page_entry` shape) for the report's unit tests."""

from __future__ import annotations

from typing import Any

from ecoaudit.metrics import ecoindex


def page(
    url: str,
    nodes: int = 100,
    requests: int = 10,
    size_kb: float = 100.0,
    *,
    title: str | None = None,
    error: str | None = None,
    findings: list[dict] | None = None,
    swd_global: float | None = None,
    swd_france: float | None = None,
) -> dict[str, Any]:
    """A page entry; a page with `error` has no EcoIndex, as a failed measurement."""
    score = None if error else ecoindex.compute(nodes, requests, size_kb).to_dict()
    co2 = None
    if swd_global is not None:
        co2 = {"model": "swd-v4", "global": {"grams_per_view": swd_global},
               "france": {"grams_per_view": swd_france}}
    return {
        "url": url, "final_url": url, "status": None if error else 200, "error": error,
        "title": title, "ecoindex": score, "requests": [], "findings": findings or [], "co2": co2,
    }


def finding(rule: str, status: str = "fail", saving: int = 0, severity: str = "minor",
            rgesn: tuple[str, ...] = ("6.1",)) -> dict[str, Any]:
    """A finding with one piece of evidence saving `saving` bytes."""
    evidence = [{"url": "http://127.0.0.1/x", "bytes": saving * 2, "saving_bytes": saving,
                 "detail": ""}] if saving else []
    return {"rule": rule, "status": status, "severity": severity, "rgesn": list(rgesn),
            "value": None, "threshold": None, "evidence": evidence, "saving_bytes": saving,
            "reason": None}
