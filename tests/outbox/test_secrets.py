"""A sent outbox row holds no usable secret: links with tokens or keys (invitations,
email confirmations, password resets, one-click RSVPs, surveys) live in the row's
`secrets` only until the message goes out, and the delivered email still carries them."""

import re
import smtplib
from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from circles import actions as circle_actions
from meetings import actions as meeting_actions
from meetings import reminders
from meetings.models import Format, Meeting
from outbox import delivery, kinds
from outbox.admin import NotificationAdmin
from outbox.messages import queue_rendered
from outbox.models import Notification, secret_slot
from tests.factories import PASSWORD, UserFactory, due_reminders

pytestmark = pytest.mark.django_db

URL = re.compile(r"https?://[^\s\"'<>]+")
# The pages a token in an emailed link opens.
SECRET_ROUTES = {
    "circles:invitation",
    "account_confirm_email",
    "account_reset_password_from_key",
    "meetings:rsvp_link",
    "meetings:survey",
}


def secret_route(url: str) -> bool:
    try:
        return resolve(urlsplit(url).path).view_name in SECRET_ROUTES
    except Resolver404:
        return False


def opens(url: str) -> bool:
    """Whether `url` still does what its token allows, for someone who only has the link
    (a fresh, anonymous browser). GETs change nothing, so trying is harmless."""
    response = Client().get(urlsplit(url).path, follow=True)
    if response.status_code != 200:
        return False
    context = response.context
    if "token_fail" in context:  # allauth's password reset page
        return not context["token_fail"]
    if "confirmation" in context:  # allauth's email confirmation page
        return context["confirmation"] is not None
    return True


def urls_in(mail) -> list[str]:
    bodies = [mail.body] + [body for body, _mime in getattr(mail, "alternatives", [])]
    return [url for body in bodies for url in URL.findall(body)]


def everything_stored() -> str:
    """Every column of every outbox row, as text."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Notification._meta.db_table}")  # noqa: S608 (our table)
        return "\n".join(str(value) for row in cursor.fetchall() for value in row)


@pytest.fixture
def every_kind_of_secret(client, alice, bob, circle, committed, mailoutbox):
    """Send, through the real paths, one of each email that carries a secret link."""
    with committed():
        circle_actions.invite(circle, ["erin@example.org"], by=alice)
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Frank Fisher",
            "email": "frank@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "timezone": "UTC",
        },
    )
    client.post(reverse("account_reset_password"), {"email": bob.email})
    due_reminders(1)  # RSVP links, built at send time
    held = meeting_actions.schedule(
        circle,
        day=timezone.localdate() - timedelta(days=1),
        at=time(9),
        minutes=60,
        zone="UTC",
        details=meeting_actions.Details("Circle", Format.ONLINE, "https://example.org/meet"),
        by=alice,
    )
    Meeting.objects.filter(pk=held.pk).update(
        start=timezone.now() - timedelta(hours=4), end=timezone.now() - timedelta(hours=3)
    )
    held.mark(bob, status="present", note="", by=alice)
    reminders.plan_surveys()
    Notification.objects.filter(kind="survey").update(due_at=timezone.now())
    delivery.deliver_due()
    return [url for mail in mailoutbox for url in urls_in(mail) if secret_route(url)]


def test_delivered_emails_carry_working_links(every_kind_of_secret):
    links = every_kind_of_secret
    routes = {resolve(urlsplit(url).path).view_name for url in links}
    assert routes == SECRET_ROUTES  # one of each, so the scan below means something
    assert all(opens(url) for url in links), [url for url in links if not opens(url)]


def test_no_link_stored_in_the_outbox_opens_anything(every_kind_of_secret):
    assert not Notification.objects.exclude(status="sent").exists()
    stored = everything_stored()
    for url in every_kind_of_secret:
        token = urlsplit(url).path.rstrip("/").split("/")[-1]
        assert token not in stored, url
    for url in URL.findall(stored):
        assert not (secret_route(url) and opens(url)), url
    assert not Notification.objects.exclude(secrets={}).exists()


def test_a_stored_message_shows_where_its_secret_link_was(every_kind_of_secret):
    invitation = Notification.objects.get(kind="invitation")
    assert secret_slot("invitation_url") in invitation.body_text
    assert "[link removed after sending" in invitation.body_html
    reset = Notification.objects.filter(kind="account", body_text__contains="password reset").get()
    assert secret_slot("password_reset_url") in reset.body_text


def test_secrets_are_put_back_escaped_in_html_and_as_they_are_in_text(bob, mailoutbox):
    url = "https://roundtable.test/x/?a=1&b=2"
    queue_rendered(
        "account",
        bob.email,
        subject="Hello",
        text=f"Open {secret_slot('link')}",
        html=f'<a href="{secret_slot("link")}">open</a>',
        secrets={"link": url},
    )
    [mail] = mailoutbox
    assert mail.body == f"Open {url}"
    assert mail.alternatives[0][0] == '<a href="https://roundtable.test/x/?a=1&amp;b=2">open</a>'


def test_a_row_given_up_after_its_last_attempt_keeps_no_secret(bob, settings, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    queue_rendered("account", bob.email, subject="Hi", text=secret_slot("k"), secrets={"k": "s"})
    row = Notification.objects.get()
    for _ in range(delivery.MAX_ATTEMPTS):
        Notification.objects.filter(pk=row.pk).update(due_at=timezone.now())
        delivery.deliver_due()
    row.refresh_from_db()
    assert (row.status, row.secrets) == ("failed", {})


def test_a_row_kept_pending_by_a_transient_error_keeps_its_secret(bob, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    queue_rendered("account", bob.email, subject="Hi", text=secret_slot("k"), secrets={"k": "s"})
    row = Notification.objects.get()
    assert (row.status, row.secrets) == ("pending", {"k": "s"})


def no_longer_wanted(row, cache):
    return None


def test_a_row_no_longer_wanted_keeps_no_secret(bob):
    kind = kinds.register("test_unwanted", "Test", build=no_longer_wanted)
    row = Notification.objects.create(
        kind=kind, email=bob.email, dedupe_key="unwanted", secrets={"k": "s"}
    )
    delivery.deliver_due()
    row.refresh_from_db()
    assert (row.status, row.secrets) == ("cancelled", {})


def test_send_again_skips_failed_rows_whose_links_were_removed(client, bob):
    operator = UserFactory(email="ops@example.org", is_staff=True, is_superuser=True)
    client.force_login(operator)
    queue_rendered("account", bob.email, subject="Hi", text="no secret here")
    queue_rendered("account", bob.email, subject="Hi", text=secret_slot("k"), secrets={"k": "s"})
    Notification.objects.update(status="failed", secrets={})
    response = client.post(
        reverse("admin:outbox_notification_changelist"),
        {"action": "retry_now", "_selected_action": [n.pk for n in Notification.objects.all()]},
        follow=True,
    )
    html = response.content.decode()
    assert "1 notifications will be sent at the next sweep" in html
    assert "1 could not be sent again" in html
    statuses = dict(Notification.objects.values_list("body_text", "status"))
    assert statuses == {"no secret here": "pending", secret_slot("k"): "failed"}
    assert "secrets" in NotificationAdmin.exclude


def test_rows_stored_before_the_secrets_column_are_scrubbed_by_the_migration(
    every_kind_of_secret, bob, mailoutbox
):
    """Rows written by the previous release kept their links in the bodies: the data
    migration removes them from rows that went out and moves them into `secrets` for a
    row still to be sent, whose delivered email then carries the working link."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("outbox.migrations.0004_scrub_stored_links")
    links = every_kind_of_secret
    old_body = "Links: " + " ".join(links)
    Notification.objects.update(body_text=old_body, body_html=f"<p>{old_body}</p>")
    invitation_link = next(u for u in links if "/invitations/" in u)
    waiting = Notification.objects.create(  # as the previous release stored it
        kind="account",
        recipient=bob,
        email=bob.email,
        subject="Old invitation",
        body_text=f"Join us: {invitation_link}",
        body_html=f'<a href="{invitation_link}">Join us</a>',
        dedupe_key="account:before-the-secrets-column",
        due_at=timezone.now(),
    )
    migration.scrub_links(apps, None)

    sent = Notification.objects.exclude(pk=waiting.pk)
    assert all(migration.REMOVED_LINK in row.body_text for row in sent)
    assert not sent.exclude(secrets={}).exists()
    waiting.refresh_from_db()
    assert waiting.secrets == {"stored_link_1": invitation_link}
    mailoutbox.clear()
    delivery.deliver_due()
    assert invitation_link in mailoutbox[0].body and opens(invitation_link)
    waiting.refresh_from_db()
    assert waiting.status == "sent" and waiting.secrets == {}
    stored = everything_stored()
    for url in links:
        assert urlsplit(url).path.rstrip("/").split("/")[-1] not in stored, url
