"""Edge cases found in review: long-running series, DST gaps beyond the horizon, changed
series answers, what program admins see, late joiners, self-reports, month ends."""

import calendar
from datetime import date, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from circles.models import Membership
from meetings import actions
from meetings.forms import ScheduleForm
from meetings.models import RSVP, Attendance, Meeting, MeetingSeries
from meetings.participation import effective_answers
from meetings.tasks import extend_meeting_series
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_old_open_ended_series_keeps_generating_past_a_hundred_meetings(circle, make_series):
    today = timezone.localdate()
    series = make_series(
        circle,
        frequency=MeetingSeries.Frequency.WEEKLY,
        weekday=today.weekday(),
        start_date=today - timedelta(days=7 * 110),
        count=None,
    )
    assert series.meetings.count() == 100  # the first run stops at its cap...
    series.generate()  # ...and the next run goes on
    upcoming = series.meetings.filter(start__gt=timezone.now())
    assert upcoming.count() >= 20
    assert series.generate() == []


def test_a_skipped_hour_beyond_the_horizon_skips_that_date_only(circle, make_series):
    # Sundays 02:30 in Detroit, made without the form (which refuses them).
    series = make_series(
        circle,
        frequency=MeetingSeries.Frequency.WEEKLY,
        weekday=6,
        start_time=time(2, 30),
        start_date=date(2027, 2, 21),
        count=4,
    )
    days = [m.local_start.date() for m in series.meetings.order_by("start")]
    # 14 March 2027, the 2nd Sunday of March, has no 02:30 in Detroit: that date is left
    # out and the count of rule occurrences is kept.
    assert days == [date(2027, 2, 21), date(2027, 2, 28), date(2027, 3, 7)]


def test_the_beat_task_goes_on_after_a_series_that_fails(circle, make_series, monkeypatch):
    today = timezone.localdate()
    broken = make_series(
        circle, frequency="weekly", weekday=today.weekday(), start_date=today, count=None
    )
    healthy = make_series(
        circle, frequency="weekly", weekday=today.weekday(), start_date=today, count=None
    )
    Meeting.objects.filter(series=healthy).order_by("-start").first().delete()
    real = MeetingSeries.generate

    def generate(self, **kwargs):
        if self.pk == broken.pk:
            raise RuntimeError("boom")
        return real(self, **kwargs)

    monkeypatch.setattr(MeetingSeries, "generate", generate)
    assert extend_meeting_series() == 1


def test_the_form_refuses_a_series_that_hits_the_skipped_hour_beyond_six_months(circle):
    today = timezone.localdate()
    sunday = today + timedelta(days=(6 - today.weekday()) % 7 or 7)
    form = ScheduleForm(
        {
            "title": "Night",
            "date": sunday.isoformat(),
            "start_time": "02:30",
            "duration_minutes": 60,
            "timezone": "America/Detroit",
            "meeting_format": "online",
            "repeat": "weekly",
            "interval": 1,
            "count": 100,
        },
        circle=circle,
    )
    assert not form.is_valid()
    assert "skipped hour" in " ".join(form.errors["start_time"])


def test_changing_a_series_answer_keeps_the_answer_past_meetings_had(bob, circle, make_series):
    # A year of meetings behind, a year ahead.
    start = timezone.localdate() - timedelta(days=365)
    series = make_series(circle, start_date=start, count=24)
    actions.rsvp_series(series, bob, answer="yes")
    from meetings.models import SeriesRSVP

    SeriesRSVP.objects.filter(user=bob).update(valid_from=timezone.now() - timedelta(days=120))
    past = series.meetings.filter(start__lt=timezone.now()).order_by("-start").first()
    future = series.meetings.filter(start__gt=timezone.now()).order_by("start").first()
    assert effective_answers(past)[bob.pk] == "yes"
    actions.rsvp_series(series, bob, answer="no")
    assert effective_answers(past)[bob.pk] == "yes"
    assert effective_answers(future)[bob.pk] == "no"
    assert RSVP.objects.filter(user=bob, meeting=past, answer="yes").exists()


def test_program_admins_see_counts_but_not_names_nor_the_video_link(
    client, dana, bob, circle, alice, details
):
    day = timezone.localdate() + timedelta(days=4)
    meeting = actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="UTC", details=details, by=alice
    )
    actions.rsvp(meeting, bob, answer="yes")
    client.force_login(dana)
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "Yes 1 · Maybe 0" in html
    assert "Bob Baker" not in html
    assert "example.org/meet" not in html
    assert "calendar.google.com" not in html
    assert client.get(reverse("meetings:ics", kwargs={"pk": meeting.pk})).status_code == 403
    client.force_login(bob)
    ics = client.get(reverse("meetings:ics", kwargs={"pk": meeting.pk})).content
    assert "example.org/meet" in str(Calendar.from_ical(ics).walk("VEVENT")[0]["LOCATION"])


def test_a_member_who_joined_after_a_meeting_is_not_expected_at_it(client, alice, circle, details):
    day = timezone.localdate() - timedelta(days=3)
    meeting = actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="UTC", details=details, by=alice
    )
    newcomer = UserFactory(full_name="New Comer")
    Membership.objects.create(
        circle=circle, user=newcomer, status="active", joined_at=timezone.now()
    )
    client.force_login(alice)
    form = client.get(reverse("meetings:attendance", kwargs={"pk": meeting.pk})).context["form"]
    assert f"status_{newcomer.pk}" not in form.fields


def test_a_self_report_does_not_clear_the_organizers_to_do(client, alice, bob, circle, details):
    day = timezone.localdate() - timedelta(days=2)
    meeting = actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="UTC", details=details, by=alice
    )
    actions.report_own_attendance(meeting, bob, status="present", note="")
    client.force_login(alice)
    assert f"/meetings/{meeting.pk}/attendance/" in client.get("/").content.decode()
    actions.record_attendance(meeting, {bob: ("present", "")}, by=alice)
    assert f"/meetings/{meeting.pk}/attendance/" not in client.get("/").content.decode()


def last_weekday_of(year: int, month: int, weekday: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def test_a_monthly_series_from_the_29th_to_31st_means_the_last_weekday(circle):
    # The next 29th (the form takes dates from a year ago on); no weekday comes after it
    # in its month.
    day = timezone.localdate() + timedelta(days=1)
    while day.day != 29:
        day += timedelta(days=1)
    later = [day.replace(day=1) + relativedelta(months=n) for n in (1, 2)]
    form = ScheduleForm(
        {
            "title": "End of month",
            "date": day.isoformat(),
            "start_time": "12:00",
            "duration_minutes": 60,
            "timezone": "America/Detroit",
            "meeting_format": "online",
            "repeat": "monthly_weekday",
            "interval": 1,
            "count": 3,
        },
        circle=circle,
    )
    assert form.is_valid(), form.errors
    series = form.build_series()
    assert series.week_of_month == MeetingSeries.WeekOfMonth.LAST
    assert [d.date() for d in series.local_starts()] == [
        day,
        *(last_weekday_of(m.year, m.month, day.weekday()) for m in later),
    ]


def test_the_agenda_of_a_past_meeting_is_kept(client, alice, circle, details):
    day = timezone.localdate() - timedelta(days=2)
    meeting = actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="UTC", details=details, by=alice
    )
    item = meeting.agenda_items.create(title="Aims", kind="grant", presenter=alice)
    client.force_login(alice)
    client.post(reverse("meetings:agenda_remove", kwargs={"pk": meeting.pk, "item": item.pk}))
    assert meeting.agenda_items.exists()


def test_a_tampered_action_item_count_is_refused_or_ignored_never_a_500(
    client, bob, alice, circle, details
):
    day = timezone.localdate() - timedelta(days=2)
    meeting = actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="UTC", details=details, by=alice
    )
    client.force_login(bob)
    url = reverse("meetings:log", kwargs={"pk": meeting.pk})
    missing = client.post(url, {"summary": "S"})
    assert missing.status_code == 400
    negative = client.post(
        url, {"summary": "S", "items-TOTAL_FORMS": "-5", "items-INITIAL_FORMS": "0"}
    )
    assert negative.status_code == 302
    assert Attendance.objects.count() == 0
