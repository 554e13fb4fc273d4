"""`ecoaudit journey FILE [FILE ...]`: play user journeys and measure their steps."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.cli.options import (
    measure_options,
    protocol_options,
    sampling_options,
    threshold_option,
    threshold_overrides,
)
from ecoaudit.cli.output import console, print_failures, print_pages_table, write_json
from ecoaudit.config import load_journey
from ecoaudit.store import Store
from ecoaudit.workflows.journey import journeys_document, play_journeys


@cli.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--base-url", metavar="URL",
              help="The site a journey's paths (start_url = \"/...\", goto = \"/...\") are on, "
              "e.g. a staging server.")
@click.option("--db", "db_url", metavar="URL|FILE", default=None,
              help="Keep the measured steps in this database (SQLite file or SQLAlchemy URL), "
              "one run per journey.")
@click.option("--json", "json_path", metavar="FILE",
              help="Write the JSON document to FILE ('-' for standard output).")
@protocol_options
@sampling_options
@threshold_option
def journey(files, base_url, db_url, json_path, viewport, wait_before, wait_after, timeout,
            no_coverage, devices, repeat, thresholds) -> None:
    """Play each journey FILE (docs/journeys.md) and measure the steps marked `measure`.

    Exit status: 0 when every journey reached its end, 2 when one stopped early (its earlier
    steps are still measured, printed and kept).
    """
    # A bad file stops here, before any browser starts.
    journeys = [load_journey(path, base_url=base_url) for path in files]
    overrides = threshold_overrides(thresholds)
    options = measure_options(viewport, wait_before, wait_after, timeout, no_coverage,
                              devices=devices)
    with Store.open(db_url) if db_url else contextlib.nullcontext() as store:
        outcome = asyncio.run(play_journeys(journeys, options, devices=devices, repeat=repeat,
                                            overrides=overrides or None, store=store))
    document = journeys_document(outcome)
    if json_path == "-":
        json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_pages_table(document["pages"], title="Journeys: EcoIndex per measured step")
        for play in document["journeys"]:
            _print_totals(play)
        if json_path:
            write_json(document, json_path)
    print_failures(document["pages"])
    sys.exit(2 if outcome.failed else 0)


def _print_totals(play: dict) -> None:
    label = f"{play['name']} [{play['device']}]" + (
        f" #{play['sample']}" if play["sample"] > 1 else "")
    if not play["steps"]:
        console.print(f"{label}: no step measured.")
        return
    costliest = play["costliest_step"]
    console.print(
        f"{label}: {play['steps']} steps, {play['size_kb']:.1f} KB, {play['requests']} "
        f"requests, mean EcoIndex {play['score']} ({play['grade']}); costliest step: "
        f"{costliest['index']}. {costliest['name']} ({costliest['score']})"
        + ("" if play["complete"] else " — stopped early"), highlight=False, markup=False)
