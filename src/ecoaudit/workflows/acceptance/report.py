"""The printable acceptance report (French HTML, one self-contained file with a print style)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ecoaudit.workflows.acceptance.verdict import LABELS_FR


def environment() -> Environment:
    """Templates of templates/acceptance; everything is escaped (crawled text is untrusted)."""
    return Environment(
        loader=PackageLoader("ecoaudit", "templates/acceptance"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )


def number_fr(value: Any, decimals: int = 1) -> str:
    """A number the French way (comma decimal separator), '–' when unknown."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def render_report(results: dict[str, Any], evidence: list[tuple[str, str]], path: Path) -> None:
    """Write the report from the results document and the (file, sha256) list of the evidence."""
    env = environment()
    env.filters["fr"] = number_fr
    html = env.get_template("report.html").render(r=results, evidence=evidence, labels=LABELS_FR)
    path.write_text(html, encoding="utf-8")
