"""What checks say, as message keys with parameters, rendered in French or English.

A check describes each piece of evidence, a textual outcome (`value`) and a not-applicable
reason as a `Message`: a key of the message tables and plain JSON parameters, e.g.
`Message("evidence.uncompressed", {"kind": "css", "bytes": 48000})`. The tables are the report's
wording files, one per language: `templates/report/messages.fr.toml` and `messages.en.toml`
(their TOML tables `[evidence]`, `[reason]`, `[outcome]`... give the dotted keys). A finding keeps
the French rendering as text (`detail`, `reason`, `value`, as before) next to the message, and the
report renders the message again in its own language.

Placeholders are Python format fields, with these format specs:

    {name}                   the parameter as is; a list is joined with ", ", a nested message
                             (a {"key", "params"} table) is rendered
    {name:.1f}               a number with that many decimals, in the language's separators
    {name:n}                 a number as it is, in the language's separators
    {name:kb}                a byte count in kilobytes: "48.0 ko", "48.0 kB"
    {name:plural:# page|# pages}
                             the singular or the plural form by the language's rule, '#' being
                             the number (French: 0 and 1 take the singular; English: 1 only)
    {name:term:kind}         the wording of the value in table `kind` (kind.font = "police"),
                             the value itself when the table has none; a list is joined
    {name:count_of:kind_count.{kind}}
                             the count agreed with the forms '# police|# polices' of the key
                             the nested field names (kind_count.font)
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Protocol

from ecoaudit.rules.catalogue import LANGUAGES

DEFAULT_LANGUAGE = "fr"  # the language of the texts stored with a finding


@dataclass(frozen=True)
class Message:
    """A message key of the tables and its parameters (plain JSON values or nested messages)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """{"key": ..., "params": {...}}, nested messages as tables too (JSON-ready)."""
        return {"key": self.key, "params": {name: _plain(value)
                                            for name, value in self.params.items()}}


def message(key: str, **params: Any) -> Message:
    """Shorthand: `message("evidence.http_error", status=404)`."""
    return Message(key, params)


def as_message(value: Any) -> Message | None:
    """A Message from a Message or a stored {"key", "params"} table; None for anything else."""
    if isinstance(value, Message):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("key"), str):
        params = value.get("params")
        return Message(value["key"], dict(params) if isinstance(params, Mapping) else {})
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


@cache
def message_table(lang: str) -> dict[str, str]:
    """Every message of one language, TOML tables flattened to dotted keys."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    source = resources.files("ecoaudit") / "templates" / "report" / f"messages.{lang}.toml"
    return _flatten(tomllib.loads(source.read_text(encoding="utf-8")))


def is_singular(count: float, lang: str) -> bool:
    """French: 0 and 1 (anything below 2) take the singular; English: exactly 1."""
    if lang == "fr":
        return abs(count) < 2
    return count == 1


class NumberStyle(Protocol):
    """How numbers and byte counts are written (the report's Translator is one)."""

    def number(self, value: float | int | None, decimals: int = 0) -> str: ...

    def bytes(self, count: int | None) -> str: ...


class PlainNumbers:
    """Numbers as Python writes them ("1234.5"), sizes as "48.0 ko": the texts kept with a
    finding (`detail`, `reason`, `value` of the JSON document) are written this way."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.unit = message_table(lang)["unit.kb"]

    def number(self, value: float | int | None, decimals: int = 0) -> str:
        return "–" if value is None else f"{value:.{decimals}f}"

    def bytes(self, count: int | None) -> str:
        return "–" if count is None else f"{count / 1000:.1f} {self.unit}"


def _decimals(value: float | int) -> int:
    """Decimals Python shows for a number, none for a whole one (12.5 -> 1, 494.0 -> 0)."""
    if isinstance(value, int) or float(value).is_integer():
        return 0
    text = repr(value)
    if "e" in text:
        text = f"{value:.12f}".rstrip("0")
    return len(text.partition(".")[2])


class _Formatter(string.Formatter):
    def __init__(self, lang: str, numbers: NumberStyle) -> None:
        super().__init__()
        self.lang = lang
        self.numbers = numbers
        self.table = message_table(lang)

    def format_field(self, value: Any, format_spec: str) -> str:
        kind, _, argument = format_spec.partition(":")
        if kind == "plural":
            return self.agreed(value, argument)
        if kind == "count_of":
            return self.agreed(value, self.table.get(argument, "#|#"))
        if kind == "term":
            if isinstance(value, list | tuple):
                return ", ".join(self.format_field(item, format_spec) for item in value)
            return self.table.get(f"{argument}.{value}", str(value))
        if format_spec == "kb":
            return self.numbers.bytes(value)
        if format_spec == "n":
            return self.numbers.number(value, _decimals(value))
        if format_spec.startswith(".") and format_spec.endswith("f"):
            return self.numbers.number(value, int(format_spec[1:-1]))
        nested = as_message(value)
        if nested is not None and not format_spec:
            return self.render(nested)
        if isinstance(value, list | tuple) and not format_spec:
            return ", ".join(self.format_field(item, "") for item in value)
        return format(value, format_spec)

    def agreed(self, count: float, forms: str) -> str:
        """'# requête|# requêtes' as the count asks, '#' replaced by the number."""
        singular, bar, plural = forms.partition("|")
        if not bar or "|" in plural:
            raise ValueError(f"plural needs two forms 'singular|plural', got {forms!r}")
        chosen = singular if is_singular(count, self.lang) else plural
        return chosen.replace("#", self.numbers.number(count, _decimals(count)))

    def render(self, found: Message) -> str:
        return self.vformat(self.table[found.key], (), found.params)


def render_text(template: str, params: Mapping[str, Any], lang: str,
                numbers: NumberStyle | None = None) -> str:
    """A message text of `lang` with its placeholders filled in (see the module's doc)."""
    return _Formatter(lang, numbers or PlainNumbers(lang)).vformat(template, (), params)


def render(found: Message | Mapping[str, Any], lang: str = DEFAULT_LANGUAGE,
           numbers: NumberStyle | None = None) -> str:
    """A message in `lang`; KeyError for an unknown key or a missing parameter."""
    resolved = as_message(found)
    if resolved is None:
        raise ValueError(f"not a message: {found!r}")
    return _Formatter(lang, numbers or PlainNumbers(lang)).render(resolved)


def render_or(found: Any, fallback: str | None, lang: str,
              numbers: NumberStyle | None = None) -> str:
    """A stored message in `lang`, or `fallback` (the stored text) when there is no message or
    it cannot be rendered (a key or parameter this version does not know)."""
    resolved = as_message(found)
    if resolved is not None:
        try:
            return render(resolved, lang, numbers)
        except (KeyError, IndexError, ValueError, TypeError):
            pass
    return fallback or ""
