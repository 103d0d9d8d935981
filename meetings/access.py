"""Resolving meetings for a request: scoped to the person, so outsiders get 404; a member
without the organizer role gets 403 for organizer-only changes."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from .models import Meeting, MeetingSeries


def get_meeting(
    request: HttpRequest, pk: int, *, manage: bool = False, member: bool = False
) -> Meeting:
    queryset = Meeting.objects.visible_to(request.user).select_related(
        "circle__program", "circle__current_charter", "series", "facilitator"
    )
    meeting = get_object_or_404(queryset, pk=pk)
    if manage and not meeting.circle.is_organizer(request.user):
        raise PermissionDenied("Only the circle's organizers can do this.")
    if member and not meeting.circle.is_member(request.user):
        raise PermissionDenied("Only members of the circle can do this.")
    return meeting


def get_series(request: HttpRequest, pk: int) -> MeetingSeries:
    visible = Meeting.objects.visible_to(request.user).values("circle")
    series = get_object_or_404(
        MeetingSeries.objects.select_related("circle"), pk=pk, circle__in=visible
    )
    if not series.circle.is_member(request.user):
        raise PermissionDenied("Only members of the circle can answer.")
    return series
