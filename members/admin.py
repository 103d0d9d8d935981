from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from config.admin_exports import (
    ConfidentialAdmin,
    ConfidentialDisplayMixin,
    ConfidentialLookupsMixin,
)

from .models import Institution, Milestone, User, delete_users


@admin.register(Institution)
class InstitutionAdmin(ConfidentialAdmin):
    list_display = ["name", "member_count", "created_at"]
    search_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, obj: Institution) -> int:
        return obj.member_count


@admin.register(User)
class UserAdmin(ConfidentialDisplayMixin, ConfidentialLookupsMixin, DjangoUserAdmin):
    ordering = ["email"]

    def delete_model(self, request, obj) -> None:
        # Through delete_users: figures other apps keep from a person's rows follow.
        delete_users(User.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset) -> None:
        delete_users(queryset)

    list_display = [
        "email",
        "full_name",
        "institution",
        "profession",
        "career_stage",
        "is_active",
        "is_staff",
        "date_joined",
        "last_login",
    ]
    list_filter = [
        "is_active",
        "is_staff",
        "is_superuser",
        "profession",
        "career_stage",
        "institution",
    ]
    date_hierarchy = "date_joined"
    list_select_related = ["institution"]
    search_fields = ["email", "full_name", "preferred_name", "institution__name", "specialty"]
    autocomplete_fields = ["institution"]
    readonly_fields = ["public_id", "password_state", "last_login", "date_joined"]
    # Neither the password hash nor the self-identified answers (gender, URiM; for
    # aggregate reports only) are on any admin page: NEVER_EXPORTED.
    fieldsets = (
        (None, {"fields": ("email", "password_state", "public_id")}),
        ("Name", {"fields": ("full_name", "preferred_name", "pronouns")}),
        (
            "Profile",
            {
                "fields": (
                    "institution",
                    "department",
                    "profession",
                    "specialty",
                    "career_stage",
                    "timezone",
                )
            },
        ),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "password1", "password2"),
            },
        ),
    )

    @admin.display(description="Password")
    def password_state(self, obj: User) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:auth_user_password_change", args=[obj.pk])
        state = "Set" if obj.has_usable_password() else "None (signs in by email only)"
        return format_html('{} · <a href="{}">Set a new password</a>', state, url)


@admin.register(Milestone)
class MilestoneAdmin(ConfidentialAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["member", "kind", "date", "title", "funder", "in_academia", "updated_at"]
    list_filter = ["kind", "in_academia", ("date", admin.DateFieldListFilter)]
    search_fields = ["title", "funder", "member__email", "member__full_name"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]
    date_hierarchy = "date"
    readonly_fields = ["created_at", "updated_at"]

    # Members record milestones for their own record and for the program's outcome
    # figures, not for staff to read one by one: without this permission (superusers have
    # every permission) staff see counts only, and no row, change page, history or export.
    PRIVATE = "members.view_private_milestones"

    def can_see_milestones(self, request) -> bool:
        return request.user.has_perm(self.PRIVATE)

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is not None and not self.can_see_milestones(request):
            return False
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return self.can_see_milestones(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.can_see_milestones(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.can_see_milestones(request) and super().has_delete_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        if self.can_see_milestones(request):
            return super().changelist_view(request, extra_context)
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        # Counts only; a POST (an action such as the CSV export) runs nothing here.
        milestones = self.get_queryset(request)
        by_kind = dict(milestones.values_list("kind").annotate(count=Count("pk")).order_by("kind"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Milestones (counts)",
            "rows": [(label, by_kind.get(kind, 0)) for kind, label in Milestone.Kind.choices],
            "total": sum(by_kind.values()),
            "members": milestones.aggregate(n=Count("member", distinct=True))["n"],
            "permission": "Can see members' milestones one by one",
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/members/milestone/counts.html", context)
