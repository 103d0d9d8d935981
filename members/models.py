import uuid
from collections.abc import Callable
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from .timezones import validate_timezone


class NamedQuerySet(models.QuerySet):
    """For models with a case-insensitively unique `name` (Lower("name") constraint) that
    people pick from a list or extend by typing a new one."""

    def named(self, name: str) -> "NamedQuerySet":
        """Institutions whose name equals `name` ignoring case, compared exactly as the
        unique constraint compares (lower(), not iexact's UPPER())."""
        return self.alias(lower_name=Lower("name")).filter(lower_name=Lower(Value(name)))

    def get_or_create_named(self, name: str):
        """The row called `name` in any case, added if new. Safe when two people add the
        same new name at once: the loser of the race gets the winner's row."""
        existing = self.named(name).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                return self.create(**self.fields_for_new(name))
        except IntegrityError:
            return self.named(name).get()

    def fields_for_new(self, name: str) -> dict:
        return {"name": name}


class Institution(models.Model):
    """A university, hospital or institute. Members carry one; reports split by it."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NamedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="members_institution_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name


REMINDER_CHOICES = [
    (7 * 24 * 60, "1 week before"),
    (24 * 60, "1 day before"),
    (2 * 60, "2 hours before"),
    (15, "15 minutes before"),
]


def default_reminder_minutes() -> list[int]:
    return [24 * 60, 2 * 60]


# Career check-ins: every six months since a person first joined a circle, for as long as
# they hold a seat and for five years after they leave.
CHECK_IN_PERIOD = relativedelta(months=6)
ALUMNI_FOLLOW_UP = relativedelta(years=5)


# Two rules about people depend on circle memberships, which live in the app above
# (circles): whose member card a person may see, and who is asked about their career.
# members cannot import circles, so circles states both (circles/people.py) and
# registers them here from its AppConfig.ready().
_rules: dict[str, Callable] = {}


def register_people_rules(*, card_visible_to: Callable, check_in_audience: Callable) -> None:
    _rules.update(card_visible_to=card_visible_to, check_in_audience=check_in_audience)


# Filled by higher apps when the apps are ready (meetings: the participation facts): each
# hook gets the ids of people about to be deleted and returns what to run once they are.
_deletion_hooks: dict[str, Callable[[list[int]], Callable[[], None]]] = {}


def register_user_deletion(name: str, hook: Callable[[list[int]], Callable[[], None]]) -> None:
    _deletion_hooks[name] = hook


def delete_users(queryset) -> None:
    """Delete these people (their rows elsewhere go with them, by cascade) and bring up to
    date, in the same transaction, what other apps keep computed from those rows."""
    with transaction.atomic():
        ids = list(queryset.values_list("pk", flat=True))
        then = [hook(ids) for hook in _deletion_hooks.values()]
        queryset.model.objects.filter(pk__in=ids).delete()
        for run in then:
            run()


def _rule(name: str) -> Callable:
    try:
        return _rules[name]
    except KeyError:
        raise ImproperlyConfigured(f"no people rule {name!r}: is circles installed?") from None


class UserQuerySet(models.QuerySet):
    def for_career_check_in(self, now: datetime) -> "UserQuerySet":
        """People to ask about their career: seated now (active or on leave), or seated once
        and gone (left or removed) less than five years ago; and who joined at least one
        check-in period ago. Annotated with `first_joined` (their earliest joined_at in any
        circle) and `is_seated`. The membership side is circles' rule."""
        return _rule("check_in_audience")(self, now)

    def visible_to(self, viewer) -> "UserQuerySet":
        """People whose member card `viewer` may see: themselves, and whom circles' rule
        allows (people they share a circle with, and so on; see circles/people.py)."""
        if not viewer.is_authenticated:
            return self.none()
        return self.filter(Q(pk=viewer.pk) | _rule("card_visible_to")(viewer))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if not (extra["is_staff"] and extra["is_superuser"]):
            raise ValueError("A superuser needs is_staff and is_superuser.")
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Email is the login; there is no username."""

    class Profession(models.TextChoices):
        PHYSICIAN = "physician", "Physician"
        NURSE = "nurse", "Nurse"
        PHARMACIST = "pharmacist", "Pharmacist"
        ADVANCED_PRACTICE = "advanced_practice", "Advanced practice provider"
        SCIENTIST = "scientist", "Scientist"
        OTHER = "other", "Other"

    class CareerStage(models.TextChoices):
        TRAINEE = "trainee", "Trainee"
        EARLY = "early_career", "Early-career"
        MID = "mid_career", "Mid-career"
        SENIOR = "senior", "Senior"

    class Gender(models.TextChoices):
        WOMAN = "woman", "Woman"
        MAN = "man", "Man"
        NON_BINARY = "non_binary", "Non-binary"
        SELF_DESCRIBED = "self_described", "I describe myself another way"
        UNDISCLOSED = "undisclosed", "Prefer not to say"

    class URiM(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        UNDISCLOSED = "undisclosed", "Prefer not to say"

    username = None
    first_name = None
    last_name = None

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    preferred_name = models.CharField(
        max_length=80, blank=True, help_text="What peers call you, if not your full name."
    )

    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    department = models.CharField(max_length=150, blank=True)
    profession = models.CharField(max_length=32, choices=Profession.choices, blank=True)
    specialty = models.CharField(max_length=120, blank=True)
    career_stage = models.CharField(max_length=32, choices=CareerStage.choices, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])

    # Self-identified and optional. Used only in aggregate by program admins; never shown on
    # a member card, a roster or an export row that names a person.
    gender = models.CharField(max_length=32, choices=Gender.choices, blank=True)
    gender_self_description = models.CharField(max_length=80, blank=True)
    underrepresented_in_medicine = models.CharField(
        "under-represented in medicine", max_length=16, choices=URiM.choices, blank=True
    )

    # Minutes before a meeting that reminders go out (any of REMINDER_CHOICES).
    reminder_minutes = models.JSONField(default=default_reminder_minutes, blank=True)
    # When the person last said their academic position is still what their career record
    # shows (the career check-in); programs read how fresh the retention figures are.
    position_confirmed_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            # Emails are stored lower-cased; this also stops two spellings of one address.
            models.UniqueConstraint(Lower("email"), name="members_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("members:card", kwargs={"public_id": self.public_id})

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.display_name

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if self.gender != self.Gender.SELF_DESCRIBED:
            self.gender_self_description = ""

    def latest_position_change(self, milestones=None) -> "Milestone | None":
        """The most recent change of academic position on the person's record. Pass the
        person's milestones when they are loaded already (no query)."""
        if milestones is None:
            milestones = self.milestones.position_changes()
        return latest_milestone(milestones, (Milestone.Kind.POSITION_CHANGE,))

    def current_position(self, milestones=None) -> "Milestone | None":
        """The role the person holds now: the latest new position or promotion (a promotion
        changes the role but not whether it is in academia)."""
        if milestones is None:
            milestones = self.milestones.positions()
        return latest_milestone(milestones, Milestone.POSITION_KINDS)

    @property
    def is_in_academia(self) -> bool:
        """People join while in academic positions: they stay counted as retained until
        their latest position change says the new position is outside academia."""
        latest = self.latest_position_change()
        return latest is None or latest.in_academia is not False

    def confirm_position(self, *, at: datetime | None = None) -> None:
        """Record that the person confirmed their academic position (career check-in)."""
        self.position_confirmed_at = at or timezone.now()
        self.save(update_fields=["position_confirmed_at"])


class MilestoneQuerySet(models.QuerySet):
    def position_changes(self) -> "MilestoneQuerySet":
        return self.filter(kind=Milestone.Kind.POSITION_CHANGE)

    def positions(self) -> "MilestoneQuerySet":
        """Milestones that give a person a new role: a new position or a promotion."""
        return self.filter(kind__in=Milestone.POSITION_KINDS)


def latest_milestone(milestones, kinds) -> "Milestone | None":
    """The latest of `milestones` whose kind is among `kinds`, by date, then by when it was
    entered. One dated in the future has not happened yet."""
    today = timezone.localdate()
    happened = [m for m in milestones if m.kind in kinds and m.date <= today]
    return max(happened, key=lambda m: (m.date, m.pk), default=None)


class Milestone(models.Model):
    """A member's career event. Members keep recording them after they leave a circle;
    program outcomes (awards, grants, retention in academia) are computed from these."""

    class Kind(models.TextChoices):
        CAREER_DEVELOPMENT_AWARD = "cda", "Career development award"
        RESEARCH_GRANT = "grant", "Research grant"
        PUBLICATION = "publication", "Publication"
        PROMOTION = "promotion", "Promotion"
        LEADERSHIP = "leadership", "Leadership role"
        INVITED_TALK = "talk", "Invited talk"
        HONOR = "honor", "Honor or award"
        # Shown beside "in academia" / "outside academia": "New position in academia".
        POSITION_CHANGE = "position", "New position"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="milestones"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    date = models.DateField()
    title = models.CharField(max_length=300)
    funder = models.CharField(
        "funder / mechanism", max_length=200, blank=True, help_text="For example NIH K23."
    )
    link = models.URLField(max_length=500, blank=True)
    # Only for position changes, where it is required: retention in academia is read from
    # the latest one (User.is_in_academia).
    in_academia = models.BooleanField("is the new position in academia?", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # What gives a person a new role (User.current_position).
    POSITION_KINDS = (Kind.POSITION_CHANGE, Kind.PROMOTION)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        permissions = [
            # Without it, staff see milestones as counts only (members/admin.py).
            ("view_private_milestones", "Can see members' milestones one by one"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="position", in_academia__isnull=False)
                    | (~Q(kind="position") & Q(in_academia__isnull=True))
                ),
                name="members_milestone_in_academia_only_for_positions",
                violation_error_message=(
                    "Say whether a new position is in academia, and only for a change of "
                    "academic position."
                ),
            ),
        ]
        indexes = [
            # Serves outcome reports (milestones per member and kind since joining) and
            # retention (a member's latest position change, by date).
            models.Index(fields=["member", "kind", "date"], name="members_milestone_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_position_change(self) -> bool:
        return self.kind == self.Kind.POSITION_CHANGE
