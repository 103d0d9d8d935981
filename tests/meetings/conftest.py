from datetime import date, time

import pytest

from meetings import actions
from meetings.models import Format, MeetingSeries


@pytest.fixture
def details():
    return actions.Details(
        title="Monthly circle", meeting_format=Format.ONLINE, video_link="https://example.org/meet"
    )


@pytest.fixture
def make_series(alice):
    def make(circle, **fields) -> MeetingSeries:
        values = {
            "title": "Monthly circle",
            "frequency": MeetingSeries.Frequency.MONTHLY_WEEKDAY,
            "weekday": 1,
            "week_of_month": 2,
            "start_time": time(12),
            "duration_minutes": 60,
            "timezone": "America/Detroit",
            "start_date": date(2026, 1, 1),
            "count": 12,
            "meeting_format": Format.ONLINE,
        }
        values.update(fields)
        return actions.create_series(MeetingSeries(circle=circle, **values), by=alice)

    return make
