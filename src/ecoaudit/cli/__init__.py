"""The `ecoaudit` command. Each sub-command lives in its own module of this package, imported
only when that command runs (a crawl does not pay for importing the report or acceptance code)."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from ecoaudit import __version__
from ecoaudit.errors import EcoauditError

__all__ = ["COMMAND_MODULES", "cli", "main"]

# Each command, and the module of this package that defines it on `cli`.
COMMAND_MODULES = {
    "acceptance": "acceptance", "audit": "audit", "check": "check", "crawl": "crawl",
    "db": "db", "demo": "demo", "export": "runs", "journey": "journey", "report": "report",
    "rescore": "rescore",
    "queue": "queue", "rules": "rules", "runs": "runs", "schedule": "schedule", "serve": "serve",
    "sites": "sites", "users": "users", "worker": "worker",
}


class LazyGroup(click.Group):
    """A group whose commands are imported when they are asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMAND_MODULES) | set(self.commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMAND_MODULES:
            importlib.import_module(f"{__name__}.{COMMAND_MODULES[name]}")
        return self.commands.get(name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecoaudit")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens (to standard error).")
def cli(verbose: bool) -> None:
    """Audit the eco-design of websites: EcoIndex, RGESN 2024 rules, CO2, history, reports."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _register() -> None:
    """Import every command now (the documentation and tests that list them all)."""
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(f"{__name__}.{module}")


def main() -> None:
    """Entry point: user errors become one sentence on standard error and exit status 2."""
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
