import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.models import User

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")
GOOD = "a-long-and-unusual-passphrase"


def signup_data(**overrides):
    data = {
        "full_name": "Erin  Evans ",
        "email": "Erin@Example.org",
        "password1": GOOD,
        "password2": GOOD,
        "timezone": "Europe/Berlin",
    }
    data.update(overrides)
    return data


def confirmation_link(mail) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.body).group(1)


def test_signup_page_has_name_email_password_and_browser_timezone(client):
    html = client.get(SIGNUP).content.decode()
    for name in ("full_name", "email", "password1", "password2"):
        assert f'name="{name}"' in html
    # A visible timezone picker, which static/js/timezone-picker.js presets to the
    # browser's zone; without JavaScript it starts at UTC.
    assert 'data-browser-timezone="fill"' in html
    assert '<select name="timezone"' in html
    assert '<option value="UTC" selected data-aliases="' in html


def test_a_signup_form_sent_back_with_errors_keeps_the_chosen_zone_without_refilling(client):
    html = client.post(SIGNUP, signup_data(password2="something-else")).content.decode()
    assert '<option value="Europe/Berlin" selected' in html
    assert 'data-browser-timezone="suggest"' in html
    assert not User.objects.exists()


def test_visitor_signs_up_with_name_email_and_timezone(client, mailoutbox):
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert user.email == "erin@example.org"
    assert user.full_name == "Erin Evans"
    assert user.timezone == "Europe/Berlin"
    assert user.check_password(GOOD)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["erin@example.org"]
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_signup_with_an_unknown_timezone_says_so_next_to_the_field(client):
    response = client.post(SIGNUP, signup_data(timezone="Mars/Olympus_Mons"))
    assert "is not a timezone we know" in response.content.decode()
    assert not User.objects.exists()


def test_signup_with_an_old_zone_name_saves_the_current_one(client):
    client.post(SIGNUP, signup_data(timezone="Asia/Calcutta"))
    assert User.objects.get().timezone == "Asia/Kolkata"


def test_signup_without_javascript_gets_utc(client):
    client.post(SIGNUP, signup_data(timezone=""))
    assert User.objects.get().timezone == "UTC"


def test_verification_link_confirms_only_on_post_and_logs_in(client, mailoutbox):
    client.post(SIGNUP, signup_data())
    link = confirmation_link(mailoutbox[0])

    # A mail scanner following the link must not confirm the address.
    page = client.get(link)
    assert page.status_code == 200
    assert not EmailAddress.objects.get(email="erin@example.org").verified
    assert b'method="post"' in page.content

    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="erin@example.org").verified
    assert client.get(reverse("home")).context["user"].email == "erin@example.org"


def test_unverified_person_cannot_log_in(client, mailoutbox):
    client.post(SIGNUP, signup_data())
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "erin@example.org", "password": GOOD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1pw!", "at least 10 characters"),
        ("password123", "too common"),
        ("1234567890123", "entirely numeric"),
    ],
)
def test_weak_password_is_refused_next_to_the_field(client, password, message):
    response = client.post(SIGNUP, signup_data(password1=password, password2=password))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["password1"])
    assert not User.objects.exists()


def test_a_72_character_passphrase_is_accepted(client):
    long_password = "correct horse battery staple " * 2 + "and a few more words"
    assert len(long_password) >= 64
    client.post(SIGNUP, signup_data(password1=long_password, password2=long_password))
    assert User.objects.get().check_password(long_password)


def test_signup_with_a_registered_email_reveals_nothing_and_warns_the_owner(
    client, bob, mailoutbox
):
    # Enumeration protection: the visitor sees the same page as a real sign-up, and the
    # address's owner is told by email instead.
    response = client.post(SIGNUP, signup_data(email="BOB@example.org"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.count() == 1
    assert mailoutbox[0].to == ["bob@example.org"]
    assert "already" in mailoutbox[0].body


@pytest.mark.parametrize(
    ("field", "value"),
    [("full_name", ""), ("full_name", "   "), ("full_name", "x" * 151), ("email", "not-an-email")],
)
def test_bad_signup_input_is_shown_next_to_the_field_and_nothing_saved(client, field, value):
    response = client.post(SIGNUP, signup_data(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()


def test_script_in_name_is_stored_as_text_and_escaped(client, mailoutbox):
    client.post(SIGNUP, signup_data(full_name="<script>alert(1)</script>"))
    link = confirmation_link(mailoutbox[0])
    client.post(link)
    html = client.get(reverse("members:profile")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_email_longer_than_the_column_is_refused_not_truncated(client):
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"
    assert 254 < len(email) <= 320
    response = client.post(SIGNUP, signup_data(email=email))
    assert response.status_code == 200
    assert "at most 254 characters" in " ".join(response.context["form"].errors["email"])
    assert not User.objects.exists()


def test_signup_answers_the_same_page_for_a_new_and_a_registered_email(client, bob, mailoutbox):
    new = client.post(SIGNUP, signup_data(email="newcomer@example.org"), follow=True)
    client.logout()
    existing = client.post(SIGNUP, signup_data(email="bob@example.org"), follow=True)
    assert new.status_code == existing.status_code == 200
    assert new.redirect_chain == existing.redirect_chain
    # The page names the address typed; apart from that it is the same, byte for byte.
    new_page = new.content.decode().replace("newcomer@example.org", "ADDRESS")
    existing_page = existing.content.decode().replace("bob@example.org", "ADDRESS")
    assert new_page == existing_page
    assert "already" not in existing_page.lower()
    # Only the newcomer got an account; bob was told by email that he already has one.
    assert User.objects.filter(email="newcomer@example.org").exists()
    assert User.objects.count() == 2
    to_bob = [m for m in mailoutbox if m.to == ["bob@example.org"]]
    assert len(to_bob) == 1
    assert "already" in to_bob[0].body


def test_signup_takes_about_as_long_for_a_registered_email(client, bob, settings):
    import statistics
    import time

    # Production's slow hasher: without the dummy hash a registered address answered in
    # 18 ms and a new one in 253 ms.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

    def timed(email: str) -> float:
        client.logout()
        start = time.perf_counter()
        response = client.post(SIGNUP, signup_data(email=email))
        elapsed = time.perf_counter() - start
        assert response.status_code == 302
        return elapsed

    new, existing = [], []
    for n in range(3):  # interleaved, so a busy machine slows both alike
        new.append(timed(f"newcomer{n}@example.org"))
        existing.append(timed("bob@example.org"))
    ratio = statistics.median(existing) / statistics.median(new)
    assert ratio > 0.5, f"registered {existing} vs new {new}"
