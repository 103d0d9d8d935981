"""Celery tasks of meetings: thin, the work is in the named modules. The outbox sends
what they queue (outbox/tasks.py)."""

import logging

from celery import shared_task
from django.db import transaction

from . import reminders
from .facts import refresh_facts
from .models import MeetingSeries

logger = logging.getLogger(__name__)


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
            with transaction.atomic():
                new = series.generate()
                if new:
                    refresh_facts(series=[series.pk])
            created += len(new)
        except Exception:  # one broken series must not stop the others
            logger.exception("could not extend series %s", series.pk)
    return created
