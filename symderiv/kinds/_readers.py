"""Safe readers of the students' non-formula answers: numbers, intervals, words, shapes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy as sp

from ..core.errors import LimitError, NotationError
from ..core.exact import MAX_DIGITS, decimals_written
from ..core.verdict import Verdict
from ..notation import ast as A
from ..notation.reading import is_input_error, node_value, read_side, relation_of, unread_derivative
from .base import Claim

_INT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_DIGIT_GROUP = re.compile(r"(?<=\d)(?:\{,\}|,)(?=\d{3}(?!\d))")  # 15,296 and 15{,}296: one number
_LIST_SEPARATORS = (",", "\\qquad", "\\quad", "\\text{and}")


def _check_digits(latex: str) -> None:
    """A run of more than MAX_DIGITS digits is past the limit (int() of it is quadratic)."""
    m = re.search(rf"\d{{{MAX_DIGITS + 1},}}", latex)
    if m:
        raise LimitError(latex, f"number with {len(m.group())} digits (at most {MAX_DIGITS})", m.start())


def read_integer(latex: str) -> int:
    """The whole number a claim's relation ends in: '600 + 8 = 608' -> 608, '= 15,296' -> 15296
    (digit groups of three may be separated by commas)."""
    _check_digits(latex)
    text = _DIGIT_GROUP.sub("", latex)
    last = relation_of(text).sides[-1]
    if not (isinstance(last, A.Num) and last.text.isdigit()):
        raise NotationError(latex, "expected a single whole number after the last '='")
    return int(last.text)


def number_sides(latex: str) -> list[tuple[str, sp.Expr]]:
    """The sides of a chain of arithmetic that are numbers ('3 \\times 3 \\times 16 = 144', digit groups
    as read_integer reads them), each with its place: every one must be the answer. A side in names
    the problem does not give (k^2 C_{in} C_{out}) is a formula, not one of them."""
    _check_digits(latex)
    text = _DIGIT_GROUP.sub("", latex)
    chain = relation_of(text)
    if len(chain.sides) < 2:
        return []
    out = []
    for k, side in enumerate(chain.sides):
        try:
            value = node_value(text, side, {})
        except NotationError as exc:
            if is_input_error(exc):
                raise
            continue
        if isinstance(value, sp.Expr) and value.is_number:
            out.append((f"side {k + 1} of {len(chain.sides)}: ", value))
    return out


def read_integers(latex: str) -> list[int]:
    """Every whole number in a claim, in order ('28 \\times 28, 8 feature maps' -> [28, 28, 8])."""
    _check_digits(latex)
    return [int(s) for s in re.findall(r"\d+", latex)]


def read_number(latex: str, names: dict[str, Any] | None = None) -> tuple[sp.Expr, int | None]:
    """An exact value (the last side of the relation written) and the decimals written there.

    '0.54' -> (27/50, 2); '\\frac{\\pi}{2}' -> (pi/2, None); 'x = 3' -> (3, None).
    """
    value = read_side(latex, names or {})
    if isinstance(value, sp.MatrixBase):
        raise NotationError(latex, "expected a number, found a matrix")
    if not (isinstance(value, sp.Expr) and value.is_number):  # a name with no value here
        raise NotationError(latex, f"expected a number, found {sp.sstr(value)[:60]}")
    last = relation_of(latex).sides[-1]
    text = latex.strip().strip("$").strip()  # the text the parse positions refer to
    return value, decimals_written(text[last.pos:]) if isinstance(last, A.Num) else None


#: The relations of a chain each of whose sides is a value to judge (\\approx: to the digits written).
EQUALITIES = frozenset({"=", "approx", ":=", "equiv"})


def value_sides(latex: str, read: Callable[[A.Node], Any]) -> list[tuple[str, Any]]:
    r"""Every side of the claim's chain of equalities that `read` reads, with the words that name its
    place when the chain has several ('side 2 of 3: '): each must be what is claimed, not only the
    last. A first side that is no value (\nabla f(x), \sigma'(x): what the claim is about) is not
    one of them, nor a side written in derivatives alone that cannot be read (the vector of
    \frac{\partial f}{\partial x_i}); any other side that cannot be read makes the claim unreadable."""
    chain = relation_of(latex)
    if any(op not in EQUALITIES for op in chain.ops):
        raise NotationError(latex, "expected equalities only (=, \\approx, :=, \\equiv)", chain.pos)
    out, skipped = [], None
    for k, side in enumerate(chain.sides):
        try:
            value = read(side)
        except NotationError as exc:
            if not is_input_error(exc) and len(chain.sides) > 1 and (k == 0 or _derivatives_only(side)):
                skipped = exc
                continue
            raise
        out.append((f"side {k + 1} of {len(chain.sides)}: " if len(chain.sides) > 1 else "", value))
    if not out:
        raise skipped
    return out


def _derivatives_only(node: A.Node) -> bool:
    """The side is written in derivatives alone: \\frac{\\partial f}{\\partial x_1}, or a vector or
    matrix of them (transposed or not)."""
    if isinstance(node, A.Deriv):
        return True
    if isinstance(node, A.Sup) and A.is_transpose_mark(node.exponent):
        return _derivatives_only(node.body)
    if isinstance(node, A.Group):
        return all(map(_derivatives_only, node.items))
    if isinstance(node, A.Matrix):
        return all(_derivatives_only(item) for row in node.rows for item in row)
    return False


def list_items(latex: str) -> list[str]:
    """The items of a list of answers, separated at bracket depth 0 by commas, \\quad or 'and'."""
    items, depth, start, pos = [], 0, 0, 0
    while pos < len(latex):
        ch = latex[pos]
        depth += (ch in "{([") - (ch in "})]")
        sep = next((s for s in _LIST_SEPARATORS if depth == 0 and latex.startswith(s, pos)), None)
        if sep is None:
            pos += 1
            continue
        items.append(latex[start:pos])
        pos += len(sep)
        start = pos
    items.append(latex[start:])
    return [item for item in items if item.strip().strip("$").strip()]


def read_number_list(latex: str, names: dict[str, Any] | None = None) -> list[sp.Expr]:
    """Numbers separated by commas or \\quad, each possibly 'name = value', or 'name = name = value'
    for a value repeated.

    '\\lambda_1 = 6, \\quad \\lambda_2 = 1' -> [6, 1]; '\\lambda_1 = \\lambda_2 = 4' -> [4, 4].
    """
    out = []
    for item in list_items(latex):
        sides = relation_of(item).sides
        named = next((k for k, side in enumerate(sides) if not isinstance(side, A.Name | A.Sub)), len(sides))
        out.extend([read_number(item, names)[0]] * max(1, named))
    return out


def read_interval(latex: str) -> sp.Interval:
    """An interval of real numbers written as '(0, \\frac{1}{5})', '\\eta \\in (0, 1/5)' or
    '0 < \\eta < \\frac{1}{6}' (also \\le, \\leq, \\ge, >): read from the relation's parse tree."""
    chain = relation_of(latex)
    sides, ops = chain.sides, chain.ops
    if ops in ((), ("in",)):
        iv = sides[-1]
        if isinstance(iv, A.Group) and iv.kind == "(" and len(iv.items) == 2:
            lo, hi = (node_value(latex, x, {}) for x in iv.items)
            return sp.Interval(lo, hi, True, True)
        if isinstance(iv, A.Interval):
            lo, hi = node_value(latex, iv.lo, {}), node_value(latex, iv.hi, {})
            return sp.Interval(lo, hi, iv.left_open, iv.right_open)
    if len(ops) == 2 and isinstance(sides[1], A.Name | A.Sub | A.Styled):
        left, right = node_value(latex, sides[0], {}), node_value(latex, sides[2], {})
        if set(ops) <= {"<", "<="}:
            return sp.Interval(left, right, ops[0] == "<", ops[1] == "<")
        if set(ops) <= {">", ">="}:
            return sp.Interval(right, left, ops[1] == ">", ops[0] == ">")
    raise NotationError(latex, "expected an interval such as (0, \\frac{1}{5}) or 0 < \\eta < 1/5")


_WORDS = {
    "saddle": "saddle", "minimum": "minimum", "minima": "minimum", "min": "minimum",
    "maximum": "maximum", "maxima": "maximum", "max": "maximum", "none": "none",
    "no": "none", "towards": "towards", "toward": "towards", "away": "away",
}


def read_word(latex: str) -> str:
    """A classification word: 'saddle point' -> 'saddle', 'a local minima' -> 'minimum',
    'no critical points' -> 'none', 'points away' -> 'away'."""
    text = re.sub(r"\\text\{([^}]*)\}", r"\1", latex).lower()
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
    part = unread_derivative(claim.latex, exc.position)
    if part is not None:  # a derivative of something the problem does not define: named, not guessed
        return verdict(claim, "undecided", f"cannot read the derivative {part} in the claim: {exc.message}", **extra)
    return verdict(claim, "undecided", f"cannot read the claim: {exc.message}", **extra)


def unknown_target(claim: Claim, targets: list[str]) -> Verdict:
    """The `error` verdict for a claim whose target this problem does not know."""
    return verdict(claim, "error", f"unknown target {claim.target!r}; known: {', '.join(targets)}")
