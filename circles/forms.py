from email.utils import getaddresses

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.html import escape
from django.utils.text import slugify

from members.forms import TimezoneField

from .models import KIND_DEFAULTS, Charter, Circle, Invitation, Program, Topic

MAX_INVITES_AT_ONCE = 100
NAME_MAX_LENGTH = Invitation._meta.get_field("name").max_length


class CircleForm(forms.ModelForm):
    """A circle's settings. On creation it also takes the first charter."""

    other_topics = forms.CharField(
        required=False,
        max_length=300,
        label="Other topics",
        help_text="Not in the list? Add topics separated by commas.",
    )
    timezone = TimezoneField(
        help_text="Where the circle usually meets; meeting times are set in this timezone.",
    )
    video_link = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="For online and hybrid meetings, e.g. a standing Zoom or Teams link.",
    )

    class Meta:
        model = Circle
        fields = [
            "name",
            "slug",
            "program",
            "description",
            "topics",
            "other_topics",
            "capacity",
            "join_policy",
            "visibility",
            "timezone",
            "meeting_format",
            "video_link",
            "place",
            "cadence",
        ]
        labels = {"slug": "Web address", "program": "Program (optional)"}
        help_texts = {
            "slug": "Letters, numbers and hyphens: /circles/<this>/. Made from the name if empty.",
            "description": "Who the circle is for and what it does. Visitors see this.",
            "place": "For in-person and hybrid meetings.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "topics": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["slug"].required = False
        # Only a program's admins (and whoever may change programs, for every program) may
        # move a circle into it or out of it: an organizer who is not one cannot hide their
        # circle from the program, nor file it under a program that did not ask for it. Being
        # staff is not enough: the staff flag alone grants nothing here, as in the admin.
        any_program = user.has_perm("circles.change_program")
        programs = Program.objects.all() if any_program else Program.objects.filter(admins=user)
        current = self.instance.program if self.instance.program_id else None
        self.program_note = ""
        if not programs.exists() or (current and not programs.filter(pk=current.pk).exists()):
            del self.fields["program"]
            self.program_note = (
                f"Part of {current}. Only its admins can move it to another program."
                if current
                else "Not part of a program. Only a program's admins can file a circle "
                "under their program: ask yours if it belongs to one."
            )
        else:
            which = "You may choose any program." if any_program else "Programs you administer."
            field = self.fields["program"]
            field.queryset = programs
            field.empty_label = "No program"
            field.help_text = f"{which} The program's admins see the circle in their reports."
        self.fields["topics"].queryset = Topic.objects.all()
        self.fields["topics"].required = False

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError("Give the circle a name.")
        return name

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug", "").strip().lower()
        if not slug:
            return ""
        taken = Circle.objects.filter(slug=slug).exclude(pk=self.instance.pk)
        if slug == "new" or taken.exists():
            raise ValidationError(
                f"The web address “{slug}” is taken. Choose another, e.g. “{slug}-2”."
            )
        return slug

    def clean_capacity(self) -> int | None:
        capacity = self.cleaned_data.get("capacity")
        if capacity is not None and self.instance.pk:
            seated = self.instance.seats_taken()
            if capacity < seated:
                raise ValidationError(
                    f"The circle has {seated} members now; the capacity cannot be lower. "
                    "Leave it empty for no limit."
                )
        return capacity

    def clean_other_topics(self) -> list[str]:
        names = [" ".join(t.split()) for t in self.cleaned_data["other_topics"].split(",")]
        names = [n for n in names if n]
        for name in names:
            if len(name) > 60:
                raise ValidationError(
                    f"“{name[:20]}…” is too long: keep topics under 60 characters."
                )
            if not slugify(name):
                raise ValidationError(f"“{name}” needs at least one letter or number.")
        return names

    def clean(self) -> dict:
        cleaned = super().clean()
        fmt = cleaned.get("meeting_format")
        if fmt == Circle.MeetingFormat.IN_PERSON and cleaned.get("video_link"):
            self.add_error("video_link", "An in-person circle has no video link: choose hybrid.")
        if not cleaned.get("slug") and cleaned.get("name") and not self.instance.pk:
            cleaned["slug"] = unique_slug(cleaned["name"])
        if not cleaned.get("slug") and self.instance.pk:
            cleaned["slug"] = self.instance.slug
        return cleaned

    def topic_changes(self) -> dict:
        """The chosen topics and the names of new ones, for the action to save."""
        return {
            "topics": list(self.cleaned_data.get("topics") or []),
            "new_topics": self.cleaned_data.get("other_topics") or [],
        }

    def model_fields(self) -> list[str]:
        """The circle columns this form edits (not the topics, which are many-to-many)."""
        names = [f for f in self.fields if f not in {"topics", "other_topics"}]
        return [*names, "updated_at"]


def unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "circle"
    slug, n = base, 2
    while slug == "new" or Circle.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class CharterForm(forms.ModelForm):
    class Meta:
        model = Charter
        fields = ["mission", "guiding_principles"]
        help_texts = {
            "mission": "What the circle is for, in a few sentences.",
            "guiding_principles": "One principle per line. Members accept these when they join.",
        }
        widgets = {
            "mission": forms.Textarea(attrs={"rows": 4}),
            "guiding_principles": forms.Textarea(attrs={"rows": 6}),
        }

    def clean_mission(self) -> str:
        return self._required_text("mission", "Write the circle's mission statement.")

    def clean_guiding_principles(self) -> str:
        return self._required_text("guiding_principles", "Write at least one guiding principle.")

    def _required_text(self, name: str, message: str) -> str:
        value = self.cleaned_data[name].strip()
        if not value:
            raise ValidationError(message)
        return value


def new_circle_initial(kind: str, user) -> tuple[dict, dict]:
    """Initial values for the circle form and its charter form for the chosen kind."""
    defaults = KIND_DEFAULTS[kind]
    circle = {
        "capacity": defaults["capacity"],
        "join_policy": defaults["join_policy"],
        "meeting_format": defaults["meeting_format"],
        "cadence": defaults["cadence"],
        "timezone": user.timezone,
        "visibility": Circle.Visibility.LISTED,
    }
    charter = {"mission": defaults["mission"], "guiding_principles": defaults["guiding_principles"]}
    return circle, charter


class JoinForm(forms.Form):
    accept_charter = forms.BooleanField(
        label="I have read the charter and agree to its guiding principles.",
        error_messages={"required": "To join, read the charter and tick this box."},
    )
    message = forms.CharField(
        required=False,
        max_length=1000,
        label="Message to the organizers (optional)",
        help_text="A line about yourself and why you would like to join.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, circle: Circle, **kwargs):
        super().__init__(*args, **kwargs)
        if circle.join_policy != Circle.JoinPolicy.APPROVAL:
            del self.fields["message"]
        if circle.current_charter_id is None:
            del self.fields["accept_charter"]


class AcceptCharterForm(forms.Form):
    accept_charter = forms.BooleanField(
        label="I have read the charter and agree to its guiding principles.",
        error_messages={"required": "Tick this box to accept the charter."},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=1000,
        label="Reason (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MemberActionForm(forms.Form):
    ACTIONS = {
        "approve": "Approve",
        "decline": "Decline",
        "admit": "Give a seat",
        "make_organizer": "Make organizer",
        "make_member": "Make member",
        "start_leave": "Mark on leave",
        "end_leave": "Mark back from leave",
        "remove": "Remove",
    }
    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    reason = forms.CharField(required=False, max_length=1000, widget=forms.TextInput())

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("action") == "remove" and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why this person is removed (they will not see it).")
        return cleaned


class InviteForm(forms.Form):
    emails = forms.CharField(
        label="Email addresses",
        max_length=20000,
        # Crispy renders help text as HTML: the example's angle brackets must be escaped.
        help_text=escape(
            "Paste one or more addresses, separated by commas, semicolons or new lines. "
            f"Up to {MAX_INVITES_AT_ONCE} at once. With a name, write it before the address: "
            "Erin Evans <erin@example.org>."
        ),
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
    )

    def clean_emails(self) -> list[str]:
        raw = self.cleaned_data["emails"].replace(";", ",").replace("\n", ",")
        self.skipped: list[tuple[str, str]] = []
        self.names: dict[str, str] = {}
        valid: list[str] = []
        for name, address in getaddresses([raw]):
            address = address.strip().lower()
            original = address or name.strip()
            if not original:
                continue
            try:
                validate_email(address)
                if len(address) > 254:
                    raise ValidationError("too long")
            except ValidationError:
                self.skipped.append((original, "not a valid email address"))
                continue
            if address in valid:
                self.skipped.append((address, "listed twice"))
                continue
            valid.append(address)
            if name := " ".join(name.split())[:NAME_MAX_LENGTH]:
                self.names[address] = name
        if len(valid) > MAX_INVITES_AT_ONCE:
            raise ValidationError(
                f"That is {len(valid)} addresses; send at most {MAX_INVITES_AT_ONCE} at once."
            )
        if not valid:
            raise ValidationError(
                "None of these is a valid email address: "
                + ", ".join(a for a, _ in self.skipped[:5])
            )
        return valid


class CircleFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Circle.Kind.choices])
    program = forms.ModelChoiceField(
        required=False,
        queryset=Program.objects.all(),
        to_field_name="slug",
        empty_label="Any program",
    )
    topic = forms.ModelChoiceField(
        required=False, queryset=Topic.objects.none(), to_field_name="slug", empty_label="Any topic"
    )
    meeting_format = forms.ChoiceField(
        required=False,
        label="Meets",
        choices=[("", "Online or in person"), *Circle.MeetingFormat.choices],
    )
    open_seats = forms.BooleanField(required=False, label="Has open seats")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only topics of circles anyone can find: an unlisted circle's own topic names
        # would tell outsiders about it.
        self.fields["topic"].queryset = Topic.objects.filter(
            circles__in=Circle.objects.discoverable()
        ).distinct()
        self.fields["program"].queryset = Program.objects.filter(
            circles__in=Circle.objects.discoverable()
        ).distinct()
