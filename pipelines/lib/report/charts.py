"""Charts of the review pack, written as inline SVG when the pack is built.

No JavaScript runs in the pages and nothing is fetched when one opens: each chart is a handful of
SVG rectangles, lines and text elements, written here directly. Chart libraries were measured
first (docs/decisions.md "Charts are written as SVG directly"): matplotlib and Vega-Lite
(vl-convert) both took 0.1-0.4 s per chart, most of a pack's build time with one chart per
account, where this takes about a millisecond. Text stays text, in the page's own font (set by
the page's stylesheet), so it prints sharply, can be searched and read aloud, and a test can
read it.

Coordinates are CSS pixels at 96 per inch: a full-width chart is 672 px (7 in, the A4 text
column), and the stylesheet scales it to its box. Labels arrive translated and formatted: this
module knows no language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from pipelines.lib.report import palette

FULL_WIDTH = 672
HALF_WIDTH = 326
FONT_SIZE = 10.5  # px: 8 pt
CHAR_WIDTH = 0.55  # of the font size: Liberation Sans / Arial digits and lower case, on average
MAX_PARETO_DOTS = 600


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class _Frame:
    """The plot area inside a chart, and the scales that map values into it."""

    left: float
    top: float
    width: float
    height: float
    y_low: float
    y_high: float
    x_count: int = 0  # categories (months) along x; 0 for a continuous 0-1 axis

    def y(self, value: float) -> float:
        span = (self.y_high - self.y_low) or 1.0
        return self.top + self.height * (1 - (value - self.y_low) / span)

    def x_band(self, index: int) -> float:
        """Centre of category `index`."""
        return self.left + self.width * (index + 0.5) / self.x_count

    def x_share(self, share: float) -> float:
        return self.left + self.width * share

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @property
    def right(self) -> float:
        return self.left + self.width


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 12))
        value += step
    return ticks


def pareto_curve(
    account_shares: Sequence[float],
    revenue_shares: Sequence[float],
    tiers: Sequence[str],
    *,
    tier_labels: dict[str, str],
    x_label: str,
    y_label: str,
    marker_label: str,
    percent: Callable[[float], str],
    marked_share: float = 0.2,
) -> str:
    """Cumulative share of revenue against the share of accounts ranked by revenue; each account
    a dot in its tier's colour; the A-class threshold (80 %) and the top `marked_share` marked."""
    width, height = 290, 215  # drawn smaller than the column, so its labels print larger
    frame = _Frame(left=42, top=10, width=width - 60, height=height - 54, y_low=0.0, y_high=1.0)
    parts = [_open(width, height, "pareto", y_label, font_size=12)]
    ticks = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    parts += _y_grid(frame, ticks, percent)
    for tick in ticks:
        x = frame.x_share(tick)
        parts.append(_text(x, frame.bottom + 14, percent(tick), anchor="middle"))
    parts.append(_text(frame.left + frame.width / 2, height - 6, x_label, anchor="middle"))
    threshold = frame.y(0.8)
    parts.append(_line(frame.left, threshold, frame.right, threshold, palette.MUTED, dashed=True))
    parts.append(_text(frame.right, threshold - 4, marker_label, anchor="end", size=11))
    points = [(0.0, 0.0), *zip(account_shares, revenue_shares, strict=True)]
    path = " ".join(f"{frame.x_share(x):.1f},{frame.y(y):.1f}" for x, y in points)
    parts.append(
        f'<polyline points="{path}" fill="none" stroke="{palette.INK}" stroke-width="1.2"/>'
    )
    marked = _share_at(account_shares, revenue_shares, marked_share)
    if marked is not None:
        mx, my = frame.x_share(marked_share), frame.y(marked)
        parts.append(_line(mx, frame.bottom, mx, my, palette.ACCENT, dashed=True))
        parts.append(_line(frame.left, my, mx, my, palette.ACCENT, dashed=True))
        parts.append(
            _text(
                mx + 5,
                my + 13,
                f"{percent(marked_share)} → {percent(marked)}",
                size=10,
                colour=palette.ACCENT,
                weight="bold",
            )
        )
    step = max(1, math.ceil(len(account_shares) / MAX_PARETO_DOTS))
    for index in range(0, len(account_shares), step):
        parts.append(
            f'<circle cx="{frame.x_share(account_shares[index]):.1f}" '
            f'cy="{frame.y(revenue_shares[index]):.1f}" r="2.1" '
            f'fill="{palette.tier_colour(tiers[index])}" data-tier="{escape(tiers[index] or "")}"/>'
        )
    present = [tier for tier in palette.TIER_ORDER if tier in set(tiers)]
    legend_top = frame.bottom - 15 * len(present) - 4
    for row, tier in enumerate(present):
        y = legend_top + row * 15
        parts.append(
            f'<circle cx="{frame.right - 82:.1f}" cy="{y - 4:.1f}" r="3.5" '
            f'fill="{palette.tier_colour(tier)}"/>'
        )
        parts.append(_text(frame.right - 74, y, tier_labels.get(tier, tier)))
    parts.append(_axis_lines(frame))
    parts.append("</svg>")
    return "".join(parts)


def trend_lines(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    value_label: Callable[[float], str],
    name: str,
    reference: float | None = None,
) -> str:
    """One line per series over periods (NRR or GRR per tier, month by month)."""
    width, height = HALF_WIDTH, 220
    values = [v for line in series for v in line.values if v is not None]
    low = min([*values, reference] if reference is not None else values, default=0.0)
    high = max([*values, reference] if reference is not None else values, default=1.0)
    ticks = nice_ticks(low, high, 5)
    legend_rows = math.ceil(len(series) / 3)
    frame = _Frame(
        left=38,
        top=24,
        width=width - 46,
        height=height - 58 - 14 * legend_rows,
        y_low=ticks[0],
        y_high=ticks[-1],
        x_count=len(x_labels),
    )
    parts = [_open(width, height, name, title)]
    parts.append(_text(0, 12, title, colour=palette.INK, weight="bold", size=11))
    parts += _y_grid(frame, ticks, value_label)
    parts += _x_labels(frame, x_labels)
    if reference is not None:
        ref = frame.y(reference)
        parts.append(_line(frame.left, ref, frame.right, ref, palette.MUTED, width=0.9))
    for line in series:
        points = [(frame.x_band(i), frame.y(v)) for i, v in enumerate(line.values) if v is not None]
        if not points:
            continue
        dash = ' stroke-dasharray="4 3"' if line.dashed else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{line.colour}" '
            f'stroke-width="{1.4 if line.dashed else 2}"{dash} data-series="{escape(line.label)}"/>'
        )
        parts += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{line.colour}"/>' for x, y in points
        ]
    parts += _legend_rows(series, left=frame.left, top=frame.bottom + 32, width=frame.width)
    parts.append(_axis_lines(frame))
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    value_label: Callable[[float], str],
    name: str,
) -> str:
    """Monthly revenue stacked by product category: the trend and the mix in one picture.
    Negative months (credit notes above sales) stack below zero."""
    width, height = FULL_WIDTH, 190
    count = len(x_labels)
    above = [0.0] * count
    below = [0.0] * count
    for bar in series:
        for i, value in enumerate(bar.values):
            v = float(value or 0)
            above[i] += max(v, 0)
            below[i] += min(v, 0)
    ticks = nice_ticks(min(below, default=0.0), max(above, default=1.0), 5)
    label_width = max((len(value_label(t)) for t in ticks), default=4) * FONT_SIZE * CHAR_WIDTH
    legend_width = 150
    frame = _Frame(
        left=label_width + 10,
        top=8,
        width=width - label_width - 18 - legend_width,
        height=height - 32,
        y_low=ticks[0],
        y_high=ticks[-1],
        x_count=count,
    )
    parts = [_open(width, height, name, "")]
    parts += _y_grid(frame, ticks, value_label)
    parts += _x_labels(frame, x_labels)
    band = frame.width / max(count, 1) * 0.72
    tops = [0.0] * count
    bottoms = [0.0] * count
    for bar in series:
        for i, value in enumerate(bar.values):
            v = float(value or 0)
            if v == 0:
                continue
            start = tops[i] if v > 0 else bottoms[i]
            end = start + v
            if v > 0:
                tops[i] = end
            else:
                bottoms[i] = end
            y_top, y_bottom = frame.y(max(start, end)), frame.y(min(start, end))
            parts.append(
                f'<rect x="{frame.x_band(i) - band / 2:.1f}" y="{y_top:.2f}" width="{band:.1f}" '
                f'height="{y_bottom - y_top:.2f}" fill="{bar.colour}" '
                f'data-series="{escape(bar.label)}" data-value="{v:.2f}"/>'
            )
    zero = frame.y(0.0)
    parts.append(_line(frame.left, zero, frame.right, zero, palette.MUTED, width=0.8))
    legend_left = frame.right + 16
    for row, bar in enumerate(series):
        y = frame.top + 10 + row * 15
        parts.append(
            f'<rect x="{legend_left:.1f}" y="{y - 8:.1f}" width="9" height="9" rx="1.5" '
            f'fill="{bar.colour}"/>'
        )
        parts.append(_text(legend_left + 14, y, bar.label))
    parts.append("</svg>")
    return "".join(parts)


# ---- pieces ---------------------------------------------------------------------------------


def _open(
    width: float, height: float, name: str, title: str, *, font_size: float = FONT_SIZE
) -> str:
    label = f' aria-label="{escape(title)}"' if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" data-chart="{escape(name)}"{label} '
        f'font-size="{font_size}">'
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: float | None = None,
    colour: str = palette.MUTED,
    weight: str | None = None,
) -> str:
    attributes = f'x="{x:.1f}" y="{y:.1f}" fill="{colour}"'
    if anchor != "start":
        attributes += f' text-anchor="{anchor}"'
    if size is not None:
        attributes += f' font-size="{size}"'
    if weight:
        attributes += f' font-weight="{weight}"'
    return f"<text {attributes}>{escape(text)}</text>"


def _line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    colour: str,
    *,
    width: float = 0.8,
    dashed: bool = False,
) -> str:
    dash = ' stroke-dasharray="3 2"' if dashed else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
        f'stroke-width="{width}"{dash}/>'
    )


def _y_grid(frame: _Frame, ticks: Sequence[float], label: Callable[[float], str]) -> list[str]:
    parts = []
    for tick in ticks:
        y = frame.y(tick)
        parts.append(_line(frame.left, y, frame.right, y, palette.GRID, width=0.7))
        parts.append(_text(frame.left - 5, y + 3.5, label(tick), anchor="end"))
    return parts


def _x_labels(frame: _Frame, labels: Sequence[str]) -> list[str]:
    """Every label when few; else every third (quarters), always the latest period."""
    step = 1 if len(labels) <= 8 else 3
    shown = list(range(len(labels)))[::-1][::step]
    return [_text(frame.x_band(i), frame.bottom + 14, labels[i], anchor="middle") for i in shown]


def _axis_lines(frame: _Frame) -> str:
    return _line(frame.left, frame.bottom, frame.right, frame.bottom, palette.MUTED, width=0.8)


def _legend_rows(series: Sequence[Series], *, left: float, top: float, width: float) -> list[str]:
    parts = []
    column = width / 3
    for index, line in enumerate(series):
        x = left + (index % 3) * column
        y = top + (index // 3) * 14
        dash = ' stroke-dasharray="4 3"' if line.dashed else ""
        parts.append(
            f'<line x1="{x:.1f}" y1="{y - 3.5:.1f}" x2="{x + 14:.1f}" y2="{y - 3.5:.1f}" '
            f'stroke="{line.colour}" stroke-width="2"{dash}/>'
        )
        parts.append(_text(x + 18, y, line.label))
    return parts


def _share_at(xs: Sequence[float], ys: Sequence[float], share: float) -> float | None:
    """The cumulative revenue share of the first `share` of accounts (the point at or after)."""
    for x, y in zip(xs, ys, strict=True):
        if x >= share - 1e-12:
            return y
    return None
