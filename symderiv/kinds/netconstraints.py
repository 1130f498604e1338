"""Exact constraints on a network's pre-activations at rational values: none of a kinked activation
at its kink or nearer than a distance, every hidden unit of one active for some sample; and the
biases of kinked layers drawn to meet them. Decided in integer arithmetic (the matrices scaled by
their common denominator), or, past an activation that is not rational (a sigmoid), on SymPy's
exact values judged at DIGITS significant digits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from typing import Any

import numpy as np
import sympy as sp

from ..core.exact import as_sympy
from ..core.matrixeval import Backend, ExactBackend, evaluate

#: Significant digits at which a constraint on a value that is not rational is decided.
DIGITS = 50

Values = dict[str, list[list[Fraction]]]  # name -> display-shape rows of exact values


@dataclass(frozen=True)
class Grid:
    """The values k/q (k an integer) in [lo, hi]; `decimals` when q = 10^decimals."""

    lo: Fraction
    hi: Fraction
    q: int
    decimals: int | None

    @property
    def kmin(self) -> int:
        return math.ceil(self.lo * self.q)

    @property
    def kmax(self) -> int:
        return math.floor(self.hi * self.q)

    def draw(self, rng: np.random.Generator, count: int) -> list[Fraction]:
        """`count` values, each uniform on the grid."""
        return [Fraction(int(k), self.q) for k in rng.integers(self.kmin, self.kmax + 1, size=count)]



class NotRational(Exception):
    """A value of the forward pass is not rational (an activation such as the sigmoid)."""


@dataclass(frozen=True)
class Scaled:
    """An exact rational matrix num / den: Python integers over one positive denominator."""

    num: np.ndarray
    den: int

    @classmethod
    def of(cls, rows: list[list[Fraction]]) -> Scaled:
        den = math.lcm(1, *(v.denominator for row in rows for v in row))
        num = np.empty((len(rows), len(rows[0])), dtype=object)
        for i, row in enumerate(rows):
            num[i, :] = [v.numerator * (den // v.denominator) for v in row]
        return cls(num, den)

    def entry(self, i: int, j: int) -> Fraction:
        return Fraction(int(self.num[i, j]), self.den)


class ScaledBackend(Backend):
    """symderiv.matrixeval's operations on Scaled matrices: exact and fast for rational data
    (integer products in int64 where no sum can overflow, in Python integers otherwise)."""

    def const(self, value: sp.Expr) -> Any:
        if not isinstance(value, sp.Rational):
            raise NotRational(str(value))
        return Fraction(int(value.p), int(value.q))

    def ones(self, rows: int, cols: int) -> Any:
        return Scaled(np.ones((rows, cols), dtype=object), 1)

    def eye(self, n: int) -> Any:
        return Scaled(np.eye(n, dtype=int).astype(object), 1)

    def zeros(self, rows: int, cols: int) -> Any:
        return Scaled(np.zeros((rows, cols), dtype=object), 1)

    def add(self, terms: list[Any]) -> Any:
        if not all(isinstance(t, Scaled) for t in terms):
            raise NotRational("a sum with a scalar")
        den = math.lcm(*(t.den for t in terms))
        return Scaled(reduce(lambda a, b: a + b, [t.num * (den // t.den) for t in terms]), den)

    def matmul(self, a: Any, b: Any) -> Any:
        bound = _largest(a.num) * _largest(b.num) * a.num.shape[1]
        if bound < 2**62:
            num = (a.num.astype(np.int64) @ b.num.astype(np.int64)).astype(object)
        else:
            num = a.num.dot(b.num)
        return Scaled(num, a.den * b.den)

    def scale(self, c: Any, a: Any) -> Any:
        return Scaled(a.num * c.numerator, a.den * c.denominator)

    def transpose(self, a: Any) -> Any:
        return Scaled(a.num.T, a.den)

    def hadamard(self, a: Any, b: Any) -> Any:
        return Scaled(a.num * b.num, a.den * b.den)

    def power(self, a: Any, p: sp.Expr) -> Any:
        if not (isinstance(p, sp.Integer) and p >= 0):
            raise NotRational(f"power {p}")
        return Scaled(a.num ** int(p), a.den ** int(p))

    def apply(self, fn: sp.Lambda, a: Any) -> Any:
        done: dict[int, Fraction] = {}
        rows = []
        for row in a.num:
            out = []
            for n in row:
                if n not in done:
                    v = fn(sp.Rational(int(n), a.den))
                    if not isinstance(v, sp.Rational):
                        raise NotRational(str(v))
                    done[n] = Fraction(int(v.p), int(v.q))
                out.append(done[n])
            rows.append(out)
        return Scaled.of(rows)


def _largest(num: np.ndarray) -> int:
    return int(max((abs(int(v)) for v in num.flat), default=0))


def forward(problem: Any, values: Values, upto: int) -> tuple[dict[str, Any], bool]:
    """The forward steps of `problem`'s network at `values` (display shapes; every parameter up to
    layer `upto` and X), through Z of layer `upto`: exact Scaled matrices, and True; or, when an
    activation on the way is not rational, explicit SymPy matrices (exact expressions) and False."""
    net, mf = problem.net, problem.matrix_form
    inputs = {k: _rows_internal(net, k, v) for k, v in values.items() if k != "T"}
    steps = []
    for step in mf.steps:
        if step.role == "forward":
            steps.append(step)
            if step.symbol.name == f"Z{upto}":
                break
    dims = mf.dims(problem.batch)
    try:
        env: dict[str, Any] = {k: Scaled.of(v) for k, v in inputs.items()}
        for step in steps:
            env[step.symbol.name] = evaluate(step.expr, env, dims, ScaledBackend())
        return env, True
    except NotRational:
        env = {k: sp.Matrix([[sp.Rational(x.numerator, x.denominator) for x in row] for row in v])
               for k, v in inputs.items()}
        for step in steps:
            env[step.symbol.name] = evaluate(step.expr, env, dims, ExactBackend())
        return env, False


def _rows_internal(net: Any, key: str, rows: list[list[Fraction]]) -> list[list[Fraction]]:
    """A value's rows in the layout's own orientation (a vector may be displayed transposed)."""
    if key in net.params and (len(rows), len(rows[0])) != net.params[key].internal:
        return [list(col) for col in zip(*rows, strict=True)]
    return rows


def _units(problem: Any, z: Any, exact: bool) -> list[list[Any]]:
    """A pre-activation matrix as one list per unit (its value for each sample)."""
    rows = [[z.entry(i, j) if exact else z[i, j] for j in range(z.num.shape[1] if exact else z.cols)]
            for i in range(z.num.shape[0] if exact else z.rows)]
    return rows if problem.net.axis == 0 else [list(col) for col in zip(*rows, strict=True)]


def _sign(value: Any, bound: Fraction = Fraction(0)) -> int | None:
    """The sign of value - bound: exact for a rational value, else at DIGITS significant digits
    (None when that cannot tell it from 0)."""
    if isinstance(value, Fraction):
        d = value - bound
        return (d > 0) - (d < 0)
    d = as_sympy(value) - sp.Rational(bound.numerator, bound.denominator)
    if d.is_Rational:
        return int(sp.sign(d))
    v = sp.N(d, DIGITS)
    if not v.is_real or abs(v) < sp.Float(10) ** (-DIGITS + 10):
        return None
    return 1 if v > 0 else -1


def constraint_reason(problem: Any, values: Values, distance: Fraction, active: bool) -> str:
    """Why `values` break a network's constraints (empty when they do not): a pre-activation of a
    kinked activation at its kink or nearer than kink_distance, a hidden unit positive for no sample."""
    kinked = kinked_layers(problem)
    if not kinked or not all(k in values for k in forward_needs(problem, max(kinked))):
        return ""
    env, exact = forward(problem, values, max(kinked))
    for l in kinked:
        hidden = active and l < len(problem.net.layers)
        reason = (_exact_reason if exact else _expression_reason)(problem, env[f"Z{l}"], l, distance, hidden)
        if reason:
            return reason
    return ""


def _near(l: int, j: int, n: int, z: Any, distance: Fraction) -> str:
    return (f"the pre-activation of unit {j} of layer {l} for sample {n} is {_show(z)}, "
            + (f"nearer than {distance} to the kink" if distance else "at the kink"))


def _exact_reason(problem: Any, z: Scaled, l: int, distance: Fraction, hidden: bool) -> str:
    """network_reason for one layer's exact pre-activations, in integers: |num| < distance * den."""
    units = z.num if problem.net.axis == 0 else z.num.T
    near = (np.abs(units) * distance.denominator < distance.numerator * z.den).astype(bool) | (units == 0).astype(bool)
    if near.any():
        j, n = (int(i) for i in np.argwhere(near)[0])
        return _near(l, j + 1, n + 1, Fraction(int(units[j, n]), z.den), distance)
    if hidden:
        idle = ~(units > 0).astype(bool).any(axis=1)
        if idle.any():
            return f"unit {int(np.argmax(idle)) + 1} of layer {l} is active (positive) for no sample"
    return ""


def _expression_reason(problem: Any, z: sp.Matrix, l: int, distance: Fraction, hidden: bool) -> str:
    """network_reason for one layer's pre-activations as exact expressions, decided at DIGITS digits
    (undecided counts as failing)."""
    for j, unit in enumerate(_units(problem, z, False), start=1):
        for n, value in enumerate(unit, start=1):
            below, above = _sign(value, -distance), _sign(value, distance)
            if below is None or above is None or (below > 0 and above < 0) or (distance == 0 and above == 0):
                return _near(l, j, n, value, distance)
        if hidden and not any(_sign(value) == 1 for value in unit):
            return f"unit {j} of layer {l} is active (positive) for no sample"
    return ""


def forward_needs(problem: Any, upto: int) -> list[str]:
    """The values the forward pass through layer `upto` needs: X and the parameters of the layers up to it."""
    return ["X"] + [p.name for l in range(1, upto + 1) for p in problem.net.layer_params(l) if p]


def _show(z: Any) -> str:
    return str(z) if isinstance(z, Fraction) else sp.sstr(z)


def kinked_layers(problem: Any) -> list[int]:
    """The layers (1-based) whose activation has a kink (registry flag `kinked`)."""
    return [l for l, layer in enumerate(problem.net.layers, start=1) if layer.act.kinked]


def choose_biases(problem: Any, values: Values, grids: dict[str, Grid], distance: Fraction, active: bool,
                  rng: np.random.Generator) -> str:
    """Draw anew, layer by layer, the bias of each kinked layer that has a grid in `grids`: unit by
    unit, uniformly among the values of the grid that keep every sample's pre-activation at least
    `distance` from the kink (never at it) and, when `active`, the unit positive for some sample of
    a hidden layer (`pick`). `values` (every value the pass needs) is updated in place; the reason
    when a unit has no such value, else empty. Layers past an activation that is not rational keep
    their biases (the constraints are checked afterwards all the same)."""
    for l in kinked_layers(problem):
        _, bias = problem.net.layer_params(l)
        if bias is None or bias.name not in grids or not all(k in values for k in forward_needs(problem, l)):
            continue
        grid = grids[bias.name]
        zero = [[Fraction(0)] * len(row) for row in values[bias.name]]
        env, exact = forward(problem, {**values, bias.name: zero}, l)
        if not exact:
            continue
        hidden = active and l < len(problem.net.layers)
        chosen = []
        for j, unit in enumerate(_units(problem, env[f"Z{l}"], True), start=1):
            k = pick(unit, grid, distance, hidden, rng)
            if k is None:
                return (f"no value of {bias.name} on its grid keeps unit {j} of layer {l} "
                        + ("active and " if hidden else "") + "away from the kink")
            chosen.append(Fraction(k, grid.q))
        rows, cols = bias.shape
        values[bias.name] = [chosen[i * cols:(i + 1) * cols] for i in range(rows)]
    return ""


def fractions(m: sp.Matrix) -> list[list[Fraction]]:
    """A SymPy matrix of rationals as rows of Fractions."""
    return [[Fraction(int(v.p), int(v.q)) for v in m.row(i)] for i in range(m.rows)]


def pick(unit: list[Fraction], grid: Grid, distance: Fraction, active: bool, rng: np.random.Generator) -> int | None:
    """A k, uniform among the integers of [grid.kmin, grid.kmax] for which the bias k/q keeps every
    c + k/q (c in `unit`) at least `distance` from 0 (never 0), and some c + k/q > 0 when `active`;
    None when there is none. The excluded k form one interval per sample: found exactly."""
    q, lo, hi = grid.q, grid.kmin, grid.kmax
    if active:
        lo = max(lo, math.floor(-q * max(unit)) + 1)
    cut = []
    for c in unit:
        x = -c * q  # the k that puts this sample at the kink
        if distance > 0:
            a, b = math.floor(x - distance * q) + 1, math.ceil(x + distance * q) - 1
        elif x.denominator == 1:
            a = b = int(x)
        else:
            continue
        if a <= b:
            cut.append((a, b))
    allowed, start = [], lo
    for a, b in sorted(cut):
        if a > start:
            allowed.append((start, min(a - 1, hi)))
        start = max(start, b + 1)
        if start > hi:
            break
    if start <= hi:
        allowed.append((start, hi))
    allowed = [(a, b) for a, b in allowed if a <= b]
    total = sum(b - a + 1 for a, b in allowed)
    if total == 0:
        return None
    r = int(rng.integers(total))
    for a, b in allowed:
        if r <= b - a:
            return a + r
        r -= b - a + 1
    raise AssertionError("unreachable")
