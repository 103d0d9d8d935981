from celery import shared_task

from .models import MeetingSeries


@shared_task
def extend_meeting_series() -> int:
    """Keep every running series generated up to its rolling horizon. Idempotent: an
    occurrence that exists is never created twice."""
    created = 0
    for series in MeetingSeries.objects.filter(ended_at__isnull=True).select_related("circle"):
        if series.circle.is_archived:
            continue
        created += len(series.generate())
    return created
