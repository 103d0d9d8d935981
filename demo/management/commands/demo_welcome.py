"""Print the demo accounts and what to try, once the Celery worker answers: `make run`
starts it beside the web server, worker and beat, so the welcome comes after their
banners instead of scrolling away above them. Read-only."""

import os
import signal
import time

from celery import current_app as app
from django.conf import settings
from django.core.management.base import BaseCommand

from demo.management.commands.seed_demo import DEMO_PASSWORD_DEFAULT, DEMO_PEOPLE
from demo.seed_tour import find_tour
from demo.welcome import account_lines, tour_lines


class Command(BaseCommand):
    help = "Print the demo accounts and what to try once the worker is up (make run)."

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=float, default=30, help="Seconds to wait for a worker.")
        parser.add_argument(
            "--stay",
            action="store_true",
            help="Keep running after printing (honcho stops every process when one exits).",
        )

    def handle(self, *args, wait: float, stay: bool, **options):
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                if app.control.ping(timeout=1.0):
                    break
            except Exception:  # the broker is not up yet: try again until the deadline
                time.sleep(1)
        time.sleep(1)  # let beat's banner go first
        password = os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
        base_url = settings.SITE_URL.rstrip("/")
        lines = account_lines(DEMO_PEOPLE, password, base_url) + tour_lines(find_tour(), base_url)
        self.stdout.write(self.style.SUCCESS(f"Roundtable is running at {base_url}/"))
        for line in lines:
            self.stdout.write(line)
        self.stdout.flush()
        if stay:
            signal.pause()
