"""Chart scales: gridlines at round numbers for any range; side tables newest first
(the page itself: tests/reports/test_reports.py)."""

import itertools
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports import charts

NICE = {Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)}


def _is_nice(step: Decimal) -> bool:
    """1, 2, 2.5 or 5 times a power of ten."""
    mantissa = step.scaleb(-step.adjusted()).normalize()
    return mantissa in NICE


@pytest.mark.parametrize(
    ("maximum", "integer", "expected"),
    [
        (99, True, ["0", "25", "50", "75", "100"]),  # was 0 / 24.75 / 49.5 / 74.25 / 99
        (100, False, ["0", "25", "50", "75", "100"]),
        (7, True, ["0", "2", "4", "6", "8"]),
        (3, True, ["0", "1", "2", "3"]),
        (1, True, ["0", "1"]),  # no half people
        (1, False, ["0", "0.25", "0.5", "0.75", "1"]),
        (0, True, ["0", "1"]),
        (0.3, False, ["0", "0.1", "0.2", "0.3"]),
        (12, True, ["0", "5", "10", "15"]),
        (1234567, True, ["0", "500,000", "1,000,000", "1,500,000"]),
    ],
)
def test_ticks_are_round_numbers(maximum, integer, expected):
    ticks = charts.nice_ticks(maximum, integer=integer)
    assert [charts.tick_text(t) for t in ticks] == expected


@given(
    st.floats(min_value=1e-6, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.booleans(),
)
def test_ticks_cover_any_maximum_in_a_few_round_steps(maximum, integer):
    ticks = charts.nice_ticks(maximum, integer=integer)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and ticks[-1] >= Decimal(repr(maximum))
    assert 2 <= len(ticks) <= charts.MOST_INTERVALS + 1
    assert all(b - a == step for a, b in itertools.pairwise(ticks))
    assert _is_nice(step)
    if integer:
        assert step >= 1 and step == step.to_integral_value()
    # Not more than one step of empty space above the tallest bar.
    assert ticks[-1] - step < Decimal(repr(maximum))
    # Labels are plain numbers: no exponent, no float noise.
    assert all(re.fullmatch(r"[0-9,]+(\.[0-9]+)?", charts.tick_text(t)) for t in ticks)


def test_chart_gridlines_and_bars_share_the_round_top():
    points = [{"score": s, "answers": n} for s, n in enumerate((3, 9, 40, 99, 20), 1)]
    chart = charts.bar_chart(points, value="answers", label=lambda p: str(p["score"]), integer=True)
    assert [g["text"] for g in chart["grid"]] == ["0", "25", "50", "75", "100"]
    tallest = max(chart["bars"], key=lambda b: b.height)
    assert tallest.value == 99 and tallest.height < chart["height"] - 36 - 12  # below the top


def test_table_beside_a_chart_over_time_lists_the_newest_first():
    months = [{"period": date(2025, m, 1), "members": m} for m in range(1, 13)]
    chart = charts.bar_chart(
        months, value="members", label=charts.period_label("month"), newest_first=True
    )
    assert [b.label for b in chart["table"]][:2] == ["Dec 2025", "Nov 2025"]
    assert chart["bars"][0].label == "Jan 2025"  # the chart reads left to right
