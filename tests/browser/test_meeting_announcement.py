"""Issue 11, N3/N4 in Chromium: alice schedules a meeting; bob, in Chicago, gets the
announcement and answers from its link without signing in, reading his own time."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import RSVP, Meeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_alice_schedules_a_meeting_and_bob_answers_from_the_email_in_his_time(
    live_server,
    page,
    browser,
    alice,
    bob,
    circle,
    log_in,
    mailoutbox,
    screenshot,
    console_errors,
):
    bob.timezone = "America/Chicago"
    bob.save()
    log_in(alice)
    page.goto(live_server.url + circle.get_absolute_url())
    page.get_by_role("link", name="Schedule").click()
    page.get_by_label("Title").fill("Grant clinic")
    page.locator("#id_date").fill((timezone.localdate() + timedelta(days=4)).isoformat())
    page.get_by_label("Start time").fill("12:00")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("status").first).to_contain_text("The meeting is scheduled")
    meeting = Meeting.objects.get(title="Grant clinic")

    [message] = [m for m in mailoutbox if "New meeting" in m.subject]
    assert message.to == [bob.email]
    link = re.search(r"^Yes:\s+https?://\S+?(/rsvp/\S+)$", message.body, re.MULTILINE)[1]

    # Bob opens the link on a device that is not signed in, set to another zone.
    bob_context = browser.new_context(timezone_id="Europe/Paris")
    bob_page = bob_context.new_page()
    bob_page.goto(live_server.url + link)
    chicago = meeting.start.astimezone(ZoneInfo("America/Chicago"))
    expect(bob_page.get_by_text(f"{chicago:%H:%M}–", exact=False)).to_contain_text(
        "(America/Chicago)"
    )
    expect(bob_page.get_by_text("circle time (America/Detroit)", exact=False)).to_be_visible()
    assert not RSVP.objects.exists()  # opening the link answered nothing
    bob_page.get_by_role("button", name="Answer “yes”").click()
    expect(bob_page.get_by_role("status")).to_contain_text("your answer “yes” is recorded")
    assert RSVP.objects.get(meeting=meeting, user=bob).answer == "yes"
    bob_page.screenshot(
        path=str(screenshot("30-alice-scheduled-meeting").parent / "31-bob-rsvp-link.png"),
        full_page=True,
    )
    assert console_errors == []
