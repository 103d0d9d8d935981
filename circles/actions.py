"""Writes that change who is in a circle. Each runs in one transaction, locks the circle
row first (so two requests cannot both take the last seat or both remove the last
organizer), records a MembershipEvent and sends its emails after commit."""

from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from members.models import User
from outbox import kinds
from outbox.messages import notify, public_url

from .models import (
    Charter,
    Circle,
    Invitation,
    Membership,
    MembershipEvent,
    Topic,
    membership_changed,
)

INVITATION = kinds.register("invitation", "Invitation")
JOIN_REQUEST = kinds.register("join_request", "Join request")
REQUEST_APPROVED = kinds.register("request_approved", "Request approved")
REQUEST_DECLINED = kinds.register("request_declined", "Request declined")
WAITLIST_PROMOTED = kinds.register("waitlist_promoted", "Waitlist promotion")
CHARTER_CHANGED = kinds.register("charter_changed", "Charter changed")

Event = MembershipEvent.Kind
Status = Membership.Status


class MembershipError(Exception):
    """A change that the circle's rules do not allow; the message tells the person why."""


def _lock(circle: Circle) -> Circle:
    return Circle.objects.select_for_update().get(pk=circle.pk)


def _reload_locked(membership: Membership, *, allowed: tuple, error: str) -> Circle:
    """Lock the circle, re-read the membership, and refuse unless its status is allowed
    (another organizer may have acted on it a moment ago)."""
    circle = _lock(membership.circle)
    membership.refresh_from_db()
    if membership.status not in allowed:
        raise MembershipError(error)
    return circle


def _organizers_to_tell(circle: Circle):
    return [m.user for m in circle.memberships.organizers().select_related("user")]


# --- creating and editing ------------------------------------------------------------------


@transaction.atomic
def create_circle(
    *,
    circle: Circle,
    mission: str,
    guiding_principles: str,
    by,
    topics: list[Topic] = (),
    new_topics: list[str] = (),
) -> Circle:
    """Save a new circle with its first charter and topics; the creator becomes its
    organizer."""
    circle.created_by = by
    circle.save()
    _set_topics(circle, topics, new_topics)
    charter = Charter.objects.create(
        circle=circle,
        version=1,
        mission=mission,
        guiding_principles=guiding_principles,
        created_by=by,
    )
    circle.current_charter = charter
    circle.save(update_fields=["current_charter"])
    now = timezone.now()
    membership = Membership.objects.create(
        circle=circle,
        user=by,
        role=Membership.Role.ORGANIZER,
        status=Status.ACTIVE,
        requested_at=now,
        joined_at=now,
        charter_accepted=charter,
        charter_accepted_at=now,
    )
    membership.record(Event.JOINED, by=by, note="Created the circle")
    membership_changed(membership)
    return circle


@transaction.atomic
def revise_charter(circle: Circle, *, mission: str, guiding_principles: str, by) -> Charter:
    """Make a new charter version. Current members are asked to re-accept it; the organizer
    who wrote it accepts it by writing it."""
    current = _lock(circle).current_charter
    if current and (current.mission, current.guiding_principles) == (mission, guiding_principles):
        return current
    version = (current.version if current else 0) + 1
    charter = Charter.objects.create(
        circle=circle,
        version=version,
        mission=mission,
        guiding_principles=guiding_principles,
        created_by=by,
    )
    circle.current_charter = charter
    circle.save(update_fields=["current_charter", "updated_at"])
    author = circle.memberships.seated().filter(user=by).first()
    if author:
        accept_charter(author, charter=charter)
    for membership in circle.memberships.seated().exclude(user=by).select_related("user"):
        notify(
            CHARTER_CHANGED,
            membership.user,
            circle=circle,
            key=f"charter:{charter.pk}:{membership.user_id}",
            context={"charter": charter},
        )
    return charter


def _set_topics(circle: Circle, topics, new_topics) -> None:
    chosen = list(topics) + [Topic.objects.get_or_create_named(name) for name in new_topics]
    circle.topics.set(chosen)


@transaction.atomic
def update_circle(circle: Circle, *, fields: list[str], by, topics=(), new_topics=()) -> Circle:
    """Save edited settings (only `fields`, so a concurrent status change or charter
    revision is not overwritten); a larger capacity may free seats for the waitlist."""
    _lock(circle)
    circle.save(update_fields=fields)
    _set_topics(circle, topics, new_topics)
    promote_waitlisted(circle, by=by)
    return circle


@transaction.atomic
def set_status(circle: Circle, status: str, *, by) -> Circle:
    _lock(circle)
    circle.status = status
    circle.save(update_fields=["status", "updated_at"])
    promote_waitlisted(circle, by=by)  # seats that freed while it was paused
    return circle


# --- joining -------------------------------------------------------------------------------


def accept_charter(membership: Membership, *, charter: Charter | None = None) -> None:
    charter = charter or membership.circle.current_charter
    if charter is None or membership.charter_accepted_id == charter.pk:
        return
    membership.charter_accepted = charter
    membership.charter_accepted_at = timezone.now()
    membership.save(update_fields=["charter_accepted", "charter_accepted_at"])
    membership.record(Event.CHARTER_ACCEPTED, by=membership.user, note=f"v{charter.version}")


def _seat(circle: Circle, user, *, status: str, by, event: str, **fields) -> Membership:
    now = timezone.now()
    membership = Membership.objects.create(
        circle=circle,
        user=user,
        status=status,
        requested_at=now,
        joined_at=now if status == Status.ACTIVE else None,
        **fields,
    )
    membership.record(event, by=by)
    membership_changed(membership)
    return membership


@transaction.atomic
def join(circle: Circle, user, *, message: str = "") -> Membership:
    """Join an open circle (or its waitlist when full) or ask to join an approval circle.
    The caller has checked that `user` accepted the current charter."""
    circle = _lock(circle)
    if not circle.accepts_members:
        raise MembershipError(
            f"{circle.name} is {circle.get_status_display().lower()}: "
            "it does not take new members now."
        )
    if circle.membership_of(user):
        raise MembershipError("You already belong to this circle or have asked to join it.")
    if circle.memberships.filter(user=user, status=Status.REMOVED).exists():
        raise MembershipError(
            "The organizers removed you from this circle; only an invitation can bring you back."
        )
    charter = {
        "charter_accepted": circle.current_charter,
        "charter_accepted_at": timezone.now() if circle.current_charter else None,
    }
    if circle.join_policy == Circle.JoinPolicy.INVITE_ONLY:
        raise MembershipError("This circle is invite-only: ask an organizer for an invitation.")
    if circle.join_policy == Circle.JoinPolicy.APPROVAL:
        membership = _seat(
            circle,
            user,
            status=Status.REQUESTED,
            by=user,
            event=Event.REQUESTED,
            request_message=message,
            **charter,
        )
        for organizer in _organizers_to_tell(circle):
            notify(
                JOIN_REQUEST,
                organizer,
                circle=circle,
                context={"membership": membership, "applicant": user},
            )
        return membership
    if _must_wait(circle):
        return _seat(
            circle, user, status=Status.WAITLISTED, by=user, event=Event.WAITLISTED, **charter
        )
    return _seat(circle, user, status=Status.ACTIVE, by=user, event=Event.JOINED, **charter)


def _must_wait(circle: Circle) -> bool:
    """Full, or others are already waiting: newcomers queue behind them."""
    return circle.is_full() or circle.memberships.waitlist().exists()


@transaction.atomic
def approve_request(membership: Membership, *, by) -> Membership:
    """Let a requester in, or onto the waitlist when the circle is full."""
    circle = _reload_locked(
        membership, allowed=(Status.REQUESTED,), error="This request has already been answered."
    )
    if _must_wait(circle):
        membership.status = Status.WAITLISTED
        membership.save(update_fields=["status"])
        membership.record(Event.WAITLISTED, by=by, note="Approved while the circle was full")
    else:
        membership.status = Status.ACTIVE
        membership.joined_at = timezone.now()
        membership.save(update_fields=["status", "joined_at"])
        membership.record(Event.APPROVED, by=by)
        membership_changed(membership)
    notify(REQUEST_APPROVED, membership.user, circle=circle, context={"membership": membership})
    return membership


@transaction.atomic
def decline_request(membership: Membership, *, by, reason: str = "") -> Membership:
    _reload_locked(
        membership, allowed=(Status.REQUESTED,), error="This request has already been answered."
    )
    _end(membership, Status.DECLINED, Event.DECLINED, by=by, reason=reason)
    notify(
        REQUEST_DECLINED,
        membership.user,
        circle=membership.circle,
        context={"membership": membership, "reason": reason},
    )
    return membership


@transaction.atomic
def promote_waitlisted(circle: Circle, *, by=None) -> list[Membership]:
    """Fill free seats from the waitlist, oldest first, and tell each person. Never for
    invite-only circles: there an organizer admits people by hand."""
    if circle.join_policy == Circle.JoinPolicy.INVITE_ONLY or not circle.accepts_members:
        return []
    circle = _lock(circle)
    promoted = []
    free = None if circle.capacity is None else circle.capacity - circle.seats_taken()
    for membership in circle.memberships.waitlist().select_related("user"):
        if free is not None and free <= 0:
            break
        _activate_from_waitlist(membership, by=by)
        promoted.append(membership)
        if free is not None:
            free -= 1
    return promoted


def _activate_from_waitlist(membership: Membership, *, by) -> None:
    membership.status = Status.ACTIVE
    membership.joined_at = timezone.now()
    membership.save(update_fields=["status", "joined_at"])
    membership.record(Event.PROMOTED_FROM_WAITLIST, by=by)
    membership_changed(membership)
    notify(
        WAITLIST_PROMOTED,
        membership.user,
        circle=membership.circle,
        context={"membership": membership},
    )


@transaction.atomic
def admit_from_waitlist(membership: Membership, *, by) -> Membership:
    """An organizer gives a free seat to a waitlisted person (any join policy)."""
    circle = _reload_locked(
        membership, allowed=(Status.WAITLISTED,), error="This person is not on the waitlist."
    )
    if circle.is_full():
        raise MembershipError("The circle is full: raise its capacity or wait for a seat.")
    _activate_from_waitlist(membership, by=by)
    return membership


# --- roles, leave, leaving -------------------------------------------------------------------


def _other_organizers(membership: Membership):
    return membership.circle.memberships.organizers().exclude(pk=membership.pk)


def _require_another_organizer(membership: Membership, doing: str) -> None:
    if (
        membership.is_organizer
        and membership.circle.status != Circle.Status.ARCHIVED
        and not _other_organizers(membership).filter(status=Status.ACTIVE).exists()
    ):
        raise MembershipError(
            f"{membership.user.display_name} is the circle's only active organizer and "
            f"cannot {doing}. Make another member organizer first."
        )


def _end(membership: Membership, status: str, event: str, *, by, reason: str) -> None:
    membership.status = status
    membership.ended_at = timezone.now()
    membership.end_reason = reason
    membership.save(update_fields=["status", "ended_at", "end_reason"])
    membership.record(event, by=by, note=reason)
    membership_changed(membership)


@transaction.atomic
def make_organizer(membership: Membership, *, by) -> Membership:
    _reload_locked(
        membership, allowed=(Status.ACTIVE,), error="Only an active member can become an organizer."
    )
    if membership.is_organizer:
        return membership
    membership.role = Membership.Role.ORGANIZER
    membership.save(update_fields=["role"])
    membership.record(Event.MADE_ORGANIZER, by=by)
    membership_changed(membership)
    return membership


@transaction.atomic
def make_member(membership: Membership, *, by) -> Membership:
    _lock(membership.circle)
    membership.refresh_from_db()
    if not membership.is_organizer:
        return membership
    _require_another_organizer(membership, "step down")
    membership.role = Membership.Role.MEMBER
    membership.save(update_fields=["role"])
    membership.record(Event.MADE_MEMBER, by=by)
    membership_changed(membership)
    return membership


@transaction.atomic
def start_leave(membership: Membership, *, by, note: str = "") -> Membership:
    """Parental or medical leave: the seat is kept and it is not attrition."""
    _reload_locked(
        membership, allowed=(Status.ACTIVE,), error="Only an active member can go on leave."
    )
    _require_another_organizer(membership, "go on leave")
    membership.status = Status.ON_LEAVE
    membership.save(update_fields=["status"])
    membership.record(Event.LEAVE_STARTED, by=by, note=note)
    membership_changed(membership)
    return membership


@transaction.atomic
def end_leave(membership: Membership, *, by) -> Membership:
    _reload_locked(membership, allowed=(Status.ON_LEAVE,), error="This person is not on leave.")
    membership.status = Status.ACTIVE
    membership.save(update_fields=["status"])
    membership.record(Event.LEAVE_ENDED, by=by)
    membership_changed(membership)
    return membership


@transaction.atomic
def leave(membership: Membership, *, by, reason: str = "") -> Membership:
    """The person leaves (or withdraws a request / leaves the waitlist)."""
    circle = _reload_locked(
        membership, allowed=Membership.CURRENT, error="You are no longer in this circle."
    )
    _require_another_organizer(membership, "leave")
    seated = membership.is_seated
    _end(membership, Status.LEFT, Event.LEFT, by=by, reason=reason)
    if seated:
        promote_waitlisted(circle, by=by)
    return membership


@transaction.atomic
def remove(membership: Membership, *, by, reason: str) -> Membership:
    circle = _reload_locked(
        membership, allowed=Membership.CURRENT, error="This person is no longer in the circle."
    )
    if membership.user_id == by.pk:
        raise MembershipError("To leave the circle yourself, use “Leave circle”.")
    _require_another_organizer(membership, "be removed")
    seated = membership.is_seated
    _end(membership, Status.REMOVED, Event.REMOVED, by=by, reason=reason)
    if seated:
        promote_waitlisted(circle, by=by)
    return membership


# --- invitations -------------------------------------------------------------------------------


@dataclass
class InvitationResult:
    sent: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (address, why)


@transaction.atomic
def invite(
    circle: Circle, emails: list[str], *, by, names: dict[str, str] | None = None
) -> InvitationResult:
    """Invite each address (already validated and de-duplicated by the form); skip people
    who are already in the circle or already have an open invitation. `names` maps an
    address to the name typed with it, shown on the pending list."""
    _lock(circle)  # two organizers inviting the same address at once get one invitation
    result = InvitationResult()
    for email in emails:
        user = User.objects.filter(email=email).first()
        if user and circle.memberships.seated().filter(user=user).exists():
            result.skipped.append((email, "already a member"))
            continue
        existing = circle.invitations.open().for_email(email).first()
        if existing and not existing.is_expired:
            result.skipped.append((email, "already invited: use “Resend” below"))
            continue
        invitation = existing or Invitation(circle=circle, email=email)
        invitation.name = (names or {}).get(email) or invitation.name
        invitation.invited_by = by
        _send_invitation(invitation, first=existing is None)
        result.sent.append(email)
    return result


def _send_invitation(invitation: Invitation, *, first: bool) -> None:
    token = invitation.issue_token()
    invitation.sent_at = timezone.now()
    invitation.send_count = 1 if first else invitation.send_count + 1
    invitation.save()
    notify(
        INVITATION,
        invitation.email,
        circle=invitation.circle,
        context={"invitation": invitation},
        # The link is a secret: the outbox keeps it only until the email is sent.
        secrets={"invitation_url": public_url(reverse("circles:invitation", args=[token]))},
    )


@transaction.atomic
def resend_invitation(invitation: Invitation, *, by) -> Invitation:
    """A fresh link and 14 more days; the old link stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise MembershipError("This invitation was already used or revoked.")
    invitation.invited_by = by
    _send_invitation(invitation, first=False)
    return invitation


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, by) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise MembershipError("This invitation was already accepted.")
    if not invitation.revoked_at:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def accept_invitation(invitation: Invitation, user) -> Membership:
    """`user` (checked by the caller to be the invitee, having accepted the charter) joins:
    straight into a seat, or onto the waitlist when the circle is full."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise MembershipError("This invitation can no longer be used.")
    circle = _lock(invitation.circle)
    if not circle.accepts_members:
        raise MembershipError(
            f"{circle.name} is {circle.get_status_display().lower()} and does not take new "
            "members now. The invitation stays valid until it expires."
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    charter = {
        "charter_accepted": circle.current_charter,
        "charter_accepted_at": timezone.now() if circle.current_charter else None,
        "invitation": invitation,
    }
    existing = circle.memberships.current().filter(user=user).first()
    if existing and existing.is_seated:
        return existing
    if existing:  # a pending request or a waitlist place: the invitation settles it
        existing.status = Status.WAITLISTED if circle.is_full() else Status.ACTIVE
        existing.joined_at = timezone.now() if existing.status == Status.ACTIVE else None
        existing.invitation = invitation
        existing.save(update_fields=["status", "joined_at", "invitation"])
        existing.record(
            Event.JOINED if existing.status == Status.ACTIVE else Event.WAITLISTED,
            by=user,
            note="Accepted an invitation",
        )
        membership_changed(existing)
        accept_charter(existing)
        return existing
    if circle.is_full():
        return _seat(
            circle, user, status=Status.WAITLISTED, by=user, event=Event.WAITLISTED, **charter
        )
    return _seat(circle, user, status=Status.ACTIVE, by=user, event=Event.JOINED, **charter)
