"""Reminder throughput through the whole path against a bare SMTP loop, in one run.

Path: 10,000 due reminder rows → celery beat sweep claims them → Redis → worker (2
processes) renders each in its recipient's timezone (with .ics and RSVP links) and sends
over SMTP → an aiosmtpd sink on loopback. Baseline: the same 10,000 messages, rendered
beforehand, sent by a bare loop over one SMTP connection to the same sink. The last line
is throughput(path) / throughput(bare loop); the aim is at least 0.8.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/roundtable_bench \\
        .venv/bin/python bench/reminders.py [--count 10000]

Needs PostgreSQL (the worker shares the database) and redis-server on the PATH.
"""

import argparse
import os
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (it is emptied).")
    tmp = Path(tempfile.mkdtemp(prefix="roundtable-bench-"))

    from tests.integration.services import Redis, SmtpSink, start_worker, stop, worker_env

    env = worker_env(database_url, "redis://unused", 0, tmp)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DJANGO_", "DATABASE_"))})
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ},
        check=True,
    )
    import django

    django.setup()
    from datetime import time as clock
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from circles.models import Circle, Membership
    from meetings import actions
    from meetings.models import Format
    from members.models import User
    from outbox.delivery import build_message
    from outbox.models import Notification

    Notification.objects.all().delete()
    Membership.objects.filter(circle__slug="bench-circle").delete()
    Circle.objects.filter(slug="bench-circle").delete()
    User.objects.filter(email__endswith="@bench.example.org").delete()
    organizer = User.objects.create_user("organizer@bench.example.org", full_name="Organizer")
    circle = Circle.objects.create(
        name="Bench circle", slug="bench-circle", kind="peer_circle", timezone="America/Detroit"
    )
    zones = ["America/Detroit", "Europe/London", "Asia/Tokyo", "America/Los_Angeles"]
    users = User.objects.bulk_create(
        User(
            email=f"m{i}@bench.example.org",
            full_name=f"Member {i}",
            timezone=zones[i % 4],
            reminder_minutes=[60],
        )
        for i in range(args.count)
    )
    Membership.objects.bulk_create(
        Membership(circle=circle, user=u, status="active", joined_at=timezone.now())
        for u in [organizer, *users]
    )
    meeting = actions.schedule(
        circle,
        day=timezone.localdate() + timedelta(days=2),
        at=clock(12),
        minutes=60,
        zone="America/Detroit",
        details=actions.Details("Monthly circle", Format.ONLINE, "https://example.org/meet"),
        by=organizer,
    )
    # Only the reminders below are measured: not the announcement and reminders that
    # scheduling queued by itself.
    meeting.notifications.all().delete()

    def rows(status):
        return [
            Notification(
                kind="reminder",
                recipient=u,
                email=u.email,
                circle=circle,
                meeting=meeting,
                offset_minutes=60,
                status=status,
                dedupe_key=f"bench:{status}:{u.pk}",
                due_at=timezone.now(),
            )
            for u in users
        ]

    with SmtpSink() as smtp:
        sink = smtp.sink
        # Baseline: the same messages rendered beforehand, one SMTP connection, a bare loop.
        prepared = Notification.objects.bulk_create(rows("cancelled"))
        messages = []
        cache = {"users": {u.pk for u in users}}
        for row in Notification.objects.filter(pk__in=[r.pk for r in prepared]).select_related(
            "recipient", "meeting__circle"
        ):
            message = build_message(row, cache)
            messages.append((row.email, message.message().as_bytes(linesep="\r\n")))
        Notification.objects.filter(pk__in=[r.pk for r in prepared]).delete()
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", smtp.port) as connection:
            for to, raw in messages:
                connection.sendmail("noreply@bench.example.org", [to], raw)
        bare = time.perf_counter() - start
        baseline_count = len(sink.ids)
        sink.ids.clear()

        # The whole path: rows in the outbox, the sweep, Redis, the worker, SMTP.
        redis = Redis(tmp).start()
        worker_settings = worker_env(database_url, redis.url, smtp.port, tmp)
        # Production's stuck threshold (10 minutes), not the integration tests' short one.
        worker_settings["NOTIFICATIONS_STUCK_AFTER_SECONDS"] = "600"
        worker = start_worker(worker_settings, tmp)
        time.sleep(3)  # let the worker and its beat start: we time delivery, not boot
        try:
            import psutil

            tree = psutil.Process(worker.pid)
            processes = [tree, *tree.children(recursive=True)]

            def cpu_seconds() -> float:
                return sum(sum(p.cpu_times()[:2]) for p in processes if p.is_running())

            cpu_before = cpu_seconds()
            start = time.perf_counter()
            Notification.objects.bulk_create(rows("pending"))
            while Notification.objects.filter(status="sent").count() < args.count:
                if time.perf_counter() - start > 900:
                    raise SystemExit("timed out")
                time.sleep(0.2)
            path = time.perf_counter() - start
            worker_cpu = cpu_seconds() - cpu_before
        finally:
            stop(worker)
            redis.stop()
        delivered = len(set(sink.ids))
    print(
        f"bare SMTP loop: {baseline_count} messages in {bare:.1f}s ({baseline_count / bare:.0f}/s)"
    )
    print(
        f"outbox path:    {delivered} messages in {path:.1f}s ({delivered / path:.0f}/s), "
        f"duplicates: {len(sink.ids) - delivered}"
    )
    print(f"worker CPU per message: {1000 * worker_cpu / delivered:.2f} ms (all its processes)")
    print(f"throughput ratio path/bare loop: {bare / path:.2f}")
    mail.outbox = []


if __name__ == "__main__":
    main()
