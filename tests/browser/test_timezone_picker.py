"""The timezone picker in Chromium: a searchable, keyboard-usable combobox over the
grouped select, the browser's zone first, and the plain select without JavaScript."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from members.models import User
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_bob_finds_his_zone_by_typing_and_chooses_it_with_the_keyboard(
    live_server, page, bob, log_in, screenshot, console_errors, assert_accessible
):
    log_in(bob)  # America/Detroit, like the browser
    page.goto(live_server.url + reverse("members:profile_edit"))
    field = page.get_by_role("combobox", name="Timezone")
    select = page.locator('select[name="timezone"]')
    expect(field).to_have_value("America/Detroit")
    expect(select).to_be_hidden()

    # The keyboard opens the list: the device's zone first, then the regions.
    field.focus()
    page.keyboard.press("ArrowDown")
    expect(field).to_have_attribute("aria-expanded", "true")
    listbox = page.get_by_role("listbox", name="Matching zones")
    groups = listbox.get_by_role("group")
    expect(groups.first).to_have_accessible_name("This device")
    expect(groups.first.get_by_role("option")).to_have_text(["Detroit"])
    expect(groups.nth(1)).to_have_accessible_name("Universal")
    expect(groups.nth(2)).to_have_accessible_name("Africa")
    assert_accessible("timezone list open")
    screenshot("timezone-combobox-open")

    # Typing an old name finds the current zone; Enter chooses it and does not submit.
    field.fill("")
    page.keyboard.type("calcutta")
    options = listbox.get_by_role("option")
    expect(options).to_have_text(["Kolkata"])
    expect(page.get_by_role("status").filter(has_text="1 timezone found")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(field).to_have_value("Asia/Kolkata")
    expect(select).to_have_value("Asia/Kolkata")
    expect(field).to_have_attribute("aria-expanded", "false")
    assert page.url.endswith(reverse("members:profile_edit"))  # not submitted

    # Arrow keys move through the matches; Escape closes and keeps the choice made.
    field.fill("")
    page.keyboard.type("new york")
    expect(options.filter(visible=True)).to_have_text(["New York"])
    page.keyboard.press("Escape")
    expect(field).to_have_value("Asia/Kolkata")
    page.keyboard.type("europe lon")
    expect(options.filter(visible=True)).to_have_text(["London"])
    page.keyboard.press("ArrowDown")  # stays on the only match
    page.keyboard.press("Enter")
    expect(select).to_have_value("Europe/London")

    page.keyboard.type("zzz")
    expect(page.get_by_role("status").filter(has_text="No timezone found")).to_have_count(1)
    page.keyboard.press("Tab")  # leaving restores the chosen zone's name
    expect(field).to_have_value("Europe/London")

    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").first).to_contain_text("Your profile has been saved.")
    bob.refresh_from_db()
    assert bob.timezone == "Europe/London"
    assert console_errors == []


def test_a_click_on_an_option_chooses_it(live_server, page, bob, log_in):
    log_in(bob)
    page.goto(live_server.url + reverse("members:profile_edit"))
    field = page.get_by_role("combobox", name="Timezone")
    field.click()
    field.fill("tokyo")
    page.get_by_role("option", name="Tokyo").click()
    expect(field).to_have_value("Asia/Tokyo")
    expect(page.locator('select[name="timezone"]')).to_have_value("Asia/Tokyo")


def test_signup_preselects_the_browsers_zone_even_under_its_old_name(
    live_server, browser, assert_accessible
):
    # Chromium reports India's zone as "Asia/Calcutta"; the picker offers Asia/Kolkata.
    context = browser.new_context(timezone_id="Asia/Kolkata")
    page = context.new_page()
    page.goto(live_server.url + reverse("account_signup"))
    field = page.get_by_role("combobox", name="Timezone")
    expect(field).to_have_value("Asia/Kolkata")
    page.get_by_label("Full name").fill("Indira Iyer")
    page.get_by_label("Email").fill("indira@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD + "-x1")
    page.locator("#id_password2").fill(PASSWORD + "-x1")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify")
    assert User.objects.get(email="indira@example.org").timezone == "Asia/Kolkata"
    context.close()


@pytest.mark.parametrize("path", ["/profile/edit/", "/circles/new/?kind=peer_circle"])
def test_every_timezone_field_is_a_combobox(live_server, page, alice, log_in, path):
    log_in(alice)
    page.goto(live_server.url + path)
    expect(page.get_by_role("combobox", name="Timezone")).to_have_count(1)
    expect(page.locator('input[role="combobox"]')).to_have_count(1)


def test_without_javascript_the_grouped_select_works(live_server, browser, bob, log_in):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(bob, context)
    page.goto(live_server.url + reverse("members:profile_edit"))
    expect(page.locator('input[role="combobox"]')).to_have_count(0)
    select = page.get_by_label("Timezone")
    expect(select).to_have_js_property("tagName", "SELECT")
    expect(select).to_be_visible()
    expect(select).to_have_value("America/Detroit")
    expect(select.locator("optgroup")).to_have_count(10)
    expect(select.locator('optgroup[label="Asia"] option[value="Asia/Kolkata"]')).to_have_count(1)
    expect(select.locator('option[value="Asia/Calcutta"]')).to_have_count(0)
    select.select_option("Europe/Berlin")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").first).to_contain_text("Your profile has been saved.")
    bob.refresh_from_db()
    assert bob.timezone == "Europe/Berlin"
    context.close()
