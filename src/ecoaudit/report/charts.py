"""Charts as small inline SVG, readable without JavaScript, each with a title and a description.

Every chart is also given as a table or a sentence next to it in the report; the SVG's <title> and
<desc> carry the same text alternative for screen readers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from ecoaudit.metrics import ecoindex

INK = "#1f2328"
MUTED = "#57606a"
MAX_MARKERS = 40
_ids = itertools.count(1)


def _open(width: int, height: int, title: str, description: str, kind: str) -> str:
    n = next(_ids)
    return (
        f'<svg class="chart" data-chart="{kind}" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="c{n}t c{n}d" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">'
        f'<title id="c{n}t">{escape(title)}</title><desc id="c{n}d">{escape(description)}</desc>'
    )


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
    )


def grade_distribution(counts: dict[str, int], title: str, description: str) -> Markup:
    """Horizontal bars, one per grade A..G, with the number of pages at the end of each bar."""
    width, row, left = 360, 22, 24
    height = row * len(ecoindex.GRADES) + 4
    most = max(counts.values(), default=0) or 1
    parts = [_open(width, height, title, description, "grades")]
    for i, letter in enumerate(ecoindex.GRADES):
        y = 2 + i * row
        length = (width - left - 40) * counts.get(letter, 0) / most
        parts.append(_text(4, y + 15, letter))
        parts.append(
            f'<rect x="{left}" y="{y + 2}" width="{length:.1f}" height="{row - 6}" '
            f'fill="{ecoindex.GRADE_COLOURS[letter]}"/>'
        )
        parts.append(_text(left + length + 4, y + 15, str(counts.get(letter, 0))))
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Series:
    """One line of a trend chart: a name, a colour, a dash pattern and one value per run."""

    name: str
    colour: str
    values: Sequence[float | None]
    dash: str = ""


def trend(
    labels: Sequence[str],
    series: Sequence[Series],
    title: str,
    description: str,
    maximum: float = 100,
) -> Markup:
    """A line chart over runs (0..maximum on the y axis), first and last run labelled."""
    width, height, left, right, top, bottom = 480, 180, 34, 12, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h * (1 - min(max(value / maximum, 0), 1))

    parts = [_open(width, height, title, description, "trend")]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        value = maximum * tick
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#d0d7de"/>'
        )
        parts.append(_text(left - 4, y(value) + 4, f"{value:g}", "end", MUTED))
    for line in series:
        points = [(x(i), y(v)) for i, v in enumerate(line.values) if v is not None]
        if not points:
            continue
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{line.colour}" stroke-width="2"{dash}/>'
        )
        if len(points) <= MAX_MARKERS:  # a long history reads as a line; markers would weigh
            parts.extend(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{line.colour}"/>'
                for px, py in points
            )
    if labels:
        parts.append(_text(left, height - bottom + 16, labels[0], "start", MUTED))
        if len(labels) > 1:
            parts.append(_text(width - right, height - bottom + 16, labels[-1], "end", MUTED))
    legend_x = left
    for line in series:
        dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
        parts.append(
            f'<line x1="{legend_x}" x2="{legend_x + 18}" y1="{height - 8}" y2="{height - 8}" '
            f'stroke="{line.colour}" stroke-width="2"{dash}/>'
        )
        parts.append(_text(legend_x + 22, height - 4, line.name))
        legend_x += 30 + 7 * len(line.name)
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Bar:
    """One site on the comparison chart."""

    label: str
    value: float | None
    benchmark: bool = False


def site_comparison(
    bars: Sequence[Bar],
    references: Sequence[tuple[str, float]],
    title: str,
    description: str,
) -> Markup:
    """Horizontal bars of a 0..100 value per site, with labelled vertical reference lines."""
    width, row, label_w = 560, 20, 200
    top = 16 * max(len(references), 1)
    plot_w = width - label_w - 40
    height = top + row * max(len(bars), 1) + 8
    parts = [_open(width, height, title, description, "sites")]
    for i, bar in enumerate(bars):
        y = top + i * row
        label = bar.label if len(bar.label) <= 30 else bar.label[:29] + "…"
        parts.append(_text(label_w - 6, y + 14, label, "end"))
        if bar.value is None:
            parts.append(_text(label_w + 4, y + 14, "–", "start", MUTED))
            continue
        length = plot_w * min(max(bar.value, 0), 100) / 100
        colour = ecoindex.GRADE_COLOURS[ecoindex.grade(round(bar.value))]
        pattern = ' stroke="#57606a" stroke-dasharray="3 2"' if bar.benchmark else ""
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
            f'fill="{colour}"{pattern}/>'
        )
        parts.append(_text(label_w + length + 4, y + 14, f"{bar.value:.0f}"))
    for i, (name, value) in enumerate(references):
        rx = label_w + plot_w * min(max(value, 0), 100) / 100
        label_y = 12 + 16 * i  # one line per reference, so labels never overlap
        parts.append(
            f'<line x1="{rx:.1f}" x2="{rx:.1f}" y1="{label_y + 3}" y2="{height - 4}" '
            f'stroke="{INK}" stroke-dasharray="4 3"/>'
        )
        right_half = rx > label_w + plot_w / 2
        parts.append(_text(rx - 3 if right_half else rx + 3, label_y, f"{name} {value:.0f}",
                           "end" if right_half else "start", INK))
    parts.append("</svg>")
    return Markup("".join(parts))
