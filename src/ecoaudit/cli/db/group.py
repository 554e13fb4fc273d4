"""The `ecoaudit db` command group, and what its sub-commands share."""

from __future__ import annotations

from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.config import StorageSettings, load_config

DEFAULT_CONFIG = Path("sites.toml")
CONFIG_HELP = ("sites.toml, for the backup and retention settings of its [defaults] table "
               "(default: ./sites.toml when it exists).")


@cli.group("db")
def db() -> None:
    """Check, back up, restore and prune the results database."""


def storage_settings(config_path: Path | None) -> StorageSettings:
    """The [defaults] backup and retention settings of sites.toml (./sites.toml when it exists
    and no file is given), or the defaults."""
    if config_path is None:
        if not DEFAULT_CONFIG.is_file():
            return StorageSettings()
        config_path = DEFAULT_CONFIG
    return load_config(config_path).storage


def config_option(function):
    """Add `--config FILE` (passed as `config_path`)."""
    return click.option("--config", "config_path", default=None, help=CONFIG_HELP,
                        type=click.Path(dir_okay=False, path_type=Path))(function)


def human_bytes(size: int | None) -> str:
    """1234567 -> '1.2 MB' (decimal units, as `df -H` and file managers show them)."""
    if size is None:
        return "unknown size"
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if abs(value) < 1000 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover
