"""Safe readers of the students' non-formula answers: numbers, intervals, words, shapes."""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from ..core.errors import LimitError, NotationError
from ..core.exact import MAX_DIGITS, decimals_written
from ..core.verdict import Verdict
from ._formula import clean, is_input_error, read_formula, right_side
from .base import Claim

_INT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


def _check_digits(latex: str) -> None:
    """A run of more than MAX_DIGITS digits is past the limit (int() of it is quadratic)."""
    m = re.search(rf"\d{{{MAX_DIGITS + 1},}}", latex)
    if m:
        raise LimitError(latex, f"number with {len(m.group())} digits (at most {MAX_DIGITS})", m.start())


def read_integer(latex: str) -> int:
    """The integer a claim ends in: '600 + 8 = 608' -> 608, '15,296' -> 15296."""
    _check_digits(latex)
    text = clean(right_side(clean(latex)))
    found = _INT.findall(text.replace("{,}", ","))
    if len(found) != 1 or not re.fullmatch(r"[\s\d,{}]*", text):
        raise NotationError(latex, "expected a single whole number after the last '='")
    return int(found[0].replace(",", ""))


def read_integers(latex: str) -> list[int]:
    """Every whole number in a claim, in order ('28 \\times 28, 8 feature maps' -> [28, 28, 8])."""
    _check_digits(latex)
    return [int(s) for s in re.findall(r"\d+", clean(latex))]


def read_number(latex: str, names: dict[str, Any] | None = None) -> tuple[sp.Expr, int | None]:
    """An exact value and the decimals written.

    '0.54' -> (27/50, 2); '\\frac{\\pi}{2}' -> (pi/2, None).
    """
    text = clean(right_side(clean(latex)))
    value = read_formula(text, names or {})
    if isinstance(value, sp.MatrixBase):
        raise NotationError(latex, "expected a number, found a matrix")
    if not (isinstance(value, sp.Expr) and value.is_number):  # a name with no value here
        raise NotationError(latex, f"expected a number, found {sp.sstr(value)[:60]}")
    return value, decimals_written(text)


def read_number_list(latex: str, names: dict[str, Any] | None = None) -> list[sp.Expr]:
    """Numbers separated by commas or \\quad, each possibly 'name = value'.

    '\\lambda_1 = 6, \\quad \\lambda_2 = 1' -> [6, 1].
    """
    text = clean(latex).replace("\\quad", ",").replace("\\qquad", ",").replace("\\text{and}", ",")
    parts = [p for p in text.split(",") if p.strip()]
    return [read_number(p, names)[0] for p in parts]


def read_interval(latex: str, variable: str = "eta") -> sp.Interval:
    """An interval of real numbers written as '(0, \\frac{1}{5})', '\\eta \\in (0, 1/5)' or
    '0 < \\eta < \\frac{1}{6}' (also \\le, \\leq, \\ge, >)."""
    text = clean(latex)
    text = re.sub(r"\\(leq|le)\b", "≤", text)
    text = re.sub(r"\\(geq|ge)\b", "≥", text)
    text = re.sub(r"\\lt\b", "<", text)
    text = re.sub(r"\\gt\b", ">", text)
    if "\\in" in text:
        text = text.split("\\in", 1)[1].strip()
    m = re.fullmatch(r"([(\[])(.*),(.*)([)\]])", text.strip())
    if m and "<" not in text and ">" not in text:
        lo = read_formula(m.group(2), {})
        hi = read_formula(m.group(3), {})
        return sp.Interval(lo, hi, m.group(1) == "(", m.group(4) == ")")
    parts = re.split(r"(<|≤|>|≥)", text)
    if len(parts) == 5:
        left, op1, mid, op2, right = (p.strip() for p in parts)
        if not re.fullmatch(r"\\?[A-Za-z]+(_\{?\w+\}?)?", mid):
            raise NotationError(latex, f"expected a variable between the bounds, found {mid!r}")
        if op1 in "<≤" and op2 in "<≤":
            return sp.Interval(read_formula(left, {}), read_formula(right, {}),
                               op1 == "<", op2 == "<")
        if op1 in ">≥" and op2 in ">≥":
            return sp.Interval(read_formula(right, {}), read_formula(left, {}),
                               op2 == ">", op1 == ">")
    raise NotationError(latex, "expected an interval such as (0, \\frac{1}{5}) or 0 < \\eta < 1/5")


_WORDS = {
    "saddle": "saddle", "minimum": "minimum", "minima": "minimum", "min": "minimum",
    "maximum": "maximum", "maxima": "maximum", "max": "maximum", "none": "none",
    "no": "none", "towards": "towards", "toward": "towards", "away": "away",
}


def read_word(latex: str) -> str:
    """A classification word: 'saddle point' -> 'saddle', 'a local minima' -> 'minimum',
    'no critical points' -> 'none', 'points away' -> 'away'."""
    text = re.sub(r"\\text\{([^}]*)\}", r"\1", clean(latex)).lower()
    found = [_WORDS[w] for w in re.findall(r"[a-z]+", text) if w in _WORDS]
    if len(set(found)) != 1:
        raise NotationError(latex, "expected one of: saddle point, minimum, maximum, none, "
                                   "towards, away")
    return found[0]


def verdict(claim: Claim, kind: str, message: str, **extra: Any) -> Verdict:
    """A Verdict for `claim` (keeps call sites short)."""
    return Verdict(claim.id, claim.target, claim.latex, kind, message=message, **extra)  # type: ignore[arg-type]


def cannot_read(claim: Claim, exc: NotationError, **extra: Any) -> Verdict:
    """The verdict on a claim whose LaTeX this kind could not read: `error` with the caret
    under the character when the text does not parse or is past a limit (bad input, as the
    network kind reports it); `undecided` for readable text the kind cannot decide."""
    if is_input_error(exc):
        return verdict(claim, "error", exc.render(), **extra)
    return verdict(claim, "undecided", f"cannot read the claim: {exc.message}", **extra)


def unknown_target(claim: Claim, targets: list[str]) -> Verdict:
    """The `error` verdict for a claim whose target this problem does not know."""
    return verdict(claim, "error", f"unknown target {claim.target!r}; known: {', '.join(targets)}")
