"""The `ecoaudit` command. Each sub-command lives in its own module of this package."""

from __future__ import annotations

import logging
import sys

import click

from ecoaudit import __version__
from ecoaudit.errors import EcoauditError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecoaudit")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens (to standard error).")
def cli(verbose: bool) -> None:
    """Audit the eco-design of websites: EcoIndex, RGESN 2024 rules, CO2, history, reports."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _register() -> None:
    # One import per sub-command module; each module adds its commands to `cli`.
    from ecoaudit.cli import (
        acceptance,  # noqa: F401
        audit,  # noqa: F401
        check,  # noqa: F401
        crawl,  # noqa: F401
        db,  # noqa: F401
        demo,  # noqa: F401
        report,  # noqa: F401
        rules,  # noqa: F401
        runs,  # noqa: F401
        schedule,  # noqa: F401
    )


def main() -> None:
    """Entry point: user errors become one sentence on standard error and exit status 2."""
    _register()
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except EcoauditError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    except Exception as error:
        storage = _storage_failure(error)
        if storage is None:
            raise
        click.echo(f"Error: {storage}", err=True)
        sys.exit(2)


def _storage_failure(error: Exception) -> EcoauditError | None:
    """A damaged, full or read-only database met outside the store's own error handling, as a
    one-sentence error; None for anything else (a bug keeps its traceback)."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    if not isinstance(error, DBAPIError | sqlite3.Error):
        return None
    from ecoaudit.store.failures import translate

    return translate(error, None)
