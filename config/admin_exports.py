"""What every app's admin shares: the fields that never leave the admin (NEVER_EXPORTED),
the base class that refuses query-string lookups on them, and read-only history.

Confidential text (meeting logs, action items, free-text survey answers, rendered emails,
self-identified demographics, secrets) never leaves through the admin: the admins of those
models keep such fields out of `list_display`, and the site-wide "Export selected as CSV"
action (reports/admin_exports.py, registered by reports) refuses outright if a column
would still resolve to one, or if the admin sets `export_csv_allowed = False`.
"""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP

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


class ConfidentialAdmin(ConfidentialLookupsMixin, admin.ModelAdmin):
    """The base of every ModelAdmin of our apps."""


class ReadOnlyHistoryMixin:
    """For rows that are history (charter versions, membership events, exports): operators
    read them; the site writes them, so what members accepted or did is never rewritten."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
