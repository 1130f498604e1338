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
