from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from circles.models import Membership
from members import tasks
from members.checkins import periods_since, send_career_check_ins
from members.models import User
from outbox.models import Notification
from tests.factories import UserFactory, make_circle

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
Status = Membership.Status


@pytest.fixture
def workgroup(olga):
    """A circle whose only seat is its organizer's, an account since closed (so nobody in it
    is asked anything until a test seats someone)."""
    circle = make_circle(olga, name="Research Workgroup", slug="workgroup")
    User.objects.filter(pk=olga.pk).update(is_active=False)
    return circle


def seat(user, circle, *, joined, status=Status.ACTIVE, ended=None) -> Membership:
    return Membership.objects.create(
        circle=circle,
        user=user,
        status=status,
        requested_at=joined or NOW - timedelta(days=30),
        joined_at=joined,
        ended_at=ended,
    )


def check_ins(user=None):
    rows = Notification.objects.filter(kind="career_checkin")
    return rows.filter(recipient=user) if user else rows


def test_a_current_member_gets_one_check_in_with_the_career_link(workgroup, bob, mailoutbox):
    seat(bob, workgroup, joined=NOW - relativedelta(months=7))
    assert send_career_check_ins(now=NOW) == 1
    row = check_ins().get()
    assert (row.recipient, row.email, row.dedupe_key) == (
        bob,
        bob.email,
        f"career_checkin:{bob.pk}:1",
    )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [bob.email]
    assert "career check-in" in message.subject
    link = settings.SITE_URL.rstrip("/") + "/profile/career/"
    assert link in message.body
    assert "Do you still hold an academic position?" in message.body
    assert "alumni" not in message.body
    html = message.alternatives[0][0]
    assert f'href="{link}"' in html
    assert "Update your career record" in html


def test_the_link_lands_on_the_confirm_form_and_the_add_form(client, bob):
    client.force_login(bob)
    html = client.get("/profile/career/").content.decode()
    assert "I still hold an academic position" in html
    assert 'action="/profile/career/add/"' in html


def test_a_member_on_leave_gets_one(workgroup, bob, mailoutbox):
    seat(bob, workgroup, joined=NOW - relativedelta(years=1), status=Status.ON_LEAVE)
    assert send_career_check_ins(now=NOW) == 1
    assert check_ins(bob).get().dedupe_key == f"career_checkin:{bob.pk}:2"


def test_a_member_who_joined_less_than_six_months_ago_gets_none_yet(workgroup, bob, mailoutbox):
    seat(bob, workgroup, joined=NOW - relativedelta(months=6) + timedelta(minutes=1))
    assert send_career_check_ins(now=NOW) == 0
    assert send_career_check_ins(now=NOW + timedelta(minutes=1)) == 1
    assert mailoutbox[0].to == [bob.email]


def test_an_alumnus_who_left_two_years_ago_gets_one(workgroup, bob, mailoutbox):
    seat(
        bob,
        workgroup,
        joined=NOW - relativedelta(years=6, days=10),
        status=Status.LEFT,
        ended=NOW - relativedelta(years=2),
    )
    assert send_career_check_ins(now=NOW) == 1
    assert check_ins(bob).get().dedupe_key == f"career_checkin:{bob.pk}:12"
    assert "alumni" in mailoutbox[0].body


def test_a_removed_member_within_five_years_gets_one(workgroup, bob, mailoutbox):
    seat(
        bob,
        workgroup,
        joined=NOW - relativedelta(years=3),
        status=Status.REMOVED,
        ended=NOW - relativedelta(years=4, months=11),
    )
    assert send_career_check_ins(now=NOW) == 1


def test_an_alumnus_who_left_six_years_ago_gets_none(workgroup, bob, mailoutbox):
    seat(
        bob,
        workgroup,
        joined=NOW - relativedelta(years=9),
        status=Status.LEFT,
        ended=NOW - relativedelta(years=6),
    )
    assert send_career_check_ins(now=NOW) == 0
    assert not check_ins().exists()
    assert mailoutbox == []


@pytest.mark.parametrize("status", [Status.REQUESTED, Status.WAITLISTED, Status.DECLINED])
def test_people_never_seated_get_nothing(workgroup, bob, carol, mailoutbox, status):
    seat(bob, workgroup, joined=None, status=status)
    # Declined long ago, in another circle too.
    other = make_circle(carol, name="Another", slug="another")
    seat(bob, other, joined=None, status=Status.DECLINED, ended=NOW - relativedelta(years=1))
    User.objects.filter(pk=carol.pk).update(is_active=False)
    assert send_career_check_ins(now=NOW) == 0
    assert mailoutbox == []


def test_a_deactivated_account_gets_nothing(workgroup, bob, mailoutbox):
    seat(bob, workgroup, joined=NOW - relativedelta(years=1))
    bob.is_active = False
    bob.save()
    assert send_career_check_ins(now=NOW) == 0


def test_running_twice_in_a_period_queues_one_per_person(workgroup, bob, carol, mailoutbox):
    seat(bob, workgroup, joined=NOW - relativedelta(months=7))
    seat(carol, workgroup, joined=NOW - relativedelta(months=8))
    assert send_career_check_ins(now=NOW) == 2
    assert send_career_check_ins(now=NOW) == 0
    assert send_career_check_ins(now=NOW + relativedelta(months=3)) == 0
    assert check_ins(bob).count() == 1
    assert check_ins(carol).count() == 1
    assert len(mailoutbox) == 2


def test_the_next_period_queues_another(workgroup, bob, mailoutbox):
    seat(bob, workgroup, joined=NOW - relativedelta(months=7))
    send_career_check_ins(now=NOW)
    assert send_career_check_ins(now=NOW + relativedelta(months=5)) == 1
    assert sorted(check_ins(bob).values_list("dedupe_key", flat=True)) == [
        f"career_checkin:{bob.pk}:1",
        f"career_checkin:{bob.pk}:2",
    ]
    assert len(mailoutbox) == 2


def test_periods_count_from_the_first_time_the_person_joined_any_circle(
    workgroup, bob, carol, mailoutbox
):
    other = make_circle(carol, name="Another", slug="another")
    seat(
        bob,
        other,
        joined=NOW - relativedelta(years=3, days=2),
        status=Status.LEFT,
        ended=NOW - relativedelta(years=1),
    )
    seat(bob, workgroup, joined=NOW - relativedelta(months=2))
    send_career_check_ins(now=NOW)
    assert check_ins(bob).get().dedupe_key == f"career_checkin:{bob.pk}:6"


def test_someone_who_confirmed_this_period_is_not_asked_again(workgroup, bob, mailoutbox):
    seat(bob, workgroup, joined=NOW - relativedelta(months=7))
    User.objects.filter(pk=bob.pk).update(position_confirmed_at=NOW - timedelta(days=3))
    assert send_career_check_ins(now=NOW) == 0
    # Confirmed before this period began: asked.
    User.objects.filter(pk=bob.pk).update(position_confirmed_at=NOW - relativedelta(months=2))
    assert send_career_check_ins(now=NOW) == 1


@pytest.mark.parametrize(
    ("start", "now", "periods"),
    [
        ("2026-01-31", "2026-07-30", 0),
        ("2026-01-31", "2026-07-31", 1),
        ("2025-08-31", "2026-02-28", 1),  # month ends clamp, as relativedelta does
        ("2020-03-15", "2026-03-14", 11),
        ("2020-03-15", "2026-03-15", 12),
    ],
)
def test_periods_since_counts_whole_six_month_periods(start, now, periods):
    def day(text):
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    assert periods_since(day(start), day(now)) == periods


def _selection_queries(workgroup, count: int) -> int:
    """Queries of a run in which `count` people are due and all were already sent."""
    for _ in range(count):
        seat(UserFactory(), workgroup, joined=NOW - relativedelta(years=1))
    send_career_check_ins(now=NOW)
    assert check_ins().count() == count
    with CaptureQueriesContext(connection) as ctx:
        assert send_career_check_ins(now=NOW) == 0
    return len(ctx)


def test_selection_query_count_does_not_grow_with_people(workgroup, mailoutbox):
    few = _selection_queries(workgroup, 5)
    Notification.objects.all().delete()
    User.objects.update(is_active=False)  # the first five are done with
    many = _selection_queries(workgroup, 50)
    assert few == many == 2


def test_the_task_sends_the_check_ins(workgroup, bob, mailoutbox):
    seat(bob, workgroup, joined=datetime.now(UTC) - relativedelta(months=7))
    assert tasks.send_career_check_ins() == 1
    assert tasks.send_career_check_ins() == 0
    assert len(mailoutbox) == 1


def test_beat_runs_the_check_ins_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["send-career-check-ins"]
    assert entry["task"] == "members.tasks.send_career_check_ins"
    assert entry["schedule"] == 24 * 60 * 60
