"""Progress against the targets a site declares in sites.toml (declared and checked in
scoring/targets.py): the first and the latest run's figures against each target's bound."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecoaudit.report.figures import RunFigures
from ecoaudit.scoring.targets import METRICS, checked_target, normalise_targets

MET, ON_TRACK, LATE, UNKNOWN = "met", "pending", "late", "unknown"


@dataclass(frozen=True)
class TargetProgress:
    """One target and where the site stands: first value measured, latest value, status."""

    metric: str
    bound: str  # "min" or "max"
    limit: float
    by: int | None
    first_value: float | None
    latest_value: float | None
    status: str  # MET, ON_TRACK (not met, deadline not passed), LATE, UNKNOWN


def metric_value(figures: RunFigures | None, metric: str) -> float | None:
    """Value of a target metric in a run's figures (None when unknown or not measured)."""
    attribute = METRICS.get(metric)
    if figures is None or attribute is None:
        return None
    return getattr(figures, attribute)


def target_progress(
    targets: list[dict[str, Any]] | dict[str, Any] | None,
    first: RunFigures | None,
    latest: RunFigures | None,
    year: int,
    source: str = "sites.toml targets",
) -> list[TargetProgress]:
    """Where each target stands in `year`, from the first and the latest run's figures."""
    progress = []
    for target in normalise_targets(targets):
        metric, bound, limit, by = checked_target(target, source)
        value = metric_value(latest, metric)
        if value is None:
            status = UNKNOWN
        elif (value >= limit) if bound == "min" else (value <= limit):
            status = MET
        else:
            status = LATE if by is not None and year > by else ON_TRACK
        progress.append(
            TargetProgress(metric, bound, limit, by, metric_value(first, metric), value, status)
        )
    return progress
