"""Report figures against values computed by hand on a small circle with a member on
leave, an alumna, a rejoiner and a late joiner; permissions; suppression; query budgets."""

import csv
import io
import itertools
import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles.models import Circle, Membership, MembershipEvent, Program
from meetings.facts import rebuild_facts
from meetings.models import RSVP, Attendance, Meeting, Survey
from members.models import Milestone, User
from reports import figures, suppression
from reports.audit import assert_safe
from reports.models import Export
from reports.suppression import PRIMARY
from tests.factories import UserFactory, make_circle

Status = Membership.Status


def _meeting(circle, start, *, status=Meeting.Status.SCHEDULED, title="Monthly"):
    return Meeting.objects.create(
        circle=circle,
        title=title,
        start=start,
        end=start + timedelta(hours=1),
        timezone="America/Detroit",
        meeting_format="online",
        status=status,
    )


def _membership(circle, user, joined, ended=None, status=Status.ACTIVE):
    return Membership.objects.create(
        circle=circle,
        user=user,
        status=status,
        joined_at=joined,
        ended_at=ended,
        requested_at=joined,
    )


@pytest.fixture
def ledger(alice, bob, program):
    """Five held meetings of one circle (and a cancelled and a future one):

    alice  organizer since T0                       eligible M1–M5
    bob    member since T0, on leave T0+45..T0+75   eligible M1, M2, M4 (present on leave), M5
    erin   T0..T0+65, then rejoined at T0+95        eligible M1–M3, then M5
    finn   joined late, T0+50                       eligible M3–M5
    gina   T0..T0+30, alumna                        eligible M1
    """
    now = timezone.now()
    t0 = now - timedelta(days=200)
    day = lambda n: t0 + timedelta(days=n)  # noqa: E731
    erin = UserFactory(full_name="Erin Evans", gender=User.Gender.WOMAN)
    finn = UserFactory(full_name="Finn Foster", gender=User.Gender.WOMAN)
    gina = UserFactory(full_name="Gina Gold", gender=User.Gender.WOMAN)
    User.objects.filter(pk=alice.pk).update(gender=User.Gender.WOMAN)
    User.objects.filter(pk=bob.pk).update(gender=User.Gender.MAN)
    circle = make_circle(alice, program=program, name="Ledger Circle", slug="ledger")
    circle.memberships.update(joined_at=t0)
    m_bob = _membership(circle, bob, t0)
    MembershipEvent.objects.create(membership=m_bob, kind="leave_started", at=day(45))
    MembershipEvent.objects.create(membership=m_bob, kind="leave_ended", at=day(75))
    _membership(circle, erin, t0, ended=day(65), status=Status.LEFT)
    _membership(circle, erin, day(95))
    _membership(circle, finn, day(50))
    _membership(circle, gina, t0, ended=day(30), status=Status.LEFT)

    m1, m2, m3, m4, m5 = (_meeting(circle, day(n)) for n in (10, 40, 60, 70, 100))
    _meeting(circle, day(20), status=Meeting.Status.CANCELLED)
    _meeting(circle, now + timedelta(days=7))
    marks = {
        m1: {alice: "present", bob: "present", erin: "absent", gina: "present"},
        m2: {alice: "present", bob: "excused", erin: "present"},
        m3: {alice: "present", erin: "present", finn: "present"},
        m4: {alice: "present", bob: "present", finn: "absent"},
        m5: {alice: "present", bob: "absent", erin: "present"},
    }
    for meeting, by_user in marks.items():
        for user, status in by_user.items():
            Attendance.objects.create(meeting=meeting, user=user, status=status)
    RSVP.objects.create(meeting=m1, user=alice, answer="yes")
    RSVP.objects.create(meeting=m1, user=bob, answer="yes")
    RSVP.objects.create(meeting=m5, user=finn, answer="no")
    RSVP.objects.create(meeting=m3, user=bob, answer="yes")  # on leave: not counted
    for meeting, user, score in ((m1, alice, 5), (m1, bob, 4), (m1, erin, None), (m2, alice, 3)):
        Survey.objects.create(
            meeting=meeting,
            user=user,
            token_hash=f"{meeting.pk}-{user.pk}",
            expires_at=now,
            answered_at=now if score else None,
            usefulness=score,
            comment="a private comment that must never be exported" if score else "",
        )
    milestone = lambda user, kind, n, **kw: Milestone.objects.create(  # noqa: E731
        member=user, kind=kind, date=day(n).date(), title=f"{kind} {n}", **kw
    )
    milestone(alice, "cda", -400, funder="NIH K23")  # before joining: a CDA counts anyway
    milestone(bob, "position", 20, in_academia=True)
    milestone(bob, "position", 120, in_academia=False)  # latest: left academia
    milestone(erin, "position", 10, in_academia=False)
    milestone(erin, "position", 90, in_academia=True)  # latest: back in academia
    milestone(finn, "grant", 60)
    milestone(finn, "grant", 110)
    milestone(finn, "publication", 10)  # before finn joined: not counted
    milestone(finn, "publication", 150)
    milestone(gina, "promotion", 25)
    # Written row by row around the site's actions, as an import would: the participation
    # facts are rebuilt once, as seed_demo does (the actions keep them: tests/meetings).
    rebuild_facts()
    return {"circle": circle, "meetings": [m1, m2, m3, m4, m5], "erin": erin, "finn": finn}


def _scope(circle):
    return figures.Scope(circles=Circle.objects.filter(pk=circle.pk))


def test_circle_summary_matches_hand_computed_figures(ledger):
    [row] = figures.circle_summaries(_scope(ledger["circle"]))
    assert row["meetings_held"] == 5  # not the cancelled one, not the future one
    assert row["active_members"] == 4 and row["on_leave"] == 0
    assert (row["eligible"], row["attended"]) == (17, 12)
    # mean of 3/4, 2/3, 3/3, 2/3, 2/4
    assert row["mean_attendance_rate"] == 71.7
    assert row["rsvp_response_rate"] == round(100 * 3 / 17, 1)  # bob's RSVP on leave is out
    assert (row["surveys_sent"], row["surveys_answered"]) == (4, 3)
    assert row["survey_response_rate"] == 75.0
    assert row["mean_usefulness"] == 4.0


def test_member_rows_count_leave_rejoiners_and_late_joiners(ledger):
    rows = figures.member_rows(_scope(ledger["circle"]))
    got = sorted((r["member"], r["eligible"], r["attended"]) for r in rows)
    assert got == [
        ("Alice Archer", 5, 5),
        ("Bob Baker", 4, 2),  # M3 on leave; M4 on leave but present
        ("Erin Evans", 1, 1),  # second stay
        ("Erin Evans", 3, 2),  # first stay
        ("Finn Foster", 3, 1),
        ("Gina Gold", 1, 1),
    ]
    alice = next(r for r in rows if r["member"] == "Alice Archer")
    assert alice["attendance_rate"] == 100.0 and alice["tenure_days"] == 200
    bob = next(r for r in rows if r["member"] == "Bob Baker")
    assert bob["surveys_answered"] == 1 and bob["responded"] == 1


def test_meeting_rows_split_rsvps_and_attendance(ledger):
    rows = {r["meeting_id"]: r for r in figures.meeting_rows(_scope(ledger["circle"]))}
    m1, _, m3, _, m5 = ledger["meetings"]
    assert (rows[m1.pk]["eligible"], rows[m1.pk]["attended"], rows[m1.pk]["absent"]) == (4, 3, 1)
    assert (rows[m1.pk]["rsvp_yes"], rows[m1.pk]["no_answer"]) == (2, 2)
    assert rows[m3.pk]["eligible"] == 3 and rows[m3.pk]["rsvp_yes"] == 0
    assert (rows[m5.pk]["eligible"], rows[m5.pk]["not_recorded"], rows[m5.pk]["rsvp_no"]) == (
        4,
        1,
        1,
    )
    assert len(rows) == 5


def test_date_range_limits_meetings(ledger):
    _, m2, _, m4, _ = ledger["meetings"]
    scope = figures.Scope(
        circles=Circle.objects.filter(pk=ledger["circle"].pk),
        start=m2.start - timedelta(hours=1),
        end=m4.start + timedelta(hours=1),
    )
    [row] = figures.circle_summaries(scope)
    assert row["meetings_held"] == 3 and (row["eligible"], row["attended"]) == (9, 7)
    assert figures.count_meetings(scope) == 3
    # gina left before the range began: no row for her
    assert "Gina Gold" not in {r["member"] for r in figures.member_rows(scope)}


def test_outcomes_match_hand_computed_figures(ledger):
    scope = _scope(ledger["circle"])
    total = figures.outcome_totals(scope)
    assert (total["members"], total["current"], total["alumni"]) == (5, 4, 1)  # erin once
    assert total["women"] == 4
    assert (total["retained"], total["retained_rate"]) == (4, 80.0)  # bob left academia
    assert (total["with_cda"], total["with_cda_rate"]) == (1, 20.0)
    assert (total["grants"], total["publications"], total["promotions"]) == (2, 1, 1)
    [by_circle] = figures.outcomes(scope, by="circle")
    assert by_circle["label"] == "Ledger Circle" and by_circle["members"] == 5
    [cohort] = figures.outcomes(scope, by="cohort")
    assert cohort["label"] == str((timezone.now() - timedelta(days=200)).year)


def _withheld(scope) -> dict[str, str]:
    return suppression.protect(scope).withheld()


def test_demographic_breakdown_suppresses_small_cells(ledger, program):
    scope = _scope(ledger["circle"])
    withheld = _withheld(scope)
    # 4 women and 1 man: both rows withheld whole, their event counts too.
    for column in ("members", "retained", "grants"):
        assert withheld[f"gender|woman|{column}"] == PRIMARY
        assert withheld[f"gender|man|{column}"] == PRIMARY
    # Seven women: their count may show; alice alone has a CDA: that count may not.
    more = [UserFactory(gender=User.Gender.WOMAN) for _ in range(3)]
    for user in more:
        _membership(ledger["circle"], user, timezone.now() - timedelta(days=5))
    protected = suppression.protect(scope)
    woman = next(r for r in protected.tables["gender"] if r.key == "woman")
    assert woman.figures["members"].withheld != PRIMARY
    assert woman.figures["with_cda"].withheld == PRIMARY
    assert woman.rates["with_cda_rate"] is None
    assert_safe(protected.publication())


def test_program_admin_sees_figures_on_the_outcomes_page(client, dana, ledger):
    client.force_login(dana)
    response = client.get(reverse("reports:overview"), {"circle": "ledger"})
    assert response.status_code == 200
    html = response.content.decode()
    # 4 of 5 retained, 1 of 5 with a CDA: each describes 1 person, so both are withheld.
    assert 'data-figure="retained" data-cell="all|all|retained" data-withheld=""' in html
    assert 'data-figure="cda" data-cell="all|all|with_cda" data-withheld=""' in html
    assert 'data-figure="grants" data-cell="all|all|grants"' in html
    assert "a private comment" not in html
    page = client.get(reverse("reports:participation"), {"circle": "ledger"})
    assert page.status_code == 200 and "71.7%" in page.content.decode()


def test_bad_filters_are_a_400_with_a_message(client, dana, ledger):
    client.force_login(dana)
    response = client.get(reverse("reports:overview"), {"start": "2026-05-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert "end date must be on or after" in response.content.decode()
    response = client.get(reverse("reports:participation"), {"start": "yesterday"})
    assert response.status_code == 400 and "Enter a valid date" in response.content.decode()
    response = client.get(reverse("reports:csv", args=["members"]), {"circle": "nope"})
    assert response.status_code == 400


@pytest.fixture
def outsider_program(db):
    pat = UserFactory(full_name="Pat Program")
    program = Program.objects.create(name="Surgery Circles", slug="surgery")
    program.admins.add(pat)
    make_circle(UserFactory(), program=program, name="Surgeons Circle", slug="surgeons")
    return pat


def test_admin_of_another_program_sees_nothing_of_ours(client, ledger, outsider_program):
    client.force_login(outsider_program)
    html = client.get(reverse("reports:overview")).content.decode()
    assert "Surgery Circles" in html and "Ledger Circle" not in html
    assert client.get(reverse("reports:overview"), {"program": "wim"}).status_code == 400
    assert client.get(reverse("reports:overview"), {"circle": "ledger"}).status_code == 400
    csv_response = client.get(reverse("reports:csv", args=["participation"]))
    body = b"".join(csv_response.streaming_content).decode()
    assert "Ledger Circle" not in body and "bob@example.org" not in body


@pytest.mark.parametrize("who", ["anonymous", "bob", "carol", "alice"])
def test_reports_and_downloads_are_for_program_admins_and_staff(client, who, ledger, carol):
    if who != "anonymous":
        client.force_login(User.objects.get(email=f"{who}@example.org"))
    for url in (
        reverse("reports:overview"),
        reverse("reports:participation"),
        reverse("reports:csv", args=["participation"]),
    ):
        response = client.get(url)
        assert response.status_code == (302 if who == "anonymous" else 403)
    response = client.post(reverse("reports:workbook", args=["workbook"]))
    assert response.status_code == (302 if who == "anonymous" else 403)


def test_staff_see_every_program(client, ledger, outsider_program):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    html = client.get(reverse("reports:overview"), {"by": "circle"}).content.decode()
    assert "Ledger Circle" in html and "Surgeons Circle" in html


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_participation_csv_has_a_row_per_member_per_meeting(client, dana, ledger):
    client.force_login(dana)
    response = client.get(reverse("reports:csv", args=["participation"]), {"circle": "ledger"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0][:5] == ["Program", "Circle", "Meeting start (UTC)", "Meeting", "Member"]
    body = rows[1:]
    # 17 eligible member-meetings plus bob's M3 on leave (listed, not eligible)
    assert len(body) == 18
    on_leave = [r for r in body if r[7] == "yes"]
    assert [(r[4], r[8]) for r in on_leave] == [("Bob Baker", "no"), ("Bob Baker", "yes")]
    flat = "\n".join(",".join(r) for r in rows)
    assert "a private comment" not in flat
    export = Export.objects.get()
    assert (export.requested_by, export.report, export.format) == (dana, "participation", "csv")
    assert "Ledger Circle" in export.scope


def test_outcomes_csv_carries_the_table(client, dana, ledger):
    client.force_login(dana)
    rows = _csv(client.get(reverse("reports:csv", args=["outcomes"]), {"circle": "ledger"}))
    all_row = next(r for r in rows if r[0] == "All")
    assert rows[0][-1] == "Withheld figures"
    # 4 current and 1 alumna: the roster (the participation page) already says so, and
    # so does the outcome table; what the roster does not say is withheld, named at the end.
    assert all_row[2:5] == ["5", "4", "1"] and "Current" not in all_row[-1]
    assert all_row[7:11] == ["", "", "", ""]  # 4 of 5 retained, 1 of 5 with a CDA
    assert "Retained" in all_row[-1]
    assert "<5" not in str(rows)


def test_unknown_table_is_404(client, dana, ledger):
    client.force_login(dana)
    assert client.get(reverse("reports:csv", args=["logs"])).status_code == 404
    assert client.post(reverse("reports:workbook", args=["logs"])).status_code == 404


def test_workbook_downloads_directly_when_small(client, dana, ledger):
    from openpyxl import load_workbook

    client.force_login(dana)
    response = client.post(reverse("reports:workbook", args=["workbook"]), {"circle": "ledger"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == [
        "About",
        "Circles",
        "Members",
        "Meetings",
        "Participation",
        "Outcomes",
    ]
    circles = list(book["Circles"].iter_rows(values_only=True))
    assert circles[1][1] == "Ledger Circle" and circles[1][6] == 5  # meetings held, a number
    text = " ".join(
        str(c) for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r
    )
    assert "a private comment" not in text
    assert Export.objects.get().report == "workbook"


def test_large_workbook_becomes_a_job_with_progress_and_download(
    client, dana, ledger, settings, tmp_path, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    from reports import jobs as report_jobs

    settings.REPORTS_INLINE_MAX_ROWS = 5
    settings.REPORTS_EXPORT_DIR = tmp_path
    client.force_login(dana)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("reports:workbook", args=["workbook"]), {"circle": "ledger"})
    assert len(callbacks) == 1  # the job is enqueued after commit
    export = Export.objects.get()
    assert response.status_code == 302 and str(export.public_id) in response["Location"]
    assert export.status == Export.Status.QUEUED and export.rows_total == 18
    page = client.get(response["Location"])
    assert "Queued" in page.content.decode() and 'hx-trigger="every 2s"' in page.content.decode()
    assert (
        client.get(reverse("reports:export_download", args=[export.public_id])).status_code == 404
    )
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING)
    # A redelivered task (its worker died mid-way) builds the export again.
    assert report_jobs.build(export.pk) == "done"
    assert report_jobs.build(export.pk) == "not queued"  # a finished export is left alone
    export.refresh_from_db()
    assert export.status == Export.Status.DONE and export.percent_done == 100
    page = client.get(response["Location"]).content.decode()
    assert "Download the XLSX" in page and "hx-trigger" not in page
    download = client.get(reverse("reports:export_download", args=[export.public_id]))
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    assert len(list(book["Participation"].iter_rows())) == 19


def test_someone_else_cannot_see_or_download_an_export(client, dana, ledger, alice):
    export = Export.objects.create(
        requested_by=dana, report="workbook", format="xlsx", scope="x", status="done"
    )
    client.force_login(alice)
    assert client.get(reverse("reports:export_status", args=[export.public_id])).status_code == 404
    assert (
        client.get(reverse("reports:export_download", args=[export.public_id])).status_code == 404
    )


def test_job_fails_cleanly_when_the_admin_lost_their_role(
    dana, ledger, program, tmp_path, settings
):
    from reports import jobs as report_jobs

    settings.REPORTS_EXPORT_DIR = tmp_path
    export = Export.objects.create(
        requested_by=dana,
        report="workbook",
        format="xlsx",
        scope="x",
        status="queued",
        filters={"circle": "ledger"},
    )
    program.admins.remove(dana)
    assert report_jobs.build(export.pk) == "failed"
    export.refresh_from_db()
    assert export.status == "failed" and "no longer" in export.error
    assert list(tmp_path.iterdir()) == []


def _grant_research(user) -> None:
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="export_research"))


def test_research_export_needs_its_own_permission(client, dana, ledger):
    client.force_login(dana)
    page = client.get(reverse("reports:overview")).content.decode()
    assert "De-identified research XLSX" not in page
    url = reverse("reports:workbook", args=["research"])
    assert client.post(url, {"circle": "ledger"}).status_code == 403
    assert not Export.objects.exists()


def test_research_export_is_pseudonymous_with_a_data_dictionary(client, dana, ledger):
    from openpyxl import load_workbook

    _grant_research(dana)
    client.force_login(dana)
    assert "De-identified research XLSX" in client.get(reverse("reports:overview")).content.decode()
    response = client.post(reverse("reports:workbook", args=["research"]), {"circle": "ledger"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["Members", "Data dictionary", "About"]
    rows = list(book["Members"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 5  # one per person per circle; erin's two stays are one person
    text = " ".join(str(c) for r in rows for c in r)
    for secret in ("Alice", "alice@example.org", "Erin", "Ledger Circle", "a private comment"):
        assert secret not in text
    by_id = {r[0]: dict(zip(header, r, strict=True)) for r in body}
    assert all(key.startswith("M-") for key in by_id)
    assert sum(r["meetings_eligible"] for r in by_id.values()) == 17
    assert sum(r["in_academia"] for r in by_id.values()) == 4
    dictionary = {r[0] for r in book["Data dictionary"].iter_rows(values_only=True)}
    assert set(header) <= dictionary
    # Stable: the same person gets the same id in the next export.
    again = client.post(reverse("reports:workbook", args=["research"]), {"circle": "ledger"})
    book2 = load_workbook(io.BytesIO(b"".join(again.streaming_content)), read_only=True)
    assert {r[0] for r in list(book2["Members"].iter_rows(values_only=True))[1:]} == set(by_id)


# --- organizers ---------------------------------------------------------------------------


def test_organizer_sees_their_circles_participation_and_csv(client, alice, ledger):
    client.force_login(alice)
    page = client.get(reverse("reports:circle_participation", args=["ledger"]))
    assert page.status_code == 200 and "71.7%" in page.content.decode()
    response = client.get(reverse("reports:circle_participation_csv", args=["ledger", "members"]))
    rows = _csv(response)
    assert len(rows) == 7 and {r[0] for r in rows[1:]} == {"Ledger Circle"}
    assert Export.objects.get().filters == {"organizer_circle": "ledger"}


def test_organizer_cannot_download_outcomes_or_other_circles(
    client, alice, ledger, olga, other_circle, carol
):
    client.force_login(alice)
    url = reverse("reports:circle_participation_csv", args=["ledger", "outcomes"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("reports:circle_participation", args=["other"])).status_code == 403
    private = make_circle(
        olga, name="Private", slug="private", visibility=Circle.Visibility.UNLISTED
    )
    del private
    assert client.get(reverse("reports:circle_participation", args=["private"])).status_code == 404


@pytest.mark.parametrize("who", ["bob", "dana"])
def test_members_and_program_admins_do_not_get_the_organizer_page(client, who, ledger, bob, dana):
    client.force_login({"bob": bob, "dana": dana}[who])
    assert client.get(reverse("reports:circle_participation", args=["ledger"])).status_code == 403


# --- query budgets -------------------------------------------------------------------------


_bulk = itertools.count()


def _grow(circle, n: int) -> None:
    """n more seated members with a held meeting's attendance, in bulk."""
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"bulk{next(_bulk)}@example.org", full_name="Bulk Member", gender="woman")
        for _ in range(n)
    )
    Membership.objects.bulk_create(
        Membership(circle=circle, user=u, status=Status.ACTIVE, joined_at=now - timedelta(days=300))
        for u in users
    )
    meeting = circle.meetings.filter(start__lt=now).first()
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, user=u, status="present") for u in users
    )
    Milestone.objects.bulk_create(
        Milestone(member=u, kind="grant", date=now.date(), title="R01") for u in users[::3]
    )
    rebuild_facts()  # bulk rows, around the actions


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url", ["reports:overview", "reports:participation"], ids=["outcomes", "participation"]
)
def test_report_pages_query_count_does_not_grow_with_members(client, dana, ledger, url):
    client.force_login(dana)
    circle = ledger["circle"]
    _grow(circle, 10 - 5)
    small = _queries(client, reverse(url))
    _grow(circle, 1000 - 10)
    assert circle.memberships.filter(joined_at__isnull=False).count() >= 1000
    large = _queries(client, reverse(url))
    assert small == large
    assert large <= 20


def test_organizer_page_query_count_does_not_grow(client, alice, ledger):
    client.force_login(alice)
    url = reverse("reports:circle_participation", args=["ledger"])
    small = _queries(client, url)
    _grow(ledger["circle"], 1000)
    assert _queries(client, url) == small <= 20


def test_built_files_are_deleted_after_a_week_and_the_audit_row_stays(dana, tmp_path, settings):
    from reports import jobs as report_jobs

    settings.REPORTS_EXPORT_DIR = tmp_path
    now = timezone.now()
    old = Export.objects.create(
        requested_by=dana,
        report="workbook",
        format="xlsx",
        scope="x",
        file_name="old.xlsx",
        finished_at=now - timedelta(days=8),
    )
    recent = Export.objects.create(
        requested_by=dana,
        report="workbook",
        format="xlsx",
        scope="x",
        file_name="recent.xlsx",
        finished_at=now - timedelta(days=1),
    )
    (tmp_path / "old.xlsx").write_bytes(b"x")
    (tmp_path / "recent.xlsx").write_bytes(b"x")
    assert report_jobs.delete_old_files() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recent.xlsx"]
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.file_name == "" and recent.file_name == "recent.xlsx"


def test_member_and_meeting_pages_split_the_whole_table(ledger):
    scope = _scope(ledger["circle"])
    _grow(ledger["circle"], 60)
    whole = figures.member_rows(scope)
    pages = figures.member_rows(scope, limit=50) + figures.member_rows(scope, limit=50, offset=50)
    assert len(whole) == figures.count_members(scope) == 66
    assert [r["membership_id"] for r in pages] == [r["membership_id"] for r in whole]
    assert [(r["eligible"], r["attended"]) for r in pages] == [
        (r["eligible"], r["attended"]) for r in whole
    ]
    meetings = figures.meeting_rows(scope, limit=2, offset=1)
    assert [r["meeting_id"] for r in meetings] == [
        r["meeting_id"] for r in figures.meeting_rows(scope)[1:3]
    ]


def test_gender_of_a_small_group_is_never_shown(client, dana, ledger):
    scope = _scope(ledger["circle"])
    # 5 people, 4 women: the one man could be singled out, so the figure is withheld.
    protected = suppression.protect(scope)
    assert protected.withheld()["all|all|women"] == PRIMARY
    assert protected.total.rates["women_share"] is None
    for table in ("cohort", "circle", "program"):
        for row in protected.tables[table]:
            assert row.figures["women"].withheld == PRIMARY
    _grow(ledger["circle"], 6)  # now 10 women and 1 man: still withheld
    assert _withheld(scope)["all|all|women"] == PRIMARY
    men = UserFactory.create_batch(4, gender=User.Gender.MAN)
    for user in men:
        _membership(ledger["circle"], user, timezone.now() - timedelta(days=3))
    assert _withheld(scope).get("all|all|women") != PRIMARY  # 10 women, 5 men


def test_breakdown_hides_a_count_whose_complement_is_small(ledger):
    scope = _scope(ledger["circle"])
    _grow(ledger["circle"], 6)  # 10 women; alice alone has a CDA, all retained
    withheld = _withheld(scope)
    assert withheld.get("gender|woman|members") != PRIMARY
    assert withheld["gender|woman|with_cda"] == PRIMARY
    # 10 current women of 10 but one alumna (gina): the alumni count is small
    assert withheld["gender|woman|alumni"] == PRIMARY
    assert withheld["gender|woman|current"] == PRIMARY


def test_end_date_limits_milestones_and_rejoiners_stay_current(ledger):
    t0 = timezone.now() - timedelta(days=200)
    scope = figures.Scope(
        circles=Circle.objects.filter(pk=ledger["circle"].pk), end=t0 + timedelta(days=80)
    )
    total = figures.outcome_totals(scope)
    assert total["grants"] == 1  # finn's second grant came after the range
    assert total["promotions"] == 1 and total["publications"] == 0
    # erin's second stay began after the range, but she holds a seat now
    assert (total["current"], total["alumni"]) == (4, 1)


def test_far_dates_are_a_field_error(client, dana, ledger):
    client.force_login(dana)
    for params in ({"end": "9999-12-31"}, {"start": "0001-01-01"}):
        response = client.get(reverse("reports:overview"), params)
        assert response.status_code == 400
        assert "Choose a date between" in response.content.decode()


def test_organizer_of_a_circle_without_a_program_gets_its_figures(client, alice, bob):
    lonely = make_circle(alice, members=[bob], name="Lonely Circle", slug="lonely")
    _meeting(lonely, timezone.now() - timedelta(days=3))
    rebuild_facts()  # a meeting written around the actions
    client.force_login(alice)
    page = client.get(reverse("reports:circle_participation", args=["lonely"])).content.decode()
    assert "Lonely Circle" in page and "No circles in this scope" not in page
    rows = _csv(
        client.get(reverse("reports:circle_participation_csv", args=["lonely", "participation"]))
    )
    assert len(rows) == 3 and rows[1][0] == "" and rows[1][1] == "Lonely Circle"
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("reports:overview"), {"circle": "lonely"}).status_code == 200


def test_a_job_that_cannot_reach_the_broker_fails_with_a_message(
    client, dana, ledger, settings, django_capture_on_commit_callbacks
):
    from tests.integration.services import broker_at

    settings.REPORTS_INLINE_MAX_ROWS = 5
    client.force_login(dana)
    with (
        broker_at("redis://127.0.0.1:1/0"),  # nothing listens there
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("reports:workbook", args=["workbook"]), {"circle": "ledger"})
    assert response.status_code == 302
    export = Export.objects.get()
    assert export.status == Export.Status.FAILED and "try again" in export.error
    assert "try again" in client.get(response["Location"]).content.decode()


def test_a_former_admin_cannot_download_a_built_file(
    client, dana, ledger, program, tmp_path, settings
):
    settings.REPORTS_EXPORT_DIR = tmp_path
    (tmp_path / "done.xlsx").write_bytes(b"x")
    export = Export.objects.create(
        requested_by=dana,
        report="workbook",
        format="xlsx",
        scope="x",
        status="done",
        file_name="done.xlsx",
        filters={"circle": "ledger"},
    )
    client.force_login(dana)
    url = reverse("reports:export_download", args=[export.public_id])
    assert client.get(url).status_code == 200
    program.admins.remove(dana)
    assert client.get(url).status_code == 403


def test_a_position_change_dated_in_the_future_does_not_count_yet(ledger, alice):
    Milestone.objects.create(
        member=alice,
        kind="position",
        date=(timezone.now() + timedelta(days=60)).date(),
        title="Industry role",
        in_academia=False,
    )
    alice.refresh_from_db()
    assert alice.is_in_academia
    assert figures.outcome_totals(_scope(ledger["circle"]))["retained"] == 4


def test_one_scope_serves_every_figure_of_a_page(ledger):
    scope = _scope(ledger["circle"])
    first = [figures.circle_summaries(scope), figures.outcome_totals(scope)]
    again = [figures.circle_summaries(scope), figures.outcome_totals(scope)]
    assert first == again and first[0][0]["meetings_held"] == 5


def test_cached_figures_are_kept_for_the_configured_time(client, dana, ledger, settings):
    settings.REPORTS_CACHE_SECONDS = 300
    client.force_login(dana)
    url = reverse("reports:participation")
    assert "71.7%" in client.get(url, {"circle": "ledger"}).content.decode()
    Attendance.objects.filter(status="present").update(status="absent")
    rebuild_facts()  # an update around the actions
    page = client.get(url, {"circle": "ledger"}).content.decode()
    assert "71.7%" in page and "at most every 5 minutes" in page
    settings.REPORTS_CACHE_SECONDS = 0
    assert "71.7%" not in client.get(url, {"circle": "ledger"}).content.decode()


def test_outcomes_page_tables_show_the_latest_month_first(client, dana, ledger):
    client.force_login(dana)
    html = client.get(reverse("reports:overview"), {"circle": "ledger"}).content.decode()
    table = html[html.index('aria-label="Attendance rate by month: figures') :]
    table = table[: table.index("</table>")]
    labels = re.findall(r'<th scope="row">([A-Z][a-z]{2} \d{4})</th>', table)
    # The meetings span 90 days: three or four calendar months, depending on the day.
    assert len(labels) >= 3
    months = [datetime.strptime(label, "%b %Y") for label in labels]
    assert months == sorted(months, reverse=True) and len(set(months)) == len(months)
    first_meeting = timezone.now() - timedelta(days=190)
    last_meeting = timezone.now() - timedelta(days=100)
    assert labels[0] == last_meeting.strftime("%b %Y")
    assert labels[-1] == first_meeting.strftime("%b %Y")
    assert "newest first" in table


def test_statuses_and_roles_show_their_labels_on_pages_and_csvs(client, dana, ledger, bob):
    Membership.objects.filter(user=bob, circle=ledger["circle"]).update(status=Status.ON_LEAVE)
    client.force_login(dana)
    page = client.get(reverse("reports:participation"), {"circle": "ledger"}).content.decode()
    table = page[page.index('id="member-table"') :]
    table = table[: table.index("</table>")]
    assert "On leave" in table and "Organizer" in table
    assert "On_leave" not in page and "on_leave" not in page
    members = _csv(client.get(reverse("reports:csv", args=["members"]), {"circle": "ledger"}))
    statuses = {row[members[0].index("Status")] for row in members[1:]}
    roles = {row[members[0].index("Role")] for row in members[1:]}
    assert statuses == {"Active", "On leave", "Left"}
    assert roles == {"Organizer", "Member"}
    circles = _csv(client.get(reverse("reports:csv", args=["circles"]), {"circle": "ledger"}))
    assert circles[1][circles[0].index("Status")] == "Active"
    assert circles[1][circles[0].index("Kind")] == "Peer circle"


def test_circles_in_no_program_get_their_own_row_and_rows_add_up_to_all(client, ledger, bob):
    lonely = make_circle(bob, name="Lonely Circle", slug="lonely")  # in no program
    Membership.objects.filter(circle=lonely).update(joined_at=timezone.now() - timedelta(days=9))
    scope = figures.Scope(circles=Circle.objects.exclude(pk=ledger["circle"].pk))
    [row] = figures.outcomes(scope, by="program")
    assert (row["label"], row["members"]) == ("No program", 1)
    everyone = figures.Scope(circles=Circle.objects.all())
    rows = figures.outcomes(everyone, by="program")
    assert [r["label"] for r in rows] == ["Women in Medicine Circles", "No program"]
    total = figures.outcome_totals(everyone)
    # bob sits in both circles: once in each row, once in All.
    assert sum(r["members"] for r in rows) == total["members"] + 1
    client.force_login(UserFactory(is_staff=True))
    page = client.get(reverse("reports:overview")).content.decode()
    table = page[page.index('id="outcomes-table"') : page.index("</table>")]
    assert "No program" in table
    outcomes = _csv(client.get(reverse("reports:csv", args=["outcomes"])))
    no_program = next(r for r in outcomes if r[:2] == ["Program", "No program"])
    # One person: the roster says so (published), nothing of theirs the roster does not.
    assert no_program[2] == "1" and no_program[7] == "" and "Retained" in no_program[-1]
    participation = client.get(reverse("reports:participation")).content.decode()
    assert "No program" in participation
