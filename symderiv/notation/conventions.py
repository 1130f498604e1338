"""Conventions of course notation: readings a formula is judged under, each stated in the verdict, each switchable.

A problem file may switch any of them off for a strict grader::

    [conventions]
    implicit_sum = false      # a repeated index in a product is then a free index, never summed
    elementwise_dot = false   # \\cdot is then the matrix (or scalar) product only
    column_of_rows = false    # "column vector" then means one column only
    either_layout = false     # \\frac{\\partial y}{\\partial x} then only in the Cookbook's layout
    standard_functions = false   # \\sigma then means only what the problem declares
    matrix_functions = "elementwise"   # \\sin X of a square X: entry by entry ("matrix": the matrix function)
    vec = "rows"              # \\operatorname{vec} stacks the rows (default "columns", as the Cookbook's)

implicit_sum     An index letter repeated in the factors of a product, free on no other side of the
                 equation, is summed over its range (the summation convention):
                 \\frac{\\partial L}{\\partial y_k}\\frac{\\partial y_k}{\\partial f} = \\sum_k ... .
elementwise_dot  A \\cdot between factors whose shapes fit only entry by entry is the element-wise
                 product (a vector of n entries multiplies the side of n entries of a matrix); where
                 a \\cdot fits both ways, the reading under which the whole claim is well-typed is taken.
column_of_rows   A matrix whose rows are the samples' row vectors (one row per sample) is "a column
                 vector" of those rows, as a student says of f(Z).
standard_functions A name the problem does not declare, written as a registered element-wise activation
                 is (\\sigma, \\operatorname{ReLU}: core/ops), before its argument, is that activation
                 (\\sigma(a) the logistic sigmoid), in a problem with no layer activations of its own.
either_layout    A claim whose derivatives \\frac{\\partial y}{\\partial x} are well-typed only in the layout
                 other than the Cookbook's (a number by a column x is a row: numerator layout,
                 d(x^T x)/dx = 2x^T; a vector by a vector the transposed Jacobian: denominator layout,
                 d(Ax)/dx = A^T) is read in it; where both are well-typed (x square) the Cookbook's holds,
                 and in a network problem always, and for a number by a matrix always (a gradient has the
                 shape of what it updates: a transposed one is a mistake).
matrix_functions Not a convention but a declaration: \\sin, \\cos, \\tan of a square matrix X read entry by
                 entry ("elementwise") or as the matrix function ("matrix", its power series); undeclared,
                 such a side has two readings and is not judged (the verdict is undecided, naming both).
vec              A declaration too: \\operatorname{vec} X stacks the columns of X (the Cookbook's §10.2 and
                 Magnus and Neudecker's vec, under which vec(AXB) = (B^T ⊗ A) vec X), or its rows
                 ("rows", as seed 003 vectorises W row by row: the verdict says so).

Where exactly one reading makes a claim well-typed the claim is judged under it (the verdict's
remarks name the convention); where two readings type-check and disagree the verdict is undecided.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

#: What each convention says, for remarks and error messages.
MEANINGS = {
    "implicit_sum": "a repeated index in a product, free on no other side, is summed",
    "elementwise_dot": "a \\cdot whose factors fit only entry by entry is the element-wise product",
    "column_of_rows": "a matrix of the samples' row vectors stacked is called a column vector",
    "either_layout": "a claim whose derivatives are well-typed only in the other layout is read in it",
    "standard_functions": "an undeclared name written as a registered activation is, before its argument, "
                          "that activation",
}


#: How \\sin X of a square matrix X may be declared to read.
MATRIX_FUNCTION_READINGS = ("elementwise", "matrix")
#: How \\operatorname{vec} may be declared to stack a matrix (the first is the default).
VEC_READINGS = ("columns", "rows")


@dataclass(frozen=True)
class Conventions:
    """Which conventions of course notation are read (all on by default)."""

    implicit_sum: bool = True
    elementwise_dot: bool = True
    column_of_rows: bool = True
    standard_functions: bool = True
    either_layout: bool = True
    matrix_functions: str = ""  # "", "elementwise" or "matrix"
    vec: str = ""  # "" (undeclared: the columns), "columns" or "rows"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Conventions:
        """The conventions of a `[conventions]` table: each key a known convention, each value
        true or false; an unknown key or a value that is not a boolean is a ValueError naming it."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise ValueError(f"unknown convention{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(known))}")
        for key, value in data.items():
            readings = {"matrix_functions": MATRIX_FUNCTION_READINGS, "vec": VEC_READINGS}.get(key)
            if readings is not None:
                if value not in readings:
                    raise ValueError(f"{key}: expected one of {', '.join(map(repr, readings))}, got {value!r}")
            elif not isinstance(value, bool):
                raise ValueError(f"{key}: expected true or false, got {value!r}")
        return cls(**{str(k): v for k, v in data.items()})


def remark(name: str, detail: str) -> str:
    """The remark a verdict carries when convention `name` was used: what it says, how it was
    applied here (`detail`), and how a problem file switches it off."""
    return f"convention {name} ({MEANINGS[name]}): {detail}; [conventions] {name} = false switches it off"
