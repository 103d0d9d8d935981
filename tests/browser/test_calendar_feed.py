"""The calendar subscription panel on the profile: create the link, copy it with the
button (or by hand without JavaScript), subscribe through webcal://, reset it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from meetings.models import CalendarFeed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_bob_creates_copies_and_resets_his_calendar_link(
    live_server, page, bob, log_in, assert_accessible, console_errors, screenshot
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(bob)
    page.goto(live_server.url + reverse("members:profile"))
    page.get_by_role("button", name="Create my calendar link").click()
    status = page.locator(".messages")
    expect(status).to_contain_text("Your calendar link was created")
    expect(status).not_to_contain_text("no longer works")

    feed = CalendarFeed.objects.get(user=bob)
    url = f"{live_server.url}/calendar/{feed.token}.ics"
    field = page.get_by_label("Your private calendar link")
    expect(field).to_have_value(url)
    expect(field).to_have_attribute("readonly", "")
    subscribe = page.get_by_role("link", name="Subscribe in my calendar app")
    expect(subscribe).to_have_attribute("href", "webcal://" + url.split("://", 1)[1])
    assert_accessible("profile with a calendar link")

    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#feed-url-copied")).to_have_text("Link copied.")
    screenshot("profile-calendar-link")
    assert page.evaluate("navigator.clipboard.readText()") == url

    page.get_by_role("button", name="Reset the link (the old one stops working)").click()
    expect(page.locator(".messages")).to_contain_text("Your calendar link was reset")
    feed.refresh_from_db()
    expect(page.get_by_label("Your private calendar link")).to_have_value(
        f"{live_server.url}/calendar/{feed.token}.ics"
    )
    assert console_errors == []


def test_without_javascript_the_link_is_selectable_text_and_no_copy_button(
    live_server, browser, bob, log_in
):
    feed = CalendarFeed.for_user(bob)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(bob, context)
    page.goto(live_server.url + reverse("members:profile"))
    field = page.get_by_label("Your private calendar link")
    expect(field).to_have_value(f"{live_server.url}/calendar/{feed.token}.ics")
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    expect(field).to_be_editable(editable=False)  # read-only, yet focusable and selectable
    field.select_text()
    selected = page.evaluate(
        "() => { const f = document.getElementById('feed-url');"
        " return f.value.substring(f.selectionStart, f.selectionEnd); }"
    )
    assert selected == f"{live_server.url}/calendar/{feed.token}.ics"
    context.close()
