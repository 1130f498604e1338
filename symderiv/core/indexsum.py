"""Index form with symbolic sizes: matrices as entry formulas, Kronecker-delta summation, a zero test.

A matrix of symbolic shape n×d is an `IndexMatrix`: its (i, j) entry as a SymPy formula in
indexed entries (A[i, j], v[j]) and finite sums `Sum(body, (k, 1, n))`. The products the
formula reader builds stay finite sums with symbolic upper bounds, e.g. (Av)_i = Σ_k A_ik v_k.

`normal_form` decides identities between such formulas for every size, with no `simplify`:
  1. distribute: Σ over +, products of sums become double sums (fresh bound indices),
     (Σ_k x_k)^2 = Σ_k Σ_l x_k x_l, constant factors leave the sum;
  2. sum out deltas: Σ_{k=lo}^{hi} δ_{k,e} g(k) = g(e) when e is known to lie in lo..hi
     (a generic index or another bound index with the same range, or a constant in range);
     a bound index the body does not use gives the factor hi - lo + 1;
  3. rename the bound indices canonically (the renaming with the least printed form), so
     equal sums are equal SymPy objects, and collect the coefficients (polynomials).
An expression whose normal form has every coefficient 0 is 0 for every size. When a step
does not apply (a sum inside a non-polynomial function, a range it cannot compare), it
raises `Undecided`: the caller falls back to checking at concrete sizes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from .exact import as_sympy

Range = tuple[sp.Expr, sp.Expr]
POOL = ["k", "l", "r", "s", "t", "u", "w", "z"]


class Undecided(Exception):
    """The symbolic normal form cannot decide this expression."""


def index_symbol(name: str) -> sp.Symbol:
    """A generic index or size: a positive integer symbol."""
    return sp.Symbol(name, integer=True, positive=True)


def _fresh(name: str = "k") -> sp.Dummy:
    return sp.Dummy(name, integer=True, positive=True)


class IndexMatrix(sp.MatrixBase):
    """A rows×cols matrix (sizes symbolic) given by its 1-based entry formula entry(i, j).

    Products are finite sums: (MN)_ij = Σ_{k=1}^{cols(M)} M_ik N_kj with a fresh bound k;
    (M^T)_ij = M_ji. Only the operations a formula of matrices needs are defined; anything
    else (powers, inverses, concrete bracket matrices) raises sp.ShapeError.
    """

    def __init__(self, rows: sp.Expr, cols: sp.Expr, entry: Callable[[Any, Any], sp.Expr]) -> None:
        self.rows, self.cols, self.entry = as_sympy(rows), as_sympy(cols), entry

    @classmethod
    def variable(cls, name: str, rows: sp.Expr, cols: sp.Expr) -> IndexMatrix:
        """The matrix variable `name`: entries A[i, j], or v[i] for a column (v[j] for a row)."""
        base = sp.IndexedBase(name)
        if as_sympy(cols) == 1:
            return cls(rows, cols, lambda i, j: base[i])
        if as_sympy(rows) == 1:
            return cls(rows, cols, lambda i, j: base[j])
        return cls(rows, cols, lambda i, j: base[i, j])

    def __repr__(self) -> str:
        return f"IndexMatrix({self.rows}x{self.cols})"

    __str__ = __repr__

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __len__(self) -> int:
        raise sp.ShapeError("a matrix of symbolic size has no concrete length")

    def __getitem__(self, key: Any) -> sp.Expr:
        """0-based entry access (as sympy matrices): M[r, c] -> entry(r + 1, c + 1)."""
        if isinstance(key, tuple) and len(key) == 2:
            return self.entry(sp.Integer(key[0]) + 1, sp.Integer(key[1]) + 1)
        if self.cols == 1:
            return self.entry(sp.Integer(key) + 1, sp.Integer(1))
        if self.rows == 1:
            return self.entry(sp.Integer(1), sp.Integer(key) + 1)
        raise sp.ShapeError("one index into a matrix")

    @property
    def T(self) -> IndexMatrix:
        return IndexMatrix(self.cols, self.rows, lambda i, j: self.entry(j, i))

    def transpose(self) -> IndexMatrix:
        return self.T

    def _same_shape(self, other: Any) -> IndexMatrix:
        if not isinstance(other, IndexMatrix) or other.shape != self.shape:
            raise sp.ShapeError(f"cannot add {self!r} and {other!r}")
        return other

    def __add__(self, other: Any) -> IndexMatrix:
        o = self._same_shape(other)
        return IndexMatrix(self.rows, self.cols, lambda i, j: self.entry(i, j) + o.entry(i, j))

    __radd__ = __add__

    def __neg__(self) -> IndexMatrix:
        return IndexMatrix(self.rows, self.cols, lambda i, j: -self.entry(i, j))

    def __sub__(self, other: Any) -> IndexMatrix:
        return self + (-self._same_shape(other))

    def __rsub__(self, other: Any) -> IndexMatrix:
        return (-self) + other

    def __mul__(self, other: Any) -> IndexMatrix:
        if isinstance(other, IndexMatrix):
            if self.cols != other.rows:
                raise sp.ShapeError(f"cannot multiply {self!r} by {other!r}")
            if self.cols == 1:
                return IndexMatrix(self.rows, other.cols,
                                   lambda i, j: self.entry(i, sp.Integer(1)) * other.entry(sp.Integer(1), j))

            def entry(i: Any, j: Any) -> sp.Expr:
                k = _fresh()
                return sp.Sum(self.entry(i, k) * other.entry(k, j), (k, 1, self.cols))
            return IndexMatrix(self.rows, other.cols, entry)
        if isinstance(other, sp.MatrixBase):
            raise sp.ShapeError("a concrete matrix next to a matrix of symbolic size")
        c = as_sympy(other)
        return IndexMatrix(self.rows, self.cols, lambda i, j: self.entry(i, j) * c)

    def __rmul__(self, other: Any) -> IndexMatrix:
        if isinstance(other, sp.MatrixBase):
            raise sp.ShapeError("a concrete matrix next to a matrix of symbolic size")
        c = as_sympy(other)
        return IndexMatrix(self.rows, self.cols, lambda i, j: c * self.entry(i, j))

    def __pow__(self, exponent: Any) -> IndexMatrix:
        raise sp.ShapeError("matrix powers are not read with symbolic sizes")

    def inv(self, *args: Any, **kwargs: Any) -> IndexMatrix:
        raise sp.ShapeError("matrix inverses are not read with symbolic sizes")


# --- walking formulas with their summation ranges -----------------------------------------------

def within(e: sp.Expr, lo: sp.Expr, hi: sp.Expr, ranges: Mapping[sp.Symbol, Range]) -> bool:
    """True when lo <= e <= hi is known for every size: e an index whose range lies inside
    lo..hi, or a formula in constants and sizes (positive integers) that SymPy's assumptions
    place there (e.g. 1 <= n <= n)."""
    if e in ranges:
        a, b = ranges[e]
        return bool((a - lo).is_nonnegative) and bool((hi - b).is_nonnegative)
    if e.free_symbols & set(ranges):
        return False
    return bool((e - lo).is_nonnegative) and bool((hi - e).is_nonnegative)


def map_entries(expr: Any, fn: Callable[[sp.Indexed, dict[sp.Symbol, Range]], sp.Expr],
                ranges: Mapping[sp.Symbol, Range], sizes: set[sp.Symbol]) -> Any:
    """expr with every indexed entry e replaced by fn(e, ranges in force at e).

    Sums add their index with its range; a sum limit must be a constant or a size.
    """
    if isinstance(expr, sp.Indexed):
        return fn(expr, dict(ranges))
    if isinstance(expr, sp.Sum):
        inner = dict(ranges)
        for k, lo, hi in expr.limits:
            if not (lo.free_symbols | hi.free_symbols) <= sizes:
                raise Undecided(f"a sum limit depends on an index: {sp.sstr(expr.limits)}")
            inner[k] = (lo, hi)
        return sp.Sum(map_entries(expr.function, fn, inner, sizes), *expr.limits)
    if not isinstance(expr, sp.Basic) or not expr.args or not expr.has(sp.Indexed):
        return expr
    return expr.func(*[map_entries(a, fn, ranges, sizes) for a in expr.args])


def check_entries(expr: Any, dims: Mapping[str, tuple[sp.Expr, ...]], ranges: Mapping[sp.Symbol, Range],
                  sizes: set[sp.Symbol]) -> None:
    """Raise Undecided unless every entry X[e1, e2] has 1 <= e_t <= dims[X][t] for every size."""
    def check(ent: sp.Indexed, scope: dict[sp.Symbol, Range]) -> sp.Expr:
        name = str(ent.base)
        if name not in dims or len(dims[name]) != len(ent.indices):
            raise Undecided(f"{sp.sstr(ent)} is not an entry of a variable here")
        for e, dim in zip(ent.indices, dims[name], strict=True):
            if not within(e, sp.Integer(1), dim, scope):
                where = f"{sp.sstr(e)} runs over {scope[e][0]}..{scope[e][1]}" if e in scope else sp.sstr(e)
                raise Undecided(f"cannot show that {sp.sstr(ent)} exists for every size ({where}, "
                                f"dimension {sp.sstr(dim)})")
        return ent
    map_entries(expr, check, ranges, sizes)


# --- the normal form ------------------------------------------------------------------------------

Term = tuple[sp.Expr, tuple[tuple[sp.Symbol, sp.Expr, sp.Expr], ...]]


def _terms(e: sp.Expr) -> list[Term]:
    """Distribute: e = Σ over the list of (product, bound indices with ranges), sums flattened."""
    if not e.has(sp.Sum):
        return [(e, ())]
    if isinstance(e, sp.Add):
        return [t for a in e.args for t in _terms(a)]
    if isinstance(e, sp.Mul):
        out: list[Term] = [(sp.Integer(1), ())]
        for a in e.args:
            out = [(f * g, la + lb) for f, la in out for g, lb in _terms(a)]
        return out
    if isinstance(e, sp.Pow) and e.exp.is_Integer and 1 <= e.exp <= 8:
        out = _terms(e.base)
        for _ in range(int(e.exp) - 1):
            out = [(f * g, la + lb) for f, la in out for g, lb in _terms(e.base)]  # fresh indices
        return out
    if isinstance(e, sp.Sum):
        sub, limits = e.function, []
        for k, lo, hi in e.limits:
            fresh = _fresh(str(k))
            sub = sub.xreplace({k: fresh})
            limits.append((fresh, lo, hi))
        return [(f, tuple(limits) + la) for f, la in _terms(sub)]
    raise Undecided(f"a sum inside {type(e).__name__}: {sp.sstr(e)}")


def _sum_deltas(m: sp.Expr, limits: list[tuple[sp.Symbol, sp.Expr, sp.Expr]],
                ranges: Mapping[sp.Symbol, Range]) -> tuple[sp.Expr, list[tuple[sp.Symbol, sp.Expr, sp.Expr]]]:
    """Σ_{k=lo}^{hi} δ_{k,e} g(k) = g(e) for e known to lie in lo..hi; unused k gives hi - lo + 1."""
    m = m.replace(lambda x: isinstance(x, sp.Pow) and isinstance(x.base, sp.KroneckerDelta)
                  and x.exp.is_Integer and x.exp > 0, lambda x: x.base)
    limits = list(limits)
    changed = True
    while changed:
        changed = False
        scope = dict(ranges)
        scope.update({k: (lo, hi) for k, lo, hi in limits})
        for pos, (k, lo, hi) in enumerate(limits):
            for d in sp.Mul.make_args(m):
                if not isinstance(d, sp.KroneckerDelta) or k not in d.args:
                    continue
                other = d.args[1] if d.args[0] == k else d.args[0]
                if k in other.free_symbols or not within(other, lo, hi, scope):
                    continue
                m = m.xreplace({k: other})
                del limits[pos]
                changed = True
                break
            if changed:
                break
    kept = []
    for k, lo, hi in limits:
        if k in m.free_symbols:
            kept.append((k, lo, hi))
        else:
            m = m * (hi - lo + 1)
    return m, kept


def normal_form(expr: Any, ranges: Mapping[sp.Symbol, Range]) -> dict[tuple[Any, ...], sp.Expr]:
    """The canonical form {(bound ranges, bound part): coefficient} of a polynomial in entries.

    `ranges` gives the range of every generic (free) index. Two formulas are equal for
    every size when the normal form of their difference has only zero coefficients.
    """
    expr = as_sympy(expr)
    taken = {str(s) for s in expr.free_symbols | set(ranges)} | {str(e.base) for e in expr.atoms(sp.Indexed)}
    pool = [index_symbol(n) for n in POOL + [f"k_{t}" for t in range(1, 9)] if n not in taken]
    out: dict[tuple[Any, ...], sp.Expr] = {}
    for factor, limits in _terms(expr):
        for mono in sp.Add.make_args(sp.expand(factor)):
            m, kept = _sum_deltas(mono, list(limits), ranges)
            for mono2 in sp.Add.make_args(sp.expand(m)):
                key, coeff = _canonical(mono2, kept, pool)
                out[key] = out.get(key, sp.Integer(0)) + coeff
    return {k: c for k, c in ((k, sp.expand(c)) for k, c in out.items()) if c != 0}


def _canonical(m: sp.Expr, limits: list[tuple[sp.Symbol, sp.Expr, sp.Expr]],
               pool: list[sp.Symbol]) -> tuple[tuple[Any, ...], sp.Expr]:
    """Split m into (free coefficient, bound part) and rename the bound indices canonically
    (to names from `pool`, which are not used elsewhere in the expression)."""
    bound_syms = {k for k, _, _ in limits}
    used = [k for k, _, _ in limits if k in m.free_symbols]
    limits = [t for t in limits if t[0] in used]
    free = sp.Mul(*[f for f in sp.Mul.make_args(m) if not f.free_symbols & bound_syms])
    bound = sp.Mul(*[f for f in sp.Mul.make_args(m) if f.free_symbols & bound_syms])
    if not limits:
        return ((), sp.Integer(1)), m
    if len(limits) > len(pool):
        raise Undecided("too many nested sums")
    names = pool[:len(limits)]
    # order the bound indices by a renaming-invariant signature (range, the factors each sits in);
    # only indices with equal signatures are tried in every order, so the least form is canonical
    factors = sp.Mul.make_args(bound)

    def signature(k: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> str:
        star = sp.Symbol("STAR")
        others = {o: sp.Symbol("DOT") for o in bound_syms if o != k}
        return sp.sstr((lo, hi)) + "|".join(sorted(sp.sstr(f.xreplace(others).xreplace({k: star}))
                                                   for f in factors if k in f.free_symbols))
    signed = sorted(((signature(*t), t) for t in limits), key=lambda x: x[0])
    groups = [[t for _, t in grp] for _, grp in itertools.groupby(signed, key=lambda x: x[0])]
    if math.prod(math.factorial(len(g)) for g in groups) > 5040:
        raise Undecided("too many interchangeable bound indices")
    best: tuple[str, tuple[Any, ...], sp.Expr] | None = None
    for choice in itertools.product(*(itertools.permutations(g) for g in groups)):
        order = [t for g in choice for t in g]
        sub = {order[t][0]: names[t] for t in range(len(order))}
        lims = tuple((names[t], order[t][1], order[t][2]) for t in range(len(order)))
        b = bound.xreplace(sub)
        text = sp.sstr(lims) + sp.sstr(b)
        if best is None or text < best[0]:
            best = (text, lims, b)
    assert best is not None
    return (best[1], best[2]), free


def to_expr(nf: Mapping[tuple[Any, ...], sp.Expr]) -> sp.Expr:
    """The normal form as one SymPy expression (sums unevaluated), for printing."""
    out = sp.Integer(0)
    for (lims, bound), coeff in nf.items():
        out += coeff * (sp.Sum(bound, *lims) if lims else bound)
    return out


def is_zero(expr: Any, ranges: Mapping[sp.Symbol, Range]) -> bool:
    """True when expr = 0 for every size (normal form); False when the normal form is not 0
    (which does not show expr != 0: the caller then checks at concrete sizes)."""
    return not normal_form(expr, ranges)


def readable(expr: Any, taken: set[str]) -> Any:
    """expr with its bound indices (dummies) renamed k, l, r, ... for printing."""
    names = [n for n in POOL + [f"k_{t}" for t in range(1, 20)] if n not in taken]
    found: list[sp.Dummy] = []

    def visit(e: Any) -> None:  # outer sums first: their index is named before the body's
        if isinstance(e, sp.Sum):
            for lim in e.limits:
                visit(lim[0])
            visit(e.function)
        elif isinstance(e, sp.Dummy):
            if e not in found:
                found.append(e)
        elif isinstance(e, sp.Basic):
            for a in e.args:
                visit(a)
    visit(expr)
    return expr.xreplace({d: index_symbol(n) for d, n in zip(found, names, strict=False)})
