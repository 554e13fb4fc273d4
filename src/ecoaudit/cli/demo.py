"""`ecoaudit demo`: serve the bundled demo site locally, crawl it with its démarche (a user
journey), crawl its espace agents behind the login journey, store both, report on them."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.cli.options import default_concurrency, measure_options, protocol_options
from ecoaudit.cli.output import console, print_pages_table, write_json
from ecoaudit.config import SiteConfig, adhoc_site, load_journey
from ecoaudit.crawl.engine import crawl_sites
from ecoaudit.demo.dynamic import AGENT_PASSWORD
from ecoaudit.demo.server import demo_journeys_directory, serve_demo_site
from ecoaudit.store import Store

PASSWORD_VARIABLE = "VALMONT_AGENT_PASSWORD"  # what the demo's login journey refers to


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
    # The demo's fictional password, given to the login journey the way a real one would be.
    os.environ.setdefault(PASSWORD_VARIABLE, AGENT_PASSWORD)
    with serve_demo_site() as start_url:
        console.print(f"Demo site served at {start_url} (Ville de Valmont-sur-Moselle, fictional)")
        sites = demo_sites(start_url, concurrency)
        with Store.open(str(database)) as store:
            results = asyncio.run(crawl_sites(sites, store, base, concurrency=concurrency))
            document = store.run_document(results[0].run_id)
            crawled = [page for page in document["pages"] if page.get("source") != "journey"]
            print_pages_table(crawled, title="Demo site: EcoIndex per page")
            steps = [page for page in document["pages"] if page.get("source") == "journey"]
            print_pages_table(steps, title="Démarche en ligne: EcoIndex per measured step")
            agents = store.run_document(results[1].run_id)["pages"]
            print_pages_table(agents, title="Espace agents (after the login journey)")
            write_json(document, str(out_dir / "demo.json"))
            from ecoaudit.report import generate_reports

            written = generate_reports(store, out_dir / "reports",
                                       site_names=[site.name for site in sites])
    for result in results:
        console.print(f"Run {result.run_id} ({result.site}): {result.status}, "
                      f"{result.pages_ok} pages measured, {result.documents} documents, "
                      f"in {result.elapsed:.0f} s." + (f" {result.reason}" if result.reason
                                                       else ""))
    console.print(f"Database: {database}")
    console.print(f"Report of the demo site: {written.sites.get('demo', written.index)}")
    console.print(f"Collectivité report: {written.index}")


def demo_sites(start_url: str, concurrency: int) -> list[SiteConfig]:
    """The public site with its démarche, and the espace agents behind the login journey."""
    journeys = demo_journeys_directory()
    local = {"max_concurrency_per_host": concurrency, "min_delay": 0}
    public = adhoc_site(start_url, name="demo", title="Ville de Valmont-sur-Moselle (démo)",
                        journeys=[load_journey(journeys / "demarche-etat-civil.toml",
                                               base_url=start_url)], **local)
    agents = adhoc_site(start_url + "agents/", name="demo-agents",
                        title="Valmont-sur-Moselle : espace agents (démo)",
                        login=load_journey(journeys / "connexion.toml", base_url=start_url),
                        include=[r"/agents/"], sitemap=False, documents=False, **local)
    return [public, agents]
