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
    threshold_option,
    threshold_overrides,
)
from ecoaudit.cli.output import print_failures, print_pages_table, write_json
from ecoaudit.export import jsondoc
from ecoaudit.pipeline import measure_and_score, page_entry


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@protocol_options
@threshold_option
@click.option("--concurrency", type=click.IntRange(1, 64), default=None,
              help="Pages measured at once (default: chosen for this machine).")
@click.option("--json", "json_path", metavar="FILE",
              help="Write the JSON document to FILE ('-' for standard output).")
def audit(urls, viewport, wait_before, wait_after, timeout, no_coverage, thresholds,
          concurrency, json_path) -> None:
    """Measure each URL with the EcoIndex protocol and print its grade, score and costs.

    Exit status: 0 when every page was measured, 2 when any could not be.
    """
    overrides = threshold_overrides(thresholds)
    options = measure_options(viewport, wait_before, wait_after, timeout, no_coverage)
    pages = asyncio.run(measure_and_score(urls, options, overrides=overrides,
                                          concurrency=concurrency or default_concurrency()))
    entries = [page_entry(page) for page in pages]
    document = jsondoc.build_document(
        entries, pages[0].capture.protocol if pages else options.protocol(None))
    if json_path == "-":
        json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_pages_table(entries)
        if json_path:
            write_json(document, json_path)
    failed = print_failures(entries)
    sys.exit(2 if failed else 0)
