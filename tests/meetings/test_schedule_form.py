"""The scheduling form: proposed on the circle's usual weekday and time (else the next
weekday evening), and the repeat fields of each rule only with that rule."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from meetings import actions

pytestmark = pytest.mark.django_db

DETROIT = ZoneInfo("America/Detroit")


def initial(client, circle) -> dict:
    response = client.get(reverse("meetings:schedule", kwargs={"slug": circle.slug}))
    assert response.status_code == 200
    form = response.context["form"]
    return {name: form[name].value() for name in ("date", "start_time", "duration_minutes")}


def test_a_new_circle_is_proposed_the_next_weekday_evening(client, alice, circle):
    client.force_login(alice)
    today = datetime.now(DETROIT).date()
    values = initial(client, circle)
    day = date.fromisoformat(values["date"])
    assert day.weekday() < 5 and 1 <= (day - today).days <= 3
    assert values["start_time"] == "18:00"


@pytest.mark.parametrize(
    ("now", "proposed"),
    [
        ("2026-03-07 15:00", "2026-03-09"),  # a Saturday: Monday, not a Sunday
        ("2026-03-08 15:00", "2026-03-09"),  # a Sunday
        ("2026-03-10 15:00", "2026-03-11"),  # a Tuesday: Wednesday
        ("2026-03-13 23:30", "2026-03-16"),  # Friday night in Detroit (Saturday in UTC)
    ],
)
def test_the_weekday_evening_skips_the_weekend_in_the_circles_zone(
    client, alice, circle, now, proposed
):
    client.force_login(alice)
    with time_machine.travel(datetime.fromisoformat(now).replace(tzinfo=DETROIT), tick=False):
        assert initial(client, circle)["date"] == proposed


def test_a_circle_is_proposed_its_usual_weekday_time_and_length(client, alice, circle, details):
    today = datetime.now(DETROIT).date()
    tuesdays = [today - timedelta(days=(today.weekday() - 1) % 7 + 7 * n) for n in (1, 2, 3)]
    for day in tuesdays:
        actions.schedule(
            circle,
            day=day,
            at=time(17, 30),
            minutes=75,
            zone="America/Detroit",
            details=details,
            by=alice,
        )
    # One odd meeting does not change the habit.
    actions.schedule(
        circle,
        day=today - timedelta(days=2),
        at=time(9),
        minutes=30,
        zone="America/Detroit",
        details=details,
        by=alice,
    )
    client.force_login(alice)
    values = initial(client, circle)
    day = date.fromisoformat(values["date"])
    assert day.weekday() == 1 and 1 <= (day - today).days <= 7
    assert (values["start_time"], values["duration_minutes"]) == ("17:30", 75)


def test_each_repeat_field_is_marked_with_the_rule_it_belongs_to(client, alice, circle):
    client.force_login(alice)
    html = client.get(reverse("meetings:schedule", kwargs={"slug": circle.slug})).content.decode()
    assert 'class="mb-4 repeat-rule"' in html
    assert '<div class="col-sm-4" data-repeat-for="weekly">' in html
    assert '<div class="col-sm-8" data-repeat-for="monthly_weekday">' in html
    assert '<div class="row" data-repeat-for="any">' in html
