"""Page weight, request count, DOM size, EcoIndex grade and SWD v4 CO2 (RGESN 6.1, 1.5)."""

from __future__ import annotations

from collections import Counter

from ecoaudit.capture import Capture
from ecoaudit.errors import ConfigError
from ecoaudit.metrics import co2, ecoindex
from ecoaudit.rules.checks.resources import kind
from ecoaudit.rules.finding import Evidence
from ecoaudit.rules.messages import message
from ecoaudit.rules.registry import CheckContext, NotApplicable, Outcome, check, require

HEAVIEST_SHOWN = 5


def _graded(value: float, warn_above: float, fail_above: float) -> str:
    if value > fail_above:
        return "fail"
    return "warn" if value > warn_above else "pass"


def _choice(context: CheckContext, key: str, allowed: tuple[str, ...]) -> str:
    value = context[key]
    if value not in allowed:
        raise ConfigError(f"rule '{context.rule_id}': key '{key}' must be one of "
                          f"{', '.join(allowed)}, not {value!r}.")
    return value


@check("page-weight")
def page_weight(capture: Capture, context: CheckContext) -> Outcome:
    """Bytes transferred (headers included, after scroll), against the warn and fail budgets."""
    if not capture.requests:
        raise NotApplicable(message("reason.no_requests"))
    size_kb = capture.size_kb
    heaviest = sorted(capture.requests, key=lambda r: r.transfer_bytes, reverse=True)
    evidence = [
        Evidence(url=r.url, bytes=r.transfer_bytes,
                 message=message("evidence.heavy_resource", kind=kind(r), bytes=r.transfer_bytes))
        for r in heaviest[:HEAVIEST_SHOWN] if r.transfer_bytes > 0
    ]
    return Outcome(
        status=_graded(size_kb, context["warn_kb"], context["fail_kb"]),
        value=round(size_kb, 1),
        threshold={"warn_kb": context["warn_kb"], "fail_kb": context["fail_kb"]},
        evidence=evidence,
    )


@check("request-count")
def request_count(capture: Capture, context: CheckContext) -> Outcome:
    """Number of requests of the page load, against the warn and fail limits."""
    if not capture.requests:
        raise NotApplicable(message("reason.no_requests"))
    count = capture.request_count
    by_kind = Counter(kind(request) for request in capture.requests)
    summary = [message("evidence.kind_count", count=n, kind=name)
               for name, n in by_kind.most_common()]
    return Outcome(
        status=_graded(count, context["warn_above"], context["fail_above"]),
        value=count,
        threshold={"warn_above": context["warn_above"], "fail_above": context["fail_above"]},
        evidence=[Evidence(url=None, message=message("evidence.request_count", count=count,
                                                     by_kind=summary))],
    )


@check("dom-size")
def dom_size(capture: Capture, context: CheckContext) -> Outcome:
    """Number of DOM elements (SVG children excluded, as EcoIndex counts them)."""
    nodes = require(capture.nodes, "nodes")
    evidence = []
    if capture.dom is not None and capture.dom.max_depth is not None:
        evidence.append(Evidence(url=None, message=message("evidence.dom_depth",
                                                          depth=capture.dom.max_depth)))
    return Outcome(
        status=_graded(nodes, context["warn_above"], context["fail_above"]),
        value=nodes,
        threshold={"warn_above": context["warn_above"], "fail_above": context["fail_above"]},
        evidence=evidence,
    )


@check("ecoindex-grade")
def ecoindex_grade(capture: Capture, context: CheckContext) -> Outcome:
    """EcoIndex score and grade (official formula) against the lowest acceptable grade."""
    nodes = require(capture.nodes, "nodes")
    minimum = _choice(context, "min_grade", ecoindex.GRADES)
    result = ecoindex.compute(nodes, capture.request_count, capture.size_kb)
    passed = ecoindex.GRADES.index(result.grade) <= ecoindex.GRADES.index(minimum)
    said = message("evidence.ecoindex", score=result.score, grade=result.grade,
                   nodes=result.nodes, requests=result.requests, size_kb=result.size_kb)
    return Outcome(
        status="pass" if passed else "fail",
        value=result.score,
        threshold={"min_grade": minimum},
        evidence=[Evidence(url=None, message=said)],
    )


@check("co2-per-view")
def co2_per_view(capture: Capture, context: CheckContext) -> Outcome:
    """Grams CO2e per view (SWD v4), rated A+..F on the chosen grid, against the worst rating."""
    if not capture.requests:
        raise NotApplicable(message("reason.no_requests"))
    worst = _choice(context, "max_rating", co2.RATINGS)
    grid = _choice(context, "grid", ("global", "france"))
    figures = co2.page_co2(capture.transfer_bytes, green_hosting=context["green_hosting"])
    chosen = figures[grid]
    evidence = [
        Evidence(url=None, message=message(
            "evidence.co2", grid=name, intensity=figures[name]["grid_intensity"],
            grams=figures[name]["grams_per_view"], rating=figures[name]["rating"]))
        for name in ("global", "france")
    ]
    passed = co2.RATINGS.index(chosen["rating"]) <= co2.RATINGS.index(worst)
    return Outcome(
        status="pass" if passed else "fail",
        value=chosen["grams_per_view"],
        threshold={"max_rating": worst, "grid": grid, "green_hosting": context["green_hosting"]},
        evidence=evidence,
    )
