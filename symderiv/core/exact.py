"""Exact numbers: decimal text to rationals, and comparison to the digits written."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

import sympy as sp

from .errors import LimitError
from .limits import FORMULA_MAX_DEPTH, VALUE_MAX_DIGITS
from .limits import LITERAL_MAX_DIGITS as MAX_DIGITS
from .limits import LITERAL_MAX_EXPONENT as MAX_EXPONENT

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_FRACTION = re.compile(r"([+-]?\d+)\s*/\s*(\d+)")


@lru_cache(maxsize=4096)  # a data matrix repeats its few grid values many times
def as_sympy(value: object) -> sp.Basic:
    """A Python or NumPy number, a Fraction or a SymPy value as a SymPy value; never a string
    (SymPy's strict conversion, which does not parse text: untrusted text goes through the notation)."""
    return sp.sympify(value, strict=True)


def parse_rational(text: str) -> sp.Rational:
    """Read '0.2', '-1e-3', '3/4' or '7' as an exact rational; ValueError otherwise.

    Only these literal forms are accepted; the text never reaches sympify. A literal with
    more than MAX_DIGITS digits or an exponent past MAX_EXPONENT raises NumberTooLarge (a
    ValueError and a LimitError) before anything is computed.
    """
    s = text.strip()
    m = _NUMBER.fullmatch(s)
    if m:
        _check_literal(text, m.group(1), m.group(3))
        return sp.Rational(Fraction(s))
    m = _FRACTION.fullmatch(s)
    if m:
        _check_literal(text, m.group(1) + m.group(2), None)
        if int(m.group(2)) != 0:
            return sp.Rational(int(m.group(1)), int(m.group(2)))
    raise ValueError(f"not a number: {text!r}")


class NumberTooLarge(LimitError, ValueError):
    """A number literal past the digit or exponent limit."""

    def __init__(self, text: str, message: str, position: int | None = None) -> None:
        super().__init__(text, message, position)


def _check_literal(text: str, digits: str, exponent: str | None) -> None:
    n = sum(ch.isdigit() for ch in digits)
    if n > MAX_DIGITS:
        raise NumberTooLarge(text, f"number with {n} digits (at most {MAX_DIGITS})")
    if exponent is not None:
        e = exponent[1:].lstrip("+-").lstrip("0")
        if len(e) > 6 or int(e or "0") > MAX_EXPONENT:
            shown = exponent[1:] if len(exponent) <= 12 else exponent[1:12] + "..."
            raise NumberTooLarge(text, f"exponent {shown} too large in a number (at most {MAX_EXPONENT})")


def too_many_digits(value: sp.Rational) -> bool:
    """Whether a rational's numerator or denominator has more than VALUE_MAX_DIGITS digits (counted
    by bits, without printing it: Python will not print an int of more than 4300 digits)."""
    return max(abs(value.p), value.q).bit_length() > VALUE_MAX_DIGITS * 3.33


def decimals_written(text: str) -> int | None:
    """Number of digits after the decimal point in `text` ('0.0122' -> 4), None if no point."""
    s = text.strip().lstrip("+-")
    if _NUMBER.fullmatch(s) and "." in s and not re.search("[eE]", s):
        return len(s.split(".", 1)[1])
    return None


def to_number(value: object) -> sp.Rational:
    """An int, a decimal string from TOML, or a Fraction as an exact sympy Rational."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, Fraction):
        return sp.Rational(value)
    if isinstance(value, str):
        return parse_rational(value)
    if isinstance(value, sp.Rational):
        return value
    raise ValueError(f"not a number: {value!r}")


def agrees_to_written_precision(true: sp.Expr, written: sp.Rational, decimals: int | None) -> bool:
    """True when `written` is `true` exactly, or `true` rounded to `decimals` places.

    A value written with d decimals is accepted when |true - written| <= 1/2 * 10^-d,
    i.e. when rounding the true value to d places could give what was written.
    """
    diff = sp.Abs(true - written)
    if diff == 0:
        return True
    if decimals is None:
        return False
    bound = sp.Rational(1, 2) / sp.Integer(10) ** decimals
    return bool(sp.N(diff, 30) <= bound)


_MATRIX_ENV = re.compile(r"\\begin\{([bpv]?matrix)\}(.*)\\end\{\1\}", re.S)
_TEXT_NOISE = re.compile(r"\\(left|right)(?=[\[\]()])|(?<!\\)\\[,;! ]|~")


def numeric_cells(text: str) -> list[list[str]] | None:
    """The entries' texts of a number or number matrix written in LaTeX; None if not one.

    Accepts '1.0185', '15,296', '\\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix}' and
    '[[0.2, -0.4], [0.1, 0.5]]'.  Anything with a symbol in it is not numeric (None);
    the notation layer reads those.
    """
    s = _TEXT_NOISE.sub(" ", text).strip().strip("$").strip()
    _check_nesting(text)
    m = _MATRIX_ENV.fullmatch(s)
    if m:
        rows = [r for r in re.split(r"\\\\", m.group(2)) if r.strip()]
        cells = [[c.strip() for c in r.split("&")] for r in rows]
    elif s.startswith("[[") and s.endswith("]]"):
        cells = [[c.strip() for c in r.split(",")] for r in re.split(r"\]\s*,\s*\[", s[2:-2])]
    elif s.startswith("[") and s.endswith("]") and "[" not in s[1:]:
        cells = [[c.strip()] for c in s[1:-1].split(",")]
    else:
        cells = [[s]]
    if not cells or len({len(r) for r in cells}) != 1:
        return None
    try:
        for r in cells:
            for c in r:
                _cell(c)
    except NumberTooLarge as exc:  # a number, but past the limits: an error, not a formula
        raise LimitError(text, exc.message, max(text.find(c), 0)) from None
    except ValueError:
        return None
    return cells


def read_numeric_latex(text: str) -> sp.Matrix | None:
    """A number or a matrix of numbers as the seeds write them, exactly; else None."""
    cells = numeric_cells(text)
    return None if cells is None else sp.Matrix([[_cell(c) for c in r] for r in cells])


def too_deep_at(text: str, limit: int = FORMULA_MAX_DEPTH) -> int | None:
    """Where braces and brackets first nest more than `limit` deep in `text` (an unmatched closing
    one counts as none), or None."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "{([":
            depth += 1
            if depth > limit:
                return i
        elif ch in "})]":
            depth = max(0, depth - 1)
    return None


def _check_nesting(text: str) -> None:
    """Braces and brackets nested at most FORMULA_MAX_DEPTH deep (as the notation reader
    allows): {{{...{1}...}}} past it is a LimitError, not the number 1."""
    at = too_deep_at(text)
    if at is not None:
        raise LimitError(text, f"brackets nested more than {FORMULA_MAX_DEPTH} deep", at)


def _unbrace(text: str) -> str:
    """`text` without the balanced braces around all of it ({{1}} -> 1); other braces stay
    (so '{{{1' and '1}}}' are not numbers)."""
    while text.startswith("{") and text.endswith("}"):
        depth = 0
        for i, ch in enumerate(text):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if depth == 0 and i < len(text) - 1:
                return text  # {1}{2}: the first brace closes early
        text = text[1:-1]
    return text


def _cell(text: str) -> sp.Rational:
    """One matrix cell: a decimal, an integer with thousands commas, or ±\\frac{a}{b}, each
    possibly inside balanced braces."""
    t = _unbrace(text.replace(" ", ""))
    m = re.fullmatch(r"([+-]?)\\[dt]?frac\{(\d+)\}\{(\d+)\}", t)
    if m:
        return parse_rational(f"{m.group(1)}{m.group(2)}/{m.group(3)}")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", t):  # thousands separators: 15,296
        t = t.replace(",", "")
    sign = t[0] if t[:1] in ("-", "+") else ""
    return parse_rational(sign + _unbrace(t[len(sign):]))
