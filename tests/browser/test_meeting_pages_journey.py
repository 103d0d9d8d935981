"""The meeting pages in Chromium: an answer changes every part of the page it affects,
keeps focus on the button and is announced (and works without JavaScript); a past meeting
shows the past's controls only; the scheduling form shows the fields of the chosen rule
only, with or without JavaScript, on the circle's usual weekday."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings import actions
from meetings.models import RSVP, Format

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def schedule(circle, alice, *, days: int, title: str):
    details = actions.Details(
        title=title, meeting_format=Format.ONLINE, video_link="https://example.org/meet"
    )
    return actions.schedule(
        circle,
        day=timezone.localdate() + timedelta(days=days),
        at=time(12),
        minutes=60,
        zone="America/Detroit",
        details=details,
        by=alice,
    )


def test_bob_says_no_and_the_whole_page_agrees_with_focus_kept_and_announced(
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
    meeting = schedule(circle, alice, days=10, title="Spring circle")
    actions.rsvp(meeting, bob, answer="yes")
    log_in(bob)
    page.goto(live_server.url + meeting.get_absolute_url())
    who = page.locator(f"#who-is-coming-{meeting.pk}")
    expect(who.locator("li[data-answer=yes]")).to_contain_text("Bob Baker")
    page.evaluate("window.__noReload = true")

    # Keyboard: focus "No" and press Enter.
    no = page.locator(f"#rsvp-{meeting.pk}-no")
    no.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#rsvp-{meeting.pk}")).to_contain_text("You said no.")
    expect(who.locator("li[data-answer=no]")).to_contain_text("No (1)")
    expect(who.locator("li[data-answer=no]")).to_contain_text("Bob Baker")
    expect(who.locator("li[data-answer=yes]")).not_to_contain_text("Bob Baker")
    expect(page.locator("#live-announcer")).to_have_text("You answered no for Spring circle.")
    expect(page.locator("#live-announcer")).to_have_attribute("aria-live", "polite")
    # Focus stays on the pressed button, now pressed, not on <body>.
    assert page.evaluate("document.activeElement.id") == f"rsvp-{meeting.pk}-no"
    expect(no).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.__noReload === true")
    # And again from the swapped buttons (the page marker travels with them).
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == f"rsvp-{meeting.pk}-yes"
    page.keyboard.press("Enter")
    expect(who.locator("li[data-answer=yes]")).to_contain_text("Bob Baker")
    assert page.evaluate("document.activeElement.id") == f"rsvp-{meeting.pk}-yes"
    assert RSVP.objects.get(meeting=meeting, user=bob).answer == "yes"
    assert_accessible("meeting page after an answer")
    screenshot("30-bob-answers-in-place")

    # The meetings list and the dashboard: the buttons change, the answer is announced,
    # and no out-of-band block is sent that the page does not have.
    for url in ("/meetings/", "/"):
        page.goto(live_server.url + url)
        row = page.locator(f"#rsvp-{meeting.pk}")
        row.get_by_role("button", name=re.compile("^Maybe")).click()
        expect(row).to_contain_text("You said maybe.")
        expect(page.locator("#live-announcer")).to_have_text(
            "You answered maybe for Spring circle."
        )
        assert page.evaluate("document.activeElement.id") == f"rsvp-{meeting.pk}-maybe"
    assert console_errors == []


def test_without_javascript_the_answer_reloads_a_page_that_agrees(
    live_server, browser, alice, bob, circle, log_in
):
    meeting = schedule(circle, alice, days=10, title="Spring circle")
    actions.rsvp(meeting, bob, answer="yes")
    context = browser.new_context(java_script_enabled=False)
    log_in(bob, context)
    page = context.new_page()
    page.goto(live_server.url + meeting.get_absolute_url())
    page.locator(f"#rsvp-{meeting.pk}-no").click()
    expect(page.get_by_role("status").first).to_contain_text("You answered “no”")
    who = page.locator(f"#who-is-coming-{meeting.pk}")
    expect(who.locator("li[data-answer=no]")).to_contain_text("Bob Baker")
    expect(who.locator("li[data-answer=yes]")).not_to_contain_text("Bob Baker")
    expect(page.locator(f"#rsvp-{meeting.pk}-no")).to_have_attribute("aria-pressed", "true")
    context.close()


def test_a_past_meeting_shows_attendance_and_log_only(
    live_server, page, alice, bob, circle, log_in, screenshot, console_errors, assert_accessible
):
    past = schedule(circle, alice, days=-3, title="Winter circle")
    upcoming = schedule(circle, alice, days=10, title="Spring circle")
    log_in(alice)
    page.goto(live_server.url + past.get_absolute_url())
    expect(page.get_by_role("heading", name="Attendance")).to_be_visible()
    expect(page.get_by_role("heading", name="Log")).to_be_visible()
    for gone in ("Who is coming", "Add to your calendar", "Your answer", "Follow-up survey"):
        expect(page.get_by_role("heading", name=gone)).to_have_count(0)
    for gone in ("Edit or reschedule", "Cancel"):
        expect(page.get_by_role("link", name=gone, exact=True)).to_have_count(0)
    assert_accessible("past meeting")
    screenshot("31-past-meeting")
    page.goto(live_server.url + upcoming.get_absolute_url())
    expect(page.get_by_role("heading", name="Who is coming")).to_be_visible()
    expect(page.get_by_role("link", name="Edit or reschedule")).to_be_visible()
    expect(page.get_by_role("heading", name="Follow-up survey")).to_have_count(0)
    expect(page.get_by_role("heading", name="Attendance")).to_have_count(0)
    assert console_errors == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_schedule_form_shows_the_fields_of_the_chosen_rule_on_the_usual_weekday(
    live_server, browser, alice, circle, log_in, javascript
):
    details = actions.Details(title="Circle", meeting_format=Format.ONLINE)
    zone = ZoneInfo("America/Detroit")
    today = datetime.now(zone).date()
    for n in (1, 2):  # the circle meets on Thursdays at 16:00
        day = today - timedelta(days=(today.weekday() - 3) % 7 + 7 * n)
        actions.schedule(
            circle,
            day=day,
            at=time(16),
            minutes=60,
            zone="America/Detroit",
            details=details,
            by=alice,
        )
    context = browser.new_context(java_script_enabled=javascript)
    log_in(alice, context)
    page = context.new_page()
    page.goto(live_server.url + f"/circles/{circle.slug}/meetings/new/")
    assert date.fromisoformat(page.locator("#id_date").input_value()).weekday() == 3
    expect(page.get_by_label("Start time")).to_have_value("16:00")

    interval, week = page.get_by_label("Every N weeks"), page.get_by_label("Which week")
    end, count = page.locator("#id_end_date"), page.get_by_label("Or number of meetings")
    for field in (interval, week, end, count):  # "Does not repeat"
        expect(field).to_be_hidden()
    page.get_by_label("Repeat").select_option("monthly_weekday")
    expect(week).to_be_visible()
    expect(interval).to_be_hidden()
    expect(count).to_be_visible()
    page.get_by_label("Repeat").select_option("weekly")
    expect(interval).to_be_visible()
    expect(week).to_be_hidden()
    page.get_by_label("Repeat").select_option("monthly_day")
    expect(interval).to_be_hidden()
    expect(week).to_be_hidden()
    expect(end).to_be_visible()
    page.get_by_label("Repeat").select_option("")
    expect(count).to_be_hidden()
    context.close()


def test_bob_logs_a_meeting_nobody_scheduled_and_says_who_was_there(
    live_server, page, alice, bob, circle, log_in, screenshot, console_errors, assert_accessible
):
    from meetings.models import Attendance, Meeting
    from meetings.participation import expected_at

    log_in(bob)
    page.goto(live_server.url + f"/circles/{circle.slug}/meetings/")
    page.get_by_role("link", name="Log a meeting that happened").click()
    page.locator("#id_date").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    page.get_by_label("Start time").fill("08:00")
    page.get_by_label("Summary").fill("Coffee and careers.")
    who = page.get_by_role("group", name="Who was there")
    expect(who.get_by_label("Bob Baker")).to_have_value("present")
    expect(who.get_by_label("Alice")).to_have_value("")
    who.get_by_label("Alice").select_option("excused")
    assert_accessible("log a meeting that happened")
    screenshot("32-bob-logs-unscheduled")
    page.get_by_role("button", name="Save the log").click()
    expect(page.get_by_role("status").first).to_contain_text("The meeting and its log are saved")
    meeting = Meeting.objects.get()
    assert {(a.user, a.status) for a in Attendance.objects.all()} == {
        (bob, "present"),
        (alice, "excused"),
    }
    assert {m.user for m in expected_at(meeting)} == {alice, bob}
    assert console_errors == []
