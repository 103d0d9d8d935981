"""Bar charts drawn on the server as SVG (templates/circles/_bar_chart.html).

Our own few lines instead of a chart library: three bar charts do not need one, an SVG
built here works without JavaScript and under our strict CSP, and each chart's figures
are also printed as a table beside it for screen readers and for copying.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 36


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float | None
    text: str
    show_label: bool


# A step between gridlines is one of these times a power of ten: 1, 2, 2.5, 5, 10, 20...
NICE_MANTISSAS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))
MOST_INTERVALS = 4


def nice_ticks(maximum: float, *, integer: bool = False) -> list[Decimal]:
    """Gridline values from 0 to a round top at or above `maximum`: at most
    MOST_INTERVALS equal steps of 1, 2, 2.5 or 5 times a power of ten (whole steps only
    when `integer`, e.g. for counts of people). Decimals, so no float noise (0.30000004)."""
    if not maximum or maximum <= 0 or not math.isfinite(maximum):
        maximum = 1
    high = Decimal(repr(float(maximum)))
    exponent = math.floor(math.log10(float(high) / MOST_INTERVALS))
    step = None
    while step is None:
        scale = Decimal(10) ** exponent
        for mantissa in NICE_MANTISSAS:
            candidate = mantissa * scale
            if integer and candidate != candidate.to_integral_value():
                continue
            if candidate * MOST_INTERVALS >= high:
                step = candidate
                break
        exponent += 1
    intervals = max(1, math.ceil(high / step))
    return [(step * i).normalize() for i in range(intervals + 1)]


def tick_text(value: Decimal, unit: str = "") -> str:
    """A gridline label: 1,000 not 1e+03, 0.25 not 0.2500."""
    if value == value.to_integral_value():
        return f"{int(value):,}{unit}"
    return f"{value:f}{unit}"


def bar_chart(
    points: list[dict],
    *,
    value: str,
    label,
    maximum: float | None = None,
    unit: str = "",
    integer: bool = False,
    newest_first: bool = False,
) -> dict:
    """Geometry for one bar per point: `value` names the figure, `label(point)` the
    category. Gridlines at round numbers (nice_ticks); labels thinned out when crowded.
    `table` holds the bars in the order of the table beside the chart: newest first for
    charts over time, so the latest periods are the ones in view."""
    values = [p[value] for p in points]
    ticks = nice_ticks(maximum or max([v for v in values if v is not None] + [0]), integer=integer)
    top = float(ticks[-1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points), 1)
    every = max(1, round(len(points) / 12))
    bars = []
    for i, (point, v) in enumerate(zip(points, values, strict=True)):
        h = 0 if v is None else plot_h * float(v) / top
        bars.append(
            Bar(
                x=round(LEFT + i * step + step * 0.15, 1),
                y=round(TOP + plot_h - h, 1),
                width=round(step * 0.7, 1),
                height=round(h, 1),
                label=label(point),
                value=v,
                text="no data" if v is None else f"{v:g}{unit}",
                show_label=i % every == 0,
            )
        )
    grid = [
        {"y": round(TOP + plot_h - plot_h * float(t) / top, 1), "text": tick_text(t, unit)}
        for t in ticks
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "table": bars[::-1] if newest_first else bars,
        "newest_first": newest_first,
        "grid": grid,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - BOTTOM + 16,
    }


def period_label(unit: str):
    def label(point: dict) -> str:
        return point["period"].strftime("%b %Y" if unit == "month" else "%Y")

    return label
