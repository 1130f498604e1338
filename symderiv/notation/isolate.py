"""A relation solved for one of its names by undoing, step by step, what the side holding it does.

`solve_for("\\lfloor \\frac{k'}{n} \\rfloor = i - 1", "i")` is `\\lfloor \\frac{k'}{n} \\rfloor + 1`:
what a sentence such as "the one value of i for which ... = i - 1, which we denote i^*" defines.

Only steps with one inverse are undone, on a side where the name occurs once and nowhere on the
other side: a sum or difference (a - b = c: a = c + b), a negation, a product with factors free of
the name (a k = c: a = c / k) and a quotient by such a divisor (a / d = c: a = c d). The divisor of
a product is a number other than 0 (a symbol could be 0 at some point, and dividing by it would
state more than the relation does); anything else (a power, a function, the name twice) is not
solved: the result is None, and the caller defines nothing.
"""

from __future__ import annotations

from ..core.errors import NotationError, SymderivError
from . import ast as A
from .parse import parse, parse_one
from .unparse import unparse


def _holds(node: A.Node, name: A.Node) -> int:
    """How many times `name` occurs in `node` (as a whole subtree)."""
    if node.key() == name.key():
        return 1
    return sum(_holds(child, name) for child in node.children())


def _nonzero_number(node: A.Node) -> bool:
    """A number other than 0 as written: 3, 0.5, \\frac{3}{4}, -2."""
    if isinstance(node, A.Frac):
        return _nonzero_number(node.num) and _nonzero_number(node.den)
    if isinstance(node, A.Neg):
        return _nonzero_number(node.body)
    return isinstance(node, A.Num) and node.text.strip("0.") != ""


def _bracketed(node: A.Node) -> A.Node:
    """`node` as one operand (its own brackets: the printer adds none around a Group)."""
    if isinstance(node, A.Name | A.Num | A.Group | A.Frac | A.Sub | A.Sup):
        return node
    return A.Group(node.pos, "(", (node,))


def _undo(side: A.Node, other: A.Node, name: A.Node) -> A.Node | None:
    """`name` from `side = other`, `side` holding it once; None when a step has no single inverse."""
    if side.key() == name.key():
        return other
    if isinstance(side, A.Group) and side.kind in ("(", "g") and len(side.items) == 1:
        return _undo(side.items[0], other, name)
    if isinstance(side, A.Neg):
        return _undo(side.body, A.Neg(other.pos, _bracketed(other)), name)
    if isinstance(side, A.BinOp) and side.op in ("+", "-"):
        left_holds = _holds(side.left, name) == 1
        held, rest = (side.left, side.right) if left_holds else (side.right, side.left)
        if side.op == "+":
            return _undo(held, A.BinOp(other.pos, "-", other, _bracketed(rest)), name)
        if left_holds:  # held - rest = other: held = other + rest
            return _undo(held, A.BinOp(other.pos, "+", other, _bracketed(rest)), name)
        return _undo(held, A.BinOp(other.pos, "-", _bracketed(rest), _bracketed(other)), name)  # rest - held
    if isinstance(side, A.Juxt | A.BinOp) and (isinstance(side, A.Juxt) or side.op in ("cdot", "times")):
        factors = side.items if isinstance(side, A.Juxt) else (side.left, side.right)
        held = [factor for factor in factors if _holds(factor, name)]
        rest = [factor for factor in factors if not _holds(factor, name)]
        if len(held) != 1 or not rest or not all(_nonzero_number(factor) for factor in rest):
            return None
        divisor = rest[0] if len(rest) == 1 else A.Juxt(rest[0].pos, tuple(rest))
        return _undo(held[0], A.Frac(other.pos, other, divisor), name)
    if isinstance(side, A.Frac) and _holds(side.num, name) and not _holds(side.den, name):
        return _undo(side.num, A.Juxt(other.pos, (_bracketed(other), _bracketed(side.den))), name)
    return None


def solve_for(relation: str, name: str) -> str | None:
    """The value of `name` that makes the equation `relation` (LaTeX, one `=`) hold, in LaTeX, when
    `name` occurs once and each step around it has one inverse; None otherwise (or unreadable)."""
    try:
        document = parse(relation)
        wanted = parse_one(name)
    except (NotationError, SymderivError):
        return None
    if len(document.chains) != 1 or document.chains[0].ops != ("=",):
        return None
    left, right = document.chains[0].sides
    counts = (_holds(left, wanted), _holds(right, wanted))
    if sorted(counts) != [0, 1]:
        return None
    side, other = (left, right) if counts[0] else (right, left)
    solved = _undo(side, other, wanted)
    return None if solved is None else unparse(solved)
