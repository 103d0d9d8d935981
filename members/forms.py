from datetime import date
from functools import cache

from allauth.account.forms import SignupForm as AllauthSignupForm
from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from config.forms import DistinctTypedMultipleChoiceField

from .models import REMINDER_CHOICES, Institution, Milestone, User
from .timezones import (
    UTC,
    aliases_by_zone,
    canonical_timezone,
    display_name,
    is_valid_timezone,
    timezone_choices,
)

INSTITUTION_MAX_LENGTH = Institution._meta.get_field("name").max_length


def normalize_full_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationError("Enter your name as colleagues know it.")
    return name


class TimezoneSelect(forms.Select):
    """A select of the offered IANA timezones, grouped by region (<optgroup>), which
    static/js/timezone-picker.js turns into a searchable combobox; without JavaScript it
    stays a plain select. Each option lists its zone's old names in `data-aliases`, so the
    search finds Kolkata by "Calcutta" and a browser that reports an old name is matched.

    Django renders each of the ~420 options through the template engine (about 20 ms, most
    of the profile page's time; bench/pages.py). The list never changes, so its HTML is
    built once per process and only the selected option is marked per render. A value
    stored under an old name is shown as its current zone; one with no current zone
    (Etc/GMT+5) is kept as an extra first option, so saving the form does not change it."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-timezone-picker": "", **(attrs or {})}, choices)

    def render(self, name, value, attrs=None, renderer=None) -> str:
        options = _timezone_options_html()
        value = canonical_timezone(value) if value else ""
        if value:
            needle = format_html('<option value="{}"', value)
            if needle in options:
                options = mark_safe(options.replace(needle, needle + " selected", 1))  # noqa: S308 (built from escaped parts)
            elif is_valid_timezone(value):
                options = format_html(
                    '<option value="{}" selected>{}</option>{}', value, display_name(value), options
                )
        final_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, final_attrs, options)


@cache
def _timezone_options_html() -> SafeString:
    known = aliases_by_zone()

    def option(zone: str, label: str) -> SafeString:
        if known.get(zone):
            return format_html(
                '<option value="{}" data-aliases="{}">{}</option>',
                zone,
                " ".join(known[zone]),
                label,
            )
        return format_html('<option value="{}">{}</option>', zone, label)

    parts = []
    for value, label in timezone_choices():
        if isinstance(label, list):
            parts.append(
                format_html(
                    '<optgroup label="{}">{}</optgroup>',
                    value,
                    mark_safe("".join(option(zone, place) for zone, place in label)),  # noqa: S308 (built from escaped parts)
                )
            )
        else:
            parts.append(option(value, label))
    return mark_safe("".join(parts))  # noqa: S308 (built from escaped parts)


class TimezoneField(forms.ChoiceField):
    """A timezone from the picker. An old name (Asia/Calcutta), stored or posted, is read
    as its current zone (Asia/Kolkata), so the form shows it selected and saves it under
    the current name."""

    widget = TimezoneSelect
    default_error_messages = {
        "invalid_choice": "Select a valid choice: “%(value)s” is not a timezone we know. "
        "Choose one from the list, for example America/Detroit or Europe/London.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", timezone_choices)
        kwargs.setdefault("label", "Timezone")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return canonical_timezone(value) if value else value

    def to_python(self, value) -> str:
        value = super().to_python(value)
        return canonical_timezone(value) if value else value

    def valid_value(self, value) -> bool:
        # After to_python, an offered zone, or a stored name with no current zone (kept).
        return is_valid_timezone(value)


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form with the person's name and timezone."""

    full_name = forms.CharField(
        max_length=User._meta.get_field("full_name").max_length,
        label="Full name",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # static/js/timezone-picker.js preselects the browser's zone on a fresh form ("fill");
    # a form sent back with errors keeps what the person chose. Without JavaScript it
    # starts at UTC and the person picks theirs.
    timezone = TimezoneField(
        initial=UTC,
        required=False,
        help_text="Meeting times and reminders are shown in this timezone.",
    )

    field_order = ["full_name", "email", "password1", "password2", "timezone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].widget.attrs["data-browser-timezone"] = (
            "suggest" if self.is_bound else "fill"
        )

    def clean_full_name(self) -> str:
        return normalize_full_name(self.cleaned_data["full_name"])

    def clean_timezone(self) -> str:
        # Empty only from a page rendered before the picker was visible: UTC, as then.
        return self.cleaned_data.get("timezone") or UTC

    def try_save(self, request):
        if self.account_already_exists:
            # allauth then only emails the address's owner, which is far quicker than
            # creating an account (mostly the password hash): hash the password we will
            # not use, so the time taken does not tell that the address is registered.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class ProfileForm(forms.ModelForm):
    institution_name = forms.CharField(
        label="Institution",
        required=False,
        max_length=INSTITUTION_MAX_LENGTH,
        help_text="Pick from the list or type a new one.",
        widget=forms.TextInput(attrs={"list": "institution-options", "autocomplete": "off"}),
    )
    timezone = TimezoneField(
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
    reminder_minutes = DistinctTypedMultipleChoiceField(
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
                label=f"Mute reminders and new-meeting emails from {m.circle.name}",
                initial=m.reminders_muted,
            )

    @transaction.atomic
    def save(self, user: User) -> None:
        """The person's reminder offsets and each circle's mute switch, all or nothing."""
        user.reminder_minutes = sorted(self.cleaned_data["reminder_minutes"], reverse=True)
        user.save(update_fields=["reminder_minutes"])
        for m in self.memberships:
            muted = self.cleaned_data[f"mute_{m.pk}"]
            if muted != m.reminders_muted:
                m.reminders_muted = muted
                m.save(update_fields=["reminders_muted"])


EARLIEST_MILESTONE = date(1950, 1, 1)
# Awards and new positions are often announced months before they start.
MILESTONE_FUTURE_REACH = relativedelta(years=1)


class MilestoneForm(forms.ModelForm):
    link = forms.URLField(
        required=False,
        max_length=Milestone._meta.get_field("link").max_length,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Optional: the paper, the award announcement or the grant's record.",
        error_messages={
            "invalid": "Enter a web address that starts with https://, or leave it empty.",
            "max_length": "Shorten the link to %(limit_value)d characters or fewer.",
        },
    )
    # Yes / No for position changes; "does not apply" for everything else, so a person who
    # ticked Yes by mistake can untick it without JavaScript.
    in_academia = forms.NullBooleanField(
        required=False,
        label="Is the new position in academia?",
        help_text="Only for a new position.",
        widget=forms.RadioSelect(
            choices=[
                (True, "Yes, in academia"),
                (False, "No, outside academia"),
                ("", "Does not apply (not a new position)"),
            ]
        ),
    )

    class Meta:
        model = Milestone
        fields = ["kind", "date", "title", "funder", "link", "in_academia"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"kind": "Kind of milestone", "funder": "Funder / mechanism"}
        help_texts = {
            "date": "When it happened: award or grant start, publication, promotion, move.",
            "title": "For example the grant or paper title, or the new role.",
            "funder": "For example NIH K23, AHA, ATS Foundation. Optional.",
        }
        error_messages = {
            "kind": {"required": "Choose what kind of milestone this is."},
            "date": {
                "required": "Enter the date, for example 2025-07-01.",
                "invalid": "Enter a real date, for example 2025-07-01.",
            },
            "title": {
                "required": "Enter a title: the award, paper, grant or role.",
                "max_length": "Shorten the title to %(limit_value)d characters or fewer "
                "(it has %(show_value)d).",
            },
            "funder": {
                "max_length": "Shorten this to %(limit_value)d characters or fewer "
                "(it has %(show_value)d).",
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choose…"), *list(self.fields["kind"].choices)[1:]]

    def clean_date(self) -> date:
        day = self.cleaned_data["date"]
        latest = timezone.localdate() + MILESTONE_FUTURE_REACH
        if day < EARLIEST_MILESTONE:
            raise ValidationError("Choose a date in 1950 or later.")
        if day > latest:
            raise ValidationError(
                f"Choose a date no later than {latest.day} {latest:%B %Y} (a year from now)."
            )
        return day

    def clean_title(self) -> str:
        # Line breaks pasted from a CV would not show in the one-line lists.
        return " ".join(self.cleaned_data["title"].split())

    def clean_funder(self) -> str:
        return " ".join(self.cleaned_data["funder"].split())

    def clean(self) -> dict:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        in_academia = cleaned.get("in_academia")
        if kind == Milestone.Kind.POSITION_CHANGE and in_academia is None:
            self.add_error(
                "in_academia", "Say whether the new position is in academia: choose Yes or No."
            )
        elif kind and kind != Milestone.Kind.POSITION_CHANGE and in_academia is not None:
            self.add_error(
                "in_academia",
                "This applies only to a new position: choose “Does not apply”, "
                "or change the kind of milestone.",
            )
        return cleaned
