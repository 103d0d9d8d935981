"""Issue 11, N4: every meeting email and the one-click RSVP page show the reader's own
zone (their profile), with the circle's time beside it when it reads differently; change
emails say what changed and do not go to the person who made the change."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import actions, reminders
from meetings.models import RSVP, Format, Meeting
from meetings.templatetags.meeting_times import reader_time
from outbox import delivery
from outbox.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
DETROIT = ZoneInfo("America/Detroit")
TOKYO = ZoneInfo("Asia/Tokyo")


def move(bob, zone: str):
    bob.timezone = zone
    bob.save()
    return bob


@pytest.fixture
def meeting(circle, alice):
    """Three days ahead, 12:00 in Detroit, online; scheduled before anyone moved zone."""
    return actions.schedule(
        circle,
        day=timezone.localdate() + timedelta(days=3),
        at=time(12),
        minutes=60,
        zone="America/Detroit",
        details=actions.Details(
            "Grant clinic", Format.ONLINE, "https://example.org/meet", "Room 1"
        ),
        by=alice,
    )


def hm(moment, tz) -> str:
    return f"{moment.astimezone(tz):%H:%M}"


def to(mailoutbox, user, subject_part):
    return [m for m in mailoutbox if m.to == [user.email] and subject_part in m.subject]


def edit(meeting, by, *, at=time(12), meeting_format=Format.ONLINE, link=None, place=None):
    details = actions.Details(
        meeting.title,
        meeting_format,
        meeting.video_link if link is None else link,
        meeting.place if place is None else place,
        meeting.agenda,
    )
    return actions.edit(
        meeting,
        day=meeting.local_start.date(),
        at=at,
        minutes=60,
        details=details,
        following=False,
        by=by,
    )


# --- the template filter ------------------------------------------------------------------------


def test_reader_time_adds_the_circle_time_only_when_it_reads_differently(meeting):
    with timezone.override(CHICAGO):
        text = reader_time(meeting)
    assert text.startswith(f"{meeting.start.astimezone(CHICAGO):%a %-d %b %Y, %H:%M}–")
    assert "(America/Chicago)" in text
    assert f"· {meeting.start.astimezone(DETROIT):%a %-d %b %Y, %H:%M}" in text
    assert text.endswith("circle time (America/Detroit)")
    with timezone.override(ZoneInfo("America/New_York")):  # the same clock as Detroit
        assert "circle time" not in reader_time(meeting)
    with timezone.override(DETROIT):
        assert "circle time" not in reader_time(meeting)


# --- changed ------------------------------------------------------------------------------------


def test_the_changed_email_says_what_changed_in_the_readers_zone(alice, bob, meeting, mailoutbox):
    move(bob, "America/Chicago")
    old_start = meeting.start
    edit(meeting, alice, at=time(15), meeting_format=Format.HYBRID, place="Room 2")
    meeting.refresh_from_db()
    [message] = to(mailoutbox, bob, "has changed")
    body = message.body
    lines = body.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("- Time:"))
    old, new = lines[at], lines[at + 1]
    assert new.strip().startswith("→ ")
    assert hm(old_start, CHICAGO) in old and "America/Chicago" in old
    assert hm(old_start, DETROIT) in old and "circle time (America/Detroit)" in old
    assert hm(meeting.start, CHICAGO) in new and hm(meeting.start, DETROIT) in new
    assert "- Format: Online → Hybrid" in body
    assert "- Place: Room 1 → Room 2" in body
    assert "Video link" not in body  # unchanged
    assert hm(meeting.start, CHICAGO) in message.subject  # "now Tue 1 Dec, 14:00 CST"
    html = message.alternatives[0][0]
    assert "Online → Hybrid" in html and "America/Chicago" in html
    # alice made the change: she is not told about it.
    assert not to(mailoutbox, alice, "has changed")


def test_a_new_link_alone_is_reported_as_the_only_change(alice, bob, meeting, mailoutbox):
    edit(meeting, alice, link="https://example.org/new-room")
    [message] = to(mailoutbox, bob, "has changed")
    assert "- Video link: https://example.org/meet → https://example.org/new-room" in message.body
    assert "- Time:" not in message.body and "- Place:" not in message.body


def test_an_edit_that_changes_nothing_sends_nothing(alice, bob, meeting, mailoutbox):
    edit(meeting, alice)
    assert not [m for m in mailoutbox if "has changed" in m.subject]


def test_a_co_organizer_who_edits_is_not_told_but_the_organizer_is(
    alice, bob, circle, meeting, mailoutbox
):
    circle.memberships.filter(user=bob).update(role="organizer")
    edit(meeting, bob, at=time(14))
    assert [m.to for m in mailoutbox if "has changed" in m.subject] == [[alice.email]]


# --- cancelled, minutes, survey, reminder -----------------------------------------------------


def test_the_cancelled_email_is_in_the_readers_zone_and_not_to_who_cancelled(
    alice, bob, meeting, mailoutbox
):
    move(bob, "Asia/Tokyo")
    actions.cancel(meeting, reason="Snow", following=False, by=alice)
    [message] = to(mailoutbox, bob, "is cancelled")
    assert hm(meeting.start, TOKYO) in message.body and "(Asia/Tokyo)" in message.body
    assert "circle time (America/Detroit)" in message.body
    assert not to(mailoutbox, alice, "is cancelled")


def test_minutes_show_the_meeting_in_each_readers_zone_not_the_senders(
    alice, bob, circle, mailoutbox
):
    move(bob, "Asia/Tokyo")
    # 20:00 in Detroit is the next morning in Tokyo: the date differs too.
    evening = actions.schedule(
        circle,
        day=timezone.localdate() + timedelta(days=3),
        at=time(20),
        minutes=60,
        zone="America/Detroit",
        details=actions.Details("Evening circle", Format.ONLINE, "https://example.org/meet"),
        by=alice,
    )
    actions.save_log(evening, summary="We talked.", decisions="", action_items=[], by=alice)
    with timezone.override(DETROIT):  # alice's request runs in her zone
        actions.send_minutes(evening, by=alice)
    [message] = to(mailoutbox, bob, "Minutes")
    tokyo = evening.start.astimezone(TOKYO)
    assert f"{tokyo:%a %-d %b %Y, %H:%M}" in message.body and "(Asia/Tokyo)" in message.body
    assert f"{tokyo:%-d %b %Y}" in message.subject
    [own] = to(mailoutbox, alice, "Minutes")
    assert "(America/Detroit)" in own.body and "circle time" not in own.body


def test_the_survey_email_shows_the_meeting_in_the_readers_zone(alice, bob, meeting, mailoutbox):
    move(bob, "Asia/Tokyo")
    Meeting.objects.filter(pk=meeting.pk).update(
        start=timezone.now() - timedelta(hours=4), end=timezone.now() - timedelta(hours=3)
    )
    meeting.refresh_from_db()
    RSVP.objects.create(meeting=meeting, user=bob, answer="yes")
    reminders.plan_surveys()
    Notification.objects.filter(kind="survey").update(due_at=timezone.now())
    delivery.deliver_due()
    [message] = to(mailoutbox, bob, "How was")
    assert hm(meeting.start, TOKYO) in message.body and "(Asia/Tokyo)" in message.body
    assert "circle time (America/Detroit)" in message.body


@pytest.mark.parametrize(
    ("zone", "circle_time_shown"), [("America/Chicago", True), ("America/New_York", False)]
)
def test_a_reminder_shows_the_circle_time_beside_only_when_it_differs(
    alice, bob, meeting, mailoutbox, zone, circle_time_shown
):
    move(bob, zone)
    Notification.objects.filter(kind="reminder", recipient=bob).update(due_at=timezone.now())
    delivery.deliver_due()
    message = to(mailoutbox, bob, "Reminder")[0]
    assert (
        hm(meeting.start, ZoneInfo(zone)) in message.body and f"your time, {zone}" in message.body
    )
    assert ("circle's time (America/Detroit)" in message.body) is circle_time_shown


# --- the one-click RSVP page -----------------------------------------------------------------


def test_the_rsvp_page_shows_the_time_of_the_person_the_link_is_for(client, bob, meeting):
    move(bob, "America/Chicago")
    # Someone else is signed in on this browser (another zone): the page is still bob's.
    client.force_login(UserFactory(timezone="Asia/Tokyo"))
    url = reverse("meetings:rsvp_link", kwargs={"token": reminders.rsvp_token(meeting, bob, "yes")})
    page = client.get(url).content.decode()
    chicago = meeting.start.astimezone(CHICAGO)
    assert f"{chicago:%a %-d %b %Y, %H:%M}" in page and "(America/Chicago)" in page
    assert "circle time (America/Detroit)" in page
    assert "Asia/Tokyo" not in page
    done = client.post(url).content.decode()
    assert "(America/Chicago)" in done
