"""Writes about meetings: scheduling, series, edits with their scope, cancellation, RSVPs,
attendance, logs, minutes, agendas. Each runs in one transaction and bumps the meeting's
calendar SEQUENCE when its time, place or status changes."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from circles.models import Circle
from outbox import kinds
from outbox.delivery import stored_message
from outbox.messages import notify
from outbox.mime import OutboxMessage
from outbox.models import Notification

from .calendar import addressed_to, calendar_method, to_ics
from .facts import refresh_facts
from .models import (
    RSVP,
    ActionItem,
    AgendaItem,
    Attendance,
    Format,
    Meeting,
    MeetingError,
    MeetingLog,
    MeetingSeries,
    SeriesRSVP,
    Survey,
)
from .reminders import announce, cancel_reminders, reschedule_reminders
from .times import localize


def build_calendar_update(row: Notification, cache: dict) -> OutboxMessage:
    """A change or cancellation as it was rendered when queued, its calendar file made a
    text/calendar part whose method is the file's own: REQUEST updates the invitation the
    members accepted, CANCEL removes it (calendar programs trust neither under another
    method)."""
    message = stored_message(row)
    if not row.ics:
        return message
    message.attachments = [a for a in message.attachments if a[0] != "meeting.ics"]
    message.attach_alternative(row.ics, f"text/calendar; method={calendar_method(row.ics)}")
    message.attach("invite.ics", row.ics.encode(), "application/ics")
    return message


MEETING_CHANGED = kinds.register("meeting_changed", "Meeting changed", build=build_calendar_update)
MEETING_CANCELLED = kinds.register(
    "meeting_cancelled", "Meeting cancelled", build=build_calendar_update
)
MINUTES = kinds.register("minutes", "Minutes")


@dataclass
class Details:
    """What a meeting (or a series' meetings) look like, apart from when."""

    title: str
    meeting_format: str
    video_link: str = ""
    place: str = ""
    agenda: str = ""


@transaction.atomic
def schedule(
    circle: Circle,
    *,
    day: date,
    at: time,
    minutes: int,
    zone: str,
    details: Details,
    by,
    facilitator=None,
) -> Meeting:
    start = localize(day, at, zone)
    meeting = Meeting.objects.create(
        circle=circle,
        title=details.title,
        start=start,
        end=start + timedelta(minutes=minutes),
        timezone=zone,
        meeting_format=details.meeting_format,
        video_link=details.video_link,
        place=details.place,
        agenda=details.agenda,
        facilitator=facilitator,
        created_by=by,
    )
    refresh_facts(meetings=[meeting.pk])
    announce(meeting, by=by)
    return meeting


@transaction.atomic
def create_series(series: MeetingSeries, *, by) -> MeetingSeries:
    """Save the series and generate its meetings up to the rolling horizon (or its end);
    the members are told once, about the series."""
    series.created_by = by
    series.save()
    series.generate()
    refresh_facts(series=[series.pk])
    announce(None, by=by, series=series)
    return series


@dataclass(frozen=True)
class Before:
    """A meeting as members knew it before an edit: the change email shows old → new."""

    title: str
    start: datetime
    end: datetime
    timezone: str
    meeting_format: str
    place: str
    video_link: str
    agenda: str

    @classmethod
    def of(cls, meeting: Meeting) -> "Before":
        return cls(**{name: getattr(meeting, name) for name in cls.__dataclass_fields__})

    def get_meeting_format_display(self) -> str:
        return Format(self.meeting_format).label

    def changes(self, meeting: Meeting) -> dict[str, bool]:
        """What members would notice changed: time, title, format, place, link, agenda."""
        changed = {
            "time": (self.start, self.end) != (meeting.start, meeting.end),
            "title": self.title != meeting.title,
            "format": self.meeting_format != meeting.meeting_format,
            "place": self.place != meeting.place,
            "video_link": self.video_link != meeting.video_link,
            "agenda": self.agenda.strip() != meeting.agenda.strip(),
        }
        return {name: True for name, value in changed.items() if value}


def _bump(meeting: Meeting) -> None:
    meeting.sequence = F("sequence") + 1


@transaction.atomic
def edit(
    meeting: Meeting, *, day: date, at: time, minutes: int, details: Details, following: bool, by
) -> list[Meeting]:
    """Change one meeting, or (`following`) this and every later meeting of its series:
    those keep their own dates and take the new time of day, length and details, and so
    does the series for the meetings it generates later."""
    if not following or meeting.series_id is None:
        start = localize(day, at, meeting.timezone)
        before = Before.of(meeting)
        _apply(meeting, start, minutes, details)
        # A new time can seat other people (joined, left or on leave in between).
        refresh_facts(meetings=[meeting.pk])
        _announce_change(meeting, before, by=by)
        return [meeting]
    series = MeetingSeries.objects.select_for_update().get(pk=meeting.series_id)
    later = list(
        series.meetings.filter(original_start__gte=meeting.original_start)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("start")
    )
    # Check every date first, so a skipped DST hour on one of them changes nothing at all.
    starts = [localize(m.local_start.date(), at, m.timezone) for m in later]
    for m, start in zip(later, starts, strict=True):
        before = Before.of(m)
        _apply(m, start, minutes, details)
        _announce_change(m, before, by=by)
    series.start_time = at
    series.duration_minutes = minutes
    for field, value in vars(details).items():
        setattr(series, field, value)
    series.save()
    refresh_facts(meetings=[m.pk for m in later])
    return later


def _tell_members(
    meeting: Meeting,
    kind: str,
    *,
    key: str,
    by,
    method: str = "REQUEST",
    context: dict | None = None,
) -> None:
    """Email every seated member but `by` (who made the change and knows it) about
    `meeting`, in their own timezone, with the invitation updated (REQUEST, a higher
    SEQUENCE) or withdrawn (CANCEL) for them as its attendee; `key` makes it once per
    person."""
    ics = to_ics([meeting], name=meeting.circle.name, method=method, invitation=True).decode()
    members = meeting.circle.memberships.seated().exclude(user=by).select_related("user")
    for membership in members:
        user = membership.user
        notify(
            kind,
            user,
            circle=meeting.circle,
            meeting=meeting,
            key=f"{key}:{membership.user_id}",
            ics=addressed_to(
                ics, email=user.email, name=user.display_name, answer=method == "REQUEST"
            ),
            context={**(context or {}), "zone": user.timezone},
        )


def _announce_change(meeting: Meeting, before: Before, *, by) -> None:
    """Move the pending reminders; tell the members what changed (old → new)."""
    reschedule_reminders(meeting)
    changes = before.changes(meeting)
    if meeting.has_started or not changes:
        return
    _tell_members(
        meeting,
        MEETING_CHANGED,
        key=f"changed:{meeting.pk}:{meeting.sequence}",
        by=by,
        context={"before": before, "changes": changes},
    )


def _apply(meeting: Meeting, start, minutes: int, details: Details) -> None:
    meeting.start = start
    meeting.end = start + timedelta(minutes=minutes)
    for field, value in vars(details).items():
        setattr(meeting, field, value)
    _bump(meeting)
    meeting.save()
    meeting.refresh_from_db(fields=["sequence"])


@transaction.atomic
def cancel(meeting: Meeting, *, reason: str, following: bool, by) -> list[Meeting]:
    """Cancel one meeting, or end its series from this meeting on."""
    if meeting.has_started:
        raise MeetingError("A meeting that has taken place cannot be cancelled.")
    meetings = [meeting]
    if following and meeting.series_id:
        series = MeetingSeries.objects.select_for_update().get(pk=meeting.series_id)
        meetings = list(
            series.meetings.filter(
                original_start__gte=meeting.original_start, status=Meeting.Status.SCHEDULED
            )
        )
        series.end_date = meeting.local_start.date() - timedelta(days=1)
        series.ended_at = timezone.now()
        series.save(update_fields=["end_date", "ended_at"])
    for m in meetings:
        m.status = Meeting.Status.CANCELLED
        m.cancel_reason = reason
        _bump(m)
        m.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
        m.refresh_from_db(fields=["sequence"])
        cancel_reminders(m)
        _tell_members(
            m,
            MEETING_CANCELLED,
            key=f"cancelled:{m.pk}",
            by=by,
            method="CANCEL",
            context={"reason": reason},
        )
    refresh_facts(meetings=[m.pk for m in meetings])
    return meetings


# --- RSVPs ------------------------------------------------------------------------------------


def _require_seat(circle: Circle, user) -> None:
    if not circle.is_member(user):
        raise MeetingError("Only members of the circle can answer.")


@transaction.atomic
def rsvp(meeting: Meeting, user, *, answer: str, note: str = "") -> RSVP:
    _require_seat(meeting.circle, user)
    reply = meeting.set_answer(user, answer=answer, note=note)
    refresh_facts(meetings=[meeting.pk], users=[user.pk])
    return reply


@transaction.atomic
def rsvp_series(series: MeetingSeries, user, *, answer: str) -> SeriesRSVP:
    """One answer for every meeting of the series from now on; answers given for single
    meetings stay as they are (they override it)."""
    _require_seat(series.circle, user)
    now = timezone.now()
    previous = SeriesRSVP.objects.select_for_update().filter(series=series, user=user).first()
    if previous and previous.answer != answer:
        # Meetings that already started keep the answer that held for them: write it down
        # per meeting before the series answer changes.
        started = series.meetings.filter(start__gte=previous.valid_from, start__lte=now).exclude(
            rsvps__user=user
        )
        RSVP.objects.bulk_create(
            [RSVP(meeting=m, user=user, answer=previous.answer) for m in started],
            ignore_conflicts=True,
        )
    reply, _ = SeriesRSVP.objects.update_or_create(
        series=series, user=user, defaults={"answer": answer, "valid_from": now}
    )
    refresh_facts(series=[series.pk], users=[user.pk])
    return reply


# --- attendance --------------------------------------------------------------------------------


@transaction.atomic
def record_attendance(meeting: Meeting, marks: dict, *, by) -> None:
    """An organizer's marks for the meeting: {user: (status, note)}."""
    if meeting.is_cancelled:
        raise MeetingError("A cancelled meeting has no attendance.")
    if not meeting.has_started:
        raise MeetingError("Attendance can be recorded once the meeting has started.")
    for user, (status, note) in marks.items():
        meeting.mark(user, status=status, note=note, by=by)
    refresh_facts(meetings=[meeting.pk], users=[user.pk for user in marks])


@transaction.atomic
def report_own_attendance(meeting: Meeting, user, *, status: str, note: str) -> Attendance:
    """A member marks themselves present or excused (never absent: that is the
    organizers' call, and the member can see and answer it)."""
    _require_seat(meeting.circle, user)
    if status not in (Attendance.Status.PRESENT, Attendance.Status.EXCUSED):
        raise MeetingError("You can mark yourself present or excused.")
    if meeting.is_cancelled or not meeting.has_started:
        raise MeetingError("You can report your attendance once the meeting has started.")
    attendance = meeting.mark(user, status=status, note=note, by=user)
    refresh_facts(meetings=[meeting.pk], users=[user.pk])
    return attendance


# --- surveys ---------------------------------------------------------------------------------


@transaction.atomic
def answer_survey(survey: Survey, **answers) -> bool:
    """Record a survey's answers once (Survey.answer); whether this call recorded them."""
    answered = survey.answer(**answers)
    if answered:
        refresh_facts(meetings=[survey.meeting_id], users=[survey.user_id])
    return answered


# --- logs, minutes, agendas ----------------------------------------------------------------


@transaction.atomic
def save_log(
    meeting: Meeting, *, summary: str, decisions: str, action_items: list[dict], by
) -> MeetingLog:
    if meeting.is_cancelled:
        raise MeetingError("A cancelled meeting cannot be logged.")
    log, _ = MeetingLog.objects.update_or_create(
        meeting=meeting, defaults={"summary": summary, "decisions": decisions, "written_by": by}
    )
    log.action_items.all().delete()
    ActionItem.objects.bulk_create(ActionItem(log=log, **item) for item in action_items)
    return log


@transaction.atomic
def log_unscheduled(
    circle: Circle,
    *,
    day: date,
    at: time,
    minutes: int,
    title: str,
    summary: str,
    decisions: str,
    action_items: list[dict],
    by,
    marks: dict | None = None,
) -> Meeting:
    """Record a meeting that happened without being scheduled, with its log and who was
    there (`marks`, {user: status}; without them, the person logging it was there). Only
    the people recorded are expected at it (meetings/participation.py)."""
    start = localize(day, at, circle.timezone)
    if start > timezone.now():
        raise MeetingError("Only a meeting that already happened can be logged.")
    meeting = Meeting.objects.create(
        circle=circle,
        title=title,
        start=start,
        end=start + timedelta(minutes=minutes),
        timezone=circle.timezone,
        meeting_format=circle.meeting_format,
        logged_after_the_fact=True,
        created_by=by,
    )
    save_log(meeting, summary=summary, decisions=decisions, action_items=action_items, by=by)
    if marks is None:
        marks = {by: Attendance.Status.PRESENT}
    seated = set(circle.memberships.seated().values_list("user_id", flat=True))
    for user, status in marks.items():
        if user.pk in seated:
            meeting.mark(user, status=status, note="", by=by)
    refresh_facts(meetings=[meeting.pk])
    return meeting


@transaction.atomic
def send_minutes(meeting: Meeting, *, by) -> int:
    log = MeetingLog.objects.select_for_update().get(meeting=meeting)
    members = meeting.circle.memberships.seated().select_related("user")
    for membership in members:
        notify(
            MINUTES,
            membership.user,
            circle=meeting.circle,
            context={
                "meeting": meeting,
                "log": log,
                "action_items": list(log.action_items.select_related("owner")),
                "zone": membership.user.timezone,
            },
        )
    log.minutes_sent_at = timezone.now()
    log.save(update_fields=["minutes_sent_at"])
    return len(members)


@transaction.atomic
def add_agenda_item(
    meeting: Meeting, *, kind: str, title: str, presenter, materials_link: str, by
) -> AgendaItem:
    if meeting.is_cancelled or meeting.has_started:
        raise MeetingError("The agenda of a past or cancelled meeting is closed.")
    position = meeting.agenda_items.count()
    return AgendaItem.objects.create(
        meeting=meeting,
        kind=kind,
        title=title,
        presenter=presenter,
        materials_link=materials_link,
        position=position,
        added_by=by,
    )


def remove_agenda_item(item: AgendaItem) -> None:
    """The caller checked who may remove it (organizers, its presenter, who added it)."""
    item.delete()


@transaction.atomic
def swap_facilitators(meeting: Meeting, other: Meeting, *, by) -> None:
    """Two upcoming meetings of one circle trade facilitators (one of them may have none)."""
    if meeting.circle_id != other.circle_id or meeting.pk == other.pk:
        raise MeetingError("Choose another upcoming meeting of the same circle.")
    if meeting.has_started or other.has_started or meeting.is_cancelled or other.is_cancelled:
        raise MeetingError("Only upcoming meetings can swap facilitators.")
    meeting.facilitator, other.facilitator = other.facilitator, meeting.facilitator
    for m in (meeting, other):
        m.save(update_fields=["facilitator", "updated_at"])
