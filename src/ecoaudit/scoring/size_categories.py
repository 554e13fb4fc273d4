"""Size categories of collectivités, by population, for comparing sites with others of their size.

The brackets follow the population strata of French public statistics (INSEE and the DGCL's
"strates démographiques" of communes and EPCI), merged into five bands: the REEN law's
threshold of 50,000 inhabitants (a strategy for digital responsibility becomes compulsory) is
a boundary, and 250,000 sets the large métropoles apart. A band includes its lower bound: a
collectivité of exactly 50,000 inhabitants is in "50k-100k". The Ville de Metz (~120,000) and
the Eurométropole de Metz (~225,000) both fall in "100k-250k".

A site's category is the one written in sites.toml (`category`) when there is one, else the
one its `population` gives, else none (the reports' "unknown size").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class SizeCategory:
    """One band of population: `minimum` included, `maximum` excluded (None: no upper bound)."""

    id: str
    minimum: int
    maximum: int | None
    label_fr: str
    label_en: str

    def contains(self, population: int) -> bool:
        """Whether a collectivité of `population` inhabitants belongs to this band."""
        return population >= self.minimum and (self.maximum is None or population < self.maximum)

    def label(self, lang: str) -> str:
        """The band's wording in "fr" or "en"."""
        return self.label_fr if lang == "fr" else self.label_en


SIZE_CATEGORIES: tuple[SizeCategory, ...] = (
    SizeCategory("under-10k", 0, 10_000,
                 "Moins de 10 000 habitants", "Under 10,000 inhabitants"),
    SizeCategory("10k-50k", 10_000, 50_000,
                 "De 10 000 à 49 999 habitants", "10,000 to 49,999 inhabitants"),
    SizeCategory("50k-100k", 50_000, 100_000,
                 "De 50 000 à 99 999 habitants", "50,000 to 99,999 inhabitants"),
    SizeCategory("100k-250k", 100_000, 250_000,
                 "De 100 000 à 249 999 habitants", "100,000 to 249,999 inhabitants"),
    SizeCategory("over-250k", 250_000, None,
                 "250 000 habitants et plus", "250,000 inhabitants and more"),
)

CATEGORY_IDS: tuple[str, ...] = tuple(category.id for category in SIZE_CATEGORIES)


class UnknownSizeCategory(ValueError):
    """A category that is neither an id of SIZE_CATEGORIES nor one of their labels."""


def category_by_id(category_id: str) -> SizeCategory:
    """The category of that id; UnknownSizeCategory otherwise."""
    for category in SIZE_CATEGORIES:
        if category.id == category_id:
            return category
    raise UnknownSizeCategory(category_id)


def category_for_population(population: int) -> str:
    """The id of the band `population` (inhabitants, 0 or more) falls in."""
    for category in SIZE_CATEGORIES:
        if category.contains(population):
            return category.id
    raise ValueError(f"a population must be 0 or more, got {population}")


def parse_category(text: str) -> str:
    """The id of the category `text` names: an id ("100k-250k") or a label in French or English,
    whatever its case, accents and spacing; UnknownSizeCategory otherwise."""
    wanted = _folded(text)
    for category in SIZE_CATEGORIES:
        if wanted in (_folded(category.id), _folded(category.label_fr),
                      _folded(category.label_en)):
            return category.id
    raise UnknownSizeCategory(text)


def size_category_of(population: int | None, category: str | None) -> str | None:
    """A site's category id: `category` when given (it wins), else its population's, else None."""
    if category:
        return category
    if population is not None and population >= 0:
        return category_for_population(population)
    return None


def _folded(text: str) -> str:
    """Lower case, no accents, no spaces or separators: "De 10 000 à" -> "de10000a"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(char for char in plain.lower() if char.isalnum())
