"""The prioritised to-do list: rules that pages break, ranked by what fixing them would save."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FAILING = ("fail", "warn")
SEVERITY_RANK = {"critical": 4, "high": 3, "major": 3, "medium": 2, "minor": 1, "low": 1, "info": 0}


@dataclass
class TodoItem:
    """One rule broken on at least one page, with the bytes its fix would save."""

    rule: str
    pages_affected: int = 0
    pages_failing: int = 0
    saving_bytes: int = 0  # summed over the affected pages
    severity: str | None = None
    rgesn: list[str] = field(default_factory=list)
    example_urls: list[str] = field(default_factory=list)

    @property
    def impact_bytes(self) -> int:
        """Pages affected × mean bytes saved per affected page (= the bytes saved in all)."""
        return self.saving_bytes


def _severity_rank(severity: str | None) -> int:
    return SEVERITY_RANK.get((severity or "").lower(), 0)


def finding_saving(finding: dict[str, Any]) -> int:
    """Bytes a finding says could be saved: its own total, else the sum over its evidence."""
    if finding.get("saving_bytes") is not None:
        return int(finding["saving_bytes"])
    return sum(int(item.get("saving_bytes") or 0) for item in finding.get("evidence") or [])


def rank_rules(pages: list[dict[str, Any]], examples: int = 3) -> list[TodoItem]:
    """Rules failing or warning on the pages, most bytes to save first, then severity and reach."""
    items: dict[str, TodoItem] = {}
    for page in pages:
        for finding in page.get("findings") or []:
            if finding.get("status") not in FAILING:
                continue
            item = items.setdefault(finding["rule"], TodoItem(rule=finding["rule"]))
            item.pages_affected += 1
            item.pages_failing += finding["status"] == "fail"
            item.saving_bytes += finding_saving(finding)
            if _severity_rank(finding.get("severity")) >= _severity_rank(item.severity):
                item.severity = finding.get("severity") or item.severity
            item.rgesn = sorted(set(item.rgesn) | set(finding.get("rgesn") or []))
            if len(item.example_urls) < examples:
                item.example_urls.append(page.get("url") or "")
    return sorted(
        items.values(),
        key=lambda i: (-i.impact_bytes, -_severity_rank(i.severity), -i.pages_affected, i.rule),
    )
