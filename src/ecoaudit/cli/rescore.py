"""`ecoaudit rescore`: a stored run's findings and CO2 recomputed with the current rules."""

from __future__ import annotations

from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.cli.runs import DEFAULT_CONFIG, db_option
from ecoaudit.store import Store
from ecoaudit.workflows.rescore import rescore_run, scoring_settings


@cli.command("rescore")
@click.argument("run_spec", metavar="[RUN]", required=False, default="latest")
@click.option("--site", default=None, help="The site whose latest run RUN=latest means.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="sites.toml whose rule thresholds apply (default: ./sites.toml "
              "when it exists, else the settings stored with the run's site).")
@db_option
def rescore_command(run_spec: str, site: str | None, config_path: Path | None,
                    db_url: str | None) -> None:
    """Recompute the findings and CO2 of a stored run with the current rules, offline."""
    if config_path is None and DEFAULT_CONFIG.is_file():
        config_path = DEFAULT_CONFIG
    with Store.open(db_url, create=False) as store:
        run = store.find_run(run_spec, site)
        overrides, first_party_hosts = scoring_settings(store, run["site"], config_path)
        rescored, changed = rescore_run(store, run["id"], overrides=overrides,
                                        first_party_hosts=first_party_hosts)
    click.echo(f"Run {run['id']} of {run['site']}: {rescored} pages rescored with the current "
               f"rules, {changed} with different findings or CO2.")
