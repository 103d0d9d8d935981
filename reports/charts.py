"""Bar charts drawn on the server as SVG (templates/circles/_bar_chart.html).

Our own few lines instead of a chart library: three bar charts do not need one, an SVG
built here works without JavaScript and under our strict CSP, and each chart's figures
are also printed as a table beside it for screen readers and for copying.
"""

from dataclasses import dataclass

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


def bar_chart(
    points: list[dict], *, value: str, label, maximum: float | None = None, unit: str = ""
) -> dict:
    """Geometry for one bar per point: `value` names the figure, `label(point)` the
    category. Gridlines at quarters of the scale; labels thinned out when crowded."""
    values = [p[value] for p in points]
    top = maximum or max([v for v in values if v is not None] + [1])
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
        {"y": round(TOP + plot_h - plot_h * q, 1), "text": f"{top * q:g}{unit}"}
        for q in (0, 0.25, 0.5, 0.75, 1)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "grid": grid,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - BOTTOM + 16,
    }


def period_label(unit: str):
    def label(point: dict) -> str:
        return point["period"].strftime("%b %Y" if unit == "month" else "%Y")

    return label
