"""What changed between two runs of a site: regressions, improvements, new and removed pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecoaudit.metrics import ecoindex
from ecoaudit.report.figures import measured

# A score move smaller than this, without a grade change, is measurement noise, not a change.
CHANGE_POINTS = 3


@dataclass(frozen=True)
class PageChange:
    """One page whose EcoIndex moved between the previous run and the latest one."""

    url: str
    title: str | None
    score_before: int
    score_after: int
    grade_before: str
    grade_after: str

    @property
    def delta(self) -> int:
        return self.score_after - self.score_before


@dataclass
class RunChanges:
    """Differences between the previous run and the latest run, page by page (by URL)."""

    regressions: list[PageChange] = field(default_factory=list)
    improvements: list[PageChange] = field(default_factory=list)
    new_pages: list[dict[str, Any]] = field(default_factory=list)
    removed_pages: list[dict[str, Any]] = field(default_factory=list)
    newly_failed: list[dict[str, Any]] = field(default_factory=list)
    recovered: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (self.regressions, self.improvements, self.new_pages, self.removed_pages,
             self.newly_failed, self.recovered)
        )


def _moved(before: dict, after: dict) -> PageChange | None:
    old, new = before["ecoindex"], after["ecoindex"]
    change = PageChange(
        url=after["url"], title=after.get("title"), score_before=old["score"],
        score_after=new["score"], grade_before=old["grade"], grade_after=new["grade"],
    )
    if change.grade_before != change.grade_after or abs(change.delta) >= CHANGE_POINTS:
        return change
    return None


def compare_runs(previous: list[dict[str, Any]], latest: list[dict[str, Any]]) -> RunChanges:
    """Changes from `previous` to `latest` (page entries), pages matched by requested URL."""
    before = {page["url"]: page for page in previous}
    after = {page["url"]: page for page in latest}
    changes = RunChanges()
    for url, page in after.items():
        old = before.get(url)
        if old is None:
            changes.new_pages.append(page)
        elif measured(old) and not measured(page):
            changes.newly_failed.append(page)
        elif not measured(old) and measured(page):
            changes.recovered.append(page)
        elif measured(old) and measured(page) and (change := _moved(old, page)):
            worse = ecoindex.GRADES.index(change.grade_after) > ecoindex.GRADES.index(
                change.grade_before
            ) or (change.grade_after == change.grade_before and change.delta < 0)
            (changes.regressions if worse else changes.improvements).append(change)
    changes.removed_pages = [page for url, page in before.items() if url not in after]
    changes.regressions.sort(key=lambda c: c.delta)
    changes.improvements.sort(key=lambda c: -c.delta)
    return changes
