"""Demo data for the embedded default. Idempotent: running it again updates the same rows."""

import os

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.models import Institution, User

DEMO_PASSWORD_DEFAULT = "circles-demo-2026"  # noqa: S105 (demo accounts, printed)

# (email, full name, preferred name, pronouns, institution, profession, specialty, stage, tz)
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
PROGRAM_ADMIN_EMAIL = "admin@demo.roundtable.test"


class Command(BaseCommand):
    help = "Create or refresh the demo accounts (an organizer, members, a program admin)."

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
        created = 0
        for email, full, preferred, pronouns, inst, prof, spec, stage, tz in DEMO_PEOPLE:
            institution = Institution.objects.get_or_create_named(inst)
            user, was_created = User.objects.update_or_create(
                email=email,
                defaults={
                    "full_name": full,
                    "preferred_name": preferred,
                    "pronouns": pronouns,
                    "institution": institution,
                    "profession": prof,
                    "specialty": spec,
                    "career_stage": stage,
                    "timezone": tz,
                    "is_staff": email == PROGRAM_ADMIN_EMAIL,
                },
            )
            user.set_password(password)
            user.save(update_fields=["password"])
            # Demo addresses are verified so the accounts log in under mandatory verification.
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            created += was_created
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created} new, {len(DEMO_PEOPLE) - created} refreshed)."
            )
        )
        self.stdout.write("Log in at http://127.0.0.1:8000/accounts/login/ with:")
        for email, full, *_ in DEMO_PEOPLE:
            role = (
                "program admin"
                if email == PROGRAM_ADMIN_EMAIL
                else ("organizer" if email.startswith("organizer") else "member")
            )
            self.stdout.write(f"  {email:<34} {full:<20} ({role})")
        self.stdout.write(f"Password for all demo accounts: {password}")
