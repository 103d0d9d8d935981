"""Fields on the admin's never-exported list are not shown either: not on change pages
(forms, read-only fields, inlines), not in history entries, list columns, filters or
search, for every admin of the site."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse

from config.admin_exports import (
    NEVER_EXPORTED,
    SECRET_FIELDS,
    ConfidentialDisplayMixin,
    is_never_exported,
)
from meetings.models import RSVP
from members.models import User

pytestmark = pytest.mark.django_db

EVERY_ADMIN = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _field(label: str) -> tuple[type[models.Model], models.Field]:
    app_model, name = label.rsplit(".", 1)
    model = next(m for m in admin.site._registry if m._meta.label == app_model)
    return model, model._meta.get_field(name)


# Free text on the list, each filled with a sentence no page may print.
TEXT_FIELDS = sorted(
    label
    for label in NEVER_EXPORTED - SECRET_FIELDS
    if isinstance(_field(label)[1], models.CharField | models.TextField)
    and not _field(label)[1].choices
)


def _sentence(label: str) -> str:
    return f"Confidential words of {label}"[:150]


@pytest.fixture
def confidential(every_row, bob):
    """Every row of every model with a never-exported text field carries a sentence."""
    Group.objects.create(name="Support")
    for label in TEXT_FIELDS:
        model, field = _field(label)
        assert model._default_manager.exists(), f"add a row of {model._meta.label} to every_row"
        model._default_manager.update(**{field.name: _sentence(label)})
    User.objects.filter(pk=bob.pk).update(
        gender=User.Gender.SELF_DESCRIBED,
        gender_self_description=_sentence("members.User.gender_self_description"),
        underrepresented_in_medicine=User.URiM.YES,
    )
    return [_sentence(label) for label in TEXT_FIELDS]


def test_the_sweep_covers_the_free_text_of_people():
    assert {
        "circles.Membership.end_reason",
        "circles.Membership.request_message",
        "circles.MembershipEvent.note",
        "meetings.AttendanceChange.note",
        "meetings.Attendance.note",
        "meetings.RSVP.note",
        "meetings.MeetingLog.summary",
        "members.User.gender_self_description",
    } <= set(TEXT_FIELDS)


def _admins():
    for model, model_admin in admin.site._registry.items():
        yield model_admin
        for inline in model_admin.inlines:
            yield inline(model, admin.site)


def _names(model_admin) -> list[str]:
    names = [*getattr(model_admin, "list_display", ()), *model_admin.readonly_fields]
    names += [name.lstrip("^=@") for name in getattr(model_admin, "search_fields", ())]
    filters = getattr(model_admin, "list_filter", ())
    names += [entry[0] if isinstance(entry, tuple) else entry for entry in filters]
    for entry in model_admin.fields or ():
        names += list(entry) if isinstance(entry, list | tuple) else [entry]
    for _name, options in model_admin.fieldsets or ():
        for entry in options["fields"]:
            names += list(entry) if isinstance(entry, list | tuple) else [entry]
    return [name for name in names if isinstance(name, str)]


def test_every_admin_and_inline_of_our_apps_drops_never_exported_fields():
    for model_admin in _admins():
        if model_admin.model._meta.app_label in ("auth", "account"):
            continue  # Django's and allauth's own admins: no field of theirs is on the list
        assert isinstance(model_admin, ConfidentialDisplayMixin), model_admin


def test_no_admin_or_inline_names_a_never_exported_field():
    for model_admin in _admins():
        for name in _names(model_admin):
            assert not is_never_exported(model_admin.model, name), (model_admin, name)


def _shown_fields(response) -> set[str]:
    """The model fields a change page shows, as forms or read-only, inlines included."""
    shown = set()
    adminform = response.context["adminform"]
    for fieldset in adminform:
        for line in fieldset:
            for field in line:
                name = field.field["name"] if field.is_readonly else field.field.name
                shown.add(f"{adminform.model_admin.model._meta.label}.{name}")
    for formset in response.context["inline_admin_formsets"]:
        label = formset.opts.model._meta.label
        shown |= {f"{label}.{field['name']}" for field in formset.fields()}
    return shown


@pytest.mark.parametrize("model", EVERY_ADMIN, ids=lambda m: m._meta.label)
def test_no_admin_page_shows_never_exported_fields(ops, operator, confidential, model):
    model_admin = admin.site._registry[model]
    opts = model._meta
    objects = list(model._default_manager.order_by("pk")[:5])
    assert objects, f"add a row of {opts.label} to every_row"
    request = type("Request", (), {"user": operator})()
    for obj in objects:
        model_admin.log_change(request, obj, [{"changed": {"fields": ["Status"]}}])
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    pages = [changelist, changelist + "?q=Confidential", changelist + "?all="]
    pages += [
        reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])
        for obj in objects
        for view in ("change", "history", "delete")
    ]
    for page in pages:
        response = ops.get(page)
        assert response.status_code in (200, 403), page
        text = response.content.decode()
        for sentence in confidential:
            assert sentence not in text, (page, sentence)
        if response.status_code == 200 and "adminform" in response.context:
            shown = _shown_fields(response)
            assert not shown & NEVER_EXPORTED, (page, shown & NEVER_EXPORTED)
            assert 'name="gender"' not in text and "underrepresented" not in text.lower()
    # Search does not reach them either: the sentence finds nothing.
    found = ops.get(changelist, {"q": "Confidential words"})
    if found.status_code == 200 and "cl" in found.context:
        assert found.context["cl"].result_count == 0


def test_an_operator_edit_neither_changes_nor_logs_a_note(ops, operator, confidential, bob):
    rsvp = RSVP.objects.get(user=bob)
    note = rsvp.note
    url = reverse("admin:meetings_rsvp_change", args=[rsvp.pk])
    response = ops.post(
        url,
        {"meeting": rsvp.meeting_id, "user": bob.pk, "answer": "no", "note": "Rewritten"},
    )
    assert response.status_code == 302
    rsvp.refresh_from_db()
    assert (rsvp.answer, rsvp.note) == ("no", note)
    entry = LogEntry.objects.get(object_id=str(rsvp.pk), content_type__model="rsvp")
    assert "Note" not in entry.get_change_message()
    history = ops.get(reverse("admin:meetings_rsvp_history", args=[rsvp.pk])).content.decode()
    assert "Answer" in history and note not in history and "Rewritten" not in history


def test_the_user_page_offers_a_new_password_but_shows_no_hash(ops, bob):
    page = ops.get(reverse("admin:members_user_change", args=[bob.pk]))
    text = page.content.decode()
    assert reverse("admin:auth_user_password_change", args=[bob.pk]) in text
    salt, digest = bob.password.split("$")[-2:]
    assert salt[:6] not in text and digest[:6] not in text
