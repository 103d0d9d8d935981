import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, MeetingSeries
from tests.days import clocks_change

pytestmark = pytest.mark.django_db


def winter_day() -> date:
    """The next 2nd Tuesday of December: ahead of today (the form takes dates from a year
    ago to three years ahead) and in winter time (Detroit is at -05:00)."""
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        first = date(year, 12, 1)
        day = first + timedelta(days=(1 - first.weekday()) % 7 + 7)
        if day > today:
            return day
    raise AssertionError("unreachable")


def data(**overrides):
    values = {
        "title": "March meeting",
        "date": winter_day().isoformat(),
        "start_time": "12:00",
        "duration_minutes": "60",
        "timezone": "America/Detroit",
        "meeting_format": "online",
        "video_link": "https://example.org/meet",
        "place": "",
        "agenda": "Negotiation",
        "repeat": "",
        "interval": "1",
        "week_of_month": "",
        "end_date": "",
        "count": "",
    }
    values.update(overrides)
    return values


def url(circle):
    return reverse("meetings:schedule", kwargs={"slug": circle.slug})


def test_schedule_form_is_prefilled_from_the_circle(client, alice, circle):
    circle.meeting_format = "hybrid"
    circle.place = "Room 3C"
    circle.save()
    client.force_login(alice)
    form = client.get(url(circle)).context["form"]
    assert form.initial["timezone"] == circle.timezone
    assert form.initial["meeting_format"] == "hybrid"
    assert form.initial["place"] == "Room 3C"
    assert form.initial["facilitator"] is not None


def test_organizer_schedules_a_one_off_meeting(client, alice, circle):
    client.force_login(alice)
    response = client.post(url(circle), data())
    meeting = Meeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    assert meeting.local_start.isoformat() == f"{winter_day().isoformat()}T12:00:00-05:00"
    assert meeting.start.utcoffset().total_seconds() == 0  # stored in UTC
    assert meeting.timezone == "America/Detroit"
    assert meeting.series is None


@pytest.mark.parametrize(
    ("posted", "saved"), [("US/Eastern", "America/New_York"), ("Etc/GMT+5", "Etc/GMT+5")]
)
def test_the_schedule_form_takes_the_zones_the_circle_form_takes(
    client, alice, circle, posted, saved
):
    """An old name is read as its current zone; a zone with no current name (which a
    circle may keep) is accepted, so such a circle's organizer can still schedule."""
    client.force_login(alice)
    response = client.post(url(circle), data(timezone=posted))
    assert response.status_code == 302, response.context["form"].errors
    assert Meeting.objects.get().timezone == saved


def test_organizer_schedules_a_monthly_series(client, alice, circle):
    client.force_login(alice)
    client.post(url(circle), data(repeat="monthly_weekday", count="6"))
    series = MeetingSeries.objects.get()
    assert series.describe() == "Monthly on the 2nd Tuesday, 12:00"
    assert series.meetings.count() == 6


def test_the_week_select_left_alone_means_the_week_of_the_date(client, alice, circle):
    # A browser sends the first option of a select nobody touched: it must be the empty
    # one, or a series started on a 2nd Tuesday silently runs on 1st Tuesdays instead.
    client.force_login(alice)
    page = client.get(url(circle)).content.decode()
    first = re.search(r'<select name="week_of_month"[^>]*>\s*<option value="([^"]*)"', page)
    assert first is not None and first.group(1) == ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_minutes", "10", "at least 15 minutes"),
        ("duration_minutes", "500", "at most 8 hours"),
        ("duration_minutes", "abc", "Enter a whole number"),
        ("start_time", "25:00", "Enter a valid time"),
        ("date", "2026-02-30", "Enter a valid date"),
        ("video_link", "ftp://example.org/x", "starts with https://"),
        ("video_link", "javascript:alert(1)", "starts with https://"),
        ("timezone", "Mars/Base", "Select a valid choice"),
        ("title", "x" * 151, "at most 150 characters"),
        ("title", "   ", "This field is required"),
        ("date", "9999-12-31", "three years from now"),
        ("date", "0001-01-01", "a year ago"),
    ],
)
def test_bad_input_is_refused_beside_the_field(client, alice, circle, field, value, message):
    client.force_login(alice)
    response = client.post(url(circle), data(**{field: value}))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Meeting.objects.exists()


def test_the_skipped_hour_is_refused_with_a_clear_message(client, alice, circle):
    client.force_login(alice)
    skipped = clocks_change(forward=True)
    response = client.post(url(circle), data(date=skipped.isoformat(), start_time="02:30"))
    assert response.status_code == 400
    assert f"02:30 does not exist on {skipped:%-d %B %Y} in America/Detroit" in " ".join(
        response.context["form"].errors["start_time"]
    )
    assert not Meeting.objects.exists()


def test_an_ambiguous_time_is_resolved_to_the_first_and_said_so(client, alice, circle):
    client.force_login(alice)
    repeated = clocks_change(forward=False)
    response = client.post(
        url(circle), data(date=repeated.isoformat(), start_time="01:30"), follow=True
    )
    meeting = Meeting.objects.get()
    assert meeting.local_start.utcoffset().total_seconds() == -4 * 3600  # EDT, the first
    assert f"happens twice on {repeated:%-d %B %Y}" in response.content.decode()


# A date given as a function of the series' first date (winter_day()) holds on any day.
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"repeat": "weekly", "end_date": lambda d: d + timedelta(weeks=101)},
            "end_date",
            "at most 100",
        ),
        ({"repeat": "weekly", "end_date": "9999-12-31"}, "end_date", "three years from now"),
        ({"repeat": "weekly", "count": "101"}, "count", "less than or equal to 100"),
        (
            {"repeat": "weekly", "count": "3", "end_date": lambda d: d + timedelta(days=24)},
            "count",
            "not both",
        ),
        (
            {"repeat": "weekly", "end_date": lambda d: d - timedelta(days=1)},
            "end_date",
            "cannot end before",
        ),
        ({"repeat": "monthly_day", "date": lambda d: d.replace(day=30)}, "date", "days 1 to 28"),
        ({"repeat": "daily"}, "repeat", "Select a valid choice"),
    ],
)
def test_bad_series_are_refused(client, alice, circle, overrides, field, message):
    client.force_login(alice)
    first = winter_day()
    overrides = {k: v(first).isoformat() if callable(v) else v for k, v in overrides.items()}
    response = client.post(url(circle), data(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not MeetingSeries.objects.exists() and not Meeting.objects.exists()


@pytest.mark.parametrize("who", ["bob", "carol", "dana", "olga"])
def test_only_organizers_schedule(client, circle, other_circle, bob, carol, dana, olga, who):
    client.force_login({"bob": bob, "carol": carol, "dana": dana, "olga": olga}[who])
    assert client.get(url(circle)).status_code == 403
    assert client.post(url(circle), data()).status_code == 403
    assert not Meeting.objects.exists()


def test_anonymous_is_sent_to_log_in(client, circle):
    response = client.get(url(circle))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
