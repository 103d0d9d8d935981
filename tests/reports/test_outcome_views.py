"""Which outcome figures a view may publish (reports/suppression.outcomes): whole protected
families only — a program's, or one circle's line of it — never a date range or part of a
program, which could be set against the whole to single a person out. The page and the
Outcomes CSV publish the same, and the auditor proves each family shown."""

import csv
import io
import re

import pytest
from django.urls import reverse

from circles.models import Circle, Program
from reports import figures, suppression
from reports.audit import assert_safe
from tests.factories import UserFactory, make_circle

CELL = re.compile(r'data-cell="([^"]+)" data-(value|withheld)="([^"]*)"')


def _scrape(html: str) -> tuple[dict[str, int], set[str]]:
    published, withheld = {}, set()
    for cell, kind, value in CELL.findall(html):
        if kind == "value":
            published[cell] = int(value)
        else:
            withheld.add(cell)
    return published, withheld


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _unescape(html: str) -> str:
    return html.replace("&#x27;", "'").replace("&quot;", '"')


@pytest.fixture
def two_circles(db, alice, bob, program):
    """A program of two circles (12 and 7 people), of two kinds."""
    first = make_circle(
        alice, program=program, name="First", slug="first", members=UserFactory.create_batch(11)
    )
    second = make_circle(
        bob,
        program=program,
        name="Second",
        slug="second",
        kind=Circle.Kind.WORKGROUP,
        members=UserFactory.create_batch(6),
    )
    return first, second


def test_a_date_range_publishes_no_outcome_figure(client, dana, two_circles):
    client.force_login(dana)
    query = {"program": "wim", "start": "2020-01-01"}
    html = client.get(reverse("reports:overview"), query).content.decode()
    assert suppression.WITHDRAWN_DATES in _unescape(html)
    assert "data-cell=" not in html and 'id="outcomes-table"' not in html
    # The charts and the participation figures still follow the dates.
    assert 'id="chart-attendance-caption"' in html
    rows = _csv(client.get(reverse("reports:csv", args=["outcomes"]), query))
    assert len(rows) == 1 and rows[0][-1] == "Withheld figures"  # the header alone
    whole = _csv(client.get(reverse("reports:csv", args=["outcomes"]), {"program": "wim"}))
    assert len(whole) > 1


def test_part_of_a_program_publishes_no_outcome_figure(client, dana, two_circles, program):
    client.force_login(dana)
    query = {"program": "wim", "kind": Circle.Kind.PEER_CIRCLE}
    # One circle of a kind is that circle's view: its line of the program's family.
    html = client.get(reverse("reports:overview"), query).content.decode()
    assert suppression.NOTE_CIRCLE in _unescape(html) and "circle|first|members" in html
    make_circle(UserFactory(), program=program, name="Third", members=UserFactory.create_batch(5))
    html = client.get(reverse("reports:overview"), query).content.decode()
    assert suppression.WITHDRAWN_PART in _unescape(html)
    assert "data-cell=" not in html
    rows = _csv(client.get(reverse("reports:csv", args=["outcomes"]), query))
    assert len(rows) == 1


def test_one_circle_of_a_larger_program_shows_its_line_of_the_program_family(
    client, dana, two_circles
):
    client.force_login(dana)
    program_html = client.get(reverse("reports:overview"), {"program": "wim", "by": "circle"})
    in_program, withheld_in_program = _scrape(program_html.content.decode())
    html = client.get(reverse("reports:overview"), {"circle": "second"}).content.decode()
    assert suppression.NOTE_CIRCLE in _unescape(html)
    published, withheld = _scrape(html)
    # Its own line only, with exactly the program page's figures and decisions: no
    # breakdown of its own to set against the program's.
    assert {c.split("|")[0] for c in [*published, *withheld]} == {"circle"}
    assert published == {c: v for c, v in in_program.items() if c.startswith("circle|second|")}
    assert withheld == {c for c in withheld_in_program if c.startswith("circle|second|")}
    assert 'id="outcomes-gender"' not in html
    scope = figures.Scope(circles=Circle.objects.filter(slug="second"))
    (publication,) = suppression.outcomes(scope).publications(published, withheld)
    assert_safe(publication)
    rows = _csv(client.get(reverse("reports:csv", args=["outcomes"]), {"circle": "second"}))
    assert [r[:2] for r in rows[1:]] == [["Circle", "Second"]]


def test_several_programs_show_each_program_line_from_its_own_family(
    client, dana, two_circles, bob
):
    make_circle(bob, name="Lonely", slug="lonely", members=UserFactory.create_batch(5))
    # A new program whose only circle has had nobody yet: no line, and no error.
    empty = Program.objects.create(name="Empty", slug="empty")
    Circle.objects.create(name="Unformed", slug="unformed", program=empty)
    client.force_login(UserFactory(is_staff=True))
    html = client.get(reverse("reports:overview")).content.decode()
    assert suppression.NOTE_PROGRAMS in _unescape(html)
    published, withheld = _scrape(html)
    assert "all|all|members" not in published and 'id="outcomes-gender"' not in html
    assert published["program|wim|members"] == 12 + 7
    assert published["program|(none)|members"] == 6  # bob, organizer there too
    assert not [c for c in published if c.startswith("program|empty|")]
    rows = _csv(client.get(reverse("reports:csv", args=["outcomes"])))
    assert {r[1] for r in rows[1:] if r[0] == "Program"} == {
        "Women in Medicine Circles",
        "No program",
    }
    shown = suppression.outcomes(figures.Scope(circles=Circle.objects.all()))
    for publication in shown.publications(published, withheld):
        assert_safe(publication)
    wim = suppression.protect(figures.Scope(circles=Circle.objects.filter(program__slug="wim")))
    assert {c for c in withheld if c.startswith("program|wim|")} == {
        c for c in wim.withheld() if c.startswith("program|wim|")
    }
    circle_page = client.get(reverse("reports:overview"), {"by": "circle"}).content.decode()
    circles = {c.split("|")[1] for c in _scrape(circle_page)[0] if c.startswith("circle|")}
    assert circles == {"first", "second", "lonely"}
