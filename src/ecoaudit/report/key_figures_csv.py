"""The key figures of the yearly review as CSV: one row per site, then one per group.

Column names are stable English keys; numbers use a dot and are not rounded beyond 3 decimals.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from ecoaudit.report.collectivite import CollectiviteReport, GroupFigures
from ecoaudit.report.figures import RunFigures
from ecoaudit.report.site import SiteReport

COLUMNS = (
    "site", "title", "group", "in_sites_toml", "run_started_at", "pages_total", "pages_measured",
    "pages_failed", "score_mean", "score_median", "median_grade", "share_c_or_better",
    "share_b_or_better", "share_within_budgets", "size_kb_total", "size_kb_mean",
    "requests_mean", "nodes_mean", "ges_g_per_view", "water_cl_per_view",
    "swd_global_g_per_view", "swd_france_g_per_view", "page_views_per_year",
    "kg_co2e_per_year_ecoindex", "m3_water_per_year_ecoindex", "kg_co2e_per_year_swd_global",
    "kg_co2e_per_year_swd_france", "tool_version", "formula_version",
)


def _number(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return "" if value is None else value


def _figure_columns(figures: RunFigures | None) -> dict[str, Any]:
    if figures is None:
        return {}
    yearly = figures.yearly
    return {
        "pages_total": figures.pages_total,
        "pages_measured": figures.pages_measured,
        "pages_failed": figures.pages_failed,
        "score_mean": figures.score_mean,
        "score_median": figures.score_median,
        "median_grade": figures.median_grade,
        "share_c_or_better": figures.share_c_or_better,
        "share_b_or_better": figures.share_b_or_better,
        "share_within_budgets": figures.share_within_all_budgets,
        "size_kb_total": figures.size_kb_total if figures.pages_measured else None,
        "size_kb_mean": figures.size_kb_mean,
        "requests_mean": figures.requests_mean,
        "nodes_mean": figures.nodes_mean,
        "ges_g_per_view": figures.ges_mean,
        "water_cl_per_view": figures.water_mean,
        "swd_global_g_per_view": figures.swd_global_mean,
        "swd_france_g_per_view": figures.swd_france_mean,
        "page_views_per_year": yearly.page_views if yearly else None,
        "kg_co2e_per_year_ecoindex": yearly.kg_co2e_ecoindex if yearly else None,
        "m3_water_per_year_ecoindex": yearly.m3_water_ecoindex if yearly else None,
        "kg_co2e_per_year_swd_global": yearly.kg_co2e_swd_global if yearly else None,
        "kg_co2e_per_year_swd_france": yearly.kg_co2e_swd_france if yearly else None,
    }


def site_row(report: SiteReport) -> dict[str, Any]:
    """The CSV row of one site (its latest run)."""
    site, latest = report.site, report.site.latest
    row: dict[str, Any] = {
        "site": site.name, "title": site.label, "group": site.group,
        "in_sites_toml": "yes" if site.in_config else "no",
    }
    if latest is not None:
        started = latest.started_at
        row["run_started_at"] = started.isoformat() if started else latest.run.get("started_at")
        row["tool_version"] = latest.run.get("tool_version")
        row["formula_version"] = latest.run.get("formula_version")
    row.update(_figure_columns(report.latest))
    return row


def group_row(name: str, group: GroupFigures) -> dict[str, Any]:
    """The CSV row of a whole group: all its sites' latest pages together."""
    row: dict[str, Any] = {"site": name, "title": name, "group": name, "in_sites_toml": ""}
    row.update(_figure_columns(group.pooled if group.sites else None))
    row["kg_co2e_per_year_ecoindex"] = group.kg_co2e_per_year
    row["m3_water_per_year_ecoindex"] = group.m3_water_per_year
    return row


def key_figures_csv(report: CollectiviteReport) -> str:
    """The CSV text: every site of every group, then the group totals."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    rows = [site_row(r) for r in (*report.own.sites, *report.benchmark.sites, *report.other)]
    rows.append(group_row("all-own-sites", report.own))
    rows.append(group_row("all-benchmark-sites", report.benchmark))
    for row in rows:
        writer.writerow({column: _number(row.get(column)) for column in COLUMNS})
    return buffer.getvalue()
