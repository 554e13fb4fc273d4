"""The user journeys of a run as the report shows them: one table per journey and device.

Each table lists the journey's measured steps in order (with several plays of the journey, the
retained sample of each step and its spread), then the journey's totals
(`scoring.journeys.journey_totals`). A journey that stopped on a failed step keeps the steps
measured before it, and the failed step's row holds the error sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecoaudit.scoring.journeys import journey_totals
from ecoaudit.scoring.repeats import entry_figures, retained_entry

DESKTOP = "desktop"


@dataclass
class JourneyTable:
    """One journey played in one device profile: its steps, totals and failures."""

    name: str
    device: str
    steps: list[dict[str, Any]]  # retained entry of each step, in step order
    totals: dict[str, Any]
    samples: int = 1  # how many times the journey was played in this profile
    failed_plays: list[tuple[int, str]] = field(default_factory=list)  # (sample, error)

    @property
    def failed(self) -> bool:
        """Whether the journey stopped on a failed step (in every play, when repeated)."""
        return not self.totals["complete"]

    @property
    def error(self) -> str | None:
        return self.totals["error"]


def _step_key(entry: dict[str, Any]) -> tuple[int, bool]:
    """A step's place, a failed step's row after a measurement of the same step."""
    return entry.get("step_index") or 0, bool(entry.get("error"))


def journey_table(name: str, device: str, entries: list[dict[str, Any]]) -> JourneyTable:
    """The table of one journey in one profile, from all its step rows (every sample)."""
    by_step: dict[tuple[int, bool], list[dict[str, Any]]] = {}
    for entry in sorted(entries, key=lambda e: (_step_key(e), e.get("sample") or 1)):
        by_step.setdefault(_step_key(entry), []).append(entry)
    plays = sorted({entry.get("sample") or 1 for entry in entries})
    failed_plays = sorted({(entry.get("sample") or 1, entry["error"])
                           for entry in entries if entry.get("error")})
    complete_play = len({sample for sample, _ in failed_plays}) < len(plays)
    groups = list(by_step.values())
    if len(plays) > 1 and complete_play:
        # A step that failed in some plays only: the plays that went through are the journey.
        groups = [group for group in groups if any(entry_figures(e) for e in group)]
    steps = [retained_entry(group) for group in groups]
    return JourneyTable(name=name, device=device, steps=steps, totals=journey_totals(steps),
                        samples=len(plays), failed_plays=failed_plays)


def journey_tables(entries: list[dict[str, Any]]) -> list[JourneyTable]:
    """Every journey of a run, in the order they were played; one table per device."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in entries:
        if entry.get("journey"):
            key = (entry["journey"], entry.get("device") or DESKTOP)
            grouped.setdefault(key, []).append(entry)
    order = list(dict.fromkeys(name for name, _ in grouped))
    return [journey_table(name, device, rows)
            for name in order for (journey, device), rows in grouped.items() if journey == name]
