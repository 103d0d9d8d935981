"""The research export is k-anonymous (k = 5) over its quasi-identifiers, on the demo data
and on generated data, and gives per-person survey means only from 3 answers on."""

import io
import random
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from circles.models import Circle, Membership, Program
from meetings.facts import rebuild_facts
from meetings.models import Meeting, Survey
from members.models import Institution, User
from reports import disclosure, exports, figures
from tests.factories import UserFactory, make_circle

QIS = exports.QUASI_IDENTIFIER_COLUMNS


def _grant_research(user) -> None:
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="export_research"))


def _research_export(client, data: dict) -> tuple[list[dict], dict, dict]:
    """The Members sheet as dicts, the data dictionary and the About sheet."""
    response = client.post(reverse("reports:workbook", args=["research"]), data)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book["Members"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    # openpyxl reads empty cells as None: the published value is "empty" either way.
    members = [{k: ("" if v is None else v) for k, v in zip(header, r, strict=True)} for r in body]
    dictionary = {r[0]: r[1] for r in book["Data dictionary"].iter_rows(values_only=True)}
    about = {r[0]: r[1] if len(r) > 1 else None for r in book["About"].iter_rows(values_only=True)}
    return members, dictionary, about


def _assert_k_anonymous(rows: list[dict]) -> None:
    sizes = disclosure.class_sizes(rows, QIS)
    assert all(n >= disclosure.K for n in sizes.values()), sizes


def _assert_means_need_three_answers(rows: list[dict]) -> None:
    for row in rows:
        if row["surveys_answered"] < 3:
            assert row["mean_usefulness"] in ("", None)
            assert row["mean_recommend"] in ("", None)


# --- the demo ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_research_export_is_k_anonymous_in_every_scope(client):
    call_command("seed_demo", allow_production=True, verbosity=0)
    staff = UserFactory(is_staff=True)
    _grant_research(staff)
    client.force_login(staff)
    raw = figures.research_rows(figures.Scope(circles=Circle.objects.all()))
    # The hole: most people are unique on circle + institution + join year alone.
    unique = Counter((r["circle"], r["institution"], r["first_joined"].year) for r in raw)
    assert sum(1 for r in raw if unique[r["circle"], r["institution"], r["first_joined"].year] == 1)
    scopes = [{}] + [{"program": p.slug} for p in Program.objects.all()]
    scopes += [{"circle": c.slug} for c in Circle.objects.all()]
    published = 0
    for data in scopes:
        rows, dictionary, about = _research_export(client, data)
        _assert_k_anonymous(rows)
        _assert_means_need_three_answers(rows)
        published += len(rows)
        assert "k = 5" in dictionary["(rule)"] and "3 answers" in dictionary["(rule)"]
        assert "k = 5" in about["Disclosure control"]
        withheld = int(str(about["Rows withheld"]).split()[0])
        total = len(rows) + withheld
        assert withheld <= int(total * disclosure.MAX_WITHHELD_SHARE) or total < disclosure.K
        for column in QIS:
            assert f"Generalized: {column}" in about
    assert published > 0
    # Who in the demo answered fewer than 3 surveys depends on the users' primary keys
    # (the demo's answers are drawn per meeting and user id), so the 3-answer rule is
    # proved on fixed data in test_a_per_person_survey_mean_needs_three_answers.


# --- generated data ---------------------------------------------------------------------


@pytest.mark.django_db
def test_research_export_of_many_generated_members_is_k_anonymous(client, dana, program):
    rng = random.Random(20240611)  # noqa: S311 (fixed: the same members on every run)
    institutions = [Institution.objects.create(name=f"Hospital {i}") for i in range(7)]
    now = timezone.now()
    circles = [
        make_circle(UserFactory(), program=program, name=f"Generated {i}", kind=kind)
        for i, kind in enumerate([Circle.Kind.PEER_CIRCLE, Circle.Kind.WORKGROUP] * 2)
    ]
    meetings = {
        c.pk: [
            Meeting.objects.create(
                circle=c,
                title="Monthly",
                start=now - timedelta(days=30 * n + 3),
                end=now - timedelta(days=30 * n + 3) + timedelta(hours=1),
                timezone="UTC",
                meeting_format="online",
            )
            for n in range(1, 6)
        ]
        for c in circles
    }
    for n in range(90):
        user = UserFactory(
            institution=rng.choice(institutions),
            gender=rng.choice([*User.Gender.values, ""]),
            underrepresented_in_medicine=rng.choice([*User.URiM.values, ""]),
            career_stage=rng.choice(User.CareerStage.values),
            profession=rng.choice(User.Profession.values),
        )
        circle = rng.choice(circles)
        joined = now - timedelta(days=rng.randint(200, 3000))
        left = rng.random() < 0.3
        Membership.objects.create(
            circle=circle,
            user=user,
            status=Membership.Status.LEFT if left else Membership.Status.ACTIVE,
            joined_at=joined,
            requested_at=joined,
            ended_at=now - timedelta(days=rng.randint(1, 150)) if left else None,
        )
        for meeting in rng.sample(meetings[circle.pk], rng.randint(0, 5)):
            Survey.objects.create(
                meeting=meeting,
                user=user,
                token_hash=f"{meeting.pk}-{n}",
                expires_at=now,
                answered_at=now,
                usefulness=rng.randint(1, 5),
                recommend=rng.randint(0, 10),
            )
    rebuild_facts()  # rows written around the actions
    _grant_research(dana)
    client.force_login(dana)
    for data in [{}, {"circle": circles[0].slug}, {"kind": Circle.Kind.WORKGROUP}]:
        rows, _dictionary, _about = _research_export(client, data)
        _assert_k_anonymous(rows)
        _assert_means_need_three_answers(rows)
        assert rows, data
    rows, _dictionary, _about = _research_export(client, {})
    assert any(r["mean_usefulness"] not in ("", None) for r in rows)  # shown from 3 answers


QI_VALUES = {
    "tenure_years": st.integers(0, 12),
    "left_year": st.one_of(st.none(), st.integers(2015, 2026)),
    "joined_year": st.integers(2012, 2026),
    "institution_id": st.sampled_from(["", "I-a", "I-b", "I-c", "I-d", "I-e"]),
    "profession": st.sampled_from(User.Profession.values),
    "career_stage": st.sampled_from([*User.CareerStage.values, ""]),
    "current": st.sampled_from([0, 1]),
    "gender": st.sampled_from([*User.Gender.values, ""]),
    "urim": st.sampled_from([*User.URiM.values, ""]),
    "program": st.sampled_from(["wim", "ccr", ""]),
    "circle_kind": st.sampled_from(Circle.Kind.values),
    "circle_id": st.sampled_from([f"C-{i}" for i in range(6)]),
}
ROWS = st.lists(st.fixed_dictionaries(QI_VALUES), max_size=120)


@settings(max_examples=60, deadline=None)
@given(ROWS)
def test_anonymize_makes_any_rows_k_anonymous_and_withholds_few(rows):
    for n, row in enumerate(rows):
        row["member_id"] = f"M-{n}"
    result = disclosure.anonymize(rows, exports.RESEARCH_QUASI_IDENTIFIERS)
    if result.rows:
        assert disclosure.smallest_class(result.rows, QIS) >= disclosure.K
    assert result.withheld == len(rows) - len(result.rows)
    allowed = int(len(rows) * disclosure.MAX_WITHHELD_SHARE)
    assert result.withheld <= allowed or len(rows) < disclosure.K
    kept = {r["member_id"] for r in result.rows}
    assert len(kept) == len(result.rows)  # each row at most once, none invented
    # Deterministic: the same rows give the same export.
    again = disclosure.anonymize([dict(r) for r in rows], exports.RESEARCH_QUASI_IDENTIFIERS)
    assert again.rows == result.rows and again.applied == result.applied


def test_anonymize_keeps_a_group_that_is_already_safe_as_it_is():
    row = dict.fromkeys(QIS, "x")
    result = disclosure.anonymize([dict(row) for _ in range(5)], exports.RESEARCH_QUASI_IDENTIFIERS)
    assert result.withheld == 0 and all(not steps for steps in result.applied.values())
    assert result.rows[0]["gender"] == "x"


def test_a_scope_of_fewer_than_k_rows_is_withheld_whole():
    rows = [dict.fromkeys(QIS, "x") for _ in range(4)]
    result = disclosure.anonymize(rows, exports.RESEARCH_QUASI_IDENTIFIERS)
    assert result.rows == [] and result.withheld == 4


# --- survey means and ids ---------------------------------------------------------------


@pytest.mark.parametrize(("answers", "shown"), [(0, False), (1, False), (2, False), (3, True)])
def test_a_per_person_survey_mean_needs_three_answers(answers, shown):
    assert (exports._mean(4.0, answers) is not None) is shown


@pytest.mark.django_db
def test_member_ids_differ_between_scopes_and_between_a_persons_circles(client, dana, program):
    members = [UserFactory() for _ in range(6)]
    one = make_circle(members[0], members=members[1:], program=program, name="One")
    two = make_circle(members[0], members=members[1:], program=program, name="Two")
    _grant_research(dana)
    client.force_login(dana)
    first, *_ = _research_export(client, {"circle": one.slug})
    again, *_ = _research_export(client, {"circle": one.slug})
    other, *_ = _research_export(client, {"circle": two.slug})
    ids = {r["member_id"] for r in first}
    assert len(ids) == 6 and ids == {r["member_id"] for r in again}
    assert not ids & {r["member_id"] for r in other}
    # The same six people sit in both circles: their rows are not linked by an id.
    both, *_ = _research_export(client, {"program": program.slug})
    assert len(both) == 12 and len({r["member_id"] for r in both}) == 12


@pytest.mark.django_db
def test_a_mean_of_an_optional_score_counts_only_the_answers_that_gave_one(program):
    """Three answered surveys but one "recommend" score: that one score is not a mean."""
    now = timezone.now()
    circle = make_circle(UserFactory(), program=program, name="Optional scores")
    meetings = [
        Meeting.objects.create(
            circle=circle,
            title="Monthly",
            start=now - timedelta(days=30 * n),
            end=now - timedelta(days=30 * n) + timedelta(hours=1),
            timezone="UTC",
            meeting_format="online",
        )
        for n in range(1, 4)
    ]
    for n in range(6):
        user = UserFactory()
        joined = now - timedelta(days=400)
        Membership.objects.create(
            circle=circle,
            user=user,
            status=Membership.Status.ACTIVE,
            joined_at=joined,
            requested_at=joined,
        )
        for i, meeting in enumerate(meetings):
            Survey.objects.create(
                meeting=meeting,
                user=user,
                token_hash=f"opt-{meeting.pk}-{n}",
                expires_at=now,
                answered_at=now,
                usefulness=4,
                recommend=9 if i == 0 else None,
            )
    rebuild_facts()  # rows written around the actions
    result = exports.research_result(figures.Scope(circles=Circle.objects.filter(pk=circle.pk)))
    mine = [r for r in result.rows if r["surveys_answered"] == 3]
    assert mine and all(r["mean_usefulness"] == 4 for r in mine)
    assert all(r["mean_recommend"] is None for r in mine)
    # The meeting's own summary follows the same rule.
    summary = Survey.objects.filter(meeting=meetings[0]).summary(with_comments=False)
    assert summary["shown"] and summary["recommend"] == 9
    summary = Survey.objects.filter(meeting=meetings[1]).summary(with_comments=False)
    assert summary["shown"] and summary["usefulness"] == 4 and summary["recommend"] is None
