import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def test_member_logs_in_with_email_in_any_case(client, bob):
    response = client.post(LOGIN, {"login": "BOB@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == bob.pk


def test_wrong_password_shows_an_error_and_does_not_log_in(client, bob):
    response = client.post(LOGIN, {"login": "bob@example.org", "password": "wrong-password-1"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_are_rate_limited(client, bob):
    for _ in range(5):
        client.post(LOGIN, {"login": "bob@example.org", "password": "wrong-password-1"})
    # Even the right password is refused while the limit holds.
    response = client.post(LOGIN, {"login": "bob@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert b"Too many failed login attempts" in response.content


def test_logout_needs_a_post(client, bob):
    client.force_login(bob)
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert "_auth_user_id" in client.session  # GET only asks for confirmation
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_nav_offers_log_out_as_a_form_for_members(client, bob):
    client.force_login(bob)
    html = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("account_logout")}"' in html
    assert "Log out" in html


@pytest.mark.parametrize(
    "url",
    [
        reverse("home") + "?x=1",
        reverse("members:profile"),
        reverse("members:profile_edit"),
        reverse("circles:new"),
        reverse("meetings:list"),
        reverse("reports:overview"),
        reverse("account_change_password"),
        reverse("account_email"),
    ],
)
def test_anonymous_visitor_is_sent_to_log_in(client, url):
    response = client.get(url)
    if url.startswith(reverse("home") + "?"):
        # The home page is the public landing page for visitors, not a redirect.
        assert response.status_code == 200
        assert b"Create your account" in response.content
        return
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
