"""'Expected at a meeting' and 'the answer that counts' have one home
(meetings/participation.py), written once in the ORM and once in SQL. These tests prove
that everything built on them agrees: the organizer's attendance form, the reminder
planner and the participation report, over random histories of joining, leaving, leave,
RSVPs (meeting and series) and attendance."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from circles import actions as circle_actions
from circles.models import Circle, Membership, MembershipEvent
from meetings.facts import rebuild_facts
from meetings.models import RSVP, Attendance, Meeting, MeetingSeries, SeriesRSVP
from meetings.participation import (
    awaiting_attendance,
    effective_answers,
    expected_at,
    expected_memberships,
)
from meetings.reminders import plan_reminders
from outbox.models import Notification
from reports import figures
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STEP = timedelta(hours=12)  # every instant falls on this grid, so ties are common
SPAN = 16  # steps of history (short, so that instants often coincide)
LEAVE = (MembershipEvent.Kind.LEAVE_STARTED, MembershipEvent.Kind.LEAVE_ENDED)
ANSWERS = (None, None, *RSVP.Answer.values)  # often no meeting answer: the series counts


def form_roster(client, meeting) -> set[int]:
    response = client.get(reverse("meetings:attendance", kwargs={"pk": meeting.pk}))
    assert response.status_code == 200
    fields = response.context["form"].fields
    return {int(name.split("_")[1]) for name in fields if name.startswith("status_")}


def planned_reminders(meeting) -> set[int]:
    """Whom the planner queues a reminder for, run half an hour before the meeting."""
    with time_machine.travel(meeting.start - timedelta(minutes=30), tick=False):
        plan_reminders(Meeting.objects.filter(pk=meeting.pk))
    return set(
        Notification.objects.filter(meeting=meeting, kind="reminder").values_list(
            "recipient_id", flat=True
        )
    )


def report_rows(circle) -> dict[tuple[str, str], dict]:
    """(meeting title, email) → the participation export's row."""
    sql, params = figures.fact_rows_sql(figures.Scope(circles=Circle.objects.filter(pk=circle.pk)))
    names = figures.FACT_COLUMNS
    rows = [dict(zip(names, values, strict=True)) for values in figures.stream(sql, params)]
    return {(r["meeting"], r["email"]): r for r in rows}


stay = st.tuples(
    st.integers(0, SPAN),  # joined, in steps
    st.one_of(st.none(), st.integers(1, SPAN)),  # length of the stay (None: still there)
    st.lists(st.tuples(st.integers(0, SPAN), st.sampled_from(LEAVE)), max_size=4),
)
person = st.tuples(
    st.lists(stay, min_size=1, max_size=2),
    st.one_of(st.none(), st.tuples(st.sampled_from(RSVP.Answer.values), st.integers(0, SPAN))),
)
history = st.fixed_dictionaries(
    {
        "people": st.lists(person, min_size=1, max_size=4),
        "meetings": st.lists(
            # (start, in the series, logged after the fact)
            st.tuples(st.integers(0, SPAN + 2), st.booleans(), st.booleans()),
            min_size=1,
            max_size=3,
        ),
        "answers": st.lists(st.sampled_from(ANSWERS), min_size=12, max_size=12),
        "marks": st.lists(
            st.sampled_from((None, *Attendance.Status.values)), min_size=12, max_size=12
        ),
    }
)


def build(alice, history: dict):
    """A circle organized by alice (seated long before the history starts) and the
    generated people, meetings, answers and marks. Returns (circle, meetings, users)."""
    from tests.factories import make_circle

    base = timezone.now().replace(minute=0, second=0, microsecond=0) - (SPAN + 4) * STEP
    circle = make_circle(alice, slug=f"rules-{Circle.objects.count()}")
    alice.reminder_minutes = [15]  # due after the planner runs, half an hour before
    alice.save(update_fields=["reminder_minutes"])
    series = MeetingSeries.objects.create(
        circle=circle,
        title="Monthly",
        frequency=MeetingSeries.Frequency.WEEKLY,
        weekday=0,
        timezone="UTC",
        start_date=base.date(),
        start_time=base.time(),
        duration_minutes=60,
        meeting_format="online",
        created_by=alice,
    )
    users = []
    for stays, series_answer in history["people"]:
        user = UserFactory(reminder_minutes=[15])
        users.append(user)
        at = 0
        for n, (joined, length, leaves) in enumerate(stays):
            joined = at + joined
            last = n == len(stays) - 1
            ended = None if (last and length is None) else joined + (length or 1)
            events = sorted(
                (joined + offset, kind)
                for offset, kind in leaves
                if ended is None or joined + offset < ended
            )
            on_leave = bool(events) and events[-1][1] == MembershipEvent.Kind.LEAVE_STARTED
            status = (
                Membership.Status.LEFT
                if ended is not None
                else Membership.Status.ON_LEAVE
                if on_leave
                else Membership.Status.ACTIVE
            )
            membership = Membership.objects.create(
                circle=circle,
                user=user,
                status=status,
                joined_at=base + joined * STEP,
                ended_at=None if ended is None else base + ended * STEP,
            )
            for step, kind in events:
                MembershipEvent.objects.create(
                    membership=membership, kind=kind, at=base + step * STEP
                )
            at = (ended or joined) + 1
        if series_answer:
            answer, since = series_answer
            SeriesRSVP.objects.create(
                series=series, user=user, answer=answer, valid_from=base + since * STEP
            )
    meetings = []
    for i, (step, in_series, logged) in enumerate(history["meetings"]):
        start = base + step * STEP
        meetings.append(
            Meeting.objects.create(
                circle=circle,
                series=series if in_series and not logged else None,
                logged_after_the_fact=logged,
                title=f"M{i}",
                start=start,
                end=start + timedelta(hours=1),
                timezone="UTC",
                meeting_format="online",
                created_by=alice,
            )
        )
    cells = iter(zip(history["answers"], history["marks"], strict=True))
    for meeting in meetings:
        for user in users:
            answer, mark = next(cells, (None, None))
            if answer:
                RSVP.objects.create(meeting=meeting, user=user, answer=answer)
            if mark:
                Attendance.objects.create(meeting=meeting, user=user, status=mark)
    # Written around the actions: the participation facts the report reads are rebuilt
    # from the same SQL the actions refresh them with (meetings/facts.py).
    rebuild_facts()
    return circle, meetings, [alice, *users]


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=history)
# The boundaries, always tried: a series answer given at the very start of the meeting; a
# leave that starts, and a stay that ends, exactly as the meeting starts.
@example(
    history={
        "people": [
            ([(0, None, [])], ("no", 5)),
            ([(0, 5, [])], None),
            ([(0, None, [(5, LEAVE[0])])], None),
        ],
        "meetings": [(5, True, False)],
        "answers": [None] * 12,
        "marks": [None] * 12,
    }
)
# A meeting logged after the fact: only the people marked were expected.
@example(
    history={
        "people": [([(0, None, [])], None), ([(0, None, [])], None), ([(0, None, [])], None)],
        "meetings": [(5, False, True)],
        "answers": [None] * 12,
        "marks": ["present", None, "absent", *[None] * 9],
    }
)
def test_form_planner_and_report_agree_on_who_was_expected(client, alice, history):
    client.force_login(alice)
    with transaction.atomic():
        circle, meetings, users = build(alice, history)
        email = {u.pk: u.email for u in users}
        rows = report_rows(circle)
        for meeting in meetings:
            expected = set(expected_at(meeting).values_list("user_id", flat=True))
            roster = form_roster(client, meeting)
            if meeting.logged_after_the_fact:
                # Nobody was invited: the form offers everyone who could have come, and
                # those with a mark recorded are the ones expected.
                marked = set(meeting.attendance.values_list("user_id", flat=True))
                assert expected == roster & marked, meeting.title
            else:
                assert expected == roster, meeting.title
            answers = effective_answers(meeting)
            # The report: one row per seated membership; on leave = not expected.
            reported = {
                uid
                for uid in email
                if (meeting.title, email[uid]) in rows
                and rows[(meeting.title, email[uid])]["on_leave"] == "no"
            }
            assert reported == expected, meeting.title
            for uid in expected:
                assert rows[(meeting.title, email[uid])]["rsvp"] == answers.get(uid, "")
            # The planner: everyone expected except those who answered no.
            wanted = {uid for uid in expected if answers.get(uid) != RSVP.Answer.NO}
            assert planned_reminders(meeting) == wanted, meeting.title
        # The organizer's to-do (SQL) against the same rule in the ORM, with organizers'
        # marks only, then with every other mark a member's own report.
        assert_to_do_agrees(alice)
        marks = Attendance.objects.filter(meeting__circle=circle).order_by("pk")
        Attendance.objects.filter(pk__in=list(marks.values_list("pk", flat=True))[::2]).update(
            recorded_by=F("user")
        )
        assert_to_do_agrees(alice)
        transaction.set_rollback(True)


def assert_to_do_agrees(organizer):
    """awaiting_attendance() is the ORM rule below, written in SQL for speed: held
    meetings of the organizer's circles where someone was expected and an organizer
    marked none of the expected."""
    now = timezone.now()
    since = now - timedelta(days=60)
    expected = expected_memberships(
        meeting=OuterRef("pk"), circle=OuterRef("circle"), at=OuterRef("start")
    )
    recorded = Attendance.objects.filter(
        meeting=OuterRef("pk"),
        user__in=expected_memberships(
            meeting=OuterRef(OuterRef("pk")),
            circle=OuterRef(OuterRef("circle")),
            at=OuterRef(OuterRef("start")),
        ).values("user"),
    ).exclude(recorded_by=F("user"))
    organized = Membership.objects.organizers().filter(user=organizer).values("circle")
    orm = (
        Meeting.objects.for_member(organizer)
        .held()
        .filter(start__gte=since, circle__in=organized)
        .filter(Exists(expected))
        .exclude(Exists(recorded))
    )
    sql = awaiting_attendance(organizer, since=since, until=now, limit=100)
    assert {m.pk for m in sql} == set(orm.values_list("pk", flat=True))
    assert [m.start for m in sql] == sorted((m.start for m in sql), reverse=True)


def test_a_leave_begun_after_a_meeting_leaves_the_member_expected_at_it(client, alice, bob, circle):
    """The drift this file guards against: a meeting held three days ago; today Bob goes on
    leave. He was expected then: the attendance form lists him and the report counts him
    expected and not yet recorded."""
    start = timezone.now() - timedelta(days=3)
    meeting = Meeting.objects.create(
        circle=circle,
        title="Held",
        start=start,
        end=start + timedelta(hours=1),
        timezone="UTC",
        meeting_format="online",
        created_by=alice,
    )
    circle_actions.start_leave(circle.memberships.get(user=bob), by=bob)
    client.force_login(alice)
    assert bob.pk in form_roster(client, meeting)
    row = report_rows(circle)[("Held", bob.email)]
    assert (row["on_leave"], row["eligible"], row["attendance"]) == ("no", "yes", "")
