from django.contrib import admin
from django.db.models import Count, Q

from .models import Charter, Circle, Invitation, Membership, MembershipEvent, Program, Topic


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "circle_count", "created_at"]
    search_fields = ["name", "slug", "admins__email"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["admins"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(circle_count=Count("circles"))

    @admin.display(description="Circles", ordering="circle_count")
    def circle_count(self, obj: Program) -> int:
        return obj.circle_count


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class CharterInline(admin.TabularInline):
    model = Charter
    extra = 0
    fields = ["version", "mission", "guiding_principles", "created_by", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Circle)
class CircleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
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
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["created_by"]
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


class MembershipEventInline(admin.TabularInline):
    model = MembershipEvent
    extra = 0
    fields = ["at", "kind", "actor", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "circle", "role", "status", "joined_at", "ended_at"]
    list_filter = ["status", "role", "circle__kind", "circle"]
    list_select_related = ["user", "circle"]
    search_fields = ["user__email", "user__full_name", "circle__name"]
    autocomplete_fields = ["user", "circle"]
    raw_id_fields = ["charter_accepted", "invitation"]
    inlines = [MembershipEventInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # memberships are history: end them, never delete them


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "circle",
        "invited_by",
        "sent_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["circle"]
    list_select_related = ["circle", "invited_by"]
    search_fields = ["email", "circle__name"]
    readonly_fields = ["token_hash", "created_at", "accepted_by"]
    autocomplete_fields = ["circle", "invited_by"]
