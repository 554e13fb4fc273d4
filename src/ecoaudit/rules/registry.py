"""Check functions, registered under their rule id, and what they receive and return.

A page check is `check(capture: Capture, context: CheckContext) -> Outcome`.
A site check (rule scope "site") is `check(captures: list[Capture], context) -> Outcome`,
given the measured pages of one site.
A check raises `NotApplicable(message)` when the capture lacks what it needs (use `require`).
Evidence, textual values and reasons are `Message`s (see `messages`), never free text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ecoaudit.net import parties
from ecoaudit.rules.finding import Evidence
from ecoaudit.rules.messages import Message, message, render

T = TypeVar("T")


class NotApplicable(Exception):
    """The rule does not apply to this capture; `reason` (a Message) says why."""

    def __init__(self, reason: Message | str) -> None:
        self.reason = reason
        super().__init__(render(reason) if isinstance(reason, Message) else reason)


@dataclass
class Outcome:
    """What a check returns; the engine adds the rule's id, severity and RGESN criteria."""

    status: str
    value: int | float | str | Message | None = None  # a Message when the value is words
    threshold: Any = None
    evidence: list[Evidence] = field(default_factory=list)
    reason: Message | str | None = None


@dataclass(frozen=True)
class CheckContext:
    """The thresholds in force for one rule, and who the first party is."""

    rule_id: str
    thresholds: dict[str, Any]
    first_party_hosts: tuple[str, ...]

    def __getitem__(self, key: str) -> Any:
        return self.thresholds[key]

    def is_third_party(self, url: str) -> bool:
        return parties.is_third_party(url, list(self.first_party_hosts))


@dataclass(frozen=True)
class RegisteredCheck:
    rule_id: str
    scope: str
    function: Callable[..., Outcome]


CHECKS: dict[str, RegisteredCheck] = {}


def check(rule_id: str, *, scope: str = "page") -> Callable[[T], T]:
    """Register the decorated function as the check of `rule_id`."""

    def register(function: T) -> T:
        if rule_id in CHECKS:
            raise RuntimeError(f"two check functions are registered for rule '{rule_id}'")
        CHECKS[rule_id] = RegisteredCheck(rule_id, scope, function)  # type: ignore[arg-type]
        return function

    return register


def require(value: T | None, what: str) -> T:
    """`value`, or NotApplicable when the capture did not gather it (older capture, failure);
    `what` names it in the `capture_part` message table (e.g. "coverage")."""
    if value is None:
        raise NotApplicable(message("reason.missing", what=what))
    return value


def registered_checks() -> dict[str, RegisteredCheck]:
    """Every check function registered so far (the engine imports every check module first)."""
    return CHECKS
