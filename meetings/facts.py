# The SQL below is assembled only from meetings/participation.py's fragments, model table
# names, config.sql literals and integer ids (int() each): no text from a request.
# ruff: noqa: S608
"""The participation facts: ParticipationFact (one row per membership stay per meeting it
was seated for) and MeetingFact (their sums per meeting, with its surveys), kept current
in the same transaction as every write that changes them.

Both are computed only here, by one `INSERT ... SELECT` each, built from the one home of
"expected at a meeting" and "the answer that counts" (meetings/participation.py). A
refresh deletes the rows a change can affect and inserts them again with the same SQL as
a full rebuild, restricted by ids, so what is maintained is what a rebuild gives;
`manage.py participation_facts --check` compares the two, and
tests/meetings/test_facts.py applies random histories through the real actions and
compares after every step.

Who calls refresh_facts(): every write path of meetings (actions, reminders, the survey
answer, the admin), circles' membership actions through the hook registered in
MeetingsConfig.ready() (circles sits below meetings), and the demo seeds (one rebuild at
the end)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from circles.models import Membership
from config.sql import literal

from . import participation
from .models import Answer, Attendance, Meeting, MeetingFact, ParticipationFact, Survey

PF_TABLE = ParticipationFact._meta.db_table
MF_TABLE = MeetingFact._meta.db_table
MEETING_TABLE = Meeting._meta.db_table
MEMBERSHIP_TABLE = Membership._meta.db_table
ATTENDANCE_TABLE = Attendance._meta.db_table
SURVEY_TABLE = Survey._meta.db_table
SCHEDULED = literal(Meeting.Status.SCHEDULED)

FACT_COLUMNS = (
    "meeting_id",
    "membership_id",
    "circle_id",
    "user_id",
    "meeting_start",
    "role",
    "on_leave",
    "eligible",
    "attended",
    "responded",
    "rsvp",
    "attendance",
    "surveyed",
)
MEETING_COLUMNS = (
    "meeting_id",
    "circle_id",
    "start",
    "logged_after_the_fact",
    "eligible",
    "attended",
    "responded",
    "rsvp_yes",
    "rsvp_no",
    "rsvp_maybe",
    "absent",
    "excused",
    "surveys_sent",
    "surveys_answered",
    "usefulness_sum",
    "usefulness_answers",
)


def _ids(values: Iterable) -> str:
    """Ids as the inside of an SQL IN (...): integers only; none matches nothing."""
    return ", ".join(str(int(v)) for v in sorted({int(v) for v in values})) or "NULL"


@dataclass
class _Where:
    """One restriction, said four ways: on the SELECT of fact rows (meeting `m`,
    membership `ms`), on ParticipationFact rows, on the memberships whose leave periods
    the SELECT needs, and on the meetings whose MeetingFact rows change."""

    select: list[str]
    facts: list[str]
    leaves: list[str]
    meetings: list[str]

    @classmethod
    def of(cls, *, meetings=None, memberships=None, circles=None, users=None, series=None):
        where = cls([], [], [], [])
        if meetings is not None:
            ids = _ids(meetings)
            where.add(
                f"m.id IN ({ids})",
                f"meeting_id IN ({ids})",
                f"circle_id IN (SELECT circle_id FROM {MEETING_TABLE} WHERE id IN ({ids}))",
                f"m.id IN ({ids})",
            )
        if series is not None:
            ids = _ids(series)
            in_series = f"SELECT id FROM {MEETING_TABLE} WHERE series_id IN ({ids})"
            where.add(
                f"m.series_id IN ({ids})",
                f"meeting_id IN ({in_series})",
                f"circle_id IN (SELECT circle_id FROM {MEETING_TABLE} WHERE series_id IN ({ids}))",
                f"m.series_id IN ({ids})",
            )
        if circles is not None:
            ids = _ids(circles)
            where.add(
                f"m.circle_id IN ({ids})",
                f"circle_id IN ({ids})",
                f"circle_id IN ({ids})",
                f"m.circle_id IN ({ids})",
            )
        if memberships is not None:
            ids = _ids(memberships)
            where.add(
                f"ms.id IN ({ids})",
                f"membership_id IN ({ids})",
                f"id IN ({ids})",
                f"m.circle_id IN (SELECT circle_id FROM {MEMBERSHIP_TABLE} WHERE id IN ({ids}))",
            )
        if users is not None:
            ids = _ids(users)
            where.add(
                f"ms.user_id IN ({ids})",
                f"user_id IN ({ids})",
                f"user_id IN ({ids})",
                # Alone, a person's meetings are those of the circles they sat in.
                None
                if where.meetings
                else f"m.circle_id IN (SELECT circle_id FROM {MEMBERSHIP_TABLE} "
                f"WHERE user_id IN ({ids}))",
            )
        return where

    def add(self, select: str, facts: str, leaves: str, meetings: str | None) -> None:
        self.select.append(select)
        self.facts.append(facts)
        self.leaves.append(leaves)
        if meetings:
            self.meetings.append(meetings)

    @staticmethod
    def _all(conditions: list[str]) -> str:
        return " AND ".join(conditions) or "1 = 1"

    @property
    def select_sql(self) -> str:
        return self._all(self.select)

    @property
    def facts_sql(self) -> str:
        return self._all(self.facts)

    @property
    def leaves_sql(self) -> str:
        return f"SELECT id FROM {MEMBERSHIP_TABLE} WHERE {self._all(self.leaves)}"

    @property
    def meetings_sql(self) -> str:
        return self._all(self.meetings)


def leaves_cte(where: _Where) -> str:
    return f"leaves AS ({participation.leave_periods_sql(where.leaves_sql)})"


def facts_select_sql(where: _Where) -> str:
    """The fact rows (FACT_COLUMNS) of every meeting not cancelled, restricted by
    `where`; needs leaves_cte() in the statement's WITH. One row per membership seated at
    the meeting's start (at a meeting logged after the fact, only those recorded)."""
    p = participation
    return f"""
        SELECT m.id AS meeting_id, ms.id AS membership_id, ms.circle_id, ms.user_id,
               m.start AS meeting_start, ms.role,
               {p.on_leave_sql("l")} AS on_leave,
               {p.eligible_sql("l", "a.status")} AS eligible,
               {p.attended_sql("a.status")} AS attended,
               {p.responded_sql("l", "a.status")} AS responded,
               {p.ANSWER_SQL} AS rsvp, a.status AS attendance,
               CASE WHEN s.answered_at IS NULL THEN 0 ELSE 1 END AS surveyed
        FROM {MEETING_TABLE} m
        JOIN {MEMBERSHIP_TABLE} ms ON ms.circle_id = m.circle_id
             AND {p.seated_at_sql("ms", "m.start")}
        {p.on_leave_join_sql("leaves", "l", "ms", "m.start")}
        LEFT JOIN {ATTENDANCE_TABLE} a ON a.meeting_id = m.id AND a.user_id = ms.user_id
        {p.answer_joins_sql("m", "ms.user_id")}
        LEFT JOIN {SURVEY_TABLE} s ON s.meeting_id = m.id AND s.user_id = ms.user_id
        WHERE m.status = {SCHEDULED} AND {p.expected_if_logged_sql("m", "a")}
          AND {where.select_sql}"""


def _eligible_with(column: str, value: str) -> str:
    return f"SUM(CASE WHEN eligible = 1 AND {column} = {value} THEN 1 ELSE 0 END)"


def meeting_facts_select_sql(facts: str, where: _Where) -> str:
    """MeetingFact rows (MEETING_COLUMNS) of the meetings `where` selects, summed from
    the fact rows in `facts` (the table, or a CTE of fresh rows)."""
    meetings = f"SELECT m.id FROM {MEETING_TABLE} m WHERE {where.meetings_sql}"
    yes, no, maybe = (literal(a) for a in (Answer.YES, Answer.NO, Answer.MAYBE))
    absent, excused = (literal(s) for s in (Attendance.Status.ABSENT, Attendance.Status.EXCUSED))
    return f"""
        SELECT m.id AS meeting_id, m.circle_id, m.start, m.logged_after_the_fact,
               COALESCE(f.eligible, 0) AS eligible, COALESCE(f.attended, 0) AS attended,
               COALESCE(f.responded, 0) AS responded,
               COALESCE(f.rsvp_yes, 0) AS rsvp_yes, COALESCE(f.rsvp_no, 0) AS rsvp_no,
               COALESCE(f.rsvp_maybe, 0) AS rsvp_maybe,
               COALESCE(f.absent, 0) AS absent, COALESCE(f.excused, 0) AS excused,
               COALESCE(sv.sent, 0) AS surveys_sent,
               COALESCE(sv.answered, 0) AS surveys_answered,
               COALESCE(sv.usefulness_sum, 0) AS usefulness_sum,
               COALESCE(sv.usefulness_answers, 0) AS usefulness_answers
        FROM {MEETING_TABLE} m
        LEFT JOIN (
            SELECT meeting_id, SUM(eligible) AS eligible, SUM(attended) AS attended,
                   SUM(responded) AS responded,
                   {_eligible_with("rsvp", yes)} AS rsvp_yes,
                   {_eligible_with("rsvp", no)} AS rsvp_no,
                   {_eligible_with("rsvp", maybe)} AS rsvp_maybe,
                   {_eligible_with("attendance", absent)} AS absent,
                   {_eligible_with("attendance", excused)} AS excused
            FROM {facts} WHERE meeting_id IN ({meetings}) GROUP BY meeting_id
        ) f ON f.meeting_id = m.id
        LEFT JOIN (
            -- Every survey of the meeting (sent to whoever came, on leave or not).
            SELECT meeting_id, COUNT(*) AS sent,
                   SUM(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END) AS answered,
                   SUM(CASE WHEN answered_at IS NOT NULL THEN usefulness END) AS usefulness_sum,
                   COUNT(CASE WHEN answered_at IS NOT NULL THEN usefulness END)
                       AS usefulness_answers
            FROM {SURVEY_TABLE} WHERE meeting_id IN ({meetings}) GROUP BY meeting_id
        ) sv ON sv.meeting_id = m.id
        WHERE m.status = {SCHEDULED} AND {where.meetings_sql}"""


def refresh_facts(
    *,
    meetings: Iterable[int] | None = None,
    memberships: Iterable[int] | None = None,
    circles: Iterable[int] | None = None,
    users: Iterable[int] | None = None,
    series: Iterable[int] | None = None,
) -> None:
    """Make the facts the given ids can affect equal to a rebuild of them: delete them and
    insert them again with the rebuild's SQL. Restrictions combine (`meetings` and
    `users`: those people at those meetings); MeetingFact is recomputed for the meetings
    touched. Without any restriction it rebuilds everything. Four statements (and a
    lock of the meetings touched, on PostgreSQL), each touching only the rows selected
    (through the tables' indexes), in the caller's transaction."""
    where = _Where.of(
        meetings=meetings, memberships=memberships, circles=circles, users=users, series=series
    )
    columns = ", ".join(FACT_COLUMNS)
    # No savepoint of its own: inside the caller's transaction it stands or falls with
    # the write it follows (and alone, it is one transaction).
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.features.has_select_for_update:
            # Two refreshes of one meeting at once (two RSVPs, a double submit) would
            # each delete what the other had not committed yet and insert the same keys:
            # the meetings' rows, locked in id order, make the second wait and then see
            # the first. (SQLite runs one writer at a time anyway.)
            cursor.execute(
                f"SELECT m.id FROM {MEETING_TABLE} m WHERE {where.meetings_sql} "
                "ORDER BY m.id FOR UPDATE"
            )
        cursor.execute(f"DELETE FROM {PF_TABLE} WHERE {where.facts_sql}")
        cursor.execute(
            f"WITH {leaves_cte(where)} INSERT INTO {PF_TABLE} ({columns}) {facts_select_sql(where)}"
        )
        cursor.execute(
            f"DELETE FROM {MF_TABLE} WHERE meeting_id IN "
            f"(SELECT m.id FROM {MEETING_TABLE} m WHERE {where.meetings_sql})"
        )
        cursor.execute(
            f"INSERT INTO {MF_TABLE} ({', '.join(MEETING_COLUMNS)}) "
            f"{meeting_facts_select_sql(PF_TABLE, where)}"
        )


def rebuild_facts() -> None:
    """Both tables from scratch, atomically (a refresh restricted by nothing)."""
    refresh_facts()


@dataclass
class Drift:
    """How the maintained tables differ from a rebuild: counts and a sample of rows."""

    missing_facts: int = 0  # in a rebuild, not in the table
    extra_facts: int = 0  # in the table, not in a rebuild
    missing_meetings: int = 0
    extra_meetings: int = 0
    samples: list[tuple[str, dict]] | None = None

    @property
    def found(self) -> bool:
        return any(
            (self.missing_facts, self.extra_facts, self.missing_meetings, self.extra_meetings)
        )


def check_facts(*, sample: int = 10) -> Drift:
    """Compare the maintained tables with a rebuild computed on the fly (nothing written):
    each row of one missing from the other, both ways, by EXCEPT."""
    where = _Where.of()
    fact_columns = ", ".join(FACT_COLUMNS)
    meeting_columns = ", ".join(MEETING_COLUMNS)
    head = (
        f"WITH {leaves_cte(where)}, fresh AS ({facts_select_sql(where)}), "
        f"fresh_meetings AS ({meeting_facts_select_sql('fresh', where)})"
    )
    comparisons = {
        "missing_facts": (fact_columns, "fresh", PF_TABLE),
        "extra_facts": (fact_columns, PF_TABLE, "fresh"),
        "missing_meetings": (meeting_columns, "fresh_meetings", MF_TABLE),
        "extra_meetings": (meeting_columns, MF_TABLE, "fresh_meetings"),
    }
    drift = Drift(samples=[])
    with connection.cursor() as cursor:
        for name, (columns, left, right) in comparisons.items():
            differ = f"SELECT {columns} FROM {left} EXCEPT SELECT {columns} FROM {right}"
            cursor.execute(f"{head} SELECT COUNT(*) FROM ({differ}) d")
            count = cursor.fetchone()[0]
            setattr(drift, name, count)
            if count and sample:
                cursor.execute(f"{head} SELECT * FROM ({differ}) d LIMIT {int(sample)}")
                names = [col[0] for col in cursor.description]
                drift.samples += [(name, dict(zip(names, row, strict=True))) for row in cursor]
    return drift


def refresh_memberships(*, memberships: Iterable[int] = (), circles: Iterable[int] = ()) -> None:
    """The hook circles calls after a membership change (circles/models.py): the facts of
    those memberships, and the meeting sums of `circles` (a membership that moved circle
    or was deleted leaves sums behind there)."""
    memberships, circles = list(memberships), list(circles)
    if memberships:
        refresh_facts(memberships=memberships)
    if circles:
        refresh_facts(circles=circles)


def before_users_deleted(user_ids: list[int]):
    """The hook members calls before deleting people (members/models.py): their facts go
    by cascade, the sums of their circles' meetings are recomputed after."""
    circles = set(
        Membership.objects.filter(user_id__in=user_ids).values_list("circle_id", flat=True)
    ) | set(
        Survey.objects.filter(user_id__in=user_ids).values_list("meeting__circle_id", flat=True)
    )

    def after() -> None:
        if circles:
            refresh_facts(circles=circles)

    return after
