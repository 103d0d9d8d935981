"""Who may read reports. A program admin reports on their programs, staff on all; an
organizer reads their own circle's participation (through circles' get_circle). Anyone
else is refused: the reports exist, the role is missing."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from circles.models import Program


def get_report_programs(request: HttpRequest):
    """The programs the person may report on; 403 for someone who may report on none."""
    user = request.user
    programs = Program.objects.reportable_by(user).order_by("name")
    if not user.is_staff and not programs.exists():
        raise PermissionDenied("Reports are for program admins.")
    return programs
