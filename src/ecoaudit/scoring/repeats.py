"""Repeated measurement: N measurements of one page in one profile, their median and spread.

Every measurement is kept; the retained one is the measurement with the median EcoIndex score
(the lower median for an even count, ties broken by weight), a real measurement whose capture
and findings are the evidence. The spread (min, median, max) of the score and of its three
inputs is reported beside it, and a page whose score moves too much between measurements is
flagged unstable: its figures then need more samples, or a look at what changes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from statistics import median
from typing import Any

SPREAD_METRICS = ("score", "size_kb", "requests", "nodes")
# A page is unstable when its EcoIndex score moves by more than this many points between two
# of its measurements, or its grade changes (docs/measurement.md: what moves, and why).
UNSTABLE_SCORE_RANGE = 5


@dataclass
class Samples:
    """The EcoIndex figures of each measurement of one page (None: that one failed), read once
    all are measured."""

    figures: list[dict[str, Any] | None]

    @property
    def measured(self) -> list[int]:
        """Indexes of the measurements that succeeded."""
        return [i for i, figures in enumerate(self.figures) if figures]

    @property
    def retained_index(self) -> int | None:
        """The measurement with the median score (lower median), None if none succeeded."""
        ranked = sorted(self.measured, key=lambda i: (self._of(i)["score"],
                                                      -self._of(i)["size_kb"]))
        return ranked[(len(ranked) - 1) // 2] if ranked else None

    def _of(self, index: int) -> dict[str, Any]:
        figures = self.figures[index]
        if figures is None:
            raise ValueError(f"measurement {index} failed: it has no figures")
        return figures

    @functools.cached_property
    def spread(self) -> dict[str, dict[str, float]]:
        """min, median, max and range of the score and its inputs over the measurements."""
        result = {}
        for metric in SPREAD_METRICS:
            values = [self._of(i)[metric] for i in self.measured]
            if values:
                result[metric] = {"min": min(values), "median": median(values),
                                  "max": max(values), "range": round(max(values) - min(values), 3)}
        return result

    @property
    def grades(self) -> list[str]:
        """The distinct grades the measurements got, best first."""
        return sorted({self._of(i)["grade"] for i in self.measured})

    @property
    def unstable(self) -> bool:
        """Whether the score moved by more than UNSTABLE_SCORE_RANGE or the grade changed."""
        score = self.spread.get("score")
        if score is None:
            return False
        return score["range"] > UNSTABLE_SCORE_RANGE or len(self.grades) > 1

    def summary(self) -> dict[str, Any]:
        """The JSON form: how many, the spread and whether the page is unstable."""
        return {"samples": len(self.figures), "measured": len(self.measured),
                "spread": self.spread, "grades": self.grades, "unstable": self.unstable}


def group_samples(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Page entries (or page summaries) grouped by measured page: same URL, consent state,
    device and journey step; groups in the order of their first entry, samples by number."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for entry in entries:
        key = (entry.get("url"), entry.get("consent_state"), entry.get("device") or "desktop",
               entry.get("journey"), entry.get("step_index"))
        groups.setdefault(key, []).append(entry)
    return [sorted(group, key=lambda entry: entry.get("sample") or 1)
            for group in groups.values()]


def entry_figures(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The EcoIndex figures of a page entry (`ecoindex` key) or page summary (flat keys)."""
    if "ecoindex" in entry:
        return entry["ecoindex"] or None
    if entry.get("score") is None or entry.get("error"):
        return None
    return {name: entry.get(name) for name in ("score", "grade", *SPREAD_METRICS[1:])}


def retained_entry(group: list[dict[str, Any]]) -> dict[str, Any]:
    """The retained sample of a group, with the group's `repeat` summary when it has several."""
    samples = Samples([entry_figures(entry) for entry in group])
    index = samples.retained_index
    entry = dict(group[index if index is not None else 0])
    if len(group) > 1:
        entry["repeat"] = samples.summary()
    return entry
