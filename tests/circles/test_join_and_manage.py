import pytest
from django.urls import reverse

from circles import actions
from circles.models import Circle, Membership, MembershipEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = Membership.Status


def join_url(circle):
    return reverse("circles:join", kwargs={"slug": circle.slug})


def members_url(circle):
    return reverse("circles:members", kwargs={"slug": circle.slug})


@pytest.fixture
def act(client, committed):
    def post(circle, membership, action, reason=""):
        url = reverse("circles:member_action", kwargs={"slug": circle.slug, "pk": membership.pk})
        with committed():
            return client.post(url, {"action": action, "reason": reason}, follow=True)

    return post


def test_join_page_shows_the_charter_and_asks_to_accept_it(client, carol, circle):
    client.force_login(carol)
    html = client.get(join_url(circle)).content.decode()
    assert "What is said here stays here." in html
    assert 'name="accept_charter"' in html
    assert 'name="message"' in html  # approval circle: a message to the organizers


def test_joining_without_accepting_the_charter_is_refused(client, carol, circle):
    client.force_login(carol)
    response = client.post(join_url(circle), {"message": "Hi"})
    assert response.status_code == 400
    assert "tick this box" in " ".join(response.context["form"].errors["accept_charter"])
    assert not circle.memberships.filter(user=carol).exists()


def test_joining_an_open_circle_seats_the_person_with_the_charter_accepted(client, carol, circle):
    circle.join_policy = Circle.JoinPolicy.OPEN
    circle.save()
    client.force_login(carol)
    response = client.post(join_url(circle), {"accept_charter": "on"}, follow=True)
    assert "Welcome to Early Career Circle!" in response.content.decode()
    membership = circle.memberships.get(user=carol)
    assert membership.status == Status.ACTIVE
    assert membership.charter_accepted == circle.current_charter
    assert membership.joined_at is not None


def test_a_full_open_circle_puts_the_person_on_the_waitlist(client, carol, circle):
    circle.join_policy = Circle.JoinPolicy.OPEN
    circle.capacity = 2
    circle.save()
    client.force_login(carol)
    response = client.post(join_url(circle), {"accept_charter": "on"}, follow=True)
    assert "you are on the waitlist" in response.content.decode()
    assert circle.memberships.get(user=carol).status == Status.WAITLISTED


def test_asking_to_join_tells_the_organizers(client, carol, circle, alice, mailoutbox, committed):
    client.force_login(carol)
    with committed():
        client.post(join_url(circle), {"accept_charter": "on", "message": "I'm a hospitalist."})
    membership = circle.memberships.get(user=carol)
    assert membership.status == Status.REQUESTED
    assert membership.request_message == "I'm a hospitalist."
    assert [m.to for m in mailoutbox] == [[alice.email]]
    mail = mailoutbox[0]
    assert "Carol Chen asks to join Early Career Circle" in mail.subject
    assert "I'm a hospitalist." in mail.body
    assert reverse("circles:members", kwargs={"slug": circle.slug}) in mail.body
    assert mail.alternatives and "I&#x27;m a hospitalist." in mail.alternatives[0][0]


def test_an_over_long_request_message_is_refused(client, carol, circle):
    client.force_login(carol)
    response = client.post(join_url(circle), {"accept_charter": "on", "message": "x" * 1001})
    assert response.status_code == 400
    assert "message" in response.context["form"].errors
    assert not circle.memberships.filter(user=carol).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"join_policy": "invite_only"}, "invite-only"),
        ({"status": "archived"}, "archived"),
        ({"status": "paused"}, "paused"),
    ],
)
def test_joining_a_closed_circle_is_refused_with_a_reason(client, carol, circle, change, message):
    Circle.objects.filter(pk=circle.pk).update(visibility="listed", **change)
    circle.memberships.create(user=carol, status=Status.LEFT)  # archived stays visible
    client.force_login(carol)
    response = client.post(join_url(circle), {"accept_charter": "on"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not circle.memberships.current().filter(user=carol).exists()


def test_joining_twice_is_refused(client, bob, circle):
    client.force_login(bob)
    response = client.post(join_url(circle), {"accept_charter": "on"}, follow=True)
    assert "already in this circle" in response.content.decode()
    assert circle.memberships.filter(user=bob).count() == 1


def test_organizer_approves_a_request_and_the_person_is_told(
    client, act, alice, carol, circle, mailoutbox
):
    request = actions.join(circle, carol)
    client.force_login(alice)
    html = client.get(members_url(circle)).content.decode()
    assert "Carol Chen" in html and "Requests to join" in html
    act(circle, request, "approve")
    request.refresh_from_db()
    assert request.status == Status.ACTIVE
    assert mailoutbox[-1].to == [carol.email]
    assert "Welcome to Early Career Circle" in mailoutbox[-1].subject


def test_approving_when_full_puts_the_person_on_the_waitlist(alice, carol, circle):
    circle.capacity = 2
    circle.save()
    request = actions.join(circle, carol)
    actions.approve_request(request, by=alice)
    request.refresh_from_db()
    assert request.status == Status.WAITLISTED


def test_organizer_declines_with_a_note(client, act, alice, carol, circle, mailoutbox):
    request = actions.join(circle, carol)
    client.force_login(alice)
    act(circle, request, "decline", "We are full of hospitalists.")
    request.refresh_from_db()
    assert request.status == Status.DECLINED
    assert request.end_reason == "We are full of hospitalists."
    assert "We are full of hospitalists." in mailoutbox[-1].body


def test_answering_a_request_twice_says_so(client, act, alice, carol, circle):
    request = actions.join(circle, carol)
    client.force_login(alice)
    act(circle, request, "approve")
    response = act(circle, request, "decline")
    assert "already been answered" in response.content.decode()


def test_promote_demote_and_the_last_organizer_rule_on_the_page(client, act, alice, bob, circle):
    client.force_login(alice)
    alice_m = circle.memberships.get(user=alice)
    response = act(circle, alice_m, "make_member")
    assert "only active organizer" in response.content.decode()
    bob_m = circle.memberships.get(user=bob)
    act(circle, bob_m, "make_organizer")
    act(circle, alice_m, "make_member")
    assert list(circle.memberships.organizers().values_list("user", flat=True)) == [bob.pk]


def test_removing_needs_a_reason_and_frees_the_seat_for_the_waitlist(
    client, act, alice, bob, circle, mailoutbox
):
    circle.capacity = 2
    circle.join_policy = Circle.JoinPolicy.OPEN
    circle.save()
    waiting = UserFactory(full_name="Wendy Waiting")
    actions.join(circle, waiting)
    client.force_login(alice)
    bob_m = circle.memberships.get(user=bob)
    response = act(circle, bob_m, "remove")
    assert "Say why this person is removed" in response.content.decode()
    assert circle.memberships.get(pk=bob_m.pk).status == Status.ACTIVE
    act(circle, bob_m, "remove", "Did not attend for a year")
    bob_m.refresh_from_db()
    assert (bob_m.status, bob_m.end_reason) == (Status.REMOVED, "Did not attend for a year")
    assert circle.memberships.get(user=waiting).status == Status.ACTIVE
    assert mailoutbox[-1].to == [waiting.email]
    assert "Did not attend for a year" in members_page(client, circle)


def members_page(client, circle):
    return client.get(members_url(circle)).content.decode()


def test_organizer_marks_a_member_on_leave_and_back(client, act, alice, bob, circle):
    client.force_login(alice)
    bob_m = circle.memberships.get(user=bob)
    act(circle, bob_m, "start_leave", "Parental leave")
    bob_m.refresh_from_db()
    assert bob_m.status == Status.ON_LEAVE
    act(circle, bob_m, "end_leave")
    bob_m.refresh_from_db()
    assert bob_m.status == Status.ACTIVE
    kinds = list(bob_m.events.values_list("kind", flat=True))
    assert kinds[-2:] == [MembershipEvent.Kind.LEAVE_STARTED, MembershipEvent.Kind.LEAVE_ENDED]
    assert bob_m.events.get(kind=MembershipEvent.Kind.LEAVE_STARTED).note == "Parental leave"


def test_organizer_gives_a_seat_by_hand_in_an_invite_only_circle(client, act, alice, bob, circle):
    circle.join_policy = Circle.JoinPolicy.INVITE_ONLY
    circle.capacity = 3
    circle.save()
    waiting = UserFactory()
    m = Membership.objects.create(circle=circle, user=waiting, status=Status.WAITLISTED)
    client.force_login(alice)
    act(circle, m, "admit")
    m.refresh_from_db()
    assert m.status == Status.ACTIVE


def test_unknown_member_action_is_refused(client, act, alice, bob, circle):
    client.force_login(alice)
    response = act(circle, circle.memberships.get(user=bob), "promote_to_god")
    assert "Select a valid choice" in response.content.decode()


def test_member_goes_on_leave_and_comes_back_themselves(client, bob, circle):
    client.force_login(bob)
    url = reverse("circles:own_leave", kwargs={"slug": circle.slug})
    response = client.post(url, follow=True)
    assert "your seat is kept" in response.content.decode()
    assert circle.memberships.get(user=bob).status == Status.ON_LEAVE
    client.post(url)
    assert circle.memberships.get(user=bob).status == Status.ACTIVE


def test_member_leaves_with_a_reason(client, bob, circle):
    client.force_login(bob)
    url = reverse("circles:leave", kwargs={"slug": circle.slug})
    assert "go on leave" in client.get(url).content.decode()
    response = client.post(url, {"reason": "New job"})
    assert response.status_code == 302
    membership = circle.memberships.get(user=bob)
    assert (membership.status, membership.end_reason) == (Status.LEFT, "New job")
    # Former members keep reading the public page but no longer see the roster.
    html = client.get(circle.get_absolute_url()).content.decode()
    assert "Only members of the circle see this list." not in html


def test_the_last_organizer_is_told_why_they_cannot_leave(client, alice, circle):
    client.force_login(alice)
    response = client.post(reverse("circles:leave", kwargs={"slug": circle.slug}), {})
    assert response.status_code == 400
    assert "Make another member organizer first" in response.content.decode()
    assert circle.memberships.get(user=alice).status == Status.ACTIVE


def test_a_requester_withdraws(client, carol, circle):
    actions.join(circle, carol)
    client.force_login(carol)
    assert "Withdraw request" in client.get(circle.get_absolute_url()).content.decode()
    client.post(reverse("circles:leave", kwargs={"slug": circle.slug}), {})
    assert circle.memberships.get(user=carol).status == Status.LEFT


def test_outsider_cannot_leave_a_circle_they_are_not_in(client, carol, circle):
    client.force_login(carol)
    assert client.get(reverse("circles:leave", kwargs={"slug": circle.slug})).status_code == 403


def test_dashboard_lists_my_circles_with_role_status_and_size(
    client, alice, bob, circle, other_circle
):
    client.force_login(bob)
    html = client.get("/").content.decode()
    assert "Early Career Circle" in html
    assert "Member · Active · 2 members" in html
    assert "Other Circle" not in html
