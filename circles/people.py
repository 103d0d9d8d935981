"""Rules about people that rest on circle memberships, registered with members (which sits
below circles and cannot import it) from CirclesConfig.ready()."""

from datetime import datetime

from django.db.models import Exists, Min, OuterRef, Q

from members.models import ALUMNI_FOLLOW_UP, CHECK_IN_PERIOD, register_people_rules

from .models import Circle, Membership


def card_visible_to(viewer) -> Q:
    """Besides themselves, a person sees the cards of people they share a circle with (both
    seated), of people asking to join or waitlisted in a circle they organize, and of
    current members of circles of programs they administer."""
    seated_in = Membership.objects.seated().filter(user=viewer).values("circle")
    organizes = Membership.objects.organizers().filter(user=viewer).values("circle")
    administers = Circle.objects.filter(program__admins=viewer).values("pk")
    return (
        Exists(Membership.objects.seated().filter(user=OuterRef("pk"), circle__in=seated_in))
        | Exists(Membership.objects.current().filter(user=OuterRef("pk"), circle__in=organizes))
        | Exists(Membership.objects.current().filter(user=OuterRef("pk"), circle__in=administers))
    )


def check_in_audience(users, now: datetime):
    """Among `users`: seated now (active or on leave), or seated once and gone (left or
    removed) less than five years ago; and who joined at least one check-in period ago.
    Annotated with `first_joined` and `is_seated`."""
    Status = Membership.Status
    seated = Membership.objects.seated().filter(user=OuterRef("pk"))
    recent_alumni = Membership.objects.filter(
        user=OuterRef("pk"),
        status__in=(Status.LEFT, Status.REMOVED),
        joined_at__isnull=False,
        ended_at__gte=now - ALUMNI_FOLLOW_UP,
    )
    return (
        users.filter(is_active=True)
        .filter(Exists(seated) | Exists(recent_alumni))
        .annotate(first_joined=Min("memberships__joined_at"), is_seated=Exists(seated))
        .filter(first_joined__lte=now - CHECK_IN_PERIOD)
    )


def register() -> None:
    register_people_rules(card_visible_to=card_visible_to, check_in_audience=check_in_audience)
