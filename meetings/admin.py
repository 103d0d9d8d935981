from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db import models, transaction
from django.db.models import Count
from django.db.models.functions import Length

from config.admin_exports import ConfidentialAdmin, ConfidentialTabularInline

from .facts import refresh_facts
from .models import (
    RSVP,
    ActionItem,
    AgendaItem,
    Attendance,
    AttendanceChange,
    CalendarFeed,
    Meeting,
    MeetingLog,
    MeetingSeries,
    SeriesRSVP,
    Survey,
)

# Links typed without a scheme are https (as on the site's own forms).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class RefreshesFacts:
    """For the admin of rows the participation facts rest on (meetings/facts.py): a save
    or delete refreshes the facts they touched, before and after, in its transaction.
    `facts_of(obj)` gives refresh_facts() restrictions."""

    def facts_of(self, obj) -> list[dict]:
        raise NotImplementedError

    def _refresh(self, restrictions: list[dict]) -> None:
        for restriction in {repr(r): r for r in restrictions}.values():
            refresh_facts(**restriction)

    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic():
            before = type(obj).objects.filter(pk=obj.pk).first() if change else None
            super().save_model(request, obj, form, change)
            self._refresh(self.facts_of(obj) + (self.facts_of(before) if before else []))

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            affected = self.facts_of(obj)
            super().delete_model(request, obj)
            self._refresh(affected)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            affected = [r for obj in queryset for r in self.facts_of(obj)]
            super().delete_queryset(request, queryset)
            self._refresh(affected)


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(RefreshesFacts, ConfidentialAdmin):
    formfield_overrides = HTTPS_URLS

    def facts_of(self, obj: MeetingSeries) -> list[dict]:
        # Deleting a series drops its series answers: its meetings' facts change.
        return [{"meetings": list(obj.meetings.values_list("pk", flat=True))}]

    list_display = [
        "title",
        "circle",
        "frequency",
        "start_time",
        "timezone",
        "start_date",
        "end_date",
        "count",
        "meeting_count",
        "ended_at",
    ]
    list_filter = ["frequency", "meeting_format", "circle__program", "circle"]
    list_select_related = ["circle"]
    search_fields = ["title", "circle__name", "circle__slug"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["circle", "created_by"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(meeting_count=Count("meetings"))

    @admin.display(description="Meetings", ordering="meeting_count")
    def meeting_count(self, obj: MeetingSeries) -> int:
        return obj.meeting_count


class AgendaItemInline(ConfidentialTabularInline):
    formfield_overrides = HTTPS_URLS
    model = AgendaItem
    extra = 0
    autocomplete_fields = ["presenter", "added_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("presenter", "added_by")


@admin.register(Meeting)
class MeetingAdmin(RefreshesFacts, ConfidentialAdmin):
    formfield_overrides = HTTPS_URLS

    def facts_of(self, obj: Meeting) -> list[dict]:
        # Its time, circle, status or series decide who was seated and what they answered.
        return [{"meetings": [obj.pk]}] if obj.pk else []

    list_display = [
        "title",
        "circle",
        "start",
        "timezone",
        "status",
        "meeting_format",
        "facilitator",
        "sequence",
        "series",
    ]
    list_filter = [
        "status",
        "meeting_format",
        "logged_after_the_fact",
        "circle__program",
        "circle",
    ]
    list_select_related = ["circle", "series", "facilitator"]
    search_fields = ["title", "circle__name", "circle__slug"]
    date_hierarchy = "start"
    readonly_fields = ["uid", "sequence", "original_start", "created_at", "updated_at"]
    autocomplete_fields = ["circle", "facilitator", "created_by"]
    raw_id_fields = ["series"]
    inlines = [AgendaItemInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(ConfidentialAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["title", "meeting", "circle", "kind", "presenter", "position"]
    list_filter = ["kind", "meeting__circle__program", "meeting__circle"]
    list_select_related = ["meeting__circle", "presenter"]
    search_fields = ["title", "meeting__title", "meeting__circle__name", "presenter__email"]
    date_hierarchy = "meeting__start"
    raw_id_fields = ["meeting"]
    autocomplete_fields = ["presenter", "added_by"]

    @admin.display(description="Circle", ordering="meeting__circle__name")
    def circle(self, obj: AgendaItem):
        return obj.meeting.circle


@admin.register(RSVP)
class RSVPAdmin(RefreshesFacts, ConfidentialAdmin):
    def facts_of(self, obj: RSVP) -> list[dict]:
        return [{"meetings": [obj.meeting_id], "users": [obj.user_id]}]

    list_display = ["meeting", "circle", "user", "answer", "updated_at"]
    list_filter = ["answer", "meeting__circle"]
    list_select_related = ["meeting__circle", "user"]
    search_fields = ["user__email", "user__full_name", "meeting__title", "meeting__circle__name"]
    date_hierarchy = "meeting__start"
    raw_id_fields = ["meeting", "user"]
    exclude = ["note"]  # what the member wrote to the circle: confidential

    @admin.display(description="Circle", ordering="meeting__circle__name")
    def circle(self, obj: RSVP):
        return obj.meeting.circle


@admin.register(SeriesRSVP)
class SeriesRSVPAdmin(RefreshesFacts, ConfidentialAdmin):
    def facts_of(self, obj: SeriesRSVP) -> list[dict]:
        return [{"series": [obj.series_id], "users": [obj.user_id]}]

    list_display = ["series", "circle", "user", "answer", "valid_from", "updated_at"]
    list_filter = ["answer", "series__circle"]
    list_select_related = ["series__circle", "user"]
    search_fields = ["user__email", "user__full_name", "series__title", "series__circle__name"]
    raw_id_fields = ["series", "user"]

    @admin.display(description="Circle", ordering="series__circle__name")
    def circle(self, obj: SeriesRSVP):
        return obj.series.circle


class AttendanceChangeInline(ConfidentialTabularInline):
    model = AttendanceChange
    extra = 0
    fields = ["at", "status", "changed_by"]  # not the note: free text about a person
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


@admin.register(Attendance)
class AttendanceAdmin(RefreshesFacts, ConfidentialAdmin):
    def facts_of(self, obj: Attendance) -> list[dict]:
        return [{"meetings": [obj.meeting_id], "users": [obj.user_id]}]

    list_display = ["meeting", "circle", "user", "status", "recorded_by", "updated_at"]
    list_filter = ["status", "meeting__circle__program", "meeting__circle"]
    list_select_related = ["meeting__circle", "user", "recorded_by"]
    search_fields = ["user__email", "user__full_name", "meeting__title", "meeting__circle__name"]
    date_hierarchy = "meeting__start"
    raw_id_fields = ["meeting", "user", "recorded_by"]
    exclude = ["note"]  # what the member wrote to the circle: confidential
    inlines = [AttendanceChangeInline]

    @admin.display(description="Circle", ordering="meeting__circle__name")
    def circle(self, obj: Attendance):
        return obj.meeting.circle


@admin.register(AttendanceChange)
class AttendanceChangeAdmin(ConfidentialAdmin):
    # The audit trail of attendance marks: read, never rewritten (deleted only with the
    # attendance or meeting it belongs to).
    list_display = ["at", "member", "meeting", "status", "changed_by"]
    list_filter = ["status", "attendance__meeting__circle"]
    list_select_related = ["attendance__user", "attendance__meeting", "changed_by"]
    search_fields = [
        "attendance__user__email",
        "attendance__user__full_name",
        "attendance__meeting__title",
    ]
    date_hierarchy = "at"
    fields = ["attendance", "status", "changed_by", "at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Member", ordering="attendance__user__full_name")
    def member(self, obj: AttendanceChange):
        return obj.attendance.user

    @admin.display(description="Meeting", ordering="attendance__meeting__start")
    def meeting(self, obj: AttendanceChange):
        return obj.attendance.meeting


@admin.register(MeetingLog)
class MeetingLogAdmin(ConfidentialAdmin):
    # Logs are confidential to the circle; operators see that one exists and how long it
    # is, not what it says. Nothing here (columns, search, form) reads summary or decisions.
    list_display = [
        "meeting",
        "circle",
        "written_by",
        "updated_at",
        "minutes_sent_at",
        "summary_length",
        "decisions_length",
        "action_item_count",
    ]
    list_filter = [("minutes_sent_at", admin.EmptyFieldListFilter), "meeting__circle"]
    list_select_related = ["meeting__circle", "written_by"]
    search_fields = ["meeting__title", "meeting__circle__name", "written_by__email"]
    date_hierarchy = "meeting__start"
    fields = ["meeting", "written_by", "updated_at", "minutes_sent_at"]
    readonly_fields = fields
    inlines = []

    def has_add_permission(self, request) -> bool:
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                summary_length=Length("summary"),
                decisions_length=Length("decisions"),
                action_item_count=Count("action_items"),
            )
        )

    @admin.display(description="Circle", ordering="meeting__circle__name")
    def circle(self, obj: MeetingLog):
        return obj.meeting.circle

    @admin.display(description="Summary (characters)", ordering="summary_length")
    def summary_length(self, obj: MeetingLog) -> int:
        return obj.summary_length

    @admin.display(description="Decisions (characters)", ordering="decisions_length")
    def decisions_length(self, obj: MeetingLog) -> int:
        return obj.decisions_length

    @admin.display(description="Action items", ordering="action_item_count")
    def action_item_count(self, obj: MeetingLog) -> int:
        return obj.action_item_count


@admin.register(ActionItem)
class ActionItemAdmin(ConfidentialAdmin):
    # Part of the confidential log, and an action item's name *is* its text: operators get
    # the list (who owns what is due, and whether it is done) but no page per item, whose
    # title, breadcrumbs and history would show the text. No delete either: a delete
    # confirmation lists the rows it takes with it by name, so a meeting or log that has
    # action items is not deleted from the admin (cancel the meeting instead).
    list_display = ["id", "meeting", "circle", "owner", "due_date", "done", "text_length"]
    list_display_links = None
    list_filter = ["done", "due_date", "log__meeting__circle"]
    list_select_related = ["log__meeting__circle", "owner"]
    search_fields = ["owner__email", "owner__full_name", "log__meeting__title"]
    date_hierarchy = "log__meeting__start"
    fields = ["log", "owner", "due_date", "done"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(text_length=Length("text"))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_view_permission(request)

    def action_checkbox(self, obj: ActionItem):
        # Django labels each row's checkbox with str(obj), which here is the text.
        label = f"Select action item {obj.pk} for an action"
        checkbox = forms.CheckboxInput({"class": "action-select", "aria-label": label})
        return checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk))

    @admin.display(description="Meeting", ordering="log__meeting__start")
    def meeting(self, obj: ActionItem):
        return obj.log.meeting

    @admin.display(description="Circle", ordering="log__meeting__circle__name")
    def circle(self, obj: ActionItem):
        return obj.log.meeting.circle

    @admin.display(description="Text (characters)", ordering="text_length")
    def text_length(self, obj: ActionItem) -> int:
        return obj.text_length


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ConfidentialAdmin):
    # The token is the whole secret of the feed URL: never shown, never exported.
    list_display = ["user", "user_email", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__full_name"]
    date_hierarchy = "created_at"
    fields = ["user", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # made (with a fresh token) when a member opens their calendar page

    @admin.display(description="Email", ordering="user__email")
    def user_email(self, obj: CalendarFeed) -> str:
        return obj.user.email


@admin.register(Survey)
class SurveyAdmin(RefreshesFacts, ConfidentialAdmin):
    def facts_of(self, obj: Survey) -> list[dict]:
        return [{"meetings": [obj.meeting_id], "users": [obj.user_id]}]

    # Individual answers are confidential: operators see who has a survey, not what they said.
    list_display = ["meeting", "circle", "user", "expires_at", "answered_at"]
    list_filter = ["answered_at", "expires_at", "meeting__circle"]
    list_select_related = ["meeting__circle", "user"]
    search_fields = ["user__email", "user__full_name", "meeting__title", "meeting__circle__name"]
    date_hierarchy = "meeting__start"
    fields = ["meeting", "user", "expires_at", "answered_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Circle", ordering="meeting__circle__name")
    def circle(self, obj: Survey):
        return obj.meeting.circle
