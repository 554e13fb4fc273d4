"""CSS and JavaScript: minified, and used by the page (RGESN 6.5)."""

from __future__ import annotations

from ecoaudit.capture import Capture, TextStats
from ecoaudit.rules.checks.resources import body_bytes, is_answered, kind
from ecoaudit.rules.finding import Evidence
from ecoaudit.rules.messages import message
from ecoaudit.rules.registry import CheckContext, NotApplicable, Outcome, check, require


def looks_minified(stats: TextStats) -> bool:
    """Heuristic: almost no line breaks, or several statements and 100+ characters per line."""
    if stats.line_breaks < 2:
        return True
    return (stats.semicolons / stats.line_breaks > 1
            and stats.line_breaks / max(stats.length, 1) < 0.01)


@check("minified-css-js")
def minified_css_js(capture: Capture, context: CheckContext) -> Outcome:
    """Share of the site's CSS and JavaScript bytes that look minified."""
    files = [r for r in capture.requests
             if kind(r) in ("css", "js") and is_answered(r) and not context.is_third_party(r.url)]
    analysed = [(r, stats) for r in files
                if (stats := r.text_stats) is not None and stats.length > 0]
    if not analysed:
        raise NotApplicable(message("reason.css_js_not_analysed" if files
                                    else "reason.no_css_js"))
    total = sum(stats.length for _, stats in analysed)
    evidence = []
    for request, stats in analysed:
        if looks_minified(stats):
            continue
        evidence.append(Evidence(
            url=request.url, bytes=body_bytes(request),
            message=message("evidence.not_minified", kind=kind(request),
                            lines=stats.line_breaks,
                            per_line=round(stats.length / stats.line_breaks))))
    share = 100 * (total - sum(stats.length for _, stats in analysed
                               if not looks_minified(stats))) / total
    if share >= context["pass_percent"]:
        status = "pass"
    else:
        status = "warn" if share >= context["warn_percent"] else "fail"
    return Outcome(
        status=status,
        value=round(share, 1),
        threshold={key: context[key] for key in ("pass_percent", "warn_percent")},
        evidence=sorted(evidence, key=lambda item: item.bytes or 0, reverse=True),
    )


@check("unused-css-js")
def unused_css_js(capture: Capture, context: CheckContext) -> Outcome:
    """Scripts and stylesheets whose unused bytes (browser coverage) exceed the limits."""
    coverage = require(capture.coverage, "coverage")
    evidence = []
    for item in coverage:
        unused = max(0, item.total_bytes - item.used_bytes)
        limit = context["min_js_unused_bytes" if item.kind == "js" else "min_css_unused_bytes"]
        if unused >= limit:
            share = 100 * unused / item.total_bytes if item.total_bytes else 0
            evidence.append(Evidence(url=item.url, bytes=item.total_bytes, saving_bytes=unused,
                                     message=message("evidence.unused", kind=item.kind,
                                                     bytes=unused, percent=round(share))))
    unused_total = sum(item.saving_bytes or 0 for item in evidence)
    if not evidence:
        status = "pass"
    else:
        status = "fail" if unused_total >= context["fail_total_unused_bytes"] else "warn"
    return Outcome(
        status=status,
        value=unused_total,
        threshold={key: context[key] for key in
                   ("min_js_unused_bytes", "min_css_unused_bytes", "fail_total_unused_bytes")},
        evidence=sorted(evidence, key=lambda item: item.saving_bytes or 0, reverse=True),
    )
