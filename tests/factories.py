import itertools

import factory
from allauth.account.models import EmailAddress

from members.models import Institution, User

PASSWORD = "correct-horse-battery-staple"


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"University {n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified primary email address who can log in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    institution = factory.SubFactory(InstitutionFactory)
    profession = User.Profession.PHYSICIAN
    specialty = "Critical care"
    career_stage = User.CareerStage.EARLY
    timezone = "America/Detroit"

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)


_circle_numbers = itertools.count(1)


def make_circle(organizer, *, members=(), program=None, **fields):
    """A circle created the way the site creates one (charter v1, organizer seated), with
    `members` seated as active members."""
    from django.utils import timezone

    from circles import actions
    from circles.forms import unique_slug
    from circles.models import Circle, Membership

    name = fields.pop("name", None) or f"Circle {next(_circle_numbers)}"
    fields.setdefault("kind", Circle.Kind.PEER_CIRCLE)
    fields.setdefault("status", Circle.Status.ACTIVE)
    fields.setdefault("timezone", "America/Detroit")
    circle = Circle(
        name=name, slug=fields.pop("slug", unique_slug(name)), program=program, **fields
    )
    actions.create_circle(
        circle=circle,
        by=organizer,
        mission="We help each other.",
        guiding_principles="What is said here stays here.\nWe listen first.",
    )
    # Seated a year ago, so meetings of the recent past count everyone as expected.
    now = timezone.now() - timezone.timedelta(days=365)
    circle.memberships.update(joined_at=now)
    for user in members:
        Membership.objects.create(
            circle=circle,
            user=user,
            status=Membership.Status.ACTIVE,
            joined_at=now,
            charter_accepted=circle.current_charter,
            charter_accepted_at=now,
        )
    return circle


def due_reminders(count: int):
    """`count` reminders due now, to `count` members of one circle, for one meeting two
    days ahead (outbox rows, as the planner makes them)."""
    from datetime import time, timedelta

    from django.utils import timezone

    from meetings.models import Format, Meeting
    from meetings.times import localize
    from outbox.models import Notification

    organizer = UserFactory()
    members = UserFactory.create_batch(count, reminder_minutes=[60])
    circle = make_circle(organizer, members=members)
    # Made directly, not through actions.schedule(): that would announce the meeting and
    # plan these very reminders itself; only the rows below are under test.
    start = localize(timezone.localdate() + timedelta(days=2), time(12), "UTC")
    meeting = Meeting.objects.create(
        circle=circle,
        title="Circle",
        start=start,
        end=start + timedelta(minutes=60),
        timezone="UTC",
        meeting_format=Format.ONLINE,
        video_link="https://example.org/meet",
        created_by=organizer,
    )
    return Notification.objects.bulk_create(
        Notification(
            kind="reminder",
            recipient=u,
            email=u.email,
            circle=circle,
            meeting=meeting,
            offset_minutes=60,
            dedupe_key=f"reminder:{meeting.pk}:{u.pk}:60",
            due_at=timezone.now(),
        )
        for u in members
    )
