"""A journey's totals, from the figures of its measured steps.

The weight and the requests of a journey add up (each step owns the requests made since the
previous measured one); its EcoIndex is the mean of its steps' scores, the way a multi-page
audit averages its pages, and its grade is that mean's. The step that costs most is the one
with the lowest EcoIndex score (the heaviest on a tie): the first one to work on.
"""

from __future__ import annotations

from statistics import mean
from typing import Any

from ecoaudit.metrics import ecoindex
from ecoaudit.scoring.repeats import entry_figures


def journey_totals(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals of a journey's step entries (page entries or page summaries of one play)."""
    measured = [(step, figures) for step in steps if (figures := entry_figures(step))]
    failed = next((step for step in steps if step.get("error")), None)
    totals: dict[str, Any] = {
        "steps": len(measured),
        "complete": failed is None,
        "error": failed.get("error") if failed else None,
        "size_kb": round(sum(figures["size_kb"] for _, figures in measured), 3),
        "requests": sum(figures["requests"] for _, figures in measured),
        "score": None, "grade": None, "costliest_step": None,
    }
    if measured:
        score = round(mean(figures["score"] for _, figures in measured))
        totals.update(score=score, grade=ecoindex.grade(score))
        step, figures = min(measured, key=lambda item: (item[1]["score"], -item[1]["size_kb"]))
        totals["costliest_step"] = {"index": step.get("step_index"), "name": step.get("step"),
                                    "score": figures["score"], "size_kb": figures["size_kb"]}
    return totals
