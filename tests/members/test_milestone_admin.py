"""Members' milestones in the admin: staff see counts; reading them one by one takes the
permission members.view_private_milestones."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Milestone
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TITLE = "Associate professor at a new institution"
CHANGELIST = reverse("admin:members_milestone_changelist")


@pytest.fixture
def milestones(bob, carol):
    made = [
        Milestone.objects.create(
            member=bob,
            kind=Milestone.Kind.PROMOTION,
            date=datetime.date(2026, 7, 1),
            title=TITLE,
            funder="Private funder",
        ),
        Milestone.objects.create(
            member=bob, kind=Milestone.Kind.PUBLICATION, date=datetime.date(2026, 3, 1), title="A"
        ),
        Milestone.objects.create(
            member=carol, kind=Milestone.Kind.PUBLICATION, date=datetime.date(2025, 3, 1), title="B"
        ),
    ]
    LogEntry.objects.log_actions(
        user_id=carol.pk, queryset=made[:1], action_flag=2, change_message="Changed title."
    )
    return made


def _staff(*codenames):
    staff = UserFactory(email="support@example.org", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return staff


def _pages(milestone):
    return [
        reverse(f"admin:members_milestone_{view}", args=[milestone.pk])
        for view in ("change", "history", "delete")
    ]


def test_staff_with_view_permission_see_counts_only(client, milestones):
    client.force_login(_staff("view_milestone", "change_milestone", "delete_milestone"))
    for query in ({}, {"q": "professor"}, {"kind__exact": "promotion"}, {"date__year": "2026"}):
        response = client.get(CHANGELIST, query)
        assert response.status_code == 200
        text = response.content.decode()
        assert TITLE not in text and "Private funder" not in text and "Bob" not in text
    counts = dict(client.get(CHANGELIST).context["rows"])
    assert counts["Publication"] == 2 and counts["Promotion"] == 1
    assert counts["Research grant"] == 0
    page = client.get(CHANGELIST)
    assert (page.context["total"], page.context["members"]) == (3, 2)
    for url in _pages(milestones[0]):
        response = client.get(url)
        assert response.status_code == 403, url
        assert TITLE not in response.content.decode()
    assert client.get(reverse("admin:members_milestone_add")).status_code == 403


def test_staff_without_the_permission_cannot_export_or_delete_milestones(client, milestones):
    client.force_login(_staff("view_milestone", "delete_milestone"))
    for action in ("export_selected_as_csv", "delete_selected"):
        response = client.post(
            CHANGELIST,
            {
                "action": action,
                "_selected_action": [m.pk for m in milestones],
                "index": "0",
                "post": "yes",
            },
        )
        assert response.status_code == 200
        assert not response.has_header("Content-Disposition")
        assert TITLE not in response.content.decode()
    assert Milestone.objects.count() == 3


def test_staff_with_the_private_permission_read_milestones(client, milestones):
    client.force_login(_staff("view_milestone", "view_private_milestones"))
    page = client.get(CHANGELIST)
    assert TITLE in page.content.decode()
    assert page.context["cl"].result_count == 3
    change, history, delete = _pages(milestones[0])
    assert TITLE in client.get(change).content.decode()
    assert client.get(history).status_code == 200
    assert client.get(delete).status_code == 403  # viewing is not deleting
    rows = client.post(
        CHANGELIST,
        {"action": "export_selected_as_csv", "_selected_action": [milestones[0].pk], "index": "0"},
    )
    assert TITLE in b"".join(rows.streaming_content).decode()


def test_staff_without_milestone_permissions_get_403(client, milestones):
    client.force_login(_staff("view_private_milestones"))
    assert client.get(CHANGELIST).status_code == 403


def test_superusers_have_every_permission_including_private_milestones(client, milestones):
    client.force_login(UserFactory(email="ops@example.org", is_staff=True, is_superuser=True))
    assert TITLE in client.get(CHANGELIST).content.decode()


def test_the_counts_page_costs_the_same_at_3_and_30_milestones(client, milestones, bob):
    client.force_login(_staff("view_milestone"))
    client.get(CHANGELIST)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(CHANGELIST).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for day in range(1, 28):
        Milestone.objects.create(
            member=UserFactory(),
            kind=Milestone.Kind.HONOR,
            date=datetime.date(2026, 1, day),
            title="Award",
        )
    assert queries() == few
