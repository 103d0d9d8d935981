import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_profile_offers_the_devices_timezone_without_changing_the_saved_one(
    live_server, page, bob, log_in, console_errors
):
    bob.timezone = "UTC"
    bob.save()
    log_in(bob)
    page.goto(live_server.url + "/profile/edit/")
    select = page.get_by_label("Timezone")
    expect(select).to_have_value("UTC")  # the saved choice is kept on load
    suggestion = page.get_by_role("button", name="Use this device's timezone (America/Detroit)")
    suggestion.click()
    expect(select).to_have_value("America/Detroit")
    expect(suggestion).to_have_count(0)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile has been saved.")
    bob.refresh_from_db()
    assert bob.timezone == "America/Detroit"
    assert console_errors == []


def test_no_suggestion_when_the_saved_zone_is_the_devices(live_server, page, bob, log_in):
    log_in(bob)  # bob's timezone is America/Detroit, like the browser's
    page.goto(live_server.url + "/profile/edit/")
    expect(page.get_by_label("Timezone")).to_have_value("America/Detroit")
    expect(page.locator(".browser-timezone-suggestion")).to_have_count(0)
