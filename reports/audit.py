"""The disclosure auditor: can a withheld figure be worked out from what is published?

A page or an export publishes some counts and withholds others ("suppressed"). The
adversary knows how the figures add up (a row's cells sum to its total, the "All" line is
the sum of the breakdown, retained ≤ members, a rate is part/whole rounded to 0.1 %).
Given every figure published, `intervals` computes for each withheld cell the tightest
interval implied by the published figures — linear programming over the table's relations,
as the issue asks — and `audit` reports every withheld cell whose interval is narrower
than K possible values (width = upper − lower < K). `[]` means the publication is safe.
The measure is the issue's, upper minus lower: [0, 4] (five whole numbers) fails and
[0, 5] passes, one stricter than counting the possible values.

Counts are integers, so each LP bound is rounded inward (low up, high down, with a 1e-6
tolerance for the solver's arithmetic). The LP relaxation alone gives an outer interval;
rounding it only narrows it, so the test is the stricter (safer) one. For the additive
tables we publish (totally unimodular: rows, columns, margins) the rounded LP interval's
ends are exactly the smallest and largest whole numbers the cell can take; a test proves
it by brute force.

How: published values are substituted first, so the LP has only withheld and hidden
variables; variables linked through relations form components, each solved on its own;
a withheld cell in no relation is bounded only by its own bounds (unbounded above: safe).
A component of one relation is solved by arithmetic (exact, see `_project`); the others
go to HiGHS, one model per component, re-solved with a new objective for each bound
(warm-started from the previous basis). An LP is skipped when a solution already seen
attains a bound that one relation implies on its own (so it is the LP's bound), and
`audit` skips a cell once two solutions seen prove it wide; `first_failure` stops at the
first narrow cell — the complementary-suppression loop (`reports/suppression.py`) calls it
often.

Why scipy's HiGHS: it runs in-process, solves LPs exactly (to its tolerances, which the
inward rounding absorbs) and is fast on many small LPs; PuLP would start a CBC subprocess
per solve. We drive the HiGHS that scipy bundles directly (`scipy.optimize._highspy`),
because `linprog` rebuilds the model on every call (about 3.4 ms per bound against 0.2 ms
re-solving the same model); on a scipy without that module we fall back to `linprog`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from reports.disclosure import K

try:  # scipy ≥ 1.15 bundles HiGHS's own Python bindings (a private module).
    from scipy.optimize._highspy import _core as _highs
except ImportError:  # pragma: no cover - older scipy: linprog, slower but the same answers
    _highs = None

__all__ = [
    "Finding",
    "K",
    "Prior",
    "Publication",
    "Relation",
    "assert_safe",
    "audit",
    "first_failure",
    "intervals",
    "need_of",
]

# At most this many rounds of the spreading LPs per component (see _Component.is_narrow).
SPREAD_ROUNDS = 4
# Published figures are counts; the solver's answers are floats within ~1e-7 of a vertex.
TOL = 1e-6
# A solution within this of an outer bound attains it (HiGHS's feasibility tolerance).
EXACT = 1e-7
# The solver behind every general component; tests run both (see tests/reports/test_audit.py).
USE_BUNDLED_HIGHS = _highs is not None


@dataclass(frozen=True)
class Relation:
    """Σ coef·variable  (== or <=)  constant.  Variables are cell ids (str)."""

    terms: tuple[tuple[str, float], ...]
    constant: float = 0.0
    equality: bool = True  # False means  Σ coef·var <= constant


@dataclass
class Publication:
    """Everything a page or export publishes, as the adversary sees it."""

    published: dict[str, float]  # cell id -> value as published (counts; exact)
    withheld: set[str]  # cell ids shown as "suppressed": each must stay wide
    # Never-published helper variables (e.g. "not retained" = members - retained); their
    # intervals are not checked.
    hidden: set[str] = field(default_factory=set)
    relations: list[Relation] = field(default_factory=list)
    lower: dict[str, float] = field(default_factory=dict)  # default 0 for every variable
    upper: dict[str, float] = field(default_factory=dict)  # default +inf
    # A withheld cell that the reader can already narrow to fewer than k values before any
    # figure is published (its group has 2 people, and who they are is public) needs only
    # that width: what is published must not narrow it further. Default: k. A dict, or a
    # Prior (computed on demand): anything with .get(cell, default).
    need: Mapping[str, float] | Prior = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """A withheld cell that can be narrowed to [low, high] from the published figures."""

    cell: str
    low: float
    high: float  # math.inf when unbounded

    @property
    def width(self) -> float:
        return self.high - self.low


def intervals(
    pub: Publication, cells: Iterable[str] | None = None
) -> dict[str, tuple[float, float]]:
    """Tightest [low, high] of each withheld cell (or of `cells`) implied by everything
    published: LP min and max over the relations, with published values substituted,
    rounded inward to integers. Raises ValueError if the figures contradict the relations."""
    model = _Model(pub)
    model.check_feasible()
    targets = sorted(pub.withheld) if cells is None else list(cells)
    return {cell: model.interval(cell) for cell in targets}


def audit(pub: Publication, *, k: int = K, stop_at_first: bool = False) -> list[Finding]:
    """Every withheld cell whose interval width (high - low) is under k, in sorted order of
    cell id. [] means safe. With stop_at_first, at most the first one (see first_failure)."""
    if stop_at_first:
        finding = first_failure(pub, k=k)
        return [finding] if finding else []
    model = _Model(pub)
    model.check_feasible()
    return [model.finding(cell) for cell in sorted(pub.withheld) if model.is_narrow(cell, k)]


class Prior:
    """The width of each withheld cell of `pub` — what a reader knows before the figures
    in question are published — computed on demand, one model for every cell: the `need`
    of a publication that adds figures to it. Only widths under k are kept (k otherwise).
    Pickles without its model (the widths found so far are kept)."""

    def __init__(self, pub: Publication, k: int = K):
        self.pub = pub
        self.k = k
        self.widths: dict[str, float] = {}
        self._model: _Model | None = None

    def get(self, cell: str, default: float | None = None) -> float | None:
        if cell not in self.pub.withheld:
            return default
        if cell not in self.widths:
            if self._model is None:
                self._model = _Model(self.pub)
            low, high = self._model.interval(cell)
            self.widths[cell] = min(high - low, self.k)
        width = self.widths[cell]
        return default if width >= self.k else width

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_model": None}


def need_of(pub: Publication, cell: str, k: int = K) -> float:
    """The width a withheld cell must keep: k, or less where the reader knew less before
    (Publication.need)."""
    return min(k, pub.need.get(cell, k))


def first_failure(pub: Publication, k: int = K) -> Finding | None:
    """The too-narrow withheld cell with the smallest id, or None if all are wide.

    Cells are checked in sorted order and each component is solved only when one of its
    cells is reached, so a leaky table is answered after a few LPs. Components no checked
    cell reaches are not solved, so contradictory figures there go unnoticed (audit and
    intervals check every component)."""
    model = _Model(pub)
    for cell in sorted(pub.withheld):
        if model.is_narrow(cell, k):
            return model.finding(cell)
    return None


def assert_safe(pub: Publication, *, k: int = K) -> None:
    """Raise AssertionError naming each too-narrow cell, its interval and the relations
    that pin it (for test messages)."""
    model = _Model(pub)
    model.check_feasible()
    findings = [model.finding(c) for c in sorted(pub.withheld) if model.is_narrow(c, k)]
    if not findings:
        return
    lines = [f"{len(findings)} withheld cell(s) can be narrowed to fewer than {k} values:"]
    for f in findings:
        needed = need_of(pub, f.cell, k)
        needs = f", needs {needed:g}" if needed < k else ""
        lines.append(f"  {f.cell}: [{f.low:g}, {f.high:g}] (width {f.width:g}{needs})")
        lines.extend(f"      {text}" for text in model.explain(f.cell))
    raise AssertionError("\n".join(lines))


# ---------------------------------------------------------------------------------------


@dataclass
class _Reduced:
    """A relation with the published values moved to the right-hand side."""

    coefs: dict[str, float]
    constant: float
    equality: bool
    source: int  # index into Publication.relations


class _Model:
    def __init__(self, pub: Publication):
        self.pub = pub
        unknown = pub.withheld | pub.hidden
        for name, a, b in (
            ("withheld and published", pub.withheld, pub.published),
            ("hidden and published", pub.hidden, pub.published),
            ("withheld and hidden", pub.withheld, pub.hidden),
        ):
            if both := sorted(set(a) & set(b)):
                raise ValueError(f"cells both {name}: {', '.join(both)}")
        for cell, value in pub.published.items():
            if not self.lower(cell) - TOL <= value <= self.upper(cell) + TOL:
                raise ValueError(f"published {cell} = {value:g} is outside its bounds")

        self.reduced: list[_Reduced] = []
        self.relations_of: dict[str, list[int]] = {}  # variable -> indices into reduced
        for index, relation in enumerate(pub.relations):
            coefs: dict[str, float] = {}
            constant = float(relation.constant)
            scale = abs(constant)
            for cell, coef in relation.terms:
                if cell in pub.published:
                    constant -= coef * pub.published[cell]
                    scale = max(scale, abs(coef * pub.published[cell]))
                elif cell in unknown:
                    coefs[cell] = coefs.get(cell, 0.0) + coef
                else:
                    raise ValueError(
                        f"relation {_format(relation, {})} mentions {cell!r}, which is "
                        "neither published, withheld nor hidden"
                    )
            coefs = {cell: coef for cell, coef in coefs.items() if coef != 0.0}
            if not coefs:
                slack = TOL * max(1.0, scale)
                if constant < -slack or (relation.equality and constant > slack):
                    raise ValueError(
                        "published figures contradict the relation "
                        f"{_format(relation, pub.published)}"
                    )
                continue
            for cell in coefs:
                self.relations_of.setdefault(cell, []).append(len(self.reduced))
            self.reduced.append(_Reduced(coefs, constant, relation.equality, index))

        # Connected components: variables linked through relations (union-find).
        parent = {cell: cell for cell in self.relations_of}

        def find(cell: str) -> str:
            while parent[cell] != cell:
                parent[cell] = parent[parent[cell]]
                cell = parent[cell]
            return cell

        for rel in self.reduced:
            first, *rest = rel.coefs
            for cell in rest:
                a, b = find(first), find(cell)
                if a != b:
                    parent[max(a, b)] = min(a, b)
        members: dict[str, list[str]] = {}
        for cell in sorted(self.relations_of):
            members.setdefault(find(cell), []).append(cell)
        self.component_of: dict[str, _Component] = {}
        self.components: list[_Component] = []
        for cells in members.values():  # ordered by smallest cell id: deterministic
            rows = sorted({i for c in cells for i in self.relations_of[c]})
            component = _Component(self, cells, [self.reduced[i] for i in rows])
            component.targets = [component.index[c] for c in cells if c in pub.withheld]
            self.components.append(component)
            for cell in cells:
                self.component_of[cell] = component

    def lower(self, cell: str) -> float:
        return float(self.pub.lower.get(cell, 0.0))

    def upper(self, cell: str) -> float:
        return float(self.pub.upper.get(cell, math.inf))

    def check_feasible(self) -> None:
        for cell in sorted(self.pub.withheld | self.pub.hidden):
            if cell not in self.component_of:
                _rounded(cell, self.lower(cell), self.upper(cell))
        for component in self.components:
            component.check_feasible()

    def interval(self, cell: str) -> tuple[float, float]:
        if cell in self.pub.published:
            value = float(self.pub.published[cell])
            return value, value
        if cell not in self.pub.withheld and cell not in self.pub.hidden:
            raise KeyError(f"{cell!r} is neither published, withheld nor hidden")
        component = self.component_of.get(cell)
        if component is None:
            return _rounded(cell, self.lower(cell), self.upper(cell))
        return component.interval(cell)

    def is_narrow(self, cell: str, k: int) -> bool:
        component = self.component_of.get(cell)
        if component is None:
            low, high = _rounded(cell, self.lower(cell), self.upper(cell))
            narrow = high - low < k
        else:
            narrow = component.is_narrow(cell, k)
        if not narrow:
            return False
        # Narrow: unless the cell never had k values to begin with (asked only now, as a
        # Prior computes each width on demand).
        need = need_of(self.pub, cell, k)
        if need >= k:
            return True
        low, high = self.interval(cell)
        return high - low < need

    def finding(self, cell: str) -> Finding:
        low, high = self.interval(cell)
        return Finding(cell, low, high)

    def explain(self, cell: str, limit: int = 8) -> list[str]:
        """The relations that pin the cell: those binding at its LP minimum or maximum
        (non-zero dual value), as published."""
        component = self.component_of.get(cell)
        if component is None:
            return ["pinned by its own bounds only (it is in no relation)"]
        rows = component.pinning(cell)
        if not rows:
            return ["pinned by its own bounds only"]
        lines = [_format(self.pub.relations[r.source], self.pub.published) for r in rows]
        if len(lines) > limit:
            lines = [*lines[:limit], f"... and {len(lines) - limit} more relations"]
        return ["pinned by:", *(f"  {line}" for line in lines)]


class _Component:
    """Variables linked through relations, and the LP (or arithmetic) that bounds them."""

    def __init__(self, model: _Model, cells: list[str], rows: list[_Reduced]):
        self.cells = cells
        self.index = {cell: i for i, cell in enumerate(cells)}
        self.rows = rows
        self.lb = np.array([model.lower(c) for c in cells])
        self.ub = np.array([model.upper(c) for c in cells])
        self.lp_low: dict[str, float] = {}  # exact LP bounds found so far
        self.lp_high: dict[str, float] = {}
        # Per variable, the smallest and largest value seen in a feasible solution: two
        # solutions far enough apart prove a cell wide without solving for its bounds.
        self.seen_low = np.full(len(cells), math.inf)
        self.seen_high = np.full(len(cells), -math.inf)
        self.solver: _HighsSolver | _LinprogSolver | None = None
        self.implied: dict[int, tuple[float, float]] = {}  # variable → its implied bounds
        self.rows_at: list[list[int]] | None = None  # variable → indices into rows
        self.projected: dict[int, dict[str, tuple[float, float]]] = {}  # row → its bounds
        self.feasible = False
        self.spread = False  # the spreading LPs were solved
        self.targets: list[int] = []  # indices of the withheld cells

    # -- public to _Model -----------------------------------------------------------------

    def check_feasible(self) -> None:
        if self.feasible:
            return
        if len(self.rows) == 1:
            self._single_relation()
        else:
            self._solver()
        self.feasible = True

    def interval(self, cell: str) -> tuple[float, float]:
        self.check_feasible()
        return _rounded(cell, self._bound(cell, -1), self._bound(cell, +1))

    def is_narrow(self, cell: str, k: int) -> bool:
        self.check_feasible()
        if self._seen_wide(cell, k):
            return False
        if not self.spread and self.solver is not None:
            # Before one pair of LPs per cell: LPs that push every withheld cell not yet
            # proven wide down, then up, at once, while that proves more of them. Their
            # vertices prove most cells of a large component wide in a few solves; only
            # the rest get their own bounds.
            self.spread = True
            for _ in range(SPREAD_ROUNDS):
                open_ = [i for i in self.targets if not self._seen_wide_at(i, k)]
                if len(open_) < 2:
                    break
                for sense in (-1, +1):
                    status, _, x = self.solver.solve_sum(sense, np.array(open_, dtype=np.int32))
                    if status == "optimal":
                        self._saw(x)
                if sum(not self._seen_wide_at(i, k) for i in open_) == len(open_):
                    break
            if self._seen_wide(cell, k):
                return False
        high = self._bound(cell, +1)
        if math.isinf(high) or self._seen_wide(cell, k):
            return False
        low, high = _rounded(cell, self._bound(cell, -1), high)
        return high - low < k

    # -- internals --------------------------------------------------------------------------

    def _seen_wide(self, cell: str, k: int) -> bool:
        return self._seen_wide_at(self.index[cell], k)

    def _seen_wide_at(self, i: int, k: int) -> bool:
        if self.seen_high[i] < self.seen_low[i]:
            return False
        return math.floor(self.seen_high[i] + TOL) - math.ceil(self.seen_low[i] - TOL) >= k

    def _bound(self, cell: str, sense: int) -> float:
        """The LP minimum (sense -1) or maximum (+1) of the cell."""
        known = self.lp_high if sense > 0 else self.lp_low
        if cell in known:
            return known[cell]
        i = self.index[cell]
        # An outer bound (the box, or what one relation implies) that a feasible solution
        # attains is the LP's bound: no need to solve for it.
        implied_low, implied_high = self._implied(i)
        if sense < 0 and self.seen_low[i] <= implied_low + EXACT:
            known[cell] = float(implied_low)
            return known[cell]
        if sense > 0 and self.seen_high[i] >= implied_high - EXACT:
            known[cell] = float(implied_high)
            return known[cell]
        status, value, x = self._solver().solve(i, sense)
        if status == "unbounded":
            value = sense * math.inf
        else:
            self._saw(x)
        known[cell] = value
        return value

    def _saw(self, x: np.ndarray) -> None:
        np.minimum(self.seen_low, x, out=self.seen_low)
        np.maximum(self.seen_high, x, out=self.seen_high)

    def _solver(self) -> _HighsSolver | _LinprogSolver:
        if self.solver is None:
            kind = _HighsSolver if USE_BUNDLED_HIGHS else _LinprogSolver
            self.solver = kind(self.index, self.rows, self.lb, self.ub)
            status, _, x = self.solver.solve(None, 0)
            if status != "optimal":
                raise ValueError(
                    "published figures contradict the relations among "
                    f"{', '.join(self.cells[:10])}{' …' if len(self.cells) > 10 else ''}: "
                    "no values of the withheld cells satisfy them (is the table modelled "
                    "right?)"
                )
            self._saw(x)
        return self.solver

    def _single_relation(self) -> None:
        """Bounds of every variable of a component made of one relation, by arithmetic
        (exact: see `_project`), instead of two LPs per variable."""
        (row,) = self.rows
        low, high = _project(row, self.cells, self.lb, self.ub)
        if np.any(low > high + TOL * np.maximum(1.0, np.abs(high))):
            raise ValueError(
                "published figures contradict the relation "
                f"{_format_reduced(row)}: no values of the withheld cells satisfy it"
            )
        for cell, lo, hi in zip(self.cells, low, high, strict=True):
            self.lp_low[cell] = float(min(lo, hi))
            self.lp_high[cell] = float(hi)

    def pinning(self, cell: str) -> list[_Reduced]:
        """The relations binding at the cell's LP minimum or maximum (for messages)."""
        if len(self.rows) == 1:
            return list(self.rows)
        i = self.index[cell]
        binding: set[int] = set()
        for sense in (-1, +1):
            binding |= self._solver().binding(i, sense)
        return [self.rows[r] for r in sorted(binding)]

    def _implied(self, i: int) -> tuple[float, float]:
        """Bounds each relation of variable i implies on it on its own (with the boxes):
        valid outer bounds of the LP, so a feasible solution that attains one proves it is
        the LP's bound. Only the relations of i are projected (a component of thousands
        of relations is asked about a few of its variables)."""
        if i not in self.implied:
            if self.rows_at is None:
                self.rows_at = [[] for _ in self.cells]
                for r, row in enumerate(self.rows):
                    for cell in row.coefs:
                        self.rows_at[self.index[cell]].append(r)
            low, high = float(self.lb[i]), float(self.ub[i])
            name = self.cells[i]
            for r in self.rows_at[i]:
                if r not in self.projected:  # each relation projected once, all its terms
                    row = self.rows[r]
                    cells = list(row.coefs)
                    at = np.array([self.index[c] for c in cells])
                    lo, hi = _project(row, cells, self.lb[at], self.ub[at])
                    self.projected[r] = {
                        c: (float(a), float(b)) for c, a, b in zip(cells, lo, hi, strict=True)
                    }
                lo, hi = self.projected[r][name]
                low, high = max(low, lo), min(high, hi)
            self.implied[i] = (low, high)
        return self.implied[i]


def _project(
    row: _Reduced, cells: list[str], lb: np.ndarray, ub: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The interval of each x_j over {x in box : Σ a_i·x_i = c (or <= c)}.

    Exact: the other terms Σ_{i≠j} a_i·x_i range over a whole interval [lo_j, hi_j] (a
    linear image of a box is an interval), so x_j = t is feasible exactly when t is in its
    box and c - a_j·t lies in [lo_j, hi_j] (or, for <=, c - a_j·t >= lo_j). Where the
    relation cannot hold, some low exceeds its high."""
    a = np.array([row.coefs[c] for c in cells])
    term_lo = np.where(a > 0, a * lb, a * ub)  # smallest a_i·x_i
    term_hi = np.where(a > 0, a * ub, a * lb)
    lo_others = _sum_without_each(term_lo)
    hi_others = _sum_without_each(term_hi) if row.equality else np.full(len(a), math.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        # a_j·x_j must lie in [c - hi_others, c - lo_others].
        t1 = (row.constant - hi_others) / a
        t2 = (row.constant - lo_others) / a
    low = np.maximum(lb, np.where(a > 0, t1, t2))
    high = np.minimum(ub, np.where(a > 0, t2, t1))
    return low, high


def _sum_without_each(values: np.ndarray) -> np.ndarray:
    """For each i, Σ_{j≠i} values[j], where values may hold ±inf (never both signs)."""
    infinite = np.isinf(values)
    finite_total = values[~infinite].sum()
    count = infinite.sum()
    sign = np.sign(values[infinite].sum()) if count else 0.0
    result = np.where(infinite, finite_total - 0.0, finite_total - np.where(infinite, 0, values))
    # Excluding an infinite term leaves count - 1 infinities; a finite one leaves count.
    others_infinite = np.where(infinite, count - 1, count) > 0
    return np.where(others_infinite, sign * math.inf, result)


def _rounded(cell: str, low: float, high: float) -> tuple[float, float]:
    """Counts are integers: round the LP interval inward (within the solver's tolerance)."""
    low = low if math.isinf(low) else float(math.ceil(low - TOL))
    high = high if math.isinf(high) else float(math.floor(high + TOL))
    if low > high:
        raise ValueError(
            f"no whole number fits {cell!r}: the published figures allow only [{low:g}, "
            f"{high:g}] (is the table modelled right?)"
        )
    return low, high


KNOWN_STATUSES = (
    ()
    if _highs is None
    else (
        _highs.HighsModelStatus.kOptimal,
        _highs.HighsModelStatus.kInfeasible,
        _highs.HighsModelStatus.kUnbounded,
        _highs.HighsModelStatus.kUnboundedOrInfeasible,
    )
)


class _HighsSolver:
    """One HiGHS model per component; each bound changes only the objective, so HiGHS
    re-solves from the previous basis (a few pivots) instead of from scratch."""

    def __init__(self, index: dict[str, int], rows: list[_Reduced], lb, ub):
        h = _highs._Highs()
        h.setOptionValue("output_flag", False)
        n = len(index)
        h.addVars(n, np.asarray(lb, dtype=np.float64), np.asarray(ub, dtype=np.float64))
        lower, upper, starts, indices, values = [], [], [], [], []
        for row in rows:
            starts.append(len(indices))
            for cell, coef in row.coefs.items():
                indices.append(index[cell])
                values.append(coef)
            lower.append(row.constant if row.equality else -math.inf)
            upper.append(row.constant)
        h.addRows(
            len(rows),
            np.array(lower, dtype=np.float64),
            np.array(upper, dtype=np.float64),
            len(indices),
            np.array(starts, dtype=np.int32),
            np.array(indices, dtype=np.int32),
            np.array(values, dtype=np.float64),
        )
        self.h = h
        self.n = n
        self.costed: int | None = None

    def solve_sum(self, sense: int, cols: np.ndarray) -> tuple[str, float, np.ndarray | None]:
        """Minimize (sense -1) or maximize (+1) the sum of the variables `cols`."""
        h, n = self.h, len(cols)
        if self.costed is not None:
            h.changeColCost(self.costed, 0.0)
            self.costed = None
        h.changeColsCost(n, cols, np.full(n, -float(sense)))
        h.run()
        status = h.getModelStatus()
        optimal = status == _highs.HighsModelStatus.kOptimal
        x = np.array(h.getSolution().col_value) if optimal else None
        h.changeColsCost(n, cols, np.zeros(n))
        return ("optimal" if optimal else "other"), 0.0, x

    def solve(self, j: int | None, sense: int) -> tuple[str, float, np.ndarray | None]:
        """Minimize (sense -1) or maximize (+1) variable j; j None: any feasible point."""
        h = self.h
        if self.costed is not None:
            h.changeColCost(self.costed, 0.0)
        self.costed = j
        if j is not None:
            h.changeColCost(j, -float(sense))  # HiGHS minimizes: max x = -min(-x)
        h.run()
        status = h.getModelStatus()
        if status not in KNOWN_STATUSES:
            # A warm start after an unbounded direction can leave HiGHS answering "Unknown"
            # (found by Hypothesis); solved again from scratch, the status is definite.
            h.clearSolver()
            h.run()
            status = h.getModelStatus()
        if status == _highs.HighsModelStatus.kOptimal:
            x = np.array(h.getSolution().col_value)
            return "optimal", (float(x[j]) if j is not None else 0.0), x
        if status == _highs.HighsModelStatus.kInfeasible or j is None:
            return "infeasible", math.nan, None
        if status in (
            _highs.HighsModelStatus.kUnbounded,
            _highs.HighsModelStatus.kUnboundedOrInfeasible,  # feasibility is known by now
        ):
            return "unbounded", math.nan, None
        raise RuntimeError(f"HiGHS stopped with {h.modelStatusToString(status)}")

    def binding(self, j: int, sense: int) -> set[int]:
        """Rows with a non-zero dual value at the optimum: the ones that hold j there."""
        if self.solve(j, sense)[0] != "optimal":
            return set()
        duals = self.h.getSolution().row_dual
        return {r for r, y in enumerate(duals) if abs(y) > EXACT}


class _LinprogSolver:
    """The same through scipy's public linprog: rebuilds the model on every call."""

    def __init__(self, index: dict[str, int], rows: list[_Reduced], lb, ub):
        n = len(index)
        self.eq_rows = [n for n, r in enumerate(rows) if r.equality]
        self.ub_rows = [n for n, r in enumerate(rows) if not r.equality]
        eq = [rows[n] for n in self.eq_rows]
        ub_rows = [rows[n] for n in self.ub_rows]

        def matrix(rs):
            m = np.zeros((len(rs), n))
            for i, r in enumerate(rs):
                for cell, coef in r.coefs.items():
                    m[i, index[cell]] = coef
            return m

        self.n = n
        self.a_eq = matrix(eq) if eq else None
        self.b_eq = np.array([r.constant for r in eq]) if eq else None
        self.a_ub = matrix(ub_rows) if ub_rows else None
        self.b_ub = np.array([r.constant for r in ub_rows]) if ub_rows else None
        self.bounds = [
            (None if math.isinf(lo) else lo, None if math.isinf(hi) else hi)
            for lo, hi in zip(lb, ub, strict=True)
        ]

    def solve_sum(self, sense: int, cols: np.ndarray) -> tuple[str, float, np.ndarray | None]:
        c = np.zeros(self.n)
        c[cols] = -float(sense)
        res = linprog(
            c,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=self.bounds,
            method="highs",
        )
        return ("optimal", 0.0, res.x) if res.status == 0 else ("other", 0.0, None)

    def solve(self, j: int | None, sense: int) -> tuple[str, float, np.ndarray | None]:
        c = np.zeros(self.n)
        if j is not None:
            c[j] = -float(sense)
        res = linprog(
            c,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=self.bounds,
            method="highs",
        )
        if res.status == 0:
            return "optimal", (float(res.x[j]) if j is not None else 0.0), res.x
        if res.status == 2 or j is None:
            return "infeasible", math.nan, None
        if res.status == 3:
            return "unbounded", math.nan, None
        raise RuntimeError(f"linprog stopped: {res.message}")

    def binding(self, j: int, sense: int) -> set[int]:
        c = np.zeros(self.n)
        c[j] = -float(sense)
        res = linprog(
            c,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=self.bounds,
            method="highs",
        )
        if res.status != 0:
            return set()
        duals = [0.0] * (len(self.eq_rows) + len(self.ub_rows))
        if self.eq_rows:
            for r, y in zip(self.eq_rows, res.eqlin.marginals, strict=True):
                duals[r] = y
        if self.ub_rows:
            for r, y in zip(self.ub_rows, res.ineqlin.marginals, strict=True):
                duals[r] = y
        return {r for r, y in enumerate(duals) if abs(y) > EXACT}


def _format(relation: Relation, published: dict[str, float]) -> str:
    """`a[3] + b - c[10] = 0`: published values in brackets, withheld cells bare."""
    parts = []
    for cell, coef in relation.terms:
        name = f"{cell}[{published[cell]:g}]" if cell in published else cell
        sign = "-" if coef < 0 else "+"
        magnitude = "" if abs(coef) == 1 else f"{abs(coef):g}·"
        parts.append(f"{sign} {magnitude}{name}")
    text = " ".join(parts).removeprefix("+ ")
    return f"{text} {'=' if relation.equality else '<='} {relation.constant:g}"


def _format_reduced(row: _Reduced) -> str:
    terms = tuple(row.coefs.items())
    return _format(Relation(terms, row.constant, row.equality), {})
