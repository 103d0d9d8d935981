"""Celery tasks. Bodies are thin: they claim rows and call the module that does the work.
Sending runs on the "email" queue with late acks (a task whose worker dies is delivered
again; rows already sent are skipped by their status)."""

import logging

from celery import shared_task

from . import delivery, reminders
from .models import MeetingSeries

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


@shared_task
def plan_reminders_and_surveys() -> dict:
    return {"reminders": reminders.plan_reminders(), "surveys": reminders.plan_surveys()}


@shared_task
def extend_meeting_series() -> int:
    """Keep every running series generated up to its rolling horizon. Idempotent: an
    occurrence that exists is never created twice."""
    created = 0
    for series in MeetingSeries.objects.filter(ended_at__isnull=True).select_related("circle"):
        if series.circle.is_archived:
            continue
        try:
            created += len(series.generate())
        except Exception:  # one broken series must not stop the others
            logger.exception("could not extend series %s", series.pk)
    return created
