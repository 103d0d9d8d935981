"""The follow-up survey on a phone: both rating scales lie on one row of large targets."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from meetings import actions
from meetings.models import Format, Meeting, Survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}


@pytest.fixture
def survey(circle, alice, bob):
    details = actions.Details(
        title="Monthly circle", meeting_format=Format.ONLINE, video_link="https://example.org/m"
    )
    meeting = actions.schedule(
        circle,
        day=timezone.localdate() - timedelta(days=1),
        at=time(9),
        minutes=60,
        zone="UTC",
        details=details,
        by=alice,
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        start=timezone.now() - timedelta(hours=4), end=timezone.now() - timedelta(hours=3)
    )
    return Survey.objects.create(
        meeting=meeting, user=bob, token_hash="x", expires_at=timezone.now() + timedelta(days=3)
    )


def boxes(page, name: str) -> list[dict]:
    radios = page.locator(f'input[type="radio"][name="{name}"]')
    return [radios.nth(i).bounding_box() for i in range(radios.count())]


def test_bob_answers_the_survey_on_a_375px_phone_with_one_row_per_scale(
    live_server, page, bob, survey, log_in, screenshot, console_errors, assert_accessible
):
    page.set_viewport_size(PHONE)
    log_in(bob)
    page.goto(live_server.url + reverse("meetings:my_survey", kwargs={"pk": survey.meeting_id}))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    usefulness = boxes(page, "usefulness")
    recommend = boxes(page, "recommend")
    assert len(usefulness) == 5 and len(recommend) == 11
    for row in (usefulness, recommend):
        # One row: every box starts at the same height, left to right, inside the screen.
        assert max(b["y"] for b in row) - min(b["y"] for b in row) < 1
        assert [b["x"] for b in row] == sorted(b["x"] for b in row)
        assert row[0]["x"] >= 0 and row[-1]["x"] + row[-1]["width"] <= PHONE["width"]
        assert all(b["height"] >= 44 for b in row)
    # Five boxes have room for 44 × 44 px; eleven on 375 px cannot (11 × 44 = 484 px), so
    # they share the row and stay well above WCAG 2.2's 24 px minimum.
    assert all(b["width"] >= 44 for b in usefulness)
    assert all(b["width"] >= 28 for b in recommend)

    # The scales are radio groups named by their question, with both ends labelled.
    group = page.get_by_role("group", name="How likely are you to recommend this circle")
    expect(group).to_contain_text("0 = not at all")
    expect(group).to_contain_text("10 = certainly")
    expect(page.get_by_role("group", name="How useful was the meeting")).to_contain_text(
        "5 = very useful"
    )
    assert_accessible("survey on a phone")
    screenshot("survey-375px")

    # A tap on a number answers; the keyboard moves along the scale.
    page.get_by_role("radio", name="4", exact=True).first.click()
    expect(page.locator('input[name="usefulness"][value="4"]')).to_be_checked()
    page.locator('input[name="recommend"][value="7"]').click()
    page.keyboard.press("ArrowRight")
    expect(page.locator('input[name="recommend"][value="8"]')).to_be_checked()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you")).to_be_visible()
    survey.refresh_from_db()
    assert (survey.usefulness, survey.recommend) == (4, 8)
    assert console_errors == []


def test_a_missing_answer_is_shown_next_to_the_scale(
    live_server, page, bob, survey, log_in, assert_accessible
):
    page.set_viewport_size(PHONE)
    log_in(bob)
    page.goto(live_server.url + reverse("meetings:my_survey", kwargs={"pk": survey.meeting_id}))
    page.get_by_role("button", name="Send my answers").click()
    group = page.get_by_role("group", name="How useful was the meeting")
    expect(group).to_contain_text("This field is required.")
    expect(page.locator('input[name="usefulness"]').first).to_have_attribute("aria-invalid", "true")
    assert_accessible("survey with an error, on a phone")
    survey.refresh_from_db()
    assert survey.answered_at is None
