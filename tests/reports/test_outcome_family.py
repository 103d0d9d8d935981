# Seeded pseudo-random data for tests, not secrets.
# ruff: noqa: S311
"""outcome_family: every outcome grouping of a scope from one query equals what the old
per-grouping queries (tests/reports/outcomes_reference.py) returned, on generated data;
the page and the exports get all of them from one family."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles.models import Circle, Membership, Program
from members.models import Milestone, User
from reports import figures
from tests.factories import UserFactory, make_circle

from .outcomes_reference import reference_outcomes, reference_totals

Status = Membership.Status
GENDERS = [*User.Gender.values, ""]
URIMS = [*User.URiM.values, ""]
KINDS = Milestone.Kind.values


def _population(rng: random.Random, alice) -> list[Circle]:
    """Two programs and a circle in none; people in one or two circles (some in two
    circles of one program), rejoiners, alumni, requests never seated, stays that begin
    later than a range's end; milestones of every kind around the joining dates."""
    now = timezone.now()
    first = Program.objects.create(name="Alpha", slug="alpha")
    second = Program.objects.create(name="Beta", slug="beta")
    circles = [
        make_circle(alice, program=first, name="Alpha one"),
        make_circle(alice, program=first, name="Alpha two"),
        make_circle(alice, program=second, name="Beta one"),
        make_circle(alice, program=None, name="Loose"),
    ]
    people = [
        UserFactory(gender=rng.choice(GENDERS), underrepresented_in_medicine=rng.choice(URIMS))
        for _ in range(rng.randint(12, 22))
    ]
    day = lambda n: now - timedelta(days=n)  # noqa: E731
    for person in people:
        for circle in rng.sample(circles, rng.choice([1, 1, 2])):
            joined = rng.randint(30, 1500)
            for _stay in range(rng.choice([1, 1, 2])):
                ended = joined - rng.randint(1, joined - 1) if rng.random() < 0.4 else None
                status = Status.LEFT if ended else rng.choice([Status.ACTIVE, Status.ON_LEAVE])
                Membership.objects.create(
                    circle=circle,
                    user=person,
                    status=status,
                    joined_at=day(joined),
                    ended_at=day(ended) if ended else None,
                    requested_at=day(joined),
                )
                if status != Status.LEFT or ended is None or ended < 3:
                    break  # one seat at a time: a second stay only after leaving
                joined = rng.randint(1, ended - 1)
        if rng.random() < 0.2:  # asked to join another circle, never seated
            circle = rng.choice(circles)
            if not Membership.objects.filter(
                circle=circle, user=person, status__in=Membership.SEATED
            ).exists():
                Membership.objects.create(
                    circle=circle, user=person, status=Status.REQUESTED, requested_at=now
                )
        stays = list(Membership.objects.filter(user=person, joined_at__isnull=False))
        for _ in range(rng.randint(0, 6)):
            kind = rng.choice(KINDS)
            # Some on a joining day (counted since joining: the bound is inclusive).
            on_joining = stays and rng.random() < 0.3
            when = rng.choice(stays).joined_at if on_joining else day(rng.randint(-60, 1600))
            Milestone.objects.create(
                member=person,
                kind=kind,
                date=when.date(),  # a few in the future
                title=kind,
                in_academia=rng.choice([True, False])
                if kind == Milestone.Kind.POSITION_CHANGE
                else None,
            )
    return circles


def _scopes(circles: list[Circle]) -> list[figures.Scope]:
    now = timezone.now()
    every = Circle.objects.filter(pk__in=[c.pk for c in circles])
    alpha = Circle.objects.filter(program__slug="alpha")
    return [
        figures.Scope(circles=every),
        figures.Scope(circles=alpha),
        figures.Scope(circles=Circle.objects.filter(pk=circles[3].pk)),
        figures.Scope(circles=every, start=now - timedelta(days=700)),
        figures.Scope(circles=every, end=now - timedelta(days=400)),
        figures.Scope(
            circles=alpha, start=now - timedelta(days=1000), end=now - timedelta(days=200)
        ),
        figures.Scope(circles=Circle.objects.none()),
    ]


def _plain(rows: list[dict], drop: tuple[str, ...] = ("key",)) -> list[dict]:
    """Rows as the old queries returned them (no key; numbers as int)."""
    out = []
    for row in rows:
        row = {k: v for k, v in row.items() if k not in drop}
        for column in ("members", "current", "women", "retained", "with_cda", *figures.COUNTS):
            row[column] = int(row[column] or 0)
        out.append(row)
    return out


# Circle rows carry their program (reports/suppression.py nests them); the old ones did not.
CIRCLE = ("key", "program_id")


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_family_equals_the_old_per_grouping_queries_on_generated_data(seed, alice):
    circles = _population(random.Random(seed), alice)
    for scope in _scopes(circles):
        family = figures.outcome_family(scope)
        assert set(family) == set(figures.FAMILY)
        assert _plain(family["all"]) == _plain([reference_totals(scope)])
        for by in ("program", "circle", "cohort", "gender", "urim"):
            drop = CIRCLE if by == "circle" else ("key",)
            old = reference_outcomes(scope, by=by)
            assert _plain(family[by], drop) == _plain(old, drop), (scope, by)
        # The wrappers finish the same rows the old functions finished.
        old_total = figures._finish_outcome(reference_totals(scope))
        assert _plain([figures.outcome_totals(scope)]) == _plain([old_total])
        for by in ("program", "circle"):
            old = [figures._finish_outcome(r) for r in reference_outcomes(scope, by=by)]
            drop = CIRCLE if by == "circle" else ("key",)
            assert _plain(figures.outcomes(scope, by=by), drop) == _plain(old, drop)
        # Joining years are published as periods of at least K members where possible.
        years = [{**r, "key": int(r["label"])} for r in reference_outcomes(scope, by="cohort")]
        old = [figures._finish_outcome(r) for r in figures.cohort_periods(years)]
        assert _plain(figures.outcomes(scope, by="cohort")) == _plain(old)
        for by, labels in figures.BREAKDOWNS.items():
            old = [
                {**figures._finish_outcome(r), "label": labels.get(r["label"] or "", r["label"])}
                for r in reference_outcomes(scope, by=by)
            ]
            assert _plain(figures.outcomes(scope, by=by)) == _plain(old)


def test_generated_data_exercises_every_case(alice):
    # The comparison above means something only if the data has overlaps, rejoiners,
    # alumni, not-given demographics and counted milestones.
    circles = _population(random.Random(3), alice)
    family = figures.outcome_family(figures.Scope(circles=Circle.objects.all()))
    assert sum(r["members"] for r in family["circle"]) > family["all"][0]["members"]
    assert family["program"][-1]["label"] == figures.NO_PROGRAM
    total = family["all"][0]
    assert 0 < total["current"] < total["members"] and 0 < total["retained"] < total["members"]
    assert total["grants"] + total["publications"] + total["promotions"] > 0
    assert any(r["key"] == "" for r in family["gender"])
    assert len(family["cohort"]) > 1
    assert Membership.objects.filter(circle__in=circles, joined_at__isnull=True).exists()


def test_family_keys_name_each_row(alice, program):
    circle = make_circle(alice, program=program, name="Keyed")
    family = figures.outcome_family(figures.Scope(circles=Circle.objects.filter(pk=circle.pk)))
    assert family["all"][0]["key"] is None and family["all"][0]["label"] == "All"
    assert [r["key"] for r in family["program"]] == [program.pk]
    assert [(r["key"], r["slug"]) for r in family["circle"]] == [(circle.pk, "keyed")]
    assert [r["program_id"] for r in family["circle"]] == [program.pk]
    [cohort] = family["cohort"]
    assert cohort["key"] == int(cohort["label"]) == (timezone.now() - timedelta(days=365)).year


def test_outcomes_page_computes_the_family_in_one_query(client, dana, program, alice):
    make_circle(alice, program=program, members=UserFactory.create_batch(3))
    client.force_login(dana)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("reports:overview")).status_code == 200
    family = [q for q in queries.captured_queries if "person_program AS" in q["sql"]]
    assert len(family) == 1
