"""The participation CSV written by PostgreSQL's COPY has the cells the row-by-row path
writes (same safe cells, timestamps, blanks and order); safe_cell_sql agrees with
safe_cell."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from circles.models import Circle, Membership
from meetings.facts import rebuild_facts
from meetings.models import RSVP, Attendance, Meeting
from members.models import User
from reports import exports
from reports.figures import Scope
from reports.spreadsheets import FORMULA_TRIGGERS, safe_cell, safe_cell_sql, streamed_csv
from tests.factories import UserFactory, make_circle

SAMPLES = [
    "",
    "plain",
    "it's",
    "'quoted",
    "a=b",
    " =leading space",
    "=é",
    "ü-umlaut",
    *[f"{t}rest" for t in FORMULA_TRIGGERS if t != "\0"],
    *[t for t in FORMULA_TRIGGERS if t != "\0"],
]


def _rows(response) -> list[list[str]]:
    body = b"".join(c if isinstance(c, bytes) else c.encode() for c in response.streaming_content)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.django_db
def test_safe_cell_sql_agrees_with_safe_cell():
    if connection.vendor != "postgresql":
        pytest.skip("COPY exports are PostgreSQL only; CI runs this on PostgreSQL")
    with connection.cursor() as cursor:
        for text in SAMPLES:
            sql = f"SELECT {safe_cell_sql('x')} FROM (SELECT %s::text AS x) s"  # noqa: S608
            cursor.execute(sql, [text])
            assert cursor.fetchone()[0] == safe_cell(text), text


@pytest.fixture
def awkward(alice, bob, program):
    """Names and titles a spreadsheet would run or a CSV must quote."""
    User.objects.filter(pk=alice.pk).update(full_name='=HYPERLINK("http://x")')
    User.objects.filter(pk=bob.pk).update(full_name='-Bob, "the" builder')
    extra = UserFactory(full_name="Ünal @home", email="+unal@example.org")
    circle = make_circle(alice, program=program, name="@Circle, one", members=[bob, extra])
    now = timezone.now()
    for n, title in enumerate(["+1 meeting", 'Line one\nline "two"', "Plain"]):
        meeting = Meeting.objects.create(
            circle=circle,
            title=title,
            start=now - timedelta(days=30 - n, minutes=n * 7),
            end=now - timedelta(days=30 - n) + timedelta(hours=1),
            timezone="America/Detroit",
            meeting_format="online",
        )
        Attendance.objects.create(meeting=meeting, user=bob, status="present")
        if n == 1:
            RSVP.objects.create(meeting=meeting, user=extra, answer="no")
    Membership.objects.filter(circle=circle, user=extra).update(status="on_leave")
    rebuild_facts()
    return circle


def test_copy_export_has_the_cells_of_the_row_by_row_export(awkward):
    scope = Scope(circles=Circle.objects.filter(pk=awkward.pk))
    by_rows = _rows(
        streamed_csv("x.csv", exports.PARTICIPATION_HEADER, exports.participation_rows(scope))
    )
    copied = _rows(exports.participation_csv("x.csv", scope))
    assert len(by_rows) == 1 + 9  # 3 members at 3 meetings
    assert copied == by_rows
    cells = {cell for row in copied for cell in row}
    assert '\'=HYPERLINK("http://x")' in cells and "'+1 meeting" in cells
    assert "'@Circle, one" in cells and '\'-Bob, "the" builder' in cells
    assert 'Line one\nline "two"' in cells
    assert copied[1][2].endswith("Z") and len(copied[1][2]) == 20


def test_copy_export_streams_bytes_from_the_database(awkward):
    scope = Scope(circles=Circle.objects.filter(pk=awkward.pk))
    chunks = list(exports.participation_csv("x.csv", scope).streaming_content)
    assert chunks[0] == "\ufeff".encode()
    if connection.vendor == "postgresql":
        assert len(chunks) >= 3  # BOM, header, then what COPY sent
