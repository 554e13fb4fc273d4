"""Terminal output shared by commands: the pages table, failures, JSON files."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

from ecoaudit.export import jsondoc
from ecoaudit.metrics.ecoindex import GRADE_COLOURS

console = Console()
error_console = Console(stderr=True)


def print_pages_table(entries: list[dict], title: str | None = None) -> None:
    """One line per page: URL, grade, score, size, requests, nodes."""
    table = Table(title=title)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("URL", "left"), ("Grade", "center"), ("Score", "right"),
        ("Size (KB)", "right"), ("Requests", "right"), ("Nodes", "right"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")
    for entry in entries:
        score = entry.get("ecoindex")
        label = jsondoc.entry_label(entry)
        if score is None:
            table.add_row(Text(label), Text("-"), "-", "-", "-", Text("failed", style="red"))
            continue
        grade = Text(score["grade"], style=f"bold black on {GRADE_COLOURS[score['grade']]}")
        table.add_row(Text(label), grade, score_cell(entry), f"{score['size_kb']:.1f}",
                      str(score["requests"]), str(score["nodes"]))
    console.print(table)


def score_cell(entry: dict) -> Text:
    """The score; with repeated measurement, the median and its range (red when unstable)."""
    score = str(entry["ecoindex"]["score"])
    repeat = entry.get("repeat")
    if not repeat or "score" not in repeat["spread"]:
        return Text(score)
    spread = repeat["spread"]["score"]
    text = f"{score} ({spread['min']:g}-{spread['max']:g}, n={repeat['measured']})"
    return Text(text + (" unstable" if repeat["unstable"] else ""),
                style="red" if repeat["unstable"] else "")


def print_failures(entries: list[dict]) -> int:
    """One clear line per page that could not be measured; returns how many."""
    failed = [entry for entry in entries if entry.get("error")]
    for entry in failed:
        error_console.print(Text(f"Not measured: {entry['url']}: {entry['error']}"), style="red")
    return len(failed)


def write_json(document: dict, path: str) -> None:
    """Write a JSON document to a file, with a clear error if it cannot be written."""
    try:
        Path(path).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                              encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"Cannot write {path}: {error.strerror}.") from error
    console.print(f"JSON written to {path}")
