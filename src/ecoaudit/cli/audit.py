"""`ecoaudit audit URL [URL ...]`: measure pages and print their EcoIndex."""

from __future__ import annotations

import asyncio
import json
import sys

import click

from ecoaudit.cli import cli
from ecoaudit.cli.options import (
    default_concurrency,
    measure_options,
    protocol_options,
    sampling_options,
    threshold_option,
    threshold_overrides,
)
from ecoaudit.cli.output import print_failures, print_pages_table, write_json
from ecoaudit.export import jsondoc
from ecoaudit.pipeline import measure_samples
from ecoaudit.scoring.repeats import retained_entry


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@protocol_options
@sampling_options
@threshold_option
@click.option("--concurrency", type=click.IntRange(1, 64), default=None,
              help="Pages measured at once (default: chosen for this machine).")
@click.option("--json", "json_path", metavar="FILE",
              help="Write the JSON document to FILE ('-' for standard output).")
def audit(urls, viewport, wait_before, wait_after, timeout, no_coverage, devices, repeat,
          thresholds, concurrency, json_path) -> None:
    """Measure each URL with the EcoIndex protocol and print its grade, score and costs.

    With --repeat N each page is measured N times: its entry is the median measurement, with
    the spread of every sample under "repeat". Exit status: 0 when every page was measured, 2
    when any could not be.
    """
    overrides = threshold_overrides(thresholds)
    options = measure_options(viewport, wait_before, wait_after, timeout, no_coverage,
                              devices=devices)
    groups, _browser = asyncio.run(measure_samples(
        urls, options, overrides=overrides, repeat=repeat, devices=devices or None,
        concurrency=concurrency or default_concurrency()))
    entries = [retained_entry(group.entries) for group in groups]
    protocol = groups[0].pages[0].capture.protocol if groups else options.protocol(None)
    document = jsondoc.build_document(entries, protocol)
    if json_path == "-":
        json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_pages_table(entries)
        if json_path:
            write_json(document, json_path)
    failed = print_failures(entries)
    sys.exit(2 if failed else 0)
