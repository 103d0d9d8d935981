from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.utils import timezone

from circles.models import Charter, Circle, Membership, MembershipEvent, Program
from meetings.models import (
    RSVP,
    ActionItem,
    AgendaItem,
    Attendance,
    AttendanceChange,
    Meeting,
    MeetingLog,
    MeetingSeries,
    SeriesRSVP,
)
from members.models import Institution, Milestone, User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_password(settings, capsys, client):
    settings.DEBUG = True
    call_command("seed_demo", password="a-demo-passphrase")
    first = (User.objects.count(), Institution.objects.count(), EmailAddress.objects.count())
    call_command("seed_demo", password="a-demo-passphrase")
    second = (User.objects.count(), Institution.objects.count(), EmailAddress.objects.count())
    assert first == second
    assert first[0] >= 5
    assert first[1] >= 3  # several institutions
    out = capsys.readouterr().out
    assert "a-demo-passphrase" in out
    assert "organizer" in out and "program admin" in out

    response = client.post(
        "/accounts/login/",
        {"login": "organizer@demo.roundtable.test", "password": "a-demo-passphrase"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"  # logged in, not sent to verify the address
    organizer = User.objects.get(email="organizer@demo.roundtable.test")
    assert int(client.session["_auth_user_id"]) == organizer.pk
    assert User.objects.get(email="admin@demo.roundtable.test").is_staff


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing"):
        call_command("seed_demo")
    assert not User.objects.exists()


ADMIN = "admin@demo.roundtable.test"
ORGANIZER = "organizer@demo.roundtable.test"


def _counts() -> dict:
    return {
        "users": User.objects.count(),
        "institutions": Institution.objects.count(),
        "email addresses": EmailAddress.objects.count(),
        "programs": Program.objects.count(),
        "circles": Circle.objects.count(),
        "charters": Charter.objects.count(),
        "memberships": Membership.objects.count(),
        "events": MembershipEvent.objects.count(),
        "series": MeetingSeries.objects.count(),
        "meetings": Meeting.objects.count(),
        "rsvps": RSVP.objects.count(),
        "series rsvps": SeriesRSVP.objects.count(),
        "attendance": Attendance.objects.count(),
        "attendance changes": AttendanceChange.objects.count(),
        "logs": MeetingLog.objects.count(),
        "action items": ActionItem.objects.count(),
        "agenda items": AgendaItem.objects.count(),
        "milestones": Milestone.objects.count(),
        "confirmed positions": User.objects.filter(position_confirmed_at__isnull=False).count(),
    }


def test_seed_demo_creates_the_programs_with_the_demo_admin(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo")
    admin = User.objects.get(email=ADMIN)
    for slug, name in [
        ("women-in-medicine", "Women in Medicine Circles"),
        ("critical-care-research", "Critical Care Research"),
    ]:
        program = Program.objects.get(slug=slug)
        assert program.name == name
        assert list(program.admins.all()) == [admin]
    assert mailoutbox == []


def test_seed_demo_peer_circle_has_ten_members_from_six_institutions(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo")
    circle = Circle.objects.with_counts().get(slug="early-career-women-in-medicine")
    assert circle.program.slug == "women-in-medicine"
    assert (circle.kind, circle.status, circle.join_policy) == ("peer_circle", "active", "approval")
    assert (circle.capacity, circle.timezone) == (12, "America/New_York")
    assert circle.member_count == 10
    assert circle.institution_count == 6
    seated = circle.memberships.seated()
    assert seated.filter(status=Membership.Status.ON_LEAVE).count() == 1
    assert User.objects.filter(memberships__in=seated, gender="woman").count() >= 8
    assert circle.is_organizer(User.objects.get(email=ORGANIZER))
    assert set(circle.topics.values_list("slug", flat=True)) == {
        "promotion",
        "negotiation",
        "parental-leave",
        "burnout",
    }
    assert "Confidentiality" in circle.current_charter.guiding_principles
    assert not any(m.needs_charter_acceptance() for m in seated)
    assert mailoutbox == []


def test_seed_demo_workgroup_has_thirty_members_since_2015(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo")
    circle = Circle.objects.get(slug="micrew")
    assert circle.program.slug == "critical-care-research"
    assert (circle.kind, circle.meeting_format, circle.capacity) == ("workgroup", "hybrid", None)
    assert circle.place and circle.video_link.startswith("https://example.org/")
    memberships = circle.memberships.all()
    assert memberships.count() == 30
    assert memberships.seated().count() == 15
    alumni = memberships.filter(status=Membership.Status.LEFT)
    assert alumni.count() == 15
    assert all(m.ended_at and m.end_reason and m.ended_at > m.joined_at for m in alumni)
    members = User.objects.filter(memberships__circle=circle).distinct()
    assert members.count() == 30
    assert members.filter(gender=User.Gender.WOMAN).count() == 15
    assert members.values("profession").distinct().count() == 5  # multidisciplinary
    assert min(m.joined_at for m in memberships).year == 2015
    assert max(m.ended_at for m in alumni).year == 2025
    assert circle.is_organizer(User.objects.get(email=ORGANIZER))
    assert all(m.charter_accepted == circle.current_charter for m in memberships.seated())
    # One event per transition, backdated to it.
    for m in memberships:
        expected = [("joined", m.joined_at)] + ([("left", m.ended_at)] if m.ended_at else [])
        assert [(e.kind, e.at) for e in m.events.all()] == expected
    assert mailoutbox == []


def test_seed_demo_twice_changes_no_counts(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first["programs"] == 2 and first["circles"] == 2 and first["charters"] == 2
    assert first["memberships"] == 41  # 40 seats and alumni, and one request to join
    assert first["series"] == 2
    assert all(first[name] > 0 for name in first)
    assert mailoutbox == []


# --- a year of meetings ------------------------------------------------------------------------

PEER = "early-career-women-in-medicine"
WORKGROUP = "micrew"


@pytest.fixture
def seeded(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo")
    yield
    assert mailoutbox == []  # nothing in the seeding notifies anyone


def _split(circle: Circle) -> tuple[list[Meeting], list[Meeting]]:
    """(past, upcoming) meetings of the circle's series, as the seeding sees them (the
    one-off meetings of the newcomer's tour are tested in test_tour.py)."""
    now = timezone.now()
    meetings = list(circle.meetings.filter(series__isnull=False).order_by("start"))
    return [m for m in meetings if m.end <= now], [m for m in meetings if m.start > now]


@pytest.mark.parametrize(
    ("slug", "fewest", "most", "rule"),
    [
        (PEER, 11, 14, ("monthly_weekday", 1, 1, 2, "12:00", "America/New_York", "online")),
        (WORKGROUP, 24, 28, ("weekly", 2, 3, None, "16:00", "America/Detroit", "hybrid")),
    ],
)
def test_each_demo_circle_has_a_series_with_a_year_of_meetings(seeded, slug, fewest, most, rule):
    circle = Circle.objects.get(slug=slug)
    series = circle.series.get()
    assert (
        series.frequency,
        series.interval,
        series.weekday,
        series.week_of_month,
        f"{series.start_time:%H:%M}",
        series.timezone,
        series.meeting_format,
    ) == rule
    meetings = list(series.meetings.order_by("start"))
    assert fewest <= len(meetings) <= most
    assert all(m.local_start.weekday() == series.weekday for m in meetings)
    assert all(f"{m.local_start:%H:%M}" == f"{series.start_time:%H:%M}" for m in meetings)
    today = timezone.localdate()
    assert (today - meetings[0].local_start.date()).days > 240  # about nine months back
    assert 30 < (meetings[-1].local_start.date() - today).days < 100  # two or three ahead
    past, upcoming = _split(circle)
    assert len(past) >= len(meetings) * 2 // 3
    assert len(upcoming) >= 2
    if series.meeting_format == "hybrid":
        assert all(m.place and m.video_link.startswith("https://") for m in meetings)


@pytest.mark.parametrize("slug", [PEER, WORKGROUP])
def test_past_meetings_have_attendance_of_active_members_only(seeded, slug):
    circle = Circle.objects.get(slug=slug)
    organizer = User.objects.get(email=ORGANIZER)
    active = circle.memberships.filter(status=Membership.Status.ACTIVE)
    on_leave = circle.memberships.filter(status=Membership.Status.ON_LEAVE)
    past, upcoming = _split(circle)
    statuses = set()
    for meeting in past:
        expected = {m.user_id for m in active if m.joined_at <= meeting.start}
        marks = list(meeting.attendance.all())
        assert {a.user_id for a in marks} == expected
        assert all(a.recorded_by == organizer for a in marks)
        statuses |= {a.status for a in marks}
        for a in marks:  # one change per mark, made by the organizer when the meeting ended
            assert [(c.status, c.changed_by, c.at) for c in a.changes.all()] == [
                (a.status, organizer, meeting.end)
            ]
    assert "present" in statuses and len(statuses) > 1
    assert not Attendance.objects.filter(meeting__in=upcoming).exists()
    assert not Attendance.objects.filter(
        meeting__circle=circle, user__in=on_leave.values("user")
    ).exists()
    present = Attendance.objects.filter(meeting__circle=circle, status="present").count()
    assert present >= 0.7 * Attendance.objects.filter(meeting__circle=circle).count()


def test_the_member_on_leave_has_no_attendance(seeded):
    circle = Circle.objects.get(slug=PEER)
    leave = circle.memberships.get(status=Membership.Status.ON_LEAVE)
    assert circle.meetings.filter(start__lt=timezone.now()).exists()
    assert not Attendance.objects.filter(user=leave.user, meeting__circle=circle).exists()


@pytest.mark.parametrize("slug", [PEER, WORKGROUP])
def test_most_past_meetings_have_a_log_with_action_items(seeded, slug):
    circle = Circle.objects.get(slug=slug)
    past, upcoming = _split(circle)
    seated = set(circle.memberships.seated().values_list("user_id", flat=True))
    logs = list(MeetingLog.objects.filter(meeting__in=past).select_related("meeting"))
    assert len(logs) >= 0.7 * len(past)
    assert len(logs) < len(past)  # not every meeting gets written up
    assert not MeetingLog.objects.filter(meeting__in=upcoming).exists()
    for log in logs:
        assert log.summary and log.decisions and log.written_by_id in seated
        items = list(log.action_items.all())
        assert 1 <= len(items) <= 3
        for item in items:
            assert item.owner_id in seated
            assert item.due_date > log.meeting.local_start.date()
    assert ActionItem.objects.filter(log__in=logs, done=True).exists()
    oldest = min(logs, key=lambda log: log.meeting.start)
    assert all(item.done for item in oldest.action_items.all())


def test_workgroup_logs_review_the_presentations(seeded):
    log = MeetingLog.objects.filter(meeting__circle__slug=WORKGROUP).first()
    presenters = [i.presenter.display_name for i in log.meeting.agenda_items.all()]
    assert presenters
    assert all(f"by {name} reviewed" in log.summary for name in presenters)
    assert "feedback:" in log.summary


def test_peer_circle_meetings_rotate_facilitators_among_active_members(seeded):
    circle = Circle.objects.get(slug=PEER)
    past, upcoming = _split(circle)
    with_roles = past + upcoming[:2]
    active = set(
        circle.memberships.filter(status=Membership.Status.ACTIVE).values_list("user_id", flat=True)
    )
    facilitators = [m.facilitator_id for m in with_roles]
    assert all(f in active for f in facilitators)
    # Fair: nobody facilitates twice before everyone eligible has once.
    assert len(set(facilitators[: len(active)])) == min(len(active), len(facilitators))
    assert all(m.facilitator_id is None for m in upcoming[2:])
    # Whoever facilitated a past meeting was there.
    for m in past:
        assert m.attendance.get(user_id=m.facilitator_id).status == "present"


def test_workgroup_meetings_have_presenters_in_rotation(seeded):
    circle = Circle.objects.get(slug=WORKGROUP)
    past, upcoming = _split(circle)
    active = set(
        circle.memberships.filter(status=Membership.Status.ACTIVE).values_list("user_id", flat=True)
    )
    kinds = set()
    for m in past + upcoming[:2]:
        items = list(m.agenda_items.all())
        assert 1 <= len(items) <= 2
        for item in items:
            assert item.presenter_id in active
            assert item.kind in {"wip", "grant", "manuscript"}
            assert item.materials_link.startswith("https://example.org/")
            assert ": " in item.title
            kinds.add(item.kind)
        if m in past:
            presenters = {i.presenter_id for i in items}
            assert set(
                m.attendance.filter(user__in=presenters).values_list("status", flat=True)
            ) == {"present"}
    assert kinds == {"wip", "grant", "manuscript"}
    assert all(not m.agenda_items.exists() for m in upcoming[2:])
    counts = {}
    for presenter in AgendaItem.objects.filter(meeting__circle=circle).values_list(
        "presenter_id", flat=True
    ):
        counts[presenter] = counts.get(presenter, 0) + 1
    assert set(counts) == active  # everyone presents during the year
    assert max(counts.values()) - min(counts.values()) <= 1


@pytest.mark.parametrize("slug", [PEER, WORKGROUP])
def test_rsvps_past_and_upcoming(seeded, slug):
    circle = Circle.objects.get(slug=slug)
    series = circle.series.get()
    past, upcoming = _split(circle)
    seated = circle.memberships.seated().values_list("user_id", flat=True)
    answers = RSVP.objects.filter(meeting__in=past)
    assert set(answers.values_list("user_id", flat=True)) <= set(seated)
    assert answers.count() >= len(past) * 4
    assert answers.filter(answer="yes").count() > answers.exclude(answer="yes").count()
    assert {"no", "maybe"} <= set(answers.values_list("answer", flat=True))
    # Excused members said so.
    for a in Attendance.objects.filter(meeting__in=past, status="excused"):
        reply = RSVP.objects.filter(meeting=a.meeting, user=a.user).first()
        assert reply is None or reply.answer == "no"
    assert RSVP.objects.filter(meeting__in=upcoming[:2]).exists()
    series_yes = SeriesRSVP.objects.filter(series=series, answer="yes")
    assert series_yes.count() == 2
    series_start = series_yes.first().valid_from.astimezone(ZoneInfo(series.timezone))
    assert series_start.date() == series.start_date


# --- career milestones ---------------------------------------------------------------------


def test_workgroup_outcomes_match_the_program_it_is_modeled_on(seeded):
    """MICReW's table: 30 members, 15 current, 15 women, 29 retained in academic positions,
    15 with a career development award (received after joining)."""
    circle = Circle.objects.get(slug=WORKGROUP)
    joined = {m.user_id: m.joined_at.date() for m in circle.memberships.all()}
    members = list(User.objects.filter(pk__in=joined))
    assert len(members) == 30
    assert circle.memberships.seated().count() == 15
    assert sum(m.gender == User.Gender.WOMAN for m in members) == 15
    assert sum(m.is_in_academia for m in members) == 29
    left = [m for m in members if not m.is_in_academia]
    assert [m.email for m in left] == ["ethan.walsh@demo.roundtable.test"]
    assert left[0].latest_position_change().in_academia is False
    awards = Milestone.objects.filter(
        member__in=members, kind=Milestone.Kind.CAREER_DEVELOPMENT_AWARD
    )
    assert len({a.member_id for a in awards}) == 15
    assert all(a.date > joined[a.member_id] for a in awards)  # received after joining
    stayed = Milestone.objects.filter(member__in=members, kind="position", in_academia=True)
    assert stayed.values("member").distinct().count() >= 3  # moved, still in academia
    for kind in ("grant", "publication", "promotion"):
        rows = Milestone.objects.filter(member__in=members, kind=kind)
        assert rows.count() >= 5, kind
        assert all(r.date > joined[r.member_id] for r in rows), kind
        assert len({r.date.year for r in rows}) >= 4, kind  # spread over the years
    funders = set(Milestone.objects.filter(kind="cda").values_list("funder", flat=True))
    for mechanism in ("K08", "K23", "K01", "K99", "American Heart Association", "ATS"):
        assert any(mechanism in f for f in funders), mechanism


def test_peer_circle_members_have_a_few_milestones_and_some_confirmed_positions(seeded):
    circle = Circle.objects.get(slug=PEER)
    peers = User.objects.filter(memberships__circle=circle)
    assert Milestone.objects.filter(member__in=peers).values("member").distinct().count() >= 6
    assert User.objects.filter(position_confirmed_at__isnull=False).count() >= 5
    assert not Milestone.objects.filter(date__gt=timezone.localdate()).exists()


def test_seeding_milestones_twice_adds_none(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo")
    first = list(Milestone.objects.order_by("pk").values_list("member_id", "kind", "title"))
    organizer = User.objects.get(email=ORGANIZER)
    organizer.milestones.filter(kind="publication").delete()  # changed in the app since
    call_command("seed_demo")
    again = list(Milestone.objects.order_by("pk").values_list("member_id", "kind", "title"))
    assert len(again) == len(first) - 2
    assert set(again) <= set(first)
