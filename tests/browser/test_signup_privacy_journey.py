"""Sign-up does not tell a visitor which addresses have accounts (S7), and what a signed-in
person sees is never kept by caches (S8)."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def sign_up(page, live_server, email: str) -> tuple[int, str]:
    """Fill in the sign-up form; return the status and the visible text of the answer."""
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    expect(page).to_have_title("Sign up · Roundtable")
    page.get_by_label("Full name").fill("Someone New")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label(re.compile("Password \\(again\\)|Repeat password|Confirm")).fill(NEW_PASSWORD)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify your email address")
    return navigation.value.status, page.locator("main").inner_text().replace(email, "ADDRESS")


def test_signing_up_with_a_registered_email_looks_like_any_sign_up(
    live_server, page, bob, mailoutbox, screenshot, assert_accessible
):
    new_status, new_text = sign_up(page, live_server, "newcomer@example.org")
    screenshot("signup-new-address")
    page.context.clear_cookies()  # a fresh visitor
    existing_status, existing_text = sign_up(page, live_server, "bob@example.org")
    screenshot("signup-registered-address")
    assert_accessible("sign-up answer")

    assert new_status == existing_status == 200
    assert new_text == existing_text
    assert "already" not in existing_text.lower()
    # Bob learns by email that someone tried; the newcomer gets a confirmation link.
    to_bob = [m for m in mailoutbox if m.to == ["bob@example.org"]]
    assert len(to_bob) == 1 and "You already have an account" in to_bob[0].body
    to_new = [m for m in mailoutbox if m.to == ["newcomer@example.org"]]
    assert len(to_new) == 1 and "/accounts/confirm-email/" in to_new[0].body


def test_visitor_logs_in_to_see_a_circles_meetings_and_nothing_is_cached(
    live_server, page, alice, circle, screenshot
):
    from meetings import actions
    from meetings.models import Format

    meeting = actions.schedule(
        circle,
        day=timezone.localdate() + timedelta(days=5),
        at=time(12),
        minutes=60,
        zone="America/Detroit",
        details=actions.Details("Journal club", Format.ONLINE, "https://example.org/meet"),
        by=alice,
    )
    url = f"{live_server.url}/circles/{circle.slug}/meetings/"

    # A visitor following a shared link is asked to log in, then lands on the page.
    page.goto(url)
    expect(page).to_have_title("Log in · Roundtable")
    page.get_by_label("Email").fill("bob@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(lambda r: r.url == url) as answer:
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=re.compile("Journal club"))).to_be_visible()
    screenshot("circle-meetings-after-login")
    assert answer.value.status == 200
    assert answer.value.headers["cache-control"] == "private, no-store"

    # Downloads too: the meeting's .ics.
    with page.expect_response(re.compile(r"/meeting\.ics$")) as ics:
        page.evaluate("url => fetch(url)", f"{live_server.url}/meetings/{meeting.pk}/meeting.ics")
    assert ics.value.headers["content-type"].startswith("text/calendar")
    assert ics.value.headers["cache-control"] == "private, no-store"
