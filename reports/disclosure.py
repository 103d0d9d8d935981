"""Disclosure control for the de-identified research export: k-anonymity, k = 5.

A row of the research export must not single anyone out to a reader who knows a little
about them: the circle they sit in and the institution, the year they joined or left
(all on the roster), their gender, URiM status, career stage and profession. Those
columns are the *quasi-identifiers*; each comes with a ladder of ever coarser versions
(join year → three-year period → withheld). `anonymize` climbs the ladders one step at a
time until every combination of the published quasi-identifiers is shared by at least
K rows. It is deterministic: the same rows give the same export.

How it climbs: at each step it takes the one step (of one column) that leaves the fewest
rows in groups smaller than K; on a tie, the column with the most distinct values (the
most identifying, as in Sweeney's Datafly), then the order the columns are declared in.
When only a few rows (at most MAX_WITHHELD_SHARE of them) are still in small groups,
those rows are withheld instead of coarsening everyone's data; a scope of fewer than K
rows is withheld whole. Then it walks back: any column that can go one step finer
without breaking the rule does.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

K = 5
# Withhold at most this share of the rows rather than coarsen every row further.
MAX_WITHHELD_SHARE = 0.05
WITHHELD = "*"  # a quasi-identifier generalized all the way: not published


@dataclass(frozen=True)
class Step:
    """One rung of a ladder: `recode(values, rows)` gives the column one step coarser.
    `values` is the column as published so far; `rows` the original rows (for recodings
    that depend on another column, e.g. institution relative to the circle)."""

    name: str
    recode: Callable[[list, list[dict]], list]


@dataclass(frozen=True)
class QuasiIdentifier:
    column: str
    ladder: tuple[Step, ...]


@dataclass
class Result:
    rows: list[dict]
    applied: dict[str, list[str]] = field(default_factory=dict)  # column → step names
    withheld: int = 0

    def about(self) -> list[tuple[str, str]]:
        """Lines for the export's About sheet: what was coarsened and withheld."""
        lines = []
        for column, steps in self.applied.items():
            lines.append((f"Generalized: {column}", " then ".join(steps) if steps else "as is"))
        lines.append(
            (
                "Rows withheld",
                f"{self.withheld} (their combination of the columns above was shared by "
                f"fewer than {K} rows)",
            )
        )
        return lines


# --- steps ------------------------------------------------------------------------------


def withhold(values: list, rows: list[dict]) -> list:
    return [WITHHELD] * len(values)


WITHHOLD = Step("withheld", withhold)


def period(years: int) -> Step:
    """A year as the fixed `years`-long period holding it (2019 → "2019–2021" for 3)."""

    def recode(values: list, rows: list[dict]) -> list:
        out = []
        for value in values:
            if isinstance(value, int):
                start = value - value % years
                value = f"{start}–{start + years - 1}"
            out.append(value)
        return out

    return Step(f"{years}-year periods", recode)


def mapped(name: str, mapping: dict) -> Step:
    """Values replaced through `mapping` (values it does not name stay)."""
    return Step(name, lambda values, rows: [mapping.get(v, v) for v in values])


def bands(name: str, edges: Sequence[tuple[int, str]]) -> Step:
    """A number as the label of the first band whose upper edge exceeds it."""

    def recode(values: list, rows: list[dict]) -> list:
        out = []
        for value in values:
            if isinstance(value, int):
                value = next((label for edge, label in edges if value < edge), edges[-1][1])
            out.append(value)
        return out

    return Step(name, recode)


def merge_rare(other: str = "other") -> Step:
    """Values held by fewer than K rows of the whole export become `other`."""

    def recode(values: list, rows: list[dict]) -> list:
        counts = Counter(values)
        return [v if counts[v] >= K or v == WITHHELD else other for v in values]

    return Step(f"values of fewer than {K} rows merged into '{other}'", recode)


def relative_to(column: str, *, same: str, different: str) -> Step:
    """Whether a row's value is the most common one among rows sharing its `column`
    (e.g. an institution: the circle's main one, or another): the value itself goes."""

    def recode(values: list, rows: list[dict]) -> list:
        by_group: dict[Any, Counter] = {}
        for row, value in zip(rows, values, strict=True):
            by_group.setdefault(row[column], Counter())[value] += 1
        # Most common, ties broken by the value itself, so the result is deterministic.
        main = {
            group: min(counts, key=lambda v: (-counts[v], str(v)))
            for group, counts in by_group.items()
        }
        out = []
        for row, value in zip(rows, values, strict=True):
            if value in ("", None, WITHHELD):
                out.append(value)
            else:
                out.append(same if value == main[row[column]] else different)
        return out

    return Step(f"{same} / {different} (relative to the {column})", recode)


# --- the algorithm ----------------------------------------------------------------------


def class_sizes(rows: list[dict], columns: Sequence[str]) -> Counter:
    """How many rows share each combination of `columns`."""
    return Counter(tuple(row[c] for c in columns) for row in rows)


def smallest_class(rows: list[dict], columns: Sequence[str]) -> int:
    """The size of the rarest combination of `columns` (0 for no rows): the k achieved."""
    sizes = class_sizes(rows, columns)
    return min(sizes.values()) if sizes else 0


def anonymize(rows: list[dict], qis: Sequence[QuasiIdentifier], *, k: int = K) -> Result:
    """`rows` with their quasi-identifiers coarsened (and, for a few rows, withheld) until
    every combination of them is shared by at least `k` rows."""
    columns = [q.column for q in qis]
    cache: dict[tuple[str, int], list] = {}

    def column_at(q: QuasiIdentifier, level: int) -> list:
        key = (q.column, level)
        if key not in cache:
            if level == 0:
                cache[key] = [row[q.column] for row in rows]
            else:
                cache[key] = q.ladder[level - 1].recode(column_at(q, level - 1), rows)
        return cache[key]

    def combos(levels: dict[str, int]) -> list[tuple]:
        published = [column_at(q, levels[q.column]) for q in qis]
        return list(zip(*published, strict=True)) if published else [() for _ in rows]

    def small_rows(levels: dict[str, int]) -> int:
        sizes = Counter(combos(levels))
        return sum(n for n in sizes.values() if n < k)

    allowance = int(len(rows) * MAX_WITHHELD_SHARE)
    levels = {q.column: 0 for q in qis}
    small = small_rows(levels)
    while small > allowance:
        candidates = [(i, q) for i, q in enumerate(qis) if levels[q.column] < len(q.ladder)]
        if not candidates:
            break  # everything withheld: one group, withheld below if smaller than k

        def cost(item: tuple[int, QuasiIdentifier]) -> tuple:
            i, q = item
            trial = {**levels, q.column: levels[q.column] + 1}
            distinct = len(set(column_at(q, levels[q.column])))
            return (small_rows(trial), -distinct, i)

        _, chosen = min(candidates, key=cost)
        levels[chosen.column] += 1
        small = small_rows(levels)

    # Walk back: a column that can be one step finer without breaking the rule is.
    improved = True
    while improved:
        improved = False
        for q in reversed(qis):
            if levels[q.column] == 0:
                continue
            trial = {**levels, q.column: levels[q.column] - 1}
            if small_rows(trial) <= allowance:
                levels = trial
                improved = True

    keys = combos(levels)
    sizes = Counter(keys)
    published = [column_at(q, levels[q.column]) for q in qis]
    out = []
    for n, (row, key) in enumerate(zip(rows, keys, strict=True)):
        if sizes[key] < k:
            continue
        out.append({**row, **{c: published[j][n] for j, c in enumerate(columns)}})
    applied = {q.column: [s.name for s in q.ladder[: levels[q.column]]] for q in qis}
    return Result(rows=out, applied=applied, withheld=len(rows) - len(out))
