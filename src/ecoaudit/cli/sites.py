"""`ecoaudit sites`: the sites of sites.toml listed, and other collectivités' sites imported
from a CSV file (`sites import`, see `config.sites_import`)."""

from __future__ import annotations

from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.config import SiteConfig, load_config
from ecoaudit.config.schema import GROUPS
from ecoaudit.config.sites_import import DEFAULT_PAGES, ImportOutcome, import_sites
from ecoaudit.errors import ConfigError

DEFAULT_CONFIG = Path("sites.toml")
IMPORT_GROUPS = [group for group in GROUPS if group != "own"]


def config_option(function):
    """Add `--config FILE` (default ./sites.toml), passed as `config_path`."""
    return click.option("--config", "config_path", default=DEFAULT_CONFIG, show_default=True,
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="The sites.toml to read (and, for import, to edit).")(function)


@cli.group("sites")
def sites() -> None:
    """List the sites of sites.toml, import other collectivités' sites."""


@sites.command("list")
@config_option
@click.option("--group", type=click.Choice(GROUPS), default=None,
              help="Only the sites of this group.")
def list_command(config_path: Path, group: str | None) -> None:
    """Name, group, size category, population and URL of each site."""
    config = load_config(config_path)
    chosen = [site for site in config.sites if group is None or site.group == group]
    if not chosen:
        click.echo(f"No site in {config_path}" + (f" in the group {group}." if group else "."))
        return
    click.echo(format_sites_table(chosen))


SITES_COLUMNS = (("Name", "<"), ("Group", "<"), ("Category", "<"), ("Population", ">"),
                 ("URL", "<"))


def format_sites_table(sites_to_show: list[SiteConfig]) -> str:
    """The sites as plain aligned columns; a category in brackets comes from the population."""
    rows = [(site.name, site.group, _category_cell(site),
             "-" if site.population is None else str(site.population), site.start_urls[0])
            for site in sites_to_show]
    header = tuple(name for name, _ in SITES_COLUMNS)
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    return "\n".join(
        "  ".join(f"{cell:{align}{width}}" for cell, (_, align), width
                  in zip(row, SITES_COLUMNS, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def _category_cell(site: SiteConfig) -> str:
    """The written category, or the population's in brackets, or '-'."""
    if site.category:
        return site.category
    derived = site.size_category
    return f"({derived})" if derived else "-"


@sites.command("import")
@click.argument("csv_file", metavar="FILE.csv",
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--group", type=click.Choice(IMPORT_GROUPS), default="benchmark",
              show_default=True, help="The group the imported sites belong to.")
@config_option
@click.option("--pages", type=click.IntRange(min=1), default=DEFAULT_PAGES, show_default=True,
              help="Pages measured per imported site, the home page included (max_pages).")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
def import_command(csv_file: Path, group: str, config_path: Path, pages: int,
                   dry_run: bool) -> None:
    """Add the sites of FILE.csv (columns name, title, url, population or category) to
    sites.toml, or update those already imported; the collectivité's own sites are never
    changed. With one bad row, nothing is written."""
    outcome = import_sites(csv_file, config_path, group=group, pages=pages, dry_run=dry_run)
    for sentence in outcome.rejected:
        click.echo(sentence, err=True)
    click.echo(import_summary(outcome))
    if outcome.rejected:
        raise ConfigError(
            f"Nothing written: fix the {len(outcome.rejected)} bad "
            f"{'row' if len(outcome.rejected) == 1 else 'rows'} of {csv_file.name} above and "
            "run the import again."
        )


def import_summary(outcome: ImportOutcome) -> str:
    """What the import did, in a few lines: the counts, then the names and sentences."""
    counts = (f"{len(outcome.added)} added, {len(outcome.updated)} updated, "
              f"{len(outcome.unchanged)} unchanged, {len(outcome.skipped)} skipped, "
              f"{len(outcome.rejected)} rejected")
    lines = [f"{outcome.csv_path.name} -> {outcome.config_path.name} "
             f"(group {outcome.group}): {counts}."]
    if outcome.added:
        lines.append("Added: " + ", ".join(outcome.added) + ".")
    if outcome.updated:
        lines.append("Updated: " + ", ".join(f"{name} ({', '.join(keys)})"
                                             for name, keys in outcome.updated.items()) + ".")
    lines.extend(outcome.skipped)
    if outcome.ignored_columns:
        lines.append("Columns not read: " + ", ".join(outcome.ignored_columns) + ".")
    if outcome.rejected:
        return "\n".join(lines)
    if outcome.dry_run:
        lines.append(f"Dry run: {outcome.config_path.name} was not written.")
    elif outcome.written:
        lines.append(f"{outcome.config_path.name} written and loaded back: "
                     f"{outcome.sites_after} sites.")
    else:
        lines.append(f"{outcome.config_path.name} is already up to date.")
    return "\n".join(lines)
