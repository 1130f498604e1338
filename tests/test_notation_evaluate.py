"""The judge's exact evaluator, SymPy-identical derivatives and substitutions, polynomial proofs.

Truths are independent of the code under test: Python's Fraction arithmetic done by hand,
mpmath at 120 digits, SymPy's own diff and xreplace, and textbook identities.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from symderiv.core.ops import leaky_relu, relu, relu_step, sigmoid
from symderiv.notation import FreeScope, NotationTable, judge_formula
from symderiv.notation.derivative import Differentiator
from symderiv.notation.evaluate import PointValues, closer_than, equal, interval
from symderiv.notation.polynomial import is_zero_polynomial

x, y = sp.symbols("x y", real=True)
R = sp.Rational


def value(expr: sp.Basic, **point: sp.Rational):
    return PointValues([{sp.Symbol(k, real=True): v for k, v in point.items()}]).values(expr)[0]


@pytest.mark.parametrize(
    "expr,point,expected",
    [  # (expression, point, exact value worked out by hand)
        ((x + 1) / (x - 2), {"x": R(1, 2)}, Fraction(-1)),
        (x**3 - 2 * x * y, {"x": R(3, 2), "y": R(-2)}, Fraction(75, 8)),
        (relu(x - 1), {"x": R(1, 2)}, Fraction(0)),
        (relu_step(x), {"x": R(1, 2)}, Fraction(1)),
        (relu_step(x), {"x": R(0)}, Fraction(0)),  # ReLU'(0) = 0 by convention
        (leaky_relu(x, R(1, 100)), {"x": R(-2)}, Fraction(-1, 50)),
        (sigmoid(x), {"x": R(0)}, Fraction(1, 2)),  # SymPy has 1/(1 + e^0) = 1/2 exactly
        (sp.exp(x) + sp.log(x + 1) + sp.tanh(x), {"x": R(0)}, Fraction(1)),
        (sp.sqrt(x), {"x": R(9, 4)}, Fraction(3, 2)),  # a perfect square: exact, as in SymPy
        (sp.Piecewise((x, x > 0), (-x, True)), {"x": R(-3, 2)}, Fraction(3, 2)),
        (sp.Max(x, y), {"x": R(1, 2), "y": R(-2)}, Fraction(1, 2)),
        (x * sp.exp(y), {"x": R(0), "y": R(3)}, Fraction(0)),  # 0 times a finite number
    ],
)
def test_rational_values_are_exact(expr: sp.Basic, point: dict, expected: Fraction) -> None:
    got = value(expr, **point)
    assert isinstance(got, Fraction) and got == expected
    assert sp.Rational(got.numerator, got.denominator) == expr.xreplace(
        {sp.Symbol(k, real=True): v for k, v in point.items()})


@pytest.mark.parametrize(
    "expr,point,truth",
    [  # (expression, point, the value by mpmath at 300 digits)
        (sp.exp(x), {"x": R(3, 2)}, lambda: mpmath.exp(mpmath.mpf(3) / 2)),
        (sp.log(x), {"x": R(5, 3)}, lambda: mpmath.log(mpmath.mpf(5) / 3)),
        (sp.tanh(x), {"x": R(-7, 4)}, lambda: mpmath.tanh(mpmath.mpf(-7) / 4)),
        (sigmoid(x), {"x": R(5, 2)}, lambda: 1 / (1 + mpmath.exp(mpmath.mpf(-5) / 2))),
        (sp.sqrt(x), {"x": R(2)}, lambda: mpmath.sqrt(2)),
        (sp.sin(x) * sp.cos(x), {"x": R(1, 3)}, lambda: mpmath.sin(mpmath.mpf(1) / 3) * mpmath.cos(mpmath.mpf(1) / 3)),
        (x ** R(1, 3), {"x": R(2)}, lambda: mpmath.cbrt(2)),
        (sp.exp(x) * sp.log(y) + x, {"x": R(1, 2), "y": R(3)},
         lambda: mpmath.exp(mpmath.mpf(1) / 2) * mpmath.log(3) + mpmath.mpf(1) / 2),
        (sigmoid(sigmoid(x) * 3 - 1), {"x": R(-1, 2)},
         lambda: 1 / (1 + mpmath.exp(-(3 / (1 + mpmath.exp(mpmath.mpf(1) / 2)) - 1)))),
    ],
)
def test_transcendental_values_are_enclosed(expr: sp.Basic, point: dict, truth) -> None:
    with mpmath.workdps(300):  # the intervals carry 512 bits (154 digits): a truth twice as precise
        t = truth()
        lo, hi = (mpmath.mp.make_mpf(e) for e in interval(value(expr, **point))._mpi_)
        assert lo <= t <= hi
        assert hi - lo < mpmath.mpf(10) ** -100 * max(1, abs(t))


@pytest.mark.parametrize(
    "expr,point",
    [  # values the evaluator leaves to exact substitution (which reports or decides them)
        (sp.log(x), {"x": R(0)}),
        (1 / x, {"x": R(0)}),
        (relu(sp.exp(x) - 2), {"x": R(1)}),  # SymPy keeps ReLU of an irrational unevaluated
        (sp.exp(2000 * x), {"x": R(1)}),  # past e^1000: the finiteness check bounds it
        (x ** R(1, 3), {"x": R(-8)}),  # complex
        (sp.sqrt(x), {"x": R(-1)}),
        (x + y, {"x": R(1)}),  # y has no value at the point
        (sp.Float(0.5) * x, {"x": R(1)}),
    ],
)
def test_undecided_values(expr: sp.Basic, point: dict) -> None:
    assert value(expr, **point) is None


E = interval(value(sp.exp(x), x=R(1)))
TINY = Fraction(1, 10**50)


@pytest.mark.parametrize(
    "a,b,expected",
    [
        (Fraction(1), Fraction(1) + TINY, False),  # rationals: exactly, never to a tolerance
        (Fraction(1, 3), Fraction(1, 3), True),
        (E, interval(value(sp.exp(x / 2) ** 2, x=R(1))), True),  # e = (e^{1/2})^2 to 150 digits
        (E, Fraction(2718281828, 10**9), False),
        (E, E + interval(TINY), None),  # provably different but under 1e-40: exact substitution decides
        (Fraction(1), None, None),
    ],
)
def test_equal(a, b, expected) -> None:
    assert equal(a, b) is expected


def test_closer_than() -> None:
    assert closer_than(E, E + interval(Fraction(1, 10**25)), R(1, 10**20)) is True
    assert closer_than(E, E + interval(Fraction(1, 10**15)), R(1, 10**20)) is False
    assert closer_than(Fraction(1), Fraction(1) + Fraction(1, 10**20), R(1, 10**20)) is False  # exactly


def test_points_share_subexpressions() -> None:
    """One node, every point: the values at three points equal three separate evaluations."""
    points = [{x: R(k, 2), y: R(1 - k)} for k in (-3, 1, 4)]
    expr = relu(x * y + 1) ** 2 + sigmoid(x)
    together = PointValues(points).values(expr)
    for pt, got in zip(points, together, strict=True):
        alone = PointValues([pt]).values(expr)[0]
        assert equal(got, alone) is True


S, T = sp.symbols("s t", real=True)
NET = sigmoid(2 * x - y * sigmoid(x * y + 1)) ** 2 + relu(x - 3 * y) * y
DIFFERENTIATED = [
    (NET, x), (NET, y), ((x + y) ** 3 * sp.exp(x * y), x), (sp.tanh(x * y) / (1 + x**2), y),
    (sp.log(1 + sp.exp(x - y)), y), (leaky_relu(x * y, R(1, 10)), x),
    (sp.Piecewise((x**2, x > y), (y, True)), x),  # SymPy's own rule (not redone here)
    (sp.Abs(x - y) * x, x), (sp.Max(x, y) * y, y), (x**y, y), (S * T + NET, T),
]


@pytest.mark.parametrize("expr,var", DIFFERENTIATED)
def test_derivative_is_sympys(expr: sp.Basic, var: sp.Symbol) -> None:
    assert Differentiator().diff(expr, var) == sp.diff(expr, var)


@pytest.mark.parametrize(
    "expr,rule",
    [
        (NET, {x: y + 1}),
        (NET * S + T, {S: NET, T: x}),
        (sp.Piecewise((x, x > 0), (y, True)) + S, {x: S, S: 2}),
        (sp.Sum(x * S, (S, 1, 3)) + y, {x: y + 1, y: 2}),  # a node with a bound variable: SymPy's own
        (x, {x: x}),
    ],
)
def test_substitution_is_sympys(expr: sp.Basic, rule: dict) -> None:
    assert Differentiator().xreplace(expr, rule) == expr.xreplace(rule)


@pytest.mark.parametrize(
    "exprs,expected",
    [
        ([(x + 1) ** 2 - x**2 - 2 * x - 1], True),  # the binomial formula
        ([(x + y) ** 3 - x**3 - 3 * x**2 * y - 3 * x * y**2 - y**3], True),
        ([relu(x + y) * (x - y) - relu(y + x) * x + y * relu(x + y)], True),  # ReLU(u) as one atom
        ([(x + y) ** 3 - x**3], False),  # a nonzero polynomial in symbols alone: no identity
        ([relu(x) ** 2 - x * relu(x)], None),  # an identity of ReLU, not of polynomials: not decided
        ([sigmoid(x) * (1 + sp.exp(-x)) - 1], None),
    ],
)
def test_polynomial_proof(exprs: list, expected) -> None:
    assert is_zero_polynomial(exprs) is expected


def test_polynomial_proof_is_bounded() -> None:
    """(x + y + 1)^{64} (x - y)^{64} has thousands of terms: past 20,000 products, no answer."""
    assert is_zero_polynomial([(x + y + 1) ** 64 * (x - y) ** 64], budget=20_000) is None


SCOPE = FreeScope({"p": (1, 1), "q": (1, 1)})
TABLE = NotationTable.from_dict({"p": "p", "q": "q"})


@pytest.mark.parametrize(
    "latex,verdict",
    [  # exactness of the judge's comparisons (a wrong claim judged correct is the worst bug)
        ("p^2 = p^2 + 10^{-60}", "incorrect"),  # rational values: compared exactly
        ("(p+q)^2 = p^2 + 2pq + q^2", "correct"),
        ("(p+q)^2 = p^2 + q^2", "incorrect"),
        ("e^{p} = e^{p} + 10^{-30}", "incorrect"),  # irrational values: to 40 digits, as before
        ("\\tanh(p) = \\frac{e^{2p} - 1}{e^{2p} + 1}", "correct"),
        ("\\tanh(p) = \\frac{e^{2p} - 1}{e^{2p} + 2}", "incorrect"),
        ("\\exp(p) - \\exp(p) = 10^{-50}", "incorrect"),
    ],
)
def test_judged_exactly(latex: str, verdict: str) -> None:
    assert judge_formula(SCOPE, TABLE, latex).verdict == verdict
