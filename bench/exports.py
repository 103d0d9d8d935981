"""Reports and exports at scale, against the aims of issue 12, in one run.

On the program `seed_scale` builds (10,000 members, 1,000 circles, 50,000 held meetings,
≈480,000 participation rows), under the PRODUCTION settings (config.settings.production:
its database options, jit=off included; Redis cache and sessions) with the report cache
off (REPORTS_CACHE_SECONDS=0: every figure computed), side by side:

1. pages: `/reports/` and `/reports/participation/` for the whole program as its admin,
   and each filter on both pages (one circle, a kind of circle, a date range; the cohort
   grouping of `/reports/`), through Django's test client, median of --runs. Aim: each
   ≤ 300 ms computed. `/health/` through the same client for scale.
2. time: the full participation CSV download through the real code path (the streamed
   response `report_csv` returns) against `COPY (the same SQL) TO STDOUT WITH CSV` read
   completely through psycopg, same connection, runs alternated. Aim: at most 2×.
3. memory: the export's peak RSS growth in a fresh process (ru_maxrss after the export
   minus before it, after a one-circle warm-up export), at ≈100k rows (the program's first
   circles) and at ≈1M rows (this program plus a second one, `scale-2`, of 1,100 circles).
   Aim: under 50 MB at both sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/roundtable_bench \\
    REDIS_URL=redis://127.0.0.1:6379/0 CACHE_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python bench/exports.py [--runs 3] [--no-million]

Creates the database if missing, migrates, and runs seed_scale for a program that is
missing (≈1 minute each; then reused: seed once). The bench clears the cache (FLUSHDB of
the cache's Redis database). The last lines: `aims met: N of M`, then each missed figure.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROGRAM = "scale"
SECOND = "scale-2"  # only for the ≈1M-row memory figure
SECOND_SEED = ["--members", "11000", "--circles", "1100", "--seed", "2"]
SECOND_ADMIN = "scale-admin-2@example.org"
SMALL = "small"  # a 10-circle program in the same database: its pages should be quick
SMALL_SEED = ["--members", "100", "--circles", "10", "--admin-email", "small-admin@example.org"]
ADMIN = "scale-admin@example.org"
SMALL_ROWS = 100_000


def environment() -> dict:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database.")
    tmp = Path(tempfile.gettempdir()) / "roundtable-bench-exports"
    redis = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    return {
        **os.environ,
        # Production's own settings, so the database options are production's (one home:
        # config/settings/base.py); only what a test client over plain HTTP needs differs.
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "REDIS_URL": redis,
        "REPORTS_CACHE_SECONDS": "0",  # every figure computed, never served from the cache
        "ROUNDTABLE_VAR_DIR": str(tmp),
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
    }


def create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def scopes() -> dict:
    """name → (Scope, circle count): the whole program, ≈100k rows, ≈1M rows."""
    from circles.models import Circle
    from reports import figures as reports

    whole = Circle.objects.filter(program__slug=PROGRAM)
    per_circle = reports.count_facts(reports.Scope(circles=whole)) / whole.count()
    count = round(SMALL_ROWS / per_circle)
    first = list(whole.order_by("slug").values_list("pk", flat=True)[:count])
    return {
        "program": reports.Scope(circles=whole),
        "100k": reports.Scope(circles=Circle.objects.filter(pk__in=first)),
        "1M": reports.Scope(circles=Circle.objects.filter(program__slug__in=[PROGRAM, SECOND])),
    }


def export(scope, out) -> int:
    """The participation CSV download, exactly as the view returns it; returns bytes."""
    from reports.exports import participation_csv

    response = participation_csv("participation.csv", scope)
    size = 0
    for chunk in response.streaming_content:
        out.write(chunk)
        size += len(chunk)
    return size


def copy(scope, out) -> int:
    """PostgreSQL's own CSV of the same query, read completely; returns bytes."""
    from django.db import connection

    from reports import figures as reports

    sql, params = reports.fact_rows_sql(scope)
    query = connection.ops.compose_sql(sql, params)  # parameters interpolated by psycopg
    size = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT WITH CSV") as cp:
        for data in cp:
            out.write(data)
            size += len(data)
    return size


def time_export(scope, runs: int) -> dict:
    export_times, copy_times, sizes = [], [], {}
    with open(os.devnull, "wb") as out:
        for _ in range(runs):
            for name, fn, times in (("copy", copy, copy_times), ("export", export, export_times)):
                start = time.perf_counter()
                sizes[name] = fn(scope, out)
                times.append(time.perf_counter() - start)
    return {
        "export": statistics.median(export_times),
        "copy": statistics.median(copy_times),
        "export_all": export_times,
        "copy_all": copy_times,
        "sizes": sizes,
    }


def child_memory(name: str) -> None:
    """In a fresh process: peak RSS growth of one export of scope `name`."""
    import django

    django.setup()
    from circles.models import Circle
    from reports import figures as reports

    scope = scopes()[name]
    rows = reports.count_facts(scope)
    with open(os.devnull, "wb") as out:
        # Warm up imports, the connection and the code path on one circle.
        one = Circle.objects.filter(pk=scope.circles.order_by("pk").values("pk")[:1])
        export(reports.Scope(circles=one), out)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        export(scope, out)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": rows, "before_kb": before, "after_kb": after, "seconds": seconds}))


def measure_memory(name: str, env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child-memory", name],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def fingerprint(sql: str) -> str:
    """A report query by its last SELECT (they all start with the same WITH clauses)."""
    sql = " ".join(sql.split())
    at = sql.rfind(") SELECT ")
    return sql[at + 2 if at >= 0 else 0 :][:90]


def page_paths(program: str) -> list[tuple[str, str]]:
    """(label, path): both pages for the whole program, then each filter on both."""
    from datetime import timedelta

    from django.utils import timezone

    from circles.models import Circle

    circle = Circle.objects.filter(program__slug=program).order_by("slug").first()
    today = timezone.now().date()
    dates = f"start={today - timedelta(days=730)}&end={today - timedelta(days=365)}"
    kind = Circle.Kind.PEER_CIRCLE
    paths = [
        ("/reports/", "/reports/"),
        ("/reports/participation/", "/reports/participation/"),
        ("/reports/ one circle", f"/reports/?circle={circle.slug}"),
        ("/reports/participation/ one circle", f"/reports/participation/?circle={circle.slug}"),
        ("/reports/ cohort grouping", "/reports/?by=cohort"),
        ("/reports/ one kind of circle", f"/reports/?kind={kind}"),
        ("/reports/participation/ one kind", f"/reports/participation/?kind={kind}"),
        ("/reports/ a year's range", f"/reports/?{dates}"),
        ("/reports/participation/ a year's range", f"/reports/participation/?{dates}"),
    ]
    return paths


def time_pages(runs: int, admin: str, paths: list[tuple[str, str]]) -> dict:
    """Each page computed (the report cache is off), median of `runs`, with its queries."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.models import User

    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(email=admin))
    paths = [("/health/", "/health/"), *paths]
    for _label, path in paths:  # warm up (and check) each page once
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    times = {label: [] for label, _path in paths}
    for _ in range(runs):
        for label, path in paths:
            cache.clear()  # nothing left over (sessions come back from the database)
            start = time.perf_counter()
            client.get(path)
            times[label].append(time.perf_counter() - start)
    results = {}
    for label, path in paths:
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
        results[label] = {
            "path": path,
            "seconds": statistics.median(times[label]),
            "all": times[label],
            "queries": len(queries),
            "slowest": [(float(q["time"]), fingerprint(q["sql"])) for q in slowest],
        }
    return results


def database_options() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    return f"OPTIONS {connection.settings_dict.get('OPTIONS')}, SHOW jit = {jit}"


PAGE_AIM = 0.300  # seconds, computed
EXPORT_AIM = 2.0  # × COPY of the same rows
MEMORY_AIM = 50.0  # MB of peak RSS growth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-million", action="store_true", help="Skip the ≈1M-row figure.")
    parser.add_argument("--child-memory", help=argparse.SUPPRESS)
    args = parser.parse_args()
    env = environment()
    os.environ.update(env)
    if args.child_memory:
        child_memory(args.child_memory)
        return

    create_database(env["DATABASE_URL"])
    python = sys.executable
    run = {"cwd": ROOT, "env": env, "check": True}
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], **run)
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"],
        **run,
        stdout=subprocess.DEVNULL,
    )
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from circles.models import Program

    wanted = [(PROGRAM, []), (SMALL, SMALL_SEED)]
    if not args.no_million:
        wanted.append((SECOND, [*SECOND_SEED, "--admin-email", SECOND_ADMIN]))
    seeded = False
    for slug, extra in wanted:
        if not Program.objects.filter(slug=slug).exists():
            print(f"seeding {slug} ...", flush=True)
            cmd = [python, "manage.py", "seed_scale", "--yes", "--program-slug", slug, *extra]
            subprocess.run(cmd, **run)
            seeded = True
    from meetings.models import Meeting, MeetingFact

    if Meeting.objects.exists() and not MeetingFact.objects.exists():
        # A database seeded before the participation facts existed: build them once.
        print("building the participation facts ...", flush=True)
        subprocess.run([python, "manage.py", "participation_facts", "--rebuild"], **run)
        seeded = True
    with connection.cursor() as cursor:
        # Fresh statistics (and, after seeding, a visibility map) as a live database has.
        cursor.execute("VACUUM ANALYZE" if seeded else "ANALYZE")

    from reports import figures as reports

    print(f"settings {os.environ['DJANGO_SETTINGS_MODULE']}: {database_options()}")
    print(f"REPORTS_CACHE_SECONDS = {settings.REPORTS_CACHE_SECONDS} (figures computed)")
    all_scopes = scopes()
    rows = {name: reports.count_facts(scope) for name, scope in all_scopes.items()}
    print(f"participation rows: program {rows['program']:,}, subset {rows['100k']:,}", end="")
    print("" if args.no_million else f", two programs {rows['1M']:,}", flush=True)

    pages = time_pages(args.runs, ADMIN, page_paths(PROGRAM))
    small_pages = time_pages(args.runs, "small-admin@example.org", page_paths(SMALL)[:2])
    timing = time_export(all_scopes["program"], args.runs)
    memory = {"100k": measure_memory("100k", env)}
    if not args.no_million:
        memory["1M"] = measure_memory("1M", env)

    aims = []  # (figure, measured text, aim text, met)
    for label, p in pages.items():
        if label == "/health/":
            continue
        figure = f"{label} ({p['queries']} queries)"
        aims.append((figure, f"{p['seconds'] * 1000:.0f} ms", "≤ 300 ms", p["seconds"] <= PAGE_AIM))
    ratio = timing["export"] / timing["copy"]
    aims.append(
        (
            f"participation CSV export / COPY ({rows['program']:,} rows)",
            f"{ratio:.2f} ×",
            f"≤ {EXPORT_AIM:g} ×",
            ratio <= EXPORT_AIM,
        )
    )
    for m in memory.values():
        growth = (m["after_kb"] - m["before_kb"]) / 1024
        aims.append(
            (
                f"export peak RSS growth, {m['rows']:,} rows",
                f"{growth:.1f} MB",
                f"< {MEMORY_AIM:g} MB",
                growth < MEMORY_AIM,
            )
        )

    print()
    print(f"{'figure':<58} {'measured':>10}   {'aim':<10} met")
    for figure, measured, aim, met in aims:
        print(f"{figure:<58} {measured:>10}   {aim:<10} {'yes' if met else 'NO'}")
    print()
    print("for scale:")
    print(f"  {'/health/':<56} {pages['/health/']['seconds'] * 1000:>7.0f} ms")
    for label, p in small_pages.items():
        if label != "/health/":
            print(f"  {'10-circle program: ' + label:<56} {p['seconds'] * 1000:>7.0f} ms")
    print(
        f"  COPY ... TO STDOUT, median of {args.runs}: {timing['copy']:.2f} s "
        f"({timing['sizes']['copy'] / 1e6:.0f} MB); export {timing['export']:.2f} s "
        f"({timing['sizes']['export'] / 1e6:.0f} MB)"
    )
    for m in memory.values():
        print(
            f"  export of {m['rows']:,} rows: peak RSS {m['after_kb'] / 1024:.0f} MB, "
            f"{m['seconds']:.1f} s"
        )
    print()
    for label, p in pages.items():
        if label == "/health/":
            continue
        print(f"slowest queries of {label} ({p['path']}):")
        for seconds, sql in p["slowest"]:
            print(f"  {seconds * 1000:7.0f} ms  {sql}")
    print()
    missed = [a for a in aims if not a[3]]
    print(f"aims met: {len(aims) - len(missed)} of {len(aims)}")
    for figure, measured, aim, _met in missed:
        print(f"missed: {figure}: {measured} (aim {aim})")


if __name__ == "__main__":
    main()
