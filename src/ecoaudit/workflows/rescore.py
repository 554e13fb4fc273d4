"""Recompute the scores of a stored capture with the current catalogue, offline."""

from __future__ import annotations

from typing import Any

from ecoaudit.capture import Capture
from ecoaudit.export import jsondoc
from ecoaudit.metrics import co2
from ecoaudit.rules.catalogue import Catalogue
from ecoaudit.rules.engine import load_catalogue


def page_co2_of(capture: Capture, *, green_hosting: bool = False) -> dict | None:
    """SWD v4 CO2 of a measured capture, None for a page that could not be measured."""
    if not capture.ok:
        return None
    return co2.page_co2(capture.transfer_bytes, green_hosting=green_hosting)


def rescore_page(
    capture_dict: dict[str, Any],
    catalogue: Catalogue | None = None,
    overrides: dict[str, dict] | None = None,
    first_party_hosts: list[str] | None = None,
) -> tuple[dict | None, list[dict], dict | None]:
    """(EcoIndex dict, findings as dicts, CO2 dict) of one stored capture."""
    from ecoaudit.scoring.score import score_capture

    capture = Capture.from_dict(capture_dict)
    scores = score_capture(capture, catalogue=catalogue or load_catalogue(),
                           overrides=overrides, first_party_hosts=first_party_hosts)
    score = jsondoc.page_ecoindex(capture)
    return score.to_dict() if score else None, scores["findings"], scores["co2"]
