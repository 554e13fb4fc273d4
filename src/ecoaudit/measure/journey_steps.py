"""What a user journey is: a start URL and ordered steps, each one browser action.

The model is plain data: `config/journeys.py` reads it from a TOML file and checks it, and
`measure/journey.py` plays it in the browser. Values may hold `${ENV_VAR}` references (a
password): they stay unresolved here and are resolved only when the step is played, so a secret
never reaches a log, a report or the database.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

# The one action key of a step, and what its value (the step's `target`) is.
ACTIONS: dict[str, str] = {
    "goto": "a URL, or a path on the journey's site",
    "click": "a Playwright selector (CSS, text=..., role=...)",
    "fill": "a Playwright selector of a field, with value = \"...\"",
    "select": "a Playwright selector of a <select>, with value = \"...\"",
    "check": "a Playwright selector of a checkbox or radio button",
    "press": "a Playwright selector, with value = \"Enter\" (a key)",
    "wait_for": "a Playwright selector, \"url=<glob>\" or \"networkidle\"",
    "scroll": "true",
}
# Actions whose step needs a `value`, and those that may not have one.
NEEDS_VALUE = ("fill", "select", "press")

ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
URL_WAIT_PREFIX = "url="
NETWORK_IDLE = "networkidle"


class UnsetVariable(Exception):
    """A `${ENV_VAR}` reference names a variable that is not set."""

    def __init__(self, variable: str) -> None:
        super().__init__(variable)
        self.variable = variable


def resolve_references(template: str) -> str:
    """`template` with its `${ENV_VAR}` references replaced by the variables' values."""

    def replace(match: re.Match[str]) -> str:
        value = os.environ.get(match.group(1))
        if value is None:
            raise UnsetVariable(match.group(1))
        return value

    return ENV_REFERENCE.sub(replace, template)


def references(template: str | None) -> list[str]:
    """The environment variable names a value refers to."""
    return ENV_REFERENCE.findall(template or "")


@dataclass(frozen=True)
class Step:
    """One action of a journey; `measure` applies the EcoIndex protocol to the state it reaches."""

    name: str
    action: str  # a key of ACTIONS
    target: str  # URL or path, selector, "url=<glob>", "networkidle"; "" for scroll
    value: str | None = None  # fill, select and press: may hold ${ENV_VAR} references
    measure: bool = False

    @property
    def secret(self) -> bool:
        """Whether the value refers to an environment variable (so is never shown)."""
        return bool(references(self.value))

    def resolved_value(self) -> str | None:
        """The value with its references resolved (raises UnsetVariable)."""
        return None if self.value is None else resolve_references(self.value)

    def describe(self) -> str:
        """The step for a message: its action and target, never its value."""
        if self.action == "scroll":
            return "scroll"
        return f"{self.action} {self.target!r}"


@dataclass(frozen=True)
class Journey:
    """A named sequence of steps from `start_url`, played in one fresh browser context."""

    name: str
    start_url: str
    steps: tuple[Step, ...]
    source: str = ""  # the file it was read from, for messages

    @property
    def measured_steps(self) -> list[Step]:
        return [step for step in self.steps if step.measure]
