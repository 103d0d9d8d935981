# The SQL below is assembled only from constant fragments of this module, the table names
# of the participation facts (meetings/facts.py keeps them), fragments of
# meetings/participation.py, constants of the models (config.sql.literal accepts plain
# identifiers only) and Django's own compiled querysets; every value from a request
# travels as a query parameter.
# ruff: noqa: S608
"""Participation and outcome reports, computed in SQL.

Every figure here is aggregated by the database: Python only shapes rows for templates
and files. The SQL runs on PostgreSQL (production, tests) and on SQLite (the embedded
default); where the two differ (dates), it asks Django's backend operations for the right
expression.

Definitions, also given to users in docs/reports.md:

- A member is **eligible** for a held meeting of their circle if their membership had
  begun by its start and not ended, and they were not on leave at that time (leave
  periods come from the membership's leave_started/leave_ended events). Someone recorded
  present while on leave counts as eligible and attended. At a meeting logged after the
  fact (nobody scheduled it), only the members whose attendance was recorded are eligible.
- A meeting is **held** if it was not cancelled and has started.
- A person is **retained in an academic position** unless their latest position-change
  milestone says they left academia.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from circles.models import Circle, Membership
from config.sql import literal, literals
from meetings.models import Meeting, MeetingFact, ParticipationFact
from members.models import Milestone, User

from .disclosure import K

# Statuses, answers and kinds in the SQL below come from the models' own constants.
HELD_SQL = f"m.status = {literal(Meeting.Status.SCHEDULED)}"  # and m.start before "until"
ACTIVE = literal(Membership.Status.ACTIVE)
ON_LEAVE = literal(Membership.Status.ON_LEAVE)
SEATED = literals(Membership.SEATED)
WOMAN = literal(User.Gender.WOMAN)
POSITION = literal(Milestone.Kind.POSITION_CHANGE)
CDA = literal(Milestone.Kind.CAREER_DEVELOPMENT_AWARD)
GRANT = literal(Milestone.Kind.RESEARCH_GRANT)
PUBLICATION = literal(Milestone.Kind.PUBLICATION)
PROMOTION = literal(Milestone.Kind.PROMOTION)


@dataclass(frozen=True)
class Scope:
    """Which circles and which stretch of time a report covers."""

    circles: QuerySet
    start: datetime | None = None
    end: datetime | None = None
    now: datetime = field(default_factory=timezone.now)

    @property
    def until(self) -> datetime:
        """Meetings before this moment count: the end of the range, never the future."""
        return min(self.end, self.now) if self.end else self.now

    @cached_property
    def circle_ids(self) -> list[int]:
        return list(self.circles.order_by().values_list("pk", flat=True))

    def circles_sql(self) -> tuple[str, list]:
        """The scope's circles as a subquery over their ids. Literal ids (one query to
        fetch them first) let the planner see how small a scope is: with a subquery it
        planned every report as if it covered the whole database."""
        ids = self.circle_ids
        if not ids:
            return "SELECT id FROM circles_circle WHERE 1 = 0", []
        if connection.vendor == "postgresql":
            # One array parameter, still a literal to the planner (ids = ANY('{...}')):
            # 1,000 placeholders cost psycopg ≈10 ms to parse per query (bench/exports.py).
            return "SELECT id FROM circles_circle WHERE id = ANY(%s)", [list(ids)]
        placeholders = ", ".join(["%s"] * len(ids))
        # A new list each time: callers append their own parameters to it.
        return f"SELECT id FROM circles_circle WHERE id IN ({placeholders})", list(ids)


def _adapt(params: list) -> list:
    """Datetimes as the backend stores them (SQLite compares text: UTC, no offset)."""
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(p) if isinstance(p, datetime) else p for p in params]


def cached(scope: Scope, figure, *args, **kwargs):
    """`figure(scope, *args, **kwargs)`, kept REPORTS_CACHE_SECONDS in the shared cache:
    a program-wide figure aggregates every meeting of every circle (seconds at 1,000
    circles), and people page through a report and back within minutes."""
    seconds = settings.REPORTS_CACHE_SECONDS
    if not seconds:
        return figure(scope, *args, **kwargs)
    fingerprint = repr(
        (
            f"{figure.__module__}.{figure.__qualname__}",
            scope.circle_ids,
            scope.start,
            scope.end,
            args,
            sorted(kwargs.items()),
        )
    )
    key = "reports:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = figure(scope, *args, **kwargs)
        cache.set(key, value, seconds)
    return value


def _fetch(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapt(params))
        names = [col[0] for col in cursor.description]
        convert = _converter(names)
        return [dict(zip(names, convert(row), strict=True)) for row in cursor.fetchall()]


NUMERIC_OID = 1700

# Columns holding timestamps: SQLite hands raw SQL its stored text, PostgreSQL datetimes.
TIMESTAMP_COLUMNS = {
    "joined_at",
    "ended_at",
    "start",
    "meeting_start",
    "meeting_start_utc",
    "first_joined",
    "last_ended",
    "first",
    "last",
}


def _converter(names: list[str]):
    """A function making one row plain: PostgreSQL sums integers as numeric (ints and
    floats for templates), SQLite returns timestamps as text (aware datetimes)."""
    parse = [connection.vendor == "sqlite" and name in TIMESTAMP_COLUMNS for name in names]

    def convert(row) -> list:
        out = []
        for value, is_timestamp in zip(row, parse, strict=True):
            if isinstance(value, Decimal):
                value = int(value) if value == value.to_integral_value() else float(value)
            elif is_timestamp and isinstance(value, str):
                value = datetime.fromisoformat(value).replace(tzinfo=UTC)
            elif isinstance(value, datetime) and value.tzinfo is None:
                value = value.replace(tzinfo=UTC)  # SQLite: stored UTC, read back naive
            out.append(value)
        return out

    return convert


def rate(part, whole) -> float | None:
    return None if not whole else round(100.0 * float(part) / float(whole), 1)


def _with(scope: Scope, *parts: tuple[str, list]) -> tuple[str, list]:
    """A WITH clause: the scope's circles as `scope_circles(id)`, then `parts`."""
    circles_sql, params = scope.circles_sql()
    # NOT MATERIALIZED: inlined, so the planner sees each condition where it is used.
    clauses = [f"scope_circles(id) AS NOT MATERIALIZED ({circles_sql})"]
    for sql, part_params in parts:
        clauses.append(sql)
        params += part_params
    return "WITH " + ",\n".join(clauses), params


def _date_of(sql: str) -> tuple[str, list]:
    sql, params = connection.ops.datetime_cast_date_sql(sql, (), "UTC")
    return sql, list(params)


def _trunc(kind: str, sql: str) -> tuple[str, list]:
    sql, params = connection.ops.datetime_trunc_sql(kind, sql, (), "UTC")
    return sql, list(params)


# --- participation ---------------------------------------------------------------------------
#
# Every participation figure reads the participation facts that meetings keeps current
# in the same transaction as each write (meetings/facts.py, built from the one home of
# "expected at a meeting" in meetings/participation.py): ParticipationFact, one row per
# membership stay per meeting not cancelled, and MeetingFact, their sums per meeting.
# Both hold future meetings too; "held" is the range filter below (start before
# scope.until), so the tables never go stale as time passes.

PF = ParticipationFact._meta.db_table
MF = MeetingFact._meta.db_table


def _in(column: str, ids: list[int] | None) -> tuple[str, list]:
    if ids is None:
        return "", []
    if not ids:
        return "AND 1 = 0", []
    return f"AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _held(scope: Scope, start: str) -> tuple[str, list]:
    """Conditions on a fact row's meeting start (`start`): held in the scope's range."""
    sql, params = f"AND {start} < %s", [scope.until]
    if scope.start:
        sql += f" AND {start} >= %s"
        params.append(scope.start)
    return sql, params


def _meeting_facts(scope: Scope) -> tuple[str, list]:
    """A WITH clause (after _with): `held` is the MeetingFact rows of the scope's held
    meetings, one per meeting."""
    held, params = _held(scope, "mf.start")
    sql = f"""held AS (
        SELECT mf.* FROM {MF} mf
        WHERE mf.circle_id IN (SELECT id FROM scope_circles) {held}
    )"""
    return sql, params


def circle_summaries(scope: Scope) -> list[dict]:
    """Per circle: seats, meetings held, mean attendance rate (the mean over meetings of
    attended ÷ eligible), RSVP and survey response rates, mean usefulness (only from
    SURVEY_MIN_ANSWERS answers on)."""
    head, params = _with(scope, _meeting_facts(scope))
    sql = f"""
    {head},
    meeting_totals AS (
        SELECT circle_id, COUNT(*) AS meetings_held,
               AVG(CASE WHEN eligible > 0 THEN 1.0 * attended / eligible END) AS mean_rate,
               SUM(eligible) AS eligible, SUM(attended) AS attended, SUM(responded) AS responded,
               SUM(surveys_sent) AS sent, SUM(surveys_answered) AS answered,
               SUM(usefulness_sum) AS usefulness_sum,
               SUM(usefulness_answers) AS usefulness_answers
        FROM held GROUP BY circle_id
    ),
    seats AS (
        SELECT circle_id,
               SUM(CASE WHEN status = {ACTIVE} THEN 1 ELSE 0 END) AS active_members,
               SUM(CASE WHEN status = {ON_LEAVE} THEN 1 ELSE 0 END) AS on_leave
        FROM circles_membership WHERE circle_id IN (SELECT id FROM scope_circles)
        GROUP BY circle_id
    )
    SELECT c.id, c.name, c.slug, c.kind, c.status, COALESCE(p.name, '') AS program,
           COALESCE(st.active_members, 0) AS active_members, COALESCE(st.on_leave, 0) AS on_leave,
           COALESCE(mt.meetings_held, 0) AS meetings_held, mt.mean_rate,
           COALESCE(mt.eligible, 0) AS eligible, COALESCE(mt.attended, 0) AS attended,
           COALESCE(mt.responded, 0) AS responded,
           COALESCE(mt.sent, 0) AS surveys_sent, COALESCE(mt.answered, 0) AS surveys_answered,
           CASE WHEN mt.usefulness_answers > 0
                THEN 1.0 * mt.usefulness_sum / mt.usefulness_answers END AS usefulness
    FROM circles_circle c
    LEFT JOIN circles_program p ON p.id = c.program_id
    LEFT JOIN seats st ON st.circle_id = c.id
    LEFT JOIN meeting_totals mt ON mt.circle_id = c.id
    WHERE c.id IN (SELECT id FROM scope_circles)
    ORDER BY p.name, c.name, c.id
    """
    rows = _fetch(sql, params)
    for row in rows:
        row["status_label"] = Circle.Status(row["status"]).label
        row["kind_label"] = Circle.Kind(row["kind"]).label
        row["mean_attendance_rate"] = (
            None if row["mean_rate"] is None else round(100 * float(row["mean_rate"]), 1)
        )
        row["rsvp_response_rate"] = rate(row["responded"], row["eligible"])
        row["survey_response_rate"] = rate(row["surveys_answered"], row["surveys_sent"])
        shown = row["surveys_answered"] >= settings.SURVEY_MIN_ANSWERS
        row["mean_usefulness"] = (
            round(float(row["usefulness"]), 2) if shown and row["usefulness"] else None
        )
    return rows


def totals(rows: list[dict]) -> dict:
    """The scope-wide line under the per-circle table, from the per-circle rows."""
    eligible = sum(r["eligible"] for r in rows)
    return {
        "circles": len(rows),
        "active_members": sum(r["active_members"] for r in rows),
        "on_leave": sum(r["on_leave"] for r in rows),
        "meetings_held": sum(r["meetings_held"] for r in rows),
        "attendance_rate": rate(sum(r["attended"] for r in rows), eligible),
        "rsvp_response_rate": rate(sum(r["responded"] for r in rows), eligible),
        "survey_response_rate": rate(
            sum(r["surveys_answered"] for r in rows), sum(r["surveys_sent"] for r in rows)
        ),
    }


MEMBER_COLUMNS = """
    ms.id AS membership_id, c.name AS circle, c.slug AS circle_slug,
    u.full_name AS member, u.email, inst.name AS institution, ms.role, ms.status,
    ms.joined_at, ms.ended_at,
    COALESCE(agg.eligible, 0) AS eligible, COALESCE(agg.attended, 0) AS attended,
    COALESCE(agg.responded, 0) AS responded, COALESCE(agg.surveyed, 0) AS surveys_answered"""


def _member_rows_sql(scope: Scope, memberships: list[int] | None = None) -> tuple[str, list]:
    circles_sql, params = scope.circles_sql()
    held, held_params = _held(scope, "f.meeting_start")
    only_facts, fact_ids = _in("f.membership_id", memberships)
    params += held_params + fact_ids
    overlap = ""
    params.append(scope.until)
    if scope.start:
        overlap = "AND (ms.ended_at IS NULL OR ms.ended_at >= %s)"
        params.append(scope.start)
    only, ids = _in("ms.id", memberships)
    overlap += f" {only}"
    params += ids
    sql = f"""
    WITH scope_circles(id) AS NOT MATERIALIZED ({circles_sql}),
    agg AS MATERIALIZED (  -- computed once, not once per listed membership
        SELECT f.membership_id, SUM(f.eligible) AS eligible, SUM(f.attended) AS attended,
               SUM(f.responded) AS responded, SUM(f.surveyed) AS surveyed
        FROM {PF} f
        WHERE f.circle_id IN (SELECT id FROM scope_circles) {held} {only_facts}
        GROUP BY f.membership_id
    )
    SELECT {MEMBER_COLUMNS}
    FROM circles_membership ms
    JOIN circles_circle c ON c.id = ms.circle_id
    JOIN members_user u ON u.id = ms.user_id
    LEFT JOIN members_institution inst ON inst.id = u.institution_id
    LEFT JOIN agg ON agg.membership_id = ms.id
    WHERE ms.joined_at IS NOT NULL AND ms.circle_id IN (SELECT id FROM scope_circles)
      AND ms.joined_at < %s {overlap}
    ORDER BY c.name, c.id, u.full_name, u.id, ms.joined_at"""
    return sql, params


def _finish_member(row: dict, now: datetime) -> dict:
    # People read labels ("On leave"), not the stored values ("on_leave").
    row["role_label"] = Membership.Role(row["role"]).label
    row["status_label"] = Membership.Status(row["status"]).label
    row["attendance_rate"] = rate(row["attended"], row["eligible"])
    row["tenure_days"] = ((row["ended_at"] or now) - row["joined_at"]).days
    return row


def member_rows(scope: Scope, *, limit: int | None = None, offset: int = 0) -> list[dict]:
    """Per membership (a rejoiner has one row per stay): circle, person, role, tenure,
    meetings eligible and attended, RSVPs given, surveys answered."""
    page = None
    if limit is not None:
        page = [r["id"] for r in _fetch(*_member_page_sql(scope, limit, offset))]
    sql, params = _member_rows_sql(scope, page)
    return [_finish_member(row, scope.now) for row in _fetch(sql, params)]


def _member_page_sql(scope: Scope, limit: int, offset: int) -> tuple[str, list]:
    """The ids of one page of memberships, in the table's order."""
    where, params = _memberships_in_scope(scope)
    order = "ORDER BY c.name, c.id, u.full_name, u.id, ms.joined_at LIMIT %s OFFSET %s"
    return f"SELECT ms.id {where} {order}", [*params, limit, offset]


def _memberships_in_scope(scope: Scope) -> tuple[str, list]:
    """FROM/WHERE of the memberships the per-member table lists: seated at some point,
    joined before the range ends and not ended before it starts."""
    circles_sql, params = scope.circles_sql()
    sql = f"""FROM circles_membership ms
    JOIN circles_circle c ON c.id = ms.circle_id JOIN members_user u ON u.id = ms.user_id
    WHERE ms.joined_at IS NOT NULL AND ms.circle_id IN ({circles_sql}) AND ms.joined_at < %s"""
    params.append(scope.until)
    if scope.start:
        sql += " AND (ms.ended_at IS NULL OR ms.ended_at >= %s)"
        params.append(scope.start)
    return sql, params


def count_members(scope: Scope) -> int:
    where, params = _memberships_in_scope(scope)
    return _scalar(f"SELECT COUNT(*) {where}", params)


def _scalar(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapt(params))
        return cursor.fetchone()[0]


def meeting_rows(scope: Scope, *, limit: int | None = None, offset: int = 0) -> list[dict]:
    """Per held meeting: RSVPs and attendance among the members eligible for it."""
    head, params = _with(scope, _meeting_facts(scope))
    page = ""
    if limit is not None:
        page = "LIMIT %s OFFSET %s"
        params += [limit, offset]
    # The page is cut from the narrow MeetingFact rows first; only its rows are named.
    sql = f"""
    {head},
    page AS MATERIALIZED (SELECT * FROM held ORDER BY start DESC, meeting_id DESC {page})
    SELECT h.meeting_id, h.circle_id, h.start, m.title, h.eligible, h.attended, h.responded,
           h.rsvp_yes, h.rsvp_no, h.rsvp_maybe, h.absent, h.excused,
           c.name AS circle, c.slug AS circle_slug
    FROM page h
    JOIN meetings_meeting m ON m.id = h.meeting_id
    JOIN circles_circle c ON c.id = h.circle_id
    ORDER BY h.start DESC, h.meeting_id DESC"""
    rows = _fetch(sql, params)
    for row in rows:
        row["no_answer"] = row["eligible"] - row["responded"]
        row["not_recorded"] = row["eligible"] - row["attended"] - row["absent"] - row["excused"]
        row["attendance_rate"] = rate(row["attended"], row["eligible"])
    return rows


def _meetings_in_scope(scope: Scope) -> tuple[str, list]:
    """FROM/WHERE of the held meetings in the scope's circles and range."""
    circles_sql, params = scope.circles_sql()
    sql = f"""FROM meetings_meeting m WHERE m.circle_id IN ({circles_sql})
    AND {HELD_SQL} AND m.start < %s"""
    params.append(scope.until)
    if scope.start:
        sql += " AND m.start >= %s"
        params.append(scope.start)
    return sql, params


def count_meetings(scope: Scope) -> int:
    where, params = _meetings_in_scope(scope)
    return _scalar(f"SELECT COUNT(*) {where}", params)


FACT_COLUMNS = [
    "program",
    "circle",
    "meeting_start_utc",
    "meeting",
    "member",
    "email",
    "role",
    "on_leave",
    "eligible",
    "rsvp",
    "attendance",
    "survey_answered",
]


def _facts_in_scope(scope: Scope) -> tuple[str, list]:
    """Conditions on ParticipationFact rows `f`: those of the scope's held meetings."""
    circles_sql, params = scope.circles_sql()
    held, held_params = _held(scope, "f.meeting_start")
    return f"f.circle_id IN ({circles_sql}) {held}", params + held_params


def fact_rows_sql(scope: Scope) -> tuple[str, list]:
    """One row per member per held meeting, named, for the participation export: a plain
    read of ParticipationFact. Carries whether a survey was answered, never what it said."""
    where, params = _facts_in_scope(scope)
    sql = f"""
    SELECT COALESCE(p.name, '') AS program, c.name AS circle,
           f.meeting_start AS meeting_start_utc,
           m.title AS meeting, u.full_name AS member, u.email, f.role,
           -- Spelled out here, so the export only copies rows (and COPY gives the same).
           CASE WHEN f.on_leave = 1 THEN 'yes' ELSE 'no' END AS on_leave,
           CASE WHEN f.eligible = 1 THEN 'yes' ELSE 'no' END AS eligible,
           COALESCE(f.rsvp, '') AS rsvp, COALESCE(f.attendance, '') AS attendance,
           CASE WHEN f.surveyed = 1 THEN 'yes' ELSE 'no' END AS survey_answered
    FROM {PF} f
    JOIN meetings_meeting m ON m.id = f.meeting_id
    JOIN circles_circle c ON c.id = f.circle_id
    LEFT JOIN circles_program p ON p.id = c.program_id
    JOIN members_user u ON u.id = f.user_id
    WHERE {where}
    ORDER BY c.name, c.id, f.meeting_start, m.id, u.full_name, u.id"""
    return sql, params


def stream(sql: str, params: list, *, chunk: int = 10000) -> Iterator[tuple]:
    """Rows of `sql` read through a server-side cursor on PostgreSQL (Django's chunked
    cursor), `chunk` at a time, so a million-row export never sits in memory."""
    # Inside a transaction PostgreSQL streams the cursor as rows are read; outside one
    # Django opens it WITH HOLD, which makes the server build the whole result first.
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        if connection.vendor == "postgresql":
            # A cursor is planned for its first 10 % of rows by default; an export reads
            # them all, so plan it as COPY would (the whole result).
            with connection.cursor() as setting:
                setting.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        cursor.execute(sql, _adapt(params))
        convert = _converter([col[0] for col in cursor.description])
        # PostgreSQL rows need converting only when a column is numeric (OID 1700).
        plain = connection.vendor == "postgresql" and all(
            col.type_code != NUMERIC_OID for col in cursor.description
        )
        while rows := cursor.fetchmany(chunk):
            if plain:
                yield from rows
            else:
                for row in rows:
                    yield convert(row)


def copy_csv(sql: str, params: list) -> Iterator[bytes]:
    """`COPY (sql) TO STDOUT WITH CSV` on PostgreSQL, chunk by chunk as the server sends
    it (memory stays flat). Parameters are bound client-side: COPY takes none."""
    query = connection.ops.compose_sql(sql, _adapt(params))
    with connection.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT WITH CSV") as cp:
        for data in cp:
            yield bytes(data)


def count_facts(scope: Scope) -> int:
    where, params = _facts_in_scope(scope)
    return _scalar(f"SELECT COUNT(*) FROM {PF} f WHERE {where}", params)


# --- charts ----------------------------------------------------------------------------------


def _buckets(first: date, last: date) -> tuple[str, list[date]]:
    """Month buckets over up to three years, else years: a chart stays readable."""
    if (last.year - first.year) * 12 + last.month - first.month < 36:
        months, d = [], first.replace(day=1)
        while d <= last:
            months.append(d)
            d = (d + timedelta(days=32)).replace(day=1)
        return "month", months
    return "year", [date(y, 1, 1) for y in range(first.year, last.year + 1)]


def _as_date(value) -> date:
    if isinstance(value, str):  # SQLite returns truncated datetimes as text
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value


def attendance_by_period(scope: Scope) -> dict:
    """Attendance rate (attended ÷ eligible) per month, or per year over longer ranges."""
    head, params = _with(scope, _meeting_facts(scope))
    span = _fetch(f"{head} SELECT MIN(start) AS first, MAX(start) AS last FROM held", params)
    if not span or span[0]["first"] is None:
        return {"unit": "month", "points": []}
    unit, buckets = _buckets(_as_date(span[0]["first"]), _as_date(span[0]["last"]))
    trunc, trunc_params = _trunc(unit, "h.start")
    rows = _fetch(
        f"""{head}
        SELECT {trunc} AS period, SUM(h.eligible) AS eligible, SUM(h.attended) AS attended
        FROM held h GROUP BY 1 ORDER BY 1""",
        params + trunc_params,
    )
    found = {_as_date(r["period"]): r for r in rows}
    points = []
    for bucket in buckets:
        row = found.get(bucket, {"eligible": 0, "attended": 0})
        points.append(
            {
                "period": bucket,
                "eligible": row["eligible"],
                "attended": row["attended"],
                "rate": rate(row["attended"], row["eligible"]),
            }
        )
    return {"unit": unit, "points": points}


def membership_over_time(scope: Scope) -> dict:
    """People holding a seat (active or on leave) at the start of each month or year."""
    circles_sql, params = scope.circles_sql()
    first = _scalar(
        f"""SELECT MIN(joined_at) FROM circles_membership
        WHERE circle_id IN ({circles_sql}) AND joined_at IS NOT NULL""",
        params,
    )
    if first is None:
        return {"unit": "month", "points": []}
    first = max(_as_date(first), scope.start.date() if scope.start else date.min)
    unit, buckets = _buckets(first, scope.until.date())
    if not buckets:  # the range ends before anyone joined
        return {"unit": unit, "points": []}
    columns, column_params = [], []
    for i, bucket in enumerate(buckets):
        moment = datetime(bucket.year, bucket.month, bucket.day, tzinfo=UTC)
        moment = max(moment, scope.start) if i == 0 and scope.start else moment
        columns.append(
            f"""COUNT(DISTINCT CASE WHEN ms.joined_at <= %s
                AND (ms.ended_at IS NULL OR ms.ended_at > %s) THEN ms.user_id END) AS b{i}"""
        )
        column_params += [moment, moment]
    circles_sql, params = scope.circles_sql()
    row = _fetch(
        f"""SELECT {", ".join(columns)} FROM circles_membership ms
        WHERE ms.joined_at IS NOT NULL AND ms.circle_id IN ({circles_sql})""",
        column_params + params,
    )[0]
    return {
        "unit": unit,
        "points": [{"period": b, "members": row[f"b{i}"]} for i, b in enumerate(buckets)],
    }


def usefulness_distribution(scope: Scope) -> dict:
    """How many answers gave each usefulness score, 1–5; hidden below the survey minimum."""
    circles_sql, params = scope.circles_sql()
    sql = f"""SELECT s.usefulness AS score, COUNT(*) AS answers FROM meetings_survey s
    JOIN meetings_meeting m ON m.id = s.meeting_id
    WHERE s.answered_at IS NOT NULL AND s.usefulness IS NOT NULL
      AND m.circle_id IN ({circles_sql}) AND m.start < %s"""
    params.append(scope.until)
    if scope.start:
        sql += " AND m.start >= %s"
        params.append(scope.start)
    found = {r["score"]: r["answers"] for r in _fetch(sql + " GROUP BY s.usefulness", params)}
    total = sum(found.values())
    shown = total >= settings.SURVEY_MIN_ANSWERS
    return {
        "total": total,
        "shown": shown,
        "points": [{"score": s, "answers": found.get(s, 0)} for s in range(1, 6)] if shown else [],
    }


# --- outcomes --------------------------------------------------------------------------------

GROUPINGS = ("program", "circle", "cohort")
NO_PROGRAM = "No program"


def _labels(choices) -> dict:
    return {"": "Not given", **dict(choices)}


# Demographic breakdowns (self-identified, optional), keyed by their stored code.
# Disclosure control of every outcome table: reports/suppression.py.
BREAKDOWNS = {
    "gender": _labels(User.Gender.choices),
    "urim": _labels(User.URiM.choices),
}


# A membership stay counts in the outcome figures once it began before the scope's end
# (Scope.until, the parameter); the one home of that rule for _people and roster_groups.
STAY_BEGUN = "ms.joined_at < %s"


def _people(scope: Scope) -> tuple[str, list]:
    """WITH clauses (after _with): `people` has one row per person per circle they ever sat
    in, with their first joining, whether they hold a seat now, and their milestone counts.

    One pass over the scope's memberships and one grouped join over the milestones (no
    correlated subquery per person): at 1,000 circles (12,000 people-in-circles) the
    correlated counts cost 4 index probes per row, each page repeated them per grouping."""
    joined_date, joined_params = _date_of("pc.first_joined")
    # Retention as of the end of the range (today without one): later moves do not count.
    range_sql, range_params = "", []
    if scope.start:
        range_sql += " AND mi.date >= %s"
        range_params.append(scope.start.date())
    if scope.end:
        range_sql += " AND mi.date < %s"
        range_params.append(scope.end.date())
    since = f"mi.date >= {joined_date} {range_sql}"
    since_params = joined_params + range_params
    sql = f"""
    per_circle AS (
        -- Every membership of the scope's circles: the stays that had begun by the end of
        -- the range give the first joining; any seated one (whatever the range) makes the
        -- person current (a rejoiner is not an alumnus).
        SELECT ms.circle_id, ms.user_id,
               MIN(CASE WHEN {STAY_BEGUN} THEN ms.joined_at END) AS first_joined,
               MAX(CASE WHEN {STAY_BEGUN} THEN ms.ended_at END) AS last_ended,
               MAX(CASE WHEN ms.status IN ({SEATED}) THEN 1 ELSE 0 END) AS current
        FROM circles_membership ms
        WHERE ms.circle_id IN (SELECT id FROM scope_circles)
        GROUP BY ms.circle_id, ms.user_id
        HAVING MIN(CASE WHEN {STAY_BEGUN} THEN ms.joined_at END) IS NOT NULL
    ),
    latest_position AS (
        SELECT member_id, in_academia FROM (
            SELECT mi.member_id, mi.in_academia,
                   ROW_NUMBER() OVER (PARTITION BY mi.member_id ORDER BY mi.date DESC, mi.id DESC)
                       AS n
            FROM members_milestone mi WHERE mi.kind = {POSITION} AND mi.date <= %s
              AND mi.member_id IN (SELECT user_id FROM per_circle)
        ) ranked WHERE n = 1
    ),
    counted AS (
        -- A CDA counts whenever it came; grants, publications and promotions since the
        -- person first joined that circle (and within the range).
        SELECT pc.circle_id, pc.user_id,
               MAX(CASE WHEN mi.kind = {CDA} THEN 1 ELSE 0 END) AS cda,
               SUM(CASE WHEN mi.kind = {GRANT} AND {since} THEN 1 ELSE 0 END) AS grants,
               SUM(CASE WHEN mi.kind = {PUBLICATION} AND {since} THEN 1 ELSE 0 END)
                   AS publications,
               SUM(CASE WHEN mi.kind = {PROMOTION} AND {since} THEN 1 ELSE 0 END) AS promotions
        FROM per_circle pc
        JOIN members_milestone mi ON mi.member_id = pc.user_id
        WHERE mi.kind IN ({CDA}, {GRANT}, {PUBLICATION}, {PROMOTION})
        GROUP BY pc.circle_id, pc.user_id
    ),
    people AS (
        SELECT pc.circle_id, pc.user_id, pc.first_joined, pc.last_ended, pc.current,
               CASE WHEN u.gender = {WOMAN} THEN 1 ELSE 0 END AS woman,
               u.gender, u.underrepresented_in_medicine AS urim,
               CASE WHEN lp.in_academia = FALSE THEN 0 ELSE 1 END AS retained,
               COALESCE(mc.cda, 0) AS cda, COALESCE(mc.grants, 0) AS grants,
               COALESCE(mc.publications, 0) AS publications,
               COALESCE(mc.promotions, 0) AS promotions
        FROM per_circle pc
        JOIN members_user u ON u.id = pc.user_id
        LEFT JOIN latest_position lp ON lp.member_id = pc.user_id
        LEFT JOIN counted mc ON mc.circle_id = pc.circle_id AND mc.user_id = pc.user_id
    )"""
    params = [scope.until, scope.until, scope.until, scope.until.date()]
    params += since_params * 3
    return sql, params


# The outcome groupings of one scope, all computed by outcome_family in one query.
FAMILY = ("all", "program", "circle", "cohort", "gender", "urim")

OUTCOME_SUMS = """
    COUNT(*) AS members, SUM(current) AS current, SUM(woman) AS women,
    SUM(retained) AS retained, SUM(cda) AS with_cda, SUM(grants) AS grants,
    SUM(publications) AS publications, SUM(promotions) AS promotions"""

# A person once per row: in two circles of one program, once in the program row.
PER_PERSON = """MAX(current) AS current, MAX(woman) AS woman, MIN(retained) AS retained,
    MAX(cda) AS cda, MAX(grants) AS grants, MAX(publications) AS publications,
    MAX(promotions) AS promotions"""


def outcome_family(scope: Scope) -> dict[str, list[dict]]:
    """Every outcome grouping of `scope` (FAMILY: the "All" line, per program, circle,
    joining-year cohort, gender and URiM) from one query over one person-level pass, before
    any finishing or suppression. Each row: label, slug, key (program id, circle id, cohort
    year, or the stored gender/URiM value; None for "All"), members, current, women,
    retained, with_cda, grants, publications, promotions; program and circle rows also
    program_id.
    Program rows end with "No program" (circles in none); gender and URiM rows carry the
    stored value as label ("" for not given)."""
    people, params = _with(scope, _people(scope))
    year, year_params = connection.ops.datetime_extract_sql("year", "first_joined", (), "UTC")
    year, year_params = f"CAST({year} AS INTEGER)", list(year_params)
    sums = OUTCOME_SUMS
    # `people` and `person` are each referenced several times, so PostgreSQL computes
    # them once (a CTE referenced more than once is materialized).
    sql = f"""{people},
    person AS (
        SELECT user_id, MIN(first_joined) AS first_joined, MAX(gender) AS gender,
               MAX(urim) AS urim, {PER_PERSON}
        FROM people GROUP BY user_id
    ),
    person_program AS (
        SELECT c.program_id, people.user_id, {PER_PERSON}
        FROM people JOIN circles_circle c ON c.id = people.circle_id
        GROUP BY c.program_id, people.user_id
    )
    -- Typed NULLs: PostgreSQL resolves a UNION's column types branch by branch.
    SELECT 0 AS part, CAST(NULL AS INTEGER) AS id, 'All' AS label, '' AS slug,
           CAST(NULL AS INTEGER) AS cohort, 0 AS last, CAST(NULL AS INTEGER) AS parent,
           {sums} FROM person
    UNION ALL
    SELECT 1, p.id, p.name, COALESCE(p.slug, ''), NULL,
           CASE WHEN p.id IS NULL THEN 1 ELSE 0 END, NULL, {sums}
    FROM person_program pp LEFT JOIN circles_program p ON p.id = pp.program_id
    GROUP BY p.id, p.name, p.slug
    UNION ALL
    SELECT 2, c.id, c.name, c.slug, NULL, 0, c.program_id, {sums}
    FROM people JOIN circles_circle c ON c.id = people.circle_id
    GROUP BY c.id, c.name, c.slug, c.program_id
    UNION ALL
    SELECT 3, NULL, NULL, '', {year}, 0, NULL, {sums} FROM person GROUP BY {year}
    UNION ALL
    SELECT 4, NULL, gender, '', NULL, 0, NULL, {sums} FROM person GROUP BY gender
    UNION ALL
    SELECT 5, NULL, urim, '', NULL, 0, NULL, {sums} FROM person GROUP BY urim
    ORDER BY part, cohort, last, label, id"""
    family = {name: [] for name in FAMILY}
    for row in _fetch(sql, params + year_params * 2):
        name = FAMILY[row.pop("part")]
        row.pop("last")
        key, cohort, parent = row.pop("id"), row.pop("cohort"), row.pop("parent")
        for column in ("members", "current", "women", "retained", "with_cda", *COUNTS):
            row[column] = int(row[column] or 0)
        if name == "program":
            row["program_id"] = key
            row["label"] = NO_PROGRAM if key is None else row["label"]
        elif name == "circle":
            row["program_id"] = parent
        elif name == "cohort":
            key = int(cohort)
            row["label"] = str(key)
        elif name in BREAKDOWNS:
            key = row["label"]
        row["key"] = key
        family[name].append(row)
    return family


def roster_groups(scope: Scope) -> list[tuple[tuple[str, ...], int, int]]:
    """The scope's people as the roster shows them, grouped: (the slugs of the circles a
    person sat in, the UTC year of their first joining, how many people share both). A
    reader of the participation page knows these (it names every member, their circles
    and joining dates), so reports/suppression.py gives them to the auditor. The same
    people as outcome_family's (a stay counts once it began before `scope.until`); a test
    holds the two to each other. One pass over the memberships: the outcome query's
    person-level pass costs 0.3 s more at 1,000 circles when it also returns these rows."""
    year, year_params = connection.ops.datetime_extract_sql("year", "MIN(ms.joined_at)", (), "UTC")
    head, params = _with(scope)
    sql = f"""{head}
    SELECT ms.user_id, c.slug, CAST({year} AS INTEGER) AS year
    FROM circles_membership ms JOIN circles_circle c ON c.id = ms.circle_id
    WHERE ms.circle_id IN (SELECT id FROM scope_circles) AND {STAY_BEGUN}
    GROUP BY ms.user_id, c.slug"""
    circles: dict[int, set[str]] = {}
    first: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params + list(year_params) + _adapt([scope.until]))
        for person, slug, year in cursor:
            circles.setdefault(person, set()).add(slug)
            first[person] = min(first.get(person, year), year)
    counts: dict[tuple[tuple[str, ...], int], int] = {}
    for person, slugs in circles.items():
        key = (tuple(sorted(slugs)), first[person])
        counts[key] = counts.get(key, 0) + 1
    return sorted((slugs, year, n) for (slugs, year), n in counts.items())


def finished_outcomes(family: dict[str, list[dict]], by: str) -> list[dict]:
    """The rows of one grouping of `family` as the page and the exports show them (copies:
    one family serves every table of a page), each with its `key`: the row's stable name
    in reports/suppression.py's cell ids. Joining years are merged into periods
    (cohort_periods); what may be published is decided by reports/suppression.py."""
    rows = [dict(row) for row in family[by]]
    if by == "cohort":
        rows = cohort_periods(rows)
    for row in rows:
        if by == "all":
            row["key"] = "all"
        elif by == "program":
            none = row["program_id"] is None
            row["key"] = NO_PROGRAM_KEY if none else row["slug"]
        elif by == "circle":
            row["key"] = row["slug"]
        elif by in BREAKDOWNS:
            code = row["label"] or ""
            row["key"] = code or NOT_GIVEN_KEY
            row["label"] = BREAKDOWNS[by].get(code, code)
    return [_finish_outcome(row) for row in rows]


def cohort_periods(years: list[dict], k: int = K) -> list[dict]:
    """Yearly joining cohorts merged into periods of adjacent years, oldest first, each
    of at least k members where possible ("2015–2017"); a too-small newest period merges
    backwards into the one before. A year's cohort in a 30-person circle is 1–5 people, so
    yearly rows would all be withheld; periods keep the table readable (like the research
    export's ladder in reports/disclosure.py). Every person is in one period, so the
    periods still add up to the All line."""
    periods: list[list[dict]] = []
    for row in sorted(years, key=lambda r: r["key"]):
        if not periods or sum(r["members"] for r in periods[-1]) >= k:
            periods.append([])
        periods[-1].append(row)
    if len(periods) > 1 and sum(r["members"] for r in periods[-1]) < k:
        periods[-2].extend(periods.pop())
    merged = []
    for period in periods:
        first, last = period[0]["key"], period[-1]["key"]
        label = str(first) if first == last else f"{first}\u2013{last}"
        row = {"label": label, "slug": "", "key": label}
        for column in ("members", "current", "women", "retained", "with_cda", *COUNTS):
            row[column] = sum(int(r[column] or 0) for r in period)
        merged.append(row)
    return merged


def outcomes(scope: Scope, *, by: str = "program") -> list[dict]:
    """Members ever / current / alumni, women, retained in academic positions, with a
    career development award, grants, publications and promotions since joining — per
    program, circle, joining-year cohort, gender or URiM. A person counts once per row
    (in two circles of one program: once in the program row)."""
    return finished_outcomes(outcome_family(scope), by)


NO_PROGRAM_KEY = "(none)"
NOT_GIVEN_KEY = "(not-given)"
COUNTS = ("grants", "publications", "promotions")


def outcome_totals(scope: Scope) -> dict:
    """The scope-wide outcome line: each person once."""
    return finished_outcomes(outcome_family(scope), "all")[0]


def _finish_outcome(row: dict) -> dict:
    """Counts as ints, alumni, and the rates (the figures as they are: what may be
    published is decided by reports/suppression.py)."""
    for key in ("members", "current", "women", "retained", "with_cda", *COUNTS):
        row[key] = int(row[key] or 0)
    n = row["members"]
    row["alumni"] = n - row["current"]
    row["women_share"] = rate(row["women"], n)
    row["retained_rate"] = rate(row["retained"], n)
    row["with_cda_rate"] = rate(row["with_cda"], n)
    return row


# --- the de-identified research export --------------------------------------------------------


def research_rows_sql(scope: Scope) -> tuple[str, list]:
    """One row per person per circle: participation dose, survey scores and outcomes,
    keyed by internal ids that the export replaces with pseudonyms."""
    head, params = _with(scope, _people(scope), _meeting_facts(scope))
    dose_held, dose_params = _held(scope, "f.meeting_start")
    params += dose_params
    sql = f"""{head},
    dose AS (
        SELECT f.circle_id, f.user_id, SUM(f.eligible) AS eligible, SUM(f.attended) AS attended,
               SUM(f.responded) AS responded
        FROM {PF} f WHERE f.circle_id IN (SELECT id FROM scope_circles) {dose_held}
        GROUP BY f.circle_id, f.user_id
    ),
    scores AS (
        SELECT h.circle_id, s.user_id, COUNT(*) AS surveys_answered,
               AVG(s.usefulness) AS usefulness, AVG(s.recommend) AS recommend,
               COUNT(s.recommend) AS recommend_answers
        FROM meetings_survey s JOIN held h ON h.meeting_id = s.meeting_id
        WHERE s.answered_at IS NOT NULL
        GROUP BY h.circle_id, s.user_id
    )
    SELECT u.public_id AS member, c.id AS circle, c.kind AS circle_kind,
           COALESCE(p.slug, '') AS program, u.institution_id AS institution,
           people.first_joined, people.current, people.last_ended,
           u.gender, u.underrepresented_in_medicine AS urim, u.career_stage, u.profession,
           COALESCE(d.eligible, 0) AS meetings_eligible,
           COALESCE(d.attended, 0) AS meetings_attended,
           COALESCE(d.responded, 0) AS rsvps_given,
           COALESCE(sc.surveys_answered, 0) AS surveys_answered,
           sc.usefulness AS mean_usefulness, sc.recommend AS mean_recommend,
           COALESCE(sc.recommend_answers, 0) AS recommend_answers,
           people.retained AS in_academia, people.cda AS has_cda,
           people.grants, people.publications, people.promotions
    FROM people
    JOIN members_user u ON u.id = people.user_id
    JOIN circles_circle c ON c.id = people.circle_id
    LEFT JOIN circles_program p ON p.id = c.program_id
    LEFT JOIN dose d ON d.circle_id = people.circle_id AND d.user_id = people.user_id
    LEFT JOIN scores sc ON sc.circle_id = people.circle_id AND sc.user_id = people.user_id"""
    return sql, params


def research_rows(scope: Scope) -> list[dict]:
    sql, params = research_rows_sql(scope)
    return _fetch(sql, params)
