"""allauth's account emails read right: the site's name where allauth says "Hello from
{{ site_name }}!", and every link on SITE_URL, whether a web request queued the email
or a process without a request (a worker, a management command) did."""

import re

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.password_reset import request_password_reset
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.urls import reverse

from outbox.models import Notification
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SITE = "http://roundtable.test:8101"
URL = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def assert_reads_right(mail) -> list[str]:
    """The greeting, the sign-off and the links of an allauth email; returns the links."""
    assert mail.subject.startswith("[Roundtable] ")
    assert mail.body.startswith("Hello from Roundtable!")
    assert "Thank you for using Roundtable!\nroundtable.test:8101" in mail.body
    assert "from !" not in mail.body and " on ." not in mail.body
    urls = URL.findall(mail.body)
    assert urls and all(url.startswith(SITE + "/") for url in urls), urls
    return urls


def test_the_confirmation_email_names_the_site_and_links_to_it(client, mailoutbox):
    client.post(
        reverse("account_signup"),
        {"full_name": "Erin Evans", "email": "erin@example.org", "password1": PASSWORD,
         "password2": PASSWORD, "timezone": "UTC"},
    )  # fmt: skip
    [mail] = mailoutbox
    [link] = assert_reads_right(mail)
    assert "register an account on roundtable.test:8101." in mail.body
    assert link.startswith(f"{SITE}/accounts/confirm-email/")


def test_the_password_reset_email_names_the_site_and_links_to_it(client, bob, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": bob.email})
    [mail] = mailoutbox
    [link] = assert_reads_right(mail)
    assert link.startswith(f"{SITE}/accounts/password/reset/key/")


def test_the_account_already_exists_email_names_the_site_and_links_to_it(client, bob, mailoutbox):
    client.post(
        reverse("account_signup"),
        {"full_name": "Bob again", "email": bob.email, "password1": PASSWORD,
         "password2": PASSWORD, "timezone": "UTC"},
    )  # fmt: skip
    [mail] = mailoutbox
    [link] = assert_reads_right(mail)
    assert f"{bob.email}\n" in mail.body
    assert link == f"{SITE}/accounts/password/reset/"


def test_the_unknown_account_email_names_the_site_and_links_to_it(client, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    [mail] = mailoutbox
    [link] = assert_reads_right(mail)
    assert link == f"{SITE}/accounts/signup/"


def test_links_ignore_the_host_the_request_came_in_on(client, bob, mailoutbox, settings):
    settings.ALLOWED_HOSTS = ["evil.example"]
    client.post(reverse("account_reset_password"), {"email": bob.email}, HTTP_HOST="evil.example")
    [mail] = mailoutbox
    assert "evil.example" not in mail.body
    assert_reads_right(mail)


# --- without a request, as a worker or a management command would send them -------------------


def test_a_confirmation_sent_without_a_request_reads_right(mailoutbox):
    user = UserFactory(email="erin@example.org", verified=False)
    address = EmailAddress.objects.get_or_create(user=user, email=user.email)[0]
    get_adapter().send_confirmation_mail(None, EmailConfirmationHMAC(address), signup=False)
    [mail] = mailoutbox
    [link] = assert_reads_right(mail)
    assert link.startswith(f"{SITE}/accounts/confirm-email/")


def test_a_password_reset_sent_without_a_request_reads_right(bob, mailoutbox):
    request_password_reset(None, bob.email, [bob], None)
    [mail] = mailoutbox
    [link] = assert_reads_right(mail)
    assert link.startswith(f"{SITE}/accounts/password/reset/key/")


def test_an_account_already_exists_email_sent_without_a_request_reads_right(bob, mailoutbox):
    get_adapter().send_account_already_exists_mail(bob.email)
    [mail] = mailoutbox
    [link] = assert_reads_right(mail)
    assert link == f"{SITE}/accounts/password/reset/"
    assert Notification.objects.get().status == "sent"
