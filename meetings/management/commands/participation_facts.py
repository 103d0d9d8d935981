"""Rebuild or check the participation facts (meetings/facts.py).

    manage.py participation_facts --check     compare with a rebuild; exit 1 on drift
    manage.py participation_facts --rebuild   rebuild both tables, atomically

The tables are kept current by every write; --check proves it (CI runs it over the demo
data), --rebuild repairs them after data was written around the site's actions (a bulk
import, a restore, a migration that adds the tables to an existing database)."""

from django.core.management.base import BaseCommand, CommandError

from meetings.facts import check_facts, rebuild_facts
from meetings.models import MeetingFact, ParticipationFact


class Command(BaseCommand):
    help = "Check the participation facts against a rebuild (--check) or rebuild them."

    def add_arguments(self, parser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument(
            "--check",
            action="store_true",
            help="Compare the maintained tables with a rebuild, writing nothing; "
            "exit status 1 if they differ.",
        )
        action.add_argument(
            "--rebuild", action="store_true", help="Rebuild both tables in one transaction."
        )
        parser.add_argument(
            "--sample", type=int, default=10, help="Differing rows to print (--check)."
        )

    def handle(self, *args, check: bool, rebuild: bool, sample: int, **options) -> None:
        if rebuild:
            rebuild_facts()
            self.stdout.write(
                f"Rebuilt {ParticipationFact.objects.count()} participation facts and "
                f"{MeetingFact.objects.count()} meeting facts."
            )
            return
        drift = check_facts(sample=max(sample, 0))
        for kind, row in drift.samples or []:
            self.stdout.write(f"{kind}: {row}")
        if drift.found:
            raise CommandError(
                "The participation facts differ from a rebuild: "
                f"{drift.missing_facts} fact rows missing, {drift.extra_facts} extra; "
                f"{drift.missing_meetings} meeting rows missing, {drift.extra_meetings} "
                "extra. Run `manage.py participation_facts --rebuild` to repair them, and "
                "find the write that bypassed meetings/facts.py.",
                returncode=1,
            )
        self.stdout.write(
            f"No drift: {ParticipationFact.objects.count()} participation facts and "
            f"{MeetingFact.objects.count()} meeting facts equal a rebuild."
        )
