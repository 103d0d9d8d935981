import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from circles import actions
from circles.models import Circle, Invitation, Membership
from members.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"


def invite_url(circle):
    return reverse("circles:invite", kwargs={"slug": circle.slug})


def link_in(mail) -> str:
    return re.search(r"https?://[^/\s]+(/invitations/[\w-]+/)", mail.body)[1]


@pytest.fixture
def send(client, alice, committed):
    def post(circle, emails):
        client.force_login(alice)
        with committed():
            return client.post(invite_url(circle), {"emails": emails}, follow=True)

    return post


@pytest.fixture
def invited(circle, alice, committed, mailoutbox):
    """An invitation to erin@example.org and the path of its emailed link."""
    with committed():
        actions.invite(circle, ["erin@example.org"], by=alice)
    return Invitation.objects.get(email="erin@example.org"), link_in(mailoutbox[-1])


def test_organizer_invites_several_people_at_once(send, circle, mailoutbox):
    response = send(circle, "erin@example.org, Frank <FRANK@example.org>\n\ngia@example.org;")
    html = response.content.decode()
    assert "Invitation sent to 3 addresses" in html
    assert sorted(m.to[0] for m in mailoutbox) == [
        "erin@example.org",
        "frank@example.org",
        "gia@example.org",
    ]
    mail = mailoutbox[0]
    assert "Alice invites you to Early Career Circle" in mail.subject
    assert link_in(mail).startswith("/invitations/")
    assert "valid until" in mail.body
    assert circle.invitations.count() == 3
    assert "frank@example.org" in html  # listed as pending


def test_malformed_and_duplicate_addresses_are_skipped_and_the_rest_go_out(
    send, circle, bob, mailoutbox
):
    response = send(
        circle, "erin@example.org, not-an-email, erin@example.org, bob@example.org, x@y"
    )
    html = response.content.decode()
    assert "Invitation sent to 1 address: erin@example.org" in html
    assert "Skipped not-an-email: not a valid email address" in html
    assert "Skipped erin@example.org: listed twice" in html
    assert "Skipped bob@example.org: already a member" in html
    assert "Skipped x@y: not a valid email address" in html
    assert [m.to for m in mailoutbox] == [["erin@example.org"]]


def test_inviting_someone_already_invited_is_skipped(send, circle, invited, mailoutbox):
    sent_before = len(mailoutbox)
    html = send(circle, "erin@example.org").content.decode()
    assert "already invited" in html
    assert len(mailoutbox) == sent_before


def test_a_box_with_no_valid_address_shows_an_error_and_sends_nothing(
    client, alice, circle, mailoutbox
):
    client.force_login(alice)
    response = client.post(invite_url(circle), {"emails": "nope, also nope"})
    assert response.status_code == 400
    assert "None of these is a valid email address" in response.content.decode()
    assert not Invitation.objects.exists() and not mailoutbox


def test_more_than_a_hundred_addresses_at_once_is_refused(client, alice, circle):
    client.force_login(alice)
    emails = ", ".join(f"p{i}@example.org" for i in range(101))
    response = client.post(invite_url(circle), {"emails": emails})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_the_emailed_link_shows_a_page_and_a_get_changes_nothing(client, circle, invited):
    invitation, link = invited
    response = client.get(link)
    assert response.status_code == 200
    html = response.content.decode()
    assert "You are invited to Early Career Circle" in html
    assert "What is said here stays here." in html  # the charter
    assert "Create an account" in html
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_tokens_are_stored_hashed(invited):
    invitation, link = invited
    token = link.strip("/").split("/")[-1]
    assert len(token) >= 40
    assert token not in invitation.token_hash
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_a_new_person_signs_up_through_the_invitation_and_lands_in_the_circle(
    client, circle, invited, mailoutbox
):
    invitation, link = invited
    page = client.get(link).content.decode()
    signup = re.search(r'href="(/accounts/signup/\?[^"]+)"', page)[1].replace("&amp;", "&")
    form = client.get(signup)
    assert form.context["form"].initial["email"] == "erin@example.org"
    response = client.post(
        signup,
        {
            "full_name": "Erin Evans",
            "email": "erin@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "timezone": "UTC",
        },
    )
    # The invitation proved the address: no separate verification email, straight back.
    assert response.status_code == 302
    assert response["Location"] == link
    erin = User.objects.get(email="erin@example.org")
    assert EmailAddress.objects.get(user=erin).verified
    accepted = client.post(link, {"accept_charter": "on"}, follow=True)
    assert "Welcome to Early Career Circle!" in accepted.content.decode()
    membership = circle.memberships.get(user=erin)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.invitation == invitation
    assert membership.charter_accepted == circle.current_charter
    assert "Erin Evans" in client.get(circle.get_absolute_url()).content.decode()


def test_an_existing_member_accepts_with_their_account(client, circle, invited):
    _, link = invited
    erin = UserFactory(email="erin@example.org", full_name="Erin Evans")
    client.force_login(erin)
    response = client.post(link, {})
    assert response.status_code == 400  # charter not accepted
    assert not circle.memberships.filter(user=erin).exists()
    client.post(link, {"accept_charter": "on"})
    assert circle.is_member(erin)
    # The link now only leads back to the circle for them.
    again = client.get(link)
    assert again.status_code == 302 and again["Location"] == circle.get_absolute_url()


def test_the_invitee_can_accept_from_the_circle_page_without_the_link(client, circle, invited):
    circle.visibility = Circle.Visibility.UNLISTED
    circle.save()
    erin = UserFactory(email="erin@example.org")
    client.force_login(erin)
    html = client.get(circle.get_absolute_url()).content.decode()
    assert "Accept the invitation" in html
    assert "Invitation to" in client.get("/").content.decode()
    client.post(
        reverse("circles:invitation_accept", kwargs={"slug": circle.slug}), {"accept_charter": "on"}
    )
    assert circle.is_member(erin)


def test_someone_else_logged_in_cannot_accept(client, circle, invited, carol):
    invitation, link = invited
    client.force_login(carol)
    response = client.get(link)
    assert response.status_code == 403
    assert "It was sent to <strong>erin@example.org</strong>" in response.content.decode()
    assert client.post(link, {"accept_charter": "on"}).status_code == 403
    assert not circle.memberships.filter(user=carol).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_unknown_link_shows_a_clear_404_page(client):
    response = client.get("/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()


def test_expired_link_shows_a_clear_page(client, invited):
    invitation, link = invited
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(link)
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    assert "Ask Alice to resend it" in response.content.decode()


def test_revoked_link_shows_a_clear_page(client, alice, circle, invited):
    invitation, link = invited
    client.force_login(alice)
    client.post(
        reverse("circles:invitation_revoke", kwargs={"slug": circle.slug, "pk": invitation.pk})
    )
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert "This invitation was withdrawn" in response.content.decode()


def test_reused_link_shows_a_clear_page_to_anyone_else(client, circle, invited):
    invitation, link = invited
    erin = UserFactory(email="erin@example.org")
    actions.accept_invitation(invitation, erin)
    response = client.get(link)
    assert response.status_code == 410
    assert "This invitation was already used" in response.content.decode()


def test_resend_sends_a_fresh_link_and_the_old_one_stops_working(
    client, alice, circle, invited, mailoutbox, committed
):
    invitation, old_link = invited
    client.force_login(alice)
    with committed():
        client.post(
            reverse("circles:invitation_resend", kwargs={"slug": circle.slug, "pk": invitation.pk})
        )
    new_link = link_in(mailoutbox[-1])
    assert new_link != old_link
    client.logout()
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200
    invitation.refresh_from_db()
    assert invitation.send_count == 2


def test_inviting_again_after_expiry_refreshes_the_invitation(
    circle, alice, invited, committed, mailoutbox
):
    invitation, _ = invited
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    with committed():
        result = actions.invite(circle, ["erin@example.org"], by=alice)
    assert result.sent == ["erin@example.org"]
    assert Invitation.objects.count() == 1
    assert Invitation.objects.get().is_usable


def test_organizers_of_other_circles_cannot_resend_or_revoke(
    client, olga, circle, invited, other_circle
):
    invitation, _ = invited
    client.force_login(olga)
    for name in ("circles:invitation_resend", "circles:invitation_revoke"):
        assert (
            client.post(
                reverse(name, kwargs={"slug": circle.slug, "pk": invitation.pk})
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse(name, kwargs={"slug": other_circle.slug, "pk": invitation.pk})
            ).status_code
            == 404
        )


def test_accepting_into_a_full_circle_puts_the_invitee_on_the_waitlist(circle, invited):
    invitation, _ = invited
    circle.capacity = 2
    circle.save()
    erin = UserFactory(email="erin@example.org")
    membership = actions.accept_invitation(invitation, erin)
    assert membership.status == Membership.Status.WAITLISTED


def test_an_invitation_turns_a_pending_request_into_a_seat(circle, alice, invited):
    invitation, _ = invited
    erin = UserFactory(email="erin@example.org")
    request = actions.join(circle, erin)
    actions.accept_invitation(invitation, erin)
    request.refresh_from_db()
    assert request.status == Membership.Status.ACTIVE
    assert circle.memberships.filter(user=erin).count() == 1


def test_invitations_to_an_archived_circle_show_a_clear_page(client, circle, invited):
    _, link = invited
    circle.status = Circle.Status.ARCHIVED
    circle.save()
    response = client.get(link)
    assert response.status_code == 410
    assert "has closed" in response.content.decode()


def test_invite_help_text_shows_the_name_and_address_example_as_text(client, alice, circle):
    client.force_login(alice)
    html = client.get(invite_url(circle)).content.decode()
    # Escaped once: the browser shows "Erin Evans <erin@example.org>", not an HTML tag.
    assert "Erin Evans &lt;erin@example.org&gt;" in html
    assert "<address>" not in html and "&amp;lt;" not in html


def test_pending_invitations_list_the_name_given_with_the_address(send, circle):
    html = send(circle, "Frank  Fischer <FRANK@example.org>, gia@example.org").content.decode()
    assert circle.invitations.get(email="frank@example.org").name == "Frank Fischer"
    assert circle.invitations.get(email="gia@example.org").name == ""
    pending = html[html.index("Pending invitations") :]
    assert "Frank Fischer" in pending
    assert "frank@example.org" in pending
    assert "gia@example.org" in pending


def test_a_script_as_invitee_name_is_shown_as_text(send, circle):
    html = send(circle, '"<script>x</script>" <frank@example.org>').content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
