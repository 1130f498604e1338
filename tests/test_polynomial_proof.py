"""The judge's proof that a difference is 0 (notation/polynomial.py): sound, and quick where a
function and its exponential form meet."""

from __future__ import annotations

import sympy as sp

from symderiv.core.ops import sigmoid
from symderiv.notation import polynomial
from symderiv.notation.polynomial import all_zero, is_zero_polynomial

u, v = sp.symbols("u v")


def test_a_polynomial_identity_and_a_non_identity() -> None:
    assert is_zero_polynomial([(u + v) ** 2 - u**2 - 2 * u * v - v**2]) is True
    assert is_zero_polynomial([(u + v) ** 2 - u**2 - v**2]) is False


def test_sigmoid_against_its_exponential_form_is_proved_without_simplify(monkeypatch) -> None:
    """σ(u)(1 - σ(u)) = e^{-u} / (1 + e^{-u})^2 and σ(u) = 1/(1 + e^{-u}), inside a sum of products
    of a network's size (the registry's σ beside a student's written-out one)."""
    written = 1 / (1 + sp.exp(-u))
    diffs = [sigmoid(u) * (1 - sigmoid(u)) * v - written * (1 - written) * v,
             sum((sigmoid(u + k) - 1 / (1 + sp.exp(-u - k))) * v**k for k in range(6))]

    def no_simplify(_diffs):
        raise AssertionError("simplify asked (it took ~3 s on a network's entries)")

    monkeypatch.setattr(polynomial, "_simplified_to_zero", no_simplify)
    assert all_zero(diffs) is True


def test_a_wrong_exponential_form_is_not_proved() -> None:
    assert all_zero([sigmoid(u) - 1 / (1 + sp.exp(u))]) is False
    assert all_zero([sigmoid(u) * v - v / (1 + sp.exp(-2 * u))]) is False
