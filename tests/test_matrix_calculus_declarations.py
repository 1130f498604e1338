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


# Declared structures (issue 12 point 2): the entries follow the declaration, and every point the
# judge draws lies inside the declared set. Truths: Q^T Q = I for orthogonal Q; a diagonal D is
# symmetric (Cookbook (81) with B = D gives 2Dx); Cookbook (141) for a symmetric (here positive-
# definite) X; Cookbook (57) (d ln|det X|/dX = X^{-T}) for an invertible X.
STRUCTURED = """
title = "structures"
kind = "matrix_calculus"
[sizes]
names = ["n"]
check = [[3]]
[variables]
x = ["n", 1]
A = ["n", "n"]
X = ["n", "n"]
Q = ["n", "n", "orthogonal"]
D = ["n", "n", "diagonal"]
P = ["n", "n", "positive_definite"]
M = ["n", "n", "invertible"]
[function]
input = "x"
value = '0'
%s
[[claims]]
id = "c"
target = "chain"
latex = 'a = a'
"""

STRUCTURE_CASES = [
    ("orthogonal: Q^T Q = I", r"Q^T Q = \mathbf{I}", "correct"),
    ("orthogonal: Q Q^T = I", r"Q Q^T = \mathbf{I}", "correct"),
    ("a general X: X^T X = I is wrong", r"X^T X = \mathbf{I}", "incorrect"),
    ("orthogonal: d/dx x^T Q^T Q x = 2x", r"\frac{\partial}{\partial x} x^T Q^T Q x = 2 x", "correct"),
    ("orthogonal: 2 Q x is wrong", r"\frac{\partial}{\partial x} x^T Q^T Q x = 2 Q x", "incorrect"),
    ("orthogonal: det(Q)^2 = 1", r"\det(Q)^2 = 1", "correct"),
    ("orthogonal: det(Q) = 1 is wrong (reflections)", r"\det(Q)^{2} = 2", "incorrect"),
    ("diagonal: d/dx x^T D x = 2 D x (D symmetric)", r"\frac{\partial}{\partial x} x^T D x = 2 D x", "correct"),
    ("a general A: 2 A x is wrong (Cookbook (81))", r"\frac{\partial}{\partial x} x^T A x = 2 A x", "incorrect"),
    ("diagonal: D_{1,2} = 0", r"D_{1,2} = 0", "correct"),
    ("diagonal: D_{1,1} = 0 is wrong", r"D_{1,1} = 0", "incorrect"),
    ("diagonal matrices commute", r"D D^T = D^T D", "correct"),
    ("diagonal D does not commute with a general A", r"D A = A D", "incorrect"),
    ("positive-definite: d/dx x^T P x = 2 P x", r"\frac{\partial}{\partial x} x^T P x = 2 P x", "correct"),
    ("positive-definite (symmetric): Cookbook (141)",
     r"\frac{\partial \ln\det P}{\partial P} = 2 P^{-1} - (P^{-1} \circ \mathbf{I})", "correct"),
    ("positive-definite: the unstructured P^{-T} is wrong", r"\frac{\partial \ln\det P}{\partial P} = P^{-T}",
     "incorrect"),
    ("invertible: Cookbook (57)", r"\frac{\partial \ln|\det M|}{\partial M} = M^{-T}", "correct"),
    ("invertible: X^{-1} for X^{-T} is wrong", r"\frac{\partial \ln|\det M|}{\partial M} = M^{-1}", "incorrect"),
]


def _structured(latex: str, extra: str = "") -> tuple[str, str]:
    problem = parse_text(STRUCTURED % extra, "structures.toml")
    where = {"\\mathbf{I}": "\\mathbf{I}_n"} if "mathbf{I}" in latex else {}
    (v,) = problem.check([Claim("c", "chain", latex, "", {"where": where} if where else {})])
    return v.verdict, v.message


@pytest.mark.parametrize(("label", "latex", "verdict"), STRUCTURE_CASES, ids=[c[0] for c in STRUCTURE_CASES])
def test_declared_structures(label: str, latex: str, verdict: str) -> None:
    got, message = _structured(latex)
    assert got == verdict, (label, message)


def test_points_lie_in_the_declared_sets() -> None:
    """Every drawn point: Q^T Q = I exactly, P symmetric with positive leading minors, det M != 0."""
    import sympy as sp

    from symderiv.notation import FreeScope
    from symderiv.notation.points import sample_points

    scope = FreeScope({"Q": (3, 3), "P": (3, 3), "M": (3, 3)},
                      declared={"Q": "orthogonal", "P": "positive_definite", "M": "invertible"})
    for point in sample_points(scope, 6, 0):
        q, p, m = (sp.Matrix(scope.quantity(n)).xreplace(point) for n in ("Q", "P", "M"))
        assert q.T * q == sp.eye(3)
        assert p == p.T and all(p[:k, :k].det() > 0 for k in (1, 2, 3))
        assert m.det() != 0


# \sin X of a square X: element-wise or the matrix function. Undeclared: undecided, naming both;
# declared element-wise: judged so (d tr(sin X)/dX = I o cos X entry by entry; Cookbook (124)'s
# cos(X)^T is the matrix function's); declared the matrix function: not evaluated (undecided).
SIN_CASES = [
    ("undeclared", "", r"\frac{\partial}{\partial X} \operatorname{Tr}(\sin X) = \cos(X)^T", "undecided",
     "two readings"),
    ("element-wise", 'matrix_functions = "elementwise"',
     r"\frac{\partial}{\partial X} \operatorname{Tr}(\sin X) = \cos(X) \circ \mathbf{I}", "correct", "entry by entry"),
    ("element-wise: the matrix function's answer is wrong", 'matrix_functions = "elementwise"',
     r"\frac{\partial}{\partial X} \operatorname{Tr}(\sin X) = \cos(X)^T", "incorrect", "entry by entry"),
    ("the matrix function", 'matrix_functions = "matrix"',
     r"\frac{\partial}{\partial X} \operatorname{Tr}(\sin X) = \cos(X)^T", "undecided", "matrix function"),
    ("a vector's sine is element-wise, undeclared", "",
     r"\frac{\partial}{\partial x} \sin(x)^T x = \cos(x) \odot x + \sin(x)", "correct", ""),
]


@pytest.mark.parametrize(("label", "declared", "latex", "verdict", "said"), SIN_CASES, ids=[c[0] for c in SIN_CASES])
def test_sine_of_a_square_matrix(label: str, declared: str, latex: str, verdict: str, said: str) -> None:
    got, message = _structured(latex, f"[conventions]\n{declared}\n" if declared else "")
    assert got == verdict, (label, message)
    assert said in message, message
    if label == "undeclared":
        assert "entry by entry" in message and "matrix function" in message


@pytest.mark.parametrize("bad", ['Q = ["n", "n", "orthonormal"]', 'Q = ["n", 1, "orthogonal"]'])
def test_bad_structures_are_file_errors(bad: str) -> None:
    with pytest.raises(ProblemFileError):
        parse_text(STRUCTURED.replace('Q = ["n", "n", "orthogonal"]', bad) % "", "bad.toml")
