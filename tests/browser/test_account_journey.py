import re

import pytest
from playwright.sync_api import expect

from members.models import User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-and-unusual-passphrase"


def test_person_signs_up_verifies_logs_in_and_edits_profile(
    live_server, page, mailoutbox, screenshot, console_errors, assert_accessible
):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mentoring among peers")
    assert_accessible("landing")
    page.get_by_role("link", name="Create your account").click()

    # Sign up: name, email, password twice. The timezone picker starts at the browser's.
    expect(page.get_by_role("combobox", name="Timezone")).to_have_value("America/Detroit")
    page.get_by_label("Full name").fill("Erin Evans")
    page.get_by_label("Email").fill("erin@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile("Password \\(again\\)|Repeat password|Confirm")).fill(PASSWORD)
    screenshot("01-signup")
    assert_accessible("sign up")
    page.get_by_role("button", name=re.compile("Sign up", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("Verify", re.I))
    assert User.objects.get(email="erin@example.org").timezone == "America/Detroit"

    # Open the link from the email; confirming takes a click (a POST), not the GET.
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body)[0]
    page.goto(live_server.url + link[link.index("/accounts/") :])
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome, Erin Evans")
    assert_accessible("dashboard")

    # Log out through the account menu, then log in again with email and password.
    page.get_by_role("button", name="Erin Evans").click()
    page.get_by_role("button", name="Log out").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    nav.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("erin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    screenshot("02-login")
    assert_accessible("log in")
    page.get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome, Erin Evans")

    # Edit the profile, first with a bad value, then correctly.
    page.get_by_role("button", name="Erin Evans").click()
    page.get_by_role("link", name="My profile").click()
    page.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_label("Timezone")).to_have_value("America/Detroit")
    page.get_by_label("Pronouns (optional)").fill("she/her")
    page.get_by_label("Institution").fill("University of Michigan")
    page.get_by_label("Profession").select_option(label="Physician")
    page.get_by_label("Specialty").fill("Pulmonary and critical care")
    page.get_by_label("Full name").fill("   ")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#error_1_id_full_name")).to_contain_text("This field is required")
    assert_accessible("profile form with an error")
    expect(page.get_by_label("Full name")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Full name").fill("Erin Evans")
    page.get_by_label("Career stage").select_option(label="Early-career")
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("status")).to_contain_text("Your profile has been saved.")
    card = page.locator("article.member-card")
    expect(card).to_contain_text("she/her")
    expect(card).to_contain_text("University of Michigan")
    expect(card).to_contain_text("Pulmonary and critical care")
    path = screenshot("03-profile")
    assert_accessible("profile")
    assert path.stat().st_size > 10_000

    erin = User.objects.get(email="erin@example.org")
    assert erin.institution.name == "University of Michigan"
    assert erin.profession == "physician"
    # The strict CSP held: no blocked inline script or style, no JavaScript error.
    assert console_errors == []
