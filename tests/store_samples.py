"""Hand-built Captures, findings and CO2 dicts for the store tests (no browser needed)."""

from __future__ import annotations

from ecoaudit.capture import Capture, DomFacts, Protocol, Request

BASE = "http://127.0.0.1:8000"


def sample_capture(
    path: str = "/",
    *,
    nodes: int = 300,
    request_bytes: tuple[int, ...] = (20_000, 5_000, 75_000),
    consent: str = "none",
    error: str | None = None,
) -> Capture:
    """A measured page (or a failed one, with `error`) whose EcoIndex inputs are known."""
    url = BASE + path
    if error is not None:
        return Capture(requested_url=url, error=error,
                       protocol=Protocol(consent=consent, measured_at="2026-11-28T09:00:00Z"))
    requests = [Request(url=url, resource_type="document", status=200, mime_type="text/html",
                        protocol="http/1.1", transfer_bytes=request_bytes[0],
                        response_headers={"content-type": "text/html"})]
    requests += [Request(url=f"{url}asset-{index}.png", resource_type="image", status=200,
                         transfer_bytes=size) for index, size in enumerate(request_bytes[1:])]
    return Capture(
        requested_url=url, final_url=url, status=200, content_type="text/html",
        title="Accueil <b>Metz</b>", lang="fr", nodes=nodes, requests=requests,
        dom=DomFacts(iframes=1, max_depth=12), console_errors=["boom"],
        protocol=Protocol(consent=consent, measured_at="2026-11-28T09:00:00Z",
                          browser="chromium 1.0", tool_version="0.1.0"),
    )


def sample_findings() -> list[dict]:
    return [
        {"rule": "compress-text", "status": "fail", "severity": "major", "rgesn": ["6.1"],
         "value": 0.42, "threshold": 0.95, "evidence": [{"url": BASE + "/a.css", "bytes": 900,
         "saving_bytes": 600, "detail": ""}], "saving_bytes": 600, "reason": None},
        {"rule": "http-errors", "status": "warn", "severity": "minor", "rgesn": ["4.2"],
         "value": 1, "threshold": 0, "evidence": [], "saving_bytes": 0, "reason": None},
        {"rule": "plugins", "status": "pass", "severity": "minor", "rgesn": [],
         "value": "none", "threshold": None, "evidence": [], "saving_bytes": 0, "reason": None},
    ]


def sample_co2() -> dict:
    return {
        "model": "swd-v4", "bytes": 100_000,
        "global": {"label": "global", "grid_intensity": 494, "grams_per_view": 0.0321,
                   "rating": "A+"},
        "france": {"label": "France", "grid_intensity": 44, "grams_per_view": 0.0062,
                   "rating": "A+"},
    }
