import pytest
from django.db import IntegrityError, transaction

from circles import actions
from circles.models import Circle, Membership, MembershipEvent
from members.models import User
from tests.factories import UserFactory, make_circle

pytestmark = pytest.mark.django_db

Status = Membership.Status


def seat(circle, user, status=Status.ACTIVE, **fields):
    return Membership.objects.create(circle=circle, user=user, status=status, **fields)


def test_one_current_membership_per_person_per_circle(circle, bob):
    with pytest.raises(IntegrityError), transaction.atomic():
        seat(circle, bob, Status.REQUESTED)


def test_leaving_and_rejoining_keeps_both_rows(circle, bob):
    membership = circle.memberships.get(user=bob)
    actions.leave(membership, by=bob, reason="Moving away")
    circle.join_policy = Circle.JoinPolicy.OPEN
    circle.save()
    again = actions.join(circle, bob)
    rows = list(circle.memberships.filter(user=bob).order_by("pk"))
    assert [m.status for m in rows] == [Status.LEFT, Status.ACTIVE]
    assert rows[0].end_reason == "Moving away" and rows[0].ended_at
    assert again.pk == rows[1].pk


def test_memberships_cannot_be_deleted_through_the_circle(circle):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        circle.delete()


@pytest.mark.parametrize(
    "change",
    [
        lambda m, by: actions.leave(m, by=by),
        lambda m, by: actions.make_member(m, by=by),
        lambda m, by: actions.start_leave(m, by=by),
    ],
    ids=["leave", "step-down", "go-on-leave"],
)
def test_the_last_organizer_cannot_go_without_naming_another(circle, alice, change):
    membership = circle.memberships.get(user=alice)
    with pytest.raises(actions.MembershipError, match="only active organizer"):
        change(membership, alice)
    membership.refresh_from_db()
    assert (membership.status, membership.role) == (Status.ACTIVE, Membership.Role.ORGANIZER)


def test_the_last_organizer_cannot_be_removed_by_a_co_organizer_on_leave(circle, alice, bob):
    bob_m = circle.memberships.get(user=bob)
    actions.make_organizer(bob_m, by=alice)
    actions.start_leave(bob_m, by=bob)
    with pytest.raises(actions.MembershipError):
        actions.remove(circle.memberships.get(user=alice), by=bob, reason="x")


def test_an_organizer_can_leave_once_another_is_named(circle, alice, bob):
    actions.make_organizer(circle.memberships.get(user=bob), by=alice)
    actions.leave(circle.memberships.get(user=alice), by=alice)
    assert list(circle.memberships.organizers().values_list("user", flat=True)) == [bob.pk]


def test_waitlist_is_promoted_oldest_first_and_told(
    circle, alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    circle.capacity = 2
    circle.join_policy = Circle.JoinPolicy.OPEN
    circle.save()
    first, second = UserFactory(full_name="First Waiter"), UserFactory(full_name="Second Waiter")
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.join(circle, first).status == Status.WAITLISTED
        assert actions.join(circle, second).status == Status.WAITLISTED
        actions.leave(circle.memberships.get(user=bob), by=bob)
    statuses = dict(circle.memberships.current().values_list("user__full_name", "status"))
    assert statuses["First Waiter"] == Status.ACTIVE
    assert statuses["Second Waiter"] == Status.WAITLISTED
    assert [m.to for m in mailoutbox] == [[first.email]]
    assert "A seat opened" in mailoutbox[0].subject
    event = circle.memberships.get(user=first, status=Status.ACTIVE).events.last()
    assert event.kind == MembershipEvent.Kind.PROMOTED_FROM_WAITLIST


def test_invite_only_circles_never_promote_automatically(circle, bob):
    circle.capacity = 2
    circle.join_policy = Circle.JoinPolicy.INVITE_ONLY
    circle.save()
    waiting = UserFactory()
    seat(circle, waiting, Status.WAITLISTED)
    actions.leave(circle.memberships.get(user=bob), by=bob)
    assert circle.memberships.get(user=waiting).status == Status.WAITLISTED


def test_raising_the_capacity_promotes_the_waitlist(circle, alice, bob):
    circle.capacity = 2
    circle.save()
    waiting = UserFactory()
    seat(circle, waiting, Status.WAITLISTED)
    circle.capacity = 3
    actions.update_circle(circle, fields=["capacity"], by=alice)
    assert circle.memberships.get(user=waiting).status == Status.ACTIVE


def test_going_on_leave_keeps_the_seat(circle, bob):
    circle.capacity = 2
    circle.save()
    actions.start_leave(circle.memberships.get(user=bob), by=bob)
    assert circle.is_full()
    assert circle.is_member(bob)


def test_capacity_of_one_is_refused_by_the_database(circle):
    with pytest.raises(IntegrityError), transaction.atomic():
        Circle.objects.filter(pk=circle.pk).update(capacity=1)


def test_charter_revision_asks_members_to_accept_again(circle, alice, bob):
    bob_m = circle.memberships.get(user=bob)
    assert not bob_m.needs_charter_acceptance()
    charter = actions.revise_charter(
        circle, mission="New mission", guiding_principles="One", by=alice
    )
    assert charter.version == 2
    bob_m = circle.memberships.select_related("circle").get(user=bob)
    assert bob_m.needs_charter_acceptance()
    # The author accepted by writing it.
    assert not circle.memberships.get(user=alice).needs_charter_acceptance()
    actions.accept_charter(bob_m)
    assert not circle.memberships.get(user=bob).needs_charter_acceptance()
    assert bob_m.events.filter(kind=MembershipEvent.Kind.CHARTER_ACCEPTED).exists()


def test_saving_an_unchanged_charter_makes_no_new_version(circle, alice):
    current = circle.current_charter
    same = actions.revise_charter(
        circle, mission=current.mission, guiding_principles=current.guiding_principles, by=alice
    )
    assert same.pk == current.pk
    assert circle.charters.count() == 1


def test_visibility_of_circles(circle, alice, bob, carol, dana, olga, other_circle):
    from django.contrib.auth.models import AnonymousUser

    circle.visibility = Circle.Visibility.UNLISTED
    circle.save()
    visible = {
        u.email: set(Circle.objects.visible_to(u).values_list("slug", flat=True))
        for u in (alice, bob, carol, dana, olga)
    }
    assert visible["alice@example.org"] == {"early-career", "other"}
    assert visible["bob@example.org"] == {"early-career", "other"}
    assert visible["carol@example.org"] == {"other"}
    assert visible["dana@example.org"] == {"early-career", "other"}  # program admin
    assert visible["olga@example.org"] == {"other"}
    assert set(Circle.objects.visible_to(AnonymousUser()).values_list("slug", flat=True)) == {
        "other"
    }


def test_archived_circles_stay_visible_to_their_members_only(circle, bob, carol):
    circle.status = Circle.Status.ARCHIVED
    circle.save()
    assert Circle.objects.visible_to(bob).filter(pk=circle.pk).exists()
    assert not Circle.objects.visible_to(carol).filter(pk=circle.pk).exists()
    assert not Circle.objects.discoverable().filter(pk=circle.pk).exists()


def test_member_cards_are_visible_to_people_who_share_a_circle(
    circle, alice, bob, carol, dana, olga, other_circle
):
    applicant = UserFactory()
    seat(circle, applicant, Status.REQUESTED)

    def sees(viewer):
        return set(User.objects.visible_to(viewer).values_list("email", flat=True))

    assert sees(bob) == {"alice@example.org", "bob@example.org"}
    assert sees(alice) == {"alice@example.org", "bob@example.org", applicant.email}
    assert sees(carol) == {"carol@example.org"}
    assert sees(olga) == {"olga@example.org"}
    assert {"alice@example.org", "bob@example.org", "olga@example.org"} <= sees(dana)
    assert sees(applicant) == {applicant.email}


def test_former_members_no_longer_see_cards(circle, alice, bob):
    actions.leave(circle.memberships.get(user=bob), by=bob)
    assert not User.objects.visible_to(bob).filter(pk=alice.pk).exists()


def test_counts_cover_active_and_on_leave_members(circle, alice, bob):
    carl = UserFactory()
    m = seat(circle, carl)
    actions.start_leave(m, by=carl)
    seat(circle, UserFactory(), Status.WAITLISTED)
    annotated = Circle.objects.with_counts().get(pk=circle.pk)
    assert annotated.member_count == 3
    assert annotated.institution_count == 3


def test_make_circle_helper_seats_the_organizer(alice):
    c = make_circle(alice, name="Solo")
    assert c.is_organizer(alice)
    assert c.current_charter.version == 1
