"""Two requests at the same moment, for real: threads with their own PostgreSQL
connections race for the last seat and for the same invitation."""

import threading

import pytest
from django.db import connection

from circles import actions
from circles.models import Circle, Invitation, Membership
from tests.factories import UserFactory, make_circle

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run the calls in threads released together; return their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        from django.db import connections

        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the test asserts on what came back
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; CI runs this on PostgreSQL")


def test_two_people_racing_for_the_last_seat_get_one_seat_and_one_waitlist_place():
    organizer = UserFactory()
    circle = make_circle(organizer, capacity=2, join_policy=Circle.JoinPolicy.OPEN)
    first, second = UserFactory(), UserFactory()
    results = race(lambda: actions.join(circle, first), lambda: actions.join(circle, second))
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(circle.memberships.exclude(user=organizer).values_list("status", flat=True))
    assert statuses == [Membership.Status.ACTIVE, Membership.Status.WAITLISTED]


def test_two_organizers_inviting_the_same_address_at_once_make_one_invitation():
    alice, olga = UserFactory(), UserFactory()
    circle = make_circle(alice)
    Membership.objects.create(circle=circle, user=olga, status="active", role="organizer")
    results = race(
        lambda: actions.invite(circle, ["erin@example.org"], by=alice),
        lambda: actions.invite(circle, ["erin@example.org"], by=olga),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(len(r.sent) for r in results) == [0, 1]
    assert Invitation.objects.count() == 1


def test_the_last_two_organizers_stepping_down_at_once_leave_one_organizer():
    alice, bob = UserFactory(), UserFactory()
    circle = make_circle(alice)
    Membership.objects.create(circle=circle, user=bob, status="active", role="organizer")
    a = circle.memberships.get(user=alice)
    b = circle.memberships.get(user=bob)
    results = race(lambda: actions.make_member(a, by=alice), lambda: actions.make_member(b, by=bob))
    assert sum(isinstance(r, actions.MembershipError) for r in results) == 1
    assert circle.memberships.organizers().count() == 1
