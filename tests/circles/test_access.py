"""Who may open what: the full cast against every circle page."""

import pytest
from django.urls import reverse

from circles.models import Circle

pytestmark = pytest.mark.django_db

CAST = ["anonymous", "carol", "olga", "bob", "alice", "dana"]

MANAGE_PAGES = ["circles:edit", "circles:charter", "circles:members", "circles:invite"]
# (who, expected status) for organizer-only pages of a listed circle.
MANAGE_EXPECTED = {
    "anonymous": 302,
    "carol": 403,
    "olga": 403,
    "bob": 403,
    "alice": 200,
    "dana": 403,
}


@pytest.fixture
def as_person(client, alice, bob, carol, dana, olga, other_circle):
    people = {"alice": alice, "bob": bob, "carol": carol, "dana": dana, "olga": olga}

    def login(who):
        if who != "anonymous":
            client.force_login(people[who])
        return client

    return login


@pytest.mark.parametrize("who", CAST)
def test_listed_circle_page_shows_the_roster_only_to_members_and_program_admins(
    circle, as_person, who
):
    response = as_person(who).get(circle.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Early Career Circle" in html
    assert "We help each other." in html  # the charter is public
    roster_visible = "Only members of the circle see this list." in html
    assert roster_visible is (who in {"alice", "bob", "dana"})
    assert ("Bob Baker" in html) is roster_visible


@pytest.mark.parametrize("who", CAST)
def test_unlisted_circle_is_404_for_outsiders(circle, as_person, who):
    circle.visibility = Circle.Visibility.UNLISTED
    circle.save()
    response = as_person(who).get(circle.get_absolute_url())
    assert response.status_code == (200 if who in {"alice", "bob", "dana"} else 404)


@pytest.mark.parametrize("page", MANAGE_PAGES)
@pytest.mark.parametrize("who", CAST)
def test_organizer_pages_are_for_organizers(circle, as_person, who, page):
    response = as_person(who).get(reverse(page, kwargs={"slug": circle.slug}))
    assert response.status_code == MANAGE_EXPECTED[who]
    if who == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("page", MANAGE_PAGES)
@pytest.mark.parametrize("who", ["carol", "olga"])
def test_organizer_pages_of_an_unlisted_circle_are_404_for_outsiders(circle, as_person, who, page):
    circle.visibility = Circle.Visibility.UNLISTED
    circle.save()
    assert as_person(who).get(reverse(page, kwargs={"slug": circle.slug})).status_code == 404


@pytest.mark.parametrize("who", CAST)
def test_only_organizers_change_status(circle, as_person, who):
    response = as_person(who).post(
        reverse("circles:status", kwargs={"slug": circle.slug}), {"status": "archive"}
    )
    circle.refresh_from_db()
    assert (circle.status == Circle.Status.ARCHIVED) is (who == "alice")
    assert response.status_code == {"anonymous": 302, "alice": 302}.get(who, 403)


@pytest.mark.parametrize("who", CAST)
def test_only_organizers_act_on_members(circle, as_person, who, bob):
    membership = circle.memberships.get(user=bob)
    url = reverse("circles:member_action", kwargs={"slug": circle.slug, "pk": membership.pk})
    response = as_person(who).post(url, {"action": "make_organizer"})
    membership.refresh_from_db()
    assert membership.is_organizer is (who == "alice")
    assert response.status_code == {"anonymous": 302, "alice": 302}.get(who, 403)


def test_an_organizer_cannot_act_on_another_circles_membership(
    circle, other_circle, alice, client, olga
):
    client.force_login(alice)
    theirs = other_circle.memberships.get(user=olga)
    url = reverse("circles:member_action", kwargs={"slug": circle.slug, "pk": theirs.pk})
    assert client.post(url, {"action": "make_member"}).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "circles:status",
        "circles:member_action",
        "circles:charter_accept",
        "circles:own_leave",
        "circles:invitation_accept",
    ],
)
def test_state_changes_refuse_get(circle, client, alice, bob, name):
    client.force_login(alice)
    kwargs = {"slug": circle.slug}
    if name == "circles:member_action":
        kwargs["pk"] = circle.memberships.get(user=bob).pk
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 405


def test_unknown_circle_is_404(client, alice):
    client.force_login(alice)
    assert client.get("/circles/no-such-circle/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "bob", "carol"])
def test_reports_are_for_program_admins_and_staff(client, who, bob, carol, dana, circle):
    if who != "anonymous":
        client.force_login({"bob": bob, "carol": carol}[who])
    response = client.get(reverse("reports:overview"))
    assert response.status_code == (302 if who == "anonymous" else 403)


def test_program_admin_sees_their_programs_circles_in_reports(client, dana, circle, other_circle):
    client.force_login(dana)
    html = client.get(reverse("reports:overview")).content.decode()
    assert "Early Career Circle" in html and "Other Circle" in html
    assert reverse("reports:overview") in client.get(reverse("home")).content.decode()
