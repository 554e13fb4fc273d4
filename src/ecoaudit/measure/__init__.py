"""The measurement layer: a real Chromium loads a page and every gatherer fills its Capture.

`BrowserSession` (session.py) runs the EcoIndex protocol; each artifact has its gatherer: page
events (events.py), the HAR (har.py), coverage (coverage.py), DOM facts and links (facts.py and
js/), content sniffing (sniff.py), the navigation guard; browser discovery is browser.py; user
journeys are journey_steps.py (the model) and journey.py (playing them); device profiles are
devices.py.

The face's names are imported when first asked for: reading a journey file or a device name
(config) must not load Playwright.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ecoaudit.measure.navigation import Pacing
    from ecoaudit.measure.options import MeasureOptions
    from ecoaudit.measure.session import BrowserSession, measure_many, measure_urls

__all__ = ["BrowserSession", "MeasureOptions", "Pacing", "measure_many", "measure_urls"]

_MODULES = {"BrowserSession": "session", "MeasureOptions": "options", "Pacing": "navigation",
            "measure_many": "session", "measure_urls": "session"}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
