"""Report wording in French (the default) and English, and number formatting for each language."""

from __future__ import annotations

import tomllib
from datetime import datetime
from functools import cache
from importlib import resources

from ecoaudit.errors import EcoauditError

LANGUAGES = ("fr", "en")


class UnknownLanguage(EcoauditError):
    """A report language other than French or English was asked for."""


@cache
def messages(lang: str) -> dict[str, str]:
    """The wording of one language, from templates/report/messages.<lang>.toml."""
    source = resources.files("ecoaudit") / "templates" / "report" / f"messages.{lang}.toml"
    return tomllib.loads(source.read_text(encoding="utf-8"))


def check_language(lang: str) -> str:
    """The language code if supported, else a one-sentence error."""
    if lang not in LANGUAGES:
        raise UnknownLanguage(f"Unknown report language {lang!r}: use 'fr' or 'en'.")
    return lang


class Translator:
    """Messages and number formats of one language, for templates and charts."""

    def __init__(self, lang: str = "fr") -> None:
        self.lang = check_language(lang)
        self._messages = messages(self.lang)

    def has(self, key: str) -> bool:
        return key in self._messages

    def __call__(self, key: str, **values: object) -> str:
        text = self._messages[key]
        return text.format(**values) if values else text

    def number(self, value: float | int | None, decimals: int = 0) -> str:
        """A number with the language's separators; '–' when unknown."""
        if value is None:
            return "–"
        text = f"{value:,.{decimals}f}"
        if self.lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def percent(self, share: float | None) -> str:
        """A share 0..1 as a whole percentage ('85 %' in French, '85%' in English)."""
        if share is None:
            return "–"
        return self.number(share * 100) + ("\u00a0%" if self.lang == "fr" else "%")

    def kilobytes(self, size_kb: float | None) -> str:
        """A size in KB (1 KB = 1000 bytes), 'Ko' in French."""
        if size_kb is None:
            return "–"
        unit = "Ko" if self.lang == "fr" else "KB"
        if size_kb >= 10_000:
            return self.number(size_kb / 1000, 1) + ("\u00a0Mo" if self.lang == "fr" else " MB")
        return self.number(size_kb, 0 if size_kb >= 100 else 1) + "\u00a0" + unit

    def bytes(self, count: int | None) -> str:
        """A byte count shown in KB."""
        return "–" if count is None else self.kilobytes(count / 1000)

    def date(self, moment: datetime | None) -> str:
        """A date and time, day first in French."""
        if moment is None:
            return "–"
        return moment.strftime("%d/%m/%Y %H:%M" if self.lang == "fr" else "%Y-%m-%d %H:%M")

    def short_date(self, moment: datetime | None) -> str:
        if moment is None:
            return "–"
        return moment.strftime("%d/%m/%Y" if self.lang == "fr" else "%Y-%m-%d")
