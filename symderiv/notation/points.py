"""The judge's points: drawn once per scope, values there (exact, or to 40 digits), a wrong link's mistake."""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import sympy as sp

from ..core.ops import relu_step
from .evaluate import PointValues, equal, sum_values
from .scope import as_basic
from .structures import draw


class _Irrational:
    """An irrational value at a point, where only its being neither 0 nor rational matters."""

    is_Rational = False

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


_IRRATIONAL = _Irrational()


def _shape(v) -> tuple[int, ...]:
    if isinstance(v, sp.MatrixBase | sp.NDimArray):
        return tuple(v.shape)
    return (1, 1)


def _as_matrix(v) -> sp.ImmutableMatrix:
    """The entries as a matrix; a 4-index array [i, j, k, l] as rows ij, columns kl."""
    if isinstance(v, sp.NDimArray):
        a, b, c, d = v.shape
        return sp.ImmutableMatrix(a * b, c * d, list(sp.flatten(v.tolist())))
    return v if isinstance(v, sp.MatrixBase) else sp.ImmutableMatrix([[v]])


def _num(e: sp.Expr, point: dict) -> sp.Expr:
    return as_basic(e).xreplace(point)  # exact; compared with 60 digits when not rational


class Undefined(ArithmeticError):
    """A value that does not exist at a point (0/0, 1/0): the point is outside the claim's domain."""


_NO_VALUE = (sp.zoo, sp.nan, sp.oo, -sp.oo)


def _equal(a: sp.Expr, b: sp.Expr) -> bool:
    if a.is_Rational and b.is_Rational:
        return a == b
    if a.has(*_NO_VALUE) or b.has(*_NO_VALUE):
        raise Undefined(f"{sp.sstr(a)[:40]} = {sp.sstr(b)[:40]}")
    if (a - b).free_symbols:
        return sp.simplify(a - b) == 0
    x, y = sp.N(a, 80), sp.N(b, 80)  # each to 80 correct digits: no cancellation in a - b
    scale = max(sp.Integer(1), abs(x), abs(y))
    close = abs(x - y) <= sp.Float("1e-40", 80) * scale
    if not isinstance(close, sp.logic.boolalg.BooleanAtom):  # a part without a value (a kink's sign untold)
        raise Undefined(f"{sp.sstr(a)[:40]} = {sp.sstr(b)[:40]}")
    return bool(close)


def sample_points(scope, n: int, seed: int = 0) -> list[dict[sp.Symbol, sp.Rational]]:
    """n points of small exact rationals (k/2, |k| <= 6), none on a ReLU kink (drawn once per
    scope, n and seed: every claim of a problem is judged at the same points)."""
    cache = _scope_cache(scope, "_sample_points")
    key = (n, seed, tuple(scope.leaves()))
    if key not in cache:
        cache[key] = _draw_points(scope, n, seed)
    return list(cache[key])


def _scope_cache(scope, name: str) -> dict:
    """A dict kept on the scope (shared by the claims of one problem), or a fresh one."""
    cache = getattr(scope, name, None)
    if cache is None:
        cache = {}
        try:
            setattr(scope, name, cache)
        except AttributeError:
            pass
    return cache


def point_values(scope, points: list[dict[sp.Symbol, sp.Rational]]) -> PointValues:
    """The evaluator of expressions at `points`, built once per scope and set of points."""
    cache = _scope_cache(scope, "_point_values")
    key = tuple(tuple(pt.items()) for pt in points)
    if key not in cache:
        if len(cache) > 8:
            cache.clear()
        cache[key] = PointValues(points)
    return cache[key]


#: The whole numbers a point's entries are drawn from (then halved one time in three): small, and at
#: the last point of several larger, so that a kink away from 0 (min(x, 10), ReLU6's cut at 6) is crossed.
SMALL = [k for k in range(-6, 7) if k]
LARGE = [k for k in range(-12, 13) if abs(k) > 6]


def _draw_value(rng: random.Random, large: bool = False) -> sp.Rational:
    return sp.Rational(rng.choice(LARGE if large else SMALL), rng.choice([1, 1, 2]))


def _draw_points(scope, n: int, seed: int) -> list[dict[sp.Symbol, sp.Rational]]:
    rng = random.Random(seed)
    leaves = scope.leaves()
    kinks = scope.kinks()
    out: list[dict] = []
    tries = 0
    while len(out) < n and tries < 50 * n:
        tries += 1
        large = n > 2 and len(out) == n - 1
        pt = {s: _draw_value(rng, large) for s in leaves}
        for row in scope.one_hot_rows():
            hot = rng.randrange(len(row))
            pt.update({s: sp.Integer(int(n == hot)) for n, s in enumerate(row)})
        for structure, entries in getattr(scope, "structures", list)():
            pt.update(draw(structure, entries, rng))  # a declared matrix: a point inside its set
        if any(as_basic(k).xreplace(pt) == 0 for k in kinks):
            continue
        out.append(pt)
    return out

class PointChecks:
    """What a Judge compares at its points (`self.scope`, `self.points`): values by the evaluator
    kept for the scope and points, and, for a wrong link, the likely mistake."""

    scope: object
    points: list[dict[sp.Symbol, sp.Rational]]
    _point_values: PointValues | None = None
    _points_valued: list | None = None

    def _values(self) -> PointValues:
        """The evaluator at the judge's current points (kept by the scope for other claims)."""
        if self._point_values is None or self._points_valued is not self.points:
            self._point_values, self._points_valued = point_values(self.scope, self.points), self.points
        return self._point_values

    @staticmethod
    def _same(x, y, ea: sp.Basic, eb: sp.Basic, pt: dict) -> bool:
        """x = y for the values x, y of ea, eb at pt: by the evaluator where it decides, else by
        exact substitution (`_equal`)."""
        decided = equal(x, y)
        return _equal(_num(ea, pt), _num(eb, pt)) if decided is None else decided

    def _same_at(self, ea: sp.Basic, eb: sp.Basic, p: int) -> bool:
        """ea = eb at point p (exact where rational, else to 40 digits)."""
        pv = self._values()
        ea, eb = as_basic(ea), as_basic(eb)
        try:
            return self._same(pv.values(ea)[p], pv.values(eb)[p], ea, eb, self.points[p])
        except Undefined:  # no value there: not a match for the mistake looked for
            return False

    def _sum_same_at(self, ea: sp.Basic, terms: list[sp.Basic], p: int) -> bool:
        """ea = the sum of `terms` at point p."""
        pv = self._values()
        x = pv.values(as_basic(ea))[p]
        ys = [pv.values(as_basic(t))[p] for t in terms]
        decided = None
        if x is not None and all(y is not None for y in ys):
            total = sum_values(ys)
            decided = equal(x, total) if total is not None else None
        if decided is None:
            pt = self.points[p]
            try:
                return _equal(_num(ea, pt), sum((_num(t, pt) for t in terms), sp.Integer(0)))
            except Undefined:
                return False
        return decided

    def _exact_matrix(self, m: sp.MatrixBase, p: int) -> sp.ImmutableMatrix:
        """The entries of m at point p exactly, as substitution gives them: a rational the
        evaluator holds as that Rational, any other entry substituted."""
        pv, pt = self._values(), self.points[p]
        out = []
        for e in m:
            v = pv.values(as_basic(e))[p]
            out.append(sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else _num(e, pt))
        return sp.ImmutableMatrix(m.rows, m.cols, out)

    def _exact_at(self, e: sp.Basic, p: int):
        """The value of e at point p as SymPy has it where it matters here: a Rational when it is
        rational, a marker that is neither 0 nor Rational when the evaluator holds an irrational
        value, else the exact substitution."""
        v = self._values().values(as_basic(e))[p]
        if isinstance(v, Fraction):
            return sp.Rational(v.numerator, v.denominator)
        if v is None or isinstance(v, bool):
            return _num(e, self.points[p])
        return _IRRATIONAL
    def _missing_sum(self, a_vals, b_vals, envs) -> str | None:
        """One side is the other summed over a free index letter x: Σ_x b(x) = a (the claim
        b misses the sum) or Σ_x a(x) = b (the claim sums what holds for each x)."""
        if not envs or not envs[0]:
            return None
        pts = self.points[:3]
        for x in envs[0]:
            values = {e[x] for e in envs}
            groups: dict[tuple, list[int]] = {}
            for n, e in enumerate(envs):
                groups.setdefault(tuple(sorted((k, v) for k, v in e.items() if k != x)), []).append(n)
            if len(values) < 2 or any(len(g) != len(values) for g in groups.values()):
                continue
            for side, other, what in (
                (a_vals, b_vals, f"a missing sum over {x} (the chain rule sums over every {x})"),
                (b_vals, a_vals, f"an extra sum over {x} (the claim adds up what holds for each {x})"),
            ):
                if all(
                    self._sum_same_at(x_, [_as_matrix(other[m])[e] for m in g], p)
                    for p in range(len(pts))
                    for g in groups.values()
                    for n in g
                    for e, x_ in enumerate(_as_matrix(side[n]))
                ):
                    return what
        return None

    def _diagonal_mistake(self, a_vals, b_vals) -> str | None:
        """The claim is the diagonal of a derivative whose other entries vanish: d f_i/d b_i for
        an element-wise f (the Jacobian is diagonal), or d f_i/d W_il (the derivative of a
        vector by a matrix has three indices). Named, so that a grader can decide."""
        sa = _shape(a_vals[0])
        if len(sa) == 4:
            n, (r, c) = sa[0] * sa[1], sa[2:]
        elif len(sa) == 2 and sa[0] == sa[1] > 1:
            n, (r, c) = sa[0], (sa[0], 1)
        else:
            return None
        if n != r or len(_as_matrix(b_vals[0])) != n * c:
            return None
        for p in range(len(self.points[:3])):
            for a, b in zip(a_vals, b_vals, strict=True):
                am, bl = _as_matrix(a), list(_as_matrix(b))
                for i, k, col in itertools.product(range(n), range(r), range(c)):
                    x = am[i, k * c + col]
                    if (k != i and self._exact_at(x, p) != 0) or (k == i and not self._same_at(x, bl[i * c + col], p)):
                        return None
        return (
            "the claim is the diagonal of the derivative (its other entries are 0): "
            "a shorthand for an element-wise derivative, not the derivative itself"
        )

    def _mistake(self, a_vals, b_vals, envs) -> str | None:
        pts = range(len(self.points[:3]))

        def entries(vals):
            return [e for v in vals for e in _as_matrix(v)]

        def same(xs, ys) -> bool:
            return all(self._same_at(x, y, p) for p in pts for x, y in zip(entries(xs), entries(ys), strict=True))

        ratios = set()
        for p in pts:
            xs = [self._exact_at(e, p) for e in entries(a_vals)]
            ys = [self._exact_at(e, p) for e in entries(b_vals)]
            for x, y in zip(xs, ys, strict=True):
                if x == 0 and y == 0:
                    continue
                if x == 0 or not (x.is_Rational and y.is_Rational):
                    ratios.add(None)
                else:
                    ratios.add(y / x)
        if len(ratios) == 1 and None not in ratios:
            c = ratios.pop()
            return "sign" if c == -1 else f"constant factor {c}"
        def unmask(v):
            return _as_matrix(v).replace(relu_step, lambda *a: sp.Integer(1))

        if any(_as_matrix(v).has(relu_step) for v in a_vals):
            if same([unmask(v) for v in a_vals], [unmask(v) for v in b_vals]):
                return "missing f' factor or mask"
        sq = [_as_matrix(v) for v in a_vals]
        if all(m.rows == m.cols and m.rows > 1 for m in sq):
            if same([m.T for m in sq], b_vals):
                return "swapped indices (the transpose)"
        missing = self._missing_sum(a_vals, b_vals, envs)
        if missing:
            return missing
        if len(envs) > 1 and envs[0] and len(envs[0]) >= 2:
            letters = list(envs[0])
            swapped = []
            index = {tuple(sorted(e.items())): n for n, e in enumerate(envs)}
            for e in envs:
                s = dict(e)
                s[letters[0]], s[letters[1]] = e[letters[1]], e[letters[0]]
                swapped.append(index.get(tuple(sorted(s.items()))))
            if None not in swapped and same([a_vals[j] for j in swapped], b_vals):
                return "swapped indices"
        return None

def _legibility(expected: sp.MatrixBase, claimed: sp.MatrixBase) -> float:
    """How well a counterexample shows the difference to a person: the largest entry gap
    relative to the entries' size, with a penalty for values far from 1 (e^{-20} vs 0 is a
    true but useless counterexample when another point shows 0.3 vs 0)."""
    return _legibility_floats([float(sp.N(x, 20)) for x in expected], [float(sp.N(y, 20)) for y in claimed])


def _legibility_floats(expected: list[float], claimed: list[float]) -> float:
    """`_legibility` of the entries as floats."""
    best = 0.0
    for fx, fy in zip(expected, claimed, strict=True):
        size = max(abs(fx), abs(fy))
        if size == 0 or not math.isfinite(size):
            continue
        gap = abs(fx - fy) / size
        best = max(best, gap / (1.0 + abs(math.log10(size))))
    return best


