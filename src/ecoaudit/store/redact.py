"""Defensive removal of secrets from settings and configuration snapshots before storing them."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
# Rule thresholds are never secret, and some rule ids look secret ("cookies"): kept as they are.
KEPT_AS_IS = frozenset({"rules"})
SECRET_KEY_PATTERN = re.compile(
    r"header|cookie|passw|auth|token|secret|api[_-]?key|credential|session", re.IGNORECASE
)


def redact(value: Any) -> Any:
    """A copy of `value` where every dict entry whose key looks secret is replaced by REDACTED
    (except under a "rules" key: rule thresholds)."""
    if isinstance(value, dict):
        return {key: _redact_entry(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def _redact_entry(key: str, item: Any) -> Any:
    if key in KEPT_AS_IS:
        return item
    if item and SECRET_KEY_PATTERN.search(key):
        return REDACTED
    return redact(item)
