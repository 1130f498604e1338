"""A verdict's values printed: as terminal text, as LaTeX, and as the JSON of `check --json`.

A verdict holds values (SymPy numbers, matrices, expressions, sets, a Shape, a word); this module
is the one place they become text. Numbers print exactly: a terminating decimal as a decimal
(2037/2000 as 1.0185), any other fraction as p/q (a fraction of more than 60 digits by its leading
digits), an irrational number to 12 digits; a matrix of numbers as nested rows
[[0.5, -1], [2, 1/3]]; anything symbolic by the printers (Unicode on the terminal, LaTeX in
documents and in JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..core.numeric import exact_decimal
from ..core.verdict import Shape, Verdict
from .pretty import pretty
from .printer import latex, number_matrix

#: A fraction whose numerator or denominator is larger than this prints by its leading digits.
LONG_FRACTION = 10**60


def is_number(value: Any) -> bool:
    """A SymPy number (not a symbol, set or boolean)."""
    return isinstance(value, sp.Expr) and value.is_number and not isinstance(value, sp.MatrixBase)


def is_number_matrix(value: Any) -> bool:
    """A matrix (or list of rows) whose every entry is a number."""
    if isinstance(value, sp.MatrixBase):
        return all(is_number(e) for e in value)
    return False


def number_text(value: sp.Expr) -> str:
    """One number exactly: 1.0185, -51/25, 3; a fraction past LONG_FRACTION or an irrational
    number by its leading digits."""
    if value.is_Rational and max(abs(value.p), value.q) > LONG_FRACTION:
        return str(sp.N(value, 6)).replace("E", "e")
    return exact_decimal(value)


def _rows(m: sp.MatrixBase) -> str:
    return "[" + ", ".join("[" + ", ".join(number_text(e) for e in m.row(r)) + "]" for r in range(m.rows)) + "]"


# ----------------------------------------------------------------------------- text


def value_text(value: Any, ascii: bool = False) -> str:
    """A value on one line for the terminal (Unicode maths, or ASCII)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Shape):
        return (" x " if ascii else " × ").join(value_text(d, ascii) for d in value.dims)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_name_text(k, ascii)}: {value_text(v, ascii)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_text(v, ascii) for v in value) + "]"
    if is_number(value):
        return number_text(value)
    if is_number_matrix(value):
        return number_text(value[0, 0]) if value.shape == (1, 1) else _rows(value)
    if isinstance(value, sp.Basic | sp.MatrixBase):
        return pretty(value, ascii=ascii)
    return str(value)


def _name_text(name: Any, ascii: bool) -> str:
    """A name of a counterexample's point (x_1, W1[1,1]) as the terminal shows names."""
    return pretty(sp.Symbol(name), ascii=ascii) if isinstance(name, str) and name else str(name)


def _grouped(value: Any) -> bool:
    """A point grouped by quantity: {'W1': {'W1[1,1]': 4, ...}, 'X': {...}}."""
    return isinstance(value, Mapping) and bool(value) and all(isinstance(v, Mapping) for v in value.values())


def counterexample_text(counterexample: Mapping[str, Any], ascii: bool = False) -> str:
    """A counterexample on one line: 'key = value, ...'; a point grouped by quantity as
    'name=value, ...' per quantity, the quantities separated by ';'."""
    parts = []
    for key, value in counterexample.items():
        if _grouped(value):
            shown = "; ".join(", ".join(f"{_name_text(n, ascii)}={value_text(x, ascii)}" for n, x in group.items())
                              for group in value.values())
        else:
            shown = value_text(value, ascii)
        parts.append(f"{key} = {shown}")
    return ", ".join(parts)


# ----------------------------------------------------------------------------- LaTeX


def value_latex(value: Any) -> str | None:
    """A value as LaTeX maths (numbers exact, matrices as bmatrix, formulas in the problem's
    notation), or None when it is words (then shown as escaped text)."""
    if value is None or isinstance(value, (str, bool, Mapping)):
        return None
    if isinstance(value, (int, float)):
        return number_matrix(value)
    if isinstance(value, Shape):
        return r" \times ".join(value_latex(d) or "" for d in value.dims)
    if isinstance(value, (list, tuple)):
        parts = [value_latex(v) for v in value]
        return None if None in parts else r"\left(" + ", ".join(parts) + r"\right)"  # type: ignore[arg-type]
    if is_number(value) or is_number_matrix(value):
        return number_matrix(value if is_number(value) else [[number_text(e) for e in value.row(r)]
                                                             for r in range(value.rows)])
    if isinstance(value, sp.Basic | sp.MatrixBase):
        return latex(value)
    return None


# ----------------------------------------------------------------------------- JSON


def value_json(value: Any) -> Any:
    """A value for `check --json`: JSON numbers, booleans and words as they are; a SymPy number
    or matrix of numbers as its exact text; a shape as '2x3'; anything symbolic as LaTeX."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Shape):
        return "x".join(str(value_json(d)) for d in value.dims)
    if isinstance(value, Mapping):
        return {str(k): value_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [value_json(v) for v in value]
    if is_number(value):
        return number_text(value)
    if is_number_matrix(value):
        return number_text(value[0, 0]) if value.shape == (1, 1) else _rows(value)
    if isinstance(value, sp.Basic | sp.MatrixBase):
        return sp.latex(value)
    return str(value)


def counterexample_json(counterexample: Mapping[str, Any]) -> dict[str, Any]:
    """A counterexample for JSON; a point grouped by quantity as 'name=value, ...' per quantity."""
    out: dict[str, Any] = {}
    for key, value in counterexample.items():
        if _grouped(value):
            out[key] = {group: ", ".join(f"{n}={value_json(x)}" for n, x in entries.items())
                        for group, entries in value.items()}
        else:
            out[key] = value_json(value)
    return out


def verdict_json(v: Verdict) -> dict[str, Any]:
    """A verdict as the JSON of `check --json`; keys with no value are left out."""
    out: dict[str, Any] = {"id": v.id, "target": v.target, "latex": v.latex, "verdict": v.verdict}
    if v.message:
        out["message"] = v.message
    for key in ("expected", "claimed"):
        value = getattr(v, key)
        if value is not None and not (isinstance(value, str) and not value):
            out[key] = value_json(value)
    if v.counterexample:
        out["counterexample"] = counterexample_json(v.counterexample)
    if v.mistake:
        out["mistake"] = v.mistake
    if v.remarks:
        out["remarks"] = list(v.remarks)
    if v.details:
        out["details"] = value_json(dict(v.details))
    return out
