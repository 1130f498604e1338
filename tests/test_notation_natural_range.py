"""A comprehension's letter written only inside computed indices (`[\\sum_j a_{(i-1)n+j} v_j]_i`, an
entry-by-entry definition as students write it): its range is the values for which every index it is
written in stays on its axis. Expected values worked out by hand from the lengths below (a has 6
entries, b 8, u 3)."""

from __future__ import annotations

import pytest

from symderiv.notation import FreeScope, NotationTable, judge_formula

SCOPE = FreeScope({"a": (6, 1), "b": (8, 1), "u": (3, 1)})
TABLE = NotationTable.from_dict({"a": "a", "b": "b", "u": "u"})


@pytest.mark.parametrize(
    "latex,expected",
    [
        # row-major blocks of 3: i over 1..2 (a_{(i-1)3+j} for j = 1..3 stays within a's 6 entries)
        (r"[\sum_{j=1}^{3} a_{(i-1)3+j}]_i = [\sum_{j=1}^{3} a_{(i-1)3+j}]_{i=1}^{2}", "correct"),
        (r"[\sum_{j=1}^{3} a_{(i-1)3+j}]_i = \begin{bmatrix} a_1 + a_2 + a_3 \\ a_4 + a_5 + a_6 \end{bmatrix}",
         "correct"),
        (r"[\sum_{j=1}^{3} a_{(i-1)3+j}]_i = \begin{bmatrix} a_1 + a_2 + a_3 \\ a_4 + a_5 + a_5 \end{bmatrix}",
         "incorrect"),
        (r"[a_{2i}]_i = \begin{bmatrix} a_2 \\ a_4 \\ a_6 \end{bmatrix}", "correct"),  # i over 1..3
        # the smallest range over the letter's uses: a_{i+j} for j = 1, 2 keeps i + 2 <= 6, i over 1..4
        (r"[\sum_{j=1}^{2} a_{i+j}]_i = [\sum_{j=1}^{2} a_{i+j}]_{i=1}^{4}", "correct"),
        # an axis the letter indexes alone wins: u_i (3 entries), though b_{2i} would allow 1..4
        (r"[b_{2i} u_i]_i = \begin{bmatrix} b_2 u_1 \\ b_4 u_2 \\ b_6 u_3 \end{bmatrix}", "correct"),
    ],
)
def test_range_of_a_letter_in_computed_indices(latex: str, expected: str) -> None:
    assert judge_formula(SCOPE, TABLE, latex).verdict == expected


def test_no_range_when_the_index_decreases_with_the_letter() -> None:
    verdict = judge_formula(SCOPE, TABLE, r"[a_{7-i}]_i = a")
    assert verdict.verdict not in ("correct", "incorrect") and "range of index i" in verdict.message
