"""A batch of the outbox costs the same number of queries whatever its size: rows are
taken, read and marked in bulk, and what every reminder of one meeting shares is read
once per meeting."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outbox import delivery
from outbox.models import Notification
from tests.factories import due_reminders

pytestmark = pytest.mark.django_db


def batch_of(count: int) -> list[int]:
    due_reminders(count)
    [ids] = delivery.claim_due()
    return ids


@pytest.mark.parametrize("count", [5, 50])
def test_a_batch_costs_the_same_queries_at_5_and_at_50_rows(count, mailoutbox, monkeypatch):
    # On a loaded machine 50 messages can take longer than MARK_EVERY, which adds a mid-batch
    # UPDATE: that flush is timed, not counted, so it is kept out of the budget here.
    monkeypatch.setattr(delivery, "MARK_EVERY", timedelta(hours=1))
    ids = batch_of(count)
    with CaptureQueriesContext(connection) as ctx:
        assert delivery.send_batch(ids)["sent"] == count
    assert len(mailoutbox) == count
    # take, read the rows, per meeting: the expected (1), the answers (2), the agenda (1),
    # then one UPDATE marking them sent.
    assert len(ctx.captured_queries) == 6, [q["sql"][:80] for q in ctx.captured_queries]
    sent = Notification.objects.filter(pk__in=ids, status="sent")
    assert {n.message_id for n in sent} == {delivery.message_id(n) for n in sent}
