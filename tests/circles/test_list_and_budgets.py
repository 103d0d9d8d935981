import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from circles.models import Circle, Membership, Topic
from tests.factories import InstitutionFactory, UserFactory, make_circle

pytestmark = pytest.mark.django_db

LIST = reverse("circles:list")


def names(response) -> list[str]:
    return [c.name for c in response.context["page"].object_list]


@pytest.fixture
def catalogue(alice, program):
    grants = Topic.objects.get(slug="grant-writing")
    burnout = Topic.objects.get(slug="burnout")
    a = make_circle(
        alice,
        name="Grant Writers",
        kind=Circle.Kind.WORKGROUP,
        program=program,
        meeting_format="in_person",
        capacity=None,
        description="NIH K awards",
    )
    a.topics.add(grants)
    b = make_circle(alice, name="Burnout Circle", capacity=2, meeting_format="online")
    b.topics.add(burnout)
    Membership.objects.create(circle=b, user=UserFactory(), status="active")  # now full
    make_circle(alice, name="Hidden Circle", visibility="unlisted")
    make_circle(alice, name="Old Circle", status="archived")
    return a, b


def test_list_shows_only_listed_open_circles_to_anyone(client, catalogue):
    assert names(client.get(LIST)) == ["Burnout Circle", "Grant Writers"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "workgroup"}, ["Grant Writers"]),
        ({"kind": "peer_circle"}, ["Burnout Circle"]),
        ({"program": "wim"}, ["Grant Writers"]),
        ({"topic": "burnout"}, ["Burnout Circle"]),
        ({"meeting_format": "in_person"}, ["Grant Writers"]),
        ({"open_seats": "on"}, ["Grant Writers"]),
        ({"q": "nih"}, ["Grant Writers"]),
        ({"q": "burnout"}, ["Burnout Circle"]),  # by topic name too
        ({"q": "hidden"}, []),
    ],
)
def test_filters_and_search(client, catalogue, query, expected):
    assert names(client.get(LIST, query)) == expected


def test_unknown_filter_values_are_a_400_with_the_form_errors(client, catalogue):
    response = client.get(LIST, {"kind": "cult", "program": "nope"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"kind", "program"}


def test_cards_show_kind_members_capacity_institutions_and_policy(client, catalogue):
    html = client.get(LIST).content.decode()
    assert "Research workgroup" in html
    assert "2 of 2" in html  # Burnout Circle is full
    assert "By request" in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_circle_list_queries_do_not_grow_with_circles(client, alice, bob):
    client.force_login(bob)
    counts = []
    for total in (5, 50):
        while Circle.objects.count() < total:
            c = make_circle(alice, members=[UserFactory()])
            c.topics.add(*Topic.objects.all()[:3])
        counts.append(_queries(client, LIST))
    assert counts[0] == counts[1] <= 10


def test_circle_page_queries_do_not_grow_with_members(client, alice, bob, circle):
    client.force_login(bob)
    counts = []
    for total in (5, 50):
        while circle.memberships.seated().count() < total:
            Membership.objects.create(
                circle=circle,
                user=UserFactory(institution=InstitutionFactory()),
                status="active",
            )
        counts.append(_queries(client, circle.get_absolute_url()))
    # session, user, circle, seated rows (bob's own among them), topics, meetings
    assert counts[0] == counts[1] <= 6


def test_members_page_queries_do_not_grow_with_members(client, alice, circle):
    client.force_login(alice)
    counts = []
    for total in (5, 50):
        while circle.memberships.count() < total:
            Membership.objects.create(
                circle=circle, user=UserFactory(), status="requested" if total == 50 else "active"
            )
        counts.append(_queries(client, reverse("circles:members", kwargs={"slug": circle.slug})))
    assert counts[0] == counts[1] <= 10


def test_dashboard_queries_do_not_grow_with_my_circles(client, alice, bob):
    client.force_login(bob)
    counts = []
    for total in (2, 20):
        while bob.memberships.count() < total:
            make_circle(alice, members=[bob])
        counts.append(_queries(client, "/"))
    assert counts[0] == counts[1] <= 8


def test_the_list_is_paginated(client, alice):
    for i in range(25):
        make_circle(alice, name=f"Circle {i:02d}")
    first = client.get(LIST)
    assert len(first.context["page"].object_list) == 20
    second = client.get(LIST, {"page": 2})
    assert names(second) == [f"Circle {i:02d}" for i in range(20, 25)]
    assert client.get(LIST, {"page": "zzz"}).status_code == 200
