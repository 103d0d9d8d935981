from django.contrib import admin
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone

from config.admin_exports import ConfidentialAdmin, ConfidentialTabularInline, ReadOnlyHistoryMixin

from .models import (
    Charter,
    Circle,
    Invitation,
    Membership,
    MembershipEvent,
    Program,
    Topic,
    membership_changed,
)


@admin.register(Program)
class ProgramAdmin(ConfidentialAdmin):
    list_display = ["name", "slug", "circle_count", "admin_count", "created_at"]
    search_fields = ["name", "slug", "admins__email"]
    ordering = ["name", "pk"]  # autocomplete pages through them
    prepopulated_fields = {"slug": ["name"]}
    # An autocomplete, not a two-pane select of every user on the site.
    autocomplete_fields = ["admins"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                circle_count=Count("circles", distinct=True),
                admin_count=Count("admins", distinct=True),
            )
        )

    @admin.display(description="Circles", ordering="circle_count")
    def circle_count(self, obj: Program) -> int:
        return obj.circle_count

    @admin.display(description="Admins", ordering="admin_count")
    def admin_count(self, obj: Program) -> int:
        return obj.admin_count


@admin.register(Topic)
class TopicAdmin(ConfidentialAdmin):
    list_display = ["name", "slug", "circle_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(circle_count=Count("circles"))

    @admin.display(description="Circles", ordering="circle_count")
    def circle_count(self, obj: Topic) -> int:
        return obj.circle_count


class CharterInline(ConfidentialTabularInline):
    model = Charter
    extra = 0
    fields = ["version", "mission", "guiding_principles", "created_by", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


@admin.register(Circle)
class CircleAdmin(ConfidentialAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "name",
        "slug",
        "kind",
        "program",
        "status",
        "join_policy",
        "visibility",
        "member_count",
        "capacity",
        "created_at",
    ]
    list_filter = ["kind", "status", "join_policy", "visibility", "meeting_format", "program"]
    list_select_related = ["program"]
    search_fields = ["name", "slug", "description", "program__name"]
    ordering = ["name", "pk"]  # autocomplete pages through them
    date_hierarchy = "created_at"
    autocomplete_fields = ["created_by", "program"]
    raw_id_fields = ["current_charter"]
    filter_horizontal = ["topics"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CharterInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count(
                    "memberships", filter=Q(memberships__status__in=Membership.SEATED)
                )
            )
        )

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, obj: Circle) -> int:
        return obj.member_count


@admin.register(Charter)
class CharterAdmin(ReadOnlyHistoryMixin, ConfidentialAdmin):
    # A new version is written from the circle's page; members accepted these as they are.
    list_display = ["circle", "version", "is_current", "created_by", "created_at"]
    list_filter = ["circle__kind", "circle__program", "circle"]
    list_select_related = ["circle", "created_by"]
    search_fields = ["circle__name", "circle__slug"]
    date_hierarchy = "created_at"
    fields = ["circle", "version", "mission", "guiding_principles", "created_by", "created_at"]
    readonly_fields = fields

    @admin.display(description="Current", boolean=True)
    def is_current(self, obj: Charter) -> bool:
        return obj.circle.current_charter_id == obj.pk


class MembershipEventInline(ConfidentialTabularInline):
    model = MembershipEvent
    extra = 0
    fields = ["at", "kind", "actor"]  # not the note: free text about a person
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Membership)
class MembershipAdmin(ConfidentialAdmin):
    list_display = [
        "user",
        "user_email",
        "circle",
        "role",
        "status",
        "requested_at",
        "joined_at",
        "ended_at",
    ]
    list_filter = ["status", "role", "circle__kind", "circle__program", "circle"]
    list_select_related = ["user", "circle"]
    search_fields = ["user__email", "user__full_name", "circle__name", "circle__slug"]
    date_hierarchy = "requested_at"
    autocomplete_fields = ["user", "circle"]
    raw_id_fields = ["charter_accepted", "invitation"]
    exclude = ["request_message", "end_reason"]  # what people wrote: confidential
    inlines = [MembershipEventInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # memberships are history: end them, never delete them

    def save_model(self, request, obj, form, change) -> None:
        # Who sat where, when and in which role is what the participation facts rest on.
        with transaction.atomic():
            before = Membership.objects.filter(pk=obj.pk).values_list("circle_id", flat=True)
            moved_from = [c for c in before if c != obj.circle_id] if change else []
            super().save_model(request, obj, form, change)
            membership_changed(obj, circles=moved_from)

    def get_readonly_fields(self, request, obj=None):
        # Who was seated, and when, is history that the site changes through
        # circles/actions.py (which also records the events): who is expected at a
        # meeting and every report read these dates, so the admin does not rewrite them.
        if obj is not None:
            return [*super().get_readonly_fields(request, obj), "status", "joined_at", "ended_at"]
        return super().get_readonly_fields(request, obj)

    @admin.display(description="Email", ordering="user__email")
    def user_email(self, obj: Membership) -> str:
        return obj.user.email


@admin.register(MembershipEvent)
class MembershipEventAdmin(ReadOnlyHistoryMixin, ConfidentialAdmin):
    list_display = ["at", "member", "circle", "kind", "actor"]
    list_filter = ["kind", "membership__circle__program", "membership__circle"]
    list_select_related = ["membership__user", "membership__circle", "actor"]
    search_fields = [
        "membership__user__email",
        "membership__user__full_name",
        "membership__circle__name",
    ]
    date_hierarchy = "at"
    fields = ["membership", "kind", "actor", "at"]
    readonly_fields = fields

    @admin.display(description="Member", ordering="membership__user__full_name")
    def member(self, obj: MembershipEvent):
        return obj.membership.user

    @admin.display(description="Circle", ordering="membership__circle__name")
    def circle(self, obj: MembershipEvent):
        return obj.membership.circle


class InvitationStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("pending", "Pending"),
            ("expired", "Expired"),
            ("accepted", "Accepted"),
            ("revoked", "Revoked"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "pending":
            return queryset.pending()
        if value == "expired":
            return queryset.open().filter(expires_at__lte=timezone.now())
        if value == "accepted":
            return queryset.filter(accepted_at__isnull=False)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(ConfidentialAdmin):
    list_display = [
        "email",
        "circle",
        "state",
        "invited_by",
        "sent_at",
        "send_count",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = [InvitationStateFilter, "circle__program", "circle"]
    list_select_related = ["circle", "invited_by"]
    search_fields = ["email", "circle__name", "circle__slug", "invited_by__email"]
    date_hierarchy = "sent_at"
    readonly_fields = ["created_at", "send_count", "accepted_by"]
    exclude = ["token_hash"]  # a secret: never shown
    autocomplete_fields = ["circle", "invited_by"]

    def has_add_permission(self, request) -> bool:
        # An invitation is only useful with the token emailed when it is made; organizers
        # invite from the circle's page, which sends it.
        return False

    @admin.display(description="State")
    def state(self, obj: Invitation) -> str:
        if obj.accepted_at:
            return "Accepted"
        if obj.revoked_at:
            return "Revoked"
        return "Expired" if obj.is_expired else "Pending"
