"""The targets a site declares in sites.toml: their metrics, their two shapes, their checks.

Two shapes are read: a list, `targets = [{ metric = "median_score", min = 70, by = 2027 }]`, or a
table keyed by metric, `[sites.targets] median_score = { min = 70, by = 2027 }` (a bare number is a
minimum for scores and shares, a maximum otherwise). Shares may be fractions (0.8) or percentages.
Where a site stands against its targets is the report's business (report/targets.py).
"""

from __future__ import annotations

from typing import Any

from ecoaudit.errors import ConfigError

# Target metric names (as written in sites.toml) -> RunFigures attribute.
METRICS = {
    "median_score": "score_median",
    "mean_score": "score_mean",
    "share_c_or_better": "share_c_or_better",
    "share_b_or_better": "share_b_or_better",
    "share_within_budgets": "share_within_all_budgets",
    "mean_size_kb": "size_kb_mean",
    "mean_requests": "requests_mean",
    "mean_nodes": "nodes_mean",
    "mean_ges": "ges_mean",
    "mean_water": "water_mean",
    "mean_swd_global": "swd_global_mean",
    "mean_swd_france": "swd_france_mean",
}


def normalise_targets(targets: list[dict[str, Any]] | dict[str, Any] | None) -> list[dict]:
    """Targets as a list of `{metric, min|max, by}` dicts, whichever shape sites.toml used."""
    if not targets:
        return []
    if isinstance(targets, list):
        return [dict(target) for target in targets if isinstance(target, dict)]
    normalised = []
    for metric, value in targets.items():
        if isinstance(value, dict):
            normalised.append({"metric": metric, **value})
        elif isinstance(value, int | float) and not isinstance(value, bool):
            higher_is_better = metric.endswith("_score") or metric.startswith("share_")
            normalised.append({"metric": metric, "min" if higher_is_better else "max": value})
    return normalised


def check_targets(targets: list[dict[str, Any]] | dict[str, Any] | None, source: str) -> None:
    """ConfigError naming `source`, the target and the key when a declared target is wrong."""
    for target in normalise_targets(targets):
        unknown = set(target) - {"metric", "min", "max", "by"}
        if unknown:
            raise ConfigError(f"{source}: the target {target.get('metric')} has unknown "
                              f"key(s) {', '.join(sorted(unknown))}; use min or max, and by.")
        checked_target(target, source)


def _limit(metric: str, value: float) -> float:
    return value / 100 if metric.startswith("share_") and value > 1 else value


def checked_target(target: dict[str, Any], source: str) -> tuple[str, str, float, int | None]:
    """(metric, bound, limit, by) of one target; ConfigError saying what is wrong otherwise."""
    metric = str(target.get("metric", ""))
    if metric not in METRICS:
        raise ConfigError(f"{source}: unknown target metric {metric!r}; the metrics are "
                          f"{', '.join(METRICS)}.")
    bounds = [key for key in ("min", "max") if key in target]
    if len(bounds) != 1:
        raise ConfigError(f"{source}: the target {metric} needs either min or max.")
    limit, by = target[bounds[0]], target.get("by")
    if isinstance(limit, bool) or not isinstance(limit, int | float):
        raise ConfigError(f"{source}: the target {metric} {bounds[0]} must be a number, "
                          f"got {limit!r}.")
    if by is not None and (isinstance(by, bool) or not isinstance(by, int)):
        raise ConfigError(f"{source}: the target {metric} by must be a year, got {by!r}.")
    return metric, bounds[0], _limit(metric, float(limit)), by
