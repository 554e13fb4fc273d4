"""Images: modern formats, over-weight bitmaps, resized in the browser, not displayed or not
lazy-loaded (RGESN 5.1, 5.2, 6.4, 6.5)."""

from __future__ import annotations

from ecoaudit.capture import Capture, Image
from ecoaudit.rules.checks.resources import (
    MODERN_FORMATS,
    image_format,
    images_by_url,
    raster_image_requests,
)
from ecoaudit.rules.finding import Evidence
from ecoaudit.rules.messages import message
from ecoaudit.rules.registry import CheckContext, NotApplicable, Outcome, check


def _pixels(image: Image | None) -> int:
    return image.natural_width * image.natural_height if image else 0


@check("modern-image-formats")
def modern_image_formats(capture: Capture, context: CheckContext) -> Outcome:
    """Share of raster images in WebP, AVIF or JPEG XL (format read from the bytes)."""
    images = [r for r in raster_image_requests(capture)
              if r.transfer_bytes >= context["min_image_bytes"]]
    if not images:
        raise NotApplicable(message("reason.no_raster_image_over",
                                    bytes=context["min_image_bytes"]))
    elements = images_by_url(capture)
    evidence = []
    for request in images:
        found = image_format(request)
        if found in MODERN_FORMATS:
            continue
        pixels = _pixels(elements.get(request.url))
        estimate = pixels * context["estimated_modern_bytes_per_pixel"]
        saving = max(0, round(request.transfer_bytes - estimate)) if pixels else None
        evidence.append(Evidence(url=request.url, bytes=request.transfer_bytes,
                                 saving_bytes=saving,
                                 message=message("evidence.old_format", format=found,
                                                 bytes=request.transfer_bytes)))
    share = 100 * (len(images) - len(evidence)) / len(images)
    return Outcome(
        status="pass" if share > context["min_percent"] else "fail",
        value=round(share, 1),
        threshold={"min_percent": context["min_percent"]},
        evidence=sorted(evidence, key=lambda item: item.bytes or 0, reverse=True),
    )


def _bitmap_gain(size: int, fmt: str | None, pixels: int, context: CheckContext) -> int:
    """Bytes above what the image should weigh for its pixels (0 when within the allowance)."""
    small, lossless_small = context["small_image_bytes"], context["small_lossless_image_bytes"]
    if size < small or (fmt in ("png", "gif") and size < lossless_small):
        return 0
    gain = 0
    if pixels:
        allowance = max(pixels * context["max_bytes_per_pixel"], small)
        gain = round(size - allowance)
    if size > context["max_image_bytes"]:
        gain = max(gain, size - context["max_image_bytes"])
    return max(gain, 0)


@check("bitmap-overweight")
def bitmap_overweight(capture: Capture, context: CheckContext) -> Outcome:
    """Raster images heavier than their pixel count justifies, or above the size cap."""
    images = raster_image_requests(capture)
    if not images:
        raise NotApplicable(message("reason.no_raster_image"))
    elements = images_by_url(capture)
    evidence = []
    for request in images:
        pixels = _pixels(elements.get(request.url))
        fmt = image_format(request)
        gain = _bitmap_gain(request.transfer_bytes, fmt, pixels, context)
        if gain > context["min_gain_bytes"]:
            size = request.transfer_bytes
            said = (message("evidence.overweight_per_pixel", format=fmt, bytes=size,
                            per_pixel=round(size / pixels, 2)) if pixels
                    else message("evidence.overweight", format=fmt, bytes=size))
            evidence.append(Evidence(url=request.url, bytes=size, saving_bytes=gain,
                                     message=said))
    total_gain = sum(item.saving_bytes or 0 for item in evidence)
    if not evidence:
        status = "pass"
    else:
        status = "fail" if total_gain >= context["fail_total_gain_bytes"] else "warn"
    return Outcome(
        status=status,
        value=total_gain,
        threshold={key: context[key] for key in
                   ("max_bytes_per_pixel", "max_image_bytes", "fail_total_gain_bytes")},
        evidence=sorted(evidence, key=lambda item: item.saving_bytes or 0, reverse=True),
    )


def _displayed_raster(capture: Capture) -> list[Image]:
    """Visible raster <img> elements with a box, one per URL (the largest box)."""
    chosen: dict[str, Image] = {}
    for image in capture.images:
        if image.is_vector or not image.visible or image.format == "svg":
            continue
        if image.displayed_width <= 0 or image.displayed_height <= 0 or image.natural_width <= 1:
            continue
        area = image.displayed_width * image.displayed_height
        current = chosen.get(image.url)
        if current is None or area > current.displayed_width * current.displayed_height:
            chosen[image.url] = image
    return list(chosen.values())


@check("images-resized-in-browser")
def images_resized_in_browser(capture: Capture, context: CheckContext) -> Outcome:
    """Images downloaded larger than displayed (both dimensions), when the waste is worth it."""
    images = _displayed_raster(capture)
    if not images:
        raise NotApplicable(message("reason.no_displayed_raster"))
    excess = context["min_excess_px"]
    evidence = []
    for image in images:
        if (image.natural_width - image.displayed_width < excess
                or image.natural_height - image.displayed_height < excess):
            continue
        ratio = (image.displayed_width * image.displayed_height
                 / (image.natural_width * image.natural_height))
        waste = round(image.bytes * (1 - ratio)) if image.bytes is not None else None
        limit = context["min_waste_bytes_srcset" if image.has_srcset else "min_waste_bytes"]
        if waste is not None and waste < limit:
            continue
        evidence.append(Evidence(
            url=image.url, bytes=image.bytes, saving_bytes=waste,
            message=message("evidence.resized", natural_width=image.natural_width,
                            natural_height=image.natural_height,
                            displayed_width=round(image.displayed_width),
                            displayed_height=round(image.displayed_height)),
        ))
    share = 100 * len(evidence) / len(images)
    status = "fail" if share > context["fail_share_percent"] else "warn" if evidence else "pass"
    return Outcome(
        status=status,
        value=len(evidence),
        threshold={"fail_share_percent": context["fail_share_percent"],
                   "min_waste_bytes": context["min_waste_bytes"]},
        evidence=sorted(evidence, key=lambda item: item.saving_bytes or 0, reverse=True),
    )


@check("offscreen-images")
def offscreen_images(capture: Capture, context: CheckContext) -> Outcome:
    """Images downloaded but never displayed (fail), below the first screen without lazy (warn)."""
    if not capture.images:
        raise NotApplicable(message("reason.no_img"))
    by_url: dict[str, list[Image]] = {}
    for image in capture.images:
        by_url.setdefault(image.url, []).append(image)
    hidden, eager = [], []
    for elements in by_url.values():
        shown = [e for e in elements if e.visible and e.displayed_width > 0
                 and e.displayed_height > 0]
        image = shown[0] if shown else max(elements, key=lambda e: e.natural_width)
        if any(e.in_first_viewport or e.lazy for e in shown):
            continue
        if not shown:
            if image.natural_width * image.natural_height >= context["min_hidden_area_px"]:
                hidden.append(Evidence(
                    url=image.url, bytes=image.bytes, saving_bytes=image.bytes,
                    message=message("evidence.never_displayed", width=image.natural_width,
                                    height=image.natural_height)))
        elif (image.bytes or 0) >= context["min_offscreen_bytes"]:
            eager.append(Evidence(
                url=image.url, bytes=image.bytes, saving_bytes=image.bytes,
                message=message("evidence.not_lazy")))
    status = "fail" if hidden else "warn" if eager else "pass"
    return Outcome(
        status=status,
        value=len(hidden) + len(eager),
        threshold={key: context[key] for key in ("min_hidden_area_px", "min_offscreen_bytes")},
        evidence=hidden + eager,
    )
