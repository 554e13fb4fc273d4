"""The rule catalogue: one TOML file per rule, loaded and validated into `Rule` records.

A rule file holds data only (what, why, how to fix, example, references, thresholds); its check is
a pure function registered under the same id (see `registry`). Every problem found while loading
is a `ConfigError` naming the file, the rule and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecoaudit.errors import ConfigError

LANGUAGES = ("fr", "en")  # French first: the reports' readers are French.
SCOPES = ("page", "site")
SEVERITIES = ("critical", "major", "minor", "info")
TEXT_KEYS = ("title", "checks", "why", "fix")
REFERENCE_KEYS = ("rgesn", "greenit", "lighthouse")
EXAMPLE_KEYS = ("bad", "good")
# An example with words (comments, prose) gives its English version as bad_en / good_en; the
# plain keys hold the French one, or the only one when the example is code alone.
TRANSLATED_EXAMPLE_KEYS = tuple(f"{key}_{lang}" for key in EXAMPLE_KEYS for lang in LANGUAGES
                                if lang != LANGUAGES[0])
ALLOWED_KEYS = ("id", "scope", "severity", *TEXT_KEYS, "example", "references", "thresholds")
REQUIRED_KEYS = ("id", "scope", "severity", *TEXT_KEYS, "example", "references")
RULE_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RGESN_NUMBER_PATTERN = re.compile(r"^[1-9]\.[0-9]{1,2}$")

ThresholdValue = int | float | str | bool | list


@dataclass(frozen=True)
class Rule:
    """One eco-design rule as described by its TOML file."""

    id: str
    scope: str
    severity: str
    title: dict[str, str]
    checks: dict[str, str]
    why: dict[str, str]
    fix: dict[str, str]
    example: dict[str, str]
    references: dict[str, list[str]]
    thresholds: dict[str, ThresholdValue] = field(default_factory=dict)
    source: Path | None = None

    @property
    def rgesn(self) -> list[str]:
        return list(self.references.get("rgesn", []))

    def text(self, key: str, lang: str = "fr") -> str:
        """One of the translated texts (title, checks, why, fix) in `lang`."""
        return getattr(self, key)[lang]

    def example_text(self, key: str, lang: str = "fr") -> str:
        """The `bad` or `good` example in `lang` ('' when the rule has none)."""
        return self.example.get(f"{key}_{lang}") or self.example.get(key, "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "scope": self.scope, "severity": self.severity,
            "title": dict(self.title), "checks": dict(self.checks), "why": dict(self.why),
            "fix": dict(self.fix), "example": dict(self.example),
            "references": {key: list(value) for key, value in self.references.items()},
            "thresholds": dict(self.thresholds),
        }


@dataclass(frozen=True)
class Catalogue:
    """Every rule, by id, in file-name order."""

    rules: dict[str, Rule]
    directory: Path

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def __getitem__(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    @property
    def ids(self) -> list[str]:
        return list(self.rules)


def _problem(path: Path, rule_id: str | None, message: str) -> ConfigError:
    who = f"rule '{rule_id}'" if rule_id else "rule"
    return ConfigError(f"{path}: {who}: {message}")


def _translated(path: Path, rule_id: str, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _problem(path, rule_id, f"key '{key}' must be a table with {' and '.join(LANGUAGES)}"
                       " texts, e.g. [" + key + "] fr = \"...\" en = \"...\".")
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise _problem(path, rule_id, f"unknown key '{key}.{unknown[0]}'; "
                       f"use only {', '.join(LANGUAGES)}.")
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise _problem(path, rule_id, f"missing translation '{key}.{lang}': "
                           "add a non-empty text.")
    return {lang: value[lang].strip() for lang in LANGUAGES}


def _example(path: Path, rule_id: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _problem(path, rule_id, "key 'example' must be a table with 'good' (and 'bad').")
    known = (*EXAMPLE_KEYS, *TRANSLATED_EXAMPLE_KEYS)
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise _problem(path, rule_id, f"unknown key 'example.{unknown[0]}'; "
                       f"use {', '.join(known)}.")
    for key, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise _problem(path, rule_id, f"key 'example.{key}' must be a non-empty text.")
    if "good" not in value:
        raise _problem(path, rule_id, "missing key 'example.good': show the fixed version.")
    for key in TRANSLATED_EXAMPLE_KEYS:
        if key in value and key.rsplit("_", 1)[0] not in value:
            raise _problem(path, rule_id, f"key 'example.{key}' translates "
                           f"'example.{key.rsplit('_', 1)[0]}', which is missing.")
    return {key: value[key].strip("\n") for key in known if key in value}


def _references(
    path: Path, rule_id: str, value: Any, known_criteria: frozenset[str] | None,
) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise _problem(path, rule_id, "key 'references' must be a table (rgesn = [\"6.3\"]).")
    unknown = sorted(set(value) - set(REFERENCE_KEYS))
    if unknown:
        raise _problem(path, rule_id, f"unknown key 'references.{unknown[0]}'; "
                       f"use {', '.join(REFERENCE_KEYS)}.")
    references: dict[str, list[str]] = {}
    for key, items in value.items():
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise _problem(path, rule_id, f"key 'references.{key}' must be a list of texts.")
        references[key] = list(items)
    criteria = references.get("rgesn", [])
    if not criteria:
        raise _problem(path, rule_id, "key 'references.rgesn' must list at least one RGESN 2024 "
                       "criterion, e.g. [\"6.3\"].")
    for number in criteria:
        bad_shape = not RGESN_NUMBER_PATTERN.match(number)
        if bad_shape or (known_criteria is not None and number not in known_criteria):
            raise _problem(path, rule_id, f"key 'references.rgesn' names '{number}', which is not "
                           "an RGESN 2024 criterion number.")
    return references


def _is_threshold_value(value: Any) -> bool:
    if isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list):
        return all(isinstance(item, str | int | float) and not isinstance(item, bool)
                   for item in value)
    return False


def _thresholds(path: Path, rule_id: str, value: Any) -> dict[str, ThresholdValue]:
    if not isinstance(value, dict):
        raise _problem(path, rule_id, "key 'thresholds' must be a table of named values.")
    for key, item in value.items():
        if not _is_threshold_value(item):
            raise _problem(path, rule_id, f"key 'thresholds.{key}' must be a number, a text, "
                           "true/false or a list of texts or numbers.")
    return dict(value)


def parse_rule(
    path: Path, data: dict[str, Any], known_criteria: frozenset[str] | None = None,
) -> Rule:
    """Validate the content of one rule file into a `Rule`."""
    rule_id = data.get("id") if isinstance(data.get("id"), str) else None
    unknown = sorted(set(data) - set(ALLOWED_KEYS))
    if unknown:
        raise _problem(path, rule_id, f"unknown key '{unknown[0]}'; allowed keys are "
                       f"{', '.join(ALLOWED_KEYS)}.")
    for key in REQUIRED_KEYS:
        if key not in data:
            raise _problem(path, rule_id, f"missing key '{key}'.")
    if rule_id is None or not RULE_ID_PATTERN.match(rule_id):
        raise _problem(path, rule_id, "key 'id' must be kebab-case, e.g. \"page-weight\".")
    if data["scope"] not in SCOPES:
        raise _problem(path, rule_id, f"key 'scope' must be one of {', '.join(SCOPES)}.")
    if data["severity"] not in SEVERITIES:
        raise _problem(path, rule_id, f"key 'severity' must be one of {', '.join(SEVERITIES)}.")
    texts = {key: _translated(path, rule_id, key, data[key]) for key in TEXT_KEYS}
    return Rule(
        id=rule_id,
        scope=data["scope"],
        severity=data["severity"],
        example=_example(path, rule_id, data["example"]),
        references=_references(path, rule_id, data["references"], known_criteria),
        thresholds=_thresholds(path, rule_id, data.get("thresholds", {})),
        source=path,
        **texts,
    )


def read_rule_file(path: Path, known_criteria: frozenset[str] | None = None) -> Rule:
    """Read and validate one rule file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: rule '{path.stem}': not valid TOML ({error}); "
                          "fix the syntax.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read this rule file ({error}).") from None
    return parse_rule(path, data, known_criteria)


def read_catalogue(directory: Path, known_criteria: frozenset[str] | None = None) -> Catalogue:
    """Read every `*.toml` of a directory; duplicate ids are an error."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: the rule directory does not exist.")
    rules: dict[str, Rule] = {}
    for path in sorted(directory.glob("*.toml")):
        rule = read_rule_file(path, known_criteria)
        if rule.id in rules:
            raise _problem(path, rule.id,
                           f"key 'id' duplicates the rule of {rules[rule.id].source}.")
        rules[rule.id] = rule
    if not rules:
        raise ConfigError(f"{directory}: no rule file (*.toml) found.")
    return Catalogue(rules=rules, directory=directory)
