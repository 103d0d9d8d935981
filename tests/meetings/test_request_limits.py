"""Lists a request can make long: formsets and multiple-choice fields are capped, so a
tampered POST is refused quickly with a form error and nothing is saved."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import actions
from meetings.forms import MAX_ACTION_ITEMS
from meetings.models import ActionItem, Meeting, MeetingLog, Survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def past(circle, alice, details):
    day = timezone.localdate() - timedelta(days=3)
    return actions.schedule(
        circle, day=day, at=time(12), minutes=60, zone="UTC", details=details, by=alice
    )


def test_a_huge_action_item_count_builds_few_forms_and_saves_nothing(client, bob, past):
    client.force_login(bob)
    response = client.post(
        reverse("meetings:log", kwargs={"pk": past.pk}),
        {
            "summary": "S",
            "items-TOTAL_FORMS": "100000",
            "items-INITIAL_FORMS": "0",
            "items-0-text": "One",
        },
    )
    assert response.status_code == 400
    formset = response.context["formset"]
    # Django's default absolute_max (max_num + 1000) built 1,030 forms here.
    assert len(formset.forms) <= MAX_ACTION_ITEMS
    assert "at most" in " ".join(formset.non_form_errors())
    assert not MeetingLog.objects.exists() and not ActionItem.objects.exists()


def test_a_huge_action_item_count_on_an_unscheduled_log_saves_nothing(client, bob, circle):
    client.force_login(bob)
    response = client.post(
        reverse("meetings:log_unscheduled", kwargs={"slug": circle.slug}),
        {
            "title": "Met",
            "date": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "start_time": "12:00",
            "duration_minutes": "60",
            "summary": "S",
            "items-TOTAL_FORMS": "100000",
            "items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    assert len(response.context["formset"].forms) <= MAX_ACTION_ITEMS
    assert not Meeting.objects.exists()


def test_a_survey_answer_repeated_is_refused_not_counted_many_times(client, bob, circle, alice):
    meeting = Meeting.objects.create(
        circle=circle,
        title="Held",
        start=timezone.now() - timedelta(hours=4),
        end=timezone.now() - timedelta(hours=3),
        timezone="UTC",
        meeting_format="online",
        created_by=alice,
    )
    Survey.objects.create(
        meeting=meeting, user=bob, token_hash="x", expires_at=timezone.now() + timedelta(days=1)
    )
    client.force_login(bob)
    url = reverse("meetings:my_survey", kwargs={"pk": meeting.pk})
    response = client.post(url, {"usefulness": "4", "got": ["networking"] * 500})
    assert response.status_code == 400
    assert "at most once" in response.content.decode()
    assert Survey.objects.get().answered_at is None
    # A box sent twice (a double click in an old browser) counts once.
    client.post(url, {"usefulness": "4", "got": ["networking", "networking", "skills"]})
    assert Survey.objects.get().got == ["networking", "skills"]


def test_reminder_offsets_repeated_are_refused(client, bob, circle):
    client.force_login(bob)
    url = reverse("members:notifications")
    response = client.post(url, {"reminder_minutes": ["15"] * 500})
    assert response.status_code == 400
    bob.refresh_from_db()
    assert len(bob.reminder_minutes) < 500
