import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Attendance, Meeting, SeriesRSVP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_alice_schedules_a_series_bob_answers_once_then_declines_one_and_sees_his_record(
    live_server,
    page,
    browser,
    alice,
    bob,
    circle,
    log_in,
    screenshot,
    console_errors,
    assert_accessible,
):
    # Alice schedules a monthly series that began three weeks ago.
    log_in(alice)
    page.goto(live_server.url + circle.get_absolute_url())
    page.get_by_role("link", name="Schedule").click()
    start = timezone.localdate() - timedelta(days=21)
    page.get_by_label("Title").fill("Monthly circle")
    page.locator("#id_date").fill(start.isoformat())
    page.get_by_label("Start time").fill("12:00")
    page.get_by_label("Repeat").select_option("monthly_weekday")
    page.get_by_label("Or number of meetings").fill("6")
    assert_accessible("schedule form")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("status")).to_contain_text("Series scheduled: Monthly on the")
    meetings = list(Meeting.objects.filter(circle=circle).order_by("start"))
    assert len(meetings) == 6
    past, upcoming = meetings[0], [m for m in meetings if m.start > timezone.now()]

    # Bob answers once for the whole series, then declines the next meeting only.
    bob_context = browser.new_context(timezone_id="Europe/London")
    log_in(bob, bob_context)
    bob_page = bob_context.new_page()
    bob_page.goto(live_server.url + upcoming[0].get_absolute_url())
    expect(bob_page.get_by_text("(your time,")).to_be_visible()
    bob_page.get_by_role("button", name="I'll come to all of these").click()
    expect(bob_page.get_by_role("status").first).to_contain_text("for every meeting")
    expect(bob_page.locator(f"#rsvp-{upcoming[0].pk}")).to_contain_text(
        "You said yes (for the whole series)"
    )
    # htmx swaps the buttons in place: no page load (a marker on window survives).
    bob_page.evaluate("window.__noReload = true")
    bob_page.locator(f"#rsvp-{upcoming[0].pk}").get_by_role(
        "button", name=re.compile("^No")
    ).click()
    expect(bob_page.locator(f"#rsvp-{upcoming[0].pk}")).to_contain_text("You said no.")
    assert bob_page.evaluate("window.__noReload === true")
    expect(bob_page.locator(f"#rsvp-{upcoming[0].pk} button[value=no]")).to_have_attribute(
        "aria-pressed", "true"
    )
    bob_page.goto(live_server.url + upcoming[1].get_absolute_url())
    expect(bob_page.locator(f"#rsvp-{upcoming[1].pk}")).to_contain_text(
        "You said yes (for the whole series)"
    )
    assert SeriesRSVP.objects.get(user=bob).answer == "yes"
    screenshot_path = screenshot("20-alice-scheduled").parent / "21-bob-rsvp.png"
    bob_page.screenshot(path=str(screenshot_path), full_page=True)

    # Alice records attendance for the meeting that happened.
    page.goto(live_server.url + past.get_absolute_url())
    page.get_by_role("link", name="Record attendance").click()
    page.get_by_label("Bob Baker", exact=True).select_option("present")
    page.get_by_label("Note for Bob Baker").fill("Led the negotiation exercise")
    assert_accessible("attendance form")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("status")).to_contain_text("Attendance saved")

    # Bob sees his own record and who made it.
    bob_page.goto(live_server.url + past.get_absolute_url())
    record = bob_page.get_by_role("region", name="Attendance")
    expect(record).to_contain_text("You are marked present by Alice")
    expect(record).to_contain_text("Led the negotiation exercise")
    bob_page.screenshot(path=str(screenshot_path.parent / "22-bob-attendance.png"), full_page=True)
    assert Attendance.objects.get(meeting=past, user=bob).recorded_by == alice
    assert console_errors == []
    bob_context.close()
