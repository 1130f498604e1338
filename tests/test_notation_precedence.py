"""Operator precedence as textbooks write it (issue 12, point 3): each case with its reading and verdict.

\\frac{\\partial}{\\partial v}, \\frac{d}{dv}, \\nabla_v and \\nabla^2_v apply to the whole product after
them, up to the next + or - of the same level (also over \\cdot, \\times, /); brackets override.
A named function without brackets (\\log \\det X, \\ln 2\\pi l) takes the product written side by
side after it, up to the next named function (\\sin l \\cos l); with a bracket it takes the bracket,
and scripts after the bracket belong to its value (\\exp(l)^2 = (e^l)^2). A \\sum's body is the product
after it. Truths: The Matrix Cookbook (Petersen & Pedersen, Nov 2012) equation numbers, or the calculus
named in the label.
"""

from __future__ import annotations

import pytest

from symderiv.notation import FreeScope, NotationTable, judge_formula
from symderiv.notation.unparse import reading

N = 3
VECTORS = ["x", "y", "s", "a", "b"]
MATRICES = ["A", "W"]
SCALARS = ["l", "m", "\\lambda"]


def _scope() -> tuple[FreeScope, NotationTable]:
    shapes = {**{v: (N, 1) for v in VECTORS}, **{m: (N, N) for m in MATRICES}, **{c: (1, 1) for c in SCALARS}}
    return FreeScope(shapes), NotationTable.from_dict({name: name for name in shapes})


# (label with source, formula, its reading, verdict)
CASES = [
    # --- the false accept of issue 12: the operator takes the whole quadratic form
    ("Cookbook (85), W general: (W + W^T)(x - s)",
     r"\frac{\partial}{\partial x}(x-s)^T W (x-s) = (W + W^T)(x - s)",
     r"\frac{\partial}{\partial x} \left[ (x - s)^T W (x - s) \right] = (W + W^T) (x - s)", "correct"),
    ("issue 12 false accept: the dropped factor is wrong",
     r"\frac{\partial}{\partial x}(x-s)^T W (x-s) = W(x-s)",
     r"\frac{\partial}{\partial x} \left[ (x - s)^T W (x - s) \right] = W (x - s)", "incorrect"),
    ("issue 12: d/dx of lambda x^T x is 2 lambda x",
     r"\frac{\partial}{\partial x}\lambda x^T x = 2\lambda x",
     r"\frac{\partial}{\partial x} \left[ \lambda x^T x \right] = 2 \lambda x", "correct"),
    ("issue 12: the first-factor reading lambda x is wrong",
     r"\frac{\partial}{\partial x}\lambda x^T x = \lambda x",
     r"\frac{\partial}{\partial x} \left[ \lambda x^T x \right] = \lambda x", "incorrect"),
    ("Cookbook (81), Leibniz d/dx",
     r"\frac{d}{dx} x^T A x = (A + A^T) x",
     r"\frac{d}{d x} \left[ x^T A x \right] = (A + A^T) x", "correct"),
    ("Cookbook (97): nabla_x takes the product",
     r"\nabla_{\mathbf{x}} \mathbf{x}^T A \mathbf{x} = (A + A^T)\mathbf{x}",
     r"\nabla_{\mathbf{x}} \left[ \mathbf{x}^T A \mathbf{x} \right] = (A + A^T) \mathbf{x}", "correct"),
    ("Cookbook (97): nabla_x, the dropped A^T",
     r"\nabla_{\mathbf{x}} \mathbf{x}^T A \mathbf{x} = A \mathbf{x}",
     r"\nabla_{\mathbf{x}} \left[ \mathbf{x}^T A \mathbf{x} \right] = A \mathbf{x}", "incorrect"),
    ("Cookbook (98): the Hessian nabla^2_x",
     r"\nabla^2_{x} x^T A x = A + A^T",
     r"\nabla^{2}_x \left[ x^T A x \right] = A + A^T", "correct"),
    # --- the operand ends at + or - of the same level; brackets override
    ("operand ends at +: d/dx (x^T A x) + b",
     r"\frac{\partial}{\partial x} x^T A x + b = (A + A^T)x + b",
     r"\frac{\partial}{\partial x} \left[ x^T A x \right] + b = (A + A^T) x + b", "correct"),
    ("Cookbook (96)-(97): a bracket takes the sum",
     r"\frac{\partial}{\partial x}\left(x^T A x + b^T x\right) = (A + A^T)x + b",
     r"\frac{\partial}{\partial x} \left(x^T A x + b^T x\right) = (A + A^T) x + b", "correct"),
    ("brackets override: (d/dx x^T) A x = A x",
     r"\left(\frac{\partial}{\partial x} x^T\right) A x = A x",
     r"\left(\frac{\partial}{\partial x} \left[ x^T \right]\right) A x = A x", "correct"),
    ("brackets override: (d/dx x^T) A x is not the gradient",
     r"\left(\frac{\partial}{\partial x} x^T\right) A x = (A + A^T) x",
     r"\left(\frac{\partial}{\partial x} \left[ x^T \right]\right) A x = (A + A^T) x", "incorrect"),
    ("the operand runs over \\cdot",
     r"\frac{\partial}{\partial x} x^T A \cdot x = (A + A^T)x",
     r"\frac{\partial}{\partial x} \left[ x^T A \cdot x \right] = (A + A^T) x", "correct"),
    ("the operand runs over /",
     r"\frac{\partial}{\partial x} x^T A x / l = (A + A^T)x / l",
     r"\frac{\partial}{\partial x} \left[ x^T A x / l \right] = (A + A^T) x / l", "correct"),
    ("a minus before the operator",
     r"-\frac{\partial}{\partial x} x^T x = -2x",
     r"- \frac{\partial}{\partial x} \left[ x^T x \right] = - 2 x", "correct"),
    ("nested operators: d/dx d/dy x^T A y = A^T (Jacobian of A^T x)",
     r"\frac{\partial}{\partial x}\frac{\partial}{\partial y} x^T A y = A^T",
     r"\frac{\partial}{\partial x} \left[ \frac{\partial}{\partial y} \left[ x^T A y \right] \right] = A^T", "correct"),
    ("nested operators: not A",
     r"\frac{\partial}{\partial x}\frac{\partial}{\partial y} x^T A y = A",
     r"\frac{\partial}{\partial x} \left[ \frac{\partial}{\partial y} \left[ x^T A y \right] \right] = A", "incorrect"),
    ("an evaluation bar after the product",
     r"\left.\frac{\partial}{\partial x} x^T A x\right|_{x = s} = (A + A^T) s",
     r"\left. \frac{\partial}{\partial x} \left[ x^T A x \right] \right|_{x = s} = (A + A^T) s", "correct"),
    # --- functions without brackets take the product; with one, the bracket
    ("Cookbook (57): log det without brackets",
     r"\frac{\partial}{\partial W}\log\det W = W^{-T}",
     r"\frac{\partial}{\partial W} \left[ \log \left[ \det \left[ W \right] \right] \right] = {W^{-1}}^{\top}",
     "correct"),
    ("Cookbook (57): not W^{-1}",
     r"\frac{\partial}{\partial W}\log\det W = W^{-1}",
     r"\frac{\partial}{\partial W} \left[ \log \left[ \det \left[ W \right] \right] \right] = W^{-1}", "incorrect"),
    ("calculus: ln 2 pi l is ln(2 pi l), its derivative 1/l",
     r"\frac{d}{dl} \ln 2\pi l = \frac{1}{l}",
     r"\frac{d}{d l} \left[ \ln \left[ 2 \pi l \right] \right] = \frac{1}{l}", "correct"),
    ("calculus: sin l cos l is (sin l)(cos l): a function's operand ends at the next function",
     r"\frac{d}{dl} \sin^2 l = 2 \sin l \cos l",
     r"\frac{d}{d l} \left[ \sin^2 \left[ l \right] \right] = 2 {\sin \left[ l \right]} \cos \left[ l \right]",
     "correct"),
    ("calculus: functions that start the operand are inside it (exp sin l); cos l exp sin l is a product",
     r"\frac{d}{dl} \exp \sin l = \cos l \exp \sin l",
     r"\frac{d}{d l} \left[ \exp \left[ \sin \left[ l \right] \right] \right] = {\cos \left[ l \right]} "
     r"\exp \left[ \sin \left[ l \right] \right]", "correct"),
    ("calculus: (ln 2) pi l is not the reading",
     r"\frac{d}{dl} \ln 2\pi l = \pi \ln 2",
     r"\frac{d}{d l} \left[ \ln \left[ 2 \pi l \right] \right] = \pi \ln \left[ 2 \right]", "incorrect"),
    ("calculus: log l \\cdot m is (log l) m",
     r"\frac{d}{dl} \log l \cdot m = \frac{m}{l}",
     r"\frac{d}{d l} \left[ \log \left[ l \right] \cdot m \right] = \frac{m}{l}", "correct"),
    ("calculus: exp(l)^2 is (e^l)^2, derivative 2e^{2l}",
     r"\frac{d}{dl}\exp(l)^2 = 2\exp(2l)",
     r"\frac{d}{d l} \left[ \exp (l)^2 \right] = 2 \exp (2 l)", "correct"),
    ("calculus: exp(l)^2 is not exp(l^2)",
     r"\frac{d}{dl}\exp(l)^2 = 2 l \exp(l^2)",
     r"\frac{d}{d l} \left[ \exp (l)^2 \right] = 2 l \exp (l^2)", "incorrect"),
    ("calculus: tanh' = 1 - tanh^2",
     r"\frac{d}{dl}\tanh(l) = 1 - \tanh^2(l)",
     r"\frac{d}{d l} \left[ \tanh (l) \right] = 1 - \tanh^2 (l)", "correct"),
    ("calculus: tanh^2(l) is (tanh l)^2, not tanh(l^2)",
     r"\frac{d}{dl}\tanh(l) = 1 - \tanh(l^2)",
     r"\frac{d}{d l} \left[ \tanh (l) \right] = 1 - \tanh (l^2)", "incorrect"),
    ("a function's bracket: det(W) times W^{-T}",
     r"\frac{\partial \det(W)}{\partial W} = \det(W) W^{-T}",
     r"\frac{\partial \det (W)}{\partial W} = \det (W) {W^{-1}}^{\top}", "correct"),
    # --- a sum's body is the product after it
    ("a sum's body ends at +",
     r"\frac{\partial}{\partial x}\sum_{i=1}^{3} x_i y_i + l = y + l",
     r"\frac{\partial}{\partial x} \left[ \sum_{i=1}^3 \left[ x_i y_i \right] \right] + l = y + l", "correct"),
    ("a sum's body runs over \\cdot",
     r"\sum_{i=1}^{3} x_i \cdot y_i = x^T y",
     r"\sum_{i=1}^3 \left[ x_i \cdot y_i \right] = x^T y", "correct"),
    # --- bold type over several letters: the script belongs to the last letter (Cookbook print)
    ("Cookbook (104) printed \\mathbf{A X}^T: A X^T, derivative A",
     r"\frac{\partial}{\partial W} \operatorname{Tr}(\mathbf{A W}^T) = \mathbf{A}",
     r"\frac{\partial}{\partial W} \left[ \operatorname{tr} (\mathbf{A} \mathbf{W}^T) \right] = \mathbf{A}",
     "correct"),
    ("Cookbook (104): not (A W)^T, whose derivative A^T is wrong",
     r"\frac{\partial}{\partial W} \operatorname{Tr}(\mathbf{A W}^T) = \mathbf{A}^T",
     r"\frac{\partial}{\partial W} \left[ \operatorname{tr} (\mathbf{A} \mathbf{W}^T) \right] = \mathbf{A}^T",
     "incorrect"),
    # --- indices written apart are indices; a sum over several letters sums over each
    ("Cookbook (76) style: X_{k l} and \\sum_{k l}",
     r"\frac{\partial}{\partial W_{i j}} \sum_{k l} W_{k l}^2 = 2 W_{i j}",
     r"\frac{\partial}{\partial W_{i, j}} \left[ \sum_{k} \left[ \sum_{l} \left[ W_{k, l}^2 \right] \right] \right]"
     r" = 2 W_{i, j}", "correct"),
    ("an operator inside a sum's body",
     r"\sum_{i=1}^{3} \frac{\partial}{\partial x_i} x_i^2 y_i = 2 x^T y",
     r"\sum_{i=1}^3 \left[ \frac{\partial}{\partial x_i} \left[ x_i^2 y_i \right] \right] = 2 x^T y", "correct"),
]


@pytest.mark.parametrize(("label", "latex", "read", "verdict"), CASES, ids=[c[0] for c in CASES])
def test_precedence(label: str, latex: str, read: str, verdict: str) -> None:
    scope, table = _scope()
    got = judge_formula(scope, table, latex)
    print(f"{label}\n    written: {latex}\n    read as: {reading(latex)}\n    verdict: {got.verdict}")
    assert reading(latex) == read
    assert got.verdict == verdict, got.message


def test_operator_without_operand_is_an_error_not_an_exception() -> None:
    scope, table = _scope()
    for latex in (r"\frac{\partial}{\partial x} = 0", r"\nabla_x = 0", r"x = \frac{d}{dx}"):
        got = judge_formula(scope, table, latex)
        assert got.verdict in ("error", "undecided"), (latex, got.verdict)


# A name bound to an element-wise function (a network's activation, here g = \exp): the
# scripts after its bracket belong to its value, as for \exp itself and a `where` function.
BOUND = [
    ("g(l)^2 is (g(l))^2: derivative 2 g(l)^2 for g = exp", r"\frac{d}{dl} g(l)^2 = 2 g(l)^2", "correct"),
    ("g(l)^2 is not g(l^2)", r"\frac{d}{dl} g(l)^2 = 2 l g(l^2)", "incorrect"),
]


@pytest.mark.parametrize(("label", "latex", "verdict"), BOUND, ids=[c[0] for c in BOUND])
def test_bound_function_scripts(label: str, latex: str, verdict: str) -> None:
    scope, _ = _scope()
    table = NotationTable.from_dict({"l": "l", "g": "\\exp"})
    got = judge_formula(scope, table, latex)
    assert got.verdict == verdict, (label, got.message)
