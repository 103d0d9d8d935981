"""The meeting page agrees with itself: an answer updates every part of the page it
changes (htmx out of band, or a reload without JavaScript); past meetings show what
belongs to the past only; no survey block until there is a survey."""

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import actions
from meetings.models import Survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(circle, alice, details):
    day = timezone.localdate() + timedelta(days=10)
    return actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="UTC", details=details, by=alice
    )


@pytest.fixture
def past(circle, alice, details):
    day = timezone.localdate() - timedelta(days=3)
    return actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="UTC", details=details, by=alice
    )


def answer(client, meeting, value, **data):
    return client.post(
        reverse("meetings:rsvp", kwargs={"pk": meeting.pk}),
        {"answer": value, **data},
        HTTP_HX_REQUEST="true",
    ).content.decode()


def who_row(html: str, key: str) -> str:
    return re.search(rf'<li data-answer="{key}">(.*?)</li>', html, re.S).group(1)


def test_an_answer_on_the_meeting_page_updates_who_is_coming_out_of_band(client, bob, upcoming):
    client.force_login(bob)
    answer(client, upcoming, "yes", shown_on="detail")
    html = answer(client, upcoming, "no", shown_on="detail")
    assert f'id="who-is-coming-{upcoming.pk}" hx-swap-oob="true"' in html
    assert "Bob Baker" in who_row(html, "no") and "Bob Baker" not in who_row(html, "yes")
    assert "No (1)" in html and "Yes (0)" in html
    # The next answer from the swapped buttons still says where they are shown.
    assert 'name="shown_on" value="detail"' in html
    # Announced to screen readers through the page's live region.
    assert re.search(r'id="live-announcer" hx-swap-oob="innerHTML">You answered no', html)


def test_an_answer_in_a_list_swaps_no_block_the_list_does_not_have(client, bob, upcoming):
    client.force_login(bob)
    html = answer(client, upcoming, "no", next="/meetings/")
    # An out-of-band block with no target on the page is an htmx error.
    assert "who-is-coming" not in html
    assert 'id="live-announcer"' in html and 'value="/meetings/"' in html


def test_buttons_keep_their_ids_so_focus_stays_on_the_pressed_one(client, bob, upcoming):
    client.force_login(bob)
    html = answer(client, upcoming, "no")
    for value in ("yes", "maybe", "no"):
        assert f'id="rsvp-{upcoming.pk}-{value}"' in html


def test_every_page_has_the_live_region(client, bob, upcoming):
    client.force_login(bob)
    for url in ("/", "/meetings/", upcoming.get_absolute_url()):
        assert 'id="live-announcer"' in client.get(url).content.decode()


def test_without_javascript_the_page_after_the_answer_agrees(client, bob, upcoming):
    client.force_login(bob)
    client.post(reverse("meetings:rsvp", kwargs={"pk": upcoming.pk}), {"answer": "yes"})
    page = client.post(
        reverse("meetings:rsvp", kwargs={"pk": upcoming.pk}), {"answer": "no"}, follow=True
    ).content.decode()
    assert "Bob Baker" in who_row(page, "no") and "Bob Baker" not in who_row(page, "yes")


FUTURE_ONLY = ("Who is coming", "Add to your calendar", "Edit or reschedule", "Coming?")


def test_a_past_meeting_shows_attendance_and_log_not_future_controls(client, alice, past):
    client.force_login(alice)
    html = client.get(past.get_absolute_url()).content.decode()
    for text in FUTURE_ONLY:
        assert text not in html, text
    assert f"/meetings/{past.pk}/cancel/" not in html
    assert "Record attendance" in html and "Write the log" in html


def test_an_upcoming_meeting_shows_its_controls(client, alice, upcoming):
    client.force_login(alice)
    html = client.get(upcoming.get_absolute_url()).content.decode()
    for text in FUTURE_ONLY:
        assert text in html, text
    assert "Record attendance" not in html


def test_no_survey_block_before_a_survey_went_out(client, alice, circle, upcoming, past):
    client.force_login(alice)
    for url in (
        upcoming.get_absolute_url(),
        past.get_absolute_url(),
        reverse("meetings:circle_meetings", kwargs={"slug": circle.slug}),
    ):
        assert "Follow-up survey" not in client.get(url).content.decode(), url


def test_the_survey_block_and_link_appear_once_a_survey_went_out(client, alice, bob, past):
    Survey.objects.create(
        meeting=past, user=bob, token_hash="h", expires_at=timezone.now() + timedelta(days=3)
    )
    client.force_login(alice)
    assert "0 of 1 answered" in client.get(past.get_absolute_url()).content.decode()
    client.force_login(bob)
    html = client.get(past.get_absolute_url()).content.decode()
    assert reverse("meetings:my_survey", kwargs={"pk": past.pk}) in html


def test_a_meeting_under_way_says_answers_are_closed_whatever_the_answer(
    client, bob, circle, alice, details
):
    meeting = actions.schedule(
        circle,
        day=timezone.localdate() + timedelta(days=1),
        at=time(12),
        minutes=60,
        zone="UTC",
        details=details,
        by=alice,
    )
    actions.rsvp(meeting, bob, answer="yes")
    type(meeting).objects.filter(pk=meeting.pk).update(
        start=timezone.now() - timedelta(minutes=10), end=timezone.now() + timedelta(minutes=50)
    )
    client.force_login(bob)
    html = client.get("/meetings/").content.decode()
    assert "Answers are closed; you said yes." in html


def test_a_member_on_leave_is_listed_on_leave_not_as_owing_an_answer(
    client, circle, alice, bob, upcoming
):
    from circles.actions import start_leave

    start_leave(circle.memberships.get(user=bob), by=alice, note="Parental leave")
    client.force_login(alice)
    page = client.get(upcoming.get_absolute_url()).content.decode()
    no_answer = re.search(r'data-answer="none">(.*?)</li>', page, re.S).group(1)
    on_leave = re.search(r'data-answer="on-leave">(.*?)</li>', page, re.S).group(1)
    assert bob.display_name in on_leave and "On leave (1)" in on_leave
    assert bob.display_name not in no_answer
