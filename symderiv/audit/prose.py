"""Definitions a student states in words around inline math, each read by one registered rule.

A rule sees the math of the current sentence in order (`Mention`s, each with the prose written
just before it) and returns what the sentence defines, or None:

* `solved_name`: "the one value of $i$ for which $\\lfloor k'/n \\rfloor = i - 1$, which we will
  denote $i^*$": the relation solved for i (notation/isolate.py) defines i^*; the relation itself is
  then that definition, not a claim.
* `row_or_column`: "where $\\mathbf{A}_i^\\top$ denotes the $i$-th row of $\\mathbf{A}$" (also
  "let $\\mathbf{a}_j$ be the j-th column of $A$"): the vector of that row's (column's) entries,
  `\\left[ A_{il} \\right]_{l}`, defines the untransposed name. Written after a display ("where ..."),
  the definition also holds for that display.

Rules are read over one sentence's prose (at most MAX_CUE_CHARS characters) with the math taken
out: the words around a formula, never the formula itself. `PROSE_RULES` is the registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..core.errors import NotationError, SymderivError
from ..notation import ast as A
from ..notation.isolate import solve_for
from ..notation.parse import parse_one
from ..notation.unparse import unparse
from ..notation.written import name_key


@dataclass(frozen=True)
class Mention:
    """One inline math block of the sentence: its text, offsets, the equations it holds and the
    prose written between the mention before it (or the sentence start) and it."""

    latex: str
    start: int
    end: int
    equations: tuple[int, ...]
    before: str


@dataclass(frozen=True)
class Solved:
    """Equation `equation` (one `=`) defines `name` (the mention `name_at`) as `value`: it solved for `variable`."""

    equation: int
    name_at: Mention
    value: str
    variable: str


@dataclass(frozen=True)
class Notation:
    """`name` means `value` (LaTeX) from its mention on, and in the display just before when the
    sentence starts with "where" (`explains_display`); `cue` is the words that said so."""

    name: str
    value: str
    name_at: Mention
    explains_display: bool
    cue: str


Found = Solved | Notation
#: What a rule may know of an equation (by index): its one relation as `lhs = rhs`, or None for any other.
RelationOf = Callable[[int], str | None]
Rule = Callable[[list[Mention], RelationOf], Found | None]


PROSE_RULES: list[Rule] = []


def prose_rule(rule: Rule) -> Rule:
    """Register a rule (called in order; the first that finds a definition wins)."""
    PROSE_RULES.append(rule)
    return rule


def read_prose(mentions: list[Mention], equation: RelationOf) -> Found | None:
    """What the sentence so far defines, by the first rule that finds something."""
    for rule in PROSE_RULES:
        found = rule(mentions, equation)
        if found is not None:
            return found
    return None


def _words(text: str) -> str:
    """Prose made comparable: lower case, emphasis marks and spacing out."""
    return " ".join(text.replace("*", " ").replace("_", " ").lower().split())


def _node(latex: str) -> A.Node | None:
    try:
        return parse_one(latex)
    except (NotationError, SymderivError):
        return None


def _transposed(node: A.Node) -> tuple[A.Node, bool]:
    """The name without its transpose mark (\\top, or T: the name as the sentence writes it), and whether it had one."""
    if isinstance(node, A.Sup) and (isinstance(node.exponent, A.Transpose)
                                    or (isinstance(node.exponent, A.Name) and node.exponent.text == "T")):
        return node.body, True
    return node, False


# -- a name for the solution of a relation -------------------------------------------------------

_DENOTE = re.compile(r"^[\s,;(]*(?:which|that|whom)\s+(?:we\s+)?(?:will\s+|shall\s+|can\s+|now\s+)*"
                     r"(?:denote|call|name|write)(?:\s+(?:it|this|by|as))*\s*$"
                     r"|^[\s,;(]*(?:denoted|called|named)(?:\s+(?:by|as))?\s*$")
_VALUE_OF = re.compile(r"(?:value|choice|index)\s+of\s+([a-z])\s+(?:for\s+which|such\s+that|with|where)\s*$")


@prose_rule
def solved_name(mentions: list[Mention], equation: RelationOf) -> Solved | None:
    """"... for which $relation$, which we will denote $x^*$": x^* solves the relation for x (the
    letter named in "value of x", else the new name's own letter)."""
    if len(mentions) < 2 or not _DENOTE.match(_words(mentions[-1].before)):
        return None
    named, stated = mentions[-1], mentions[-2]
    node = _node(named.latex)
    if node is None or name_key(node) is None or len(stated.equations) != 1:
        return None
    relation = equation(stated.equations[0])
    if relation is None:
        return None
    before = _words(stated.before)
    letter = _VALUE_OF.search(before)
    named_before = len(mentions) >= 3 and re.search(r"(?:value|choice|index) of\s*$", _words(mentions[-3].before))
    if letter is None and named_before:
        letter_node = _node(mentions[-3].latex)  # "value of $i$ for which ...": i as math
        variable = mentions[-3].latex.strip() if isinstance(letter_node, A.Name) else None
    else:
        variable = letter.group(1) if letter else name_key(node)[0]
    if not variable or name_key(node) == variable:
        return None
    value = solve_for(relation, variable)
    return None if value is None else Solved(stated.equations[0], named, value, variable)


# -- a row or a column of a matrix -----------------------------------------------------------------

_ORDINAL = r"(?:\$?([a-z])\$?\s*-?\s*(?:th|\^\{?th\}?)|([a-z])th)"
_SLICE = re.compile(r"^[\s,;]*(?:denotes|denote|is|be|represents|represent|stands for|stand for|for)\s+"
                    r"(?:the\s+)?" + _ORDINAL + r"\s+(row|column)\s+of\s*$")
_SLICE_AFTER_LETTER = re.compile(r"^\s*-?\s*(?:th|\^\{?th\}?)\s+(row|column)\s+of\s*$")
_SLICE_BEFORE_LETTER = re.compile(r"^[\s,;]*(?:denotes|denote|is|be|represents|represent|stands for|stand for|for)"
                                  r"(?:\s+the)?\s*$")
_FRESH = "lmpqrs"


def _slice(name: Mention, matrix: Mention, letter: str, kind: str, sentence: str) -> Notation | None:
    node, matrix_node = _node(name.latex), _node(matrix.latex)
    if node is None or matrix_node is None or name_key(matrix_node) is None:
        return None
    base, transposed = _transposed(node)
    if not (isinstance(base, A.Sub) and len(base.index) == 1 and isinstance(base.index[0], A.Name)
            and base.index[0].text == letter and name_key(base) is not None):
        return None
    fresh = next(c for c in _FRESH if c != letter and c not in matrix.latex)
    entry = f"{letter} {fresh}" if kind == "row" else f"{fresh} {letter}"
    vector = f"\\left[ {matrix.latex.strip()}_{{{entry}}} \\right]_{{{fresh}}}"
    # the name (untransposed) is the entries' column; a transposed name of a column is a row
    value = f"{vector}^{{\\top}}" if (kind == "column" and transposed) else vector
    where = re.match(r"^[\s,;(]*where\b", sentence) is not None
    return Notation(unparse(base), value, name, where,
                    f"prose: the {letter}-th {kind} of {matrix.latex.strip()}")


@prose_rule
def row_or_column(mentions: list[Mention], equation: RelationOf) -> Notation | None:
    """"$\\mathbf{A}_i^\\top$ denotes the i-th row of $\\mathbf{A}$" (the ordinal in words or as `$i$-th`)."""
    if len(mentions) < 2:
        return None
    found = _SLICE.match(_words(mentions[-1].before))
    if found is not None:
        name = mentions[-2]
        letter, kind = found.group(1) or found.group(2), found.group(3)
    elif (len(mentions) >= 3 and (after := _SLICE_AFTER_LETTER.match(_words(mentions[-1].before)))
          and _SLICE_BEFORE_LETTER.match(_words(mentions[-2].before))):
        name, letter, kind = mentions[-3], mentions[-2].latex.strip(), after.group(1)
    else:
        return None
    if name.equations:
        return None
    return _slice(name, mentions[-1], letter, kind, _words(mentions[0].before))
