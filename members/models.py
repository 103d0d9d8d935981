import uuid

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Lower
from django.urls import reverse

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


class UserQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "UserQuerySet":
        """People whose member card `viewer` may see: themselves, people they share a
        circle with (both seated), people asking to join or waitlisted in a circle they
        organize, and current members of circles of programs they administer."""
        if not viewer.is_authenticated:
            return self.none()
        from circles.models import Circle, Membership  # circles builds on members

        seated_in = Membership.objects.seated().filter(user=viewer).values("circle")
        organizes = Membership.objects.organizers().filter(user=viewer).values("circle")
        administers = Circle.objects.filter(program__admins=viewer).values("pk")
        return self.filter(
            Q(pk=viewer.pk)
            | Exists(Membership.objects.seated().filter(user=OuterRef("pk"), circle__in=seated_in))
            | Exists(Membership.objects.current().filter(user=OuterRef("pk"), circle__in=organizes))
            | Exists(
                Membership.objects.current().filter(user=OuterRef("pk"), circle__in=administers)
            )
        )


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
