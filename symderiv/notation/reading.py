"""Read a formula whose names its caller binds: the topic kinds' one way into the notation layer.

A kind declares the names a problem gives (LaTeX as written, '\\lambda_i', 'w^*', 'x_1') with
their SymPy values; the formula is parsed by the grammar (parse.py), its relation taken from the
parse tree (never split by text), and the side asked for bound by the binder with those names
only. A value that is undefined (1/0, \\log 0) or not real is past a limit, like a number too large.
"""

from __future__ import annotations

import sympy as sp

from ..core.errors import FormulaSyntaxError, LimitError, NotationError
from ..core.exact import too_many_digits
from ..core.limits import EXP_MAX_ARGUMENT, VALUE_MAX_DIGITS
from . import ast as A
from .bind import bind_names
from .binder import FormulaLimitError
from .calculus import magnitude
from .inputcheck import UnjudgedStatement
from .parse import parse
from .unparse import unparse

__all__ = ["is_input_error", "last_side_text", "node_value", "read_side", "read_value", "relation_of",
           "side_count", "unread_derivative"]


def relation_of(latex: str) -> A.Chain:
    """The one relation a formula writes (a chain a = b = c, or a single expression)."""
    if not isinstance(latex, str):
        raise NotationError(str(latex), f"a formula must be text, got {type(latex).__name__}", None)
    try:
        doc = parse(latex)
    except (FormulaSyntaxError, LimitError, UnjudgedStatement):
        raise
    except NotationError as exc:  # the text does not parse, or is past a size limit: bad input
        raise FormulaSyntaxError(exc.text, exc.message, exc.position) from None
    if len(doc.chains) != 1:
        raise NotationError(latex, f"expected one formula, found {len(doc.chains)} lines", 0)
    return doc.chains[0]


def side_count(latex: str) -> int:
    """The number of sides of the formula's relation (1 for a lone expression)."""
    return len(relation_of(latex).sides)


def last_side_text(latex: str) -> str:
    """The source text of the last side of the relation written ('f = x^2.' -> 'x^2'), found by the
    parse tree (a trailing full stop or comma dropped)."""
    last = relation_of(latex).sides[-1]
    return latex.strip().strip("$").strip()[last.pos:].strip().rstrip(".,").strip()


def read_side(latex: str, names: dict[str, sp.Basic], side: int = -1, env: dict[str, int] | None = None,
              sizes: dict[str, int] | None = None, defined: dict[str, str] | None = None) -> sp.Basic:
    """The value of one side of the relation written (by default the last: what a claim
    'f'(x) = 10x' asserts), with `names` (LaTeX as written -> SymPy) its only names, `env` the
    values of free index letters (i = 2), `sizes` the size letters sums may run to (K = 3) and
    `defined` the functions the problem defines ('f(v)' -> its formula: \\nabla f(u), f'(x))."""
    return node_value(latex, relation_of(latex).sides[side], names, env, sizes, defined)


def read_value(latex: str, names: dict[str, sp.Basic], sizes: dict[str, int] | None = None) -> sp.Basic:
    """The value of a formula that must be one expression (a definition, a point, a bound)."""
    chain = relation_of(latex)
    if len(chain.sides) != 1:
        raise NotationError(latex, "expected one expression, not a relation", chain.sides[1].pos)
    return node_value(latex, chain.sides[0], names, sizes=sizes)


def node_value(latex: str, node: A.Node, names: dict[str, sp.Basic], env: dict[str, int] | None = None,
               sizes: dict[str, int] | None = None, defined: dict[str, str] | None = None) -> sp.Basic:
    """The value of one node of `latex`'s parse tree with `names` its only names (see read_side)."""
    try:
        return checked_value(latex, bind_names(latex, node, names, env, sizes, defined))
    except RecursionError:
        raise FormulaLimitError(latex, "formula nested too deeply", None) from None


def is_input_error(exc: BaseException) -> bool:
    """Whether `exc` says the text is bad input (it does not parse, or is past a limit), rather
    than readable text that a kind cannot decide (an unknown name, say)."""
    return isinstance(exc, FormulaSyntaxError | LimitError | FormulaLimitError)


def checked_value(latex: str, value: sp.Basic) -> sp.Basic:
    """`value`, unless an entry is undefined (1/0, \\log 0), complex (\\sqrt{-1}) or the exponential
    of a number past EXP_MAX_ARGUMENT (\\exp(\\exp(60))): then a limit error. A function without its
    argument (f, \\exp) or a vector of matrices is no value: a NotationError."""
    if not isinstance(value, sp.Basic | sp.MatrixBase):
        raise NotationError(latex, "expected a value, got a function without its argument (or a vector of matrices)",
                            None)
    entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
    for entry in entries:
        if not isinstance(entry, sp.Basic):
            continue
        if entry.is_Rational and too_many_digits(entry):
            raise FormulaLimitError(latex, f"a value of more than {VALUE_MAX_DIGITS} digits", None)
        if entry.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise FormulaLimitError(latex, "the formula has an undefined value (a division by zero, log 0, ...)", None)
        for power in sorted(entry.atoms(sp.exp, sp.sinh, sp.cosh), key=sp.count_ops):
            size = magnitude(power.args[0])
            if power.args[0].is_number and (size is None or size > EXP_MAX_ARGUMENT):
                raise FormulaLimitError(latex, f"the exponential of a number too large (at most {EXP_MAX_ARGUMENT} "
                                        "in magnitude)", None)
        if entry.has(sp.I):
            raise FormulaLimitError(latex, "the formula has a complex value (the square root or log of a negative "
                                    "number)", None)
    return value


def unread_derivative(latex: str, position: int | None) -> str | None:
    """The derivative written around `position` (where a name was not read), as LaTeX: the part
    of a claim to name when a derivative of something the problem does not define stops reading."""
    if position is None:
        return None
    try:
        chain = relation_of(latex)
    except NotationError:
        return None
    text = latex.strip().strip("$").strip()
    around = [node for side in chain.sides for node in A.walk(side)
              if isinstance(node, A.Deriv) and node.pos <= position < _fraction_end(text, node.pos)]
    if not around:
        return None
    return unparse(max(around, key=lambda node: node.pos), text)


def _fraction_end(text: str, pos: int) -> int:
    """The end of the \\frac{...}{...} starting at `pos` (pos itself when none starts there)."""
    head = next((h for h in ("\\frac", "\\dfrac", "\\tfrac") if text.startswith(h, pos)), None)
    if head is None:
        return pos
    end, groups, depth = pos + len(head), 0, 0
    while end < len(text) and groups < 2:
        ch = text[end]
        depth += (ch == "{") - (ch == "}")
        end += 1
        if ch == "}" and depth == 0:
            groups += 1
    return end
