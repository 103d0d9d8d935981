from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from config.admin_exports import ConfidentialAdmin

from . import kinds
from .models import REMOVED_LINK, Notification


class KindFilter(admin.SimpleListFilter):
    """The kinds the apps registered (the column has no choices of its own)."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kinds.choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(ConfidentialAdmin):
    list_display = [
        "kind_label",
        "email",
        "circle",
        "status",
        "due_at",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", KindFilter, "circle__program", "circle"]
    list_select_related = ["circle"]
    search_fields = ["email", "dedupe_key", "message_id", "subject"]
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
        "claimed_by",
        "sent_at",
        "message_id",
        "subject",
        "created_at",
    ]
    # Bodies may hold confidential minutes; secrets are links that open accounts.
    exclude = ["body_text", "body_html", "ics", "secrets"]
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False  # outbox rows are made by the code that has a reason to send

    @admin.display(description="Kind", ordering="kind")
    def kind_label(self, obj: Notification) -> str:
        return obj.get_kind_display()

    @admin.action(description="Send again now (failed or pending rows)")
    def retry_now(self, request, queryset):
        # A row given up lost its secret links with its last attempt: sending it again would
        # deliver "[link removed after sending]". The person asks for a new link instead.
        retryable = queryset.filter(status__in=["failed", "pending"])
        removed = REMOVED_LINK[:-1]  # the start of every slot (models.secret_slot)
        linkless = retryable.filter(
            Q(body_text__contains=removed) | Q(body_html__contains=removed), status="failed"
        )
        skipped = linkless.count()
        count = retryable.exclude(pk__in=linkless.values("pk")).update(
            status="pending", due_at=timezone.now(), attempts=0, claimed_at=None, claimed_by=""
        )
        self.message_user(request, f"{count} notifications will be sent at the next sweep.")
        if skipped:
            self.message_user(
                request,
                f"{skipped} could not be sent again: their links (invitation, confirmation "
                "or password reset) were removed when they failed; the person needs a new one.",
                level="warning",
            )
