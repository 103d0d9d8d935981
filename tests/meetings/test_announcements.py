"""Issue 11, N3: members are told when a meeting or a series is scheduled, with their own
time, one-click RSVP links and a calendar invitation (METHOD:REQUEST); a meeting less
than a day away still gets the reminders whose time has not passed."""

import email
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from circles import actions as circle_actions
from meetings import actions, reminders
from meetings.models import RSVP, Format, Meeting, MeetingSeries
from outbox import delivery
from outbox.models import Notification
from tests.days import clocks_change
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
DETROIT = ZoneInfo("America/Detroit")


@pytest.fixture
def bob_in_chicago(bob):
    bob.timezone = "America/Chicago"
    bob.save()
    return bob


def schedule(circle, by, *, day=None, at=time(12), zone="America/Detroit", **details):
    values = {"title": "Grant clinic", "meeting_format": Format.ONLINE}
    values["video_link"] = "https://example.org/meet"
    values.update(details)
    return actions.schedule(
        circle,
        day=day or timezone.localdate() + timedelta(days=3),
        at=at,
        minutes=60,
        zone=zone,
        details=actions.Details(**values),
        by=by,
    )


def announcements(mailoutbox, user=None):
    return [
        m
        for m in mailoutbox
        if m.subject.startswith("[Roundtable] New meeting")
        and (user is None or m.to == [user.email])
    ]


def invitation(message, method: str = "REQUEST") -> Calendar:
    """The text/calendar alternative, as a mail program reads it from the wire; its
    method (the part's and the calendar's own) must be `method`."""
    parsed = email.message_from_bytes(message.message().as_bytes())
    [part] = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == method
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    assert str(calendar["METHOD"]) == method
    return calendar


# --- one meeting ------------------------------------------------------------------------------


def test_scheduling_a_meeting_emails_each_member_in_their_own_time(
    alice, bob_in_chicago, circle, mailoutbox
):
    meeting = schedule(circle, alice, place="Room 4")
    [message] = announcements(mailoutbox)  # bob only: alice scheduled it
    assert message.to == [bob_in_chicago.email]
    chicago, detroit = meeting.start.astimezone(CHICAGO), meeting.start.astimezone(DETROIT)
    body = message.body
    assert "Grant clinic" in message.subject and f"{chicago:%H:%M}" in message.subject
    assert f"{chicago:%H:%M}–" in body and "America/Chicago" in body
    # The circle's time beside it, since the two differ.
    assert f"{detroit:%H:%M}–" in body and "circle's time (America/Detroit)" in body
    assert "Room 4" in body and "https://example.org/meet" in body and "Online" in body
    html = message.alternatives[0][0]
    assert "America/Chicago" in html and "America/Detroit" in html


def test_the_announcement_rsvp_links_show_a_page_whose_button_answers(
    client, alice, bob, circle, mailoutbox
):
    meeting = schedule(circle, alice)
    [message] = announcements(mailoutbox)
    links = [line.split()[-1] for line in message.body.splitlines() if "/rsvp/" in line]
    assert len(links) == 3  # yes, maybe, no
    yes = links[0].removeprefix("http://127.0.0.1:8000")
    page = client.get(yes)
    assert page.status_code == 200 and b'method="post"' in page.content
    assert not RSVP.objects.exists()  # a mail scanner's GET answers nothing
    client.post(yes)
    assert RSVP.objects.get(meeting=meeting, user=bob).answer == "yes"


def test_the_invitation_is_a_request_a_calendar_program_can_accept(
    alice, bob, circle, mailoutbox, settings
):
    meeting = schedule(circle, alice)
    [message] = announcements(mailoutbox)
    calendar = invitation(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{meeting.uid}@roundtable"
    assert int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].dt == meeting.local_start
    assert event["DTSTART"].params["TZID"] == "America/Detroit"
    assert calendar.walk("VTIMEZONE")
    assert str(event["ORGANIZER"]) == "mailto:noreply@roundtable.localhost"
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{bob.email}"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION" and attendee.params["RSVP"] == "TRUE"
    assert attendee.params["CN"] == bob.display_name
    assert str(event["SUMMARY"]) == "Grant clinic · Early Career Circle"
    # Also as an attachment, for programs that look only there: the same calendar, in
    # UTF-8 on the wire too.
    parsed = email.message_from_bytes(message.message().as_bytes())
    [part] = [p for p in parsed.walk() if p.get_filename() == "invite.ics"]
    assert part.get_content_type() == "application/ics"
    attached = Calendar.from_ical(part.get_payload(decode=True).decode("utf-8"))
    assert attached.walk("VEVENT")[0]["UID"] == event["UID"]
    assert str(attached.walk("VEVENT")[0]["SUMMARY"]) == "Grant clinic · Early Career Circle"


def test_a_change_later_updates_the_accepted_invitation(alice, bob, circle, mailoutbox):
    meeting = schedule(circle, alice)
    [message] = announcements(mailoutbox)
    invited = invitation(message).walk("VEVENT")[0]
    actions.edit(
        meeting,
        day=meeting.local_start.date(),
        at=time(15),
        minutes=60,
        details=actions.Details("Grant clinic", Format.ONLINE, "https://example.org/meet"),
        following=False,
        by=alice,
    )
    [changed] = [m for m in mailoutbox if "has changed" in m.subject]
    # The same event from the same organizer, a higher sequence, bob still its attendee.
    event = invitation(changed, "REQUEST").walk("VEVENT")[0]
    assert event["UID"] == invited["UID"] and int(event["SEQUENCE"]) == 1
    assert str(event["ORGANIZER"]) == str(invited["ORGANIZER"])
    assert str(event["ATTENDEE"]) == f"mailto:{bob.email}"
    assert event["DTSTART"].dt.hour == 15


def test_a_cancellation_withdraws_the_invitation(alice, bob, circle, mailoutbox):
    meeting = schedule(circle, alice)
    [message] = announcements(mailoutbox)
    invited = invitation(message).walk("VEVENT")[0]
    actions.cancel(meeting, reason="Snow", following=False, by=alice)
    [cancelled] = [m for m in mailoutbox if "is cancelled" in m.subject]
    event = invitation(cancelled, "CANCEL").walk("VEVENT")[0]
    assert event["UID"] == invited["UID"] and int(event["SEQUENCE"]) == 1
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["ORGANIZER"]) == str(invited["ORGANIZER"])
    assert str(event["ATTENDEE"]) == f"mailto:{bob.email}"
    assert "RSVP" not in event["ATTENDEE"].params


def test_members_on_leave_or_who_muted_the_circle_and_non_members_are_not_told(
    alice, bob, carol, circle, mailoutbox
):
    on_leave, muted, asking = UserFactory(), UserFactory(), UserFactory()
    for person in (on_leave, muted):
        circle.memberships.create(
            user=person, status="active", joined_at=timezone.now() - timedelta(days=1)
        )
    circle_actions.start_leave(circle.memberships.get(user=on_leave), by=on_leave)
    circle.memberships.filter(user=muted).update(reminders_muted=True)
    circle.memberships.create(user=asking, status="requested")
    schedule(circle, alice)
    assert [m.to for m in announcements(mailoutbox)] == [[bob.email]]


def test_an_announcement_not_yet_sent_is_dropped_when_the_meeting_is_cancelled(
    alice, bob, circle, settings, mailoutbox
):
    settings.NOTIFICATIONS_DELIVERY = "celery"  # queued, sent below
    meeting = schedule(circle, alice)
    row = Notification.objects.get(kind="meeting_scheduled")
    assert (row.recipient, row.meeting, row.subject) == (bob, meeting, "")  # built when sent
    actions.cancel(meeting, reason="", following=False, by=alice)
    delivery.deliver_due()
    row.refresh_from_db()
    assert row.status == "cancelled" and not announcements(mailoutbox)


def test_announcing_twice_queues_nothing_new(alice, bob, circle, settings):
    settings.NOTIFICATIONS_DELIVERY = "celery"
    meeting = schedule(circle, alice)
    assert reminders.announce(meeting, by=alice) == 0
    assert Notification.objects.filter(kind="meeting_scheduled").count() == 1


def test_a_meeting_logged_after_the_fact_is_not_announced(alice, bob, circle, mailoutbox):
    actions.log_unscheduled(
        circle,
        day=timezone.localdate() - timedelta(days=2),
        at=time(12),
        minutes=60,
        title="Coffee",
        summary="We met.",
        decisions="",
        action_items=[],
        by=alice,
    )
    assert not Notification.objects.filter(kind="meeting_scheduled").exists()


def test_an_rsvp_link_of_a_meeting_months_ahead_still_works_weeks_later(alice, bob, circle):
    meeting = schedule(circle, alice, day=timezone.localdate() + timedelta(days=90))
    token = reminders.rsvp_token(meeting, bob, "yes")
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        assert reminders.read_rsvp_token(token) == {"m": meeting.pk, "u": bob.pk, "a": "yes"}


# --- reminders of a meeting less than a day away -----------------------------------------------


def test_a_meeting_hours_away_gets_the_reminders_still_ahead_at_once(alice, bob, circle):
    bob.reminder_minutes = [7 * 24 * 60, 24 * 60, 2 * 60, 15]
    bob.save()
    start = (timezone.now() + timedelta(hours=3)).astimezone(ZoneInfo("UTC"))
    meeting = schedule(
        circle,
        alice,
        day=start.date(),
        at=start.time().replace(second=0, microsecond=0),
        zone="UTC",
    )
    rows = Notification.objects.filter(kind="reminder", meeting=meeting, recipient=bob)
    # A week and a day before have passed: skipped. Two hours and 15 minutes are ahead.
    assert sorted(rows.values_list("offset_minutes", flat=True)) == [15, 120]
    for row in rows:
        assert row.due_at == meeting.start - timedelta(minutes=row.offset_minutes)
        assert row.status == "pending"
    assert reminders.plan_reminders() == 0  # the beat planner finds nothing left to add


def test_a_meeting_starting_within_the_hour_gets_only_the_last_reminder(alice, bob, circle):
    bob.reminder_minutes = [2 * 60, 15]
    bob.save()
    start = (timezone.now() + timedelta(minutes=45)).astimezone(ZoneInfo("UTC"))
    meeting = schedule(
        circle,
        alice,
        day=start.date(),
        at=start.time().replace(second=0, microsecond=0),
        zone="UTC",
    )
    rows = Notification.objects.filter(kind="reminder", meeting=meeting, recipient=bob)
    assert list(rows.values_list("offset_minutes", flat=True)) == [15]


# --- a series --------------------------------------------------------------------------------


@pytest.fixture
def weekly(circle, alice):
    first = timezone.localdate() + timedelta(days=2)
    return actions.create_series(
        MeetingSeries(
            circle=circle,
            title="Writing group",
            frequency=MeetingSeries.Frequency.WEEKLY,
            interval=1,
            weekday=first.weekday(),
            start_time=time(12),
            duration_minutes=60,
            timezone="America/Detroit",
            start_date=first,
            count=6,
            meeting_format=Format.IN_PERSON,
            place="Library, room 2",
        ),
        by=alice,
    )


def test_a_series_is_announced_once_with_its_rule_and_first_dates(
    alice, bob_in_chicago, weekly, mailoutbox
):
    [message] = announcements(mailoutbox)
    assert message.to == [bob_in_chicago.email]
    assert message.subject.startswith("[Roundtable] New meeting series: Writing group")
    meetings = list(weekly.meetings.order_by("start"))
    body = message.body
    assert weekly.describe() in body and "circle time, America/Detroit" in body
    assert "your time (America/Chicago)" in body
    for meeting in meetings[:4]:  # the first dates, in bob's time
        assert f"{meeting.start.astimezone(CHICAGO):%a %-d %b %Y, %H:%M}" in body
    assert "and 2 more (6 scheduled so far)" in body
    assert "Library, room 2" in body
    # The RSVP links answer for the first meeting.
    link = next(line.split()[-1] for line in body.splitlines() if line.startswith("Yes:"))
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert reminders.read_rsvp_token(token)["m"] == meetings[0].pk


def test_a_series_invitation_holds_every_meeting_with_its_own_uid(alice, bob, weekly, mailoutbox):
    [message] = announcements(mailoutbox)
    events = invitation(message).walk("VEVENT")
    meetings = list(weekly.meetings.order_by("start"))
    assert [str(e["UID"]) for e in events] == [f"{m.uid}@roundtable" for m in meetings]
    for event in events:
        assert str(event["ATTENDEE"]) == f"mailto:{bob.email}"
        assert str(event["ORGANIZER"]).startswith("mailto:")


def test_a_series_starting_soon_plans_the_reminders_still_ahead(alice, bob, circle):
    bob.reminder_minutes = [24 * 60, 15]
    bob.save()
    start = (timezone.now() + timedelta(hours=3)).astimezone(ZoneInfo("UTC"))
    series = actions.create_series(
        MeetingSeries(
            circle=circle,
            title="Daily stand-up",
            frequency=MeetingSeries.Frequency.WEEKLY,
            interval=1,
            weekday=start.weekday(),
            start_time=start.time().replace(second=0, microsecond=0),
            duration_minutes=30,
            timezone="UTC",
            start_date=start.date(),
            count=3,
            meeting_format=Format.ONLINE,
        ),
        by=alice,
    )
    first, second, third = series.meetings.order_by("start")
    planned = Notification.objects.filter(kind="reminder", recipient=bob)
    assert sorted(planned.filter(meeting=first).values_list("offset_minutes", flat=True)) == [15]
    assert sorted(planned.filter(meeting=second).values_list("offset_minutes", flat=True)) == [
        15,
        1440,
    ]
    assert not planned.filter(meeting=third).exists()  # beyond the planner's week and a day


def test_the_schedule_page_announces_the_meeting(client, alice, bob, circle, mailoutbox):
    client.force_login(alice)
    day = timezone.localdate() + timedelta(days=5)
    response = client.post(
        reverse("meetings:schedule", kwargs={"slug": circle.slug}),
        {
            "title": "Grant clinic",
            "date": day.isoformat(),
            "start_time": "12:00",
            "duration_minutes": "60",
            "timezone": "America/Detroit",
            "meeting_format": "online",
            "video_link": "https://example.org/meet",
            "place": "",
            "agenda": "",
            "repeat": "",
            "interval": "1",
            "week_of_month": "",
            "end_date": "",
            "count": "",
        },
    )
    meeting = Meeting.objects.get(title="Grant clinic")
    assert response["Location"] == meeting.get_absolute_url()
    [message] = announcements(mailoutbox)
    assert message.to == [bob.email] and meeting.get_absolute_url() in message.body


def test_on_the_day_clocks_change_both_times_carry_the_new_offsets(
    alice, bob_in_chicago, circle, mailoutbox
):
    # Detroit and Chicago move their clocks forward on the same night.
    schedule(circle, alice, day=clocks_change(forward=True))
    [message] = announcements(mailoutbox)
    assert "11:00–12:00 CDT" in message.body and "12:00–13:00 EDT" in message.body
