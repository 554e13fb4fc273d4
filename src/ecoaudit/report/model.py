"""Plain inputs of the reports: each site, its declared settings and its runs with page entries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

OWN, BENCHMARK = "own", "benchmark"


@dataclass
class RunData:
    """One run: its record (id, started_at, status, protocol, versions...) and its page entries.

    `pages` is what every figure of the reports is computed from: the run's crawled pages (no
    journey step), one measurement each (the retained sample), in the run's main device profile
    (`loader.crawled_view`). The loader also keeps what the other sections show apart: every
    profile's crawled pages (`profiles`, device -> pages, main device first), the journey steps
    (`journeys`, every device and sample), how many times pages were measured (`samples`) and
    the viewport of each profile (`viewports`). A RunData built with pages only has none of them.
    """

    run: dict[str, Any]
    pages: list[dict[str, Any]]
    device: str | None = None  # the main device profile (that of the run's first page row)
    profiles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    journeys: list[dict[str, Any]] = field(default_factory=list)
    samples: int = 1  # the highest sample number of the run (repeat = N)
    viewports: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The URLs the crawl set aside as copies of another page (`Store.run_duplicates`: url,
    # duplicate_of, reason), read for the latest run only; they are in none of the figures.
    duplicates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def started_at(self) -> datetime | None:
        return parse_time(self.run.get("started_at"))

    @property
    def several_devices(self) -> bool:
        """Whether the run measured its pages in more than one device profile."""
        return len(self.profiles) > 1

    @property
    def repeated(self) -> bool:
        """Whether pages (or journeys) were measured more than once in the run."""
        return self.samples > 1


@dataclass
class SiteData:
    """One site as the reports see it; `runs` are oldest first."""

    name: str
    title: str | None = None
    group: str = OWN
    in_config: bool = True
    base_url: str | None = None
    page_views_per_year: int | None = None
    population: int | None = None  # inhabitants of the collectivité, when declared
    category: str | None = None  # its size category id, when written (scoring.size_categories)
    budgets: dict[str, Any] = field(default_factory=dict)
    targets: list[dict[str, Any]] | dict[str, Any] = field(default_factory=list)
    runs: list[RunData] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.title or self.name

    @property
    def slug(self) -> str:
        return site_slug(self.name)

    @property
    def latest(self) -> RunData | None:
        return self.runs[-1] if self.runs else None

    @property
    def previous(self) -> RunData | None:
        return self.runs[-2] if len(self.runs) > 1 else None


CONSENT_PREFERENCE = ("none", "before", "after")


def one_per_url(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per URL, in crawl order: a site crawled with a consent banner has each page
    measured before and after consent; the figures use the measurement before consent (what
    the EcoIndex protocol, which clicks nothing, measures)."""

    def rank(page: dict[str, Any]) -> int:
        state = page.get("consent_state") or "none"
        return CONSENT_PREFERENCE.index(state) if state in CONSENT_PREFERENCE else 0

    chosen: dict[str, dict[str, Any]] = {}
    for page in pages:
        kept = chosen.get(page["url"])
        if kept is None or rank(page) < rank(kept):
            chosen[page["url"]] = page
    return list(chosen.values())


def site_slug(name: str) -> str:
    """A folder name for a site: lower-case letters, digits, '_' and '-' only (site names of
    sites.toml already are, so each keeps its own name)."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")
    return slug or "site"


def parse_time(value: Any) -> datetime | None:
    """A datetime from a datetime or an ISO 8601 string; None otherwise."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None
