"""Defensive removal of secrets from settings and configuration snapshots before storing them."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
SECRET_KEY_PATTERN = re.compile(
    r"header|cookie|passw|auth|token|secret|api[_-]?key|credential|session", re.IGNORECASE
)


def redact(value: Any) -> Any:
    """A copy of `value` where every dict entry whose key looks secret is replaced by REDACTED."""
    if isinstance(value, dict):
        return {
            key: REDACTED if SECRET_KEY_PATTERN.search(str(key)) and item else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value
