"""Numbers as written (issue 12, point 5): a decimal that is a whole side of a claim, or an entry
of a side written as numbers only, is a rounded value, judged to half a unit of its last digit;
integers and fractions are exact."""

from __future__ import annotations

import sympy as sp

from ..core.exact import agrees_to_written_precision, decimals_written
from . import ast as A


def written_decimals(node: A.Node) -> list[int | None] | None:
    """For a side written as numbers only (0.3342, -0.08, [0.4127, -0.0815], a matrix of
    numbers), the decimals written in each entry, row by row (None for an integer or a
    fraction); None when the side is anything else (a formula: its numbers are exact)."""
    if isinstance(node, A.Num):
        return [decimals_written(node.text)]
    if isinstance(node, A.Neg):
        return written_decimals(node.body)
    if isinstance(node, A.Frac) and isinstance(node.num, A.Num) and isinstance(node.den, A.Num):
        return [None]  # a fraction: exact
    if isinstance(node, A.Group) and node.kind in ("(", "g", "s") and len(node.items) == 1:
        return written_decimals(node.items[0])
    if isinstance(node, A.Group) and node.kind == "[":
        parts = [written_decimals(x) for x in node.items]
        if any(p is None or len(p) != 1 for p in parts):
            return None
        return [p[0] for p in parts]
    if isinstance(node, A.Matrix):
        out: list[int | None] = []
        for row in node.rows:
            for x in row:
                part = written_decimals(x)
                if part is None or len(part) != 1:
                    return None
                out.append(part[0])
        return out
    return None


def rounded(decimals: list[int | None] | None) -> bool:
    """Whether any entry is a decimal (so the side is compared to its written precision)."""
    return decimals is not None and any(d is not None for d in decimals)


def agrees(value: sp.Expr, written: sp.Expr, decimals: int | None) -> bool:
    """`written` (a number as written, with `decimals` places) is `value` exactly, or `value`
    rounded to that many places: |value - written| <= 1/2 10^-decimals."""
    return agrees_to_written_precision(value, written, decimals)


def tolerance_text(decimals: list[int | None]) -> str:
    """The reading stated in the verdict: the tolerance of the finest decimal written."""
    finest = max(d for d in decimals if d is not None)
    return (f"the decimals written are rounded values: each judged to half a unit of its last digit "
            f"(within 0.{'0' * finest}5 for {finest} decimal{'s' if finest != 1 else ''}); integers and "
            "fractions exactly")
