"""Bind a parsed formula to a scope: the student's names through the [notation] table, to explicit SymPy.

The binder (binder.py) evaluates a syntax tree by a table of node handlers, one per node kind,
registered by the passes: names.py (names and scripts), indices.py (index letters, entries,
sums, comprehensions, cases), algebra.py (sums, products, transposes, powers), calculus.py
(derivatives, Jacobians, the chain rule, gradients) and functions.py (juxtaposition and the
built-in functions); this module imports them all (registering their handlers) and gives the
entry points.  The [notation] table is table.py; the names a scope declares, scope.py (and a
kind's scope: kinds/network_scope.py).  Index letters not bound by a \\sum are free: the judge
checks every value in their range (judge.py).

The same parse tree has a second interpretation, at symbolic sizes: indexform.py reads it in
index form (sums to n, entries A_{ij} at symbolic i, j) for the proofs that hold for every size.
"""

from __future__ import annotations

import sympy as sp

from ..core.errors import NotationError
from . import algebra, calculus, functions, indices, vocabulary  # noqa: F401  (importing a pass registers its handlers)
from . import ast as A
from . import names as names_pass  # noqa: F401
from .binder import Binder, FormulaLimitError, FormulaShapeError, Op, Stack, UnboundIndex, Value
from .parse import parse, parse_one
from .readings import value_read_one_way
from .scope import Fn
from .table import NotationTable, read_notation
from .written import name_key

__all__ = ["Binder", "FormulaLimitError", "FormulaShapeError", "NotationTable", "Stack", "UnboundIndex", "bind",
           "parse_expression", "parse_relation", "read_notation"]


def bind(latex: str, scope, table: NotationTable, env: dict[str, int] | None = None) -> Value:
    """The explicit SymPy value of a single-expression formula in `scope` (placeholders kept)."""
    node = parse_one(latex)
    return value_read_one_way(lambda: Binder(scope, table, latex), lambda b: b.top(node, dict(env or {})))


def parse_expression(latex: str, names: dict[str, sp.Basic]) -> sp.Basic:
    """A plain scalar (or matrix) formula over the given names, as SymPy: no eval, no sympify.

    `names` maps LaTeX names as written ('x_1', '\\eta', '\\lambda') to SymPy objects.
    """
    doc = parse(latex)
    if len(doc.chains) != 1 or len(doc.chains[0].sides) != 1:
        raise NotationError(latex, "expected one expression, not an equation", 0)
    return bind_names(latex, doc.chains[0].sides[0], names)


def parse_relation(latex: str, names: dict[str, sp.Basic]) -> sp.Basic:
    """An inequality chain or interval membership (0 < \\eta < 1/6, \\eta \\in (0, 1/5))."""
    doc = parse(latex)
    if len(doc.chains) != 1:
        raise NotationError(latex, "expected one relation", 0)
    chain = doc.chains[0]
    sides = chain.sides
    if len(chain.ops) == 1 and chain.ops[0] == "in":
        var = bind_names(latex, sides[0], names)
        iv = sides[1]
        if isinstance(iv, A.Group) and len(iv.items) == 2:
            lo, hi = (bind_names(latex, x, names) for x in iv.items)
            return sp.Interval(lo, hi, iv.kind == "(", iv.kind == "(").as_relational(var)
        if isinstance(iv, A.Interval):
            lo, hi = bind_names(latex, iv.lo, names), bind_names(latex, iv.hi, names)
            return sp.Interval(lo, hi, iv.left_open, iv.right_open).as_relational(var)
        raise NotationError(latex, "expected an interval after \\in", iv.pos)
    rels = {"<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge, "=": sp.Eq, "!=": sp.Ne}
    vals = [bind_names(latex, s, names) for s in sides]
    parts = []
    for op, a, b in zip(chain.ops, vals, vals[1:], strict=False):
        if op not in rels:
            raise NotationError(latex, f"unsupported relation {op}", chain.pos)
        parts.append(rels[op](a, b))
    return sp.And(*parts) if len(parts) > 1 else parts[0]


class _PlainScope:
    """A scope with no quantities of its own (parse_expression binds the names it is given)."""

    layout, n_samples = "column", 1
    has_activations = False  # an undeclared \sigma is the registry's (conventions.py, standard_functions)

    def names(b):
        return []

    def quantity(b, name):
        raise KeyError(name)

    def expand(b, expr, keep=frozenset()):
        return expr

    def symbol_for(b, expr):
        return None

    def per_sample(b, name):
        return None

    def function(b, name):
        return None

    def callable_quantity(b, name):
        return False


def bind_names(latex: str, node: A.Node, names: dict[str, sp.Basic], env: dict[str, int] | None = None,
               sizes: dict[str, int] | None = None, defined: dict[str, str] | None = None) -> sp.Basic:
    """The value of `node` with `names` (LaTeX -> SymPy) its only names, `env` the values of
    free index letters, `sizes` the size letters a sum may run to and `defined` the functions
    a problem defines ('f(v)' -> 'v^T A v', read as a `where` function: \\nabla f(u), f'(x))."""
    table = NotationTable(sizes=dict(sizes or {}))
    canon_names: dict[str, sp.Basic] = {}
    for key, value in names.items():
        nk = name_key(parse_one(key))
        if nk is None:
            raise NotationError(key, "not a name", 0)
        cname = f"q{len(canon_names)}"
        canon_names[cname] = value
        table.names[nk] = A.Name(0, cname)

    for key, body in (defined or {}).items():
        table._add_where(key, body)

    class Scope(_PlainScope):
        def names(b):
            return list(names)

        def quantity(b, name):
            v = canon_names[name]
            return sp.ImmutableMatrix(v) if isinstance(v, sp.MatrixBase) else v

    v = value_read_one_way(lambda: Binder(Scope(), table, latex), lambda b: b.top(node, dict(env or {})))
    if isinstance(v, Fn | Op):
        raise NotationError(latex, "a function without its argument", 0)
    return v
