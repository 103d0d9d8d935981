from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from meetings import actions
from meetings.models import Meeting, MeetingSeries
from meetings.tasks import extend_meeting_series
from tests.days import clocks_change

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone", ["America/Detroit", "Europe/London"])
def test_a_series_keeps_its_local_time_across_both_2026_changes(circle, make_series, zone):
    series = make_series(
        circle,
        frequency=MeetingSeries.Frequency.WEEKLY,
        weekday=1,
        start_date=date(2026, 1, 6),
        count=52,
        timezone=zone,
    )
    meetings = list(series.meetings.order_by("start"))
    assert len(meetings) == 52
    tz = ZoneInfo(zone)
    assert {m.start.astimezone(tz).time() for m in meetings} == {time(12)}
    offsets = {m.start.astimezone(tz).utcoffset() for m in meetings}
    assert len(offsets) == 2  # winter and summer time both crossed
    # The UTC hour moves by one across each change while the local hour stays.
    utc_hours = [m.start.astimezone(ZoneInfo("UTC")).hour for m in meetings]
    assert len(set(utc_hours)) == 2
    assert all(m.end - m.start == timedelta(hours=1) for m in meetings)


def test_monthly_on_the_second_tuesday(circle, make_series):
    series = make_series(circle)
    days = [m.local_start.date() for m in series.meetings.order_by("start")]
    assert days[:3] == [date(2026, 1, 13), date(2026, 2, 10), date(2026, 3, 10)]
    assert all(d.weekday() == 1 and 8 <= d.day <= 14 for d in days)


def test_monthly_on_the_last_friday_and_on_a_day_of_month(circle, make_series):
    last = make_series(circle, weekday=4, week_of_month=-1, count=3)
    assert [m.local_start.date() for m in last.meetings.order_by("start")] == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 27),
    ]
    day = make_series(
        circle, frequency=MeetingSeries.Frequency.MONTHLY_DAY, day_of_month=15, count=2
    )
    assert [m.local_start.date() for m in day.meetings.order_by("start")] == [
        date(2026, 1, 15),
        date(2026, 2, 15),
    ]


def test_every_two_weeks(circle, make_series):
    series = make_series(
        circle,
        frequency=MeetingSeries.Frequency.WEEKLY,
        interval=2,
        weekday=3,
        start_date=date(2026, 1, 1),
        count=3,
    )
    assert [m.local_start.date() for m in series.meetings.order_by("start")] == [
        date(2026, 1, 1),
        date(2026, 1, 15),
        date(2026, 1, 29),
    ]


def test_generation_is_idempotent(circle, make_series):
    series = make_series(circle)
    before = set(series.meetings.values_list("pk", flat=True))
    assert series.generate() == []
    assert series.generate(until=date(2027, 12, 31)) == []
    assert set(series.meetings.values_list("pk", flat=True)) == before


def test_an_open_ended_series_is_generated_a_rolling_six_months_ahead(circle, make_series):
    today = timezone.localdate()
    series = make_series(
        circle,
        frequency=MeetingSeries.Frequency.WEEKLY,
        weekday=today.weekday(),
        start_date=today,
        count=None,
    )
    horizon = series.horizon()
    last = series.meetings.order_by("-start").first().local_start.date()
    assert horizon - timedelta(days=7) < last <= horizon
    # The beat task adds nothing now, and is safe to run again and again.
    assert extend_meeting_series() == 0
    Meeting.objects.filter(pk=series.meetings.order_by("-start").first().pk).delete()
    assert extend_meeting_series() == 1
    assert extend_meeting_series() == 0


def test_a_moved_meeting_is_not_generated_again(circle, make_series, alice, details):
    series = make_series(circle)
    first = series.meetings.order_by("start").first()
    actions.edit(
        first,
        day=date(2026, 1, 14),
        at=time(15),
        minutes=60,
        details=details,
        following=False,
        by=alice,
    )
    assert series.generate(until=date(2026, 12, 31)) == []
    assert series.meetings.count() == 12


def test_this_and_following_changes_later_meetings_and_the_series(
    circle, make_series, alice, details
):
    series = make_series(circle)
    meetings = list(series.meetings.order_by("start"))
    third = meetings[2]
    changed = actions.edit(
        third,
        day=third.local_start.date(),
        at=time(13, 30),
        minutes=90,
        details=details,
        following=True,
        by=alice,
    )
    assert len(changed) == 10
    meetings = list(series.meetings.order_by("start"))
    assert [m.local_start.time() for m in meetings[:2]] == [time(12), time(12)]
    assert {m.local_start.time() for m in meetings[2:]} == {time(13, 30)}
    assert {m.duration_minutes for m in meetings[2:]} == {90}
    # Dates kept: still the 2nd Tuesday.
    assert all(m.local_start.weekday() == 1 for m in meetings)
    assert all(m.sequence == 1 for m in meetings[2:]) and meetings[0].sequence == 0
    series.refresh_from_db()
    assert (series.start_time, series.duration_minutes) == (time(13, 30), 90)


def test_this_meeting_only_leaves_the_rest(circle, make_series, alice, details):
    series = make_series(circle)
    second = series.meetings.order_by("start")[1]
    actions.edit(
        second,
        day=date(2026, 2, 12),
        at=time(9),
        minutes=45,
        details=details,
        following=False,
        by=alice,
    )
    local = [m.local_start for m in series.meetings.order_by("start")]
    assert local[1].date() == date(2026, 2, 12) and local[1].time() == time(9)
    assert {d.time() for i, d in enumerate(local) if i != 1} == {time(12)}


def test_cancelling_this_and_following_ends_the_series(circle, make_series, alice):
    series = make_series(circle, start_date=timezone.localdate() + timedelta(days=1))
    fifth = series.meetings.order_by("start")[4]
    cancelled = actions.cancel(fifth, reason="Group paused for summer", following=True, by=alice)
    assert len(cancelled) == 8
    series.refresh_from_db()
    assert series.ended_at and series.end_date < fifth.local_start.date()
    assert series.meetings.filter(status="scheduled").count() == 4
    assert series.generate(until=date(2029, 12, 31)) == []


def test_a_meeting_that_took_place_cannot_be_cancelled(circle, make_series, alice):
    series = make_series(circle)  # 2026: the first meetings are over
    with pytest.raises(actions.MeetingError, match="taken place"):
        actions.cancel(
            series.meetings.order_by("start").first(), reason="x", following=True, by=alice
        )
    assert not series.meetings.filter(status="cancelled").exists()


def test_a_series_whose_meeting_falls_in_the_skipped_hour_is_refused(circle):
    from meetings.forms import ScheduleForm

    skipped = clocks_change(forward=True)  # forms take dates from a year ago on: the next one
    form = ScheduleForm(
        {
            "title": "Early",
            "date": (skipped - timedelta(days=7)).isoformat(),
            "start_time": "02:30",
            "duration_minutes": 60,
            "timezone": "America/Detroit",
            "meeting_format": "online",
            "repeat": "weekly",
            "interval": 1,
            "count": 4,
        },
        circle=circle,
    )
    assert not form.is_valid()
    assert f"does not exist on {skipped:%-d %B %Y}" in " ".join(form.errors["start_time"])
