"""Answers to a signed-in person are never stored by a shared proxy or the browser's disk
cache: every page and download says `Cache-Control: private, no-store`."""

import pytest
from django.urls import reverse

from .routes import ROUTES, good_values, url_for

pytestmark = pytest.mark.django_db


def assert_private_no_store(response, what: str) -> None:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, f"{what}: {response.get('Cache-Control')}"


def test_every_page_a_signed_in_person_opens_is_private_and_not_stored(client, world, dana):
    from members.models import User

    alice = User.objects.get(email="alice@example.org")
    opened = set()
    for who in (alice, dana):  # the organizer, and the program admin for the reports
        client.force_login(who)
        for name, template in ROUTES:
            if name == "account_logout":
                continue  # its GET asks to confirm; logging out would end the sweep
            url = url_for(template, good_values(world, name))
            response = client.get(url)
            if response.status_code == 200:
                opened.add(name)
                assert_private_no_store(response, f"{who} {url}")
    # The sweep reached the pages that matter, not just error pages.
    for name in ("home", "members:profile", "circles:detail", "meetings:detail", "reports:csv"):
        assert name in opened


def test_downloads_for_a_signed_in_person_are_private_and_not_stored(client, world, dana):
    from members.models import User

    client.force_login(User.objects.get(email="alice@example.org"))
    ics = client.get(reverse("meetings:ics", args=[world["pk"]]))
    assert ics["Content-Type"].startswith("text/calendar")
    assert_private_no_store(ics, "meeting .ics")
    organizer_csv = client.get(
        reverse("reports:circle_participation_csv", args=[world["slug"], "participation"])
    )
    assert organizer_csv.status_code == 200
    assert_private_no_store(organizer_csv, "circle CSV")

    client.force_login(dana)
    report_csv = client.get(reverse("reports:csv", args=["participation"]))
    assert report_csv["Content-Type"].startswith("text/csv")
    assert_private_no_store(report_csv, "report CSV")
    workbook = client.post(reverse("reports:workbook", args=["workbook"]))
    assert workbook.status_code == 200
    assert "spreadsheetml" in workbook["Content-Type"]
    assert_private_no_store(workbook, "workbook")


def test_the_calendar_feed_keeps_its_short_private_cache_for_calendar_apps(client, alice):
    from meetings.models import CalendarFeed

    feed = CalendarFeed.objects.create(user=alice, token="feed-token-for-the-test")
    response = client.get(reverse("meetings:feed", args=[feed.token]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=300"


def test_visitor_pages_keep_their_default_caching(client, db):
    assert "no-store" not in client.get(reverse("home")).get("Cache-Control", "")


def test_visitor_is_sent_to_log_in_from_a_circles_meetings_page(client, circle):
    url = reverse("meetings:circle_meetings", args=[circle.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("path", ["/rsvp/x/", "/surveys/x/", "/invitations/x/"])
def test_pages_opened_by_an_emailed_token_are_never_stored(client, path):
    """No one is signed in there, but the page is about one person: never kept by a cache."""
    response = client.get(path)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
