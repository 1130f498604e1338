"""The terminal's pretty printer (render/pretty.py) and the printing of verdict values (render/verdicts.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import sympy as sp

from symderiv.core.verdict import Shape, Verdict
from symderiv.kinds import load
from symderiv.render.pretty import pretty
from symderiv.render.verdicts import counterexample_json, value_json, value_latex, value_text, verdict_json

D = Path(__file__).resolve().parent.parent / "derivations"

# (label: source, problem file, step, Unicode, ASCII): the backprop steps of the seeds' networks as
# the issue asks them printed (issue 11: "σ(Z1) and G ⊙ σ'(Z2)", not Lambda(...) or HadamardProduct)
STEPS = [
    ("seed 004 P2: sigmoid forward", "seed004-p2-network.toml", "A2", "σ(Z₂)", "sigma(Z2)"),
    ("seed 004 P2: sigmoid backward", "seed004-p2-network.toml", "Delta2", "G ⊙ σ'(Z₂)", "G (.) sigma'(Z2)"),
    ("seed 004 P2: weight gradient", "seed004-p2-network.toml", "dw2", "A₁ᵀ Δ₂", "A1^T*Delta2"),
    ("seed 004 P2: back through w2", "seed004-p2-network.toml", "G1", "Δ₂ w₂ᵀ", "Delta2*w2^T"),
    ("seed 002 P1: ReLU forward", "seed002-p1-network.toml", "A1", "ReLU(Z₁)", "ReLU(Z1)"),
    ("seed 002 P1: ReLU backward", "seed002-p1-network.toml", "Delta1", "G₁ ⊙ ReLU'(Z₁)", "G1 (.) ReLU'(Z1)"),
    ("seed 002 P1: column layout", "seed002-p1-network.toml", "Z1", "W₁ Xᵀ + b₁ 𝟏ᵀ", "W1*X^T + b1*1^T"),
    ("seed 003 S4: squared error", "seed003-s4-mnist-network.toml", "G", "2 A₂ - 2 Tᵀ", "2*A2 - 2*T^T"),
]


@pytest.mark.parametrize("label,name,step,unicode,ascii", STEPS, ids=[s[0] for s in STEPS])
def test_backprop_steps_print_as_people_write_them(label: str, name: str, step: str, unicode: str,
                                                   ascii: str) -> None:
    problem = load(D / name)
    expr = next(s.expr for s in problem.matrix_form.steps if s.symbol.name == step)
    assert pretty(expr) == unicode
    assert pretty(expr, ascii=True) == ascii
    assert pretty(expr, ascii=True).isascii()


x, y, i, j, k, d, K = sp.symbols("x y i j k d K")
A, v = sp.IndexedBase("A"), sp.IndexedBase("v")
# (label, expression, Unicode, ASCII): scalars, sums, deltas and sets as the kinds' texts hold them
EXPRESSIONS = [
    ("a polynomial, powers as superscripts", 5 * x**2 + 4 * x * y, "5 x² + 4 x y", "5*x^2 + 4*x*y"),
    ("a subscripted name", sp.Symbol("x_1") * sp.Symbol("lambda_i"), "λᵢ x₁", "lambda_i*x_1"),
    ("an index-form sum (seed 003 S2)", sp.Sum(A[i, k] * v[k], (k, 1, d)), "Σₖ₌₁ᵈ Aᵢₖ vₖ",
     "sum_{k=1}^d A_{ik}*v_k"),
    ("a Kronecker delta", sp.KroneckerDelta(i, j), "δᵢⱼ", "delta_{ij}"),
    ("a sum in a quotient keeps its parentheses", sp.exp(x) / sp.Sum(sp.exp(v[j]), (j, 1, K)),
     "exp(x)/(Σⱼ₌₁ᴷ exp(vⱼ))", "exp(x)/(sum_{j=1}^K exp(v_j))"),
    ("an open interval (seed 002 P2)", sp.Interval.open(0, sp.Rational(1, 6)), "(0, 1/6)", "(0, 1/6)"),
    ("a negative coefficient", -sp.Rational(2, 3) * x * y, "-2 x y/3", "-2*x*y/3"),
    ("sigma as a function name", sp.Function("sigma")(x) * (1 - sp.Function("sigma")(x)),
     "(1 - σ(x)) σ(x)", "(1 - sigma(x))*sigma(x)"),
    ("pi", 3 * sp.pi / 2, "3 π/2", "3*pi/2"),
]


@pytest.mark.parametrize("label,expr,unicode,ascii", EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_expressions(label: str, expr: sp.Basic, unicode: str, ascii: str) -> None:
    assert pretty(expr) == unicode
    assert pretty(expr, ascii=True) == ascii


# (label, value, terminal text, JSON): a verdict's values printed exactly, one way for every kind
VALUES = [
    ("a terminating decimal (seed 002 P1 loss)", sp.Rational(2037, 2000), "1.0185", "1.0185"),
    ("a fraction that does not terminate", sp.Rational(-1, 3), "-1/3", "-1/3"),
    ("a matrix of numbers", sp.Matrix([[sp.Rational(1, 2), -1], [2, sp.Rational(1, 3)]]),
     "[[0.5, -1], [2, 1/3]]", "[[0.5, -1], [2, 1/3]]"),
    ("a 1x1 matrix is its number", sp.Matrix([[-2]]), "-2", "-2"),
    ("a shape", Shape((28, 28, 8)), "28 × 28 × 8", "28x28x8"),
    ("a word", "saddle", "saddle", "saddle"),
    ("a formula", sp.Symbol("x_1") ** 2, "x₁²", "x_{1}^{2}"),
    ("a fraction of more than 60 digits", sp.Rational(1, 3**200), "3.76486e-96", "3.76486e-96"),
]


@pytest.mark.parametrize("label,value,text,json_text", VALUES, ids=[v[0] for v in VALUES])
def test_values(label: str, value: object, text: str, json_text: str) -> None:
    assert value_text(value) == text
    assert value_json(value) == json_text


def test_numbers_typeset_as_matrices() -> None:
    assert value_latex(sp.Matrix([957, 0])) == r"\begin{bmatrix} 957 \\ 0 \end{bmatrix}"
    assert value_latex(sp.Rational(1, 2)) == r"0.5"
    assert value_latex("saddle") is None  # words are shown as text


def test_a_point_grouped_by_quantity_keeps_its_json_shape() -> None:
    """The judge's counterexample point {quantity: {entry: value}} is one string per quantity in
    JSON, as `check --json` wrote it before verdicts held values."""
    ce = {"indices": {"k": 1}, "values": {"W1": {"W1[1,1]": sp.Rational(1, 2), "W1[1,2]": sp.Integer(-3)},
                                          "b2": {"b2": sp.Integer(4)}},
          "expected": sp.Matrix([[1], [2]]), "claimed": sp.Integer(0)}
    assert counterexample_json(ce) == {"indices": {"k": 1}, "values": {"W1": "W1[1,1]=0.5, W1[1,2]=-3", "b2": "b2=4"},
                                       "expected": "[[1], [2]]", "claimed": "0"}


def test_a_verdict_is_immutable_data() -> None:
    v = Verdict("a", "L", "1", "incorrect", expected=sp.Matrix([[1, 2]]), claimed=sp.Integer(0),
                counterexample={"at": {"x": sp.Integer(1)}, "expected": sp.Matrix([1])})
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.message = "changed"  # type: ignore[misc]
    assert isinstance(v.expected, sp.ImmutableMatrix) and isinstance(v.counterexample["expected"], sp.ImmutableMatrix)
    out = verdict_json(v)
    assert json.loads(json.dumps(out)) == {"id": "a", "target": "L", "latex": "1", "verdict": "incorrect",
                                           "expected": "[[1, 2]]", "claimed": "0",
                                           "counterexample": {"at": {"x": "1"}, "expected": "1"}}
