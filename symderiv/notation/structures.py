"""Declared matrices (diagonal, positive-definite, invertible, orthogonal): their entries and the points drawn for them.

A problem declares a square variable's structure (matrix_calculus: X = ["n", "n", "orthogonal"]);
the scope (FreeScope) builds its entries from it and the judge draws every random point inside the
declared set, so an identity that needs the structure (Q^T Q = I, x^T P x > 0) is judged where it
holds, and a wrong one is still caught there:

    symmetric          X_ij and X_ji are one symbol
    diagonal           the entries off the diagonal are 0
    positive_definite  symmetric; each point is M M^T + I for a random M (exact rationals)
    invertible         each point has det X != 0 (redrawn until it has)
    orthogonal         each point is the Cayley transform (I - S)(I + S)^{-1} of a random skew S:
                       an exact rational Q with Q^T Q = I
"""

from __future__ import annotations

import random

import sympy as sp

#: The structures a square variable may be declared with.
STRUCTURES = ("symmetric", "diagonal", "positive_definite", "invertible", "orthogonal")
#: Those whose points are drawn inside the set (the others are built into the entries).
DRAWN = frozenset({"positive_definite", "invertible", "orthogonal"})
MAX_REDRAWS = 20


def entry_symbol(name: str, i: int, j: int, rows: int, cols: int, structure: str | None) -> sp.Expr:
    """Entry (i, j) of a variable `name` (0-based) under its declared structure: a real symbol
    (one for (i, j) and (j, i) when symmetric or positive-definite), 0 off the diagonal of a
    diagonal matrix."""
    if rows * cols == 1:
        return sp.Symbol(name, real=True)
    if 1 in (rows, cols):
        return sp.Symbol(f"{name}[{max(i, j) + 1}]", real=True)
    if structure == "diagonal" and i != j:
        return sp.Integer(0)
    if structure in ("symmetric", "positive_definite"):
        return sp.Symbol(f"{name}[{min(i, j) + 1},{max(i, j) + 1}]", real=True)
    return sp.Symbol(f"{name}[{i + 1},{j + 1}]", real=True)


def _small(rng: random.Random) -> sp.Rational:
    return sp.Rational(rng.choice([k for k in range(-6, 7) if k]), rng.choice([1, 1, 2]))


def draw(structure: str, entries: sp.MatrixBase, rng: random.Random) -> dict[sp.Symbol, sp.Rational]:
    """Values of a declared variable's symbols at one random point inside its set (exact)."""
    n = entries.rows
    if structure == "positive_definite":
        m = sp.Matrix(n, n, lambda i, j: sp.Integer(rng.randint(-2, 2)))
        value = m * m.T + sp.eye(n)
    elif structure == "orthogonal":
        s = sp.zeros(n, n)
        for i in range(n):
            for j in range(i + 1, n):
                s[i, j] = sp.Rational(rng.randint(-3, 3), rng.choice([1, 2]))
                s[j, i] = -s[i, j]
        value = (sp.eye(n) - s) * (sp.eye(n) + s).inv()
    else:  # invertible
        value = sp.Matrix(n, n, lambda i, j: _small(rng))
        for _ in range(MAX_REDRAWS):
            if value.det() != 0:
                break
            value = sp.Matrix(n, n, lambda i, j: _small(rng))
    return {e: value[i, j] for i in range(n) for j in range(n)
            if isinstance(e := entries[i, j], sp.Symbol)}
