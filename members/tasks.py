"""Celery tasks of members: thin, the work is in the named modules."""

from celery import shared_task

from . import checkins


@shared_task
def send_career_check_ins() -> int:
    """Daily (celery beat): queue the six-monthly career check-ins that are due."""
    return checkins.send_career_check_ins()
