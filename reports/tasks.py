"""Report jobs. They run on the "reports" queue (see CELERY_TASK_ROUTES), so a long
workbook never holds up email."""

import logging

from celery import shared_task
from django.utils import timezone

from . import jobs
from .models import Export

logger = logging.getLogger(__name__)


# A million-row workbook takes minutes, past the 5-minute default limit of other tasks.
@shared_task(
    acks_late=True, reject_on_worker_lost=True, time_limit=60 * 60, soft_time_limit=55 * 60
)
def build_export(export_id: int) -> str:
    return jobs.build(export_id)


@shared_task
def delete_old_exports() -> int:
    return jobs.delete_old_files()


def enqueue_build(export_id: int) -> None:
    """Hand the job to the reports queue; if the broker cannot be reached, the export is
    marked failed at once (the person sees why) rather than left queued forever."""
    try:
        build_export.apply_async(args=[export_id], retry=False)
    except Exception:
        logger.warning("broker unreachable; export %s not queued", export_id)
        Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).update(
            status=Export.Status.FAILED,
            error="The export could not be started just now. Please try again in a minute.",
            finished_at=timezone.now(),
        )


# The names these tasks had while reports lived in circles: jobs the previous release
# queued under them still run after a deploy. Remove them one release later.
@shared_task(
    name="circles.tasks.build_export",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=60 * 60,
    soft_time_limit=55 * 60,
)
def build_export_under_old_name(export_id: int) -> str:
    return jobs.build(export_id)


@shared_task(name="circles.tasks.delete_old_exports")
def delete_old_exports_under_old_name() -> int:
    return jobs.delete_old_files()
