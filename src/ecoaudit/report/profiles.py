"""Device profiles: each profile a run measured its pages in, with its own figures.

A page measured on a phone and on a desktop gives two measurements that are not comparable
(the EcoIndex reference is the 1920 × 1080 desktop): each profile keeps its own averages, never
pooled with another profile's. The report's key figures are those of the main profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecoaudit.metrics import ecoindex
from ecoaudit.report.figures import RunFigures, run_figures
from ecoaudit.report.model import RunData


@dataclass(frozen=True)
class DeviceProfile:
    """One device profile of a run: its crawled pages' figures, and its viewport if known."""

    device: str
    main: bool
    figures: RunFigures
    viewport: dict[str, Any] | None = None

    @property
    def mean_grade(self) -> str | None:
        """The grade of the profile's mean score (rounded the EcoIndex way)."""
        score = self.figures.score_mean
        return None if score is None else ecoindex.grade(round(score))


def device_profiles(run: RunData | None) -> list[DeviceProfile]:
    """The profiles of a run measured in several of them, main profile first; [] otherwise."""
    if run is None or not run.several_devices:
        return []
    return [DeviceProfile(device, device == run.device, run_figures(pages),
                          run.viewports.get(device))
            for device, pages in run.profiles.items()]
