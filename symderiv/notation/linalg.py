"""Determinants, inverses and Kronecker products of small matrices of symbols, without simplifying."""

from __future__ import annotations

import itertools
from functools import lru_cache

import sympy as sp
from sympy.combinatorics import Permutation

#: Up to this size a determinant is the Leibniz sum over permutations (n! products of entries,
#: nothing expanded or simplified); beyond it SymPy's Berkowitz algorithm.
LEIBNIZ_MAX = 4


@lru_cache(maxsize=256)
def determinant(m: sp.ImmutableMatrix) -> sp.Expr:
    """det(M) = Σ_σ sgn(σ) Π_i M[i, σ(i)] for a square matrix (remembered per matrix: a claim's
    sides are bound more than once)."""
    n = m.rows
    if n > LEIBNIZ_MAX or not m.free_symbols:
        return m.det(method="berkowitz")
    terms = []
    for perm in itertools.permutations(range(n)):
        terms.append(Permutation(list(perm)).signature() * sp.Mul(*[m[i, perm[i]] for i in range(n)]))
    return sp.Add(*terms)


@lru_cache(maxsize=256)
def inverse(m: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
    """M^{-1} = adj(M) / det(M) (cofactors by `determinant`) for a square matrix of symbols; a
    matrix of numbers by SymPy's exact inverse. ValueError when det(M) is 0."""
    n = m.rows
    if n > LEIBNIZ_MAX or not m.free_symbols:
        return sp.ImmutableMatrix(m.inv())
    d = determinant(m)
    if d == 0:
        raise ValueError("Matrix det == 0; not invertible.")
    if n == 1:
        return sp.ImmutableMatrix([[1 / m[0, 0]]])

    def cofactor(i: int, j: int) -> sp.Expr:
        return (-1) ** (i + j) * determinant(sp.ImmutableMatrix(m.minor_submatrix(i, j)))

    return sp.ImmutableMatrix(n, n, lambda i, j: cofactor(j, i) / d)


def kronecker(a: sp.MatrixBase, b: sp.MatrixBase) -> sp.ImmutableMatrix:
    """A ⊗ B: the block matrix [a_ij B]."""
    return sp.ImmutableMatrix(sp.kronecker_product(sp.Matrix(a), sp.Matrix(b)))
