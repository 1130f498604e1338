"""Exact values of SymPy expressions at fixed points: each distinct subexpression once, for every point at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction

import mpmath
import sympy as sp
from mpmath.ctx_iv import MPIntervalContext
from sympy.logic.boolalg import BooleanFalse, BooleanTrue

from ..core.ops import leaky_relu, leaky_step, relu, relu_step, sigmoid

#: Bits of the interval endpoints where a value is transcendental (about 154 digits).
PRECISION = 512
#: e^u is computed only for |u| <= MAX_EXPONENT; beyond, SymPy's own substitution decides
#: (and the judge's finiteness check bounds it), as before this evaluator existed.
MAX_EXPONENT = 1000
#: Two values are equal when |x - y| <= TOLERANCE * max(1, |x|, |y|) (as `points._equal` at 80 digits).
TOLERANCE = mpmath.mpf("1e-40")
_INSIDE, _OUTSIDE = TOLERANCE * mpmath.mpf("0.99"), TOLERANCE * mpmath.mpf("1.01")

IV = MPIntervalContext()
IV.prec = PRECISION
_ONE_IV = IV.mpf(1)
_E_IV, _PI_IV = IV.e, IV.pi

#: A value at one point: an exact rational, an interval (outward rounded: it holds the true value),
#: a truth value (of a condition), or None where this evaluator does not decide (the caller then
#: substitutes into the SymPy expression, exactly as before).
Value = Fraction | object | bool | None
MAX_NODES = 400_000


def to_fraction(r: sp.Basic) -> Fraction | None:
    """A SymPy rational as a Fraction (None for anything else)."""
    if isinstance(r, sp.Rational):
        return Fraction(int(r.p), int(r.q))
    return None


def interval(x: Fraction | object) -> object:
    """An exact rational as an interval (outward rounded), an interval as itself."""
    if isinstance(x, Fraction):
        if x.denominator == 1:
            return IV.mpf(x.numerator)
        return IV.mpf(x.numerator) / IV.mpf(x.denominator)
    return x


def _bounds(v: object) -> tuple[mpmath.mpf, mpmath.mpf]:
    a, b = v._mpi_  # type: ignore[attr-defined]
    return mpmath.mp.make_mpf(a), mpmath.mp.make_mpf(b)


def _abs_bounds(v: object) -> tuple[mpmath.mpf, mpmath.mpf]:
    """The smallest and largest |t| over the interval v."""
    lo, hi = _bounds(v)
    if lo <= 0 <= hi:
        return mpmath.mpf(0), max(-lo, hi)
    return min(abs(lo), abs(hi)), max(abs(lo), abs(hi))


def equal(x: Value, y: Value) -> bool | None:
    """x = y: exactly for two rationals; otherwise to 40 digits, |x - y| <= 1e-40 max(1, |x|, |y|),
    decided only when the intervals settle it with a margin (None: undecided here, and also when
    x and y differ provably but by less than the tolerance, where exactness decides)."""
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        return x == y
    if x is None or y is None or isinstance(x, bool) or isinstance(y, bool):
        return None
    X, Y = interval(x), interval(y)
    dmin, dmax = _abs_bounds(X - Y)
    xmin, xmax = _abs_bounds(X)
    ymin, ymax = _abs_bounds(Y)
    smin, smax = max(mpmath.mpf(1), xmin, ymin), max(mpmath.mpf(1), xmax, ymax)
    if dmax <= _INSIDE * smin:
        return True if dmin == 0 else None
    if dmin >= _OUTSIDE * smax:
        return False
    return None


def closer_than(x: Value, y: Value, bound: sp.Rational) -> bool | None:
    """|x - y| < bound for two values, decided on exact rationals or rigorous intervals with a
    margin of 1 %; None where that does not settle it (SymPy's N then decides)."""
    if x is None or y is None or isinstance(x, bool) or isinstance(y, bool):
        return None
    limit = Fraction(int(bound.p), int(bound.q))
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        return abs(x - y) < limit
    dmin, dmax = _abs_bounds(interval(x) - interval(y))
    if dmax < mpmath.mpf(limit.numerator) / limit.denominator * mpmath.mpf("0.99"):
        return True
    if dmin > mpmath.mpf(limit.numerator) / limit.denominator * mpmath.mpf("1.01"):
        return False
    return None


def to_float(x: Value) -> float | None:
    """A float near the value (for ranking counterexamples): a rational as SymPy's N(x, 20)
    then float, an interval by its midpoint."""
    if isinstance(x, Fraction):
        return float(sp.N(sp.Rational(x.numerator, x.denominator), 20))
    if x is None or isinstance(x, bool):
        return None
    lo, hi = _bounds(x)
    return float((lo + hi) / 2)


def sum_values(xs: list[Value]) -> Value:
    """The sum of values (None when one is undecided)."""
    return _sum(xs)


# ---------------------------------------------------------------------- one operation at one point


def _sum(xs: list[Value]) -> Value:
    if any(x is None or isinstance(x, bool) for x in xs):
        return None
    if all(isinstance(x, Fraction) for x in xs):
        return sum(xs, Fraction(0))
    total = IV.mpf(0)
    exact = Fraction(0)
    for x in xs:
        if isinstance(x, Fraction):
            exact += x
        else:
            total = total + x
    return total + interval(exact) if exact else total


def _product(xs: list[Value]) -> Value:
    if any(x is None or isinstance(x, bool) for x in xs):
        return None
    exact = Fraction(1)
    rest = []
    for x in xs:
        if isinstance(x, Fraction):
            exact *= x
        else:
            rest.append(x)
    if not rest or exact == 0:  # 0 times a finite number is 0 exactly, as in SymPy
        return exact
    total = rest[0]
    for x in rest[1:]:
        total = total * x
    return total if exact == 1 else total * interval(exact)


def _positive(x: Value) -> bool | None:
    if isinstance(x, Fraction):
        return x > 0
    if x is None or isinstance(x, bool):
        return None
    lo, hi = _bounds(x)
    return True if lo > 0 else False if hi <= 0 else None


def _exp_interval(u: object) -> object | None:
    lo, hi = _bounds(u)
    if max(abs(lo), abs(hi)) > MAX_EXPONENT:
        return None
    return IV.exp(u)


def _exp(u: Value) -> Value:
    if isinstance(u, Fraction):
        if u == 0:
            return Fraction(1)
        if abs(u) > MAX_EXPONENT:
            return None
        return IV.exp(interval(u))
    if u is None or isinstance(u, bool):
        return None
    return _exp_interval(u)


def _log(u: Value) -> Value:
    if isinstance(u, Fraction):
        if u == 1:
            return Fraction(0)
        return IV.log(interval(u)) if u > 0 else None
    if _positive(u):
        return IV.log(u)
    return None


def _power(b: Value, e: Value) -> Value:
    if b is None or e is None or isinstance(b, bool) or isinstance(e, bool):
        return None
    if isinstance(e, Fraction) and e.denominator == 1:
        n = e.numerator
        if isinstance(b, Fraction):
            if b == 0 and n < 0:
                return None
            return b**n
        if n < 0:
            lo, hi = _bounds(b)
            if lo <= 0 <= hi:
                return None
        return b**n
    if isinstance(b, Fraction) and isinstance(e, Fraction):
        exact = sp.Pow(sp.Rational(b.numerator, b.denominator), sp.Rational(e.numerator, e.denominator))
        if exact.is_Rational:  # a perfect power: SymPy has it exactly, so do we
            return to_fraction(exact)
    if not _positive(b):
        return None
    return _exp_interval(interval(e) * IV.log(interval(b)))


def _tanh(u: Value) -> Value:
    if isinstance(u, Fraction) and u == 0:
        return Fraction(0)
    if u is None or isinstance(u, bool):
        return None
    e2 = _exp(2 * u if isinstance(u, Fraction) else u * 2)
    return None if e2 is None else _ONE_IV - 2 / (interval(e2) + 1)


def _sigmoid(u: Value) -> Value:
    if isinstance(u, Fraction) and u == 0:
        return Fraction(1, 2)
    if u is None or isinstance(u, bool):
        return None
    e = _exp(-u)
    return None if e is None else _ONE_IV / (interval(e) + 1)


def _trig(name: str) -> Callable[[Value], Value]:
    zero = {"sin": Fraction(0), "cos": Fraction(1), "tan": Fraction(0)}[name]
    fn = getattr(IV, name)

    def f(u: Value) -> Value:
        if isinstance(u, Fraction) and u == 0:
            return zero
        if u is None or isinstance(u, bool):
            return None
        lo, hi = _bounds(interval(u))
        if max(abs(lo), abs(hi)) > MAX_EXPONENT:
            return None
        try:
            out = fn(interval(u))
        except (ZeroDivisionError, ValueError):
            return None
        olo, ohi = _bounds(out)
        return out if mpmath.isfinite(olo) and mpmath.isfinite(ohi) else None

    return f


def _exact_args(fn: Callable[..., Value]) -> Callable[..., Value]:
    """An operation SymPy evaluates only at rational arguments (ReLU and its kin)."""

    def f(*xs: Value) -> Value:
        return fn(*xs) if all(isinstance(x, Fraction) for x in xs) else None

    return f


def _abs(u: Value) -> Value:
    if isinstance(u, Fraction):
        return abs(u)
    sign = _positive(u)
    if sign is None:
        return None
    if sign:
        return u
    return -u if _bounds(u)[1] < 0 else None  # a value up to 0 that may be 0: SymPy's exact form decides


def _compare(op: str, a: Value, b: Value) -> bool | None:
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return None
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
    alo, ahi = _bounds(interval(a))
    blo, bhi = _bounds(interval(b))
    if ahi < blo:  # a < b for sure
        return {"<": True, "<=": True, ">": False, ">=": False, "==": False, "!=": True}[op]
    if bhi < alo:  # a > b for sure
        return {"<": False, "<=": False, ">": True, ">=": True, "==": False, "!=": True}[op]
    return None


_FUNCTIONS: dict[type, Callable[..., Value]] = {
    sp.exp: _exp,
    sp.log: _log,
    sp.tanh: _tanh,
    sp.sin: _trig("sin"),
    sp.cos: _trig("cos"),
    sp.tan: _trig("tan"),
    sigmoid: _sigmoid,
    sp.Abs: _abs,
    relu: _exact_args(lambda z: z if z > 0 else Fraction(0)),
    relu_step: _exact_args(lambda z: Fraction(int(z > 0))),
    leaky_relu: _exact_args(lambda z, a: z if z > 0 else a * z),
    leaky_step: lambda z, a: (Fraction(1) if z > 0 else a) if isinstance(z, Fraction) else None,
    sp.Max: _exact_args(lambda *xs: max(xs)),
    sp.Min: _exact_args(lambda *xs: min(xs)),
}

_RELATIONS = {sp.StrictLessThan: "<", sp.LessThan: "<=", sp.StrictGreaterThan: ">", sp.GreaterThan: ">=",
              sp.Equality: "==", sp.Unequality: "!="}


def _children(node: sp.Basic) -> tuple[sp.Basic, ...] | None:
    """The subexpressions a node's value is computed from; None for a node not computed here."""
    t = type(node)
    if t in (sp.Add, sp.Mul, sp.Pow) or t in _FUNCTIONS or t in _RELATIONS or t in (sp.And, sp.Or, sp.Not):
        return node.args
    if t is sp.Piecewise:
        return tuple(x for pair in node.args for x in pair.args)
    return None


class PointValues:
    """The values of expressions at fixed exact points, each distinct subexpression computed once
    for all points together (a compiled evaluator for one set of points, kept per scope)."""

    def __init__(self, points: list[dict[sp.Symbol, sp.Rational]]) -> None:
        self.points = points
        self.n = len(points)
        self._memo: dict[sp.Basic, list[Value]] = {}

    def values(self, expr: sp.Basic) -> list[Value]:
        """The value of `expr` at every point (None where this evaluator does not decide)."""
        memo = self._memo
        found = memo.get(expr)
        if found is not None:
            return found
        if len(memo) > MAX_NODES:
            memo.clear()
        stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
        while stack:
            node, ready = stack.pop()
            if node in memo:
                continue
            kids = _children(node)
            if kids is None:
                memo[node] = self._atom(node)
                continue
            if not ready:
                stack.append((node, True))
                stack.extend((k, False) for k in kids if k not in memo)
                continue
            memo[node] = self._combine(node, [memo[k] for k in kids])
        return memo[expr]

    def _atom(self, node: sp.Basic) -> list[Value]:
        n = self.n
        if isinstance(node, sp.Symbol) or any(node in pt for pt in self.points):  # a leaf, or y[k] given
            out: list[Value] = []
            for pt in self.points:
                v = pt.get(node)
                out.append(to_fraction(v) if v is not None else None)
            return out
        if isinstance(node, sp.Rational):
            return [to_fraction(node)] * n
        if node is sp.E:
            return [_E_IV] * n
        if node is sp.pi:
            return [_PI_IV] * n
        if isinstance(node, BooleanTrue):
            return [True] * n
        if isinstance(node, BooleanFalse):
            return [False] * n
        return [None] * n  # floats, infinities, nan, I, unknown functions: the exact path decides

    def _combine(self, node: sp.Basic, kids: list[list[Value]]) -> list[Value]:
        t = type(node)
        columns = list(zip(*kids, strict=True)) if kids else [()] * self.n
        if t is sp.Add:
            return [_sum(list(xs)) for xs in columns]
        if t is sp.Mul:
            return [_product(list(xs)) for xs in columns]
        if t is sp.Pow:
            return [_power(b, e) for b, e in columns]
        if t in _FUNCTIONS:
            fn = _FUNCTIONS[t]
            if t in (sp.Max, sp.Min) or len(node.args) == (2 if t in (leaky_relu, leaky_step) else 1):
                return [fn(*xs) for xs in columns]
            return [None] * self.n
        if t in _RELATIONS:
            op = _RELATIONS[t]
            return [_compare(op, a, b) for a, b in columns]
        if t is sp.Piecewise:
            return [_piecewise(xs) for xs in columns]
        if t is sp.Not:
            return [None if x is None else (not x) for (x,) in columns]
        if t in (sp.And, sp.Or):
            return [_logic(t is sp.And, xs) for xs in columns]
        return [None] * self.n


def _piecewise(xs: Iterable[Value]) -> Value:
    """(value, condition) pairs in order: the value of the first condition that holds."""
    items = list(xs)
    for value, cond in zip(items[::2], items[1::2], strict=True):
        if cond is None or not isinstance(cond, bool):
            return None
        if cond:
            return None if isinstance(value, bool) else value
    return None


def _logic(conjunction: bool, xs: Iterable[Value]) -> bool | None:
    items = list(xs)
    if any(not isinstance(x, bool) for x in items):
        return None
    return all(items) if conjunction else any(items)
