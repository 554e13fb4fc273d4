"""Threshold overrides given on the command line: `--threshold page-weight.warn_kb=800`."""

from __future__ import annotations

import tomllib
from typing import Any

from ecoaudit.errors import ConfigError


def _value(text: str) -> Any:
    """A TOML value (800, 0.5, true, "C", ["a", "b"]); anything else is kept as text."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def parse_threshold_options(options: list[str] | tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """{rule_id: {key: value}} from RULE.KEY=VALUE texts (validate with `validate_overrides`)."""
    overrides: dict[str, dict[str, Any]] = {}
    for option in options:
        target, equals, text = option.partition("=")
        rule_id, dot, key = target.strip().partition(".")
        if not equals or not dot or not rule_id or not key.strip():
            raise ConfigError(f"--threshold {option!r}: write RULE.KEY=VALUE, "
                              "e.g. --threshold page-weight.warn_kb=800.")
        overrides.setdefault(rule_id, {})[key.strip()] = _value(text.strip())
    return overrides
