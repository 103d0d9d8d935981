"""No admin page, shortcut, history entry or CSV reveals a token: calendar feeds,
invitations, surveys, RSVP links (signed, stored only in the outbox's rendered bodies) and
passwords. Every model that holds one is checked, and a new token field anywhere fails the
first test until it is added to SECRET_FIELDS."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from circles.models import Invitation
from config.admin_exports import NEVER_EXPORTED, SECRET_FIELDS, holds_secret
from config.tokens import hash_token
from meetings.models import CalendarFeed, Meeting, Survey
from meetings.reminders import rsvp_token
from outbox.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INVITATION_TOKEN = "invitation-token-0123456789abcdef"
SURVEY_TOKEN = "survey-token-0123456789abcdef"


def _label(model, field) -> str:
    return f"{model._meta.label}.{field.name}"


def test_every_token_field_is_a_secret_and_never_exported():
    tokens = {
        _label(model, field)
        for model in apps.get_models()
        if model._meta.app_label in ("members", "circles", "meetings", "outbox", "reports")
        for field in model._meta.fields
        if "token" in field.name or field.name == "password"
    }
    assert tokens == SECRET_FIELDS
    assert SECRET_FIELDS <= NEVER_EXPORTED


SECRET_MODELS = sorted(
    (model for model in admin.site._registry if holds_secret(model)),
    key=lambda model: model._meta.label,
)


def test_every_model_that_holds_a_token_is_checked_here():
    assert {model._meta.label for model in SECRET_MODELS} == {
        "meetings.CalendarFeed",
        "meetings.Survey",
        "circles.Invitation",
        "members.User",
    }


@pytest.fixture
def secrets(every_row, bob, alice):
    """Each secret as stored and as emailed, for every model that holds one."""
    meeting = every_row
    feed = CalendarFeed.objects.get(user=bob)
    invitation = Invitation.objects.get()
    invitation.token_hash = hash_token(INVITATION_TOKEN)
    invitation.save()
    survey = Survey.objects.get()
    survey.token_hash = hash_token(SURVEY_TOKEN)
    survey.save()
    rsvp = rsvp_token(meeting, bob, "yes")
    # The outbox keeps the emailed links in the rendered bodies.
    for kind, link in [
        ("invitation", f"/invitations/{INVITATION_TOKEN}/"),
        ("reminder", f"/rsvp/{rsvp}/"),
        ("survey", f"/surveys/{SURVEY_TOKEN}/"),
    ]:
        Notification.objects.create(
            kind=kind,
            recipient=bob,
            email=bob.email,
            circle=meeting.circle,
            meeting=meeting,
            dedupe_key=f"{kind}:{meeting.pk}:{bob.pk}:secret",
            subject="Your link",
            body_text=f"Open https://example.org{link}",
            body_html=f'<a href="https://example.org{link}">Open</a>',
        )
    bob.refresh_from_db()
    password = bob.password.split("$")
    return {
        feed.token,
        INVITATION_TOKEN,
        invitation.token_hash,
        SURVEY_TOKEN,
        survey.token_hash,
        rsvp,
        bob.password,
        # What Django's password widget would print of it (the first characters).
        password[-2][:6],
        password[-1][:6],
    }


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _assert_no_secret(text: str, secrets: set[str], where):
    for secret in secrets:
        assert secret not in text, (where, secret)


@pytest.mark.parametrize(
    "model", [*SECRET_MODELS, Notification], ids=lambda model: model._meta.label
)
def test_no_admin_page_history_or_csv_shows_a_token(ops, operator, secrets, model):
    model_admin = admin.site._registry[model]
    objects = list(model._default_manager.order_by("pk"))
    assert objects
    # A history entry as an operator's edit writes it.
    request = type("Request", (), {"user": operator})()
    for obj in objects:
        model_admin.log_change(request, obj, [{"changed": {"fields": ["Email"]}}])
    pages = [_url(model, "changelist"), _url(model, "changelist") + "?q=a"]
    for obj in objects:
        pages += [_url(model, view, obj.pk) for view in ("change", "history", "delete")]
    for page in pages:
        response = ops.get(page)
        assert response.status_code in (200, 403), page
        text = response.content.decode()
        _assert_no_secret(text, secrets, page)
        # No "View on site" either: for a feed it leads straight to the token.
        assert "/admin/r/" not in text or not holds_secret(model), page
    response = ops.post(
        _url(model, "changelist"),
        {
            "action": "export_selected_as_csv",
            "_selected_action": [obj.pk for obj in objects],
            "index": "0",
        },
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    _assert_no_secret(b"".join(response.streaming_content).decode(), secrets, "CSV")
    for entry in LogEntry.objects.filter(content_type__model=model._meta.model_name):
        _assert_no_secret(f"{entry.object_repr} {entry.get_change_message()}", secrets, entry)


def _shortcut(obj) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


def test_staff_without_permissions_cannot_open_a_feed_through_the_shortcut(client, bob):
    feed = CalendarFeed.for_user(bob)
    client.force_login(UserFactory(email="support@example.org", is_staff=True))
    response = client.get(_shortcut(feed))
    assert response.status_code == 404
    assert feed.token not in response.get("Location", "")


@pytest.mark.parametrize("model", SECRET_MODELS, ids=lambda model: model._meta.label)
def test_the_shortcut_refuses_every_model_that_holds_a_token_even_to_a_superuser(
    ops, secrets, model
):
    for obj in model._default_manager.all():
        response = ops.get(_shortcut(obj))
        assert response.status_code == 404, obj
        _assert_no_secret(response.get("Location", ""), secrets, obj)


def test_the_shortcut_still_opens_a_meeting_for_staff_who_may_view_it(client, every_row):
    staff = UserFactory(email="support@example.org", is_staff=True)
    client.force_login(staff)
    assert client.get(_shortcut(every_row)).status_code == 404
    staff.user_permissions.add(Permission.objects.get(codename="view_meeting"))
    response = client.get(_shortcut(every_row))
    assert response.status_code == 302
    assert response["Location"].endswith(every_row.get_absolute_url())


def test_the_shortcut_answers_404_for_nonsense(ops, every_row):
    meeting_type = ContentType.objects.get_for_model(Meeting).pk
    for url in [
        f"/admin/r/x/{every_row.pk}/",
        f"/admin/r/99999999999999999999/{every_row.pk}/",
        f"/admin/r/{meeting_type}/x/",
        f"/admin/r/{meeting_type}/99999999999999999999/",
        f"/admin/r/{ContentType.objects.get_for_model(LogEntry).pk}/1/",
    ]:
        assert ops.get(url).status_code == 404, url


def test_a_members_feed_keeps_working_for_the_member(client, bob, every_row):
    feed = CalendarFeed.for_user(bob)
    response = client.get(feed.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
