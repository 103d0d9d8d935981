from functools import cache

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .models import REMINDER_CHOICES, Institution, User
from .timezones import is_valid_timezone, timezone_choices

INSTITUTION_MAX_LENGTH = Institution._meta.get_field("name").max_length


def normalize_full_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationError("Enter your name as colleagues know it.")
    return name


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form with the person's name, and their browser's timezone."""

    full_name = forms.CharField(
        max_length=User._meta.get_field("full_name").max_length,
        label="Full name",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # Filled by static/js/site.js from the browser; without JavaScript it stays empty and
    # the person gets UTC, which they can change on their profile.
    timezone = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.HiddenInput(attrs={"data-browser-timezone": "fill"}),
    )

    field_order = ["full_name", "email", "password1", "password2", "timezone"]

    def clean_full_name(self) -> str:
        return normalize_full_name(self.cleaned_data["full_name"])

    def clean_timezone(self) -> str:
        # A hidden field the person cannot correct: fall back instead of failing sign-up.
        value = self.cleaned_data.get("timezone", "").strip()
        return value if is_valid_timezone(value) else "UTC"


class TimezoneSelect(forms.Select):
    """A select of every IANA timezone.

    Django renders each of the ~600 options through the template engine (about 20 ms, most
    of the profile page's time; bench/pages.py). The list never changes, so its HTML is
    built once per process and only the selected option is marked per render."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        options = _timezone_options_html()
        if value:
            needle = format_html('<option value="{}">', value)
            options = mark_safe(options.replace(needle, needle[:-1] + " selected>", 1))  # noqa: S308 (built from escaped parts)
        final_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, final_attrs, options)


@cache
def _timezone_options_html() -> SafeString:
    return format_html_join("", '<option value="{}">{}</option>', timezone_choices())


class ProfileForm(forms.ModelForm):
    institution_name = forms.CharField(
        label="Institution",
        required=False,
        max_length=INSTITUTION_MAX_LENGTH,
        help_text="Pick from the list or type a new one.",
        widget=forms.TextInput(attrs={"list": "institution-options", "autocomplete": "off"}),
    )
    timezone = forms.ChoiceField(
        choices=timezone_choices,
        label="Timezone",
        help_text="Meeting times and reminders are shown in this timezone.",
        widget=TimezoneSelect(attrs={"data-browser-timezone": "suggest"}),
    )

    class Meta:
        model = User
        fields = [
            "full_name",
            "preferred_name",
            "pronouns",
            "institution_name",
            "department",
            "profession",
            "specialty",
            "career_stage",
            "timezone",
            "gender",
            "gender_self_description",
            "underrepresented_in_medicine",
        ]
        labels = {
            "gender": "Gender (optional)",
            "gender_self_description": "Gender, in your words (optional)",
            "underrepresented_in_medicine": "Under-represented in medicine (optional)",
            "pronouns": "Pronouns (optional)",
        }
        help_texts = {
            "pronouns": "For example she/her, he/him, they/them. Shown on your member card.",
            "gender": (
                "Self-identified and optional. Used only in aggregate by program admins "
                "(groups of fewer than 5 are never shown); never on your member card."
            ),
            "gender_self_description": "Only if you chose “I describe myself another way”.",
            "underrepresented_in_medicine": (
                "Self-identified and optional (as defined by the AAMC). Used only in "
                "aggregate by program admins; never on your member card."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.institution_id:
            self.initial["institution_name"] = self.instance.institution.name
        self.fields["full_name"].label = "Full name"
        for name in ("profession", "career_stage", "gender", "underrepresented_in_medicine"):
            self.fields[name].choices = [("", "—"), *list(self.fields[name].choices)[1:]]

    def clean_full_name(self) -> str:
        return normalize_full_name(self.cleaned_data["full_name"])

    def clean_institution_name(self) -> str:
        return " ".join(self.cleaned_data["institution_name"].split())

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            cleaned.get("gender_self_description")
            and cleaned.get("gender") != User.Gender.SELF_DESCRIBED
        ):
            self.add_error(
                "gender_self_description",
                "Leave this empty, or choose “I describe myself another way” above.",
            )
        return cleaned

    @transaction.atomic
    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        name = self.cleaned_data["institution_name"]
        user.institution = Institution.objects.get_or_create_named(name) if name else None
        if commit:
            user.save()
        return user


class NotificationSettingsForm(forms.Form):
    reminder_minutes = forms.TypedMultipleChoiceField(
        label="Remind me before each meeting",
        coerce=int,
        required=False,
        choices=REMINDER_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for no reminders. Members on leave get none.",
    )

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = memberships
        for m in memberships:
            self.fields[f"mute_{m.pk}"] = forms.BooleanField(
                required=False,
                label=f"Mute reminders from {m.circle.name}",
                initial=m.reminders_muted,
            )
