"""Disclosure control at scale: `protect_tables` (reports/suppression.py) on synthetic
outcome families of 50, 200 and 1,000 circles, as a program-wide page and export protect
them (All, programs of 10 circles, circles, joining-year periods, gender, URiM).

    DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=... \\
        .venv/bin/python bench/suppression.py [--circles 50 200 1000] [--runs 3]
        [--old COMMIT]  # also time reports/suppression.py as of COMMIT (a copy of it)

Without --program no database is touched: the family is built in memory (12 people a
circle, about 5 % of them in a second circle of the same program). With --program, the
first N circles of that program (seed_scale's `scale`) as reports/suppression.py reads
them (the query's time printed apart). Prints, per size, the median seconds, the
cells withheld (primary, complementary) and the components the auditor solved.
"""

import argparse
import importlib.util
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from reports import figures, suppression  # noqa: E402

COLUMNS = ("members", "current", "women", "retained", "with_cda", *figures.COUNTS)
AIM_SECONDS = 0.150  # at 1,000 circles


def population(circles: int, seed: int = 1) -> tuple[dict, dict, list]:
    rng = random.Random(seed)
    genders = list(figures.BREAKDOWNS["gender"])
    urims = list(figures.BREAKDOWNS["urim"])
    parents = {f"c{i:04d}": f"p{i // 10:03d}" for i in range(circles)}
    people = []
    for i in range(circles):
        for _ in range(12):
            stays = {f"c{i:04d}": (int(rng.random() < 0.7), rng.choice([0, 0, 0, 1, 2]))}
            if rng.random() < 0.05:
                other = (i // 10) * 10 + rng.randrange(10)
                if other < circles and other != i:
                    stays[f"c{other:04d}"] = (int(rng.random() < 0.7), rng.choice([0, 1]))
            people.append(
                {
                    "gender": rng.choices(genders, [1, 12, 8, 1, 0.3, 1])[0],
                    "urim": rng.choices(urims, [8, 3, 10, 1])[0],
                    "cohort": rng.randint(2015, 2024),
                    "retained": int(rng.random() < 0.9),
                    "cda": int(rng.random() < 0.3),
                    "stays": stays,
                }
            )

    def view(person, circle_ids):
        stays = [person["stays"][c] for c in circle_ids]
        return {
            "current": max(s[0] for s in stays),
            "women": int(person["gender"] == suppression.WOMAN),
            "retained": person["retained"],
            "with_cda": person["cda"],
            "grants": max(s[1] for s in stays),
            "publications": 0,
            "promotions": 0,
        }

    def row(key, views, label=None):
        views = list(views)
        sums = {c: sum(v[c] for v in views) for c in COLUMNS if c != "members"}
        return {"key": key, "label": label or key, "slug": key, "members": len(views), **sums}

    by_circle, by_program = defaultdict(list), defaultdict(list)
    everyone, years = [], defaultdict(list)
    cats = {"gender": defaultdict(list), "urim": defaultdict(list)}
    for person in people:
        whole = view(person, list(person["stays"]))
        everyone.append(whole)
        years[person["cohort"]].append(whole)
        cats["gender"][person["gender"]].append(whole)
        cats["urim"][person["urim"]].append(whole)
        for circle in person["stays"]:
            by_circle[circle].append(view(person, [circle]))
        programs = defaultdict(list)
        for circle in person["stays"]:
            programs[parents[circle]].append(circle)
        for program, circle_ids in programs.items():
            by_program[program].append(view(person, circle_ids))
    tables = {"all": [row("all", everyone, "All")]}
    tables["program"] = [row(p, by_program[p]) for p in sorted(by_program)]
    tables["circle"] = [row(c, by_circle[c]) for c in sorted(by_circle)]
    yearly = [row(y, years[y]) for y in sorted(years)]
    tables["cohort"] = figures.cohort_periods(yearly)
    for name in ("gender", "urim"):
        tables[name] = [
            row(code or figures.NOT_GIVEN_KEY, cats[name].get(code, []), label)
            for code, label in figures.BREAKDOWNS[name].items()
        ]
    for rows in tables.values():
        for r in rows:
            r["alumni"] = r["members"] - r["current"]
    periods = {}
    for r in tables["cohort"]:
        first, _, last = r["key"].partition("\u2013")
        periods.update(dict.fromkeys(range(int(first), int(last or first) + 1), r["key"]))
    groups = defaultdict(int)
    for person in people:
        groups[(tuple(sorted(person["stays"])), periods[person["cohort"]])] += 1
    groups = sorted((slugs, period, n) for (slugs, period), n in groups.items())
    return tables, {c: parents[c] for c in by_circle}, groups


def load_old(commit: str):
    source = subprocess.run(
        ["git", "show", f"{commit}:reports/suppression.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "suppression_old.py"
    path.write_text(
        source.replace("from . import", "from reports import").replace("from .", "from reports.")
    )
    spec = importlib.util.spec_from_file_location("reports.suppression_old", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(module, tables, parents, runs: int, groups=None) -> tuple[float, object]:
    times, result = [], None
    extra = () if groups is None else (groups,)  # an older module takes no groups
    for _ in range(runs):
        start = time.perf_counter()
        result = module.protect_tables(tables, parents, *extra)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--circles", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--old", help="also time reports/suppression.py as of this commit")
    parser.add_argument("--old-max", type=int, default=200, help="largest size for --old")
    parser.add_argument(
        "--program", help="the first N circles of this program in DATABASE_URL (seed_scale)"
    )
    args = parser.parse_args()
    old = load_old(args.old) if args.old else None
    for circles in args.circles:
        if args.program:
            from circles.models import Circle

            ids = list(
                Circle.objects.filter(program__slug=args.program)
                .order_by("pk")
                .values_list("pk", flat=True)[:circles]
            )
            scope = figures.Scope(circles=Circle.objects.filter(pk__in=ids))
            start = time.perf_counter()
            tables, parents, groups = suppression.family_tables(scope)
            print(f"      query: {time.perf_counter() - start:.3f} s")
        else:
            tables, parents, groups = population(circles)
        cells = sum(len(suppression.columns_of(t)) * len(r) for t, r in tables.items())
        seconds, result = measure(suppression, tables, parents, args.runs, groups)
        reasons = list(result.withheld().values())
        line = (
            f"{circles:>5} circles, {cells:>6} cells: {seconds:8.3f} s; withheld "
            f"{reasons.count(suppression.PRIMARY)} primary + "
            f"{reasons.count(suppression.COMPLEMENTARY)} complementary"
        )
        if old and circles <= args.old_max:
            old_seconds, old_result = measure(old, tables, parents, 1)
            old_reasons = list(old_result.withheld().values())
            line += (
                f"   | {args.old[:7]}: {old_seconds:8.3f} s; "
                f"{old_reasons.count('primary')} + {old_reasons.count('complementary')}"
            )
        print(line, flush=True)
        if circles == 1000:
            print(
                f"      aim ≤ {AIM_SECONDS * 1000:.0f} ms at 1,000 circles: "
                f"{'met' if seconds <= AIM_SECONDS else 'missed'}"
            )


if __name__ == "__main__":
    main()
