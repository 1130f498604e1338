"""Numbers as written (issue 12, point 5): a decimal that is a side of a claim (or an entry of a
side of numbers) is a rounded value, judged to half a unit of its last digit, the tolerance
stated in the verdict; integers and fractions exactly. Truths: exact rationals and e^{1/3} =
1.39561242508608952863 (to 20 decimals)."""

from __future__ import annotations

import pytest
import sympy as sp

from symderiv.notation import FreeScope, NotationTable, judge_formula


def _judge(latex: str, at_data: bool = True):
    scope = FreeScope({"l": (1, 1), "v": (2, 1)})
    table = NotationTable.from_dict({"l": "l", "v": "v"})
    at = {s: sp.Rational(1, 3) for s in scope.leaves()} if at_data else None
    return judge_formula(scope, table, latex, at=at)


CASES = [
    # (label, formula at l = 1/3, v = (1/3, 1/3), verdict): 2l = 0.666...
    ("4 decimals, rounded", r"2 l = 0.6667", "correct"),
    ("3 decimals, rounded", r"2 l = 0.667", "correct"),
    ("2 decimals, rounded", r"2 l = 0.67", "correct"),
    ("4 decimals, truncated: off by 0.67 units of the last digit", r"2 l = 0.6666", "incorrect"),
    ("many units off", r"2 l = 0.7", "correct"),  # 0.7 is 0.666... rounded to one decimal
    ("one decimal, wrong", r"2 l = 0.6", "incorrect"),
    ("sign", r"2 l = -0.6667", "incorrect"),
    ("a fraction is exact", r"2 l = \frac{2}{3}", "correct"),
    ("an integer is exact", r"3 l = 1", "correct"),
    ("an integer is exact, not rounded", r"2 l = 1", "incorrect"),
    ("a vector of decimals", r"(2v)^T = [0.6667, 0.6667]", "correct"),
    ("a vector with one entry truncated", r"(2v)^T = [0.6667, 0.6666]", "incorrect"),
    ("a matrix of decimals", r"v v^T = \begin{bmatrix} 0.1111 & 0.111 \\ 0.11 & \frac{1}{9} \end{bmatrix}",
     "correct"),
    ("a matrix with an entry off", r"v v^T = \begin{bmatrix} 0.1111 & 0.112 \\ 0.11 & \frac{1}{9} \end{bmatrix}",
     "incorrect"),
    ("the decimal on the left", r"0.6667 = 2 l", "correct"),
    ("an irrational value: e^{1/3} = 1.395612...", r"\exp(l) = 1.3956", "correct"),
    ("an irrational value, off by 0.88 units of the last digit", r"\exp(l) = 1.3957", "incorrect"),
    ("a decimal inside a formula stays exact", r"2 l = 0.6667 + 0 l", "incorrect"),
]


@pytest.mark.parametrize(("label", "latex", "verdict"), CASES, ids=[c[0] for c in CASES])
def test_numbers_as_written(label: str, latex: str, verdict: str) -> None:
    v = _judge(latex)
    assert v.verdict == verdict, (label, v.message)
    if verdict == "correct" and "." in latex and "0 l" not in latex:
        assert "half a unit of its last digit" in v.message and "to the written precision" in v.message


def test_tolerance_is_stated_for_the_finest_decimal() -> None:
    v = _judge(r"(2v)^T = [0.67, 0.6667]")
    assert v.verdict == "correct" and "within 0.00005 for 4 decimals" in v.message, v.message


def test_a_decimal_at_random_points_is_still_a_claim_about_every_value() -> None:
    """Without the problem's data the variables take random values: l = 0.3333 is wrong."""
    assert _judge(r"l = 0.3333", at_data=False).verdict == "incorrect"
    assert _judge(r"\frac{1}{2} = 0.5", at_data=False).verdict == "correct"


def _judge_with_data(latex: str):
    """The scope with the problem's data l = 1/3, v = (1/3, 1/3) given (not forced: the judge decides
    whether the chain is about it)."""
    scope = FreeScope({"l": (1, 1), "v": (2, 1)})
    table = NotationTable.from_dict({"l": "l", "v": "v"})
    return judge_formula(scope, table, latex, data={s: sp.Rational(1, 3) for s in scope.leaves()})


@pytest.mark.parametrize(("latex", "verdict", "says"), [
    (r"3 v^T = [1, 1]", "correct", "about the data"),  # values of the model equal to whole numbers: at the data
    (r"3 v^T = [1, 2]", "incorrect", "differ"),
    (r"3 l = 1", "correct", "about the data"),
    (r"\frac{d (3 l^2)}{d l} = 2", "undecided", "two readings"),  # 6l: 2 at the data only, not an identity
    (r"\frac{d (3 l)}{d l} = 3", "correct", "proved"),  # an identity: it holds everywhere
    (r"\frac{d (3 l^2)}{d l} = 3", "incorrect", "differ"),  # wrong both ways
])
def test_whole_numbers_with_data_given(latex: str, verdict: str, says: str) -> None:
    """A side of whole numbers: judged as an identity first; wrong there but right at the data, a
    chain of values is about the data (correct), one with a derivative has two readings (undecided)."""
    v = _judge_with_data(latex)
    assert v.verdict == verdict and says in v.message, v.message
