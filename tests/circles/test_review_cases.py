"""Privacy and robustness cases: unverified addresses, removed members, leaks through
filters, program membership, double submits, a failing mail server, paused circles."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from circles import actions
from circles.models import Circle, Invitation, Membership, Topic
from members.models import User
from tests.factories import UserFactory, make_circle

pytestmark = pytest.mark.django_db

Status = Membership.Status
PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture
def secret(alice, committed):
    """An unlisted, invite-only circle with an open invitation to erin@example.org."""
    circle = make_circle(
        alice, name="Secret Circle", slug="secret", visibility="unlisted", join_policy="invite_only"
    )
    with committed():
        actions.invite(circle, ["erin@example.org"], by=alice)
    return circle


def test_an_unverified_address_neither_sees_nor_accepts_the_invitation(client, secret):
    mallory = UserFactory(email="erin@example.org", verified=False)
    EmailAddress.objects.create(user=mallory, email="erin@example.org", verified=False)
    client.force_login(mallory)
    assert client.get(secret.get_absolute_url()).status_code == 404
    accept = reverse("circles:invitation_accept", kwargs={"slug": secret.slug})
    assert client.post(accept, {"accept_charter": "on"}).status_code == 404
    assert not secret.memberships.filter(user=mallory).exists()
    assert "Secret Circle" not in client.get("/").content.decode()


def test_a_verified_secondary_address_may_accept(client, secret):
    erin = UserFactory(email="erin.work@example.org")
    EmailAddress.objects.create(user=erin, email="erin@example.org", verified=True)
    client.force_login(erin)
    assert client.get(secret.get_absolute_url()).status_code == 200
    client.post(
        reverse("circles:invitation_accept", kwargs={"slug": secret.slug}), {"accept_charter": "on"}
    )
    assert secret.is_member(erin)


def test_opening_an_invitation_then_signing_up_as_someone_else_verifies_nothing(
    client, secret, mailoutbox
):
    link_path = None
    for mail in mailoutbox:
        if "/invitations/" in mail.body:
            link_path = mail.body[mail.body.index("/invitations/") :].split()[0]
    client.get(link_path)
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Mallory",
            "email": "mallory@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    mallory = User.objects.get(email="mallory@example.org")
    assert list(EmailAddress.objects.filter(user=mallory).values_list("email", "verified")) == [
        ("mallory@example.org", False)
    ]


def test_removed_members_lose_sight_of_an_unlisted_circle_and_cannot_rejoin(
    alice, bob, circle, client
):
    circle.visibility = Circle.Visibility.UNLISTED
    circle.join_policy = Circle.JoinPolicy.OPEN
    circle.save()
    actions.remove(circle.memberships.get(user=bob), by=alice, reason="Harassment")
    client.force_login(bob)
    assert client.get(circle.get_absolute_url()).status_code == 404
    circle.visibility = Circle.Visibility.LISTED
    circle.save()
    response = client.post(
        reverse("circles:join", kwargs={"slug": circle.slug}), {"accept_charter": "on"}
    )
    assert response.status_code == 400
    assert "only an invitation can bring you back" in response.content.decode()
    assert not circle.memberships.current().filter(user=bob).exists()


def test_alumni_keep_reading_an_unlisted_circle(bob, circle, client):
    circle.visibility = Circle.Visibility.UNLISTED
    circle.save()
    actions.leave(circle.memberships.get(user=bob), by=bob)
    client.force_login(bob)
    assert client.get(circle.get_absolute_url()).status_code == 200


def test_the_topic_and_program_filters_name_only_findable_circles(client, alice, secret, program):
    secret.program = program
    secret.save()
    secret.topics.add(Topic.objects.get_or_create_named("Harassment at St Elsewhere"))
    make_circle(alice, name="Open Circle").topics.add(Topic.objects.get(slug="burnout"))
    form = client.get(reverse("circles:list")).context["form"]
    assert [t.name for t in form.fields["topic"].queryset] == ["Burnout and wellbeing"]
    assert list(form.fields["program"].queryset) == []
    assert "St Elsewhere" not in client.get(reverse("circles:list")).content.decode()


def test_an_organizer_who_is_not_a_program_admin_cannot_move_the_circle_out(client, alice, circle):
    client.force_login(alice)
    url = reverse("circles:edit", kwargs={"slug": circle.slug})
    assert "program" not in client.get(url).context["form"].fields
    data = {
        "name": circle.name,
        "slug": circle.slug,
        "program": "",
        "capacity": "12",
        "join_policy": "approval",
        "visibility": "listed",
        "timezone": "UTC",
        "meeting_format": "online",
    }
    assert client.post(url, data).status_code == 302
    circle.refresh_from_db()
    assert circle.program is not None


def test_a_double_submitted_new_circle_shows_an_error_not_a_500(client, alice, monkeypatch):
    from circles.forms import CircleForm

    make_circle(alice, name="Existing", slug="dup")
    # The second submit passed validation before the first one saved its address.
    monkeypatch.setattr(CircleForm, "clean_slug", lambda self: self.cleaned_data["slug"])
    monkeypatch.setattr(CircleForm, "validate_unique", lambda self: None)
    client.force_login(alice)
    response = client.post(
        reverse("circles:new"),
        {
            "kind": "peer_circle",
            "name": "Dup",
            "slug": "dup",
            "join_policy": "open",
            "visibility": "listed",
            "timezone": "UTC",
            "meeting_format": "online",
            "charter-mission": "M",
            "charter-guiding_principles": "P",
        },
    )
    assert response.status_code == 400
    assert "was just taken" in " ".join(response.context["form"].errors["slug"])
    assert Circle.objects.count() == 1
    assert Membership.objects.filter(circle__name="Dup").count() == 0


def test_a_failing_mail_server_neither_500s_nor_stops_the_other_invitations(
    client, alice, circle, committed, mailoutbox, monkeypatch
):
    from django.core.mail import EmailMultiAlternatives

    real_send = EmailMultiAlternatives.send

    def send(self, *args, **kwargs):
        if self.to == ["down@example.org"]:
            raise ConnectionRefusedError("SMTP is down")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    client.force_login(alice)
    with committed():
        response = client.post(
            reverse("circles:invite", kwargs={"slug": circle.slug}),
            {"emails": "down@example.org, up@example.org"},
        )
    assert response.status_code == 302
    assert Invitation.objects.count() == 2
    assert [m.to for m in mailoutbox] == [["up@example.org"]]


def test_reopening_a_paused_circle_fills_freed_seats_from_the_waitlist_first(alice, bob, circle):
    circle.capacity = 2
    circle.join_policy = Circle.JoinPolicy.OPEN
    circle.save()
    carol_ = UserFactory(full_name="Waiting Carol")
    assert actions.join(circle, carol_).status == Status.WAITLISTED
    actions.set_status(circle, Circle.Status.PAUSED, by=alice)
    actions.leave(circle.memberships.get(user=bob), by=bob)
    assert circle.memberships.get(user=carol_).status == Status.WAITLISTED  # paused
    actions.set_status(circle, Circle.Status.ACTIVE, by=alice)
    assert circle.memberships.get(user=carol_).status == Status.ACTIVE
    newcomer = UserFactory()
    assert actions.join(circle, newcomer).status == Status.WAITLISTED


def test_newcomers_queue_behind_people_already_waiting(alice, circle):
    circle.join_policy = Circle.JoinPolicy.OPEN
    circle.capacity = 3
    circle.save()
    Membership.objects.create(circle=circle, user=UserFactory(), status=Status.WAITLISTED)
    assert actions.join(circle, UserFactory()).status == Status.WAITLISTED


def test_waitlist_order_follows_the_time_people_joined_it_not_row_order(alice, bob, circle):
    from datetime import timedelta

    from django.utils import timezone

    circle.capacity = 2
    circle.join_policy = Circle.JoinPolicy.OPEN
    circle.save()
    later = Membership.objects.create(
        circle=circle, user=UserFactory(), status=Status.WAITLISTED, requested_at=timezone.now()
    )
    earlier = Membership.objects.create(
        circle=circle,
        user=UserFactory(),
        status=Status.WAITLISTED,
        requested_at=timezone.now() - timedelta(days=3),
    )
    assert later.pk < earlier.pk
    actions.leave(circle.memberships.get(user=bob), by=bob)
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert (earlier.status, later.status) == (Status.ACTIVE, Status.WAITLISTED)


def test_invitations_to_a_paused_circle_wait_and_archived_circles_cannot_invite(
    client, alice, circle, committed
):
    with committed():
        actions.invite(circle, ["erin@example.org"], by=alice)
    actions.set_status(circle, Circle.Status.PAUSED, by=alice)
    erin = UserFactory(email="erin@example.org")
    with pytest.raises(actions.MembershipError, match="paused"):
        actions.accept_invitation(Invitation.objects.get(), erin)
    assert Invitation.objects.get().is_usable  # still valid for later
    actions.set_status(circle, Circle.Status.ARCHIVED, by=alice)
    client.force_login(alice)
    response = client.post(
        reverse("circles:invite", kwargs={"slug": circle.slug}), {"emails": "gia@example.org"}
    )
    assert response.status_code == 400
    assert "reopen it before inviting" in response.content.decode()
    assert not Invitation.objects.filter(email="gia@example.org").exists()


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("online", {"Online", "Hybrid"}),
        ("in_person", {"In person", "Hybrid"}),
        ("hybrid", {"Hybrid"}),
    ],
)
def test_hybrid_circles_match_both_online_and_in_person(client, alice, choice, expected):
    for fmt, name in (("online", "Online"), ("in_person", "In person"), ("hybrid", "Hybrid")):
        make_circle(alice, name=name, meeting_format=fmt)
    response = client.get(reverse("circles:list"), {"meeting_format": choice})
    assert {c.name for c in response.context["page"].object_list} == expected
