"""`ecoaudit acceptance --contract FILE --out DIR (URL ... | --site SITE)` and
`ecoaudit acceptance verify DIR`: procurement's acceptance of a deliverable."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.config import load_config
from ecoaudit.errors import ConfigError
from ecoaudit.workflows.acceptance import load_contract, run_acceptance, verify_folder


def _verify(arguments: tuple[str, ...], contract_path, out_dir) -> None:
    if len(arguments) != 2 or contract_path or out_dir:
        raise click.UsageError("Usage: ecoaudit acceptance verify DIR")
    folder = Path(arguments[1])
    result = verify_folder(folder)
    for name in result.altered:
        click.echo(f"ALTERED  {name}")
    for name in result.missing:
        click.echo(f"MISSING  {name}")
    for name in result.added:
        click.echo(f"ADDED    {name}")
    click.echo(f"Manifest SHA-256: {result.manifest_sha256}")
    if result.intact:
        click.echo(f"Intact: the {result.checked} files of {folder} match their manifest.")
        sys.exit(0)
    click.echo(f"Altered: {len(result.altered)} changed, {len(result.missing)} missing, "
               f"{len(result.added)} added file(s) in {folder}.")
    sys.exit(1)


@cli.command(context_settings={"ignore_unknown_options": False})
@click.argument("arguments", nargs=-1, metavar="(URL ... | verify DIR)")
@click.option("--contract", "contract_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The contract file (TOML; see examples/contrat-exemple.toml).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="New folder for the report and its evidence.")
@click.option("--site", "site_name", metavar="SITE",
              help="Crawl this site of sites.toml instead of the contract's scope.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("sites.toml"), show_default=True, help="The sites configuration.")
def acceptance(arguments, contract_path, out_dir, site_name, config_path) -> None:
    """Check a deliverable against the eco-design clauses of a contract, with evidence.

    Pages: the URLs given, else --site, else the contract's [scope]. Exit status: 0 compliant,
    1 not compliant, 2 could not measure. `ecoaudit acceptance verify DIR` checks that nothing
    in DIR changed since (exit 0 intact, 1 altered).
    """
    if arguments and arguments[0] == "verify":
        _verify(arguments, contract_path, out_dir)
    if not contract_path or not out_dir:
        raise click.UsageError("Give --contract FILE and --out DIR (or: acceptance verify DIR).")
    contract = load_contract(contract_path)
    site = None
    if site_name:
        if arguments:
            raise click.UsageError("Give either URLs or --site, not both.")
        if not config_path.is_file():
            raise ConfigError(f"--site {site_name} needs the sites configuration, and "
                              f"{config_path} does not exist: give --config FILE.")
        site = load_config(config_path).site(site_name)
        site.check_secrets()
    outcome = run_acceptance(contract, out_dir, urls=list(arguments) or None, site=site)
    verdict = outcome.verdict
    for clause in verdict.clauses:
        click.echo(f"{clause.label:<13} {clause.id}: {clause.requirement}")
    click.echo(f"Verdict: {verdict.label} ({verdict.pages_measured}/{verdict.pages_total} pages "
               "measured).")
    click.echo(f"Report: {outcome.report}")
    click.echo(f"Manifest SHA-256 (keep it with the acceptance record): {outcome.manifest_sha256}")
    sys.exit(outcome.exit_code)
