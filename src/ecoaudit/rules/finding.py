"""What a rule found on a page (or a site): status, measure, threshold, evidence.

Evidence details, textual values and not-applicable reasons are `Message`s (a key and its
parameters, see `messages`); the French rendering is kept as text beside each (`detail`,
`value`, `reason`), as findings always carried it, and reports render the message in their own
language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecoaudit.rules.messages import Message, render

STATUSES = ("pass", "warn", "fail", "na", "manual")
# Worst first, for combining several outcomes into one.
STATUS_SEVERITY = {"fail": 4, "warn": 3, "manual": 2, "pass": 1, "na": 0}


@dataclass
class Evidence:
    """One offending resource (or fact) with its bytes and the bytes a fix would save; the
    `message` says what is wrong, `detail` is its French rendering (filled in when empty)."""

    url: str | None
    bytes: int | None = None
    saving_bytes: int | None = None
    detail: str = ""
    message: Message | None = None

    def __post_init__(self) -> None:
        if self.message is not None and not self.detail:
            self.detail = render(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "bytes": self.bytes, "saving_bytes": self.saving_bytes,
                "detail": self.detail,
                "message": self.message.to_dict() if self.message else None}


@dataclass
class Finding:
    """The result of one rule: one of `STATUSES`, with what was measured against what.

    A textual `value` comes with `value_message`, a `reason` with `reason_message`."""

    rule: str
    status: str
    severity: str
    rgesn: list[str]
    value: int | float | str | None = None
    threshold: Any = None
    evidence: list[Evidence] = field(default_factory=list)
    reason: str | None = None
    value_message: Message | None = None
    reason_message: Message | None = None

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
            "value_message": self.value_message.to_dict() if self.value_message else None,
            "reason_message": self.reason_message.to_dict() if self.reason_message else None,
        }


def worst_status(statuses: list[str]) -> str:
    """The most severe of several statuses; `na` when the list is empty."""
    return max(statuses, key=STATUS_SEVERITY.__getitem__, default="na")
