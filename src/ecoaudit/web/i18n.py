"""The web interface's wording: every templates/web/messages-*.<lang>.toml merged, over the
report's own messages (so that report macros and rule texts work in web pages too).

Each engineer's file has its own key prefix (`read_`, `act_`; CORE's keys have none); a key
defined in two web files is an error, found when the translator is first built.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from ecoaudit.report.i18n import LANGUAGES, Translator

DEFAULT_LANGUAGE = "fr"


@cache
def web_messages(lang: str) -> dict[str, str]:
    """The web messages of one language, from every messages-*.<lang>.toml file."""
    folder = resources.files("ecoaudit") / "templates" / "web"
    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    suffix = f".{lang}.toml"
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not (entry.name.startswith("messages-") and entry.name.endswith(suffix)):
            continue
        for key, text in _flatten(tomllib.loads(entry.read_text(encoding="utf-8"))).items():
            if key in merged:
                raise ValueError(f"message {key!r} is in both {origin[key]} and {entry.name}")
            merged[key], origin[key] = text, entry.name
    return merged


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = str(value)
    return flat


class WebTranslator(Translator):
    """The report's Translator (numbers, dates, rule messages) with the web's wording added."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        super().__init__(lang)
        self._messages = {**self._messages, **web_messages(self.lang)}


def pick_language(asked: str | None, kept: str | None) -> str:
    """The language of a request: `?lang=` when valid, else the session's, else French."""
    for lang in (asked, kept):
        if lang in LANGUAGES:
            return lang
    return DEFAULT_LANGUAGE


@cache
def translator(lang: str) -> WebTranslator:
    """The (shared, read-only) translator of one language."""
    return WebTranslator(lang)
