"""Retention durations: `90d`, `12w`, `6m`, `5y` (days, weeks, calendar months and years).

    keep = parse_duration("90d", "--keep-captures")
    cutoff = keep.cutoff(now)          # runs started before this are older than 90 days
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ecoaudit.store.errors import InvalidDuration

EXAMPLES = "90d, 12w, 6m or 5y (days, weeks, months, years)"
_UNITS = {"d": "days", "day": "days", "days": "days", "w": "weeks", "week": "weeks",
          "weeks": "weeks", "m": "months", "month": "months", "months": "months",
          "y": "years", "year": "years", "years": "years"}
_DAYS_AT_MOST = {"days": 1, "weeks": 7, "months": 31, "years": 366}
_PATTERN = re.compile(r"^\s*(\d{1,5})\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Duration:
    """A number of days, weeks, calendar months or calendar years."""

    amount: int
    unit: str  # days, weeks, months, years

    def cutoff(self, now: datetime) -> datetime:
        """The moment `self` before `now` (a month back from 31 March is 28 or 29 February)."""
        if self.unit == "days":
            return now - timedelta(days=self.amount)
        if self.unit == "weeks":
            return now - timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "years" else 1)
        index = now.year * 12 + (now.month - 1) - months
        year, month = divmod(index, 12)
        day = min(now.day, calendar.monthrange(year, month + 1)[1])
        return now.replace(year=year, month=month + 1, day=day)

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"


def parse_duration(text: object, name: str) -> Duration:
    """`text` as a Duration; InvalidDuration naming the option or key `name` otherwise."""
    match = _PATTERN.match(text.lower()) if isinstance(text, str) else None
    unit = _UNITS.get(match.group(2)) if match else None
    if match is None or unit is None:
        raise InvalidDuration(f"{name} {text!r} is not a duration: write a number and a unit, "
                              f"such as {EXAMPLES}.")
    amount = int(match.group(1))
    if amount < 1:
        raise InvalidDuration(f"{name} {text!r} keeps nothing: give at least 1 day, such as "
                              f"{EXAMPLES}.")
    duration = Duration(amount, unit)
    if amount * _DAYS_AT_MOST[unit] > 366_000:
        raise InvalidDuration(f"{name} {text!r} is more than a thousand years: write a shorter "
                              "duration, or leave the setting out to keep everything.")
    return duration
