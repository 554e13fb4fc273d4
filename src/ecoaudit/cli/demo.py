"""`ecoaudit demo`: serve the bundled demo site locally, crawl it, store it, report on it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.cli.options import default_concurrency, measure_options, protocol_options
from ecoaudit.cli.output import console, print_pages_table, write_json
from ecoaudit.config import adhoc_site
from ecoaudit.crawl.engine import crawl_sites
from ecoaudit.demo.server import serve_demo_site
from ecoaudit.store import Store


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo-output"), show_default=True,
              help="Folder for the demo's database, JSON document and reports.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None,
              help="Pages measured at once (default: chosen for this machine).")
@protocol_options
def demo(out_dir, concurrency, viewport, wait_before, wait_after, timeout, no_coverage) -> None:
    """Audit the bundled demo site (a fictional commune) end to end, with the full protocol."""
    out_dir.mkdir(parents=True, exist_ok=True)
    database = out_dir / "ecoaudit-demo.db"
    concurrency = concurrency or default_concurrency()
    base = measure_options(viewport, wait_before, wait_after, timeout, no_coverage)
    with serve_demo_site() as start_url:
        console.print(f"Demo site served at {start_url} (Ville de Valmont-sur-Moselle, fictional)")
        site = adhoc_site(start_url, name="demo", title="Ville de Valmont-sur-Moselle (démo)",
                          max_concurrency_per_host=concurrency, min_delay=0)
        with Store.open(str(database)) as store:
            (result,) = asyncio.run(crawl_sites([site], store, base, concurrency=concurrency))
            document = store.run_document(result.run_id)
            print_pages_table(document["pages"], title="Demo site: EcoIndex per page")
            write_json(document, str(out_dir / "demo.json"))
            from ecoaudit.report import generate_reports

            written = generate_reports(store, out_dir / "reports", site_names=["demo"])
    console.print(f"Run {result.run_id}: {result.status}, {result.pages_ok} pages measured, "
                  f"{result.documents} documents, in {result.elapsed:.0f} s.")
    console.print(f"Database: {database}")
    console.print(f"Report of the demo site: {written.sites.get('demo', written.index)}")
    console.print(f"Collectivité report: {written.index}")
