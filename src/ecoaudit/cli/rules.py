"""`ecoaudit rules`: list the eco-design rule catalogue (or the RGESN 2024 criteria)."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table
from rich.text import Text

from ecoaudit.cli import cli
from ecoaudit.cli.output import console
from ecoaudit.rules import load_catalogue, rgesn


def _print_rules(catalogue, lang: str) -> None:
    table = Table(title="Règles d'écoconception" if lang == "fr" else "Eco-design rules")
    table.add_column("id", no_wrap=True)
    for name in ("severity", "scope", "RGESN", "title"):
        table.add_column(name, overflow="fold")
    for rule in catalogue:
        table.add_row(Text(rule.id), rule.severity, rule.scope, ", ".join(rule.rgesn),
                      Text(rule.title[lang]))
    console.print(table)


def _print_criteria(criteria: list[rgesn.Criterion], lang: str) -> None:
    table = Table(title="RGESN 2024")
    for name in ("criterion", "priority", "check", "rules", "title"):
        table.add_column(name, overflow="fold")
    for criterion in criteria:
        title = criterion.title if lang == "fr" else criterion.title_en
        table.add_row(criterion.number, criterion.priority, criterion.check,
                      Text(", ".join(criterion.rules)), Text(title))
    console.print(table)


@cli.command("rules")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the titles.")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
@click.option("--rgesn", "show_rgesn", is_flag=True,
              help="List the 78 RGESN 2024 criteria and how ecoaudit checks each one.")
def rules_command(lang: str, as_json: bool, show_rgesn: bool) -> None:
    """List the eco-design rules: id, severity, scope, RGESN 2024 criteria and title."""
    catalogue = load_catalogue()
    if show_rgesn:
        criteria = rgesn.criteria(catalogue)
        if as_json:
            json.dump([c.to_dict() for c in criteria], sys.stdout, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            _print_criteria(criteria, lang)
        return
    if as_json:
        json.dump([rule.to_dict() for rule in catalogue], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_rules(catalogue, lang)
