"""\\mathbf{I}, \\mathbf{1} and J^{ij} written without their size (issue 12 point 2): each size of the
problem is tried; exactly one well-typed reading is taken (and stated), readings that disagree leave
the claim undecided. Truths: I X = X; 1^T x = sum_i x_i; d X / d X_ij = J^{ij} (The Matrix Cookbook
(73), 9.7); exact entries at random points."""

from __future__ import annotations

import pytest

from symderiv.notation import FreeScope, NotationTable, judge_formula

# X 3x3, B 2x2, x 3x1, y 2x1: the sizes 2 and 3 are both candidates
SCOPE = FreeScope({"X": (3, 3), "B": (2, 2), "x": (3, 1), "y": (2, 1)})
TABLE = NotationTable.from_dict({n: n for n in ("X", "B", "x", "y")})

CASES = [
    ("X I = X: only I_3 fits", r"X \mathbf{I} = X", "correct", "size 3"),
    ("B + I: only I_2 fits", r"B + \mathbf{I} = B + \mathbf{I}_2", "correct", "size 2"),
    ("B + I = B + 2 I_2 is wrong under the one reading", r"B + \mathbf{I} = B + 2 \mathbf{I}_2", "incorrect",
     "size 2"),
    ("1^T x = sum_i x_i: only 1_3 fits", r"\mathbf{1}^T x = \sum_i x_i", "correct", "size 3"),
    ("1^T y = sum_i y_i: only 1_2 fits", r"\mathbf{1}^T y = \sum_i y_i", "correct", "size 2"),
    ("1^T 1 = 3: sizes 2 and 3 both fit and disagree", r"\mathbf{1}^T \mathbf{1} = 3", "undecided", "disagree"),
    ("1^T 1 = 5 is wrong under every reading", r"\mathbf{1}^T \mathbf{1} = 5", "incorrect", ""),
    ("Cookbook (73): dX/dX_ij = J^{ij}", r"\frac{\partial X}{\partial X_{ij}} = J^{ij}", "correct", "size 3"),
    ("the transposed single entry is wrong", r"\frac{\partial X}{\partial X_{ij}} = J^{ji}", "incorrect", "size 3"),
    ("J^{12} y: only the 2x2 single entry fits", r"J^{12} y = \begin{bmatrix} y_2 \\ 0 \end{bmatrix}", "correct",
     "size 2"),
]


@pytest.mark.parametrize("label,latex,verdict,said", CASES, ids=[c[0] for c in CASES])
def test_sized_from_the_formula(label: str, latex: str, verdict: str, said: str) -> None:
    v = judge_formula(SCOPE, TABLE, latex)
    assert v.verdict == verdict, (label, v.message)
    assert said in v.message, v.message


def test_no_size_anywhere_is_unreadable() -> None:
    """With no quantity to size it from, \\mathbf{I} alone cannot be read: undecided, never guessed."""
    v = judge_formula(FreeScope({"a": (1, 1)}), NotationTable.from_dict({"a": "a"}), r"a \mathbf{I} = a")
    assert v.verdict == "undecided" and "needs its size" in v.message, v.message
