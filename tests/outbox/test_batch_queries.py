"""A batch of the outbox costs the same number of queries whatever its size: rows are
taken, read and marked in bulk, and what every reminder of one meeting shares is read
once per meeting."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import actions
from meetings.models import Format
from outbox import delivery
from outbox.models import Notification
from tests.factories import UserFactory, make_circle

pytestmark = pytest.mark.django_db


def batch_of(count: int) -> list[int]:
    organizer = UserFactory()
    members = UserFactory.create_batch(count, reminder_minutes=[60])
    circle = make_circle(organizer, members=members)
    meeting = actions.schedule(
        circle,
        day=timezone.localdate() + timedelta(days=2),
        at=time(12),
        minutes=60,
        zone="UTC",
        details=actions.Details("Circle", Format.ONLINE, "https://example.org/meet"),
        by=organizer,
    )
    Notification.objects.bulk_create(
        Notification(
            kind="reminder",
            recipient=u,
            email=u.email,
            circle=circle,
            meeting=meeting,
            offset_minutes=60,
            dedupe_key=f"reminder:{meeting.pk}:{u.pk}:60",
            due_at=timezone.now(),
        )
        for u in members
    )
    [ids] = delivery.claim_due()
    return ids


@pytest.mark.parametrize("count", [5, 50])
def test_a_batch_costs_the_same_queries_at_5_and_at_50_rows(count, mailoutbox):
    ids = batch_of(count)
    with CaptureQueriesContext(connection) as ctx:
        assert delivery.send_batch(ids)["sent"] == count
    assert len(mailoutbox) == count
    # take, read the rows, per meeting: the expected (1), the answers (2), the agenda (1),
    # then one UPDATE marking them sent.
    assert len(ctx.captured_queries) == 6, [q["sql"][:80] for q in ctx.captured_queries]
    sent = Notification.objects.filter(pk__in=ids, status="sent")
    assert {n.message_id for n in sent} == {delivery.message_id(n) for n in sent}
