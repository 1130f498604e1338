"""The LaTeX printer of matrix forms: (expression, LaTeX) tables, and number formatting."""

from __future__ import annotations

import pytest
import sympy as sp
from sympy import HadamardProduct, MatrixSymbol, OneMatrix
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from symderiv.core.ops import relu, relu_step, sigmoid
from symderiv.render.printer import latex, number, number_matrix

N = sp.Symbol("N", integer=True, positive=True)
W = MatrixSymbol("W1", 2, 3)
Z = MatrixSymbol("Z1", 2, N)
X = MatrixSymbol("X", N, 3)
G = MatrixSymbol("G1", 2, N)
w = MatrixSymbol("w2", 1, 2)
z = sp.Symbol("z")
NAMES = {"W1": "W^{(1)}", "Z1": "Z^{(1)}", "G1": r"\frac{\partial L}{\partial A^{(1)}}", "w2": r"\mathbf{w}^{(2)}"}


@pytest.mark.parametrize("expr,expected", [
    # display names from the problem file (seed 002 P1 writes W^{(1)}, \mathbf{w}^{(2)})
    (W * X.T, r"W^{(1)} X^{\top}"),
    (w.T, r"\mathbf{w}^{(2) \top}"),
    # the ones vector of the bias term, b 1_N^T (column layout)
    (OneMatrix(N, 1), r"\mathbf{1}_{N}"),
    (OneMatrix(1, N), r"\mathbf{1}_{N}^{\top}"),
    # element-wise functions print as f(Z) with the registry's own LaTeX
    (ElementwiseApplyFunction(sp.Lambda(z, relu(z)), Z), r"\operatorname{ReLU}\left(Z^{(1)}\right)"),
    (HadamardProduct(G, ElementwiseApplyFunction(sp.Lambda(z, relu_step(z)), Z)),
     r"\frac{\partial L}{\partial A^{(1)}} \odot \mathbf{1}_{Z^{(1)} > 0}"),
    # sigma' = sigma (1 - sigma) is an element-wise product of matrices
    (ElementwiseApplyFunction(sp.Lambda(z, sigmoid(z) * (1 - sigmoid(z))), Z),
     r"\left(1 - \sigma\left(Z^{(1)}\right)\right) \odot \sigma\left(Z^{(1)}\right)"),
    # a transposed name that is not a single symbol keeps its parentheses
    (G.T * X, r"\left(\frac{\partial L}{\partial A^{(1)}}\right)^{\top} X"),
])
def test_matrix_latex(expr, expected):
    assert latex(expr, NAMES) == expected


@pytest.mark.parametrize("value,expected", [
    (sp.Rational(2037, 2000), "1.0185"),
    (sp.Rational(-1, 3), r"-\tfrac{1}{3}"),
    (sp.Integer(4), "4"),
    ("-0.2544", "-0.2544"),
    (0.5, "0.5"),
    (1.5e-9, r"1.5 \cdot 10^{-9}"),
])
def test_numbers(value, expected):
    assert number(value) == expected


def test_number_matrix_shapes():
    assert number_matrix([["1"]]) == "1"
    assert number_matrix(sp.Matrix([[1, 2], [3, 4]])) == r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"


@pytest.mark.parametrize("name", [r"\mathbf{w}^{(2)}", "W", r"{a}+{b}", r"x^{\top}"])
def test_transposed_twice_is_the_name(name: str) -> None:
    """A display-transposed name transposed again prints as the name (no w^{(2)⊤⊤})."""
    from symderiv.render.printer import transposed

    once = transposed(name)
    assert once.endswith(r"^{\top}") and once != name
    assert transposed(once) == name
