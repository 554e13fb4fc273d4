"""Autoplaying video and audio, animated images (RGESN 4.1, 4.6)."""

from __future__ import annotations

import math

from ecoaudit.capture import Capture
from ecoaudit.rules.checks.resources import image_format, is_answered
from ecoaudit.rules.finding import Evidence
from ecoaudit.rules.messages import message
from ecoaudit.rules.registry import CheckContext, Outcome, check, require


def animated_gif_saving(size: int) -> int:
    """Bytes saved by turning an animated GIF into a video: the published estimate
    (29.1 × log10(bytes) − 100.7) %, rounded to a whole percent."""
    percent = round(29.1 * math.log10(size) - 100.7) if size > 0 else 0
    return max(0, round(size * percent / 100))


@check("autoplay-and-animations")
def autoplay_and_animations(capture: Capture, context: CheckContext) -> Outcome:
    """<video>/<audio> playing without the user (fail); animated images (big GIF: fail)."""
    media = require(capture.media, "media")
    evidence, statuses = [], []
    for element in media:
        if element.autoplay or element.playing:
            how = "autoplay" if element.autoplay else "script"
            extras = [word for word, on in (("muted", element.muted), ("loop", element.loop))
                      if on]
            evidence.append(Evidence(url=element.src, message=message(
                "evidence.autoplay", tag=element.tag, traits=[how, *extras])))
            statuses.append("fail")
    for request in capture.requests:
        if not request.animated or not is_answered(request):
            continue
        fmt = image_format(request) or "image"
        size = request.transfer_bytes
        if fmt == "gif" and size > context["max_animated_gif_bytes"]:
            evidence.append(Evidence(url=request.url, bytes=size,
                                     saving_bytes=animated_gif_saving(size),
                                     message=message("evidence.animated_gif", bytes=size)))
            statuses.append("fail")
        else:
            evidence.append(Evidence(url=request.url, bytes=size,
                                     message=message("evidence.animated_image", format=fmt)))
            statuses.append("warn")
    status = "fail" if "fail" in statuses else "warn" if statuses else "pass"
    return Outcome(
        status=status,
        value=len(evidence),
        threshold={"max_animated_gif_bytes": context["max_animated_gif_bytes"]},
        evidence=evidence,
    )
