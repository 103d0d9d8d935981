"""Throughput of Roundtable's pages against a trivial page served by the same gunicorn.

Machines here are shared and noisy, so absolute requests/second mean little: every page is
measured side by side with /health/ (one SELECT 1 and a cache write through the same
middleware stack) in the same run, interleaved, and the script prints the ratio
page/baseline. Beside each ratio it prints the CPU time gunicorn's workers spent per
request (from psutil): unlike the ratio, that figure hardly moves when the machine is
shared. The last line is the worst ratio.

    .venv/bin/python bench/pages.py [--requests 300] [--rounds 3] [--only dashboard,meeting]

Uses DATABASE_URL/REDIS_URL when set (PostgreSQL/Redis), else SQLite under a temp folder.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_requests(port: int, path: str, n: int, cookie: str) -> float:
    """Requests per second for n sequential keep-alive GETs of path."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    start = time.perf_counter()
    for _ in range(n):
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
    elapsed = time.perf_counter() - start
    conn.close()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated parts of page labels")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="roundtable-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ.update(env)
    python = sys.executable
    run = {"cwd": ROOT, "env": env, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([python, "manage.py", "migrate", "--noinput"], **run)
    subprocess.run([python, "manage.py", "collectstatic", "--noinput"], **run)

    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    # The configured engine (cached_db with Redis), as a real sign-in would use.
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

    from members.models import Institution, User

    for i in range(50):
        Institution.objects.get_or_create(name=f"Bench University {i}")
    user, _ = User.objects.get_or_create(
        email="bench@example.org",
        defaults={"full_name": "Bench Person", "institution": Institution.objects.first()},
    )
    # The person organizes a circle of 12 with two months of held meetings, so the
    # dashboard computes its to-do (who was expected and is not marked) and the circle
    # list its next meetings. Members take turns facilitating and presenting, and answer
    # the upcoming meetings, so the meeting page shows what it does in a real circle.
    from datetime import timedelta

    from django.utils import timezone

    from circles.models import Circle, Membership
    from meetings.models import RSVP, AgendaItem, Meeting

    circle, created = Circle.objects.get_or_create(
        slug="bench-circle",
        defaults={"name": "Bench circle", "kind": "peer_circle", "timezone": "UTC"},
    )
    if created:
        year_ago = timezone.now() - timedelta(days=365)
        peers = [
            User.objects.create_user(f"peer{i}@bench.example.org", full_name=f"Peer {i}")
            for i in range(11)
        ]
        Membership.objects.create(
            circle=circle, user=user, role="organizer", status="active", joined_at=year_ago
        )
        Membership.objects.bulk_create(
            Membership(circle=circle, user=p, status="active", joined_at=year_ago) for p in peers
        )
        people = [user, *peers]
        for week in range(-8, 4):
            start = timezone.now() + timedelta(weeks=week)
            meeting = Meeting.objects.create(
                circle=circle,
                title=f"Week {week}",
                start=start,
                end=start + timedelta(hours=1),
                timezone="UTC",
                meeting_format="online",
                video_link="https://meet.example.org/bench",
                facilitator=people[week % len(people)],
            )
            AgendaItem.objects.create(
                meeting=meeting,
                title=f"Draft aims, week {week}",
                presenter=people[(week + 3) % len(people)],
                added_by=user,
            )
            if week >= 0:
                RSVP.objects.bulk_create(
                    RSVP(meeting=meeting, user=p, answer=("yes", "no", "maybe")[i % 3])
                    for i, p in enumerate(people[:9])
                )
    # The next meeting still to start: its page has the agenda and swap forms.
    next_meeting = circle.meetings.filter(start__gt=timezone.now()).order_by("start").first()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    port = free_port()
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                timed_requests(port, "/health/", 1, "")
                break
            except (ConnectionRefusedError, http.client.HTTPException, OSError):
                time.sleep(0.1)
        pages = [
            ("landing (anonymous)", "/", ""),
            ("log in page", "/accounts/login/", ""),
            ("sign up page", "/accounts/signup/", ""),
            ("dashboard (organizer, 8 past meetings to mark)", "/", cookie),
            ("circle list", "/circles/", cookie),
            ("circle page", "/circles/bench-circle/", cookie),
            ("meeting page (organizer, next meeting)", f"/meetings/{next_meeting.pk}/", cookie),
            ("my meetings", "/meetings/", cookie),
            ("my profile", "/profile/", cookie),
            ("edit profile (600 timezones, 50 institutions)", "/profile/edit/", cookie),
        ]
        if args.only:
            pages = [p for p in pages if any(w in p[0] for w in args.only.split(","))]
        for _, path, c in pages:  # warm up every worker
            timed_requests(port, path, 20, c)
        workers = psutil.Process(server.pid)

        def worker_cpu() -> float:
            """CPU seconds used so far by gunicorn's worker processes."""
            return sum(sum(w.cpu_times()[:2]) for w in workers.children())

        ratios = {}
        baselines = []
        base_cpu = []
        for label, path, c in pages:
            per_round = []
            cpu = 0.0
            for _ in range(args.rounds):
                before = worker_cpu()
                base = timed_requests(port, "/health/", args.requests, "")
                middle = worker_cpu()
                page = timed_requests(port, path, args.requests, c)
                cpu += worker_cpu() - middle
                base_cpu.append(middle - before)
                baselines.append(base)
                per_round.append(page / base)
            ratios[label] = (statistics.median(per_round), page, cpu / args.rounds / args.requests)
        base_ms = statistics.median(base_cpu) / args.requests * 1000
        print(
            f"baseline /health/: {statistics.median(baselines):.0f} req/s (median), "
            f"worker CPU {base_ms:.1f} ms/request"
        )
        for label, (ratio, rps, cpu) in ratios.items():
            print(
                f"{label:<48} {rps:7.0f} req/s   ratio to baseline {ratio:.2f}"
                f"   worker CPU {cpu * 1000:5.1f} ms/request"
            )
        worst = min(ratios.items(), key=lambda item: item[1][0])
        print(f"worst page/baseline ratio: {worst[1][0]:.2f} ({worst[0]})")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
