from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.db.models import Count

from config.admin_exports import ConfidentialAdmin, ConfidentialLookupsMixin

from .models import Institution, Milestone, User


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
class UserAdmin(ConfidentialLookupsMixin, DjangoUserAdmin):
    ordering = ["email"]
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
    readonly_fields = ["public_id", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("email", "password", "public_id")}),
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
            "Self-identified (aggregate use only)",
            {
                "classes": ("collapse",),
                "fields": ("gender", "gender_self_description", "underrepresented_in_medicine"),
            },
        ),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # Self-identified answers are for aggregate reports only: staff who are not
        # superusers (support, program staff) do not see them person by person.
        return [fs for fs in fieldsets if fs[0] != self.DEMOGRAPHICS]

    DEMOGRAPHICS = "Self-identified (aggregate use only)"

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "password1", "password2"),
            },
        ),
    )


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
