"""What a rule found on a page (or a site): status, measure, threshold, evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("pass", "warn", "fail", "na", "manual")
# Worst first, for combining several outcomes into one.
STATUS_SEVERITY = {"fail": 4, "warn": 3, "manual": 2, "pass": 1, "na": 0}


@dataclass
class Evidence:
    """One offending resource (or fact) with its bytes and the bytes a fix would save."""

    url: str | None
    bytes: int | None = None
    saving_bytes: int | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "bytes": self.bytes, "saving_bytes": self.saving_bytes,
                "detail": self.detail}


@dataclass
class Finding:
    """The result of one rule: one of `STATUSES`, with what was measured against what."""

    rule: str
    status: str
    severity: str
    rgesn: list[str]
    value: int | float | str | None = None
    threshold: Any = None
    evidence: list[Evidence] = field(default_factory=list)
    reason: str | None = None

    @property
    def saving_bytes(self) -> int:
        """Total potential saving of the evidence, 0 if none is known."""
        return sum(item.saving_bytes or 0 for item in self.evidence)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "status": self.status,
            "severity": self.severity,
            "rgesn": list(self.rgesn),
            "value": self.value,
            "threshold": self.threshold,
            "evidence": [item.to_dict() for item in self.evidence],
            "saving_bytes": self.saving_bytes,
            "reason": self.reason,
        }


def worst_status(statuses: list[str]) -> str:
    """The most severe of several statuses; `na` when the list is empty."""
    return max(statuses, key=STATUS_SEVERITY.__getitem__, default="na")
