import re

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "an-entirely-new-passphrase"


def test_password_reset_link_from_the_email_sets_a_new_password(client, bob, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "bob@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body)[1]

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    assert "password1" in form_page.context["form"].fields
    response = client.post(form_page.redirect_chain[-1][0], {"password1": NEW, "password2": NEW})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(NEW)

    client.logout()
    client.post(reverse("account_login"), {"login": "bob@example.org", "password": NEW})
    assert int(client.session["_auth_user_id"]) == bob.pk


def test_reset_for_unknown_address_reveals_nothing(client, bob, mailoutbox):
    known = client.post(reverse("account_reset_password"), {"email": "bob@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [m.to for m in mailoutbox] == [["bob@example.org"], ["nobody@example.org"]]
    # The unknown address is told someone tried, with no reset link in it.
    assert "/password/reset/key/" not in mailoutbox[1].body


def test_password_reset_requests_are_rate_limited(client, bob, mailoutbox):
    for _ in range(8):
        client.post(reverse("account_reset_password"), {"email": "bob@example.org"})
    assert 0 < len(mailoutbox) < 8


def test_tampered_reset_link_shows_a_clear_page(client, bob):
    response = client.get("/accounts/password/reset/key/1-bogus-token/", follow=True)
    assert response.status_code == 200
    assert b"invalid" in response.content.lower()


def test_member_changes_password_with_the_old_one(client, bob):
    client.force_login(bob)
    url = reverse("account_change_password")
    wrong = client.post(url, {"oldpassword": "nope-nope-nope", "password1": NEW, "password2": NEW})
    assert wrong.status_code == 200
    assert "oldpassword" in wrong.context["form"].errors
    client.post(url, {"oldpassword": PASSWORD, "password1": NEW, "password2": NEW})
    bob.refresh_from_db()
    assert bob.check_password(NEW)


def test_member_changes_email_after_verifying_the_new_address(client, bob, mailoutbox):
    client.force_login(bob)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "robert@example.org"}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.email == "bob@example.org"  # unchanged until verified
    assert mailoutbox[-1].to == ["robert@example.org"]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mailoutbox[-1].body)[1]
    client.post(link)
    bob.refresh_from_db()
    assert bob.email == "robert@example.org"
    assert list(bob.emailaddress_set.values_list("email", flat=True)) == ["robert@example.org"]
