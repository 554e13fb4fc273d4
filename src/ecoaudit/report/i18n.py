"""Report wording in French (the default) and English, and number formatting for each language.

One message table per language, templates/report/messages.<lang>.toml, holds every word the
reports show: the report's own wording (flat keys) and what the rules' checks say (dotted keys,
see `ecoaudit.rules.messages`, whose placeholder syntax, plurals included, every message uses).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ecoaudit.errors import EcoauditError
from ecoaudit.rules.messages import message_table, render_or, render_text
from ecoaudit.scoring.size_categories import UnknownSizeCategory, category_by_id

LANGUAGES = ("fr", "en")


class UnknownLanguage(EcoauditError):
    """A report language other than French or English was asked for."""


def messages(lang: str) -> dict[str, str]:
    """The wording of one language, from templates/report/messages.<lang>.toml."""
    return message_table(lang)


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
        return render_text(text, values, self.lang, self) if values else text

    def label(self, prefix: str, value: object) -> str:
        """The wording of a stored code (`label("severity_", "major")`: "majeure"); the code
        itself when the table has none, or '–' when there is none."""
        if value is None or value == "":
            return "–"
        key = f"{prefix}{value}"
        return self._messages[key] if key in self._messages else str(value)

    def size_category(self, category_id: str | None) -> str:
        """The wording of a size category ("100k-250k": "De 100 000 à 249 999 habitants"); that
        of an unknown size for None; the id itself when it names no category."""
        if category_id is None:
            return self._messages["size_unknown"]
        try:
            return category_by_id(category_id).label(self.lang)
        except UnknownSizeCategory:
            return category_id

    def message(self, found: Any, fallback: str | None = None) -> str:
        """A stored message ({"key", "params"}) in this language; `fallback` (the text stored
        with it, French) when there is none or this version cannot render it."""
        return render_or(found, fallback, self.lang, self)

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
