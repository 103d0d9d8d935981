import secrets
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Exists, Expression, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from config.tokens import hash_token
from members.models import NamedQuerySet
from members.timezones import validate_timezone

INVITATION_LIFETIME = timedelta(days=14)


class ProgramQuerySet(models.QuerySet):
    def reportable_by(self, user) -> "ProgramQuerySet":
        """The programs `user` may report on: every one for staff, else those they
        administer. The one rule for report pages, exports and export jobs."""
        if not user.is_authenticated:
            return self.none()
        return self if user.is_staff else self.filter(admins=user)


class Program(models.Model):
    """An organization's mentoring program: owns circles, has admins, is reported on."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="administered_programs"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_admin(self, user) -> bool:
        return user.is_authenticated and self.admins.filter(pk=user.pk).exists()


class TopicQuerySet(NamedQuerySet):
    def fields_for_new(self, name: str) -> dict:
        base = slugify(name)[:50] or "topic"
        slug, n = base, 2
        while self.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        return {"name": name, "slug": slug}


class Topic(models.Model):
    """What a circle focuses on (promotion, parental leave, grant writing...)."""

    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60, unique=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="circles_topic_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name


# Set by meetings (register_next_meeting_start) when the apps are ready.
_next_meeting_start: Callable[[], Expression] | None = None


def register_next_meeting_start(expression: Callable[[], Expression]) -> None:
    """`expression()` gives, for a circle row (OuterRef("pk")), its next meeting's start."""
    global _next_meeting_start
    _next_meeting_start = expression


# Set by meetings (register_membership_changed) when the apps are ready: the
# participation facts (meetings/facts.py) follow every change of who sat where and when.
_membership_changed: Callable[..., None] | None = None


def register_membership_changed(hook: Callable[..., None]) -> None:
    """`hook(memberships=[ids], circles=[ids])` brings what rests on those memberships (and
    on those circles' meetings) up to date, inside the caller's transaction."""
    global _membership_changed
    _membership_changed = hook


def membership_changed(*memberships: "Membership", circles=()) -> None:
    """Tell the registered hook that `memberships` changed (joined, ended, role, leave);
    `circles`: circles whose meetings lost or gained a membership some other way (one
    moved to another circle)."""
    if _membership_changed is not None:
        _membership_changed(memberships=[m.pk for m in memberships], circles=list(circles))


class CircleQuerySet(models.QuerySet):
    def discoverable(self) -> "CircleQuerySet":
        """Circles anyone may find in the list: listed and not archived."""
        return self.filter(visibility=Circle.Visibility.LISTED).exclude(
            status=Circle.Status.ARCHIVED
        )

    def visible_to(self, user) -> "CircleQuerySet":
        """Circles whose page `user` may open: discoverable ones, circles they are in or
        left (not removed from), circles they hold an open invitation to (at a verified
        address), and every circle of the programs they administer."""
        discoverable = Q(visibility=Circle.Visibility.LISTED) & ~Q(status=Circle.Status.ARCHIVED)
        if not user.is_authenticated:
            return self.filter(discoverable)
        # Alumni keep reading their circles (archived ones too); removed people and
        # declined applicants do not.
        member = Exists(
            Membership.objects.filter(
                circle=OuterRef("pk"), user=user, status__in=(*Membership.CURRENT, "left")
            )
        )
        admin = Exists(
            Program.admins.through.objects.filter(program=OuterRef("program"), user=user)
        )
        invited = Exists(Invitation.objects.pending().for_user(user).filter(circle=OuterRef("pk")))
        return self.filter(discoverable | member | admin | invited)

    def with_counts(self) -> "CircleQuerySet":
        """Annotate member_count (active and on leave: both hold a seat) and
        institution_count (distinct institutions among them)."""
        seated = Q(memberships__status__in=Membership.SEATED)
        return self.annotate(
            member_count=Count("memberships", filter=seated, distinct=True),
            institution_count=Count("memberships__user__institution", filter=seated, distinct=True),
        )

    def with_next_meeting(self) -> "CircleQuerySet":
        """Annotate next_meeting_start: the start of the next scheduled meeting, if any.
        Which meeting is next is meetings' rule: it registers the expression from its
        AppConfig.ready() (circles cannot import meetings)."""
        if _next_meeting_start is None:
            raise ImproperlyConfigured("meetings has not registered next_meeting_start")
        return self.annotate(next_meeting_start=_next_meeting_start())

    def with_open_seats(self) -> "CircleQuerySet":
        return self.with_counts().filter(
            Q(capacity__isnull=True) | Q(capacity__gt=models.F("member_count"))
        )


class Circle(models.Model):
    class Kind(models.TextChoices):
        PEER_CIRCLE = "peer_circle", "Peer circle"
        WORKGROUP = "workgroup", "Research workgroup"

    class JoinPolicy(models.TextChoices):
        OPEN = "open", "Open: anyone can join"
        APPROVAL = "approval", "Approval: organizers approve requests"
        INVITE_ONLY = "invite_only", "Invite-only"

    class Visibility(models.TextChoices):
        LISTED = "listed", "Listed: anyone can find it"
        UNLISTED = "unlisted", "Unlisted: only members see it"

    class Status(models.TextChoices):
        FORMING = "forming", "Forming"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ARCHIVED = "archived", "Archived"

    class MeetingFormat(models.TextChoices):
        ONLINE = "online", "Online"
        IN_PERSON = "in_person", "In person"
        HYBRID = "hybrid", "Hybrid"

    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.PROTECT, related_name="circles"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, max_length=4000)
    topics = models.ManyToManyField(Topic, blank=True, related_name="circles")
    capacity = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(2)],
        help_text="Most members at once. Leave empty for no limit.",
    )
    join_policy = models.CharField(
        max_length=20, choices=JoinPolicy.choices, default=JoinPolicy.APPROVAL
    )
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.LISTED
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.FORMING)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    meeting_format = models.CharField(
        max_length=20, choices=MeetingFormat.choices, default=MeetingFormat.ONLINE
    )
    video_link = models.URLField(blank=True, max_length=500)
    place = models.CharField(blank=True, max_length=200)
    cadence = models.CharField(
        "usual cadence", blank=True, max_length=120, help_text="For example “2nd Tuesday, 12:00”."
    )
    current_charter = models.OneToOneField(
        "Charter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CircleQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=2),
                name="circles_circle_capacity_at_least_two",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("circles:detail", kwargs={"slug": self.slug})

    # --- roles ---------------------------------------------------------------------------
    def membership_of(self, user) -> "Membership | None":
        """`user`'s current membership (requested, waitlisted, active or on leave)."""
        if not user.is_authenticated:
            return None
        return self.memberships.current().filter(user=user).first()

    def is_organizer(self, user) -> bool:
        return (
            user.is_authenticated
            and self.memberships.seated().filter(user=user, role=Membership.Role.ORGANIZER).exists()
        )

    def is_member(self, user) -> bool:
        """A current member (active or on leave), organizers included."""
        return user.is_authenticated and self.memberships.seated().filter(user=user).exists()

    def is_program_admin(self, user) -> bool:
        return self.program_id is not None and self.program.is_admin(user)

    def can_see_roster(self, user) -> bool:
        return self.is_member(user) or self.is_program_admin(user)

    # --- seats ---------------------------------------------------------------------------
    def seats_taken(self) -> int:
        return self.memberships.seated().count()

    def is_full(self) -> bool:
        return self.capacity is not None and self.seats_taken() >= self.capacity

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED

    @property
    def accepts_members(self) -> bool:
        return self.status not in (self.Status.ARCHIVED, self.Status.PAUSED)

    def kind_defaults(self) -> dict:
        return KIND_DEFAULTS[self.kind]


# What choosing a kind pre-fills on the "new circle" form, and why (shown beside it).
KIND_DEFAULTS = {
    Circle.Kind.PEER_CIRCLE: {
        "capacity": 12,
        "join_policy": Circle.JoinPolicy.APPROVAL,
        "meeting_format": Circle.MeetingFormat.ONLINE,
        "cadence": "Monthly, 2nd Tuesday, 12:00",
        "mission": (
            "We are peers who meet monthly to help each other with the challenges of an "
            "academic medical career: promotion, negotiation, parental leave, burnout."
        ),
        "guiding_principles": (
            "What is said in the circle stays in the circle.\n"
            "We listen first and advise only when asked.\n"
            "Everyone gets time to speak; no one has to.\n"
            "We come prepared and on time, or let the circle know."
        ),
        "explanation": (
            "Peer circles work best with 8 to 12 members who meet about once a month, "
            "often online and across institutions. Confidentiality is the first principle."
        ),
    },
    Circle.Kind.WORKGROUP: {
        "capacity": None,
        "join_policy": Circle.JoinPolicy.APPROVAL,
        "meeting_format": Circle.MeetingFormat.HYBRID,
        "cadence": "Every other Thursday, 16:00",
        "mission": "",
        "guiding_principles": "",
        "explanation": (
            "A research workgroup is a standing, multidisciplinary group of early-career "
            "investigators who give each other feedback on grants, manuscripts and career "
            "plans. Members come and go over the years, so there is no size limit by "
            "default. Write down your mission and the principles you work by: what the "
            "group is for, how feedback is given, how works in progress are scheduled."
        ),
    },
}


class Charter(models.Model):
    """One version of a circle's mission statement and guiding principles."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="charters")
    version = models.PositiveIntegerField()
    mission = models.TextField("mission statement", max_length=4000)
    guiding_principles = models.TextField(max_length=6000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["circle", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "version"], name="circles_charter_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.circle} charter v{self.version}"

    def principles_list(self) -> list[str]:
        return [line.strip() for line in self.guiding_principles.splitlines() if line.strip()]


class MembershipQuerySet(models.QuerySet):
    def current(self) -> "MembershipQuerySet":
        """Requested, waitlisted, active or on leave: at most one per person and circle."""
        return self.filter(status__in=Membership.CURRENT)

    def seated(self) -> "MembershipQuerySet":
        """Active or on leave: these hold a seat and see the circle's private side."""
        return self.filter(status__in=Membership.SEATED)

    def organizers(self) -> "MembershipQuerySet":
        return self.seated().filter(role=Membership.Role.ORGANIZER)

    def waitlist(self) -> "MembershipQuerySet":
        """Waitlisted people in the order they joined the list (first come, first served)."""
        return self.filter(status=Membership.Status.WAITLISTED).order_by("requested_at", "pk")

    def with_member_count(self) -> "MembershipQuerySet":
        """Annotate member_count: the seats taken in each row's circle (active and on
        leave), counted in the same query as the rows (as Circle.with_counts does)."""
        seats = (
            Membership.objects.seated()
            .filter(circle=OuterRef("circle"))
            .order_by()
            .values("circle")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(member_count=Coalesce(Subquery(seats), 0))


class Membership(models.Model):
    """A person's history in one circle. Never deleted: leaving and rejoining makes a new
    row, so tenure and retention can be computed from these rows."""

    class Role(models.TextChoices):
        ORGANIZER = "organizer", "Organizer"
        MEMBER = "member", "Member"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        WAITLISTED = "waitlisted", "Waitlisted"
        ACTIVE = "active", "Active"
        ON_LEAVE = "on_leave", "On leave"
        LEFT = "left", "Left"
        REMOVED = "removed", "Removed"
        DECLINED = "declined", "Request declined"

    CURRENT = (Status.REQUESTED, Status.WAITLISTED, Status.ACTIVE, Status.ON_LEAVE)
    SEATED = (Status.ACTIVE, Status.ON_LEAVE)

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=20, choices=Status.choices)
    request_message = models.TextField(blank=True, max_length=1000)
    requested_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True, max_length=1000)
    charter_accepted = models.ForeignKey(
        Charter, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    charter_accepted_at = models.DateTimeField(null=True, blank=True)
    invitation = models.ForeignKey(
        "Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminders_muted = models.BooleanField(
        default=False, help_text="No meeting reminders from this circle."
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["circle", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "circle"],
                condition=Q(status__in=["requested", "waitlisted", "active", "on_leave"]),
                name="circles_membership_one_current_per_person",
            ),
        ]
        indexes = [
            # Serves seat counts and rosters: memberships of a circle by status.
            models.Index(fields=["circle", "status"], name="circles_membership_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.circle} ({self.status})"

    @property
    def is_organizer(self) -> bool:
        return self.role == self.Role.ORGANIZER

    @property
    def is_seated(self) -> bool:
        return self.status in self.SEATED

    @property
    def is_current(self) -> bool:
        return self.status in self.CURRENT

    def needs_charter_acceptance(self) -> bool:
        charter_id = self.circle.current_charter_id
        return self.is_seated and charter_id is not None and self.charter_accepted_id != charter_id

    def record(self, kind: str, *, by=None, note: str = "") -> "MembershipEvent":
        return MembershipEvent.objects.create(membership=self, kind=kind, actor=by, note=note)


class MembershipEvent(models.Model):
    """What happened to a membership, when and by whom: the history behind tenure, leave
    periods (not attrition) and the roster's audit trail."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", "Asked to join"
        WAITLISTED = "waitlisted", "Joined the waitlist"
        JOINED = "joined", "Joined"
        APPROVED = "approved", "Request approved"
        DECLINED = "declined", "Request declined"
        PROMOTED_FROM_WAITLIST = "promoted", "Moved from the waitlist into a seat"
        MADE_ORGANIZER = "made_organizer", "Made organizer"
        MADE_MEMBER = "made_member", "No longer organizer"
        LEAVE_STARTED = "leave_started", "Went on leave"
        LEAVE_ENDED = "leave_ended", "Back from leave"
        CHARTER_ACCEPTED = "charter_accepted", "Accepted the charter"
        LEFT = "left", "Left"
        REMOVED = "removed", "Removed"

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.membership}: {self.kind}"


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> "InvitationQuerySet":
        """Not accepted, not revoked, not expired."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def open(self) -> "InvitationQuerySet":
        """Not accepted and not revoked (possibly expired): at most one per address."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def for_email(self, email: str) -> "InvitationQuerySet":
        return self.filter(email=email.lower())

    def for_user(self, user) -> "InvitationQuerySet":
        """Invitations to any of `user`'s verified addresses. An address someone merely
        typed at sign-up proves nothing until it is verified."""
        from allauth.account.models import EmailAddress

        verified = EmailAddress.objects.filter(user=user, verified=True).values("email")
        return self.filter(email__in=verified)

    def by_token(self, token: str) -> "InvitationQuerySet":
        return self.filter(token_hash=hash_token(token))


class Invitation(models.Model):
    """An emailed, single-use, expiring invitation to a circle. Only a hash of the token
    is stored: a copy of the database does not hand out working links."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    # The name typed with the address ("Erin Evans <erin@example.org>"), if any.
    name = models.CharField(max_length=150, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(default=timezone.now)
    send_count = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accepted_invitations",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                "circle",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="circles_invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.circle}"

    def issue_token(self) -> str:
        """Give the invitation a fresh token and expiry; returns the token for the email.
        Earlier links stop working."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.expires_at = timezone.now() + INVITATION_LIFETIME
        return token

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired

    def is_for(self, user) -> bool:
        """Whether `user` may accept it: the invited address is one of their verified ones."""
        if not user.is_authenticated:
            return False
        return Invitation.objects.for_user(user).filter(pk=self.pk).exists()
