"""The emails about a meeting that are built when they are sent: the announcement of a
newly scheduled meeting or series (with a calendar invitation), reminders before
meetings and follow-up surveys after them. Planning writes the outbox rows (idempotent,
keyed by meeting or series, person and offset); the builders render them at send time,
in the recipient's own timezone, with what is true then. The kinds are registered with
the outbox here, with the builder it calls when a row comes due."""

import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from config.tokens import hash_token
from outbox import kinds
from outbox.messages import ask_for_delivery, public_url, recipient_of, render
from outbox.mime import OutboxMessage
from outbox.models import Notification

from .calendar import addressed_to, to_ics
from .facts import refresh_facts
from .models import Answer, Attendance, Meeting, MeetingSeries, Survey
from .participation import effective_answers, expected_at
from .templatetags.meeting_times import reads_differently, time_range
from .times import NonexistentLocalTime, localize

RSVP_LINK_SALT = "meetings.rsvp-link"
SURVEY_LIFETIME = timedelta(days=14)
MAX_REMINDER_MINUTES = 7 * 24 * 60
# Reminders plan the meetings this close (the beat planner looks this far ahead).
PLANNING_WINDOW = timedelta(minutes=MAX_REMINDER_MINUTES + 24 * 60)
# An RSVP link works until the meeting starts (answers close then): the announcement of a
# meeting scheduled months ahead carries one too. A year bounds the link's life.
RSVP_LINK_MAX_AGE = 366 * 24 * 3600
# The announcement of a series lists its first meetings.
SERIES_DATES_SHOWN = 4
# Stands for a signed token in a reversed URL (signed tokens are URL-safe, so reverse()
# would leave them as they are: replacing this gives what reverse() would).
TOKEN_SLOT = "0token0"  # noqa: S105 (a placeholder, not a secret)


# --- RSVP links in emails ----------------------------------------------------------------------


def rsvp_token(meeting: Meeting, user, answer: str) -> str:
    return signing.dumps({"m": meeting.pk, "u": user.pk, "a": answer}, salt=RSVP_LINK_SALT)


def read_rsvp_token(token: str) -> dict | None:
    try:
        return signing.loads(token, salt=RSVP_LINK_SALT, max_age=RSVP_LINK_MAX_AGE)
    except signing.BadSignature:
        return None


# --- planning ---------------------------------------------------------------------------------


def plan_reminders(meetings=None) -> int:
    """Create the reminder rows of upcoming meetings (default: those starting within a
    week and a day). Existing rows are left alone; rows for people who should not get one
    are cancelled when they come due, so preferences are read at send time."""
    now = timezone.now()
    if meetings is None:
        meetings = Meeting.objects.filter(
            status=Meeting.Status.SCHEDULED,
            start__gt=now,
            start__lte=now + PLANNING_WINDOW,
        )
    rows = []
    for meeting in meetings.select_related("circle"):
        members = expected_at(meeting).filter(reminders_muted=False).select_related("user")
        answers = effective_answers(meeting)
        for membership in members:
            user = membership.user
            if answers.get(user.pk) == Answer.NO:
                continue
            for minutes in user.reminder_minutes or []:
                due = reminder_due(meeting, minutes)
                if due <= now:
                    continue
                rows.append(
                    Notification(
                        kind=REMINDER,
                        recipient=user,
                        email=user.email,
                        circle=meeting.circle,
                        meeting=meeting,
                        offset_minutes=minutes,
                        dedupe_key=f"reminder:{meeting.pk}:{user.pk}:{minutes}",
                        due_at=due,
                    )
                )
    return _create_new(rows)


def _create_new(rows: list[Notification]) -> int:
    """Insert the rows whose dedupe key is new; return how many that was. A concurrent
    planner inserting the same key loses quietly to the unique constraint."""
    keys = [r.dedupe_key for r in rows]
    existing = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    new = [r for r in rows if r.dedupe_key not in existing]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def reminder_due(meeting: Meeting, minutes: int):
    """When a reminder `minutes` before `meeting` goes out. Whole days count on the wall
    clock of the meeting's zone ("a day before" a 12:00 meeting is 12:00 the day before,
    even across a DST change); hours and minutes count real time."""
    if minutes % (24 * 60) == 0:
        local = meeting.local_start - timedelta(days=minutes // (24 * 60))
        naive = local.replace(tzinfo=None)
        try:
            return localize(naive.date(), naive.time(), meeting.timezone)
        except NonexistentLocalTime:  # the day before falls in a skipped hour
            return meeting.start - timedelta(minutes=minutes)
    return meeting.start - timedelta(minutes=minutes)


def reschedule_reminders(meeting: Meeting) -> int:
    """Move the pending reminders of a rescheduled meeting with it."""
    moved = 0
    for row in meeting.notifications.filter(kind=REMINDER, status=Notification.Status.PENDING):
        row.due_at = reminder_due(meeting, row.offset_minutes or 0)
        row.save(update_fields=["due_at"])
        moved += 1
    return moved


def cancel_reminders(meeting: Meeting) -> int:
    return meeting.notifications.filter(kind=REMINDER, status=Notification.Status.PENDING).update(
        status=Notification.Status.CANCELLED
    )


def survey_recipients(meeting: Meeting):
    """Members who attended; where no attendance was recorded, those expected who
    answered yes. Only people who still hold a seat are asked."""
    if meeting.attendance.exists():
        ids = set(
            meeting.attendance.filter(status=Attendance.Status.PRESENT).values_list(
                "user_id", flat=True
            )
        )
    else:
        answers = effective_answers(meeting)
        ids = {
            uid
            for uid in expected_at(meeting).values_list("user_id", flat=True)
            if answers.get(uid) == Answer.YES
        }
    return meeting.circle.memberships.seated().filter(user_id__in=ids).select_related("user")


def plan_surveys() -> int:
    """Create survey rows for meetings that ended (due SURVEY_DELAY after the end)."""
    now = timezone.now()
    delay = timedelta(hours=settings.SURVEY_DELAY_HOURS)
    meetings = Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED, end__lte=now, end__gte=now - timedelta(days=2)
    ).select_related("circle")
    rows = []
    for meeting in meetings:
        for membership in survey_recipients(meeting):
            user = membership.user
            rows.append(
                Notification(
                    kind=SURVEY,
                    recipient=user,
                    email=user.email,
                    circle=meeting.circle,
                    meeting=meeting,
                    dedupe_key=f"survey:{meeting.pk}:{user.pk}",
                    due_at=meeting.end + delay,
                )
            )
    return _create_new(rows)


def announce(meeting: Meeting | None, *, by, series: MeetingSeries | None = None) -> int:
    """Queue the announcement of a newly scheduled `meeting` (or of `series`, through its
    first upcoming meeting) to each member expected at it who has not muted the circle,
    except `by` who scheduled it, and plan the reminders whose time is still ahead (a
    meeting less than a day away gets those that remain). Returns the rows queued."""
    if series is not None:
        meeting = series.meetings.filter(status=Meeting.Status.SCHEDULED, start__gt=timezone.now())
        meeting = meeting.order_by("start").first()
    if meeting is None or meeting.is_cancelled or meeting.has_started:
        return 0
    kind = SERIES_SCHEDULED if series is not None else MEETING_SCHEDULED
    about = f"series:{series.pk}" if series is not None else f"meeting:{meeting.pk}"
    members = expected_at(meeting).filter(reminders_muted=False).select_related("user")
    rows = [
        Notification(
            kind=kind,
            recipient=membership.user,
            email=membership.user.email,
            circle=meeting.circle,
            meeting=meeting,
            dedupe_key=f"scheduled:{about}:{membership.user_id}",
        )
        for membership in members.exclude(user=by)
    ]
    queued = _create_new(rows)
    planned = Meeting.objects.filter(start__lte=timezone.now() + PLANNING_WINDOW)
    if series is not None:
        planned = planned.filter(series=series, status=Meeting.Status.SCHEDULED)
    else:
        planned = planned.filter(pk=meeting.pk)
    plan_reminders(planned)
    if queued:
        ask_for_delivery()
    return queued


# --- rendering at send time -------------------------------------------------------------------


def _meeting_facts(meeting: Meeting, cache: dict) -> dict:
    if meeting.pk not in cache:
        # Only the batch's recipients (the sender lists them): a circle may be large.
        expected = expected_at(meeting)
        if cache.get("users") is not None:
            expected = expected.filter(user_id__in=cache["users"])
        cache[meeting.pk] = {
            # user id → reminders muted, for the people expected at the meeting
            "expected": dict(expected.values_list("user_id", "reminders_muted")),
            "answers": effective_answers(meeting),
            "agenda_items": list(meeting.agenda_items.select_related("presenter")),
        }
    return cache[meeting.pk]


# A meeting's calendar file depends only on the meeting and its circle (any change to
# either bumps its updated_at), and building its VTIMEZONE is slow: kept per process for
# the meetings recently sent.
_ics_cache: dict[tuple, str] = {}


def _ics(meeting: Meeting) -> str:
    key = (meeting.pk, meeting.updated_at, meeting.circle.updated_at)
    if key not in _ics_cache:
        if len(_ics_cache) >= 256:
            _ics_cache.clear()
        _ics_cache[key] = to_ics([meeting], name=meeting.circle.name).decode()
    return _ics_cache[key]


# What the reminder templates print of a meeting's time, for one timezone: the same for
# every recipient in that zone, so formatted once per batch.
WHEN_FORMATS = {"day": "l j F Y", "start": "H:i", "end": "H:i T", "subject": "D j M, H:i T"}


def _when(meeting: Meeting, zone: str, cache: dict) -> dict:
    key = ("when", meeting.pk, zone)
    if key not in cache:
        tz = ZoneInfo(zone)
        start, end = meeting.start.astimezone(tz), meeting.end.astimezone(tz)
        with timezone.override(tz):
            cache[key] = {
                name: date_filter(end if name == "end" else start, fmt)
                for name, fmt in WHEN_FORMATS.items()
            }
    return cache[key]


def _circle_when(meeting: Meeting, zone: ZoneInfo) -> str:
    """The meeting in the circle's time, for a reader in `zone` who sees other clock
    times ('' when the two read the same)."""
    if not reads_differently(meeting, zone):
        return ""
    return time_range(meeting, ZoneInfo(meeting.timezone))


def _links(cache: dict) -> dict:
    """The absolute URLs every reminder needs, reversed once per batch (TOKEN_SLOT stands
    for each person's signed RSVP token)."""
    if "links" not in cache:
        cache["links"] = {
            "rsvp": public_url(reverse("meetings:rsvp_link", kwargs={"token": TOKEN_SLOT})),
            "settings": public_url(reverse("members:notifications")),
        }
    return cache["links"]


def _still_wanted(row: Notification, facts: dict) -> bool:
    meeting, user = row.meeting, row.recipient
    if meeting is None or user is None or meeting.is_cancelled or meeting.start <= timezone.now():
        return False
    muted = facts["expected"].get(user.pk)
    if muted is None:
        return False  # left, removed, or on leave: reminders pause
    if muted or row.offset_minutes not in (user.reminder_minutes or []):
        return False
    return facts["answers"].get(user.pk) != Answer.NO


def build_reminder(row: Notification, cache: dict) -> EmailMultiAlternatives | None:
    """The reminder for `row`, or None when it should no longer be sent. `cache` holds
    what is the same for every recipient of one meeting within a batch (its .ics, agenda,
    answers, memberships), so a batch of 50 reminders costs a handful of queries."""
    if row.meeting is None:
        return None
    facts = _meeting_facts(row.meeting, cache)
    if not _still_wanted(row, facts):
        return None
    meeting, user = row.meeting, row.recipient
    zone = ZoneInfo(user.timezone)
    urls = _links(cache)
    links = {
        answer: urls["rsvp"].replace(TOKEN_SLOT, rsvp_token(meeting, user, answer))
        for answer in (Answer.YES, Answer.MAYBE, Answer.NO)
    }
    settings_url = urls["settings"]
    subject, text, html = render(
        "reminder",
        recipient_of(user),
        {
            "meeting": meeting,
            "circle": meeting.circle,
            "local_start": meeting.start.astimezone(zone),
            "local_end": meeting.end.astimezone(zone),
            "zone": user.timezone,
            "when": _when(meeting, user.timezone, cache),
            "circle_when": _circle_when(meeting, zone),
            "rsvp_links": links,
            "settings_url": settings_url,
            "answer": facts["answers"].get(user.pk),
            "agenda_items": facts["agenda_items"],
        },
    )
    message = OutboxMessage(
        subject,
        text,
        to=[row.email],
        headers={
            "List-Unsubscribe": f"<{settings_url}>",
        },
    )
    message.attach_alternative(html, "text/html")
    message.attach("meeting.ics", _ics(meeting), "text/calendar; method=PUBLISH; charset=utf-8")
    return message


def build_survey(row: Notification, cache: dict) -> EmailMultiAlternatives | None:
    """The survey email, with a fresh single-use link (only its hash is stored)."""
    meeting, user = row.meeting, row.recipient
    if meeting is None or user is None or meeting.is_cancelled:
        return None
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        survey, created = Survey.objects.get_or_create(
            meeting=meeting,
            user=user,
            defaults={
                "token_hash": hash_token(token),
                "expires_at": timezone.now() + SURVEY_LIFETIME,
            },
        )
        if created:  # a survey sent counts in the meeting's facts
            refresh_facts(meetings=[meeting.pk], users=[user.pk])
    if survey.answered_at:
        return None
    if not created:  # a retry: the unsent earlier link is replaced
        survey.token_hash = hash_token(token)
        survey.expires_at = timezone.now() + SURVEY_LIFETIME
        survey.save(update_fields=["token_hash", "expires_at"])
    subject, text, html = render(
        "survey",
        recipient_of(user),
        {
            "meeting": meeting,
            "circle": meeting.circle,
            "survey_url": public_url(reverse("meetings:survey", kwargs={"token": token})),
            "expires_at": survey.expires_at,
            "local_start": meeting.start.astimezone(ZoneInfo(user.timezone)),
            "zone": user.timezone,
        },
    )
    message = OutboxMessage(subject, text, to=[row.email])
    message.attach_alternative(html, "text/html")
    return message


def _series_meetings(series_id: int, cache: dict) -> list[Meeting]:
    """The upcoming meetings of a series, as they are when its announcement goes out."""
    key = ("series", series_id)
    if key not in cache:
        cache[key] = list(
            Meeting.objects.filter(
                series_id=series_id, status=Meeting.Status.SCHEDULED, start__gt=timezone.now()
            )
            .select_related("circle", "series")
            .order_by("start")
        )
    return cache[key]


def _invitation(meetings: list[Meeting], cache: dict) -> str:
    """The METHOD:REQUEST calendar of `meetings` with an attendee slot, once per batch."""
    key = ("invitation", *((m.pk, m.updated_at) for m in meetings))
    if key not in cache:
        ics = to_ics(meetings, name=meetings[0].circle.name, method="REQUEST", invitation=True)
        cache[key] = ics.decode()
    return cache[key]


def build_scheduled(row: Notification, cache: dict) -> EmailMultiAlternatives | None:
    """The announcement of a new meeting (or series) for `row`: when it is in the
    recipient's time, the RSVP buttons of the (first) meeting and a calendar invitation
    naming the recipient as attendee. None when the meeting was cancelled or started
    meanwhile, or the person left, went on leave or muted the circle."""
    meeting, user = row.meeting, row.recipient
    if meeting is None or user is None:
        return None
    series = None
    if row.kind == SERIES_SCHEDULED:
        meetings = _series_meetings(meeting.series_id, cache) if meeting.series_id else []
        if not meetings:
            return None
        meeting, series = meetings[0], meetings[0].series
    else:
        meetings = [meeting]
    facts = _meeting_facts(meeting, cache)
    if meeting.is_cancelled or meeting.has_started or facts["expected"].get(user.pk) is not False:
        return None  # cancelled or started; left, on leave (None) or muted (True)
    zone = ZoneInfo(user.timezone)
    urls = _links(cache)
    links = {
        answer: urls["rsvp"].replace(TOKEN_SLOT, rsvp_token(meeting, user, answer))
        for answer in (Answer.YES, Answer.MAYBE, Answer.NO)
    }
    context = {
        "meeting": meeting,
        "circle": meeting.circle,
        "zone": user.timezone,
        "when": _when(meeting, user.timezone, cache),
        "circle_when": _circle_when(meeting, zone),
        "rsvp_links": links,
        "settings_url": urls["settings"],
        "answer": facts["answers"].get(user.pk),
    }
    if series is not None:
        context.update(
            series=series,
            count=len(meetings),
            more=max(len(meetings) - SERIES_DATES_SHOWN, 0),
            dates=[time_range(m, zone) for m in meetings[:SERIES_DATES_SHOWN]],
        )
    subject, text, html = render(
        "series_scheduled" if series else "meeting_scheduled", recipient_of(user), context
    )
    ics = addressed_to(_invitation(meetings, cache), email=row.email, name=user.display_name)
    message = OutboxMessage(
        subject, text, to=[row.email], headers={"List-Unsubscribe": f"<{urls['settings']}>"}
    )
    message.attach_alternative(html, "text/html")
    # Calendar programs read the invitation from the text/calendar alternative (with
    # METHOD:REQUEST in both its header and its body); some only look for an attachment.
    message.attach_alternative(ics, "text/calendar; method=REQUEST")
    # Bytes: a str would be written as Latin-1 in a non-text part (the summary's "·").
    message.attach("invite.ics", ics.encode(), "application/ics")
    return message


MEETING_SCHEDULED = kinds.register("meeting_scheduled", "Meeting scheduled", build=build_scheduled)
SERIES_SCHEDULED = kinds.register("series_scheduled", "Series scheduled", build=build_scheduled)
REMINDER = kinds.register("reminder", "Meeting reminder", build=build_reminder)
SURVEY = kinds.register("survey", "Follow-up survey", build=build_survey)
