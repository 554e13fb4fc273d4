"""Where a key stands in sites.toml (file and line), for error messages, and close spellings.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any


class Locator:
    """Builds the "where" of an error: file, line (when found), [[sites]] #n "name"."""

    def __init__(self, path: Path | None, text: str | None, label: str | None = None) -> None:
        self.file = path.name if path is not None else (label or "configuration")
        self.lines = text.splitlines() if text is not None else []
        self.current_name: str | None = None

    def where(self, index: int | None, key: str | None) -> str:
        line = self._line(index, key)
        place = f"{self.file} line {line}" if line else self.file
        if index is None and key is not None and self.lines and self._in_defaults(key):
            return f"{place}: [defaults]"
        if index is None:
            return place
        named = f' "{self.current_name}"' if self.current_name else ""
        return f"{place}: [[sites]] #{index}{named}"

    def where_top_level(self, key: str) -> str:
        name = re.escape(key)
        pattern = re.compile(rf'^\s*(\[\[?\s*["\']?{name}["\']?\s*[\].]|["\']?{name}["\']?\s*=)')
        line = next(
            (number + 1 for number, text in enumerate(self.lines) if pattern.match(text)), None
        )
        return f"{self.file} line {line}" if line else self.file

    def _in_defaults(self, key: str) -> bool:
        start, end = self._block(r"\[\s*defaults\s*\]", 1)
        return start is not None and self._find_key(start, end, key) is not None

    def _line(self, index: int | None, key: str | None) -> int | None:
        if not self.lines:
            return None
        if index is None:
            start, end = self._block(r"\[\s*defaults\s*\]", 1)
            if start is None or key is None:
                start, end = 0, len(self.lines)
        else:
            start, end = self._block(r"\[\[\s*sites\s*\]\]", index)
        if start is None:
            return None
        if key is None:
            return start + 1
        found = self._find_key(start, end, key)
        return found + 1 if found is not None else start + 1

    def _block(self, header: str, occurrence: int) -> tuple[int | None, int]:
        pattern = re.compile(rf"^\s*{header}\s*(#.*)?$")
        seen = 0
        for number, line in enumerate(self.lines):
            if pattern.match(line):
                seen += 1
                if seen == occurrence:
                    end = next(
                        (
                            later
                            for later in range(number + 1, len(self.lines))
                            if re.match(r"^\s*\[\[\s*sites\s*\]\]|^\s*\[\s*defaults\s*\]",
                                        self.lines[later])
                        ),
                        len(self.lines),
                    )
                    return number, end
        return None, len(self.lines)

    def _find_key(self, start: int, end: int, key: str) -> int | None:
        name = re.escape(key)
        pattern = re.compile(rf'^\s*(["\']?){name}\1\s*=|^\s*\[[^\]]*\.{name}\]')
        for number in range(start, end):
            if pattern.match(self.lines[number]):
                return number
        return None


def did_you_mean(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def show(value: Any) -> str:
    text = f'"{value}"' if isinstance(value, str) else repr(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    return text if len(text) <= 60 else text[:59] + "…"
