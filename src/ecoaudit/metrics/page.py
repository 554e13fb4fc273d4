"""The metrics of one Capture: its EcoIndex and its CO2, None for a page that was not measured."""

from __future__ import annotations

from ecoaudit.capture import Capture
from ecoaudit.metrics import co2, ecoindex


def page_ecoindex(capture: Capture) -> ecoindex.EcoIndex | None:
    """EcoIndex of a measured capture, None for a page that could not be measured."""
    if not capture.ok or capture.nodes is None:
        return None
    return ecoindex.compute(capture.nodes, capture.request_count, capture.size_kb)


def page_co2(capture: Capture, *, green_hosting: bool = False) -> dict | None:
    """SWD v4 CO2 of a measured capture, None for a page that could not be measured."""
    if not capture.ok:
        return None
    return co2.page_co2(capture.transfer_bytes, green_hosting=green_hosting)
