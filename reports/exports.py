"""The report exports: CSV tables streamed from a server-side cursor, XLSX workbooks
written with openpyxl's write-only mode (rows go to disk as they come, so memory stays
flat), and the de-identified research workbook.

No export ever contains meeting logs or free-text survey answers, and the identified
exports carry no demographics: those appear only in the research export, where members
are pseudonyms. Every cell goes through reports.spreadsheets (formula-injection safe).
"""

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from . import disclosure, figures, suppression
from .figures import Scope
from .spreadsheets import safe_cell_sql, safe_xlsx_cell, streamed_csv, streamed_csv_chunks

Progress = Callable[[int], None]


def _date(value):
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


# --- tables ----------------------------------------------------------------------------------

PARTICIPATION_HEADER = [
    "Program",
    "Circle",
    "Meeting start (UTC)",
    "Meeting",
    "Member",
    "Email",
    "Role",
    "On leave",
    "Eligible",
    "RSVP",
    "Attendance",
    "Survey answered",
]


def participation_rows(scope: Scope) -> Iterator[tuple]:
    """One row per member per held meeting, as the SQL spells it out (yes/no, blanks)."""
    sql, params = figures.fact_rows_sql(scope)
    return figures.stream(sql, params)


def participation_csv(filename: str, scope: Scope):
    """The participation CSV download. On PostgreSQL the database writes the CSV itself
    (COPY ... TO STDOUT, streamed as it comes): writing half a million rows through
    Python's csv module took 3–4× the COPY (bench/exports.py). The cells are the same:
    text made safe by safe_cell_sql (safe_cell's twin), timestamps as _csv_value writes
    them, blanks empty; SQLite takes the row-by-row path."""
    if connection.vendor != "postgresql":
        return streamed_csv(filename, PARTICIPATION_HEADER, participation_rows(scope))
    sql, params = figures.fact_rows_sql(scope)
    stamp = "TO_CHAR(t.meeting_start_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS\"Z\"')"
    columns = [
        stamp if c == "meeting_start_utc" else f"NULLIF({safe_cell_sql(f't.{c}')}, '')"
        for c in figures.FACT_COLUMNS
    ]
    # A projection of the ordered query keeps its order (no join or sort above it).
    copy = f"SELECT {', '.join(columns)} FROM ({sql}) t"  # noqa: S608 (constant fragments)
    chunks = figures.copy_csv(copy, params)
    return streamed_csv_chunks(filename, PARTICIPATION_HEADER, chunks)


MEMBER_HEADER = [
    "Circle",
    "Member",
    "Email",
    "Institution",
    "Role",
    "Status",
    "Joined",
    "Left",
    "Tenure (days)",
    "Meetings eligible",
    "Meetings attended",
    "Attendance rate (%)",
    "RSVPs given",
    "Surveys answered",
]


def member_rows(scope: Scope) -> Iterator[list]:
    sql, params = figures._member_rows_sql(scope)
    names = [
        "membership_id",
        "circle",
        "circle_slug",
        "member",
        "email",
        "institution",
        "role",
        "status",
        "joined_at",
        "ended_at",
        "eligible",
        "attended",
        "responded",
        "surveys_answered",
    ]
    for values in figures.stream(sql, params):
        row = figures._finish_member(dict(zip(names, values, strict=True)), scope.now)
        yield [
            row["circle"],
            row["member"],
            row["email"],
            row["institution"] or "",
            row["role_label"],
            row["status_label"],
            _date(row["joined_at"]),
            _date(row["ended_at"]),
            row["tenure_days"],
            row["eligible"],
            row["attended"],
            row["attendance_rate"],
            row["responded"],
            row["surveys_answered"],
        ]


CIRCLE_HEADER = [
    "Program",
    "Circle",
    "Kind",
    "Status",
    "Active members",
    "On leave",
    "Meetings held",
    "Mean attendance rate (%)",
    "RSVP response rate (%)",
    "Surveys sent",
    "Surveys answered",
    "Survey response rate (%)",
    "Mean usefulness (1-5)",
]


def circle_rows(scope: Scope) -> Iterator[list]:
    for r in figures.circle_summaries(scope):
        yield [
            r["program"],
            r["name"],
            r["kind_label"],
            r["status_label"],
            r["active_members"],
            r["on_leave"],
            r["meetings_held"],
            r["mean_attendance_rate"],
            r["rsvp_response_rate"],
            r["surveys_sent"],
            r["surveys_answered"],
            r["survey_response_rate"],
            r["mean_usefulness"],
        ]


MEETING_HEADER = [
    "Circle",
    "Meeting",
    "Start (UTC)",
    "Eligible",
    "RSVP yes",
    "RSVP no",
    "RSVP maybe",
    "No answer",
    "Present",
    "Absent",
    "Excused",
    "Not recorded",
    "Attendance rate (%)",
]


def meeting_rows(scope: Scope) -> Iterator[list]:
    for r in figures.meeting_rows(scope):
        yield [
            r["circle"],
            r["title"],
            r["start"],
            r["eligible"],
            r["rsvp_yes"],
            r["rsvp_no"],
            r["rsvp_maybe"],
            r["no_answer"],
            r["attended"],
            r["absent"],
            r["excused"],
            r["not_recorded"],
            r["attendance_rate"],
        ]


# Column of the Outcomes table → its header (the names the "Withheld figures" column lists).
OUTCOME_COLUMNS = {
    "members": "Members ever",
    "current": "Current",
    "alumni": "Alumni",
    "women": "Women",
    "retained": "Retained in academic positions",
    "with_cda": "With a career development award",
    "grants": "Grants since joining",
    "publications": "Publications since joining",
    "promotions": "Promotions since joining",
}
WITHHELD_COLUMN = "Withheld figures"
OUTCOME_HEADER = [
    "Grouping",
    "Group",
    "Members ever",
    "Current",
    "Alumni",
    "Women",
    "Women (%)",
    "Retained in academic positions",
    "Retained (%)",
    "With a career development award",
    "With a CDA (%)",
    "Grants since joining",
    "Publications since joining",
    "Promotions since joining",
    WITHHELD_COLUMN,
]
# Grouping as the Outcomes table names it → the family's table (reports/suppression.py).
OUTCOME_GROUPINGS = {
    "All": "all",
    "Program": "program",
    "Circle": "circle",
    "Cohort": "cohort",
    "Gender": "gender",
    "URiM": "urim",
}


def outcome_rows(scope: Scope) -> Iterator[list]:
    """The outcome rows the scope may publish (reports/suppression.outcomes: the page's):
    a withheld figure is an empty cell, named in the row's last column."""
    # The page's own entry when the report cache is on: a download never shows a newer
    # state than the page beside it (two states set against each other differ by a person).
    published = figures.cached(scope, suppression.outcomes)
    for grouping, table in OUTCOME_GROUPINGS.items():
        for row in published.tables.get(table, []):
            shown = {c: f.shown for c, f in row.figures.items()}
            yield [
                grouping,
                row.label,
                shown["members"],
                shown["current"],
                shown["alumni"],
                shown.get("women"),  # the gender table has none: it would repeat members
                row.rates["women_share"],
                shown["retained"],
                row.rates["retained_rate"],
                shown["with_cda"],
                row.rates["with_cda_rate"],
                shown["grants"],
                shown["publications"],
                shown["promotions"],
                "; ".join(OUTCOME_COLUMNS[c] for c in row.withheld_columns()),
            ]


# name → (sheet title, header, rows); the CSV downloads and the workbook's sheets.
TABLES: dict[str, tuple[str, list[str], Callable[[Scope], Iterable[list]]]] = {
    "circles": ("Circles", CIRCLE_HEADER, circle_rows),
    "members": ("Members", MEMBER_HEADER, member_rows),
    "meetings": ("Meetings", MEETING_HEADER, meeting_rows),
    "participation": ("Participation", PARTICIPATION_HEADER, participation_rows),
    "outcomes": ("Outcomes", OUTCOME_HEADER, outcome_rows),
}
# What an organizer may download about their own circle: participation only.
ORGANIZER_TABLES = ("participation", "members", "meetings")


# --- workbooks -------------------------------------------------------------------------------


def _sheet(workbook: Workbook, title: str, header: list[str], rows: Iterable[list], tick):
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=safe_xlsx_cell(name))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([safe_xlsx_cell(value) for value in row])
        tick()


class _Ticker:
    """Counts rows and reports progress every `every` rows."""

    def __init__(self, progress: Progress | None, every: int = 5000):
        self.done, self.progress, self.every = 0, progress, every

    def __call__(self) -> None:
        self.done += 1
        if self.progress and self.done % self.every == 0:
            self.progress(self.done)


def _about(workbook: Workbook, title: str, describe: str, lines: list[tuple[str, str]]):
    sheet = workbook.create_sheet("About")
    sheet.append([safe_xlsx_cell(title)])
    sheet.append(["Scope", safe_xlsx_cell(describe)])
    sheet.append(["Generated (UTC)", timezone.now().replace(tzinfo=None, microsecond=0)])
    for name, text in lines:
        sheet.append([name, text])


DEFINITIONS = [
    ("Eligible", "A member was seated when the meeting began and was not on leave."),
    ("Attendance rate", "Meetings attended ÷ meetings eligible."),
    ("Mean attendance rate", "The mean over held meetings of attended ÷ eligible."),
    ("Retained", "No position change to outside academia recorded as the latest position."),
    (
        "Withheld figures",
        "Outcomes: an empty cell is a figure withheld to protect individuals (fewer than "
        f"{disclosure.K} people, or needed to keep another withheld figure from being "
        "worked out); the row's last column names them. A rate is empty when its count or "
        "the row's members is withheld. The gender rows have no Women figure (it would "
        "repeat their members). Members, current and alumni of the All line and of the "
        "program, circle and cohort rows are always shown: the participation tables name "
        "every member already.",
    ),
    (
        "Which outcome figures",
        "Outcomes are published for whole programs and single circles over their whole "
        "history, each program's tables protected together: with dates chosen, or part of "
        "a program (one kind of circle), the Outcomes sheet is empty; a single circle of a "
        "larger program has its own line only; several programs have a line each and their "
        "circles' lines (choose one program for its All line and breakdowns).",
    ),
    ("Mean usefulness", f"Shown only from {settings.SURVEY_MIN_ANSWERS} answers on."),
    (
        "Participation codes",
        "The participation sheet keeps stored codes: Role organizer/member; RSVP "
        "yes/no/maybe; Attendance present/absent/excused; empty when none was given. "
        "Other sheets show labels (e.g. Status 'On leave').",
    ),
]


def write_workbook(file, scope: Scope, describe: str, *, tables=None, progress=None) -> int:
    """The report tables, one sheet each, written to `file`. Returns the row count."""
    workbook = Workbook(write_only=True)
    tick = _Ticker(progress)
    _about(workbook, "Roundtable participation and outcomes", describe, DEFINITIONS)
    for name in tables or TABLES:
        title, header, rows = TABLES[name]
        _sheet(workbook, title, header, rows(scope), tick)
    workbook.save(file)
    return tick.done


# --- the de-identified research export -------------------------------------------------------


def pseudonym(kind: str, value, *, within: str = "") -> str:
    """A stable pseudonymous id: the same thing gets the same id in every export made
    with the same key (and the same `within`), and the id cannot be turned back into it
    without the key."""
    key = settings.RESEARCH_PSEUDONYM_KEY.encode()
    message = f"{kind}:{within}:{value}" if within else f"{kind}:{value}"
    digest = hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
    return f"{kind[0].upper()}-{digest[:12]}"


def _scope_key(scope: Scope) -> str:
    """The export's filters (circles and dates, not the moment it ran). Member ids are
    keyed by it: two exports of different scopes are coarsened differently, and ids
    shared between them would let a reader join a person's rows and undo the coarsening."""
    when = (
        scope.start.isoformat() if scope.start else "",
        scope.end.isoformat() if scope.end else "",
    )
    return hashlib.sha256(repr((sorted(scope.circle_ids), when)).encode()).hexdigest()


K = disclosure.K
MIN_ANSWERS = settings.SURVEY_MIN_ANSWERS

RESEARCH_COLUMNS = [
    (
        "member_id",
        "Pseudonymous id of the member in this circle (HMAC), stable across exports with "
        "the same filters. Someone in two circles has two unrelated ids, and exports with "
        "other filters get other ids: rows cannot be joined to narrow a person down.",
    ),
    ("circle_id", "Pseudonymous circle id. Quasi-identifier."),
    (
        "circle_kind",
        "peer_circle (Lean In–style circle) or workgroup (research workgroup). Quasi-identifier.",
    ),
    ("program", "The program's short name. Quasi-identifier."),
    (
        "institution_id",
        "Pseudonymous institution id; empty when not given. Quasi-identifier; when "
        "generalized: circle_main (the circle's most common institution) or other.",
    ),
    ("joined_year", "Year the member first joined this circle. Quasi-identifier."),
    (
        "left_year",
        "Year the member last left this circle; empty while current. Quasi-identifier.",
    ),
    ("current", "1 if the member holds a seat (active or on leave) now. Quasi-identifier."),
    (
        "tenure_years",
        "Whole years from first joining to leaving (or to the export date). "
        "Quasi-identifier; when generalized: 0–1, 2–4 or 5+.",
    ),
    ("gender", "Self-identified; empty when not given. Quasi-identifier."),
    (
        "urim",
        "Self-identified under-represented in medicine: yes, no, undisclosed, empty. "
        "Quasi-identifier.",
    ),
    (
        "career_stage",
        "trainee, early_career, mid_career, senior, or empty. Quasi-identifier; when "
        "generalized: early (trainee or early-career) or mid_or_senior.",
    ),
    (
        "profession",
        "physician, nurse, pharmacist, advanced_practice, scientist, other. Quasi-identifier.",
    ),
    ("meetings_eligible", "Held meetings the member was eligible for (dose denominator)."),
    ("meetings_attended", "Of those, meetings attended (participation dose)."),
    ("attendance_rate", "meetings_attended ÷ meetings_eligible, 0–1."),
    ("rsvps_given", "Eligible meetings the member answered an RSVP for."),
    ("surveys_answered", "Follow-up surveys answered."),
    (
        "mean_usefulness",
        f"Mean usefulness score of the member's answered surveys, 1–5; empty below "
        f"{MIN_ANSWERS} answers.",
    ),
    (
        "mean_recommend",
        f"Mean likelihood to recommend, 0–10; empty below {MIN_ANSWERS} answers.",
    ),
    ("in_academia", "1 unless the latest recorded position change is outside academia."),
    ("has_cda", "1 if the member recorded a career development award (any date)."),
    ("grants", "Research grants recorded since first joining the circle."),
    ("publications", "Publications recorded since first joining the circle."),
    ("promotions", "Promotions recorded since first joining the circle."),
]

# The columns a reader may already know about a person (roster: circle, institution,
# joining and leaving; profile: demographics, stage, profession), each with its ladder
# of coarser versions. Declared from the first to coarsen (on a tie) to the last.
RESEARCH_QUASI_IDENTIFIERS = (
    disclosure.QuasiIdentifier(
        "tenure_years",
        (disclosure.bands("0–1 / 2–4 / 5+", ((2, "0–1"), (5, "2–4"), (10**6, "5+"))),),
    ),
    disclosure.QuasiIdentifier("left_year", (disclosure.period(3),)),
    disclosure.QuasiIdentifier("joined_year", (disclosure.period(3),)),
    disclosure.QuasiIdentifier(
        "institution_id",
        (disclosure.relative_to("circle_id", same="circle_main", different="other"),),
    ),
    disclosure.QuasiIdentifier("profession", (disclosure.merge_rare(),)),
    disclosure.QuasiIdentifier(
        "career_stage",
        (
            disclosure.mapped(
                "early / mid_or_senior",
                {
                    "trainee": "early",
                    "early_career": "early",
                    "mid_career": "mid_or_senior",
                    "senior": "mid_or_senior",
                },
            ),
        ),
    ),
    disclosure.QuasiIdentifier("current", ()),
    disclosure.QuasiIdentifier("gender", (disclosure.merge_rare(),)),
    disclosure.QuasiIdentifier("urim", (disclosure.merge_rare(),)),
    disclosure.QuasiIdentifier("program", ()),
    disclosure.QuasiIdentifier("circle_kind", ()),
    disclosure.QuasiIdentifier("circle_id", ()),
)
# Every ladder ends in withholding the column.
RESEARCH_QUASI_IDENTIFIERS = tuple(
    disclosure.QuasiIdentifier(q.column, (*q.ladder, disclosure.WITHHOLD))
    for q in RESEARCH_QUASI_IDENTIFIERS
)
QUASI_IDENTIFIER_COLUMNS = [q.column for q in RESEARCH_QUASI_IDENTIFIERS]


def _months(start: datetime, end: datetime) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _mean(value, answers: int):
    """A per-person mean only from MIN_ANSWERS answers on: one answer is not a mean."""
    if value is None or answers < MIN_ANSWERS:
        return None
    return round(float(value), 2)


def research_result(scope: Scope) -> disclosure.Result:
    """The research rows, k-anonymous over RESEARCH_QUASI_IDENTIFIERS."""
    within = _scope_key(scope)
    rows = []
    for r in figures.research_rows(scope):
        end = scope.now if r["current"] else (r["last_ended"] or scope.now)
        eligible = r["meetings_eligible"]
        answered = r["surveys_answered"]
        rows.append(
            {
                # Per circle too: one id over a person's rows in two circles would let a
                # reader intersect two groups of 5 down to that one person.
                "member_id": pseudonym("member", f"{r['circle']}:{r['member']}", within=within),
                "circle_id": pseudonym("circle", r["circle"]),
                "circle_kind": r["circle_kind"],
                "program": r["program"],
                "institution_id": (
                    pseudonym("institution", r["institution"]) if r["institution"] else ""
                ),
                "joined_year": r["first_joined"].year,
                "left_year": (
                    None if r["current"] or not r["last_ended"] else r["last_ended"].year
                ),
                "current": r["current"],
                "tenure_years": max(0, _months(r["first_joined"], end)) // 12,
                "gender": r["gender"],
                "urim": r["urim"],
                "career_stage": r["career_stage"],
                "profession": r["profession"],
                "meetings_eligible": eligible,
                "meetings_attended": r["meetings_attended"],
                "attendance_rate": (
                    round(r["meetings_attended"] / eligible, 3) if eligible else None
                ),
                "rsvps_given": r["rsvps_given"],
                "surveys_answered": answered,
                "mean_usefulness": _mean(r["mean_usefulness"], answered),
                # "recommend" is optional: its mean counts only the answers that gave one.
                "mean_recommend": _mean(r["mean_recommend"], r["recommend_answers"]),
                "in_academia": r["in_academia"],
                "has_cda": r["has_cda"],
                "grants": r["grants"],
                "publications": r["publications"],
                "promotions": r["promotions"],
            }
        )
    # Sorted by pseudonym before and after: the order of internal ids would hint at who
    # joined when, and the coarsening must not depend on the database's order.
    rows.sort(key=lambda row: (row["circle_id"], row["member_id"]))
    result = disclosure.anonymize(rows, RESEARCH_QUASI_IDENTIFIERS)
    result.rows.sort(key=lambda row: (str(row["circle_id"]), row["member_id"]))
    return result


def research_rows(scope: Scope) -> list[list]:
    return [_research_list(row) for row in research_result(scope).rows]


def _research_list(row: dict) -> list:
    return [row[name] for name, _ in RESEARCH_COLUMNS]


OUTCOME_RULE = (
    f"The outcome tables (page, CSV, workbook) use cell suppression: primary (a count "
    f"of 1–{K - 1} people, or whose complement in its row is) and complementary (more "
    f"figures withheld until a linear-programming auditor proves no withheld figure can "
    f"be narrowed to fewer than {K} values from everything published)."
)
DISCLOSURE_RULE = (
    f"Every combination of the quasi-identifiers ({', '.join(QUASI_IDENTIFIER_COLUMNS)}) "
    f"is shared by at least {K} rows (k-anonymity, k = {K}). To get there they are "
    f"coarsened step by step (see About); '{disclosure.WITHHELD}' means withheld. Rows "
    f"still in a group smaller than {K} are left out, and counted in About. Per-person "
    f"survey means are given only from {MIN_ANSWERS} answers on."
)


def write_research(file, scope: Scope, describe: str, *, progress=None) -> int:
    workbook = Workbook(write_only=True)
    tick = _Ticker(progress)
    header = [name for name, _ in RESEARCH_COLUMNS]
    result = research_result(scope)
    _sheet(workbook, "Members", header, map(_research_list, result.rows), tick)
    dictionary = [[name, text] for name, text in RESEARCH_COLUMNS]
    dictionary.append(["(rule)", DISCLOSURE_RULE])
    dictionary.append(["(outcome tables)", OUTCOME_RULE])
    _sheet(workbook, "Data dictionary", ["Column", "Meaning"], dictionary, lambda: None)
    _about(
        workbook,
        "Roundtable de-identified research export",
        describe,
        [
            ("Rows", "One per member per circle they ever held a seat in."),
            ("Not included", "Names, emails, dates, meeting notes, free-text answers."),
            ("Disclosure control", DISCLOSURE_RULE),
            *result.about(),
            *DEFINITIONS,
        ],
    )
    workbook.save(file)
    return tick.done
