"""Downloaded web fonts: families, variants and bytes (RGESN 4.8)."""

from __future__ import annotations

from ecoaudit.capture import Capture
from ecoaudit.rules.checks.resources import is_answered, kind
from ecoaudit.rules.finding import Evidence
from ecoaudit.rules.messages import message
from ecoaudit.rules.registry import CheckContext, Outcome, check, require


def _family(name: str) -> str:
    return name.strip().strip("\"'").strip().lower()


@check("web-fonts")
def web_fonts(capture: Capture, context: CheckContext) -> Outcome:
    """Pass with at most N families and M variants, or at most K kilobytes of fonts."""
    fonts = require(capture.fonts, "fonts")
    loaded = [font for font in fonts if font.status == "loaded"]
    families = {_family(font.family) for font in loaded}
    variants = {(_family(font.family), font.style, str(font.weight)) for font in loaded}
    font_requests = [r for r in capture.requests if kind(r) == "font" and is_answered(r)]
    font_bytes = sum(r.transfer_bytes for r in font_requests)
    few = len(families) <= context["max_families"] and len(variants) <= context["max_variants"]
    light = font_bytes <= context["max_font_kb"] * 1000
    evidence = [
        Evidence(url=r.url, bytes=r.transfer_bytes,
                 message=message("evidence.font_file", bytes=r.transfer_bytes))
        for r in sorted(font_requests, key=lambda r: r.transfer_bytes, reverse=True)
    ]
    if families:
        evidence.append(Evidence(url=None, message=message(
            "evidence.font_families", count=len(families), families=sorted(families))))
    return Outcome(
        status="pass" if few or light else "fail",
        value=message("outcome.web_fonts", families=len(families), variants=len(variants),
                      bytes=font_bytes),
        threshold={key: context[key] for key in ("max_families", "max_variants", "max_font_kb")},
        evidence=evidence,
    )
