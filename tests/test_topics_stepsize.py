"""The gradient_descent kind on claims as students write them: an interval end written another way,
the eigenvalue a claim names (λ_max, λ_min), decimals, a repeated eigenvalue."""

from __future__ import annotations

import pytest

from symderiv.kinds import parse_text
from symderiv.kinds.base import Claim

PROBLEM = """title = 'gd'
kind = 'gradient_descent'
[quadratic]
A = {A}
"""


@pytest.mark.parametrize("A,target,latex,options,verdict", [
    # an end equal to the true one written another way ((3 - √5)/2 = 2/(3 + √5)): was incorrect, its
    # counterexample the end itself
    ("[[2, 1], [1, 1]]", "interval", r"0 < \eta < \frac{3 - \sqrt{5}}{2}", {}, "correct"),
    ("[[4, 1], [1, 2]]", "interval", r"0 < \eta < \frac{1}{3 + \sqrt{2}}", {}, "correct"),
    ("[[4, 1], [1, 2]]", "interval", r"0 < \eta < \frac{1}{3 + \sqrt{3}}", {}, "incorrect"),
    # the eigenvalue the claim names: λ_max = 2 was correct (2 is an eigenvalue, the smallest)
    ("[[3, 1], [1, 3]]", "eigenvalue", r"\lambda_{\max} = 2", {}, "incorrect"),
    ("[[3, 1], [1, 3]]", "eigenvalue", r"\lambda_{\max} = 4", {}, "correct"),  # of A's symmetric part
    ("[[3, 1], [1, 3]]", "eigenvalue", r"\lambda_{\min}(H) = 8", {"eigenvalues": "H"}, "incorrect"),
    ("[[3, 1], [1, 3]]", "eigenvalue", r"\lambda_{\max} = 8", {"position": "min"}, "error"),
    # decimals: right to the digits written (λ_max(H) = 10.92101...)
    ("[[2, 1, 0], [1, 3, 1], [0, 1, 5]]", "eigenvalue", r"\lambda_{\max} \approx 10.92", {"eigenvalues": "H"},
     "correct"),
    ("[[2, 1, 0], [1, 3, 1], [0, 1, 5]]", "eigenvalue", r"\lambda_{\max} \approx 10.94", {"eigenvalues": "H"},
     "incorrect"),
    # a repeated eigenvalue written as a chain
    ("[[2, 0], [0, 2]]", "eigenvalues_hessian", r"\lambda_1 = \lambda_2 = 4", {}, "correct"),
    ("[[2, 0], [0, 3]]", "eigenvalues_hessian", r"\lambda_1 = \lambda_2 = 4", {}, "incorrect"),
])
def test_gradient_descent_claims_as_written(A: str, target: str, latex: str, options: dict, verdict: str) -> None:
    problem = parse_text(PROBLEM.format(A=A), "gd.toml")
    (v,) = problem.check([Claim("c", target, latex, "", options)])
    assert v.verdict == verdict, v.message


@pytest.mark.parametrize("b,latex,verdict", [
    # f = x_1^2 (+ b^T u): H = diag(2, 0) is singular. With b in its range a minimiser exists and gradient
    # descent converges for 0 < η < 1 (the x_2 component never moves); the set was empty, and its
    # counterexample contradicted itself ("converges = true").
    ("[0, 0]", r"0 < \eta < 1", "correct"),
    ("[1, 0]", r"0 < \eta < 1", "correct"),
    ("[0, 1]", r"0 < \eta < 1", "incorrect"),  # f unbounded below along x_2: no step size converges
])
def test_a_singular_hessian(b: str, latex: str, verdict: str) -> None:
    problem = parse_text(PROBLEM.format(A="[[1, 0], [0, 0]]") + f"b = {b}\n", "gd.toml")
    (v,) = problem.check([Claim("c", "interval", latex, "")])
    assert v.verdict == verdict, v.message
