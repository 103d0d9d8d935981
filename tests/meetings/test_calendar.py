from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from circles import actions as circle_actions
from meetings import actions
from meetings.calendar import google_link, outlook_link
from meetings.models import CalendarFeed

pytestmark = pytest.mark.django_db


def summer_day() -> date:
    """The next 13 July: ahead of today (a past meeting cannot be cancelled) and in summer
    time (Detroit is at -04:00, so 12:00 is 16:00 UTC)."""
    today = timezone.localdate()
    day = date(today.year, 7, 13)
    return day if day > today else date(today.year + 1, 7, 13)


@pytest.fixture
def meeting(circle, alice, details):
    return actions.schedule(
        circle,
        day=summer_day(),
        at=time(12),
        minutes=60,
        zone="America/Detroit",
        details=details,
        by=alice,
    )


def events(content: bytes):
    calendar = Calendar.from_ical(content)
    return calendar, list(calendar.walk("VEVENT"))


def download(client, meeting):
    response = client.get(reverse("meetings:ics", kwargs={"pk": meeting.pk}))
    assert response["Content-Type"].startswith("text/calendar")
    return response.content


def test_ics_has_a_stable_uid_tzid_with_vtimezone_and_a_growing_sequence(
    client, bob, alice, meeting, details
):
    client.force_login(bob)
    calendar, [event] = events(download(client, meeting))
    uid = str(event["UID"])
    assert uid == f"{meeting.uid}@roundtable"
    assert event["DTSTART"].params["TZID"] == "America/Detroit"
    assert event.decoded("DTSTART").hour == 12
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Detroit"]

    actions.edit(
        meeting,
        day=meeting.local_start.date() + timedelta(days=1),
        at=time(13),
        minutes=60,
        details=details,
        following=False,
        by=alice,
    )
    _, [moved] = events(download(client, meeting))
    assert str(moved["UID"]) == uid
    assert int(moved["SEQUENCE"]) == 1
    assert moved.decoded("DTSTART").day == 14  # the 13th, moved a day

    actions.cancel(meeting, reason="Conference week", following=False, by=alice)
    _, [cancelled] = events(download(client, meeting))
    assert str(cancelled["UID"]) == uid
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 2
    assert "Conference week" in str(cancelled["DESCRIPTION"])


def test_ics_is_for_the_circle_only(client, carol, meeting):
    client.force_login(carol)
    assert client.get(reverse("meetings:ics", kwargs={"pk": meeting.pk})).status_code == 404


def test_google_and_outlook_links_carry_the_utc_times(meeting):
    day = meeting.local_start.date()
    assert f"dates={day:%Y%m%d}T160000Z%2F{day:%Y%m%d}T170000Z" in google_link(meeting)
    assert "ctz=America%2FDetroit" in google_link(meeting)
    assert f"startdt={day.isoformat()}T16%3A00%3A00%2B00%3A00" in outlook_link(meeting)


def test_the_private_feed_lists_the_meetings_of_my_current_circles(
    client, bob, alice, circle, other_circle, olga, details
):
    today = timezone.localdate()
    mine = actions.schedule(
        circle,
        day=today + timedelta(days=3),
        at=time(12),
        minutes=60,
        zone="UTC",
        details=details,
        by=alice,
    )
    actions.schedule(
        other_circle,
        day=today + timedelta(days=3),
        at=time(12),
        minutes=60,
        zone="UTC",
        details=details,
        by=olga,
    )
    feed = CalendarFeed.for_user(bob)
    response = client.get(feed.get_absolute_url())  # no login: calendar apps have none
    _, found = events(response.content)
    assert [str(e["UID"]) for e in found] == [f"{mine.uid}@roundtable"]
    circle_actions.leave(circle.memberships.get(user=bob), by=bob)
    _, found = events(client.get(feed.get_absolute_url()).content)
    assert found == []


def test_resetting_the_feed_kills_the_old_url(client, bob):
    client.force_login(bob)
    client.post(reverse("meetings:reset_feed"))
    first = CalendarFeed.objects.get(user=bob)
    old_url = first.get_absolute_url()
    assert old_url in client.get(reverse("members:profile")).content.decode()
    assert client.get(old_url).status_code == 200
    client.post(reverse("meetings:reset_feed"), {"intent": "reset"})
    first.refresh_from_db()
    assert first.get_absolute_url() != old_url
    assert client.get(old_url).status_code == 404
    assert client.get(first.get_absolute_url()).status_code == 200
    assert len(first.token) >= 40


def test_the_profile_page_does_not_create_a_feed_on_a_get(client, bob):
    client.force_login(bob)
    client.get(reverse("members:profile"))
    assert not CalendarFeed.objects.exists()


def test_feed_reset_needs_a_post_and_a_login(client, bob):
    assert client.post(reverse("meetings:reset_feed")).status_code == 302
    assert not CalendarFeed.objects.exists()
    client.force_login(bob)
    assert client.get(reverse("meetings:reset_feed")).status_code == 405


def test_unknown_feed_tokens_are_404(client):
    assert client.get("/calendar/not-a-token.ics").status_code == 404
