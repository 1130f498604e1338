"""Scopes: the explicit SymPy objects a formula is bound to (free variables; a kind may add its own).

The Scope protocol (what the judge needs; GraphScope subclasses implement it):

* ``layout: str`` ('row' or 'column') and ``n_samples: int``;
* ``quantity(name) -> sp.ImmutableMatrix`` for a canonical name (a kind's scope declares its
  names: kinds/network_scope.py for networks);
* ``per_sample(name) -> str | None``: the batch quantity a per-sample name stands for one
  sample of (sample k is row k), None for any other name;
* ``function(name) -> Fn | None``: the element-wise function a canonical name stands for,
  None for any other name (LookupError(reason) when it names a function the scope lacks);
* ``callable_quantity(name) -> bool``: whether a formula may write the quantity as a function
  of another quantity of the model, Q(v) (evaluated with v replaced by the argument);
* ``expand(expr, keep) -> expr``: replace every placeholder except those in ``keep`` by its
  definition, down to the leaves (parameters and data);
* ``symbol_for(expr) -> sp.Symbol | None``: the placeholder defined as ``expr`` (for
  derivatives with respect to f(z));
* ``leaves() -> list[sp.Symbol]``; ``kinks() -> list[sp.Expr]``: leaf expressions that must
  not vanish at a sample point (pre-activations of kinked activations);
* ``one_hot_rows() -> list[list[sp.Symbol]]``: leaves that sample points set to one-hot rows;
* ``names() -> list[str]``: the canonical names, for error messages.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp

from .derivative import Differentiator
from .structures import DRAWN, entry_symbol


def as_basic(e: object) -> sp.Basic:
    """A SymPy object as is, a Python int as an Integer; never reads text."""
    if isinstance(e, sp.Basic):
        return e
    if isinstance(e, int) and not isinstance(e, bool):
        return sp.Integer(e)
    raise TypeError(f"not a SymPy value: {type(e).__name__}")


@dataclass(frozen=True)
class Fn:
    """An element-wise scalar function with its derivative (an activation, exp, ...)."""

    name: str
    f: Callable[[sp.Expr], sp.Expr]
    df: Callable[[sp.Expr], sp.Expr] | None = None

    def derivative(self) -> Fn:
        """f' as a function, with its own derivative f'' (made once per function)."""
        if self.df is None:
            raise ValueError(f"no derivative known for {self.name}")
        made = self.__dict__.get("_derivative")
        if made is None:
            z = sp.Dummy("z")
            d2 = sp.diff(self.df(z), z)
            made = Fn(self.name + "'", self.df, lambda v: d2.xreplace({z: v}))
            object.__setattr__(self, "_derivative", made)  # a frozen value: computed once
        return made

    def __call__(self, v):
        if isinstance(v, sp.MatrixBase):
            return sp.ImmutableMatrix(v.applyfunc(self.f))
        return self.f(v)


MAX_REMEMBERED = 50_000  # expansions and derivatives remembered per scope


def _placeholders(name: str, rows: int, cols: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(
        rows, cols, lambda i, j: sp.Symbol(f"{name}[{i + 1},{j + 1}]", real=True)
    )


class GraphScope:
    """Quantities defined one after another; each non-leaf is a matrix of placeholder symbols."""

    def __init__(self, layout: str = "column", n_samples: int = 1) -> None:
        self.layout, self.n_samples = layout, n_samples
        self._q: dict[str, sp.ImmutableMatrix] = {}
        self._defs: list[tuple[str, dict[sp.Symbol, sp.Expr]]] = []
        self._leaves: list[sp.Symbol] = []
        self._kinks: list[sp.Expr] = []
        self._one_hot: list[list[sp.Expr]] = []
        self._structures: list[tuple[str, sp.ImmutableMatrix]] = []  # declared matrices (structures.py)
        self._by_def: dict[sp.Expr, sp.Symbol] = {}
        self._expanded: dict[tuple, object] = {}  # (expr, keep, definitions) -> expanded
        self._substitutions: dict[tuple, list] = {}  # (keep, definitions) -> (rule, results) per definition
        self._placeholders_known: tuple[int, frozenset] = (0, frozenset())
        self._derivatives: dict[tuple[sp.Expr, sp.Symbol], sp.Expr] = {}
        self._differentiator = Differentiator()
        self._sample_points: dict = {}  # kept here for the judge (notation.points.sample_points)
        self._point_values: dict = {}  # the judge's evaluators, by points (notation.points.point_values)

    def leaf(self, name: str, m: sp.MatrixBase) -> None:
        self._q[name] = sp.ImmutableMatrix(m)
        self._leaves.extend(s for s in m if isinstance(s, sp.Symbol) and s not in self._leaves)

    def define(self, name: str, value: sp.MatrixBase) -> sp.ImmutableMatrix:
        ph = _placeholders(name, *value.shape)
        mapping = {p: as_basic(v) for p, v in zip(ph, value, strict=True)}
        self._defs.append((name, mapping))
        for p, v in mapping.items():
            self._by_def.setdefault(v, p)
        self._q[name] = ph
        return ph

    def quantity(self, name: str) -> sp.ImmutableMatrix:
        if name not in self._q:
            raise KeyError(name)
        return self._q[name]

    def names(self) -> list[str]:
        return list(self._q)

    def per_sample(self, name: str) -> str | None:
        """The batch quantity whose rows are the samples `name` stands for (none here)."""
        return None

    def function(self, name: str) -> Fn | None:
        """The element-wise function a canonical name stands for (none here)."""
        return None

    #: Whether the model has activations of its own (a network's layers): then an undeclared
    #: \\sigma is not read as the registry's sigmoid (notation/conventions.py, standard_functions).
    has_activations = False

    def callable_quantity(self, name: str) -> bool:
        """Whether a formula may write quantity `name` as a function of another, Q(v) (none here)."""
        return False

    def expand(self, expr, keep: frozenset = frozenset()):
        """`expr` with every placeholder not in `keep` replaced by its definition, down to the
        leaves; a matrix entry by entry (each remembered per scope: a claim's sides, its index
        values and the claims of one problem expand the same quantities again and again)."""
        if isinstance(expr, sp.MatrixBase):
            return sp.ImmutableMatrix(expr.rows, expr.cols, [self._expand_one(as_basic(e), keep) for e in expr])
        return self._expand_one(as_basic(expr), keep)

    def _expand_one(self, expr: sp.Basic, keep: frozenset) -> sp.Basic:
        if keep:  # only placeholders are kept or replaced: a leaf in `keep` changes nothing
            placeholders = self._placeholder_set()
            keep = frozenset(k for k in keep if k in placeholders)
        key = (expr, keep, len(self._defs))
        try:
            found = self._expanded.get(key)
        except TypeError:  # a mutable array: not remembered
            key, found = None, None
        if found is not None:
            return found
        subs = self._substitutions.get((keep, len(self._defs)))
        if subs is None:  # one rule per definition, each with the results it gave (kept)
            subs = [({p: v for p, v in mapping.items() if p not in keep} if keep else mapping, {})
                    for _, mapping in reversed(self._defs)]
            self._substitutions[(keep, len(self._defs))] = subs
        out = expr
        for sub, done in subs:  # the last definition first, as xreplace one after another
            if len(done) > MAX_REMEMBERED:  # (without visiting what has no placeholder)
                done.clear()
            out = self._differentiator.xreplace(out, sub, done)
        if key is not None:
            if len(self._expanded) > MAX_REMEMBERED:
                self._expanded.clear()
            self._expanded[key] = out
        return out

    def _placeholder_set(self) -> frozenset:
        """Every placeholder symbol defined so far."""
        if self._placeholders_known[0] != len(self._defs):
            self._placeholders_known = (len(self._defs),
                                        frozenset(p for _, mapping in self._defs for p in mapping))
        return self._placeholders_known[1]

    def symbols_of(self, expr: sp.Basic) -> frozenset:
        """expr.free_symbols (each subexpression's found once per scope)."""
        return self._differentiator.free_symbols(as_basic(expr))

    def substitute(self, expr, rule: dict[sp.Symbol, sp.Basic]):
        """expr.xreplace(rule) for a rule on symbols (a matrix entry by entry, immutable): the same
        result, without visiting what has none of the symbols."""
        if isinstance(expr, sp.MatrixBase):
            replace = self._differentiator.xreplace
            return sp.ImmutableMatrix(expr.rows, expr.cols, [replace(as_basic(e), rule) for e in expr])
        return self._differentiator.xreplace(as_basic(expr), rule)

    def derivative(self, expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
        """d expr / d var, the expression SymPy's diff gives (see Differentiator), remembered
        per scope like `expand` (not for a Dummy variable: each is used once)."""
        if isinstance(var, sp.Dummy):
            return self._differentiator.diff(expr, var)
        key = (expr, var)
        found = self._derivatives.get(key)
        if found is None:
            if len(self._derivatives) > MAX_REMEMBERED:
                self._derivatives.clear()
            found = self._derivatives[key] = self._differentiator.diff(expr, var)
        return found

    def symbol_for(self, expr: sp.Expr) -> sp.Symbol | None:
        """The placeholder defined as `expr`, also when `expr` is written out down to the
        leaves (f(W x_k + b) for the activation placeholder a_k)."""
        found = self._by_def.get(expr)
        if found is not None:
            return found
        if not hasattr(self, "_by_leaf_def"):
            self._by_leaf_def = {}
            for p in self._by_def.values():
                self._by_leaf_def.setdefault(self.expand(p), p)
        return self._by_leaf_def.get(self.expand(expr))

    def leaves(self) -> list[sp.Symbol]:
        return list(self._leaves)

    def with_leaves(self, leaves: dict[str, sp.MatrixBase]) -> GraphScope:
        """A copy with more free quantities (a claim's own variables): name -> symbols."""
        out = copy.copy(self)
        out._q, out._leaves = dict(self._q), list(self._leaves)
        out._sample_points, out._point_values = {}, {}  # the judge's points: drawn for these leaves
        for name, m in leaves.items():
            if name in out._q:
                raise ValueError(f"{name!r} is already a quantity of the model")
            out.leaf(name, m)
        return out

    def kinks(self) -> list[sp.Expr]:
        return list(self._kinks)

    def structures(self) -> list[tuple[str, sp.ImmutableMatrix]]:
        """The declared matrices whose points are drawn inside their set (structures.draw)."""
        return list(self._structures)

    def one_hot_rows(self) -> list[list[sp.Expr]]:
        """Rows of leaves that every sample point sets to a one-hot row (one-hot targets)."""
        return [list(row) for row in self._one_hot]


class FreeScope(GraphScope):
    """Free variables (vectors of symbols) and quantities defined from them by formulas."""

    def __init__(self, variables: dict[str, tuple[int, int]], layout: str = "column",
                 symmetric: frozenset[str] = frozenset(), declared: Mapping[str, str] | None = None) -> None:
        """`symmetric` names square variables whose entries (i, j) and (j, i) are one symbol: a
        derivative in such a variable is then the Cookbook's (§2.8.2) for symmetric matrices.
        `declared` gives a square variable's structure (structures.py: diagonal, positive_definite,
        invertible, orthogonal): its entries, and the points the judge draws for it."""
        super().__init__(layout, 1)
        declared = dict(declared or {})
        for name, (r, c) in variables.items():
            structure = declared.get(name) if r == c else None
            if structure is None and name in symmetric and r == c:
                structure = "symmetric"
            m = sp.ImmutableMatrix(r, c, lambda i, j, name=name, r=r, c=c, s=structure:
                                   entry_symbol(name, i, j, r, c, s))
            self.leaf(name, m)
            if structure in DRAWN and r > 1:
                self._structures.append((structure, m))
