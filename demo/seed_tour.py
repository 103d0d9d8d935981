"""What a newcomer exploring a fresh `make run` should find waiting, whatever the day:

- a follow-up survey open for Priya (a meeting of the Lean In circle held three days ago;
  three days, so beat's survey planner, which looks back two days, leaves it alone);
- a meeting of the Lean In circle in three days, with its reminders pending in the outbox
  (the worker sends them when they come due);
- an invitation waiting for Sam (to come back to the workgroup), to accept from his dashboard;
- a join request from Lena to the Lean In circle, for the organizer to approve.

Idempotent like the rest of the seed: a re-run on the same day finds what it made; on a
later day it makes the moving parts anew only when the old ones have gone by.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from circles.models import Circle, Invitation, Membership, MembershipEvent
from config.tokens import hash_token
from meetings.models import Attendance, AttendanceChange, Format, Meeting, Survey
from meetings.reminders import REMINDER, plan_reminders
from meetings.times import localize
from members.models import User
from outbox.models import Notification

from .data import ORGANIZER_EMAIL

PEER_CIRCLE = "early-career-women-in-medicine"
WORKGROUP = "micrew"
SURVEY_FOR = "priya@demo.roundtable.test"
INVITED = "sam@demo.roundtable.test"
REQUESTER = "lena@demo.roundtable.test"
HELD_TITLE = "Promotion dossier clinic"
NEXT_TITLE = "Negotiation skills drop-in"
HELD_DAYS_AGO = 3
NEXT_IN_DAYS = 3
SURVEY_OPEN_DAYS = 14
INVITATION_DAYS = 14
REQUEST_MESSAGE = (
    "I'm a clinical pharmacist finishing my residency and would love a peer group as I look "
    "for a faculty position. I can make Tuesday lunchtimes Eastern."
)


@dataclass
class Tour:
    held: Meeting
    upcoming: Meeting
    reminders: int
    invitation: Invitation
    request: Membership

    def lines(self, base_url: str) -> list[str]:
        return [
            f"  Priya has a survey to answer: {base_url}{self.held.get_absolute_url()}survey/",
            f"  A meeting in {NEXT_IN_DAYS} days with {self.reminders} reminders pending: "
            f"{base_url}{self.upcoming.get_absolute_url()}",
            f"  Sam has an invitation waiting on his dashboard: {base_url}/",
            f"  Lena asked to join the Lean In circle (log in as the organizer): "
            f"{base_url}/circles/{PEER_CIRCLE}/members/",
        ]


def seed_tour() -> Tour:
    peer = Circle.objects.get(slug=PEER_CIRCLE)
    organizer = User.objects.get(email=ORGANIZER_EMAIL)
    held = _held_meeting(peer, organizer)
    upcoming = _upcoming_meeting(peer, organizer)
    return Tour(
        held=held,
        upcoming=upcoming,
        reminders=_pending_reminders(upcoming),
        invitation=_invitation(Circle.objects.get(slug=WORKGROUP), organizer),
        request=_join_request(peer),
    )


def find_tour() -> Tour | None:
    """The tour as seeded, without writing anything (None if it was not seeded or has
    gone by): for the welcome printed once the worker is up."""
    peer = Circle.objects.filter(slug=PEER_CIRCLE).first()
    workgroup = Circle.objects.filter(slug=WORKGROUP).first()
    if peer is None or workgroup is None:
        return None
    held, upcoming = _find_held(peer), _find_upcoming(peer)
    invitation = workgroup.invitations.pending().for_email(INVITED).first()
    request = peer.memberships.filter(user__email=REQUESTER).first()
    if not (held and upcoming and invitation and request):
        return None
    return Tour(
        held=held,
        upcoming=upcoming,
        reminders=_pending_reminders(upcoming),
        invitation=invitation,
        request=request,
    )


def _pending_reminders(meeting: Meeting) -> int:
    return meeting.notifications.filter(kind=REMINDER, status=Notification.Status.PENDING).count()


def _noon_in(circle: Circle, days: int) -> datetime:
    day = timezone.localtime(timezone.now(), timezone=ZoneInfo(circle.timezone)).date() + timedelta(
        days
    )
    return localize(day, time(12), circle.timezone)


def _one_off(circle: Circle, title: str, start: datetime, organizer) -> Meeting:
    return Meeting.objects.create(
        circle=circle,
        title=title,
        start=start,
        end=start + timedelta(hours=1),
        timezone=circle.timezone,
        meeting_format=Format.ONLINE,
        video_link=circle.video_link,
        agenda="Bring one question; we go round the table (45 min)\nOne action each (15 min)",
        created_by=organizer,
    )


def _find_held(circle: Circle) -> Meeting | None:
    now = timezone.now()
    return (
        circle.meetings.filter(title=HELD_TITLE, end__lte=now, end__gte=now - timedelta(days=10))
        .order_by("-start")
        .first()
    )


def _held_meeting(circle: Circle, organizer) -> Meeting:
    """A meeting held a few days ago: attendance taken, no log yet (a to-do for the
    organizer), and a survey still open for the people who were there."""
    now = timezone.now()
    meeting = _find_held(circle)
    if meeting is None:
        meeting = _one_off(circle, HELD_TITLE, _noon_in(circle, -HELD_DAYS_AGO), organizer)
    seated = circle.memberships.filter(status=Membership.Status.ACTIVE).select_related("user")
    present = [m.user for m in seated]
    if not meeting.attendance.exists():
        marks = Attendance.objects.bulk_create(
            Attendance(
                meeting=meeting, user=u, status=Attendance.Status.PRESENT, recorded_by=organizer
            )
            for u in present
        )
        AttendanceChange.objects.bulk_create(
            AttendanceChange(attendance=a, status=a.status, changed_by=organizer, at=meeting.end)
            for a in marks
        )
    Survey.objects.bulk_create(
        [
            Survey(
                meeting=meeting,
                user=u,
                # Answered from the dashboard while logged in; the emailed link's token is
                # never made, so a random one's hash stands in.
                token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                expires_at=now + timedelta(days=SURVEY_OPEN_DAYS),
            )
            for u in present
        ],
        ignore_conflicts=True,
    )
    return meeting


def _find_upcoming(circle: Circle) -> Meeting | None:
    return (
        circle.meetings.filter(
            title=NEXT_TITLE,
            status=Meeting.Status.SCHEDULED,
            start__gt=timezone.now() + timedelta(hours=6),
        )
        .order_by("start")
        .first()
    )


def _upcoming_meeting(circle: Circle, organizer) -> Meeting:
    meeting = _find_upcoming(circle)
    if meeting is None:
        meeting = _one_off(circle, NEXT_TITLE, _noon_in(circle, NEXT_IN_DAYS), organizer)
    plan_reminders(Meeting.objects.filter(pk=meeting.pk))
    return meeting


def _invitation(circle: Circle, organizer) -> Invitation:
    invitation = circle.invitations.pending().for_email(INVITED).first()
    if invitation is None:
        invitation = Invitation.objects.create(
            circle=circle,
            email=INVITED,
            invited_by=organizer,
            # Accepted in the app (the dashboard finds it by his verified address); the
            # emailed token is never made, so nothing secret is kept or printed.
            token_hash=hash_token(secrets.token_urlsafe(32)),
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
    return invitation


def _join_request(circle: Circle) -> Membership:
    user = User.objects.get(email=REQUESTER)
    membership = circle.memberships.filter(user=user).first()
    if membership is not None:
        return membership  # asked already, or the organizer answered: leave it
    now = timezone.now() - timedelta(days=1)
    membership = Membership.objects.create(
        circle=circle,
        user=user,
        role=Membership.Role.MEMBER,
        status=Membership.Status.REQUESTED,
        requested_at=now,
        request_message=REQUEST_MESSAGE,
        charter_accepted=circle.current_charter,
        charter_accepted_at=now,
    )
    MembershipEvent.objects.create(
        membership=membership, kind=MembershipEvent.Kind.REQUESTED, actor=user, at=now
    )
    return membership
