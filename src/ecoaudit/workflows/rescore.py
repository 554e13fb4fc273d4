"""The `rescore` workflow: a stored run's findings and CO2 recomputed with today's rules, offline.

EcoIndex is not recomputed (it depends on the measurement only); findings and CO2 go through the
same `score_page` as a fresh measurement, so a rescored run reads as if measured today.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ecoaudit.capture import Capture
from ecoaudit.config import load_config
from ecoaudit.metrics import page_ecoindex
from ecoaudit.rules import Catalogue, load_catalogue, validate_overrides
from ecoaudit.scoring import score_page
from ecoaudit.store import Store
from ecoaudit.store.errors import CapturesPruned


def rescore_page(
    capture_dict: dict[str, Any],
    catalogue: Catalogue | None = None,
    overrides: dict[str, dict] | None = None,
    first_party_hosts: list[str] | None = None,
) -> tuple[dict | None, list[dict], dict | None]:
    """(EcoIndex dict, findings as dicts, CO2 dict) of one stored capture."""
    capture = Capture.from_dict(capture_dict)
    scored = score_page(capture, catalogue=catalogue or load_catalogue(),
                        overrides=overrides, first_party_hosts=first_party_hosts)
    score = page_ecoindex(capture)
    return score.to_dict() if score else None, scored.findings, scored.co2


def scoring_settings(store: Store, site_name: str,
                     config_path: Path | None) -> tuple[dict, list[str]]:
    """(rule threshold overrides, first-party hosts) of a site: from sites.toml when given and
    it lists the site, else from the configuration stored with the site."""
    if config_path is not None:
        config = load_config(config_path)
        if any(known.name == site_name for known in config.sites):
            site = config.site(site_name)
            return dict(site.rules), list(site.first_party_hosts)
    stored = next((known for known in store.sites() if known["name"] == site_name), None)
    snapshot = (stored or {}).get("config") or {}
    return dict(snapshot.get("rules") or {}), list(snapshot.get("first_party_hosts") or [])


def rescore_run(store: Store, run_id: int, *, overrides: dict | None = None,
                first_party_hosts: list[str] | None = None) -> tuple[int, int]:
    """Recompute findings and CO2 of every measured page of a run from its stored capture;
    returns (pages rescored, pages whose findings or CO2 changed). Pages that could not be
    measured get what the crawl gives them (`na` findings, no CO2)."""
    run = store.run(run_id)
    if run["captures_pruned_at"]:
        raise CapturesPruned(
            f"Run {run_id} of {run['site']} cannot be rescored: retention pruned its full "
            f"captures on {run['captures_pruned_at'][:10]}, and rescoring needs them; its "
            "figures and findings stay as they were."
        )
    catalogue = load_catalogue()
    overrides = validate_overrides(overrides, catalogue, source="rescore")
    rescored = changed = 0
    for page in store.page_summaries(run_id):
        capture = store.load_capture(page["page_id"])
        _score, findings, co2 = rescore_page(
            capture.to_dict(), catalogue, overrides, first_party_hosts
        )
        findings, co2 = json.loads(json.dumps([findings, co2], default=str))
        if (findings, co2) != (page["findings"], page["co2"]):
            store.update_page_scores(page["page_id"], findings, co2)
            changed += 1
        rescored += 1
    store.mark_rescored(run_id)
    return rescored, changed
