import pytest
from playwright.sync_api import expect

from members.models import Milestone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_bob_records_a_k23_then_edits_and_deletes_it(
    live_server, page, bob, log_in, screenshot, console_errors, assert_accessible
):
    log_in(bob)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Bob Baker").click()
    page.get_by_role("link", name="My profile").click()
    page.get_by_role("link", name="Your career record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your career record")
    expect(page.get_by_text("No milestones yet")).to_be_visible()
    assert_accessible("empty career record")

    # He confirms he is still in an academic position.
    page.get_by_role("button", name="I still hold an academic position").click()
    expect(page.get_by_role("status")).to_contain_text("your position is confirmed")
    expect(page.get_by_text("You last confirmed this on")).to_be_visible()

    # A first try says "in academia" for an award: refused next to the field.
    add = page.get_by_role("region", name="Add a milestone")
    add.get_by_label("Kind of milestone").select_option(label="Career development award")
    add.get_by_label("Date").fill("2025-07-01")
    add.get_by_label("Title").fill("Sedation and delirium in pediatric ICUs")
    add.get_by_label("Funder / mechanism").fill("NIH K23 (NICHD)")
    add.get_by_label("Link").fill("https://reporter.nih.gov/project-details/12345")
    add.get_by_label("Yes, in academia").check()
    add.get_by_role("button", name="Add milestone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a milestone")
    expect(page.locator("#error_1_id_in_academia")).to_contain_text(
        "This applies only to a new position"
    )
    assert not Milestone.objects.exists()
    assert_accessible("add form with an error")
    screenshot("60-milestone-error")

    # He fixes it and sees the award in his record.
    page.get_by_label("Does not apply (not a new position)").check()
    expect(page.get_by_label("Title")).to_have_value("Sedation and delirium in pediatric ICUs")
    page.get_by_role("button", name="Add milestone").click()
    expect(page.get_by_role("status")).to_contain_text("Added to your career record")
    table = page.get_by_role("table", name="Your milestones, newest first")
    row = table.get_by_role("row").filter(has_text="Sedation and delirium")
    expect(row).to_contain_text("Career development award")
    expect(row).to_contain_text("1 Jul 2025")
    expect(row).to_contain_text("NIH K23 (NICHD)")
    milestone = Milestone.objects.get(member=bob)
    assert (milestone.kind, milestone.funder) == ("cda", "NIH K23 (NICHD)")
    assert_accessible("career record with a milestone")
    screenshot("61-career-record")

    # He corrects the title.
    row.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit milestone")
    expect(page.get_by_label("Kind of milestone")).to_have_value("cda")
    page.get_by_label("Title").fill("Sedation, delirium and sleep in pediatric ICUs")
    assert_accessible("edit form")
    page.get_by_role("button", name="Save milestone").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: Sedation, delirium and sleep")
    expect(table).to_contain_text("Sedation, delirium and sleep in pediatric ICUs")

    # The profile shows it too.
    page.get_by_role("link", name="Back to my profile").click()
    expect(page.get_by_text("Sedation, delirium and sleep in pediatric ICUs")).to_be_visible()
    page.get_by_role("link", name="Your career record").click()

    # And deletes it, after a confirmation page.
    table.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this milestone?")
    assert_accessible("delete confirmation")
    assert Milestone.objects.filter(member=bob).exists()
    page.get_by_role("button", name="Delete milestone").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted from your career record")
    expect(page.get_by_text("No milestones yet")).to_be_visible()
    assert not Milestone.objects.filter(member=bob).exists()
    assert console_errors == []


def test_bob_records_leaving_academia_from_the_check_in(
    live_server, page, bob, log_in, console_errors, assert_accessible
):
    log_in(bob)
    page.goto(live_server.url + "/profile/career/")
    page.get_by_role("link", name="I have left academia").click()
    expect(page.get_by_label("Kind of milestone")).to_have_value("position")
    expect(page.get_by_label("No, outside academia")).to_be_checked()
    page.get_by_label("Date").fill("2026-01-05")
    page.get_by_label("Title").fill("Medical director, a digital health company")
    page.get_by_role("button", name="Add milestone").click()
    expect(page.get_by_text("Not in academia since 5 January 2026")).to_be_visible()
    assert_accessible("career record outside academia")
    bob.refresh_from_db()
    assert not bob.is_in_academia
    assert bob.position_confirmed_at is not None
    assert console_errors == []
