"""`ecoaudit report`: write the HTML reports of the collectivité and of each site."""

from __future__ import annotations

from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.config import load_config
from ecoaudit.report import DEFAULT_OUT_DIR, generate_reports
from ecoaudit.report.i18n import LANGUAGES
from ecoaudit.store import Store

DB_HELP = "Database: a SQLite file or SQLAlchemy URL (default: $ECOAUDIT_DB, else ./ecoaudit.db)."
DEFAULT_CONFIG = Path("sites.toml")


@cli.command("report")
@click.argument("sites", nargs=-1)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_OUT_DIR, show_default=True, help="Folder the reports go to.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="fr", show_default=True,
              help="Language of the reports.")
@click.option("--db", "db_url", metavar="URL|FILE", default=None, help=DB_HELP)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="sites.toml, for budgets, targets, page views and removed "
              "sites (default: ./sites.toml when it exists).")
def report_command(
    sites: tuple[str, ...], out_dir: Path, lang: str, db_url: str | None,
    config_path: Path | None,
) -> None:
    """Write the HTML reports of SITES (default: every site) to the --out folder."""
    if config_path is None and DEFAULT_CONFIG.is_file():
        config_path = DEFAULT_CONFIG
    config = load_config(config_path) if config_path is not None else None
    with Store.open(db_url, create=False) as store:
        written = generate_reports(
            store, out_dir, lang=lang, site_names=list(sites) or None, config=config
        )
    click.echo(f"Collectivité report: {written.index}")
    for name, path in written.sites.items():
        click.echo(f"Site report ({name}): {path}")
