"""Reports and exports at scale: the participation CSV against PostgreSQL's own COPY.

On the program `seed_scale` builds (10,000 members, 1,000 circles, 50,000 held meetings,
≈480,000 participation rows), in one run:

1. time: the full participation CSV download through the real code path (the streamed
   response `report_csv` returns: exports.participation_rows over reports.stream, through
   reports.spreadsheets.csv_lines) against `COPY (the same SQL) TO STDOUT WITH CSV` read
   completely through psycopg, same connection, runs alternated. Aim: at most 3×.
2. memory: the export's peak RSS growth in a fresh process (ru_maxrss after the export
   minus before it, after a one-circle warm-up export), at ≈100k rows (the program's first
   circles) and at ≈1M rows (this program plus a second one, `scale-2`, of 1,100 circles).
   Aim: under 50 MB, and the same at both sizes.
3. pages: `/reports/` and `/reports/participation/` for the whole program as its admin,
   through Django's test client (DEBUG off), median of a few runs, with query counts;
   `/health/` through the same client for scale. Aim: under 1 second. The same pages for
   a 10-circle program (`small`) in the same database show whether a page's time follows
   its own program's size or the database's.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/roundtable_bench \\
        .venv/bin/python bench/exports.py [--runs 3] [--no-million]

Creates the database if missing, migrates, and runs seed_scale for a program that is
missing (≈1 minute each). The last line is the export's time ratio to COPY.
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
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
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
    """The participation CSV download, exactly as the view streams it; returns bytes."""
    from reports.exports import PARTICIPATION_HEADER, participation_rows
    from reports.spreadsheets import streamed_csv

    response = streamed_csv("participation.csv", PARTICIPATION_HEADER, participation_rows(scope))
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


def time_pages(runs: int, admin: str) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.models import User

    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(email=admin))
    pages = ["/health/", "/reports/", "/reports/participation/"]
    results = {}
    for path in pages:  # warm up (and check) each page once
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    from django.core.cache import cache

    # Cold: computed from the database (nothing cached); warm: within REPORTS_CACHE_SECONDS.
    cold = {path: [] for path in pages}
    times = {path: [] for path in pages}
    for _ in range(runs):
        for path in pages:
            cache.clear()
            start = time.perf_counter()
            client.get(path)
            cold[path].append(time.perf_counter() - start)
            start = time.perf_counter()
            client.get(path)
            times[path].append(time.perf_counter() - start)
    for path in pages:
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
        results[path] = {
            "seconds": statistics.median(times[path]),
            "cold": statistics.median(cold[path]),
            "all": times[path],
            "queries": len(queries),
            "slowest": [(float(q["time"]), fingerprint(q["sql"])) for q in slowest],
        }
    return results


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
    with connection.cursor() as cursor:
        # Fresh statistics (and, after seeding, a visibility map) as a live database has.
        cursor.execute("VACUUM ANALYZE" if seeded else "ANALYZE")

    from reports import figures as reports

    all_scopes = scopes()
    rows = {name: reports.count_facts(scope) for name, scope in all_scopes.items()}
    print(f"participation rows: program {rows['program']:,}, subset {rows['100k']:,}", end="")
    print("" if args.no_million else f", two programs {rows['1M']:,}", flush=True)

    timing = time_export(all_scopes["program"], args.runs)
    memory = {"100k": measure_memory("100k", env)}
    if not args.no_million:
        memory["1M"] = measure_memory("1M", env)
    pages = time_pages(args.runs, ADMIN)
    small_pages = time_pages(args.runs, "small-admin@example.org")

    ratio = timing["export"] / timing["copy"]
    print()
    print(f"{'figure':<44} {'measured':>12}   aim")
    print(
        f"{'COPY ... TO STDOUT (median of ' + str(args.runs) + ')':<44} "
        f"{timing['copy']:>10.1f} s   baseline ({timing['sizes']['copy'] / 1e6:.0f} MB)"
    )
    print(
        f"{'participation CSV export (median)':<44} {timing['export']:>10.1f} s   "
        f"({timing['sizes']['export'] / 1e6:.0f} MB)"
    )
    print(f"{'  export / COPY':<44} {ratio:>10.2f} ×   ≤ 3×")
    for m in memory.values():
        growth = (m["after_kb"] - m["before_kb"]) / 1024
        label = f"export peak RSS growth, {m['rows']:,} rows"
        print(
            f"{label:<44} {growth:>9.1f} MB   < 50 MB "
            f"(peak {m['after_kb'] / 1024:.0f} MB, {m['seconds']:.0f} s)"
        )
    for path, p in pages.items():
        label = f"page {path} ({p['queries']} queries)"
        aim = "< 1 s" if path != "/health/" else "(for scale)"
        print(f"{label:<44} {p['cold']:>10.3f} s   {aim}, computed (cache empty)")
        print(f"{'  the same, figures cached':<44} {p['seconds']:>10.3f} s   {aim}")
    for path, p in small_pages.items():
        if path != "/health/":
            label = f"  10-circle program: {path}"
            print(f"{label:<44} {p['cold']:>10.3f} s   computed; {p['seconds']:.3f} s cached")
    print()
    for label, results in (("", pages), ("10-circle program: ", small_pages)):
        for path, p in results.items():
            if path == "/health/":
                continue
            print(f"slowest queries of {label}{path}:")
            for seconds, sql in p["slowest"]:
                print(f"  {seconds:7.3f} s  {sql}")
    print()
    print(f"participation CSV export / COPY TO STDOUT: {ratio:.2f}")


if __name__ == "__main__":
    main()
