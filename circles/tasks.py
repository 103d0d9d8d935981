"""Report jobs. They run on the "reports" queue (see CELERY_TASK_ROUTES), so a long
workbook never holds up email."""

import logging

from celery import shared_task

from . import report_jobs

logger = logging.getLogger(__name__)


# A million-row workbook takes minutes, past the 5-minute default limit of other tasks.
@shared_task(
    acks_late=True, reject_on_worker_lost=True, time_limit=60 * 60, soft_time_limit=55 * 60
)
def build_export(export_id: int) -> str:
    return report_jobs.build(export_id)


@shared_task
def delete_old_exports() -> int:
    return report_jobs.delete_old_files()
