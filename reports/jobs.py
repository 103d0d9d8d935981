"""Turning report filters into a scope, and building large workbooks as jobs.

A job is an `Export` row: the web request writes it (status queued) and enqueues
`reports.tasks.build_export` after commit (`tasks.enqueue_build`); the worker claims it
with a conditional UPDATE, writes the file beside the others in REPORTS_EXPORT_DIR and
records progress as it goes, so the status page can show how far it got.
"""

import logging
import os
import uuid
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils import timezone

from circles.models import Circle, Membership, Program

from . import exports
from .figures import Scope
from .forms import ReportFilterForm
from .models import Export

logger = logging.getLogger(__name__)

KEEP_FILES_FOR = timedelta(days=7)


class ScopeError(Exception):
    """The filters no longer describe anything this person may report on."""


def scope_of(form: ReportFilterForm, zone: str) -> Scope:
    """The scope a valid filter form selects; dates are whole days in `zone`."""
    data = form.cleaned_data
    tz = ZoneInfo(zone)
    start = end = None
    if data.get("start"):
        start = datetime.combine(data["start"], time.min, tzinfo=tz)
    if data.get("end"):
        end = datetime.combine(data["end"] + timedelta(days=1), time.min, tzinfo=tz)
    return Scope(circles=form.circles(), start=start, end=end)


def scope_for(user, filters: dict) -> tuple[Scope, str]:
    """Rebuild a scope from stored filters, checking access again: someone who lost
    their program's admin role since asking gets nothing."""
    if filters.get("organizer_circle"):
        circles = Circle.objects.filter(
            slug=filters["organizer_circle"],
            memberships__in=Membership.objects.organizers().filter(user=user),
        )
        if not circles.exists():
            raise ScopeError("You no longer organize this circle.")
        return Scope(circles=circles), str(circles.get())
    programs = Program.objects.reportable_by(user).order_by("name")
    if not user.is_staff and not programs.exists():
        raise ScopeError("You no longer administer a program.")
    form = ReportFilterForm(filters, programs=programs, every_circle=user.is_staff)
    if not form.is_valid():
        raise ScopeError("These filters are no longer valid for you.")
    return scope_of(form, filters.get("zone") or "UTC"), form.describe()


def file_path(export: Export) -> Path:
    return Path(settings.REPORTS_EXPORT_DIR) / export.file_name


def write(report: str, file, scope: Scope, describe: str, *, progress=None) -> int:
    if report == Export.Report.RESEARCH:
        return exports.write_research(file, scope, describe, progress=progress)
    return exports.write_workbook(file, scope, describe, progress=progress)


def build(export_id: int) -> str:
    """Claim a queued export, write its workbook, mark it done (or failed). A running one
    is claimed again: with late acks, a task is delivered a second time only when the
    worker running it died, and the export would otherwise stay "being built" forever."""
    claimed = Export.objects.filter(
        pk=export_id, status__in=(Export.Status.QUEUED, Export.Status.RUNNING)
    ).update(status=Export.Status.RUNNING, rows_done=0)
    if claimed != 1:
        return "not queued"
    export = Export.objects.get(pk=export_id)
    user = get_user_model().objects.get(pk=export.requested_by_id)
    folder = Path(settings.REPORTS_EXPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{export.public_id}.xlsx"
    # Each attempt writes its own partial file: two attempts never write into one file.
    partial = folder / f".{name}.{uuid.uuid4().hex}.part"

    def progress(done: int) -> None:
        Export.objects.filter(pk=export_id).update(rows_done=done)

    try:
        scope, describe = scope_for(user, export.filters)
        with open(partial, "wb") as file:
            rows = write(export.report, file, scope, describe, progress=progress)
        os.replace(partial, folder / name)  # the file appears whole or not at all
    except Exception as error:
        partial.unlink(missing_ok=True)
        logger.exception("export %s failed", export_id)
        message = str(error) if isinstance(error, ScopeError) else "The export could not be built."
        Export.objects.filter(pk=export_id).update(
            status=Export.Status.FAILED, error=message, finished_at=timezone.now()
        )
        return "failed"
    Export.objects.filter(pk=export_id).update(
        status=Export.Status.DONE,
        file_name=name,
        rows_done=rows,
        rows_total=F("rows_total") if rows <= export.rows_total else rows,
        finished_at=timezone.now(),
    )
    return "done"


def delete_old_files(now=None) -> int:
    """Built files are kept a week; the audit rows stay. Partial files of attempts that
    died are removed after a day."""
    now = now or timezone.now()
    folder = Path(settings.REPORTS_EXPORT_DIR)
    if folder.exists():
        for partial in folder.glob(".*.part"):
            age = now.timestamp() - partial.stat().st_mtime
            if age > timedelta(days=1).total_seconds():
                partial.unlink(missing_ok=True)
    cutoff = now - KEEP_FILES_FOR
    old = Export.objects.filter(~Q(file_name=""), finished_at__lt=cutoff)
    count = 0
    for export in old:
        file_path(export).unlink(missing_ok=True)
        count += 1
    old.update(file_name="")
    return count
