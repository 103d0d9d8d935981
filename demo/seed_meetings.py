"""A year of demo meetings for `seed_demo`: each demo circle's series from the first of the
month nine months ago to the end of the month two months ahead, with RSVPs, attendance and
its history, logs with action items, facilitators (peer circle) and presenters (workgroup)
for past meetings, and roles and a few RSVPs for the next two.

Deterministic: every choice comes from a random.Random seeded by the circle, the meeting's
local date and (where it is about one person) their email. Idempotent: rows are created
only where their unique key has none yet, so a second run adds nothing and what was
changed in the app since is kept. Sends no email (no action that notifies is called).
"""

import hashlib
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.text import slugify

from circles.models import Circle, Membership, MembershipEvent
from meetings.models import (
    RSVP,
    ActionItem,
    AgendaItem,
    Answer,
    Attendance,
    AttendanceChange,
    Meeting,
    MeetingLog,
    MeetingSeries,
    SeriesRSVP,
    Survey,
    last_held_role,
)

from .data import (
    EXCUSES,
    PEER_TOPICS,
    WORKGROUP_DECISIONS,
    WORKGROUP_DEFAULT_PROJECT,
    WORKGROUP_FEEDBACK,
    WORKGROUP_FOLLOW_UPS,
    WORKGROUP_HELPER_FOLLOW_UPS,
    WORKGROUP_PROJECTS,
    WORKGROUP_STAGES,
)

PRESENT_SHARE = 0.8  # of active members at a past meeting; the rest excused or absent
EXCUSED_SHARE = 0.13  # ...of whom most let the circle know
RSVP_SHARE = 0.85  # of members who answered a past meeting
UPCOMING_RSVP_SHARE = 0.4
LOG_GAP = 6  # one past meeting in six has no log
UPCOMING_WITH_ROLES = 2  # upcoming meetings that already have a facilitator or presenters
SERIES_RSVP_MEMBERS = 2  # members who answered "yes" for the whole series
OLDEST = datetime.min.replace(tzinfo=ZoneInfo("UTC"))

Status = Attendance.Status


@dataclass
class Summary:
    circle: Circle
    meetings: int
    past: int
    logged: int
    attendance: int

    def __str__(self) -> str:
        return (
            f"{self.circle.slug}: {self.meetings} meetings ({self.past} past, {self.logged} "
            f"with logs), {self.attendance} attendance rows"
        )


def year_window(today: date) -> tuple[date, date]:
    """First and last day of the demo year: the same all month, so re-runs agree."""
    first = today.replace(day=1)
    return first - relativedelta(months=9), first + relativedelta(months=3) - timedelta(days=1)


def _rng(meeting: Meeting, *keys: str) -> random.Random:
    seed = "/".join([meeting.circle.slug, meeting.local_start.date().isoformat(), *keys])
    return random.Random(seed)  # noqa: S311 (demo data, not secrets)


class _Rotation:
    """Who has gone longest without the role: never first, then longest ago; ties go to
    who joined earlier (as meetings.models.propose_next, among those who had joined)."""

    def __init__(self, circle: Circle, active: list[Membership], *, presenter: bool):
        self.active = active  # in joined order
        self.last = last_held_role(circle, presenter=presenter)

    def pick(self, meeting: Meeting, n: int = 1) -> list:
        eligible = [m for m in self.active if _had_joined(m, meeting)]
        ranked = sorted(
            eligible, key=lambda m: (m.user_id in self.last, self.last.get(m.user_id, OLDEST))
        )
        for m in ranked[:n]:
            self.last[m.user_id] = meeting.start
        return [m.user for m in ranked[:n]]


def _had_joined(membership: Membership, meeting: Meeting) -> bool:
    return membership.joined_at is None or membership.joined_at <= meeting.start


def seed_meetings(circle: Circle, spec: dict, organizer) -> Summary:
    today = timezone.localdate()
    start, until = year_window(today)
    series = _series(circle, spec["series"], start, organizer)
    series.generate(until=until)

    now = timezone.now()
    meetings = list(
        series.meetings.filter(status=Meeting.Status.SCHEDULED)
        .select_related("circle", "facilitator")
        .order_by("start")
    )
    past = [m for m in meetings if m.end <= now]
    upcoming = [m for m in meetings if m.start > now][:UPCOMING_WITH_ROLES]
    seats = list(circle.memberships.seated().select_related("user").order_by("joined_at", "pk"))
    active = [m for m in seats if m.status == Membership.Status.ACTIVE]

    if circle.kind == Circle.Kind.WORKGROUP:
        roles = _presenters(circle, past + upcoming, active, organizer)
    else:
        roles = _facilitators(circle, past + upcoming, active)
    series_yes = _series_rsvps(series, active)
    marks = {m.pk: _marks(m, active, roles.get(m.pk, [])) for m in past}

    _attendance(past, marks, organizer)
    _surveys(past, marks)
    _rsvps(past, upcoming, seats, marks, roles, series_yes)
    _logs(circle, past, marks, roles, organizer, today)

    return Summary(
        circle=circle,
        meetings=circle.meetings.count(),
        past=len(past),
        logged=MeetingLog.objects.filter(meeting__in=past).count(),
        attendance=Attendance.objects.filter(meeting__circle=circle).count(),
    )


def _series(circle: Circle, spec: dict, start: date, organizer) -> MeetingSeries:
    """The circle's demo series, found by its title: created once, never moved."""
    series = MeetingSeries.objects.filter(circle=circle, title=spec["title"]).order_by("pk").first()
    if series is None:
        series = MeetingSeries(
            circle=circle,
            title=spec["title"],
            frequency=spec["frequency"],
            interval=spec.get("interval", 1),
            weekday=spec["weekday"],
            week_of_month=spec.get("week_of_month"),
            start_time=time.fromisoformat(spec["start_time"]),
            duration_minutes=spec["duration_minutes"],
            timezone=circle.timezone,
            start_date=start,
            meeting_format=spec["meeting_format"],
            video_link=circle.video_link,
            place=circle.place if spec["meeting_format"] != "online" else "",
            agenda=spec["agenda"],
            created_by=organizer,
        )
        series.save()
    return series


def _facilitators(circle: Circle, meetings: list[Meeting], active) -> dict[int, list]:
    """A facilitator for each meeting that has none, in fair rotation; meeting pk → [user]."""
    rotation = _Rotation(circle, active, presenter=False)
    changed = []
    for meeting in meetings:
        if meeting.facilitator_id is None:
            picked = rotation.pick(meeting)
            if picked:
                meeting.facilitator = picked[0]
                changed.append(meeting)
    Meeting.objects.bulk_update(changed, ["facilitator"])
    return {m.pk: [m.facilitator] for m in meetings if m.facilitator_id}


def _presenters(circle: Circle, meetings: list[Meeting], active, organizer) -> dict[int, list]:
    """One or two presenter slots for each meeting without an agenda item, in fair
    rotation; meeting pk → [presenter]."""
    rotation = _Rotation(circle, active, presenter=True)
    has_items = set(
        AgendaItem.objects.filter(meeting__in=meetings).values_list("meeting_id", flat=True)
    )
    # Each member's project moves a stage on every time they present.
    presented = Counter(
        AgendaItem.objects.filter(meeting__circle=circle, presenter__isnull=False).values_list(
            "presenter_id", flat=True
        )
    )
    new = []
    for meeting in meetings:
        if meeting.pk in has_items:
            continue
        rng = _rng(meeting, "agenda")
        slots = 1 if rng.random() < 0.35 else 2
        for position, user in enumerate(rotation.pick(meeting, slots)):
            first = random.Random(user.email).randrange(len(WORKGROUP_STAGES))  # noqa: S311
            kind, prefix = WORKGROUP_STAGES[(first + presented[user.pk]) % len(WORKGROUP_STAGES)]
            presented[user.pk] += 1
            project = WORKGROUP_PROJECTS.get(user.email, WORKGROUP_DEFAULT_PROJECT)
            day = meeting.local_start.date().isoformat()
            new.append(
                AgendaItem(
                    meeting=meeting,
                    kind=kind,
                    title=f"{prefix}: {project}",
                    presenter=user,
                    materials_link=f"https://example.org/{circle.slug}/{day}/"
                    f"{slugify(user.full_name or user.email)}",
                    position=position,
                    added_by=organizer,
                )
            )
    AgendaItem.objects.bulk_create(new)
    roles: dict[int, list] = {}
    for item in (
        AgendaItem.objects.filter(meeting__in=meetings, presenter__isnull=False)
        .select_related("presenter")
        .order_by("meeting", "position", "pk")
    ):
        roles.setdefault(item.meeting_id, []).append(item)
    return roles


def _role_users(roles: list) -> list:
    return [r.presenter if isinstance(r, AgendaItem) else r for r in roles]


def _series_rsvps(series: MeetingSeries, active) -> set[int]:
    """A couple of members said "yes" to the whole series when it began."""
    valid_from = datetime.combine(series.start_date, series.start_time, ZoneInfo(series.timezone))
    rng = random.Random(f"{series.circle.slug}/series")  # noqa: S311 (demo data)
    members = [m for m in active if m.role == Membership.Role.MEMBER]
    for m in rng.sample(members, min(SERIES_RSVP_MEMBERS, len(members))):
        SeriesRSVP.objects.get_or_create(
            series=series, user=m.user, defaults={"answer": Answer.YES, "valid_from": valid_from}
        )
    return set(
        SeriesRSVP.objects.filter(series=series, answer=Answer.YES).values_list(
            "user_id", flat=True
        )
    )


def _marks(meeting: Meeting, active, roles: list) -> dict[int, tuple[str, str]]:
    """user id → (status, note) for every active member who had joined; whoever
    facilitated or presented was there."""
    there = {u.pk for u in _role_users(roles)}
    marks = {}
    for m in active:
        if not _had_joined(m, meeting):
            continue
        rng = _rng(meeting, "attendance", m.user.email)
        roll, excuse = rng.random(), rng.choice(EXCUSES)
        if m.user_id in there or roll < PRESENT_SHARE:
            marks[m.user_id] = (Status.PRESENT, "")
        elif roll < PRESENT_SHARE + EXCUSED_SHARE:
            marks[m.user_id] = (Status.EXCUSED, excuse)
        else:
            marks[m.user_id] = (Status.ABSENT, "")
    return marks


def _attendance(past: list[Meeting], marks: dict, organizer) -> None:
    """Attendance recorded by the organizer at the end of each meeting, each with the
    change that recorded it."""
    Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=meeting,
                user_id=user_id,
                status=status,
                note=note,
                recorded_by=organizer,
            )
            for meeting in past
            for user_id, (status, note) in marks[meeting.pk].items()
        ],
        ignore_conflicts=True,
    )
    unrecorded = Attendance.objects.filter(meeting__in=past, changes__isnull=True).select_related(
        "meeting"
    )
    AttendanceChange.objects.bulk_create(
        AttendanceChange(
            attendance=a, status=a.status, note=a.note, changed_by=organizer, at=a.meeting.end
        )
        for a in unrecorded
    )


def _surveys(past: list[Meeting], marks: dict) -> None:
    """A follow-up survey for everyone who was there; about seven in ten answered, so the
    usefulness chart and the response rates have figures."""
    rows = []
    for meeting in past:
        for user_id, (status, _note) in marks[meeting.pk].items():
            if status != Status.PRESENT:
                continue
            rng = _rng(meeting, "survey", str(user_id))
            answered = rng.random() < 0.7
            rows.append(
                Survey(
                    meeting=meeting,
                    user_id=user_id,
                    # Demo rows are never opened by link: a hash of nothing secret is fine.
                    token_hash=hashlib.sha256(f"demo:{meeting.uid}:{user_id}".encode()).hexdigest(),
                    expires_at=meeting.end + timedelta(days=14),
                    answered_at=meeting.end + timedelta(hours=rng.randint(3, 72))
                    if answered
                    else None,
                    usefulness=rng.choices([2, 3, 4, 5], weights=[1, 3, 6, 5])[0]
                    if answered
                    else None,
                    recommend=rng.randint(6, 10) if answered else None,
                    got=rng.sample([key for key, _ in Survey.GOT_CHOICES], 2) if answered else [],
                )
            )
    Survey.objects.bulk_create(rows, ignore_conflicts=True)


def _rsvps(past, upcoming, seats, marks, roles, series_yes: set[int]) -> None:
    """Answers matching what happened for past meetings; a few for the next ones."""
    leave_started = dict(
        MembershipEvent.objects.filter(
            membership__in=seats, kind=MembershipEvent.Kind.LEAVE_STARTED
        ).values_list("membership__user_id", "at")
    )
    past_pks = {m.pk for m in past}
    replies = []
    for meeting in past + upcoming:
        is_past = meeting.pk in past_pks
        role_ids = {u.pk for u in _role_users(roles.get(meeting.pk, []))}
        for m in seats:
            if not _had_joined(m, meeting):
                continue
            rng = _rng(meeting, "rsvp", m.user.email)
            answer, note = _answer(rng, meeting, m, is_past, marks, role_ids, leave_started)
            if answer is None or (m.user_id in series_yes and answer == Answer.YES):
                continue  # no answer, or the series answer already says it
            replies.append(RSVP(meeting=meeting, user=m.user, answer=answer, note=note))
    RSVP.objects.bulk_create(replies, ignore_conflicts=True)


def _answer(rng, meeting, m, is_past, marks, role_ids, leave_started):
    roll, maybe = rng.random(), rng.random()
    leave = leave_started.get(m.user_id)
    if m.status == Membership.Status.ON_LEAVE and leave and meeting.start >= leave:
        return Answer.NO, "On leave"
    if m.user_id in role_ids:
        return Answer.YES, ""
    if not is_past:
        if roll >= UPCOMING_RSVP_SHARE:
            return None, ""
        return (Answer.MAYBE if maybe < 0.2 else Answer.YES), ""
    if roll >= RSVP_SHARE:
        return None, ""
    status, note = marks.get(meeting.pk, {}).get(m.user_id, (Status.PRESENT, ""))
    if status == Status.EXCUSED:
        return Answer.NO, note
    if status == Status.ABSENT:
        return (Answer.MAYBE if maybe < 0.5 else Answer.YES), ""
    return (Answer.MAYBE if maybe < 0.1 else Answer.YES), ""


def _logs(circle: Circle, past, marks, roles, organizer, today: date) -> None:
    """A log with one to three action items for most past meetings that have none."""
    logged = set(MeetingLog.objects.filter(meeting__in=past).values_list("meeting_id", flat=True))
    users = {m.user_id: m.user for m in circle.memberships.seated().select_related("user")}
    logs, items = [], []
    for i, meeting in enumerate(past):
        # Not every meeting gets written up: one in LOG_GAP (in order, so gaps spread out).
        if meeting.pk in logged or i % LOG_GAP == LOG_GAP - 2:
            continue
        rng = _rng(meeting, "log")
        present = [
            users[uid]
            for uid, (status, _) in marks[meeting.pk].items()
            if status == Status.PRESENT and uid in users
        ] or [organizer]
        if circle.kind == Circle.Kind.WORKGROUP:
            log, actions = _workgroup_log(meeting, rng, present, roles.get(meeting.pk, []))
        else:
            log, actions = _peer_log(meeting, rng, present, organizer)
        logs.append(log)
        for text, owner in actions:
            due = meeting.local_start.date() + timedelta(days=rng.choice([7, 14, 21, 28]))
            done = due < today - timedelta(days=14) or (due < today and rng.random() < 0.6)
            items.append((log, text, owner, due, done))
    MeetingLog.objects.bulk_create(logs)  # new rows only, so primary keys come back
    ActionItem.objects.bulk_create(
        ActionItem(log=log, text=text[:300], owner=owner, due_date=due, done=done)
        for log, text, owner, due, done in items
    )


def _peer_log(meeting: Meeting, rng, present, organizer):
    local = meeting.local_start
    topic = PEER_TOPICS[(local.year * 12 + local.month) % len(PEER_TOPICS)]
    facilitator = meeting.facilitator or organizer
    summary = f"Facilitated by {facilitator.display_name}. {topic['summary']}"
    log = MeetingLog(
        meeting=meeting, summary=summary, decisions=topic["decisions"], written_by=facilitator
    )
    texts = topic["actions"][: rng.randint(1, 3)]
    return log, [(text, rng.choice(present)) for text in texts]


def _workgroup_log(meeting: Meeting, rng, present, items: list[AgendaItem]):
    lines, actions = [], []
    for item in items:
        presenter = item.presenter
        prefix, _, project = item.title.partition(": ")
        kind = item.kind if item.kind in WORKGROUP_FEEDBACK else "wip"
        feedback = rng.choice(WORKGROUP_FEEDBACK[kind])
        lines.append(
            f"{prefix} by {presenter.display_name} reviewed ({project or item.title}); "
            f"feedback: {feedback}."
        )
        follow_up = rng.choice(WORKGROUP_FOLLOW_UPS[kind])
        actions.append((follow_up.format(project=project or item.title), presenter))
    if not lines:
        lines.append("No presentation this time: open discussion of upcoming deadlines.")
    others = [u for u in present if u not in {i.presenter for i in items}] or present
    if items and len(actions) < 3 and rng.random() < 0.5:
        helper = rng.choice(WORKGROUP_HELPER_FOLLOW_UPS)
        actions.append((helper.format(name=items[0].presenter.display_name), rng.choice(others)))
    log = MeetingLog(
        meeting=meeting,
        summary="\n".join(lines),
        decisions=rng.choice(WORKGROUP_DECISIONS),
        written_by=rng.choice(others),
    )
    if not actions:
        actions.append(("Send presentation requests for next term", rng.choice(others)))
    return log, actions
