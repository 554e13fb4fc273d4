"""Page-level views: the worst pages of a run and the details of one page's requests."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ecoaudit.report.figures import measured

WORST_PAGES = 10


def worst_pages(pages: list[dict[str, Any]], limit: int = WORST_PAGES) -> list[dict[str, Any]]:
    """Measured pages, lowest EcoIndex first (heaviest first among equal scores)."""
    ok = [page for page in pages if measured(page)]
    ok.sort(key=lambda p: (p["ecoindex"]["score"], -p["ecoindex"]["size_kb"], p["url"]))
    return ok[:limit]


def failed_pages(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pages that could not be measured, in crawl order."""
    return [page for page in pages if not measured(page)]


@dataclass(frozen=True)
class RequestGroup:
    """Requests sharing one resource type or one host name."""

    name: str
    requests: int
    transfer_bytes: int
    third_party: bool | None = None


def host_of(url: str) -> str:
    """Host name of a URL ('' for data: and other host-less URLs)."""
    return urlsplit(url).hostname or ""


def requests_by_type(page: dict[str, Any]) -> list[RequestGroup]:
    """Requests of a page grouped by resource type, heaviest first."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for request in page.get("requests") or []:
        group = counts[request.get("resource_type") or "other"]
        group[0] += 1
        group[1] += request.get("transfer_bytes") or 0
    groups = [RequestGroup(name, n, size) for name, (n, size) in counts.items()]
    return sorted(groups, key=lambda g: (-g.transfer_bytes, g.name))


def requests_by_domain(page: dict[str, Any]) -> list[RequestGroup]:
    """Requests of a page grouped by host name, heaviest first, with the third-party flag."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    third: dict[str, bool | None] = {}
    for request in page.get("requests") or []:
        host = host_of(request.get("url") or "")
        counts[host][0] += 1
        counts[host][1] += request.get("transfer_bytes") or 0
        flag = request.get("third_party")
        third[host] = True if flag or third.get(host) else flag
    groups = [RequestGroup(host, n, size, third.get(host)) for host, (n, size) in counts.items()]
    return sorted(groups, key=lambda g: (-g.transfer_bytes, g.name))


def third_party_domains(page: dict[str, Any]) -> list[RequestGroup]:
    """Host names the page called that are third parties."""
    return [group for group in requests_by_domain(page) if group.third_party]
