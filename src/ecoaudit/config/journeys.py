"""Journey files: a start URL and ordered steps read from TOML, checked into a `Journey`.

A mistake stops the load with one sentence naming the file, the step (number and name) and what
to write instead. `${ENV_VAR}` references in values stay unresolved (measure resolves them when
the step is played); here they are only checked to be set, never read into anything kept.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from ecoaudit.config.locate import did_you_mean, show
from ecoaudit.config.schema import ENV_REFERENCE, Invalid, _name
from ecoaudit.config.toml_file import read_toml
from ecoaudit.errors import ConfigError
from ecoaudit.measure.journey_steps import (
    ACTIONS,
    NEEDS_VALUE,
    NETWORK_IDLE,
    URL_WAIT_PREFIX,
    Journey,
    Step,
    references,
)
from ecoaudit.net.urls import UrlError, normalise

JOURNEY_KEYS = ("name", "start_url", "description", "steps")
STEP_KEYS = ("name", *ACTIONS, "value", "measure")

# A field whose selector names a password or a token gets its value from the environment only.
_CREDENTIAL_FIELD = re.compile(r"passw|pwd|mot.?de.?passe|\bmdp\b|secret|token", re.IGNORECASE)

_URL_OR_PATH = 'a full http(s) URL or a path starting with "/"'


def load_journey(path: Path, *, base_url: str | None = None,
                 require_secrets: bool = True) -> Journey:
    """Read and check a journey file; ConfigError naming the file, the step and the fix.

    `base_url`: what a `start_url` written as a path is resolved against (the site's first
    start URL). `require_secrets`: every `${ENV_VAR}` a value refers to must be set now.
    """
    path = Path(path)
    data, _text = read_toml(path, when_missing="create it (see docs/journeys.md) or fix the path")
    journey = _journey(data, str(path), base_url)
    if require_secrets:
        check_journey_secrets(journey)
    return journey


def check_journey_secrets(journey: Journey) -> None:
    """ConfigError when a value refers to an environment variable that is not set."""
    for number, step in enumerate(journey.steps, start=1):
        for variable in references(step.value):
            if variable not in os.environ:
                raise ConfigError(
                    f"{_where_step(journey.source, number, step.name)}: value refers to the "
                    f"environment variable {variable}, which is not set; set the environment "
                    f"variable {variable} before running."
                )


def _journey(data: dict[str, Any], source: str, base_url: str | None) -> Journey:
    for key in data:
        if key not in JOURNEY_KEYS:
            raise ConfigError(
                f"{source}: unknown key {key!r}{did_you_mean(key, list(JOURNEY_KEYS))}; a "
                "journey has name, start_url, an optional description and [[steps]]."
            )
    for required in ("name", "start_url"):
        if required not in data:
            raise ConfigError(f"{source}: the key {required!r} is missing; every journey needs "
                              "a name and a start_url.")
    try:
        name = _name(data["name"])
    except Invalid as expected:
        raise ConfigError(f"{source}: name must be {expected}, got {show(data['name'])}.") from None
    if not isinstance(data.get("description", ""), str):
        raise ConfigError(f"{source}: description must be a string, got "
                          f"{show(data['description'])}.")
    start_url = _start_url(data["start_url"], source, base_url)
    raw_steps = data.get("steps", [])
    if not isinstance(raw_steps, list) or not all(isinstance(s, dict) for s in raw_steps):
        raise ConfigError(f"{source}: steps must be written as [[steps]] tables.")
    if not raw_steps:
        raise ConfigError(f"{source}: the journey has no steps; add at least one [[steps]] "
                          'table with a name and an action, e.g. click = "text=Démarches".')
    steps: list[Step] = []
    for number, raw in enumerate(raw_steps, start=1):
        step = _step(raw, source, number, start_url)
        earlier = next((n for n, s in enumerate(steps, start=1) if s.name == step.name), None)
        if earlier is not None:
            raise ConfigError(
                f"{_where_step(source, number, step.name)}: step {earlier} already has this "
                "name; give each step its own name."
            )
        steps.append(step)
    last = steps[-1]
    steps[-1] = Step(last.name, last.action, last.target, last.value, measure=True)
    return Journey(name=name, start_url=start_url, steps=tuple(steps), source=source)


def _start_url(value: Any, source: str, base_url: str | None) -> str:
    if isinstance(value, str) and value.startswith("/") and base_url is None:
        raise ConfigError(
            f"{source}: start_url {show(value)} is a path but there is no site to resolve it "
            "against; write a full http(s) URL, or give the site (--base-url URL, or the "
            "journey in a site of sites.toml)."
        )
    url = _url(value, base_url or "")
    if url is None:
        raise ConfigError(f"{source}: start_url must be {_URL_OR_PATH}, got {show(value)}.")
    return url


def _url(value: Any, base: str) -> str | None:
    """`value` as a full URL (a path joined to `base`), or None when it is neither."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    url = urljoin(base, text) if text.startswith("/") else text
    try:
        normalise(url, ())
    except UrlError:
        return None
    return url


def _step(raw: dict[str, Any], source: str, number: int, start_url: str) -> Step:
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{_where_step(source, number, None)}: the step has no name; give it "
                          'name = "..." (unique within the journey).')
    name = name.strip()
    where = _where_step(source, number, name)
    for key in raw:
        if key not in STEP_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}{did_you_mean(key, list(STEP_KEYS))}"
                              f"; a step has a name, one action ({', '.join(ACTIONS)}), and "
                              "value or measure.")
    actions = [key for key in raw if key in ACTIONS]
    if not actions:
        raise ConfigError(f"{where}: the step has no action; add one of {', '.join(ACTIONS)}, "
                          'e.g. click = "text=Valider".')
    if len(actions) > 1:
        raise ConfigError(f"{where}: the step has {len(actions)} actions "
                          f"({' and '.join(actions)}); write one action per step.")
    action = actions[0]
    target = _target(action, raw[action], where, start_url)
    value = _value(action, target, raw, where)
    measure = raw.get("measure", False)
    if not isinstance(measure, bool):
        raise ConfigError(f"{where}: measure must be true or false, got {show(measure)}.")
    return Step(name=name, action=action, target=target, value=value, measure=measure)


def _target(action: str, value: Any, where: str, start_url: str) -> str:
    if action == "scroll":
        if value is not True:
            raise ConfigError(f"{where}: scroll must be true (scroll = true), got {show(value)}.")
        return ""
    if action == "goto":
        url = _url(value, start_url)
        if url is None:
            raise ConfigError(f"{where}: goto must be {_URL_OR_PATH}, got {show(value)}.")
        return url
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {action} must be {ACTIONS[action]}, got {show(value)}.")
    target = value.strip()
    if action == "wait_for" and target.startswith(URL_WAIT_PREFIX) and \
            not target[len(URL_WAIT_PREFIX):].strip():
        raise ConfigError(f'{where}: wait_for "url=" needs a URL pattern after it, e.g. '
                          f'"url=**/confirmation*" (or "{NETWORK_IDLE}", or a selector).')
    return target


def _value(action: str, target: str, raw: dict[str, Any], where: str) -> str | None:
    """The step's value, checked; never quoted back (it may be a password)."""
    if action not in NEEDS_VALUE:
        if "value" in raw:
            raise ConfigError(f"{where}: {action} takes no value; remove value (only "
                              f"{', '.join(NEEDS_VALUE)} have one).")
        return None
    if "value" not in raw:
        example = '"Enter"' if action == "press" else '"..."'
        raise ConfigError(f"{where}: {action} needs a value; add value = {example}.")
    value = raw["value"]
    if not isinstance(value, str) or (action != "fill" and not value.strip()):
        raise ConfigError(f"{where}: value must be a {'' if action == 'fill' else 'non-empty '}"
                          "string.")
    if "${" in ENV_REFERENCE.sub("", value):
        raise ConfigError(f"{where}: value has a \"${{\" that is not an environment variable "
                          "reference; write ${ENV_VAR} with letters, digits and _ only.")
    if action == "fill" and _CREDENTIAL_FIELD.search(target) and not references(value):
        raise ConfigError(f"{where}: the field {target!r} looks like a password or a code; "
                          'write its value as an environment variable reference, e.g. value = '
                          '"${PORTAIL_PASSWORD}", never in the file.')
    return value


def _where_step(source: str, number: int, name: str | None) -> str:
    return f'{source}, step {number} ("{name}")' if name else f"{source}, step {number}"
