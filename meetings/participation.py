# The SQL below is assembled only from this module's constants and model table names.
# ruff: noqa: S608
"""Who counts at a meeting: the one home of two rules, each written twice side by side —
as ORM queries for the attendance form, the organizer's to-do, reminders and surveys, and
as SQL fragments for the reports — from the same constants. The Hypothesis test in
tests/meetings/test_participation_rules.py generates histories and proves both forms
agree.

- **Expected at a meeting**: a membership of the meeting's circle that had begun by the
  meeting's start (joined on or before it), had not ended by then, and was not on leave
  then (a *candidate*). Leave periods come from the membership's leave events: a
  membership is on leave at an instant when the latest leave event at or before it is
  "went on leave". Someone recorded present while on leave attended (reports count
  them), but was not expected. At a meeting nobody scheduled (logged after the fact) no
  one was invited, so only the candidates whose attendance was recorded are expected:
  one self-report does not make the rest of the circle "not recorded".
- **The answer that counts**: a person's RSVP to the meeting, or else their answer to its
  series given at or before the meeting's start.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from circles.models import Membership, MembershipEvent
from config.sql import literal, literals

from .models import RSVP, Attendance, Meeting, SeriesRSVP

LEAVE_STARTED = MembershipEvent.Kind.LEAVE_STARTED
LEAVE_ENDED = MembershipEvent.Kind.LEAVE_ENDED
LEAVE_KINDS = (LEAVE_STARTED, LEAVE_ENDED)

MEMBERSHIP_TABLE = Membership._meta.db_table
EVENT_TABLE = MembershipEvent._meta.db_table
RSVP_TABLE = RSVP._meta.db_table
SERIES_RSVP_TABLE = SeriesRSVP._meta.db_table


# --- expected at a meeting: ORM -----------------------------------------------------------


def _outer(value):
    """`value` as seen from one subquery deeper (an OuterRef needs one more level)."""
    return OuterRef(value) if isinstance(value, OuterRef) else value


def leave_state_at(at) -> Coalesce:
    """For a membership row: the kind of its latest leave event at or before `at` ('' if
    none). `at` is an instant or an OuterRef to one."""
    latest = (
        MembershipEvent.objects.filter(
            membership=OuterRef("pk"), kind__in=LEAVE_KINDS, at__lte=_outer(at)
        )
        .order_by("-at", "-pk")
        .values("kind")[:1]
    )
    return Coalesce(Subquery(latest), Value(""))


def seated_at(at) -> Q:
    """Memberships that had begun by `at` and not ended by then."""
    return Q(joined_at__isnull=False, joined_at__lte=at) & (
        Q(ended_at__isnull=True) | Q(ended_at__gt=at)
    )


def candidate_memberships(*, circle, at):
    """Memberships of `circle` seated and not on leave at `at`: those who could be
    expected at a meeting starting then (either may be an OuterRef)."""
    return (
        Membership.objects.filter(circle=circle)
        .filter(seated_at(at))
        .alias(leave_state=leave_state_at(at))
        .exclude(leave_state=LEAVE_STARTED)
    )


def expected_memberships(*, meeting, circle, at):
    """Memberships expected at the meeting `meeting` (a pk) of `circle` starting `at`
    (each may be an OuterRef, for a subquery per meeting): the candidates, and at a
    meeting logged after the fact only those whose attendance was recorded."""
    scheduled = Meeting.objects.filter(pk=_outer(meeting), logged_after_the_fact=False)
    recorded = Attendance.objects.filter(meeting=_outer(meeting), user=OuterRef("user"))
    return candidate_memberships(circle=circle, at=at).filter(Exists(scheduled) | Exists(recorded))


def expected_at(meeting: Meeting):
    """Memberships expected at `meeting`."""
    return expected_memberships(meeting=meeting.pk, circle=meeting.circle_id, at=meeting.start)


def attendance_roster(meeting: Meeting):
    """Memberships the attendance form lists: those expected; at a meeting logged after
    the fact every candidate, since recording someone's mark is what makes them expected."""
    if meeting.logged_after_the_fact:
        return candidate_memberships(circle=meeting.circle_id, at=meeting.start)
    return expected_at(meeting)


def on_leave_at(meeting: Meeting):
    """Memberships of the meeting's circle seated at its start but on leave then."""
    return (
        Membership.objects.filter(circle=meeting.circle_id)
        .filter(seated_at(meeting.start))
        .alias(leave_state=leave_state_at(meeting.start))
        .filter(leave_state=LEAVE_STARTED)
    )


# --- expected at a meeting: SQL -----------------------------------------------------------


def leave_periods_sql(membership_ids_sql: str) -> str:
    """A CTE body: one row (membership_id, started, ended) per leave period of the
    memberships whose ids `membership_ids_sql` selects; a period runs from a "went on
    leave" event to the next leave event (ended is NULL while it lasts). Ties in time are
    broken by id, as leave_state_at() does."""
    return f"""
        SELECT membership_id, at AS started, next_at AS ended FROM (
            SELECT e.membership_id, e.kind, e.at,
                   LEAD(e.at) OVER (PARTITION BY e.membership_id ORDER BY e.at, e.id) AS next_at
            FROM {EVENT_TABLE} e
            WHERE e.kind IN ({literals(LEAVE_KINDS)})
              AND e.membership_id IN ({membership_ids_sql})
        ) periods
        WHERE kind = {literal(LEAVE_STARTED)}"""


def seated_at_sql(membership: str, at: str) -> str:
    """SQL twin of seated_at(): `membership` is a membership row alias, `at` an instant."""
    return (
        f"{membership}.joined_at IS NOT NULL AND {membership}.joined_at <= {at} "
        f"AND ({membership}.ended_at IS NULL OR {membership}.ended_at > {at})"
    )


def on_leave_join_sql(periods: str, alias: str, membership: str, at: str) -> str:
    """LEFT JOIN of the leave period (from `periods`, a leave_periods_sql CTE) that holds
    `at` for `membership`: `alias`.membership_id is NULL when not on leave then. Periods
    of one membership never overlap, so at most one matches."""
    return (
        f"LEFT JOIN {periods} {alias} ON {alias}.membership_id = {membership}.id "
        f"AND {alias}.started <= {at} AND ({alias}.ended IS NULL OR {alias}.ended > {at})"
    )


def expected_if_logged_sql(meeting: str, attendance: str) -> str:
    """SQL twin of the logged-after-the-fact part of expected_memberships(): true unless
    the meeting row `meeting` was logged after the fact and `attendance` (an attendance
    row LEFT JOINed for the membership's person) is missing."""
    return f"(NOT {meeting}.logged_after_the_fact OR {attendance}.id IS NOT NULL)"


# --- the organizer's to-do ---------------------------------------------------------------

ATTENDANCE_TABLE = Attendance._meta.db_table
MEETING_TABLE = Meeting._meta.db_table


def awaiting_attendance(organizer, *, since: datetime, until: datetime, limit: int = 5):
    """Held meetings (start in [since, until)) of the circles `organizer` organizes where
    someone was expected and an organizer marked none of those expected yet (a member's
    own report does not count), newest first: Meeting rows with id, circle, title, start.

    The dashboard runs this on every visit. Written with the SQL twins above: the same
    query built with the ORM (expected_memberships twice, one inside the other) took
    longer to compile than to run, a third of the dashboard's time (docs/performance.md).
    tests/meetings/test_participation_rules.py checks it against the ORM rules."""
    sql = f"""
        WITH organized AS (
            SELECT circle_id FROM {MEMBERSHIP_TABLE}
            WHERE user_id = %(user)s AND status IN ({literals(Membership.SEATED)})
              AND role = {literal(Membership.Role.ORGANIZER)}
        ), held AS (
            SELECT id, circle_id, title, start, logged_after_the_fact FROM {MEETING_TABLE}
            WHERE circle_id IN (SELECT circle_id FROM organized)
              AND status = {literal(Meeting.Status.SCHEDULED)}
              AND start >= %(since)s AND start < %(until)s
        ), leaves AS ({
        leave_periods_sql(
            f"SELECT id FROM {MEMBERSHIP_TABLE} "
            "WHERE circle_id IN (SELECT circle_id FROM organized)"
        )
    }), expected AS (
            SELECT h.id AS meeting_id, ms.user_id
            FROM held h
            JOIN {MEMBERSHIP_TABLE} ms ON ms.circle_id = h.circle_id
                 AND {seated_at_sql("ms", "h.start")}
            {on_leave_join_sql("leaves", "l", "ms", "h.start")}
            LEFT JOIN {ATTENDANCE_TABLE} ra ON ra.meeting_id = h.id AND ra.user_id = ms.user_id
            WHERE l.membership_id IS NULL AND {expected_if_logged_sql("h", "ra")}
        )
        SELECT h.id, h.circle_id, h.title, h.start FROM held h
        WHERE EXISTS (SELECT 1 FROM expected e WHERE e.meeting_id = h.id)
          AND NOT EXISTS (
            SELECT 1 FROM expected e
            JOIN {ATTENDANCE_TABLE} a ON a.meeting_id = e.meeting_id AND a.user_id = e.user_id
            WHERE e.meeting_id = h.id
              AND (a.recorded_by_id IS NULL OR a.recorded_by_id <> a.user_id)
          )
        ORDER BY h.start DESC
        LIMIT %(limit)s"""
    params = {"user": organizer.pk, "since": since, "until": until, "limit": limit}
    return list(Meeting.objects.raw(sql, params))


# --- the answer that counts ---------------------------------------------------------------


def effective_answers(meeting: Meeting) -> dict[int, str]:
    """user id → the answer that counts for `meeting`."""
    return {user_id: answer for user_id, (answer, _) in answers_at(meeting).items()}


def answers_at(meeting: Meeting) -> dict[int, tuple[str, bool]]:
    """user id → (the answer that counts for `meeting`, whether it came from the series):
    everyone's answers in one query (two for a series), as answers_of gives one person's."""
    answers: dict[int, tuple[str, bool]] = {}
    if meeting.series_id:
        for user_id, answer in SeriesRSVP.objects.filter(
            series_id=meeting.series_id, valid_from__lte=meeting.start
        ).values_list("user_id", "answer"):
            answers[user_id] = (answer, True)
    for user_id, answer in RSVP.objects.filter(meeting=meeting).values_list("user_id", "answer"):
        answers[user_id] = (answer, False)
    return answers


def answers_of(user, meetings: Iterable[Meeting]) -> dict[int, tuple[str, bool]]:
    """meeting id → (the answer that counts, whether it came from the series) for one
    person over many meetings, in two queries."""
    meetings = list(meetings)
    own = dict(
        RSVP.objects.filter(user=user, meeting__in=meetings).values_list("meeting_id", "answer")
    )
    series: dict[int, tuple[str, datetime]] = {
        sid: (answer, since)
        for sid, answer, since in SeriesRSVP.objects.filter(
            user=user, series__in={m.series_id for m in meetings if m.series_id}
        ).values_list("series_id", "answer", "valid_from")
    }
    result = {}
    for m in meetings:
        if m.pk in own:
            result[m.pk] = (own[m.pk], False)
        elif m.series_id in series and series[m.series_id][1] <= m.start:
            result[m.pk] = (series[m.series_id][0], True)
    return result


def answer_joins_sql(meeting: str, user: str) -> str:
    """SQL twin: LEFT JOINs after which ANSWER_SQL is the answer that counts for the person
    `user` (a user id column) at the meeting row `meeting`."""
    return (
        f"LEFT JOIN {RSVP_TABLE} r ON r.meeting_id = {meeting}.id AND r.user_id = {user} "
        f"LEFT JOIN {SERIES_RSVP_TABLE} sr ON sr.series_id = {meeting}.series_id "
        f"AND sr.user_id = {user} AND sr.valid_from <= {meeting}.start"
    )


ANSWER_SQL = "COALESCE(r.answer, sr.answer)"


# --- what the reports count (the participation facts, meetings/facts.py) -------------------

PRESENT_SQL = literal(Attendance.Status.PRESENT)


def on_leave_sql(periods_alias: str) -> str:
    """1 when the leave period joined by on_leave_join_sql() as `periods_alias` holds."""
    return f"CASE WHEN {periods_alias}.membership_id IS NULL THEN 0 ELSE 1 END"


def eligible_sql(periods_alias: str, attendance: str) -> str:
    """1 when the person counts at the meeting in the reports: expected there, or recorded
    present while on leave (they came after all). `attendance` is a status column."""
    return (
        f"CASE WHEN {periods_alias}.membership_id IS NOT NULL "
        f"AND COALESCE({attendance}, '') <> {PRESENT_SQL} THEN 0 ELSE 1 END"
    )


def attended_sql(attendance: str) -> str:
    return f"CASE WHEN {attendance} = {PRESENT_SQL} THEN 1 ELSE 0 END"


def responded_sql(periods_alias: str, attendance: str) -> str:
    """1 when an eligible person has an answer that counts (ANSWER_SQL)."""
    return (
        f"CASE WHEN {ANSWER_SQL} IS NULL OR ({periods_alias}.membership_id IS NOT NULL "
        f"AND COALESCE({attendance}, '') <> {PRESENT_SQL}) THEN 0 ELSE 1 END"
    )
