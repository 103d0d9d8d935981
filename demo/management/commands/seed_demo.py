"""Demo data for the embedded default: the demo accounts, two programs and two circles with
their rosters and history, a year of each circle's meetings (see demo/seed_meetings.py) and the
members' career milestones (see demo/seed_milestones.py).
Idempotent: running it again updates the same rows and never adds a second membership (or
its history) for a person already in a circle, nor a second meeting, answer, attendance
mark or log. Sends no email.
"""

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from circles.models import Charter, Circle, Membership, MembershipEvent, Program, Topic
from demo.data import CIRCLES, ORGANIZER_EMAIL, PROGRAM_ADMIN_EMAIL, PROGRAMS, ROSTER_PEOPLE
from demo.seed_meetings import seed_meetings
from demo.seed_milestones import seed_milestones
from demo.seed_tour import seed_tour
from demo.welcome import account_lines, tour_lines
from meetings.facts import rebuild_facts
from members.models import Institution, User

DEMO_PASSWORD_DEFAULT = "circles-demo-2026"  # noqa: S105 (demo accounts, printed)

# The accounts to log in with (printed). Circle members who are not among them are in
# demo.data.ROSTER_PEOPLE, in the same shape.
# (email, full name, preferred name, pronouns, gender, institution, profession, specialty,
#  stage, tz)
DEMO_PEOPLE = [
    (
        "organizer@demo.roundtable.test",
        "Maya Okafor",
        "Maya",
        "she/her",
        "woman",
        "University of Michigan",
        "physician",
        "Pulmonary and critical care",
        "early_career",
        "America/Detroit",
    ),
    (
        "priya@demo.roundtable.test",
        "Priya Raman",
        "",
        "she/her",
        "woman",
        "Johns Hopkins University",
        "physician",
        "Hospital medicine",
        "early_career",
        "America/New_York",
    ),
    (
        "sam@demo.roundtable.test",
        "Samuel Lindqvist",
        "Sam",
        "he/him",
        "man",
        "University of Washington",
        "scientist",
        "Health services research",
        "early_career",
        "America/Los_Angeles",
    ),
    (
        "grace@demo.roundtable.test",
        "Grace Adeyemi",
        "",
        "she/her",
        "woman",
        "University of Michigan",
        "nurse",
        "Critical care nursing",
        "mid_career",
        "America/Detroit",
    ),
    (
        "lena@demo.roundtable.test",
        "Lena Hoffmann",
        "",
        "they/them",
        "non_binary",
        "Charité - Universitätsmedizin Berlin",
        "pharmacist",
        "Clinical pharmacology",
        "trainee",
        "Europe/Berlin",
    ),
    (
        "admin@demo.roundtable.test",
        "Dana Whitfield",
        "Dana",
        "she/her",
        "woman",
        "University of Michigan",
        "other",
        "Faculty development",
        "senior",
        "America/Detroit",
    ),
]


Event = MembershipEvent.Kind


def _on(day: str, tz: str) -> datetime:
    """Noon on an ISO day in the circle's timezone."""
    return datetime.combine(date.fromisoformat(day), time(12), tzinfo=ZoneInfo(tz))


class Command(BaseCommand):
    help = (
        "Create or refresh the demo accounts (an organizer, members, a program admin) and the "
        "demo programs and circles with their members and a year of their meetings."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT),
            help="Password for every demo account (default: $DEMO_PASSWORD or a fixed demo one).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even when DEBUG is off (demo accounts with a known password!).",
        )

    @transaction.atomic
    def handle(self, *args, password: str, allow_production: bool, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to create demo accounts with a known password while DEBUG is off. "
                "Pass --allow-production if you really mean it."
            )
        # One hash for everyone: hashing is deliberately slow and this runs on every start.
        password_hash = make_password(password)
        people = DEMO_PEOPLE + ROSTER_PEOPLE
        created = sum(self._upsert_user(person, password_hash) for person in people)
        admin = User.objects.get(email=PROGRAM_ADMIN_EMAIL)
        programs = {}
        for slug, name, description in PROGRAMS:
            programs[slug], _ = Program.objects.update_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
            programs[slug].admins.add(admin)
        circles = [self._seed_circle(spec, programs[spec["program"]]) for spec in CIRCLES]
        organizer = User.objects.get(email=ORGANIZER_EMAIL)
        meetings = [
            seed_meetings(circle, spec, organizer)
            for circle, spec in zip(circles, CIRCLES, strict=True)
        ]
        new_milestones = seed_milestones()
        tour = seed_tour()
        # The seeds write rows in bulk, around the actions that keep the participation
        # facts: rebuild them once, in this transaction.
        rebuild_facts()

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created} new, {len(people) - created} refreshed accounts; "
                f"{len(programs)} programs, {len(circles)} circles)."
            )
        )
        base_url = settings.SITE_URL.rstrip("/")
        for line in account_lines(DEMO_PEOPLE, password, base_url):
            self.stdout.write(line)
        self.stdout.write("Demo circles:")
        width = max(len(c.get_absolute_url()) for c in circles)
        for circle in Circle.objects.with_counts().filter(pk__in=[c.pk for c in circles]):
            on_leave = circle.memberships.filter(status=Membership.Status.ON_LEAVE).count()
            alumni = circle.memberships.filter(status=Membership.Status.LEFT).count()
            self.stdout.write(
                f"  {circle.get_absolute_url():<{width}}  {circle.name}: "
                f"{circle.member_count} members ({on_leave} on leave) from "
                f"{circle.institution_count} institutions, {alumni} alumni"
            )
        self.stdout.write("Demo meetings:")
        for summary in meetings:
            self.stdout.write(f"  {summary}")
        self.stdout.write(f"Demo career milestones: {new_milestones} new.")
        for line in tour_lines(tour, base_url):
            self.stdout.write(line)

    def _upsert_user(self, person: tuple, password_hash: str) -> bool:
        email, full, preferred, pronouns, gender, inst, prof, spec, stage, tz = person
        user, was_created = User.objects.update_or_create(
            email=email,
            defaults={
                "full_name": full,
                "preferred_name": preferred,
                "pronouns": pronouns,
                "gender": gender,
                "institution": Institution.objects.get_or_create_named(inst),
                "profession": prof,
                "specialty": spec,
                "career_stage": stage,
                "timezone": tz,
                "is_staff": email == PROGRAM_ADMIN_EMAIL,
                "password": password_hash,
            },
        )
        # Demo addresses are verified so the accounts log in under mandatory verification.
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return was_created

    def _seed_circle(self, spec: dict, program: Program) -> Circle:
        tz = spec["fields"]["timezone"]
        founded = _on(spec["founded"], tz)
        circle, _ = Circle.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                **spec["fields"],
                "program": program,
                "created_by": User.objects.get(email=spec["created_by"]),
            },
        )
        topics = Topic.objects.filter(slug__in=spec["topics"])
        if len(topics) != len(spec["topics"]):
            raise CommandError("Topics are missing: run `python manage.py migrate` first.")
        circle.topics.set(topics)
        charter, _ = Charter.objects.get_or_create(
            circle=circle,
            version=1,
            defaults={
                "mission": spec["mission"],
                "guiding_principles": spec["guiding_principles"],
                "created_by": circle.created_by,
            },
        )
        if circle.current_charter_id is None:  # keep a charter revised since in the app
            circle.current_charter = charter
            circle.save(update_fields=["current_charter"])
        # auto_now_add fields: backdate to when the circle began.
        Circle.objects.filter(pk=circle.pk).update(created_at=founded)
        Charter.objects.filter(pk=charter.pk).update(created_at=founded)
        for row in spec["roster"]:
            self._seed_membership(circle, row, spec, first_charter=charter)
        return circle

    def _seed_membership(self, circle: Circle, row: tuple, spec: dict, *, first_charter) -> None:
        """One membership with its history, backdated; skipped if the person has any."""
        email, role, joined_on, left_on, end_reason = row
        on_leave = spec["on_leave"]
        user = User.objects.get(email=email)
        if Membership.objects.filter(circle=circle, user=user).exists():
            return  # already seeded (or changed in the app since): never duplicate history
        tz = circle.timezone
        joined = _on(joined_on, tz)
        ended = _on(left_on, tz) if left_on else None
        status = Membership.Status.LEFT if ended else Membership.Status.ACTIVE
        if email in on_leave:
            status = Membership.Status.ON_LEAVE
        membership = Membership.objects.create(
            circle=circle,
            user=user,
            role=role,
            status=status,
            requested_at=joined,
            joined_at=joined,
            ended_at=ended,
            end_reason=end_reason,
            # Alumni accepted the charter of their day; current members the current one.
            charter_accepted=first_charter if ended else circle.current_charter,
            charter_accepted_at=joined,
        )
        founder = user == circle.created_by and joined_on == spec["founded"]
        events = [(Event.JOINED, joined, "Founded the circle" if founder else "")]
        if email in on_leave:
            leave_on, leave_note = on_leave[email]
            events.append((Event.LEAVE_STARTED, _on(leave_on, tz), leave_note))
        if ended:
            events.append((Event.LEFT, ended, end_reason))
        MembershipEvent.objects.bulk_create(
            MembershipEvent(membership=membership, kind=kind, actor=user, note=note, at=at)
            for kind, at, note in events
        )
