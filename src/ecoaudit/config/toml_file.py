"""Reading a TOML file the user wrote (sites.toml, a journey), with one sentence when it fails."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ecoaudit.errors import ConfigError


def read_toml(path: Path, *, when_missing: str, label: str | None = None
              ) -> tuple[dict[str, Any], str]:
    """The file's table and text; ConfigError when it is missing (`when_missing` says what to
    do), unreadable, or not valid TOML (with the line; the file named `label`, else its path)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist; {when_missing}.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} cannot be read ({error}).") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{label or path}: invalid TOML: {error}.") from None
