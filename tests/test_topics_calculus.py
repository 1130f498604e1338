"""The calculus kind's critical points where sympy.solve has no finite list to give: a gradient 0
everywhere, a gradient it cannot solve for, a line of critical points."""

from __future__ import annotations

import pytest

from symderiv.kinds import parse_text
from symderiv.kinds.base import Claim
from symderiv.render.document import solution_latex

PROBLEM = """title = 'critical points'
kind = 'calculus'

[function]
variables = ['x_1', 'x_2']
scalar = '{f}'
"""


@pytest.mark.parametrize("f,none_verdict,shown", [
    ("0", "incorrect", "[{point: [x_1, x_2], type: inconclusive}]"),  # every point ("none" was correct)
    ("x_1 + x_2", "correct", "[]"),
    (r"|x_1| + x_2^2", "undecided", "None"),  # sympy.solve raised NotImplementedError out of solve
    (r"\max(0, x_1) + x_2^2", "undecided", "None"),
    ("x_1^2 x_2", "incorrect", "[{point: [0, x_2], type: depends on the point}]"),
])
def test_critical_points_that_are_no_finite_list(f: str, none_verdict: str, shown: str) -> None:
    problem = parse_text(PROBLEM.format(f=f), "c.toml")
    solution = problem.solve()
    assert solution.data["critical_points"] == shown
    (v,) = problem.check([Claim("c", "critical_points", "none", "")])
    assert v.verdict == none_verdict, v.message
    assert "Critical points" in solution_latex(problem, solution)


@pytest.mark.parametrize("target,claim,verdict,said", [
    # every side of a chain is judged, not only the last (a wrong middle step was correct)
    ("gradient", r"\nabla f = (2x_1, 3)^T = (2x_1x_2, x_1^2)^T", "incorrect", "side 2 of 3: wrong entries"),
    ("hessian", r"\nabla^2 f = \begin{bmatrix} 2x_2 & 2x_1 \\ 2x_1 & 1 \end{bmatrix} = "
                r"\begin{bmatrix} 2x_2 & 2x_1 \\ 2x_1 & 0 \end{bmatrix}", "incorrect",
     "side 2 of 3: wrong entries (2,2)"),
    ("gradient", r"\nabla f(\mathbf{x}) = [2x_1x_2, x_1^2]^T = \begin{pmatrix} 2 x_1 x_2 \\ x_1^2 \end{pmatrix}",
     "correct", "equals"),
    # a side that names the derivatives of f is what is claimed, not a value
    ("gradient", r"\nabla f = \left[\frac{\partial f}{\partial x_1}, \frac{\partial f}{\partial x_2}\right]^T"
                 r" = [2x_1x_2, x_1^2]^T", "correct", "equals"),
    ("gradient_at", r"\nabla f(1, 2) = (4, 2)^T = (4, 1)^T", "incorrect", "side 2 of 3"),
    ("gradient", r"\nabla f = [2x_1x_2, x_1^2]^T = [2 x_1 q, x_1^2]^T", "undecided", "unknown name 'q'"),
])
def test_every_side_of_a_chain_is_judged(target: str, claim: str, verdict: str, said: str) -> None:
    problem = parse_text(PROBLEM.format(f="x_1^2 x_2"), "c.toml")
    options = {"at": "(1, 2)"} if target == "gradient_at" else {}
    (v,) = problem.check([Claim("c", target, claim, "", options)])
    assert v.verdict == verdict, v.message
    assert said in v.message, v.message


MATRIX = r"""title = 'J of Av'
kind = 'matrix_calculus'

[sizes]
names = ['n', 'd']
check = [[2, 3], [3, 2]]

[variables]
A = ['n', 'd']
v = ['d', 1]

[function]
input = 'v'
value = '\mathbf{A}\mathbf{v}'
"""


@pytest.mark.parametrize("claim,verdict,said", [
    (r"\mathbf{J}_g = \mathbf{A}^T = \mathbf{A}", "incorrect", "side 2 of 3: differs from the last side"),
    (r"\mathbf{J}_g = 2\mathbf{A} - \mathbf{A} = \mathbf{A}", "correct", "the Jacobian"),
    (r"\mathbf{J}_g = \mathbf{A}", "correct", "the Jacobian"),
])
def test_a_matrix_calculus_chain_is_judged_side_by_side(claim: str, verdict: str, said: str) -> None:
    problem = parse_text(MATRIX, "m.toml")
    (v,) = problem.check([Claim("j", "jacobian", claim, "")])
    assert v.verdict == verdict, v.message
    assert said in v.message, v.message


SIZED = r"""title = 'v^T A v'
kind = 'matrix_calculus'

[sizes]
names = ['n']
check = [[3]]

[variables]
A = ['n', 'n']
v = ['n', 1]

[function]
input = 'A'
value = '\mathbf{v}^{\top} \mathbf{A} \mathbf{v}'
"""


@pytest.mark.parametrize("claim,verdict", [
    # n/3 is 1 at the only checked size: a claim that names a size letter and is not proved for every
    # size is checked at one more size (it was correct)
    (r"\nabla f(\mathbf{A})_{ij} = \frac{n}{3} v_i v_j", "incorrect"),
    (r"\nabla f(\mathbf{A})_{ij} = v_i v_j", "correct"),
])
def test_a_claim_naming_a_size_is_checked_at_one_more_size(claim: str, verdict: str) -> None:
    (v,) = parse_text(SIZED, "s.toml").check([Claim("e", "gradient_entry", claim, "")])
    assert v.verdict == verdict, v.message


@pytest.mark.parametrize("claim,verdict", [
    # denominator layout is the one reading well-typed at 2x3; at 3x3 both are, and the Cookbook's was
    # taken there: one claim read two ways. The layout read at one size is now kept at every size.
    (r"\frac{\partial \mathbf{A}\mathbf{v}}{\partial \mathbf{v}} = \mathbf{A}^T", "correct"),
    (r"\frac{\partial \mathbf{A}\mathbf{v}}{\partial \mathbf{v}} = \mathbf{A}", "correct"),  # the Cookbook's
    (r"\frac{\partial \mathbf{A}\mathbf{v}}{\partial \mathbf{v}} = 2\mathbf{A}^T", "incorrect"),
])
def test_the_layout_read_at_one_size_is_kept_at_every_size(claim: str, verdict: str) -> None:
    problem = parse_text(MATRIX.replace("check = [[2, 3], [3, 2]]", "check = [[2, 3], [3, 3]]"), "m.toml")
    (v,) = problem.check([Claim("l", "chain", claim, "")])
    assert v.verdict == verdict, v.message


def test_det_without_brackets_before_a_matrix() -> None:
    """\\det X\\, X^{-T}: det(X X^{-T}) = 1 is a number where a matrix is claimed; its first factor alone
    is the one well-typed operand (stated). It was incorrect."""
    text = MATRIX.replace("A = ['n', 'd']\nv = ['d', 1]", "X = ['n', 'n']").replace(
        "input = 'v'\nvalue = '\\mathbf{A}\\mathbf{v}'", "input = 'X'\nvalue = '0'")
    latex = r"\frac{\partial \det\mathbf{X}}{\partial \mathbf{X}} = \det\mathbf{X}\,\mathbf{X}^{-\top}"
    (v,) = parse_text(text, "d.toml").check([Claim("d", "chain", latex, "")])
    assert v.verdict == "correct" and "first factor" in v.message, v.message


def test_a_gradient_at_a_point_written_approximately() -> None:
    """\\approx joins the sides of a chain as = does (it was 'expected equalities only')."""
    problem = parse_text(PROBLEM.format(f="x_1^2 x_2"), "c.toml")
    (v,) = problem.check([Claim("a", "gradient_at", r"\nabla f(1, 2) \approx (4.00, 1.00)^T", "", {"at": "(1, 2)"})])
    assert v.verdict == "correct", v.message
