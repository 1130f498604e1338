"""Conventions of course notation (issue 12 point 6), each on and off: (input, expected verdict, expected
remark) rows. Truths: the summation convention (a repeated index free on no other side is summed), the
logistic sigmoid's derivative sigma(1 - sigma) (Bishop (4.88)), the
seeds' own numbers (seed 002: the gradients of its network; seed 000: f(Z) stacks the samples' rows),
and free matrices with exact entries."""

from __future__ import annotations

import pytest
from conftest import DERIVATIONS

from symderiv.core.errors import ProblemFileError
from symderiv.kinds import parse_text
from symderiv.kinds.base import Claim
from symderiv.notation import FreeScope, NotationTable, judge_formula
from symderiv.notation.conventions import Conventions
from symderiv.render.verdicts import verdict_json

SEED002 = (DERIVATIONS / "seed002-p1-network.toml").read_text(encoding="utf-8")
SEED000 = (DERIVATIONS / "seed000-q1-network.toml").read_text(encoding="utf-8")
F = {"f(\\cdot)": "f(W^{(1)} \\mathbf{x}_k + \\mathbf{b}^{(1)})"}  # seed 002's f(.)

CHAIN_W1 = (r"\frac{\partial L}{\partial y_k} \frac{\partial y_k}{\partial f(\cdot)} "
            r"\frac{\partial f(\cdot)}{\partial W^{(1)}}")
SUMMED = "implicit_sum"
DOT = "elementwise_dot"
ROWS = "column_of_rows"
STANDARD = "standard_functions"
LAYOUT = "either_layout"
# A free problem: x, w in R^3 (no activations of its own); sigma and ReLU are not declared.
FREE_XW = """title = "free x, w"
kind = "matrix_calculus"
[sizes]
names = ["q"]
check = [[3]]
[variables]
x = ["q", 1]
w = ["q", 1]
[function]
input = "x"
value = "0"
"""
SIGMOID_GRADIENT = r"\frac{\partial \sigma(w^T x)}{\partial w} = \sigma(w^T x)(1 - \sigma(w^T x)) x"

# (label, file, convention, on, target, latex, where, expected verdict, remark: the convention named, or None)
CASES = [
    # implicit_sum: seed 002's chain-rule links (Goodfellow et al. 6.5.2: the chain rule sums over k)
    ("dL/dW1 = dL/dy_k dy_k/df df/dW1, summed", SEED002, SUMMED, True, "dL/dW1", CHAIN_W1, F, "correct", SUMMED),
    ("the same, strict: the sum over k is missing", SEED002, SUMMED, False, "dL/dW1", CHAIN_W1, F,
     "incorrect", None),
    ("dL/db2 = dL/dy_k dy_k/db2 = -2.04 (the data), summed", SEED002, SUMMED, True, "dL/db2",
     r"\frac{\partial L}{\partial y_k} \frac{\partial y_k}{\partial b^{(2)}} = -2.04", None, "correct", SUMMED),
    ("wrong under every reading: a factor 2 too many, summed or not", SEED002, SUMMED, True, "dL/db2",
     r"2 \frac{\partial L}{\partial y_k} \frac{\partial y_k}{\partial b^{(2)}}", None, "incorrect", SUMMED),
    ("k free on both sides: a statement for each k, no sum", SEED002, SUMMED, True, "",
     r"\frac{\partial L}{\partial y_k} \frac{\partial y_k}{\partial b^{(2)}} = y_k - t_k", None, "correct", None),
    ("k once on one side (not repeated): no convention, the sum is missing", SEED002, SUMMED, True, "dL/db2",
     r"y_k - t_k", None, "incorrect", None),
    ("an extra sum is still an extra sum", SEED002, SUMMED, True, "",
     r"\frac{\partial L}{\partial y_k} = \sum_{k=1}^{3} (y_k - t_k)", None, "incorrect", None),
    # elementwise_dot: seed 002's formulas (its note: "w^{(2)} . 1_{ReLU_k > 0} is done element-wise")
    ("(w2 . 1_{z>0}) . (Y^T - t): the first . fits only entry by entry", SEED002, DOT, True, "dL/db1",
     r"(\mathbf{w}^{(2)} \cdot \mathbf{1}_{z > 0}) \cdot (Y^T - t)", None, "correct", DOT),
    ("the same, strict: a 2x1 by a 2x3 does not multiply", SEED002, DOT, False, "dL/db1",
     r"(\mathbf{w}^{(2)} \cdot \mathbf{1}_{z > 0}) \cdot (Y^T - t)", None, "incorrect", None),
    ("((w2 . 1) . (Y^T - t)) . X: well-typed only with both . entry by entry", SEED002, DOT, True, "dL/dW1",
     r"\left( (\mathbf{w}^{(2)} \cdot \mathbf{1}_{z > 0}) \cdot (Y^T - t) \right) \cdot X", None, "correct", DOT),
    ("the same, strict", SEED002, DOT, False, "dL/dW1",
     r"\left( (\mathbf{w}^{(2)} \cdot \mathbf{1}_{z > 0}) \cdot (Y^T - t) \right) \cdot X", None, "incorrect", None),
    ("a matrix product needs no convention", SEED002, DOT, True, "dL/dw2", r"ReLU \cdot (Y^T - t)", None,
     "correct", None),
    ("wrong under every reading: X^T does not fit either way", SEED002, DOT, True, "dL/dW1",
     r"\left( (\mathbf{w}^{(2)} \cdot \mathbf{1}_{z > 0}) \cdot (Y^T - t) \right) \cdot X^T", None, "incorrect", DOT),
    ("read entry by entry, still wrong: a factor 2", SEED002, DOT, True, "dL/db1",
     r"2 (\mathbf{w}^{(2)} \cdot \mathbf{1}_{z > 0}) \cdot (Y^T - t)", None, "incorrect", DOT),
    # standard_functions: sigma(a) = 1/(1 + e^{-a}) (Bishop (4.59)), ReLU'(z) = 1_{z > 0}
    ("undeclared sigma is the logistic sigmoid: its gradient", FREE_XW, STANDARD, True, "chain",
     SIGMOID_GRADIENT, None, "correct", STANDARD),
    ("the same with a factor (1 + sigma) is wrong", FREE_XW, STANDARD, True, "chain",
     SIGMOID_GRADIENT.replace("(1 - ", "(1 + "), None, "incorrect", STANDARD),
    ("strict: sigma means only what the problem declares", FREE_XW, STANDARD, False, "chain",
     SIGMOID_GRADIENT, None, "undecided", None),
    ("undeclared ReLU is max(0, z): its derivative the indicator", FREE_XW, STANDARD, True, "chain",
     r"\frac{d}{d x_1} \operatorname{ReLU}(x_1) = \mathbb{1}[x_1 > 0]", None, "correct", STANDARD),
    ("a network's sigma is its own: undeclared in seed 002 (ReLU), it is not read", SEED002, STANDARD, True,
     "dL/db2", r"\sigma(y_1) - t_1", None, "undecided", None),
    # either_layout: d(x^T x)/dx = 2x (the Cookbook's layout, eq. (69)) or 2x^T (numerator layout)
    ("a row where the Cookbook has a column: numerator layout", FREE_XW, LAYOUT, True, "chain",
     r"\frac{\partial x^T x}{\partial x} = 2x^T", None, "correct", LAYOUT),
    ("strict: only the Cookbook's layout", FREE_XW, LAYOUT, False, "chain",
     r"\frac{\partial x^T x}{\partial x} = 2x^T", None, "incorrect", None),
    ("the Cookbook's layout needs no convention", FREE_XW, LAYOUT, True, "chain",
     r"\frac{\partial x^T x}{\partial x} = 2x", None, "correct", None),
    ("wrong in either layout: a factor 2 dropped", FREE_XW, LAYOUT, True, "chain",
     r"\frac{\partial x^T x}{\partial x} = x^T", None, "incorrect", LAYOUT),
    ("one layout per claim: a row and a column of one claim cannot both hold", FREE_XW, LAYOUT, True,
     "chain", r"\frac{\partial x^T x}{\partial x} + \frac{\partial w^T x}{\partial x} = 2x^T + w", None,
     "incorrect", None),
    # column_of_rows: seed 000's f(Z) (4 samples' rows of 3) "column vector", as the student says
    ("f(Z) a column of the samples' rows", SEED000, ROWS, True, "shape", "column vector", {"of": "f(Z)"},
     "correct", ROWS),
    ("the same, strict: f(Z) is 4x3", SEED000, ROWS, False, "shape", "column vector", {"of": "f(Z)"},
     "incorrect", None),
    ("a weight matrix is no column of samples", SEED000, ROWS, True, "shape", "column vector",
     {"of": "W^{(1)}"}, "incorrect", None),
    ("a row vector stays a row vector", SEED000, ROWS, True, "shape", "row vector", {"of": "f(Z)"},
     "incorrect", None),
]


def _check(text: str, convention: str, on: bool, target: str, latex: str, options: dict | None):
    if not on:
        text = f"{text}\n[conventions]\n{convention} = false\n"
    problem = parse_text(text, "conventions.toml")
    opts = dict(options or {})
    if target != "shape" and opts:
        opts = {"where": opts}
    (v,) = problem.check([Claim("c", target, latex, "", opts)])
    return v


@pytest.mark.parametrize("label,text,convention,on,target,latex,options,verdict,named", CASES,
                         ids=[c[0] for c in CASES])
def test_convention(label, text, convention, on, target, latex, options, verdict, named) -> None:
    v = _check(text, convention, on, target, latex, options)
    assert v.verdict == verdict, (label, v.message)
    if named is None:
        assert not any(convention in r for r in v.remarks), v.remarks
    else:
        assert any(r.startswith(f"convention {named} ") and f"{named} = false" in r for r in v.remarks), v.remarks
        assert verdict_json(v)["remarks"] == list(v.remarks)


SCOPE = FreeScope({"A": (2, 3), "v": (3, 1), "w": (3, 1), "B": (3, 3)})
TABLE = NotationTable.from_dict({n: n for n in ("A", "v", "w", "B")})

# free matrices: A 2x3, v, w 3x1, B 3x3 (exact random entries)
FREE = [
    ("A . v . w: only (A o v^T) w is well-typed", r"A \cdot v \cdot w = (A \odot v^T) w", True, "correct"),
    ("strict: a 2x1 by a 3x1", r"A \cdot v \cdot w = (A \odot v^T) w", False, "incorrect"),
    ("two readings well-typed that disagree: undecided", r"(A \cdot v) \cdot (B \cdot v) = (A \odot v^T) (B \odot v)",
     True, "undecided"),
    ("A . A with A 2x3: only entry by entry", r"A \cdot A = A \odot A", True, "correct"),
    ("A . A = 2 A o A is wrong under the one reading", r"A \cdot A = 2 A \odot A", True, "incorrect"),
    ("A . v is the matrix product, never entry by entry", r"A \cdot v = A v", True, "correct"),
    # two vectors of one shape: the inner product first, entry by entry where only that is well-typed
    ("v . w of two columns is their inner product", r"v \cdot w = v^T w", True, "correct"),
    ("v . w = w^T w is wrong as the inner product", r"v \cdot w = w^T w", True, "incorrect"),
    ("strict: still the inner product", r"v \cdot w = v^T w", False, "correct"),
    ("(v . w)_i reads only entry by entry", r"(v \cdot w)_2 = v_2 w_2", True, "correct"),
    ("v . w as a vector equal to v o w: only entry by entry", r"v \cdot w = v \odot w", True, "correct"),
]


@pytest.mark.parametrize("label,latex,on,verdict", FREE, ids=[c[0] for c in FREE])
def test_elementwise_dot_readings(label, latex, on, verdict) -> None:
    v = judge_formula(SCOPE, TABLE.with_conventions(Conventions(elementwise_dot=on)), latex)
    assert v.verdict == verdict, (label, v.message)
    if verdict == "undecided":
        assert "holds with" in v.message and "does not hold with" in v.message


@pytest.mark.parametrize("table,message", [
    ("implicit_sums = false", "unknown convention implicit_sums"),
    ("implicit_sum = 0", "implicit_sum: expected true or false"),
])
def test_conventions_table_errors(table: str, message: str) -> None:
    """An unknown convention (a typo) or a value that is not a boolean is a file error naming it."""
    with pytest.raises(ProblemFileError, match=message):
        parse_text(f"{SEED002}\n[conventions]\n{table}\n", "conventions.toml")
