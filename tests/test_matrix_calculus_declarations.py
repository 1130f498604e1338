"""matrix_calculus declarations: symmetric matrices, Greek variable names, declared names that
other kinds reserve (x, y, D) meaning the declared variable. Truths: The Matrix Cookbook (Nov 2012)."""

from __future__ import annotations

import pytest

from symderiv.core.errors import ProblemFileError
from symderiv.kinds import parse_text
from symderiv.kinds.base import Claim

PROBLEM = """
title = "declarations"
kind = "matrix_calculus"
[sizes]
names = ["n"]
check = [[2], [3]]
[variables]
x = ["n", 1]
y = ["n", 1]
W = ["n", "n", "symmetric"]
A = ["n", "n"]
D = ["n", "n"]
X = ["n", "n", "symmetric"]
"\\\\lambda" = [1, 1]
[function]
input = "W"
value = 'x^T W x'
[[claims]]
id = "c"
target = "chain"
latex = 'a = a'
"""


def _judge(latex: str, target: str = "chain", where: dict | None = None) -> tuple[str, str]:
    problem = parse_text(PROBLEM, "declarations.toml")
    (v,) = problem.check([Claim("c", target, latex, "", {"where": where} if where else {})])
    return v.verdict, v.message


CASES = [
    # Cookbook (85)-(86) need W symmetric: declared so, 2Wx is right and Wx wrong
    ("W symmetric: d/dx x^T W x = 2 W x", r"\frac{\partial}{\partial x} x^T W x = 2 W x", "correct"),
    ("W symmetric: W x drops the 2", r"\frac{\partial}{\partial x} x^T W x = W x", "incorrect"),
    ("A general: 2 A x is wrong (Cookbook (81))", r"\frac{\partial}{\partial x} x^T A x = 2 A x", "incorrect"),
    # Cookbook (139): the derivative in a symmetric X adds the transpose, less the diagonal
    ("Cookbook (139), X symmetric", r"\frac{\partial \operatorname{Tr}(A X)}{\partial X} = A + A^T - (A \circ I)",
     "correct"),
    ("Cookbook (139): the unstructured A^T is wrong for a symmetric X",
     r"\frac{\partial \operatorname{Tr}(A X)}{\partial X} = A^T", "incorrect"),
    # x, y and D are the declared variables (not a network's sample input, targets, or the operator D)
    ("declared x, y: d/dx x^T y = y", r"\frac{\partial}{\partial x} x^T y = y", "correct"),
    ("declared D: Cookbook (81) with B = D", r"\frac{\partial}{\partial x} x^T D x = (D + D^T) x", "correct"),
    ("Greek scalar variable", r"\frac{\partial}{\partial x} \lambda x^T x = 2 \lambda x", "correct"),
]


@pytest.mark.parametrize(("label", "latex", "verdict"), CASES, ids=[c[0] for c in CASES])
def test_declarations(label: str, latex: str, verdict: str) -> None:
    where = {"I": "\\mathbf{I}_n"} if "I)" in latex else None
    got, message = _judge(latex, where=where)
    assert got == verdict, (label, message)


def test_symmetric_input_is_checked_at_sizes_not_proved_by_the_index_form_prover() -> None:
    """The index-form prover takes every entry as independent: with a symmetric variable it
    proves nothing (a gradient in W_ij alone is not the symmetric convention's)."""
    got, message = _judge(r"\nabla f(\mathbf{W})_{ij} = (2 - \delta_{ij}) x_i x_j", target="gradient_entry")
    assert got == "correct" and "symmetric" in message and "for every size" in message, message
    assert "proved for every size" not in message
    got, message = _judge(r"\nabla f(\mathbf{W})_{ij} = x_i x_j", target="gradient_entry")  # W general's
    assert got == "incorrect" and "(1, 2)" in message, message


@pytest.mark.parametrize("bad", ['"xy" = [1, 1]', '"\\\\l1" = [1, 1]', 'S = ["n", 1, "symmetric"]'])
def test_bad_declarations_are_file_errors(bad: str) -> None:
    with pytest.raises(ProblemFileError):
        parse_text(PROBLEM.replace('"\\\\lambda" = [1, 1]', bad), "bad.toml")
