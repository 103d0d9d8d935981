import logging
import secrets
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from circles.models import Circle, Membership, Program
from members.timezones import validate_timezone

from .times import NonexistentLocalTime, localize

logger = logging.getLogger(__name__)


class MeetingError(Exception):
    """A change the rules do not allow; the message tells the person why."""


MIN_DURATION = 15
MAX_DURATION = 8 * 60
MAX_SERIES_MEETINGS = 100
# Open-ended series are generated this far ahead; a daily beat task keeps the horizon.
ROLLING_MONTHS = 6


class Format(models.TextChoices):
    ONLINE = "online", "Online"
    IN_PERSON = "in_person", "In person"
    HYBRID = "hybrid", "Hybrid"


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    MAYBE = "maybe", "Maybe"


class MeetingSeries(models.Model):
    """A rule that generates a circle's meetings in the circle's local time."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Every N weeks on a weekday"
        MONTHLY_WEEKDAY = "monthly_weekday", "Monthly on the n-th weekday (e.g. 2nd Tuesday)"
        MONTHLY_DAY = "monthly_day", "Monthly on a day of the month"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    class WeekOfMonth(models.IntegerChoices):
        FIRST = 1, "1st"
        SECOND = 2, "2nd"
        THIRD = 3, "3rd"
        FOURTH = 4, "4th"
        LAST = -1, "Last"

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="series")
    title = models.CharField(max_length=150)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(
        "every N weeks", default=1, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    week_of_month = models.SmallIntegerField(choices=WeekOfMonth.choices, null=True, blank=True)
    day_of_month = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    start_time = models.TimeField("local start time")
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MIN_DURATION), MaxValueValidator(MAX_DURATION)]
    )
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SERIES_MEETINGS)],
    )
    meeting_format = models.CharField(max_length=20, choices=Format.choices)
    video_link = models.URLField(blank=True, max_length=500)
    place = models.CharField(blank=True, max_length=200)
    agenda = models.TextField(blank=True, max_length=4000)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "meeting series"
        ordering = ["circle", "start_date"]

    def __str__(self) -> str:
        return f"{self.title} ({self.describe()})"

    def describe(self) -> str:
        """“Every 2 weeks on Thursday, 16:00” or “Monthly on the 2nd Tuesday, 12:00”."""
        at = f"{self.start_time:%H:%M}"
        if self.frequency == self.Frequency.WEEKLY:
            every = "Every week" if self.interval == 1 else f"Every {self.interval} weeks"
            return f"{every} on {self.get_weekday_display()}, {at}"
        if self.frequency == self.Frequency.MONTHLY_WEEKDAY:
            return (
                f"Monthly on the {self.get_week_of_month_display().lower()} "
                f"{self.get_weekday_display()}, {at}"
            )
        return f"Monthly on day {self.day_of_month}, {at}"

    def rule(self) -> rrule.rrule:
        """The recurrence as dateutil's rrule over *local* wall-clock datetimes."""
        start = datetime.combine(self.start_date, self.start_time)
        until = datetime.combine(self.end_date, self.start_time) if self.end_date else None
        common = {"dtstart": start, "until": until, "count": self.count}
        if self.frequency == self.Frequency.WEEKLY:
            return rrule.rrule(
                rrule.WEEKLY, interval=self.interval, byweekday=self.weekday, **common
            )
        if self.frequency == self.Frequency.MONTHLY_WEEKDAY:
            weekday = rrule.weekday(self.weekday)(self.week_of_month)
            return rrule.rrule(rrule.MONTHLY, byweekday=weekday, **common)
        return rrule.rrule(rrule.MONTHLY, bymonthday=self.day_of_month, **common)

    def local_starts(self, *, until: date | None = None) -> list[datetime]:
        """Naive local start datetimes, up to `until` (inclusive) when given."""
        rule = self.rule()
        if until is None:
            return list(rule[: MAX_SERIES_MEETINGS + 1])
        return list(rule.between(datetime.min, datetime.combine(until, self.start_time), inc=True))

    def horizon(self) -> date:
        return timezone.localdate() + relativedelta(months=ROLLING_MONTHS)

    @property
    def is_open_ended(self) -> bool:
        return self.end_date is None and self.count is None

    def generate(self, *, until: date | None = None) -> list["Meeting"]:
        """Create the meetings this series should have that do not exist yet: all of them
        for a series with an end date or count, up to the rolling horizon for an open-ended
        one (or up to `until` when given). Idempotent: an occurrence is identified by the
        local date of its original start, which edits never change."""
        if self.ended_at:
            return []
        if until is not None:
            starts = self.local_starts(until=until)
        elif self.is_open_ended:
            starts = self.local_starts(until=self.horizon())
        else:  # an end date or a count bounds the rule itself: make all of it
            starts = self.local_starts()
        tz = ZoneInfo(self.timezone)
        # One occurrence per local date: the date identifies it even after "this and
        # following" moved the series to another time of day.
        existing = {
            start.astimezone(tz).date()
            for start in self.meetings.values_list("original_start", flat=True)
        }
        duration = timedelta(minutes=self.duration_minutes)
        new = []
        for local in starts:
            if local.date() in existing:
                continue
            if len(new) >= MAX_SERIES_MEETINGS:  # at most this many per run
                break
            try:
                start = localize(local.date(), local.time(), self.timezone)
            except NonexistentLocalTime:
                # Checked when the series was made, up to its end or two years ahead;
                # a later rule change can still land one date in a skipped hour. That
                # date is left out (and logged) rather than stopping the whole series.
                logger.warning("series %s: %s skipped (DST gap)", self.pk, local)
                continue
            new.append(
                Meeting(
                    circle=self.circle,
                    series=self,
                    original_start=start,
                    title=self.title,
                    start=start,
                    end=start + duration,
                    timezone=self.timezone,
                    meeting_format=self.meeting_format,
                    video_link=self.video_link,
                    place=self.place,
                    agenda=self.agenda,
                    created_by=self.created_by,
                )
            )
        # ignore_conflicts: a concurrent run may have created the same occurrence; the
        # unique (series, original_start) constraint keeps one.
        Meeting.objects.bulk_create(new, ignore_conflicts=True)
        return new


class MeetingQuerySet(models.QuerySet):
    def for_member(self, user) -> "MeetingQuerySet":
        """Meetings of circles `user` currently sits in (active or on leave)."""
        if not user.is_authenticated:
            return self.none()
        seated = Membership.objects.seated().filter(user=user).values("circle")
        return self.filter(circle__in=seated)

    def visible_to(self, user) -> "MeetingQuerySet":
        """Meetings a person may open: those of circles they sit in, and of circles of the
        programs they administer (who see them like members, without organizer powers)."""
        if not user.is_authenticated:
            return self.none()
        seated = Membership.objects.seated().filter(user=user).values("circle")
        # Subqueries, not a join through the admins table: no duplicate rows, so no
        # DISTINCT over every column, which cost PostgreSQL 5 ms of planning for the
        # meeting page's one row (docs/performance.md).
        administered = Program.admins.through.objects.filter(user=user).values("program")
        return self.filter(Q(circle__in=seated) | Q(circle__program__in=administered))

    def upcoming(self) -> "MeetingQuerySet":
        return self.filter(end__gte=timezone.now(), status=Meeting.Status.SCHEDULED).order_by(
            "start"
        )

    def past(self) -> "MeetingQuerySet":
        return self.filter(start__lt=timezone.now()).order_by("-start")

    def held(self) -> "MeetingQuerySet":
        return self.filter(start__lt=timezone.now(), status=Meeting.Status.SCHEDULED)


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="meetings")
    series = models.ForeignKey(
        MeetingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    # The start the series rule gave this occurrence; unchanged when it is moved.
    original_start = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=150)
    start = models.DateTimeField()
    end = models.DateTimeField()
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    meeting_format = models.CharField(max_length=20, choices=Format.choices)
    video_link = models.URLField(blank=True, max_length=500)
    place = models.CharField(blank=True, max_length=200)
    agenda = models.TextField(blank=True, max_length=4000)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitated_meetings",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.TextField(blank=True, max_length=1000)
    sequence = models.PositiveIntegerField(default=0)
    logged_after_the_fact = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="meetings_meeting_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["series", "original_start"], name="meetings_meeting_one_per_occurrence"
            ),
        ]
        indexes = [
            # Serves "upcoming meetings of my circles" and each circle's meeting list.
            models.Index(fields=["circle", "start"], name="meetings_meeting_circle_start"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", kwargs={"pk": self.pk})

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def has_started(self) -> bool:
        return self.start <= timezone.now()

    @property
    def can_rsvp(self) -> bool:
        return not self.is_cancelled and not self.has_started

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(ZoneInfo(self.timezone))

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(ZoneInfo(self.timezone))

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def set_answer(self, user, *, answer: str, note: str = "") -> "RSVP":
        """`user`'s RSVP to this meeting; answers close when it starts or is cancelled."""
        if self.is_cancelled:
            raise MeetingError("This meeting was cancelled.")
        if self.has_started:
            raise MeetingError("This meeting has already started: answers are closed.")
        reply, _ = RSVP.objects.update_or_create(
            meeting=self, user=user, defaults={"answer": answer, "note": note}
        )
        return reply

    def mark(self, user, *, status: str, note: str, by) -> "Attendance":
        """Record `user`'s attendance as `by` gave it, with a history row for each change
        (none when nothing changed)."""
        attendance = Attendance.objects.filter(meeting=self, user=user).first()
        if attendance and (attendance.status, attendance.note, attendance.recorded_by_id) == (
            status,
            note,
            by.pk,
        ):
            return attendance
        if attendance is None:
            attendance = Attendance(meeting=self, user=user)
        attendance.status, attendance.note, attendance.recorded_by = status, note, by
        attendance.save()
        AttendanceChange.objects.create(
            attendance=attendance, status=status, note=note, changed_by=by
        )
        return attendance

    def set_facilitator(self, user) -> None:
        self.facilitator = user
        self.save(update_fields=["facilitator", "updated_at"])


def next_meeting_start() -> Subquery:
    """For a circle row (OuterRef("pk")): the start of its next scheduled meeting.
    Registered with circles for CircleQuerySet.with_next_meeting()."""
    upcoming = Meeting.objects.filter(
        circle=OuterRef("pk"), status=Meeting.Status.SCHEDULED, start__gte=timezone.now()
    ).order_by("start")
    return Subquery(upcoming.values("start")[:1])


class SeriesRSVP(models.Model):
    """“I'll come to all of these”: counts for every meeting of the series that starts
    after it was given, unless the person answers one meeting differently."""

    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="series_rsvps"
    )
    answer = models.CharField(max_length=10, choices=Answer.choices)
    valid_from = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["series", "user"], name="meetings_seriesrsvp_one_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.series.title} (series): {self.answer}"


class RSVP(models.Model):
    Answer = Answer

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps"
    )
    answer = models.CharField(max_length=10, choices=Answer.choices)
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], name="meetings_rsvp_one_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.meeting}: {self.answer}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        ABSENT = "absent", "Absent"
        EXCUSED = "excused", "Excused"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], name="meetings_attendance_one_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}: {self.status}"

    @property
    def is_self_reported(self) -> bool:
        return self.recorded_by_id == self.user_id


class AttendanceChange(models.Model):
    """Every change to an attendance mark, with who made it: a member can see and
    correct their own record, and nobody's correction is silent."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(max_length=10, choices=Attendance.Status.choices)
    note = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.status} by {self.changed_by} at {self.at:%Y-%m-%d %H:%M}"


class MeetingLog(models.Model):
    """What happened: visible to the circle only, never exported."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="log")
    summary = models.TextField(max_length=10000)
    decisions = models.TextField(blank=True, max_length=5000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    minutes_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Log of {self.meeting}"


class ActionItem(models.Model):
    log = models.ForeignKey(MeetingLog, on_delete=models.CASCADE, related_name="action_items")
    text = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["done", "due_date", "pk"]

    def __str__(self) -> str:
        return self.text


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", "Discussion topic"
        WORK_IN_PROGRESS = "wip", "Works in progress"
        GRANT_REVIEW = "grant", "Grant review"
        MANUSCRIPT_REVIEW = "manuscript", "Manuscript review"
        CAREER_TOPIC = "career", "Career topic"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DISCUSSION)
    title = models.CharField(max_length=200)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
    )
    materials_link = models.URLField(blank=True, max_length=500)
    position = models.PositiveSmallIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A person's private calendar subscription. The token is the only secret in the URL;
    resetting it kills the old URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:feed", kwargs={"token": self.token})

    @classmethod
    def for_user(cls, user) -> "CalendarFeed":
        feed, _ = cls.objects.get_or_create(user=user, defaults={"token": cls.new_token()})
        return feed

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    def reset(self) -> None:
        self.token = self.new_token()
        self.save(update_fields=["token", "created_at"])


def last_held_role(circle: Circle, *, presenter: bool) -> dict[int, datetime]:
    """user id → when they last facilitated (or presented at) a meeting of `circle`."""
    if presenter:
        rows = AgendaItem.objects.filter(
            meeting__circle=circle,
            presenter__isnull=False,
            meeting__status=Meeting.Status.SCHEDULED,
        ).values_list("presenter_id", "meeting__start")
    else:
        rows = Meeting.objects.filter(
            circle=circle, facilitator__isnull=False, status=Meeting.Status.SCHEDULED
        ).values_list("facilitator_id", "start")
    last: dict[int, datetime] = {}
    for user_id, start in rows:
        if user_id not in last or start > last[user_id]:
            last[user_id] = start
    return last


def propose_next(circle: Circle, *, presenter: bool, seated: list[Membership] | None = None):
    """The active member (not on leave) who has gone longest without the role: never
    first, then longest ago; ties go to who joined the circle earlier. `seated`: the
    circle's seated memberships (with their users) when the caller has them already."""
    last = last_held_role(circle, presenter=presenter)
    oldest = datetime.min.replace(tzinfo=ZoneInfo("UTC"))
    if seated is None:
        members = (
            circle.memberships.filter(status=Membership.Status.ACTIVE)
            .select_related("user")
            .order_by("joined_at", "pk")
        )
    else:
        members = sorted(
            (m for m in seated if m.status == Membership.Status.ACTIVE),
            # As PostgreSQL orders joined_at: no date last.
            key=lambda m: (m.joined_at is None, m.joined_at or oldest, m.pk),
        )
    ranked = sorted(members, key=lambda m: (m.user_id in last, last.get(m.user_id, oldest)))
    return ranked[0].user if ranked else None


class SurveyQuerySet(models.QuerySet):
    def summary(self, *, with_comments: bool) -> dict:
        """Aggregate answers in SQL. Below SURVEY_MIN_ANSWERS answers only the counts are
        given, so no one can be singled out; comments come without names, in a fixed
        order that says nothing about who wrote them."""
        from django.db.models import Avg, Count

        totals = self.aggregate(
            sent=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            # (named apart from the fields: an alias equal to a field hides it from the
            # count below)
            usefulness_mean=Avg("usefulness", filter=Q(answered_at__isnull=False)),
            recommend_mean=Avg("recommend", filter=Q(answered_at__isnull=False)),
            # "recommend" is optional: its mean needs as many answers that gave one.
            recommend_answers=Count(
                "pk", filter=Q(answered_at__isnull=False, recommend__isnull=False)
            ),
        )
        result = {"sent": totals["sent"], "answered": totals["answered"], "shown": False}
        if totals["answered"] < settings.SURVEY_MIN_ANSWERS:
            return result
        answered = self.filter(answered_at__isnull=False)
        distribution = dict(answered.values_list("usefulness").annotate(n=Count("pk")))
        got: dict[str, int] = {}
        for values in answered.values_list("got", flat=True):
            for value in values or []:
                got[value] = got.get(value, 0) + 1
        labels = dict(Survey.GOT_CHOICES)
        result.update(
            shown=True,
            usefulness=round(totals["usefulness_mean"] or 0, 1),
            recommend=None
            if totals["recommend_mean"] is None
            or totals["recommend_answers"] < settings.SURVEY_MIN_ANSWERS
            else round(totals["recommend_mean"], 1),
            distribution=[(score, distribution.get(score, 0)) for score in range(1, 6)],
            got=sorted(((labels.get(k, k), n) for k, n in got.items()), key=lambda x: -x[1]),
            comments=sorted(
                c for c in answered.exclude(comment="").values_list("comment", flat=True)
            )
            if with_comments
            else [],
        )
        return result


class Survey(models.Model):
    """A member's follow-up questionnaire for one meeting. Answers are shown only in
    aggregate, once at least SURVEY_MIN_ANSWERS people answered; comments never leave
    the circle and never carry a name."""

    GOT_CHOICES = [
        ("career_advice", "Career advice"),
        ("research_feedback", "Research feedback"),
        ("networking", "Networking"),
        ("wellbeing", "Wellbeing support"),
        ("accountability", "Accountability"),
        ("skills", "Skills"),
    ]

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="surveys")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="surveys"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    usefulness = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    got = models.JSONField(default=list, blank=True)
    recommend = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    comment = models.TextField(blank=True, max_length=3000)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], name="meetings_survey_one_per_person"
            ),
        ]
        indexes = [
            # reports.figures.usefulness_distribution: the answered scores of a scope's
            # meetings read from this small index alone (an index-only scan), not from the
            # survey table with its comments (about half its rows are unanswered).
            models.Index(
                fields=["meeting", "usefulness"],
                condition=Q(answered_at__isnull=False, usefulness__isnull=False),
                name="meetings_survey_scores",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey for {self.meeting} ({'answered' if self.answered_at else 'open'})"

    @property
    def is_usable(self) -> bool:
        return self.answered_at is None and self.expires_at > timezone.now()

    def answer(
        self, *, usefulness: int, got: list[str], recommend: int | None, comment: str
    ) -> bool:
        """Record the answers once: a conditional UPDATE, so a double submit cannot answer
        twice. Returns whether this call recorded them."""
        return bool(
            Survey.objects.filter(pk=self.pk, answered_at__isnull=True).update(
                answered_at=timezone.now(),
                usefulness=usefulness,
                got=got,
                recommend=recommend,
                comment=comment,
            )
        )


class ParticipationFact(models.Model):
    """One membership stay at one meeting it was seated for, as meetings/participation.py
    rules it (expected, on leave, the answer that counts): the table the participation
    reports read. Kept in the same transaction as every write that changes it
    (meetings/facts.py); `manage.py participation_facts --check` proves it equals a
    rebuild. Rows exist for every meeting not cancelled, future ones too: reports keep
    those that started before the end of their range, so time passing changes nothing
    here."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="participation_facts"
    )
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    meeting_start = models.DateTimeField()  # the meeting's start, for range filters
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    # 0/1 integers, not booleans: the reports SUM them (PostgreSQL sums no booleans).
    on_leave = models.PositiveSmallIntegerField()
    eligible = models.PositiveSmallIntegerField()
    attended = models.PositiveSmallIntegerField()
    responded = models.PositiveSmallIntegerField()
    # NULL, not '': no answer, no mark, exactly as the LEFT JOINs of the rule give them.
    rsvp = models.CharField(max_length=10, choices=Answer.choices, null=True)  # noqa: DJ001
    attendance = models.CharField(  # noqa: DJ001
        max_length=10, choices=Attendance.Status.choices, null=True
    )
    surveyed = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            # Also serves a refresh of one meeting's rows.
            models.UniqueConstraint(
                fields=["meeting", "membership"], name="meetings_participationfact_one_per_stay"
            ),
        ]
        indexes = [
            # Serves the per-member table (sums per membership within a range) and a
            # refresh of one membership's rows.
            models.Index(fields=["membership", "meeting_start"], name="meetings_pfact_stay_start"),
            # Serves the participation export, its count and the research dose (a scope's
            # circles within a range, in meeting order) and a refresh of one circle.
            models.Index(fields=["circle", "meeting_start"], name="meetings_pfact_circle_start"),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} at {self.meeting_id}"


class MeetingFact(models.Model):
    """The participation facts of one meeting (not cancelled) summed, with its surveys:
    circle summaries, the per-meeting table and the attendance chart read one row per
    meeting instead of one per member and meeting. Recomputed from ParticipationFact
    whenever that changes (meetings/facts.py)."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, primary_key=True, related_name="fact"
    )
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    logged_after_the_fact = models.BooleanField()
    eligible = models.PositiveIntegerField()
    attended = models.PositiveIntegerField()
    responded = models.PositiveIntegerField()
    rsvp_yes = models.PositiveIntegerField()
    rsvp_no = models.PositiveIntegerField()
    rsvp_maybe = models.PositiveIntegerField()
    absent = models.PositiveIntegerField()
    excused = models.PositiveIntegerField()
    surveys_sent = models.PositiveIntegerField()
    surveys_answered = models.PositiveIntegerField()
    usefulness_sum = models.PositiveIntegerField()
    usefulness_answers = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # Serves circle summaries, the per-meeting table and the attendance chart (a
            # scope's circles within a range).
            models.Index(fields=["circle", "start"], name="meetings_mfact_circle_start"),
        ]

    def __str__(self) -> str:
        return f"Facts of {self.meeting_id}"
