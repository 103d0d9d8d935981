from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from circles.models import Membership
from meetings import actions
from meetings.models import RSVP, Attendance
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def grow_members(circle, meeting, total):
    while circle.memberships.seated().count() < total:
        user = UserFactory()
        Membership.objects.create(circle=circle, user=user, status="active")
        RSVP.objects.create(meeting=meeting, user=user, answer="yes")
        Attendance.objects.create(meeting=meeting, user=user, status="present")


def test_meeting_page_queries_do_not_grow_with_members(client, alice, circle, details):
    day = timezone.localdate() - timedelta(days=1)
    meeting = actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="UTC", details=details, by=alice
    )
    actions.save_log(meeting, summary="S", decisions="", action_items=[], by=alice)
    client.force_login(alice)
    counts = []
    for total in (5, 50):
        grow_members(circle, meeting, total)
        counts.append(count(client, meeting.get_absolute_url()))
    # session, user, meeting, seated rows, answers, attendance, my attendance's history,
    # log, its action items, agenda, survey summary (organizer, past meeting), my own
    # survey still to answer (past meeting)
    assert counts[0] == counts[1] <= 11


def test_upcoming_meeting_page_queries_do_not_grow_with_the_circles_meetings(
    client, alice, bob, circle, details
):
    """The organizer's view of a meeting to come: agenda form with presenters, the next
    presenter in turn, and the swap form listing every other upcoming meeting with its
    facilitator."""
    today = timezone.localdate()
    meeting = actions.schedule(
        circle,
        day=today + timedelta(days=1),
        at=time(12),
        minutes=60,
        zone="UTC",
        details=details,
        by=alice,
        facilitator=bob,
    )
    client.force_login(alice)
    counts = []
    for total in (5, 50):
        while circle.meetings.count() < total:
            n = circle.meetings.count()
            actions.schedule(
                circle,
                day=today + timedelta(days=2 + n),
                at=time(12),
                minutes=60,
                zone="UTC",
                details=details,
                by=alice,
                facilitator=alice if n % 2 else bob,
            )
        counts.append(count(client, meeting.get_absolute_url()))
    assert counts[0] == counts[1] <= 12


def test_dashboard_and_meeting_list_queries_do_not_grow_with_meetings(
    client, alice, circle, details
):
    client.force_login(alice)
    counts = {"/": [], "/meetings/": []}
    today = timezone.localdate()
    for total in (5, 100):
        while circle.meetings.count() < total:
            n = circle.meetings.count()
            actions.schedule(
                circle,
                day=today + timedelta(days=2 * n - 5),
                at=time(12),
                minutes=60,
                zone="UTC",
                details=details,
                by=alice,
            )
        for url in counts:
            counts[url].append(count(client, url))
    assert counts["/"][0] == counts["/"][1] <= 9
    assert counts["/meetings/"][0] == counts["/meetings/"][1] <= 5


def test_attendance_form_queries_do_not_grow_with_members(client, alice, circle, details):
    day = timezone.localdate() - timedelta(days=1)
    meeting = actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="UTC", details=details, by=alice
    )
    client.force_login(alice)
    counts = []
    for total in (5, 50):
        grow_members(circle, meeting, total)
        counts.append(count(client, f"/meetings/{meeting.pk}/attendance/"))
    assert counts[0] == counts[1] <= 12


def test_meeting_lookup_has_no_distinct_and_still_scopes_to_members_and_admins(
    alice, bob, carol, dana, circle, details
):
    """A DISTINCT over every selected column cost PostgreSQL ~5 ms of planning on every
    meeting page; subqueries give each meeting once without it."""
    from meetings.models import Meeting

    meeting = actions.schedule(
        circle,
        day=timezone.localdate() + timedelta(days=3),
        at=time(12),
        minutes=60,
        zone="UTC",
        details=details,
        by=alice,
    )
    circle.program.admins.add(alice)  # a second admin must not duplicate the row
    assert "DISTINCT" not in str(Meeting.objects.visible_to(dana).query)
    assert list(Meeting.objects.visible_to(dana)) == [meeting]
    assert list(Meeting.objects.visible_to(bob)) == [meeting]
    assert list(Meeting.objects.visible_to(carol)) == []
