from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from circles.models import Circle, Membership
from config.forms import DistinctMultipleChoiceField
from members.forms import TimezoneField
from members.models import User

from .actions import Details
from .models import (
    MAX_DURATION,
    MAX_SERIES_MEETINGS,
    MIN_DURATION,
    AgendaItem,
    Answer,
    Attendance,
    Format,
    Meeting,
    MeetingSeries,
    Survey,
)
from .times import NonexistentLocalTime, is_ambiguous, localize

http_url = URLValidator(schemes=["http", "https"], message="Enter a link that starts with https://")

# Dates people can mean: a year back (to record what happened) to three years ahead.
PAST_REACH = timedelta(days=366)
FUTURE_REACH = timedelta(days=3 * 366)


def within_reach(day: date) -> date:
    today = timezone.localdate()
    if not today - PAST_REACH <= day <= today + FUTURE_REACH:
        raise ValidationError("Choose a date between a year ago and three years from now.")
    return day


def member_choices(circle: Circle, *, include_on_leave: bool = False):
    statuses = Membership.SEATED if include_on_leave else (Membership.Status.ACTIVE,)
    return User.objects.filter(
        memberships__circle=circle, memberships__status__in=statuses
    ).order_by("full_name")


class MeetingDetailsForm(forms.Form):
    """When and how a meeting happens; shared by scheduling, series and editing."""

    title = forms.CharField(max_length=150)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="Start time", widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(
        label="Length (minutes)",
        min_value=MIN_DURATION,
        max_value=MAX_DURATION,
        help_text=f"From {MIN_DURATION} minutes to {MAX_DURATION // 60} hours.",
        error_messages={
            "min_value": f"A meeting lasts at least {MIN_DURATION} minutes.",
            "max_value": f"A meeting lasts at most {MAX_DURATION // 60} hours.",
        },
    )
    # The profile's and the circle's field: an old name (US/Eastern) reads as its current
    # zone, and a circle's zone with no current name (Etc/GMT+5) is still accepted.
    timezone = TimezoneField(
        help_text="The time above is in this zone; members see it in their own.",
    )
    meeting_format = forms.ChoiceField(label="Format", choices=Format.choices)
    video_link = forms.CharField(
        required=False, max_length=500, validators=[http_url], widget=forms.URLInput()
    )
    place = forms.CharField(required=False, max_length=200)
    agenda = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    facilitator = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Proposed fairly: the active member who has gone longest without the role.",
    )

    def __init__(self, *args, circle: Circle, **kwargs):
        super().__init__(*args, **kwargs)
        self.circle = circle
        self.ambiguous_note = ""
        # Members on leave are not proposed, but a meeting may already have one.
        self.fields["facilitator"].queryset = member_choices(circle, include_on_leave=True)
        if circle.kind == Circle.Kind.WORKGROUP:
            self.fields["facilitator"].label = "Chair"

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise ValidationError("Give the meeting a title.")
        return title

    def clean_date(self) -> date:
        return within_reach(self.cleaned_data["date"])

    def clean(self) -> dict:
        cleaned = super().clean()
        day, at, zone = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("timezone")
        if day and at and zone:
            try:
                localize(day, at, zone)
            except NonexistentLocalTime as exc:
                self.add_error("start_time", str(exc))
            else:
                if is_ambiguous(day, at, zone):
                    self.ambiguous_note = (
                        f"{at:%H:%M} happens twice on {day:%-d %B %Y} in {zone} (the clocks go "
                        "back that night); the meeting is at the first of the two."
                    )
        if cleaned.get("meeting_format") == Format.IN_PERSON and cleaned.get("video_link"):
            self.add_error("video_link", "An in-person meeting has no video link: choose hybrid.")
        return cleaned

    def details(self) -> Details:
        data = self.cleaned_data
        return Details(
            title=data["title"],
            meeting_format=data["meeting_format"],
            video_link=data["video_link"],
            place=data["place"],
            agenda=data["agenda"],
        )


class ScheduleForm(MeetingDetailsForm):
    """A one-off meeting, or the first of a series when `repeat` is set."""

    repeat = forms.ChoiceField(
        choices=[("", "Does not repeat"), *MeetingSeries.Frequency.choices],
        required=False,
    )
    interval = forms.IntegerField(
        label="Every N weeks", min_value=1, max_value=8, initial=1, required=False
    )
    week_of_month = forms.TypedChoiceField(
        label="Which week",
        coerce=int,
        # The empty choice comes first, so a browser that leaves the select alone sends ""
        # (the week of the date), not "1st".
        choices=[("", "The week of the date"), *MeetingSeries.WeekOfMonth.choices],
        required=False,
        empty_value=None,
        help_text="For “monthly on the n-th weekday”. Empty: the week of the date.",
    )
    end_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave both empty for an open-ended series.",
    )
    count = forms.IntegerField(
        label="Or number of meetings", min_value=1, max_value=MAX_SERIES_MEETINGS, required=False
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        repeat = cleaned.get("repeat")
        day = cleaned.get("date")
        if not repeat or not day or self.errors:
            return cleaned
        if day.day > 28 and repeat == MeetingSeries.Frequency.MONTHLY_DAY:
            self.add_error(
                "date",
                "Monthly on a day of the month works for days 1 to 28, "
                "which every month has. Choose “n-th weekday” or an earlier date.",
            )
            return cleaned
        if cleaned.get("end_date") and cleaned.get("count"):
            self.add_error("count", "Give an end date or a number of meetings, not both.")
            return cleaned
        if cleaned.get("end_date") and cleaned["end_date"] < day:
            self.add_error("end_date", "The series cannot end before its first meeting.")
            return cleaned
        if cleaned.get("end_date"):
            try:
                within_reach(cleaned["end_date"])
            except ValidationError as exc:
                self.add_error("end_date", exc)
                return cleaned
        series = self.build_series()
        # Every meeting the rule will ever make (or two years of an open-ended one) is
        # checked here, so a skipped DST hour is refused now, not found by the beat task.
        if series.count:
            starts = series.local_starts()
        else:
            starts = series.local_starts(until=series.end_date or day + timedelta(days=731))
        if series.end_date and len(starts) > MAX_SERIES_MEETINGS:
            self.add_error(
                "end_date",
                f"That makes {len(starts)} meetings; a series has at most "
                f"{MAX_SERIES_MEETINGS}. End it sooner, or start a new one later.",
            )
            return cleaned
        if not starts:
            self.add_error("repeat", "This rule gives no meeting at all: check the dates.")
        for local in starts:
            try:
                localize(local.date(), local.time(), series.timezone)
            except NonexistentLocalTime as exc:
                self.add_error("start_time", f"One of the meetings falls in a skipped hour: {exc}")
                break
        return cleaned

    def build_series(self) -> MeetingSeries:
        data = self.cleaned_data
        day = data["date"]
        week = data.get("week_of_month") or (day.day - 1) // 7 + 1
        if week == 5:  # the 29th to 31st: that weekday is the month's last
            week = MeetingSeries.WeekOfMonth.LAST
        return MeetingSeries(
            circle=self.circle,
            title=data["title"],
            frequency=data["repeat"],
            interval=data.get("interval") or 1,
            weekday=day.weekday(),
            week_of_month=week,
            day_of_month=day.day if day.day <= 28 else None,
            start_time=data["start_time"],
            duration_minutes=data["duration_minutes"],
            timezone=data["timezone"],
            start_date=day,
            end_date=data.get("end_date"),
            count=data.get("count"),
            meeting_format=data["meeting_format"],
            video_link=data["video_link"],
            place=data["place"],
            agenda=data["agenda"],
        )


# Without a usual slot, a new circle's first meeting is proposed on the next weekday evening.
DEFAULT_START = time(18)


def usual_slot(circle: Circle) -> tuple[int, time, int] | None:
    """(weekday, start time, minutes) most of the circle's latest scheduled meetings had,
    in the circle's zone (ties go to the latest); None for a circle without meetings."""
    zone = ZoneInfo(circle.timezone)
    latest = (
        Meeting.objects.filter(
            circle=circle,
            status=Meeting.Status.SCHEDULED,
            logged_after_the_fact=False,
            # A series is generated months ahead: look around now, not at its far end.
            start__lte=timezone.now() + timedelta(days=35),
        )
        .order_by("-start")
        .values_list("start", "end")[:6]
    )
    slots = Counter()
    for start, end in latest:
        local = start.astimezone(zone)
        slots[(local.weekday(), local.time(), int((end - start).total_seconds() // 60))] += 1
    return slots.most_common(1)[0][0] if slots else None


def schedule_initial(circle: Circle, facilitator) -> dict:
    """Pre-filled from the circle: the next date on its usual weekday at its usual time
    and length (from its latest meetings), else the next weekday (Monday to Friday) at
    18:00, in the circle's zone."""
    today = datetime.now(ZoneInfo(circle.timezone)).date()
    minutes = 60 if circle.kind == Circle.Kind.PEER_CIRCLE else 90
    usual = usual_slot(circle)
    if usual:
        weekday, at, minutes = usual
        day = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    else:
        at, day = DEFAULT_START, today + timedelta(days=1)
        while day.weekday() >= 5:  # Saturday, Sunday
            day += timedelta(days=1)
    return {
        "title": f"{circle.name} meeting",
        "date": day.isoformat(),
        "start_time": at.strftime("%H:%M"),
        "duration_minutes": minutes,
        "timezone": circle.timezone,
        "meeting_format": circle.meeting_format,
        "video_link": circle.video_link,
        "place": circle.place,
        "facilitator": facilitator,
    }


class EditForm(MeetingDetailsForm):
    scope = forms.ChoiceField(
        choices=[("this", "This meeting only"), ("following", "This and following meetings")],
        initial="this",
        widget=forms.RadioSelect,
        required=False,
        help_text="“This and following” keeps each meeting's date and changes the time of day, "
        "length and details of this one and every later one of the series.",
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, circle=meeting.circle, **kwargs)
        self.meeting = meeting
        # The zone a meeting was scheduled in stays; the time is read in it.
        self.fields["timezone"].disabled = True
        if meeting.series_id is None:
            del self.fields["scope"]

    @property
    def following(self) -> bool:
        return self.cleaned_data.get("scope") == "following"

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            self.following
            and cleaned.get("date")
            and (cleaned["date"] != self.meeting.local_start.date())
        ):
            self.add_error(
                "date",
                "To move one meeting to another day, choose “This meeting "
                "only”. “This and following” changes the time of day.",
            )
        if self.following and not self.errors and cleaned.get("start_time"):
            later = self.meeting.series.meetings.filter(
                original_start__gte=self.meeting.original_start
            ).exclude(status=Meeting.Status.CANCELLED)
            for m in later:
                try:
                    localize(m.local_start.date(), cleaned["start_time"], m.timezone)
                except NonexistentLocalTime as exc:
                    self.add_error(
                        "start_time", f"A later meeting would fall in a skipped hour: {exc}"
                    )
                    break
        return cleaned


def edit_initial(meeting: Meeting) -> dict:
    local = meeting.local_start
    return {
        "title": meeting.title,
        "date": local.date().isoformat(),
        "start_time": local.strftime("%H:%M"),
        "duration_minutes": meeting.duration_minutes,
        "timezone": meeting.timezone,
        "meeting_format": meeting.meeting_format,
        "video_link": meeting.video_link,
        "place": meeting.place,
        "agenda": meeting.agenda,
        "facilitator": meeting.facilitator_id,
        "scope": "this",
    }


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Members see this with the cancellation.",
    )
    scope = forms.ChoiceField(
        choices=[
            ("this", "This meeting only"),
            ("following", "This and all later meetings (end the series)"),
        ],
        initial="this",
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting.series_id is None:
            del self.fields["scope"]


class RSVPForm(forms.Form):
    answer = forms.ChoiceField(choices=Answer.choices)
    note = forms.CharField(required=False, max_length=200)


class SelfAttendanceForm(forms.Form):
    status = forms.ChoiceField(
        label="I was",
        choices=[(Attendance.Status.PRESENT, "Present"), (Attendance.Status.EXCUSED, "Excused")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(required=False, max_length=300, label="Note (optional)")


class AttendanceForm(forms.Form):
    """One status and note per expected member, pre-filled from attendance or RSVPs."""

    def __init__(self, *args, memberships, initial_marks: dict, optional=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = memberships
        for m in memberships:
            status, note = initial_marks.get(m.user_id, ("", ""))
            # `optional`: a member with no mark yet may stay unrecorded (at a meeting
            # logged after the fact, where only those recorded were expected).
            blank = optional and not status
            self.fields[f"status_{m.user_id}"] = forms.ChoiceField(
                label=m.user.display_name,
                choices=[("", "Not recorded"), *Attendance.Status.choices]
                if blank
                else Attendance.Status.choices,
                required=not blank,
                initial=status,
            )
            self.fields[f"note_{m.user_id}"] = forms.CharField(
                label=f"Note for {m.user.display_name}",
                required=False,
                max_length=300,
                initial=note,
            )

    def rows(self):
        return [
            (m, self[f"status_{m.user_id}"], self[f"note_{m.user_id}"]) for m in self.memberships
        ]

    def marks(self) -> dict:
        return {
            m.user: (
                self.cleaned_data[f"status_{m.user_id}"],
                self.cleaned_data[f"note_{m.user_id}"],
            )
            for m in self.memberships
            if self.cleaned_data[f"status_{m.user_id}"]
        }


class LogForm(forms.Form):
    summary = forms.CharField(
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What was discussed. Only members of the circle see it.",
    )
    decisions = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActionItemForm(forms.Form):
    text = forms.CharField(required=False, max_length=300, label="Action item")
    owner = forms.ModelChoiceField(queryset=None, required=False)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    done = forms.BooleanField(required=False)

    def __init__(self, *args, circle: Circle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_choices(circle, include_on_leave=True)

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("text") and (cleaned.get("owner") or cleaned.get("due_date")):
            self.add_error("text", "Describe the action, or clear its owner and date.")
        return cleaned


class BaseActionItemFormSet(forms.BaseFormSet):
    def total_form_count(self) -> int:
        # A tampered negative TOTAL_FORMS counts as none, not as an error page.
        return max(0, super().total_form_count())


MAX_ACTION_ITEMS = 30
# absolute_max caps the forms built from a tampered TOTAL_FORMS (Django's default allows
# max_num + 1000, seconds of work per request); beyond it the formset is refused.
ActionItemFormSet = forms.formset_factory(
    ActionItemForm,
    formset=BaseActionItemFormSet,
    extra=3,
    max_num=MAX_ACTION_ITEMS,
    absolute_max=MAX_ACTION_ITEMS,
    validate_max=True,
)


def action_items_from(formset) -> list[dict]:
    return [
        {
            "text": f.cleaned_data["text"],
            "owner": f.cleaned_data.get("owner"),
            "due_date": f.cleaned_data.get("due_date"),
            "done": f.cleaned_data.get("done", False),
        }
        for f in formset.forms
        if f.cleaned_data.get("text")
    ]


class UnscheduledForm(LogForm):
    title = forms.CharField(max_length=150, initial="Meeting")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(
        label="Length (minutes)", min_value=MIN_DURATION, max_value=MAX_DURATION, initial=60
    )
    field_order = ["title", "date", "start_time", "duration_minutes", "summary", "decisions"]

    def __init__(self, *args, circle: Circle, logged_by, **kwargs):
        super().__init__(*args, **kwargs)
        self.circle = circle
        # Who was there: nobody was invited to a meeting nobody scheduled, so only the
        # people recorded here count as expected (an organizer can complete it later).
        self.members = list(member_choices(circle, include_on_leave=True))
        for user in self.members:
            self.fields[f"was_{user.pk}"] = forms.ChoiceField(
                label=user.display_name,
                choices=[("", "Not recorded"), *Attendance.Status.choices],
                required=False,
                initial=Attendance.Status.PRESENT if user.pk == logged_by.pk else "",
            )

    def attendance_fields(self):
        return [self[f"was_{user.pk}"] for user in self.members]

    def meeting_fields(self):
        return [self[name] for name in self.fields if not name.startswith("was_")]

    def marks(self) -> dict:
        """{user: status} of the people recorded on the checklist."""
        return {
            user: self.cleaned_data[f"was_{user.pk}"]
            for user in self.members
            if self.cleaned_data.get(f"was_{user.pk}")
        }

    def clean_date(self) -> date:
        return within_reach(self.cleaned_data["date"])

    def clean(self) -> dict:
        cleaned = super().clean()
        day, at = cleaned.get("date"), cleaned.get("start_time")
        if day and at:
            try:
                start = localize(day, at, self.circle.timezone)
            except NonexistentLocalTime as exc:
                self.add_error("start_time", str(exc))
            else:
                if start > timezone.now():
                    self.add_error(
                        "date",
                        "Log a meeting that already happened. To plan one, "
                        "ask an organizer to schedule it.",
                    )
        return cleaned


class AgendaItemForm(forms.ModelForm):
    materials_link = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[http_url],
        help_text="A link to the draft, slides or aims (https).",
    )

    class Meta:
        model = AgendaItem
        fields = ["kind", "title", "presenter", "materials_link"]

    def __init__(self, *args, meeting: Meeting, may_choose_presenter: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if may_choose_presenter:
            self.fields["presenter"].queryset = member_choices(meeting.circle)
        else:
            del self.fields["presenter"]  # members put their own work on the agenda


class SwapForm(forms.Form):
    other = forms.ModelChoiceField(queryset=None, label="Swap with the facilitator of")

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = (
            Meeting.objects.filter(circle=meeting.circle)
            .upcoming()
            .exclude(pk=meeting.pk)
            .select_related("facilitator")  # swap_label names each one
        )
        self.fields["other"].label_from_instance = swap_label


def swap_label(meeting: Meeting) -> str:
    who = meeting.facilitator.display_name if meeting.facilitator else "no one yet"
    return f"{meeting.local_start:%a %-d %b %Y} — {who}"


class SurveyForm(forms.Form):
    usefulness = forms.TypedChoiceField(
        label="How useful was the meeting for you?",
        coerce=int,
        choices=[(i, str(i)) for i in range(1, 6)],
        widget=forms.RadioSelect,
        help_text="1 = not useful, 5 = very useful.",
    )
    got = DistinctMultipleChoiceField(
        label="What did you get from it?",
        required=False,
        choices=Survey.GOT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    recommend = forms.TypedChoiceField(
        label="How likely are you to recommend this circle to a colleague?",
        coerce=int,
        choices=[(i, str(i)) for i in range(0, 11)],
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
        help_text="0 = not at all, 10 = certainly.",
    )
    comment = forms.CharField(
        label="Anything else? (optional)",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown only to the circle's organizers, without your name.",
    )
