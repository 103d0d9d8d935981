"""Resolving circles and their objects for a request. Objects come from querysets already
scoped to the person, so an outsider gets 404 and cannot learn that a private circle
exists; a person who can see it but lacks the role gets 403."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from .models import Circle, Invitation, Membership


def get_circle(request: HttpRequest, slug: str, *, manage: bool = False) -> Circle:
    queryset = Circle.objects.visible_to(request.user).select_related("program", "current_charter")
    circle = get_object_or_404(queryset, slug=slug)
    if manage and not circle.is_organizer(request.user):
        raise PermissionDenied("Only the circle's organizers can do this.")
    return circle


def get_membership(request: HttpRequest, circle: Circle, pk: int) -> Membership:
    """A membership of `circle`, for its organizers (the caller checked the role)."""
    return get_object_or_404(circle.memberships.select_related("user"), pk=pk)


def get_own_membership(request: HttpRequest, circle: Circle) -> Membership:
    membership = circle.membership_of(request.user)
    if membership is None:
        raise PermissionDenied("You are not in this circle.")
    return membership


def get_invitation(circle: Circle, pk: int) -> Invitation:
    return get_object_or_404(circle.invitations, pk=pk)
