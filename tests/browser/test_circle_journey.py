import re

import pytest
from playwright.sync_api import expect

from circles.models import Circle, Membership
from tests.browser.conftest import SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-and-unusual-passphrase"


def test_alice_creates_a_workgroup_invites_bob_who_signs_up_and_joins(
    live_server,
    page,
    browser,
    alice,
    log_in,
    mailoutbox,
    screenshot,
    console_errors,
    assert_accessible,
):
    # Alice starts a research workgroup.
    log_in(alice)
    page.goto(live_server.url + "/circles/")
    page.get_by_role("link", name="Start a circle").click()
    assert_accessible("choose kind")
    page.get_by_role("link", name="Start a research workgroup").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a research workgroup")
    page.get_by_label("Name").fill("Sepsis Research Workgroup")
    page.get_by_label("Description").fill("Early-career sepsis investigators, all professions.")
    page.get_by_label("Grant writing").check()
    page.get_by_label("Mission statement").fill("We review each other's grants and papers.")
    page.get_by_label("Guiding principles").fill(
        "Works in progress stay in the room.\nFeedback is specific and kind."
    )
    assert_accessible("new workgroup form")
    page.get_by_role("button", name="Create the circle").click()

    # She lands on the invite page and invites Bob.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Invite people to Sepsis Research Workgroup"
    )
    page.get_by_label("Email addresses").fill("bob@example.org, not-an-address")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to 1 address")
    expect(page.get_by_role("status")).to_contain_text("Skipped not-an-address")
    expect(page.get_by_role("region", name="Pending invitations")).to_contain_text(
        "bob@example.org"
    )
    assert_accessible("invite page")
    screenshot("10-invite")

    # Bob opens the emailed link in his own browser and signs up from it.
    link = re.search(r"https?://\S+(/invitations/[\w-]+/)", mailoutbox[-1].body)[1]
    bob_context = browser.new_context(timezone_id="Europe/London")
    bob_page = bob_context.new_page()
    bob_page.goto(live_server.url + link)
    expect(bob_page.get_by_role("heading", level=1)).to_have_text(
        "You are invited to Sepsis Research Workgroup"
    )
    expect(bob_page.get_by_text("Works in progress stay in the room.")).to_be_visible()
    bob_page.get_by_role("link", name="Create an account").click()
    expect(bob_page.get_by_label("Email")).to_have_value("bob@example.org")
    bob_page.get_by_label("Full name").fill("Bob Baker")
    bob_page.get_by_label("Password", exact=True).fill(PASSWORD)
    bob_page.get_by_label("Password (again)").fill(PASSWORD)
    bob_page.get_by_role("button", name=re.compile("Sign up", re.I)).click()

    # Back on the invitation: he accepts the charter and joins.
    expect(bob_page.get_by_role("heading", level=1)).to_have_text(
        "You are invited to Sepsis Research Workgroup"
    )
    bob_page.get_by_role("button", name="Join Sepsis Research Workgroup").click()
    expect(bob_page.get_by_text("Tick this box to accept the charter")).to_be_visible()
    bob_page.get_by_label("I have read the charter and agree").check()
    bob_page.get_by_role("button", name="Join Sepsis Research Workgroup").click()
    expect(bob_page.get_by_role("status")).to_contain_text("Welcome to Sepsis Research Workgroup!")
    roster = bob_page.get_by_role("region", name=re.compile("Members"))
    expect(roster).to_contain_text("Bob Baker")
    expect(roster).to_contain_text("Alice")
    bob_page.screenshot(path=str(SCREENSHOTS / "12-bob-on-roster.png"), full_page=True)

    # Alice sees Bob on her roster too.
    page.goto(live_server.url + "/circles/sepsis-research-workgroup/")
    expect(page.get_by_role("region", name=re.compile("Members"))).to_contain_text("Bob Baker")
    assert_accessible("circle page")
    screenshot("13-alice-circle")

    circle = Circle.objects.get(slug="sepsis-research-workgroup")
    bob = circle.memberships.get(user__email="bob@example.org")
    assert bob.status == Membership.Status.ACTIVE
    assert bob.charter_accepted == circle.current_charter
    assert console_errors == []
    bob_context.close()
