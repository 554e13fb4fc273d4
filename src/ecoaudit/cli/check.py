"""`ecoaudit check URL [URL ...] [--site SITE] [--budget FILE] [--baseline latest|RUN]`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.cli.options import default_concurrency, measure_options, protocol_options
from ecoaudit.config import SiteConfig, load_config, load_journey
from ecoaudit.crawl.engine import site_measure_options
from ecoaudit.errors import ConfigError
from ecoaudit.scoring import budgets
from ecoaudit.store import Store
from ecoaudit.workflows.check import gate
from ecoaudit.workflows.check.ci_outputs import write_outputs


def _site(config_path: Path, name: str) -> SiteConfig:
    if not config_path.is_file():
        raise ConfigError(f"--site {name} needs the sites configuration, and {config_path} does "
                          "not exist: give --config FILE.")
    site = load_config(config_path).site(name)
    site.check_secrets()
    return site


def _budget(site: SiteConfig | None, budget_path: Path | None) -> budgets.Budget:
    budget = budgets.site_budget(site) if site else budgets.Budget()
    if budget_path is not None:
        budget = budget.merged_with(budgets.load_budget_file(budget_path))
    if budget.is_empty:
        raise ConfigError("There is nothing to check: give --budget FILE with a [budget] table, "
                          "or --site SITE whose sites.toml entry has budgets.")
    return budget


def _baseline(db_url: str | None, spec: str, site: SiteConfig | None):
    with Store.open(db_url, create=False) as store:
        run = store.find_run(spec, site.name if site else None)
        return run, store.run_pages(run["id"])


@cli.command()
@click.argument("urls", nargs=-1)
@click.option("--site", "site_name", metavar="SITE",
              help="A site of sites.toml: its budgets and access settings; crawled when no URL "
              "is given.")
@click.option("--journey", "journey_files", multiple=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Also play this journey file (repeatable): each measured step is held to the "
              "budget, the journey's totals to its [budget.journey] table.")
@click.option("--base-url", metavar="URL",
              help="The site the journeys' paths are on (default: the --site's first start URL).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("sites.toml"), show_default=True, help="The sites configuration.")
@click.option("--budget", "budget_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A TOML file with a [budget] table (overrides the site's budgets).")
@click.option("--baseline", metavar="latest|RUN",
              help="Compare with this run of the database (needs max_score_drop).")
@click.option("--db", "db_url", metavar="URL|FILE", default=None,
              help="Database of the baseline (default: $ECOAUDIT_DB, else ./ecoaudit.db).")
@click.option("--junit", "junit_path", metavar="FILE", help="Write a JUnit XML report.")
@click.option("--json", "json_path", metavar="FILE", help="Write the verdict as JSON.")
@click.option("--gitlab", "gitlab_path", metavar="FILE",
              help="Write a GitLab Code Quality report (JSON).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None,
              help="Pages measured at once (default: chosen for this machine).")
@protocol_options
@click.pass_context
def check(context, urls, site_name, journey_files, base_url, config_path, budget_path, baseline,
          db_url, junit_path, json_path, gitlab_path, concurrency, viewport, wait_before,
          wait_after, timeout, no_coverage) -> None:
    """Measure URLS (or crawl --site), apply the budget, compare with the baseline.

    Exit status: 0 everything passes, 1 a budget or the regression tolerance is broken,
    2 a page could not be measured.
    """
    if not urls and not site_name and not journey_files:
        raise click.UsageError("Give the URLs to check, --site SITE to crawl a site, or "
                               "--journey FILE.")
    site = _site(config_path, site_name) if site_name else None
    journeys = [load_journey(path, base_url=base_url or (site.start_urls[0] if site else None))
                for path in journey_files]
    budget = _budget(site, budget_path)
    if baseline and budget.max_score_drop is None:
        raise ConfigError("--baseline compares scores, but the budget has no max_score_drop: "
                          "add max_score_drop (tolerated EcoIndex points lost) to the budget.")
    baseline_run, baseline_entries = _baseline(db_url, baseline, site) if baseline else (None,
                                                                                        None)
    concurrency = concurrency or default_concurrency()
    options = measure_options(viewport, wait_before, wait_after, timeout, no_coverage)
    if site is not None:
        explicit = context.get_parameter_source("timeout").name != "DEFAULT"
        options = site_measure_options(site, options, timeout if explicit else None)
    entries = []
    if urls:
        entries = asyncio.run(gate.measure_pages(list(urls), options, concurrency=concurrency,
                                                 site=site))
    elif site is not None:
        entries = asyncio.run(gate.crawl_site_pages(site, options, concurrency=concurrency))
    if journeys:
        entries += asyncio.run(gate.measure_journeys(journeys, options, site=site))
    result = gate.judge_pages(entries, budget, baseline_entries=baseline_entries,
                              baseline_run=baseline_run)
    click.echo(gate.verdict_text(result))
    write_outputs(result, junit=junit_path, gitlab=gitlab_path, json_path=json_path)
    sys.exit(result.exit_code)
