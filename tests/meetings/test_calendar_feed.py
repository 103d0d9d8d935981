"""The private calendar feed: creating and resetting its link, what the profile page
offers for it, and which meetings it carries (declined ones are left out)."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings import actions
from meetings.models import Answer, CalendarFeed

pytestmark = pytest.mark.django_db


def feed_uids(client, user) -> list[str]:
    response = client.get(CalendarFeed.for_user(user).get_absolute_url())
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    return [str(event["UID"]) for event in calendar.walk("VEVENT")]


def uid(meeting) -> str:
    return f"{meeting.uid}@roundtable"


@pytest.fixture
def soon(circle, alice, details):
    """Three meetings of bob's circle in the coming days."""
    today = timezone.localdate()
    return [
        actions.schedule(
            circle,
            day=today + timedelta(days=days),
            at=time(12),
            minutes=60,
            zone="UTC",
            details=details,
            by=alice,
        )
        for days in (3, 10, 17)
    ]


def test_creating_the_link_says_it_was_created(client, bob):
    client.force_login(bob)
    response = client.post(reverse("meetings:reset_feed"), {"intent": "create"}, follow=True)
    page = response.content.decode()
    assert "Your calendar link was created" in page
    assert "was reset" not in page
    assert "no longer works" not in page
    assert CalendarFeed.objects.filter(user=bob).count() == 1


def test_creating_again_keeps_the_link(client, bob):
    client.force_login(bob)
    client.post(reverse("meetings:reset_feed"), {"intent": "create"})
    token = CalendarFeed.objects.get(user=bob).token
    response = client.post(reverse("meetings:reset_feed"), {"intent": "create"}, follow=True)
    assert CalendarFeed.objects.get(user=bob).token == token
    assert "You already have a calendar link" in response.content.decode()


def test_resetting_the_link_says_so_and_changes_it(client, bob):
    client.force_login(bob)
    client.post(reverse("meetings:reset_feed"), {"intent": "create"})
    token = CalendarFeed.objects.get(user=bob).token
    response = client.post(reverse("meetings:reset_feed"), {"intent": "reset"}, follow=True)
    assert CalendarFeed.objects.get(user=bob).token != token
    page = response.content.decode()
    assert "Your calendar link was reset" in page
    assert "the old one no longer works" in page


def test_profile_shows_the_link_a_copy_button_and_a_webcal_subscribe_link(client, bob, settings):
    settings.SITE_URL = "https://circles.example.edu"
    feed = CalendarFeed.for_user(bob)
    client.force_login(bob)
    # On the public site, whatever host the page was asked for on.
    page = client.get(reverse("members:profile")).content.decode()
    https_url = f"https://circles.example.edu/calendar/{feed.token}.ics"
    assert f'readonly value="{https_url}"' in page
    # The copy button is an enhancement: hidden until static/js/copy-link.js shows it.
    assert 'data-copy-from="feed-url"' in page
    assert f'href="webcal://circles.example.edu/calendar/{feed.token}.ics"' in page
    assert "Create my calendar link" not in page


def test_profile_without_a_feed_offers_to_create_one(client, bob):
    client.force_login(bob)
    page = client.get(reverse("members:profile")).content.decode()
    assert "Create my calendar link" in page
    assert "webcal://" not in page
    assert 'id="feed-url"' not in page


def test_feed_leaves_out_a_meeting_i_declined(client, bob, soon):
    declined, maybe, yes = soon
    actions.rsvp(declined, bob, answer=Answer.NO)
    actions.rsvp(maybe, bob, answer=Answer.MAYBE)
    actions.rsvp(yes, bob, answer=Answer.YES)
    assert feed_uids(client, bob) == [uid(maybe), uid(yes)]
    # Changing the answer brings it back.
    actions.rsvp(declined, bob, answer=Answer.YES)
    assert feed_uids(client, bob) == [uid(m) for m in soon]


def test_one_persons_no_does_not_hide_the_meeting_from_others(client, bob, alice, soon):
    actions.rsvp(soon[0], bob, answer=Answer.NO)
    assert feed_uids(client, alice) == [uid(m) for m in soon]


def test_feed_leaves_out_a_series_i_declined_except_meetings_i_said_yes_to(
    client, bob, circle, make_series
):
    series = make_series(
        circle,
        frequency="weekly",
        weekday=timezone.localdate().weekday(),
        start_date=timezone.localdate() + timedelta(days=1),
        count=3,
        timezone="UTC",
    )
    meetings = list(series.meetings.order_by("start"))
    assert len(meetings) == 3
    actions.rsvp_series(series, bob, answer=Answer.NO)
    actions.rsvp(meetings[1], bob, answer=Answer.YES)
    assert feed_uids(client, bob) == [uid(meetings[1])]


def test_feed_query_count_does_not_grow_with_meetings_and_answers(
    client, bob, alice, circle, details
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = CalendarFeed.for_user(bob).get_absolute_url()
    today = timezone.localdate()
    counts = []
    for total in (3, 12):
        while circle.meetings.count() < total:
            n = circle.meetings.count()
            meeting = actions.schedule(
                circle,
                day=today + timedelta(days=n + 1),
                at=time(12),
                minutes=60,
                zone="UTC",
                details=details,
                by=alice,
            )
            actions.rsvp(meeting, bob, answer=[Answer.YES, Answer.NO, Answer.MAYBE][n % 3])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1] <= 6
