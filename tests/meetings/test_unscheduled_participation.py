"""A meeting nobody scheduled but a member logged after the fact: the log form asks who
was there, only the people recorded are expected (in the pages and in the reports), and
an organizer can complete the record later."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from circles.models import Circle
from meetings import actions
from meetings.models import Attendance, Meeting
from meetings.participation import expected_at
from reports import figures
from tests.factories import UserFactory, make_circle

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_circle(alice, bob):
    """alice organizes; bob and seven others are members (nine seated)."""
    others = [UserFactory() for _ in range(7)]
    return make_circle(alice, members=[bob, *others], slug="big"), others


def log_post(client, circle, marks: dict):
    day = timezone.localdate() - timedelta(days=2)
    return client.post(
        reverse("meetings:log_unscheduled", kwargs={"slug": circle.slug}),
        {
            "title": "Coffee chat",
            "date": day.isoformat(),
            "start_time": "08:00",
            "duration_minutes": "30",
            "summary": "Informal catch-up.",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
            **{f"was_{user.pk}": status for user, status in marks.items()},
        },
    )


def summary(circle) -> dict:
    (row,) = figures.circle_summaries(figures.Scope(circles=Circle.objects.filter(pk=circle.pk)))
    return row


def test_the_log_form_asks_who_was_there_with_the_logger_present(client, bob, big_circle):
    circle, others = big_circle
    client.force_login(bob)
    page = client.get(reverse("meetings:log_unscheduled", kwargs={"slug": circle.slug}))
    form = page.context["form"]
    assert form[f"was_{bob.pk}"].value() == "present"
    assert form[f"was_{others[0].pk}"].value() == ""
    assert "Who was there" in page.content.decode()


def test_a_logged_meeting_counts_only_those_recorded_in_the_report(client, alice, bob, big_circle):
    circle, others = big_circle
    client.force_login(bob)
    assert log_post(client, circle, {bob: "present"}).status_code == 302
    meeting = Meeting.objects.get()
    assert set(expected_at(meeting).values_list("user", flat=True)) == {bob.pk}
    row = summary(circle)
    # Before: nine expected, eight of them "not recorded", the rate 1 in 9.
    assert (row["eligible"], row["attended"], row["mean_attendance_rate"]) == (1, 1, 100.0)
    # The organizer completes the record later: the form lists everyone, unrecorded.
    client.force_login(alice)
    url = reverse("meetings:attendance", kwargs={"pk": meeting.pk})
    form = client.get(url).context["form"]
    assert form[f"status_{others[0].pk}"].value() == ""
    assert form[f"status_{bob.pk}"].value() == "present"
    response = client.post(
        url,
        {
            f"status_{bob.pk}": "present",
            f"status_{alice.pk}": "present",
            f"status_{others[0].pk}": "absent",
            **{f"status_{u.pk}": "" for u in others[1:]},
        },
    )
    assert response.status_code == 302
    assert set(Attendance.objects.values_list("user", flat=True)) == {
        bob.pk,
        alice.pk,
        others[0].pk,
    }
    row = summary(circle)
    assert (row["eligible"], row["attended"]) == (3, 2)


def test_the_checklist_records_others_by_the_logger(client, alice, bob, big_circle):
    circle, others = big_circle
    client.force_login(bob)
    log_post(client, circle, {bob: "present", alice: "present", others[0]: "excused"})
    marks = {a.user: (a.status, a.recorded_by) for a in Attendance.objects.all()}
    assert marks == {
        bob: ("present", bob),
        alice: ("present", bob),
        others[0]: ("excused", bob),
    }
    assert summary(circle)["eligible"] == 3


def test_a_bad_checklist_value_is_refused_and_nothing_saved(client, bob, big_circle):
    circle, _ = big_circle
    client.force_login(bob)
    assert log_post(client, circle, {bob: "sleeping"}).status_code == 400
    assert not Meeting.objects.exists()


def test_a_scheduled_meeting_still_expects_the_whole_circle(alice, bob, big_circle, details):
    circle, _ = big_circle
    meeting = actions.schedule(
        circle,
        day=timezone.localdate() - timedelta(days=2),
        at=time(12),
        minutes=60,
        zone="UTC",
        details=details,
        by=alice,
    )
    meeting.mark(bob, status="present", note="", by=bob)
    assert expected_at(meeting).count() == 9
    assert summary(circle)["eligible"] == 9


def test_the_organizers_to_do_asks_to_complete_a_self_reported_log(client, alice, bob, big_circle):
    circle, _ = big_circle
    actions.log_unscheduled(
        circle,
        day=timezone.localdate() - timedelta(days=2),
        at=time(8),
        minutes=30,
        title="Coffee",
        summary="S",
        decisions="",
        action_items=[],
        by=bob,
    )
    client.force_login(alice)
    page = client.get("/")
    assert [m.title for m in page.context["needs_attendance"]] == ["Coffee"]
