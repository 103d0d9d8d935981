from django.contrib import admin

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
    Notification,
    SeriesRSVP,
    Survey,
)


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "circle",
        "frequency",
        "start_time",
        "timezone",
        "start_date",
        "end_date",
        "count",
        "ended_at",
    ]
    list_filter = ["frequency", "circle"]
    list_select_related = ["circle"]
    search_fields = ["title", "circle__name"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    autocomplete_fields = ["presenter"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "circle", "start", "timezone", "status", "sequence", "series"]
    list_filter = ["status", "meeting_format", "logged_after_the_fact", "circle"]
    list_select_related = ["circle", "series"]
    search_fields = ["title", "circle__name"]
    date_hierarchy = "start"
    readonly_fields = ["uid", "sequence", "original_start", "created_at", "updated_at"]
    autocomplete_fields = ["facilitator", "created_by"]
    inlines = [AgendaItemInline]


@admin.register(RSVP)
class RSVPAdmin(admin.ModelAdmin):
    list_display = ["meeting", "user", "answer", "updated_at"]
    list_filter = ["answer"]
    list_select_related = ["meeting", "user"]
    search_fields = ["user__email", "meeting__title"]
    raw_id_fields = ["meeting", "user"]


@admin.register(SeriesRSVP)
class SeriesRSVPAdmin(admin.ModelAdmin):
    list_display = ["series", "user", "answer", "valid_from"]
    list_select_related = ["series", "user"]
    raw_id_fields = ["series", "user"]


class AttendanceChangeInline(admin.TabularInline):
    model = AttendanceChange
    extra = 0
    readonly_fields = ["status", "note", "changed_by", "at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["meeting", "user", "status", "recorded_by", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["meeting", "user", "recorded_by"]
    search_fields = ["user__email", "meeting__title"]
    raw_id_fields = ["meeting", "user", "recorded_by"]
    inlines = [AttendanceChangeInline]


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    raw_id_fields = ["owner"]


@admin.register(MeetingLog)
class MeetingLogAdmin(admin.ModelAdmin):
    # Logs are confidential to the circle; operators see that one exists, not what it says.
    list_display = ["meeting", "written_by", "updated_at", "minutes_sent_at"]
    list_select_related = ["meeting", "written_by"]
    fields = ["meeting", "written_by", "updated_at", "minutes_sent_at"]
    readonly_fields = fields
    inlines = []

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    readonly_fields = fields
    search_fields = ["user__email"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "email", "status", "due_at", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["email", "dedupe_key", "message_id"]
    date_hierarchy = "due_at"
    readonly_fields = [
        "kind",
        "recipient",
        "email",
        "circle",
        "meeting",
        "offset_minutes",
        "dedupe_key",
        "attempts",
        "last_error",
        "claimed_at",
        "sent_at",
        "message_id",
        "subject",
        "created_at",
    ]
    exclude = ["body_text", "body_html", "ics"]  # may hold confidential minutes
    actions = ["retry_now"]

    @admin.action(description="Send again now (failed or pending rows)")
    def retry_now(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(status__in=["failed", "pending"]).update(
            status="pending", due_at=timezone.now(), attempts=0, claimed_at=None
        )
        self.message_user(request, f"{count} notifications will be sent at the next sweep.")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    # Individual answers are confidential: operators see who has a survey, not what they said.
    list_display = ["meeting", "user", "expires_at", "answered_at"]
    list_filter = ["answered_at"]
    fields = ["meeting", "user", "expires_at", "answered_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False
