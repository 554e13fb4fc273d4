"""A site's configuration as plain JSON data and back, for a run queued to workers.

The data keeps secrets as their `${ENV_VAR}` references (they are resolved on the worker, from
its own environment, when a request is made), so what the database holds is never a secret.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ecoaudit.config.sites import SiteConfig
from ecoaudit.measure.journey_steps import Journey, Step


def site_to_data(site: SiteConfig) -> dict[str, Any]:
    """Every key of the site, journeys and login included, as JSON-ready data."""
    data = {field.name: getattr(site, field.name) for field in dataclasses.fields(site)}
    data["journeys"] = [dataclasses.asdict(journey) for journey in site.journeys]
    data["login"] = dataclasses.asdict(site.login) if site.login else None
    return data


def site_from_data(data: dict[str, Any]) -> SiteConfig:
    """The SiteConfig `site_to_data` wrote (keys this version does not know are ignored)."""
    known = {field.name for field in dataclasses.fields(SiteConfig)}
    values = {key: value for key, value in data.items() if key in known}
    values["journeys"] = [_journey(item) for item in data.get("journeys") or []]
    values["login"] = _journey(data["login"]) if data.get("login") else None
    return SiteConfig(**values)


def _journey(data: dict[str, Any]) -> Journey:
    steps = tuple(Step(**step) for step in data["steps"])
    return Journey(name=data["name"], start_url=data["start_url"], steps=steps,
                   source=data.get("source", ""))
