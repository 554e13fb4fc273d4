"""The measurement layer: a real Chromium loads a page and every gatherer fills its Capture.

`BrowserSession` (session.py) runs the EcoIndex protocol; each artifact has its gatherer: page
events (events.py), the HAR (har.py), coverage (coverage.py), DOM facts and links (facts.py and
js/), content sniffing (sniff.py), the navigation guard; browser discovery is browser.py.
"""

from ecoaudit.measure.navigation import Pacing
from ecoaudit.measure.options import MeasureOptions
from ecoaudit.measure.session import BrowserSession, measure_many, measure_urls

__all__ = ["BrowserSession", "MeasureOptions", "Pacing", "measure_many", "measure_urls"]
