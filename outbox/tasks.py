"""Celery tasks of the outbox. Bodies are thin: they claim rows and call delivery.
Sending runs on the "email" queue with late acks (a task whose worker dies is delivered
again; rows already sent, or taken by another run of the same batch, are skipped)."""

import logging

from celery import shared_task

from . import delivery

logger = logging.getLogger(__name__)


@shared_task
def dispatch_due_notifications() -> int:
    """The sweep (every minute, and kicked after a commit): claim due rows and enqueue
    their batches. A batch that cannot be enqueued is given back for the next sweep."""
    batches = delivery.claim_due()
    for ids in batches:
        try:
            send_notifications.apply_async(args=[ids], retry=False)
        except Exception:
            logger.warning("broker unreachable; %s notifications released", len(ids))
            delivery.release(ids)
    return sum(len(ids) for ids in batches)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def send_notifications(self, ids: list[int]) -> dict:
    return delivery.send_batch(ids)


# The names these tasks had while the outbox lived in meetings: messages the previous
# release queued under them still run after a deploy. Remove them one release later.
@shared_task(name="meetings.tasks.dispatch_due_notifications")
def dispatch_due_notifications_under_old_name() -> int:
    return dispatch_due_notifications()


@shared_task(
    name="meetings.tasks.send_notifications",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_notifications_under_old_name(self, ids: list[int]) -> dict:
    return delivery.send_batch(ids)
