"""What every app's admin shares: the fields the admin never shows nor exports
(NEVER_EXPORTED), the secrets among them (SECRET_FIELDS), the base class that leaves them
out of every page and refuses query-string lookups on them, and read-only history.

Confidential text (meeting logs, action items, free-text survey answers, notes and
messages people wrote, rendered emails, self-identified demographics, secrets) never
leaves through the admin: `ConfidentialAdmin` drops such fields from forms, read-only
fields, inlines, list columns, filters and search (so no change page, history entry or
changelist shows them), and the site-wide "Export selected as CSV" action
(reports/admin_exports.py, registered by reports) refuses outright if a column would still
resolve to one, or if the admin sets `export_csv_allowed = False`.
"""

import datetime

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.utils import timezone

# "app_label.ModelName.field": model fields whose contents must never be in an admin
# export, whatever a future edit puts in an admin's list_display. Confidential to the
# circle (logs, action items, survey comments, the outbox's rendered bodies that may carry
# minutes), aggregate-only (self-identified demographics) or secret (tokens, hashes).
NEVER_EXPORTED = frozenset(
    {
        "meetings.MeetingLog.summary",
        "meetings.MeetingLog.decisions",
        "meetings.ActionItem.text",
        "meetings.Survey.comment",
        "meetings.Survey.token_hash",
        "outbox.Notification.body_text",
        "outbox.Notification.body_html",
        "outbox.Notification.ics",
        "outbox.Notification.secrets",
        "meetings.CalendarFeed.token",
        "circles.Invitation.token_hash",
        "members.User.password",
        "members.User.gender",
        "members.User.gender_self_description",
        "members.User.underrepresented_in_medicine",
        # Free text people wrote about themselves or others (removal reasons and notes).
        "circles.Membership.end_reason",
        "circles.Membership.request_message",
        "circles.MembershipEvent.note",
        "meetings.AttendanceChange.note",
        "meetings.Attendance.note",
        "meetings.RSVP.note",
    }
)

# The secrets among them: whoever reads one can act as the person (open their calendar
# feed, answer their survey, take their invitation) or attack their password. A model that
# holds one has no "view on site" link, and the admin's /admin/r/ shortcut refuses it
# (config/admin_site.py), because a feed's address *is* its token.
SECRET_FIELDS = frozenset(
    {
        "meetings.CalendarFeed.token",
        "meetings.Survey.token_hash",
        "circles.Invitation.token_hash",
        "members.User.password",
    }
)


class SafeChangeList(ChangeList):
    """Django turns the date hierarchy's `?created_at__year=` into datetimes outside its
    own try (a year of 9999 or 2147483648 overflows there, or when the bounds are moved
    to UTC for the query): such a year is an invalid lookup ("?e=1"), not a 500."""

    def get_filters(self, request):
        try:
            filters = super().get_filters(request)
        except (ValueError, OverflowError) as exc:
            raise IncorrectLookupParameters(exc) from exc
        lookup_params = filters[2]
        if self.date_hierarchy:
            for suffix in ("gte", "lt"):
                for value in lookup_params.get(f"{self.date_hierarchy}__{suffix}", []):
                    _check_in_range(value)
        return filters


def _check_in_range(value) -> None:
    if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
        return
    try:
        value.astimezone(datetime.UTC)
        timezone.localtime(value)
    except (ValueError, OverflowError) as exc:
        raise IncorrectLookupParameters(exc) from exc


class ConfidentialDisplayMixin:
    """Leaves NEVER_EXPORTED fields out of everything the admin shows: the form and its
    read-only fields (so the change page, and the history entries its saves write, never
    carry them), list columns, list filters and search. For ModelAdmins and inlines alike;
    a field typed into an admin by mistake is dropped here, and
    tests/config/test_admin_confidential.py fails on it."""

    def get_fields(self, request, obj=None):
        return _shown(self.model, super().get_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = []
            for entry in options.get("fields", ()):
                if isinstance(entry, list | tuple):
                    entry = tuple(_shown(self.model, entry))
                    if entry:
                        fields.append(entry)
                elif not is_never_exported(self.model, entry):
                    fields.append(entry)
            if fields:
                fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return _shown(self.model, super().get_readonly_fields(request, obj))

    def get_list_display(self, request):
        return _shown(self.model, super().get_list_display(request))

    def get_list_filter(self, request):
        return [
            entry
            for entry in super().get_list_filter(request)
            if not is_never_exported(self.model, entry[0] if isinstance(entry, tuple) else entry)
        ]

    def get_search_fields(self, request):
        return [
            name
            for name in super().get_search_fields(request)
            if not is_never_exported(self.model, name.lstrip("^=@"))
        ]

    def get_view_on_site_url(self, obj=None):
        if holds_secret(self.model):
            return None
        return super().get_view_on_site_url(obj)


def _shown(model: type[models.Model], names) -> list:
    return [name for name in names if not is_never_exported(model, name)]


class ConfidentialLookupsMixin:
    """Django's admin accepts a filter on any field from the query string, whatever
    list_filter says; the result count then answers yes/no questions about text the
    operator cannot see (`?summary__icontains=divorce`, a feed token one character at a
    time). Lookups that reach a NEVER_EXPORTED field are refused (a 400), as Django
    refuses lookups on passwords."""

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if is_never_exported(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_changelist(self, request, **kwargs):
        return SafeChangeList


class ConfidentialAdmin(ConfidentialDisplayMixin, ConfidentialLookupsMixin, admin.ModelAdmin):
    """The base of every ModelAdmin of our apps."""


class ConfidentialTabularInline(ConfidentialDisplayMixin, admin.TabularInline):
    """The base of every inline of our apps."""


class ReadOnlyHistoryMixin:
    """For rows that are history (charter versions, membership events, exports): operators
    read them; the site writes them, so what members accepted or did is never rewritten."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def holds_secret(model: type[models.Model]) -> bool:
    """Whether rows of `model` carry a secret (SECRET_FIELDS)."""
    return any(f"{model._meta.label}.{field.name}" in SECRET_FIELDS for field in model._meta.fields)


def is_never_exported(model: type[models.Model], name) -> bool:
    """Whether the list_display entry `name` is (or reaches through relations) a field in
    NEVER_EXPORTED. Callables and admin methods are the admin's own responsibility."""
    if not isinstance(name, str):
        return False
    for part in name.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if f"{model._meta.label}.{field.name}" in NEVER_EXPORTED:
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False
