"""One run as CSV: one row per page (columns documented in docs/export.md)."""

from __future__ import annotations

import csv
from typing import Any, TextIO

CSV_COLUMNS = (
    "run_id", "site", "url", "final_url", "consent_state", "depth", "status", "error",
    "score", "grade", "ges", "water", "nodes", "requests", "size_kb",
    "co2_global_g", "co2_global_rating", "co2_france_g", "measured_at",
    "rules_failed", "rules_warned", "device", "sample", "journey", "step_index", "step",
)


def csv_row(run: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    """The CSV row of one page summary (`Store.page_summaries`) of `run` (`Store.run`)."""
    co2 = page.get("co2") or {}
    world = co2.get("global") or {}
    france = co2.get("france") or {}
    statuses = [finding.get("status") for finding in page.get("findings") or []]
    return {
        "run_id": run["id"],
        "site": run["site"],
        **{name: page.get(name) for name in (
            "url", "final_url", "consent_state", "depth", "status", "error", "score", "grade",
            "ges", "water", "nodes", "requests", "size_kb",
        )},
        "co2_global_g": world.get("grams_per_view"),
        "co2_global_rating": world.get("rating"),
        "co2_france_g": france.get("grams_per_view"),
        "measured_at": page.get("measured_at"),
        "rules_failed": statuses.count("fail"),
        "rules_warned": statuses.count("warn"),
        **{name: page.get(name) for name in ("device", "sample", "journey", "step_index",
                                             "step")},
    }


def write_run_csv(run: dict[str, Any], pages: list[dict[str, Any]], stream: TextIO) -> None:
    """Write the header and one row per page; empty cells for missing values."""
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for page in pages:
        writer.writerow({key: "" if value is None else value
                         for key, value in csv_row(run, page).items()})
