from datetime import time, timedelta

import pytest
from django.utils import timezone

# The admin's fixtures (an operator, a row of every model) for every admin test file here.
from tests.config.test_admin import every_row, operator, ops  # noqa: F401


@pytest.fixture
def world(alice, bob, carol, circle, dana):
    """One of everything a URL can name, so views get past their lookups."""
    from circles.actions import invite
    from circles.models import Invitation
    from meetings import actions
    from meetings.models import Format
    from members.models import Milestone

    meeting = actions.schedule(
        circle,
        day=timezone.localdate() + timedelta(days=3),
        at=time(12),
        minutes=60,
        zone="UTC",
        details=actions.Details("Circle", Format.ONLINE, "https://example.org/meet"),
        by=alice,
    )
    milestone = Milestone.objects.create(
        member=alice, kind=Milestone.Kind.PUBLICATION, date=timezone.localdate(), title="Paper"
    )
    invite(circle, ["erin@example.org"], by=alice)
    invitation = Invitation.objects.get(circle=circle, email="erin@example.org")
    return {
        "slug": circle.slug,
        "pk": meeting.pk,
        "int": meeting.pk,
        "item": 1,
        "public_id": alice.public_id,
        "uuid": alice.public_id,
        "token": "x",
        "table": "meetings",
        "report": "workbook",
        "milestone": milestone.pk,
        "invitation": invitation.pk,
    }
