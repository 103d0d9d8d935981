"""Disclosure control of the outcome tables: primary and complementary cell suppression,
every result proven by the LP auditor (reports/audit.py) before it is published.

**What is protected together.** For one program, every outcome table the overview page
and the exports can publish — the All line and the tables by program, circle, cohort,
gender and URiM — is one *publication family*, protected in one pass. A view shows whole
families only (`outcomes`): one program's; one circle's line of its program's; each
program's lines of its own; nothing for a date range or part of a program (which could be
set against the whole). The page and the exports show the same decisions, so no page can
be differenced against another page or an export. (Publishing less of a safe family stays
safe: dropping a published figure only relaxes the constraints, and every interval can
only widen.)

**What the reader knows already.** The roster (ROSTER_TABLES): members, current and
alumni of the All, program, circle and cohort rows are published and given to the
auditor; a withheld figure that those public facts already narrow below K keeps the width
it had (`_Needs`).

**The model.** Each figure is a cell `"<table>|<row key>|<column>"`. People columns:
members, current, alumni, women, retained, with_cda; event columns: grants,
publications, promotions. The auditor is given what a reader knows about the cells:

- per row: current + alumni = members, and each people count has a hidden complement
  (`~women`, `~retained`, `~with_cda`, ≥ 0) adding up to members; a listed row has at
  least one member;
- per column, a grouping that partitions the All population (cohort, gender, URiM;
  program and circle when nobody sits in two rows): Σ rows = All;
- a grouping where people can sit in two rows (programs, circles with overlap):
  Σ rows = All + o_col, with hidden overlap variables (see `_overlap`);
- circle rows nest inside their program's row the same way (Σ circles of a program =
  the program row, plus an overlap when someone sits in two of its circles);
- in the gender table the Woman row's women are its members and every other row has none.

**Primary suppression.** A people count of 1–4, or whose complement in its row
(members − count: the alumni, the not retained, the men and others…) is 1–4, is withheld;
a row of 1–4 members is withheld whole, its event counts too. A count of 0 is not
primary: it describes nobody.

**Complementary suppression** is the classic greedy heuristic: while the auditor finds a
withheld cell that the published figures pin down to fewer than K possible values, it
withholds one more published cell sharing a relation with it, and audits again (see
`_neighbour` for the choice: never a cell of an empty row, one that stays wide itself,
finer tables before program rows before the All line, the first that makes the failing
cell wide). It is not optimal — the fewest extra cells is an NP-hard integer program —
but it is fast (components audited incrementally, `_Audit`), deterministic (same scope,
same figures → same result), and never trusted on its own: it stops only when the exact
LP auditor proves every withheld cell has an interval at least K wide, so whatever it
publishes is proven.

Rates (women share, retained %, CDA %) are published only when both their count and the
row's members are.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q

from circles.models import Circle
from members.models import User

from . import figures
from .audit import Prior, Publication, Relation, first_failure, intervals
from .disclosure import K
from .figures import Scope

TABLES = ("all", "program", "circle", "cohort", "gender", "urim")
PEOPLE = ("current", "alumni", "women", "retained", "with_cda")
EVENTS = ("grants", "publications", "promotions")
COLUMNS = ("members", *PEOPLE, *EVENTS)
# People counts with a hidden complement (current's complement is alumni, published).
COMPLEMENTED = ("women", "retained", "with_cda")
RATES = {"women": "women_share", "retained": "retained_rate", "with_cda": "with_cda_rate"}

PRIMARY = "primary"
COMPLEMENTARY = "complementary"
MARKER = "—"
MARKER_NAME = "suppressed"
LEGEND = (
    f"{MARKER} withheld to protect individuals: fewer than {K} people, or needed to keep "
    "another withheld figure from being worked out"
)
ALL_KEY = "all"
# Tables listing every category, empty or not: which rows appear tells nothing.
CATEGORIES = ("gender", "urim")
WOMAN = User.Gender.WOMAN.value
# People of the roster who sat in the same circles and joined in the same cohort period:
# (circle keys, cohort key, how many). See _nested.
Group = tuple[tuple[str, ...], str, int]


def columns_of(table: str) -> tuple[str, ...]:
    """The figures of a table's rows: the gender table has no women column (it would
    only repeat the Woman row's members)."""
    return tuple(c for c in COLUMNS if c != "women") if table == "gender" else COLUMNS


def cell_id(table: str, key: str, column: str) -> str:
    return f"{table}|{key}|{column}"


def is_small(count: int) -> bool:
    return 0 < count < K


@dataclass(frozen=True)
class Figure:
    cell: str
    value: int
    withheld: str | None = None  # None, PRIMARY or COMPLEMENTARY

    @property
    def shown(self) -> int | None:
        return None if self.withheld else self.value


@dataclass
class Row:
    table: str
    key: str
    label: str
    slug: str
    figures: dict[str, Figure]
    rates: dict[str, float | None]

    @property
    def data_row(self) -> str:
        return f"{self.table}|{self.key}"

    def withheld_columns(self) -> list[str]:
        return [c for c, f in self.figures.items() if f.withheld]


@dataclass
class Structure:
    """What a reader knows about the family without any figure: its cells, the relations
    between them, the hidden variables and their bounds."""

    cells: list[str]
    relations: list[Relation]
    hidden: set[str]
    lower: dict[str, float]
    upper: dict[str, float]
    rows: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, label) → key
    # Cells a reader can narrow to fewer than K values from public facts alone: the width
    # each must keep (a _Needs: computed on demand). Every other must stay K wide.
    need: Mapping[str, float] | Prior = field(default_factory=dict)
    # Cells the reader knows without this family (the roster: see ROSTER): always
    # published, never withheld.
    known: frozenset[str] = frozenset()
    parents: dict[str, str] = field(default_factory=dict)  # circle key → program key

    def key_of(self, table: str, label: str) -> str:
        """The row key of a row as a page or an export labels it."""
        return self.rows[(table, label)]


def publication_from(
    published: Mapping[str, float], structure: Structure, withheld: Iterable[str] | None = None
) -> Publication:
    """The Publication of `published` (cell id → value, as scraped off a page or read from
    an export). Every other cell of the family counts as withheld, or, given `withheld`
    (the cells a page marks withheld), only those do and the cells the page does not show
    at all are hidden: they are not secrets (another page or the export shows them), and
    the page must simply not let a reader narrow down what it withholds."""
    unknown = set(published) - set(structure.cells)
    if unknown:
        raise ValueError(f"not cells of this family: {sorted(unknown)[:5]}")
    rest = {c for c in structure.cells if c not in published}
    marked = rest if withheld is None else set(withheld)
    if marked - rest:
        raise ValueError(f"withheld and published, or unknown: {sorted(marked - rest)[:5]}")
    return Publication(
        published=dict(published),
        withheld=marked,
        hidden=set(structure.hidden) | (rest - marked),
        relations=list(structure.relations),
        lower=dict(structure.lower),
        upper=dict(structure.upper),
        need=structure.need,
    )


@dataclass
class Protected:
    tables: dict[str, list[Row]]
    structure: Structure

    @property
    def total(self) -> Row:
        return self.tables["all"][0]

    def figures(self) -> Iterable[Figure]:
        for rows in self.tables.values():
            for row in rows:
                yield from row.figures.values()

    def published(self) -> dict[str, int]:
        return {f.cell: f.value for f in self.figures() if not f.withheld}

    def withheld(self) -> dict[str, str]:
        return {f.cell: f.withheld for f in self.figures() if f.withheld}

    def publication(self) -> Publication:
        return publication_from(self.published(), self.structure)


# --- the model -------------------------------------------------------------------------


def _values(tables: Mapping[str, list[dict]]) -> dict[str, int]:
    values = {}
    for table, rows in tables.items():
        for row in rows:
            for column in columns_of(table):
                values[cell_id(table, row["key"], column)] = int(row[column])
    return values


class _Builder:
    def __init__(self):
        self.relations: list[Relation] = []
        self.hidden: set[str] = set()
        self.lower: dict[str, float] = {}
        self.upper: dict[str, float] = {}

    def equal(self, terms: list[tuple[str, float]], constant: float = 0.0) -> None:
        self.relations.append(Relation(terms=tuple(terms), constant=constant, equality=True))

    def at_most(self, terms: list[tuple[str, float]], constant: float = 0.0) -> None:
        self.relations.append(Relation(terms=tuple(terms), constant=constant, equality=False))

    def row(self, table: str, key: str, filled: bool) -> None:
        c = lambda column: cell_id(table, key, column)  # noqa: E731
        if table not in CATEGORIES or filled:
            # A listed row has somebody in it; so has a category that is not all 0 (an
            # empty category is always shown as 0s, so a withheld figure says "not 0").
            self.lower[c("members")] = 1
        self.equal([(c("current"), 1), (c("alumni"), 1), (c("members"), -1)])
        for column in COMPLEMENTED:
            other = c("~" + column)
            self.hidden.add(other)
            self.equal([(c(column), 1), (other, 1), (c("members"), -1)])

    def adds_up(self, table: str, keys: list[str], whole: tuple[str, str], overlap: bool):
        """Rows `keys` of `table` add up to the row `whole` (table, key), column by column,
        exactly or (overlap) plus hidden overlap variables."""
        whole_table, whole_key = whole
        name = f"o|{table}@{whole_table}:{whole_key}"
        for column in COLUMNS:
            terms = [(cell_id(table, k, column), 1.0) for k in keys]
            terms.append((cell_id(whole_table, whole_key, column), -1.0))
            if overlap:
                o = f"{name}|{column}"
                self.hidden.add(o)
                terms.append((o, -1.0))
                # Proof that 0 ≤ o_col ≤ o_members holds for the true data: a person in r
                # rows adds r − 1 to o_members. Their row figures are the whole's, or (for
                # current, a MAX over circles) 0 or 1 per row with the whole's the largest:
                # Σ rows − whole ∈ [0, r − 1] for every people column (alumni = 1 −
                # current likewise). Event counts per row are at most the whole's and at
                # least 0, so only o_col ≥ 0 holds for them.
                if column in PEOPLE:
                    self.at_most([(o, 1.0), (f"{name}|members", -1.0)])
            self.equal(terms)


def _nested(b: "_Builder", tables, groups: list[Group]) -> None:
    """What the roster says of who is in a row, beyond how many: a circle whose people all
    first joined in one cohort period lies inside that period's row; a period whose people
    all sat in one circle lies inside that circle's row (both: the same people — a circle
    formed from one intake). For such a pair, per person-count column (women, retained,
    with a CDA): inner ≤ outer and outer − inner ≤ the members outside (known). Without it
    the auditor did not know that the two rows hold the same people, and a withheld figure
    of one could be read off the other (found in review).

    Pairwise only: people in a circle spread over two periods, each shared with other
    circles, still relate the rows in ways this does not state (the exact model, a hidden
    count per group of people, made the auditor's LPs 20–100× slower at 300–1,000
    circles: docs/reports.md, Known limits)."""
    periods_of: dict[str, set[str]] = defaultdict(set)
    circles_in: dict[str, list[set[str]]] = defaultdict(list)
    for circles, cohort, _size in groups:
        for circle in circles:
            periods_of[circle].add(cohort)
        circles_in[cohort].append(set(circles))
    members = {(t, r["key"]): int(r["members"]) for t in ("circle", "cohort") for r in tables[t]}
    pairs = set()
    for circle, periods in periods_of.items():
        if len(periods) == 1:
            pairs.add((("circle", circle), ("cohort", next(iter(periods)))))
    for cohort, sets in circles_in.items():
        for circle in set.intersection(*sets):
            pairs.add((("cohort", cohort), ("circle", circle)))
    for inner, outer in sorted(pairs):
        if inner not in members or outer not in members:
            continue
        outside = members[outer] - members[inner]
        for column in COMPLEMENTED:
            a, c = cell_id(*inner, column), cell_id(*outer, column)
            b.at_most([(a, 1.0), (c, -1.0)])
            b.at_most([(c, 1.0), (a, -1.0)], float(outside))


def _structure(
    tables: Mapping[str, list[dict]], parents: Mapping[str, str], groups: list[Group] = ()
) -> Structure:
    b = _Builder()
    rows = {}
    for table, table_rows in tables.items():
        for row in table_rows:
            b.row(table, row["key"], filled=bool(row["members"]))
            rows[(table, row["label"])] = row["key"]
    whole = ("all", ALL_KEY)
    total = tables["all"][0]["members"] if tables["all"] else 0
    for table in ("program", "cohort", "gender", "urim"):
        if tables.get(table) and tables["all"]:
            keys = [r["key"] for r in tables[table]]
            overlap = sum(r["members"] for r in tables[table]) > total
            b.adds_up(table, keys, whole, overlap)
    if tables.get("circle"):
        programs = {r["key"]: r["members"] for r in tables.get("program", [])}
        nested = defaultdict(list)
        for row in tables["circle"]:
            nested[parents[row["key"]]].append(row)
        for program, circles in sorted(nested.items()):
            overlap = sum(r["members"] for r in circles) > programs[program]
            b.adds_up("circle", [r["key"] for r in circles], ("program", program), overlap)
    for row in tables.get("gender", []):
        # Not a figure: the Woman row's women are its members, other rows have none.
        women = cell_id("gender", row["key"], "women")
        b.hidden.add(women)
        if row["key"] == WOMAN:
            b.equal([(women, 1.0), (cell_id("gender", row["key"], "members"), -1.0)])
        else:
            b.equal([(women, 1.0)])
    cells = [
        cell_id(t, r["key"], c)
        for t, table_rows in tables.items()
        for r in table_rows
        for c in columns_of(t)
    ]
    _nested(b, tables, groups)
    structure = Structure(cells, b.relations, b.hidden, b.lower, b.upper, rows)
    structure.parents = dict(parents)
    return structure


# --- suppression -----------------------------------------------------------------------


def primary(tables: Mapping[str, list[dict]]) -> set[str]:
    """Cells describing 1–4 people, or whose complement in the row does; whole rows of
    1–4 members."""
    withheld = set()
    for table, rows in tables.items():
        for row in rows:
            members = int(row["members"])
            if is_small(members):
                withheld.update(cell_id(table, row["key"], c) for c in columns_of(table))
                continue
            for column in PEOPLE:
                if column not in columns_of(table):
                    continue
                value = int(row[column])
                if is_small(value) or is_small(members - value):
                    withheld.add(cell_id(table, row["key"], column))
    return withheld


# Tables by how much a withheld cell there costs a reader: the finer tables first, the
# program rows next, the All line last (never while a finer cell will do).
TIER = {"all": 2, "program": 1}


def _rank(cell: str, value: int) -> tuple:
    """The order candidates are tried in: finer tables first, then the smallest value of at
    least K (a small-but-not-tiny cell loses little information), then the cell id."""
    table = cell.split("|", 1)[0]
    return (TIER.get(table, 0), value < K, value, cell)


def _linked(starts, relations, by_variable, through) -> tuple[set[str], set[int]]:
    """The variables reached from `starts` through relations, stepping only onto variables
    in `through`, and the indices of the relations read (each once: a relation of 1,000
    terms is read once, not 1,000 times)."""
    seen, stack, scanned = set(starts), list(starts), set()
    while stack:
        for index in by_variable[stack.pop()]:
            if index in scanned:
                continue
            scanned.add(index)
            for other, _ in relations[index].terms:
                if other in through and other not in seen:
                    seen.add(other)
                    stack.append(other)
    return seen, scanned


class _Audit:
    """The complementary-suppression loop's view of the family: which variables are
    unknown (withheld or hidden), the components they form through the relations, and a
    cache of each component's verdict (its smallest too-narrow withheld cell, or None).

    Within one family the published values never change, so a component's verdict depends
    only on its set of unknown variables: the relations are those of its variables, the
    published values those of every other cell they name. Withholding a cell merges the
    components its relations touch; only that merged component is solved again. The
    verdicts are the auditor's own (`first_failure` on the component's Publication): the
    LP decomposes by component, so the union of the components' answers is the whole
    audit's."""

    def __init__(self, structure: Structure, values: Mapping[str, int], withheld: set[str]):
        self.structure = structure
        self.values = values
        self.by_variable: dict[str, list[int]] = defaultdict(list)
        for index, relation in enumerate(structure.relations):
            for variable, _ in relation.terms:
                self.by_variable[variable].append(index)
        self.unknown = set(structure.hidden) | set(withheld)
        self.withheld = set(withheld)
        self.component: dict[str, frozenset[str]] = {}
        for variable in sorted(self.unknown):
            if variable not in self.component:
                self._reach(variable, self.unknown)
        self.verdicts: dict[frozenset[str], str | None] = {}
        self.solves = 0

    def _reach(self, start: str, unknown: set[str]) -> frozenset[str]:
        """The component of `start` among `unknown` (recorded in self.component)."""
        seen, _ = _linked([start], self.structure.relations, self.by_variable, unknown)
        component = frozenset(seen)
        for variable in component:
            self.component[variable] = component
        return component

    def publication(self, variables: Iterable[str], withheld: set[str]) -> Publication:
        """The Publication of one component (or a union of components)."""
        variables = set(variables)
        relations = sorted({i for v in variables for i in self.by_variable[v]})
        rels = [self.structure.relations[i] for i in relations]
        published = {c: self.values[c] for r in rels for c, _ in r.terms if c not in variables}
        lower, upper, need = self.structure.lower, self.structure.upper, self.structure.need
        return Publication(
            published=published,
            withheld=variables & withheld,
            hidden=variables - withheld,
            relations=rels,
            lower={c: lower[c] for c in variables | set(published) if c in lower},
            upper={c: upper[c] for c in variables | set(published) if c in upper},
            need=need,
        )

    def verdict(self, component: frozenset[str]) -> str | None:
        withheld = component & self.withheld
        if not withheld:
            return None
        key = component
        if key not in self.verdicts:
            self.solves += 1
            finding = first_failure(self.publication(component, self.withheld), k=K)
            self.verdicts[key] = finding.cell if finding else None
        return self.verdicts[key]

    def first_failure(self) -> str | None:
        failures = [self.verdict(c) for c in set(self.component.values())]
        return min((f for f in failures if f), default=None)

    def withhold(self, cell: str) -> None:
        self.unknown.add(cell)
        self.withheld.add(cell)
        self._reach(cell, self.unknown)

    def is_safe_without(self, cell: str) -> bool:
        """Whether publishing `cell` again keeps every withheld cell wide (only its
        component can change: it may split)."""
        unknown = self.unknown - {cell}
        withheld = self.withheld - {cell}
        rest = self.component[cell] - {cell}
        saved = dict(self.component)
        parts, left = [], set(rest)
        while left:
            part = self._reach(min(left), unknown)
            parts.append(part)
            left -= part
        self.withheld.discard(cell)
        safe = all(self.verdict(part) is None for part in parts)
        self.withheld.add(cell)
        if safe:
            self.unknown, self.withheld = unknown, withheld
            self.component.pop(cell, None)
        else:
            self.component = saved
        return safe

    def widths_without(self, cell: str, candidate: str) -> tuple[float, float]:
        """The interval widths of `cell` and of `candidate` were `candidate` withheld."""
        variables = set(self.component[cell]) | {candidate}
        for index in self.by_variable[candidate]:
            for other, _ in self.structure.relations[index].terms:
                if other in self.unknown:
                    variables |= self.component[other]
        found = intervals(
            self.publication(variables, self.withheld | {candidate}), [cell, candidate]
        )
        return tuple(high - low for low, high in (found[cell], found[candidate]))


def _empty_rows(structure: Structure, values: Mapping[str, int]) -> set[str]:
    """Cells of rows with 0 members: all 0 and published, never a complementary cell
    (withholding a 0 beside a published row total of 0 hides nothing and would then need
    protecting itself)."""
    empty = set()
    for cell in structure.cells:
        table, key, _ = cell.split("|")
        if values[cell_id(table, key, "members")] == 0:
            empty.add(cell)
    return empty


def complementary(
    structure: Structure, values: Mapping[str, int], withheld: set[str], known=frozenset()
) -> set[str]:
    """More cells to withhold until the auditor proves every withheld one safe (greedy);
    never a cell of an empty row, nor one of `known` (figures other published ones give)."""
    fixed = _empty_rows(structure, values) | set(known)
    extra = _lone_unknowns(structure, values, withheld, fixed)
    state = _Audit(structure, values, withheld | extra)
    while True:
        failing = state.first_failure()
        if failing is None:
            return _release(state, values, withheld, extra)
        choice = _neighbour(failing, state, values, fixed)
        if choice is None:  # cannot happen: withholding everything is safe
            raise RuntimeError(f"no cell left to withhold for {failing}")
        extra.add(choice)
        state.withhold(choice)


# The release pass tries at most this many cells (each try audits one component).
RELEASE_TRIES = 400


def _release(state: _Audit, values, withheld: set[str], extra: set[str]) -> set[str]:
    """Undo what the greedy did not need: one cell at a time, totals and large values
    first, publish a complementary cell again if the auditor still passes without it.
    (Adding cells one by one over-suppresses: a later choice can make an earlier one
    redundant.) Deterministic, and every release is proven by an audit."""
    order = sorted(extra, key=lambda c: (-_rank(c, values[c])[0], -values[c], c))
    kept = set(extra)
    for cell in order[:RELEASE_TRIES]:
        if state.is_safe_without(cell):
            kept.discard(cell)
    return kept


def _lone_unknowns(structure: Structure, values: Mapping[str, int], withheld: set[str], fixed):
    """The cheap first round (no LP): a relation whose only unknown is one withheld cell
    gives that cell away exactly, so another of its cells is withheld too, until no
    relation has a lone unknown. It only saves the auditor's time. Returns the cells it
    added."""
    unknown = set(withheld) | structure.hidden
    extra: set[str] = set()
    changed = True
    while changed:
        changed = False
        for relation in structure.relations:
            if not relation.equality:
                continue
            missing = [v for v, _ in relation.terms if v in unknown]
            if len(missing) != 1 or missing[0] in structure.hidden:
                continue
            published = [v for v, _ in relation.terms if v not in unknown and v not in fixed]
            if not published:
                continue
            choice = min(published, key=lambda c: _rank(c, values[c]))
            unknown.add(choice)
            extra.add(choice)
            changed = True
    return extra


# At most this many candidates are tried (one small LP each) for one failing cell.
TRIED = 8


def _neighbour(cell: str, state: _Audit, values, fixed: set[str]) -> str | None:
    """The published cell to withhold next: from the relations of `cell`, else from the
    relations one unknown further away, and so on. Tried in `_rank` order, the first that
    makes `cell` wide at once while staying wide itself wins; failing that, of those
    tried, one that stays wide itself (a complementary cell must be protected too), in a
    table as fine as possible, leaving `cell` the widest interval."""
    relations = state.structure.relations
    frontier, seen = {cell}, {cell}
    while frontier:
        candidates, further = set(), set()
        for variable in frontier:
            for index in state.by_variable[variable]:
                for other, _ in relations[index].terms:
                    if other in state.unknown:
                        if other not in seen:
                            further.add(other)
                    elif other not in fixed:
                        candidates.add(other)
        if candidates:
            tried = []
            need = state.structure.need
            cell_needs = need.get(cell, K)  # it fails: asked anyway
            for candidate in sorted(candidates, key=lambda c: _rank(c, values[c]))[:TRIED]:
                width, own = state.widths_without(cell, candidate)
                rank = _rank(candidate, values[candidate])
                own_ok = own >= K or own >= need.get(candidate, K)
                if width >= cell_needs and own_ok:
                    return candidate
                tried.append(((not own_ok, rank[0], -min(width, cell_needs), rank), candidate))
            return min(tried)[1]
        seen |= further
        frontier = further
    return None


# What the roster already tells whoever may read these tables: the participation page and
# its exports list every member of every circle in the scope, with their joining date and
# whether they hold a seat now. So the members, current and alumni of the All line and of
# every program, circle and cohort row are public to that reader (counting names): they
# are published, never withheld, and the auditor is given them.
ROSTER_TABLES = ("all", "program", "circle", "cohort")
ROSTER_COLUMNS = ("members", "current", "alumni")


def _known(tables: Mapping[str, list[dict]]) -> set[str]:
    """The cells a reader knows without the outcome tables (see ROSTER_TABLES). What
    follows from them and the empty rows (a category holding everyone is the All line;
    "Woman: 0" means no row has a woman) is found by _needs."""
    return {
        cell_id(t, r["key"], c) for t in ROSTER_TABLES for r in tables[t] for c in ROSTER_COLUMNS
    }


# The tables small enough to leave free whole when screening a cell's prior width (see
# _Needs): a family has one All row, a few cohort periods and the category rows.
SMALL_TABLES = ("all", "cohort", "gender", "urim")


class _Needs:
    """Structure.need: the width each people count's range has before any outcome figure
    is published — from the public facts alone: the roster (`known`) and the empty rows
    (always shown as 0) — where it is under K. Such a withheld cell needs only that width
    (it cannot have more): publishing must not narrow it at all. A circle of 3 known
    people: its retained count lies in [0, 3] for anyone; a category holding everyone:
    its figures are the All line's.

    The auditor computes it (audit.Prior over a publication of just those facts), for a
    cell only when the cell would otherwise fail. That LP spans a whole column of a
    family (7,350 variables at 1,000 circles: 0.7 s), so a cell is first screened on a
    restriction of it: every circle and program row but the cell's own (and its
    program's) fixed at its true values, the small tables free. Its feasible set lies
    inside the prior's (the true figures satisfy every relation), so a width of K there
    proves K in the prior; only a cell narrower there asks the whole LP. Event counts
    have no upper bound: never narrow, left out."""

    def __init__(self, structure: Structure, values: Mapping[str, int], known: set[str]):
        self.structure, self.values = structure, values
        self.public = set(known) | _empty_rows(structure, values)
        people = {c for c in structure.cells if c.split("|")[2] not in EVENTS} - self.public
        self.prior = Prior(
            Publication(
                published={c: values[c] for c in self.public},
                withheld=people,
                hidden=set(structure.hidden) | (set(structure.cells) - self.public - people),
                relations=list(structure.relations),
                lower=dict(structure.lower),
                upper=dict(structure.upper),
            ),
            k=K,
        )
        self._by_variable: dict[str, list[int]] | None = None
        self.widths: dict[str, float] = {}

    def __getstate__(self) -> dict:  # kept in the cache with its Protected: no index
        return {**self.__dict__, "_by_variable": None}

    @property
    def by_variable(self) -> dict[str, list[int]]:
        if self._by_variable is None:
            self._by_variable = defaultdict(list)
            for index, relation in enumerate(self.structure.relations):
                for variable, _ in relation.terms:
                    self._by_variable[variable].append(index)
        return self._by_variable

    def get(self, cell: str, default: float | None = None) -> float | None:
        if cell not in self.prior.pub.withheld:
            return default
        if cell not in self.widths:
            wide = self._screen(cell) >= K
            self.widths[cell] = K if wide else self.prior.get(cell, K)
        width = self.widths[cell]
        return default if width >= K else width

    def _screen(self, cell: str) -> float:
        """The cell's width in the restriction (see the class docstring)."""
        table, key, _ = cell.split("|")
        rows = {(table, key)}
        if table == "circle":
            rows.add(("program", self.structure.parents[key]))
        free = {
            c
            for c in self.structure.cells
            if c not in self.public
            and ((c.split("|")[0] in SMALL_TABLES) or tuple(c.split("|")[:2]) in rows)
        }
        # Every relation of a free variable; the hidden variables they name are free too.
        seen, chosen = _linked(
            free, self.structure.relations, self.by_variable, self.structure.hidden
        )
        relations = [self.structure.relations[i] for i in sorted(chosen)]
        named = {v for r in relations for v, _ in r.terms}
        lower, upper = self.structure.lower, self.structure.upper
        ((low, high),) = intervals(
            Publication(
                published={c: self.values[c] for c in named - seen},
                withheld={cell},
                hidden=seen - {cell},
                relations=relations,
                lower={c: lower[c] for c in named | seen if c in lower},
                upper={c: upper[c] for c in named | seen if c in upper},
            ),
            [cell],
        ).values()
        return high - low


def protect_tables(
    tables: Mapping[str, list[dict]], parents: Mapping[str, str], groups: Iterable[Group] = ()
) -> Protected:
    """Protect a family given as rows per table (each row: key, label, and the COLUMNS;
    "all" has one row); `parents` maps each circle key to its program key; `groups` are
    the roster's people grouped by circles and cohort (figures.roster_groups)."""
    tables = {t: list(tables.get(t, [])) for t in TABLES}
    structure = _structure(tables, parents, list(groups))
    known = _known(tables) & set(structure.cells)
    values = _values(tables)
    structure.known = frozenset(known)
    structure.need = _Needs(structure, values, known)
    first = primary(tables) - known
    second = complementary(structure, values, first, known)
    out = {}
    for table, table_rows in tables.items():
        out[table] = []
        for row in table_rows:
            figures = {}
            for column in columns_of(table):
                cell = cell_id(table, row["key"], column)
                reason = PRIMARY if cell in first else COMPLEMENTARY if cell in second else None
                figures[column] = Figure(cell, int(row[column]), reason)
            members = figures["members"]
            rates = {}
            for column, name in RATES.items():
                part = figures.get(column)
                both = part and not part.withheld and not members.withheld and members.value
                rates[name] = round(100.0 * part.value / members.value, 1) if both else None
            out[table].append(
                Row(table, row["key"], row["label"], row.get("slug", ""), figures, rates)
            )
    return Protected(out, structure)


def _empty(key: str, label: str) -> dict:
    return {"key": key, "label": label, "slug": "", **dict.fromkeys(COLUMNS, 0)}


def family_tables(scope: Scope) -> tuple[dict[str, list[dict]], dict[str, str], list[Group]]:
    """The outcome family of `scope` as protect_tables takes it: rows per table (every
    category row, empty or not), each circle's program, and the roster's groups."""
    family = figures.outcome_family(scope)  # every grouping from one query
    total = figures.finished_outcomes(family, "all")[0]
    tables = {"all": [total] if total["members"] else []}
    for by in ("program", "circle", "cohort"):
        tables[by] = figures.finished_outcomes(family, by)
    for by in CATEGORIES:
        found = {r["key"]: r for r in figures.finished_outcomes(family, by)}
        tables[by] = [
            found.get(code or figures.NOT_GIVEN_KEY) or _empty(code or figures.NOT_GIVEN_KEY, label)
            for code, label in figures.BREAKDOWNS[by].items()
            if total["members"]
        ]
    programs = {r["program_id"]: r["key"] for r in tables["program"]}
    parents = {r["key"]: programs[r["program_id"]] for r in tables["circle"]}
    periods = {}
    for row in tables["cohort"]:
        first, _, last = row["key"].partition("\u2013")
        periods.update(dict.fromkeys(range(int(first), int(last or first) + 1), row["key"]))
    groups = [(slugs, periods[year], n) for slugs, year, n in figures.roster_groups(scope)]
    return tables, parents, groups


# Bump when the method changes, so no result of an older method is served again.
METHOD_VERSION = 2
# How long a protected family is kept once computed (it cannot go stale: see protect()).
REMEMBER_SECONDS = 24 * 3600


def protect(scope: Scope) -> Protected:
    """The outcome family of `scope`, protected (see the module docstring).

    protect_tables is a pure function of the family's rows, and on some small scopes its
    greedy search takes seconds (docs/performance.md). So its result is remembered in the
    shared cache under a digest of exactly those rows (labels, keys, every count) and the
    circles' programs: any change to a figure or a label is a new key, so a remembered
    result is never stale — unlike REPORTS_CACHE_SECONDS, which keeps old figures. Only
    the first reader of a new state of the figures waits."""
    tables, parents, groups = family_tables(scope)
    content = repr(
        (METHOD_VERSION, K, sorted(tables.items()), sorted(parents.items()), sorted(groups))
    )
    key = "reports:protected:" + hashlib.sha256(content.encode()).hexdigest()
    protected = cache.get(key)
    if protected is None:
        protected = protect_tables(tables, parents, groups)
        cache.set(key, protected, REMEMBER_SECONDS)
    return protected


# --- what one view publishes ---------------------------------------------------------------

# Why a view publishes less than its scope's whole family. A program is the unit of
# publication: its family (All, circles, cohorts, gender, URiM) is protected together,
# and every view shows figures of whole families only — never a family of a part of a
# program or of a stretch of time, which could be set against the whole to work out what
# the whole withholds (two date ranges that differ by one joining single that person out).
WITHDRAWN_DATES = (
    "Outcome figures are published for whole programs and circles, over their whole "
    "history: a date range set against another could single out a person who joined or "
    "left between them. Clear the dates to see them; the participation figures follow "
    "the dates."
)
WITHDRAWN_PART = (
    "Outcome figures are published for whole programs and single circles: part of a "
    "program (one kind of its circles) set against the whole could single out a person. "
    "Choose a whole program or one circle to see them."
)
NOTE_CIRCLE = (
    "This circle's line of its program's outcome tables. Breakdowns by cohort, gender "
    "and URiM are published for the whole program (choose the program): a circle's own, "
    "set against the program's and its other circles', could single out a person."
)
NOTE_PROGRAMS = (
    "Outcome figures are protected program by program: each program's line and its "
    "circles' lines. Choose one program for its All line and its breakdowns by cohort, "
    "gender and URiM (a total across programs, set against them, could single out a "
    "person)."
)


@dataclass
class Outcomes:
    """The outcome tables one page or export publishes: rows of the protected families
    in `parts` (empty when `withdrawn` says why nothing is published; `note` says what
    is left out)."""

    tables: dict[str, list[Row]]
    parts: list[Protected]
    withdrawn: str = ""
    note: str = ""

    @property
    def total(self) -> Row | None:
        rows = self.tables.get("all")
        return rows[0] if rows else None

    def rows(self) -> Iterable[Row]:
        for rows in self.tables.values():
            yield from rows

    def withheld(self) -> dict[str, str]:
        return {f.cell: f.withheld for r in self.rows() for f in r.figures.values() if f.withheld}

    def publications(
        self, published: Mapping[str, float], withheld: Iterable[str] | None = None
    ) -> list[Publication]:
        """The Publication of each family of what a page or export shows (`published`,
        `withheld` as scraped; by default the cells this view withholds): the auditor
        proves each. A family's cells the view does not show are hidden, not secrets. The
        families share no published figure (a program's and a circle's cells are named by
        their slug)."""
        withheld = set(self.withheld() if withheld is None else withheld)
        found = []
        for part in self.parts:
            cells = set(part.structure.cells)
            mine = {c: v for c, v in published.items() if c in cells}
            found.append(publication_from(mine, part.structure, withheld & cells))
        return found


def _program_scope(scope: Scope, program_id: int | None) -> Scope:
    """Every circle of a program (None: the circles in no program)."""
    circles = Circle.objects.filter(program_id=program_id) if program_id else None
    if circles is None:
        circles = Circle.objects.filter(program__isnull=True)
    return Scope(circles=circles, now=scope.now)


def outcomes(scope: Scope) -> Outcomes:
    """What a view of `scope` may publish of the outcome tables: its program's protected
    family when the scope is one whole program (or a circle that is its program's only
    one); one circle's line of its program's family; each program's lines of its own
    family when the scope is several whole programs; nothing for a date range or part of
    a program (see WITHDRAWN_*)."""
    if scope.start or scope.end:
        return Outcomes({}, [], withdrawn=WITHDRAWN_DATES)
    chosen = set(scope.circle_ids)
    program_ids = set(scope.circles.order_by().values_list("program_id", flat=True))
    whole = Q(program_id__in=[p for p in program_ids if p is not None])
    if None in program_ids:
        whole |= Q(program__isnull=True)
    programs: dict[int | None, set[int]] = defaultdict(set)
    for pk, program_id in Circle.objects.filter(whole).values_list("pk", "program_id"):
        programs[program_id].add(pk)
    if len(programs) <= 1 and chosen == set().union(*programs.values()):
        family = protect(scope)  # one whole program (or nothing at all)
        return Outcomes(family.tables, [family])
    if len(chosen) == 1:
        (program_id,) = programs
        family = protect(_program_scope(scope, program_id))
        slug = scope.circles.get().slug
        return Outcomes(
            {"circle": [r for r in family.tables["circle"] if r.key == slug]},
            [family],
            note=NOTE_CIRCLE,
        )
    if chosen != set().union(*programs.values()):
        return Outcomes({}, [], withdrawn=WITHDRAWN_PART)
    families = [
        protect(_program_scope(scope, p)) for p in sorted(programs, key=lambda p: (p is None, p))
    ]
    tables = {
        # A program whose circles have had nobody yet has no row (and no figure).
        "program": [row for f in families for row in f.tables["program"][:1]],
        "circle": [r for f in families for r in f.tables["circle"]],
    }
    return Outcomes(tables, families, note=NOTE_PROGRAMS)
