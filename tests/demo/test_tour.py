"""On a fresh `make run` a newcomer finds something to do as each demo account: a survey
to answer, a meeting in a few days with reminders pending, an invitation waiting, a join
request to approve — on any day the demo is seeded."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from circles.models import Membership
from demo.seed_tour import find_tour
from meetings.models import Meeting, Survey
from meetings.reminders import REMINDER
from members.models import User
from outbox.models import Notification

pytestmark = pytest.mark.django_db

PASSWORD = "a-demo-passphrase"


@pytest.fixture
def seeded(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo", password=PASSWORD, stdout=StringIO())
    assert mailoutbox == []  # pending reminders wait in the outbox; nothing is sent now


def _as(client, email):
    client.force_login(User.objects.get(email=email))
    return client


def test_priya_answers_the_open_survey_from_her_dashboard(seeded, client):
    _as(client, "priya@demo.roundtable.test")
    dashboard = client.get("/")
    tour = find_tour()
    survey_url = f"/meetings/{tour.held.pk}/survey/"
    assert survey_url in dashboard.content.decode()
    assert client.get(survey_url).status_code == 200
    response = client.post(survey_url, {"usefulness": "4", "recommend": "9", "got": []})
    assert response.status_code == 200
    survey = Survey.objects.get(meeting=tour.held, user__email="priya@demo.roundtable.test")
    assert survey.answered_at is not None and survey.usefulness == 4


def test_a_meeting_in_a_few_days_has_its_reminders_pending(seeded):
    tour = find_tour()
    days = (tour.upcoming.start - timezone.now()).total_seconds() / 86400
    assert 1 < days < 4
    pending = Notification.objects.filter(
        meeting=tour.upcoming, kind=REMINDER, status=Notification.Status.PENDING
    )
    assert pending.count() == tour.reminders > 0
    assert all(row.due_at > timezone.now() for row in pending)


def test_sam_accepts_the_waiting_invitation_from_his_dashboard(seeded, client):
    _as(client, "sam@demo.roundtable.test")
    assert "Invitation to" in client.get("/").content.decode()
    client.post("/circles/micrew/accept-invitation/", {"accept_charter": "on"})
    membership = Membership.objects.filter(
        circle__slug="micrew", user__email="sam@demo.roundtable.test"
    ).latest("pk")
    assert membership.status == Membership.Status.ACTIVE


def test_the_organizer_approves_lenas_request(seeded, client):
    tour = find_tour()
    _as(client, "organizer@demo.roundtable.test")
    page = client.get("/circles/early-career-women-in-medicine/members/").content.decode()
    assert "Lena Hoffmann" in page
    client.post(
        f"/circles/early-career-women-in-medicine/members/{tour.request.pk}/",
        {"action": "approve", "reason": ""},
    )
    tour.request.refresh_from_db()
    assert tour.request.status == Membership.Status.ACTIVE


def test_seeding_again_keeps_the_same_tour(seeded, settings):
    first = find_tour()
    meetings = Meeting.objects.count()
    call_command("seed_demo", password=PASSWORD, stdout=StringIO())
    again = find_tour()
    assert (again.held, again.upcoming, again.invitation, again.request) == (
        first.held,
        first.upcoming,
        first.invitation,
        first.request,
    )
    assert Meeting.objects.count() == meetings
    assert again.reminders == first.reminders


def test_the_welcome_lists_the_accounts_and_the_tour(seeded):
    out = StringIO()
    call_command("demo_welcome", wait=0, stdout=out)
    text = out.getvalue()
    assert "organizer@demo.roundtable.test" in text and "Password for all demo accounts" in text
    assert f"/meetings/{find_tour().held.pk}/survey/" in text
    assert "Lena asked to join" in text
