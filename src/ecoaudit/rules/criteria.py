"""The RGESN 2024 table: its 78 criteria, their families and priorities, and how ecoaudit checks
each one (auto, partial, manual), from rgesn2024.toml beside this module."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "rgesn2024.toml"
CHECK_MODES = ("auto", "partial", "manual")
PRIORITY_WEIGHTS = {"prioritaire": 1.5, "recommandé": 1.25, "modéré": 1.0}


@dataclass(frozen=True)
class Criterion:
    """One RGESN 2024 criterion and how ecoaudit checks it."""

    number: str  # "6.3"
    family: int
    family_title: str
    title: str  # French, our own short summary
    title_en: str
    priority: str  # prioritaire, recommandé, modéré
    check: str  # auto, partial, manual
    rules: tuple[str, ...] = field(default_factory=tuple)

    @property
    def weight(self) -> float:
        return PRIORITY_WEIGHTS[self.priority]

    def to_dict(self) -> dict:
        return {
            "criterion": self.number, "family": self.family, "family_title": self.family_title,
            "title": self.title, "title_en": self.title_en, "priority": self.priority,
            "weight": self.weight, "check": self.check, "rules": list(self.rules),
        }


@lru_cache(maxsize=1)
def _data() -> dict:
    return tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))


def criterion_numbers() -> list[str]:
    """The 78 criterion numbers, in order ("1.1" .. "9.7")."""
    return [row["number"] for row in _data()["criteria"]]


def criterion_rows() -> list[Criterion]:
    families = {row["number"]: row["title"] for row in _data()["families"]}
    return [
        Criterion(number=row["number"], family=int(row["number"].split(".")[0]),
                  family_title=families[int(row["number"].split(".")[0])], title=row["title"],
                  title_en=row["title_en"], priority=row["priority"], check=row["check"])
        for row in _data()["criteria"]
    ]
