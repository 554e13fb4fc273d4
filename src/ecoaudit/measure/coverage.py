"""Used and unused bytes of scripts and stylesheets, from Chrome's coverage data (CDP)."""

from __future__ import annotations

import itertools

from ecoaudit.capture import Coverage


def unused_length(ranges: list[dict]) -> tuple[int, int]:
    """(total, unused) characters of one script from its nested coverage ranges.

    V8 reports nested ranges; the innermost range covering a character decides whether it ran.
    """
    if not ranges:
        return 0, 0
    ordered = sorted(ranges, key=lambda r: (r["startOffset"], -r["endOffset"]))
    total = max(r["endOffset"] for r in ordered)
    # Sweep the boundaries; at each segment the innermost open range (latest start) applies.
    points = sorted({r["startOffset"] for r in ordered} | {r["endOffset"] for r in ordered})
    unused = 0
    stack: list[dict] = []
    index = 0
    for left, right in itertools.pairwise(points):
        while stack and stack[-1]["endOffset"] <= left:
            stack.pop()
        while index < len(ordered) and ordered[index]["startOffset"] <= left:
            if ordered[index]["endOffset"] > left:
                stack.append(ordered[index])
            index += 1
        while stack and stack[-1]["endOffset"] <= left:
            stack.pop()
        if stack and stack[-1]["count"] == 0:
            unused += right - left
    return total, unused


def scripts_coverage(result: list[dict], document_url: str) -> list[Coverage]:
    """Per external script URL: total and used characters (Profiler.takePreciseCoverage)."""
    totals: dict[str, list[int]] = {}
    for script in result:
        url = script.get("url") or ""
        if not url.startswith(("http://", "https://")) or url == document_url:
            continue
        ranges = [r for function in script.get("functions", []) for r in function["ranges"]]
        total, unused = unused_length(ranges)
        if total:
            entry = totals.setdefault(url, [0, 0])
            entry[0] += total
            entry[1] += total - unused
    return [Coverage(url, "js", total, used) for url, (total, used) in totals.items()]


def stylesheets_coverage(
    sheets: dict[str, dict], rule_usage: list[dict], document_url: str
) -> list[Coverage]:
    """Per external stylesheet URL: total and used characters (CSS rule usage tracking)."""
    used: dict[str, int] = {}
    for rule in rule_usage:
        if rule.get("used"):
            sheet_id = rule["styleSheetId"]
            used[sheet_id] = used.get(sheet_id, 0) + rule["endOffset"] - rule["startOffset"]
    totals: dict[str, list[int]] = {}
    for sheet_id, header in sheets.items():
        url = header.get("sourceURL") or ""
        if header.get("isInline") or not url.startswith(("http://", "https://")):
            continue
        if url == document_url:
            continue
        length = int(header.get("length") or 0)
        entry = totals.setdefault(url, [0, 0])
        entry[0] += length
        entry[1] += min(used.get(sheet_id, 0), length)
    return [Coverage(url, "css", total, used_) for url, (total, used_) in totals.items()]
