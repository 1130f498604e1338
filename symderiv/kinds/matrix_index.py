"""A matrix-calculus problem at one concrete size (`Instance`: entries as symbols) and at symbolic
sizes (`Symbolic`: index form), and the printed steps of a derivation in index form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..core.errors import NotationError
from ..core.indexsum import (
    IndexMatrix,
    Range,
    Undecided,
    check_entries,
    index_symbol,
    map_entries,
    normal_form,
    readable,
    to_expr,
)
from ..notation import ast as A
from ..notation.indexform import cases_of, read_index_form
from ..notation.reading import is_input_error
from ..notation.written import MOD_WORDS

PROOF_SECONDS = 30.0  # CPU seconds of one proof for every size

@dataclass(frozen=True)
class CaseMap:
    """A claimed entry by cases, from its parse tree: `value` where `test` (lhs = rhs) holds, else
    `other`; `divisors` the names its floors and mods divide by (\\lfloor k'/n \\rfloor, k' \\bmod n)."""

    value: A.Node
    test: A.Rel
    other: A.Node
    divisors: frozenset[str]


def case_map(latex: str) -> CaseMap:
    """The cases a claim ends with: `value & if lhs = rhs \\\\ other & otherwise`."""
    node, rows = cases_of(latex)
    if len(rows) != 2 or not isinstance(rows[0][1], A.Rel) or rows[0][1].op != "=" or rows[1][1] is not None:
        raise NotationError(latex, "expected \\begin{cases} value & \\text{if } lhs = rhs \\\\ other & "
                                   "\\text{otherwise} \\end{cases}", node.pos)
    divisors = set()
    for sub in A.walk(node):
        if isinstance(sub, A.Group) and sub.kind == "floor" and isinstance(sub.items[0], A.Frac | A.BinOp):
            inner = sub.items[0]
            den = inner.den if isinstance(inner, A.Frac) else inner.right if inner.op == "/" else None
            if den is not None:
                divisors.add(den.text if isinstance(den, A.Name) else "?")
        if isinstance(sub, A.Juxt):
            for word, after in zip(sub.items, sub.items[1:], strict=False):
                if isinstance(word, A.Name) and word.text in MOD_WORDS:
                    divisors.add(after.text if isinstance(after, A.Name) else "?")
    return CaseMap(rows[0][0], rows[0][1], rows[1][0], frozenset(divisors))


class IndexOutOfRange(Exception):
    """A formula names an entry that does not exist (e.g. v_0 with 1-based v)."""


class Instance:
    """The variables at one concrete size: symbol matrices and 1-based indexed readings."""

    def __init__(self, problem: Any, size: dict[str, int]) -> None:
        self.size = size
        self.mats: dict[str, sp.Matrix] = {}
        for name, (r, c) in problem.shapes.items():
            rows, cols = self.dim(r), self.dim(c)
            sym = name in problem.symmetric  # a symmetric matrix: X_ji is the symbol of X_ij
            self.mats[name] = sp.Matrix(rows, cols, lambda i, j, n=name, cols=cols, sym=sym: sp.Symbol(
                f"{n}_{i + 1}" if cols == 1 else f"{n}_{min(i, j) + 1 if sym else i + 1}"
                f"{max(i, j) + 1 if sym else j + 1}", real=True))
        X = self.mats[problem.input]
        self.vec = sp.Matrix(list(X)) if X.cols > 1 else X  # sympy flattens row-major
        self.vector = problem.vector

    def dim(self, d: str | int) -> int:
        return d if isinstance(d, int) else self.size[d]

    def names(self, matrices: bool, **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = {k: sp.Integer(v) for k, v in self.size.items()}
        for name, M in self.mats.items():
            out[name] = M if matrices else sp.IndexedBase(name)
        if self.vector:
            out[self.vector] = self.vec if matrices else sp.IndexedBase(self.vector)
        out.update(extra)
        return out

    def resolve(self, expr: Any, local: dict[str, sp.Matrix] | None = None) -> Any:
        """Replace every indexed entry v[k], A[i, j], a[k] by the matching symbol."""
        if isinstance(expr, sp.MatrixBase):
            return expr.applyfunc(lambda e: self.resolve(e, local))
        expr = sp.Integer(expr) if isinstance(expr, int) else expr.doit()
        table = dict(self.mats)
        if self.vector:
            table[self.vector] = self.vec
        table.update(local or {})
        subs = {}
        for ent in expr.atoms(sp.Indexed):
            name = str(ent.base)
            if name not in table:
                raise IndexOutOfRange(f"{name} is not a variable here")
            M, idx = table[name], [int(i) for i in ent.indices]
            if len(idx) == 1 and (M.cols == 1 or M.rows == 1):
                if not 1 <= idx[0] <= len(M):
                    raise IndexOutOfRange(f"{name}_{idx[0]} does not exist ({name} has entries "
                                          f"1..{len(M)})")
                subs[ent] = M[idx[0] - 1]
            elif len(idx) == 2 and 1 <= idx[0] <= M.rows and 1 <= idx[1] <= M.cols:
                subs[ent] = M[idx[0] - 1, idx[1] - 1]
            else:
                raise IndexOutOfRange(f"{name}_{tuple(idx)} does not exist ({name} is "
                                      f"{M.rows}x{M.cols})")
        return expr.xreplace(subs)


class Symbolic:
    """The problem at symbolic sizes (index form): sizes are positive integer symbols, each
    variable an IndexMatrix, f its index-form value (an IndexMatrix, or a scalar formula).

    Sizes equal in every checked size tuple (e.g. m = n for v^T A v) are one symbol.
    """

    def __init__(self, problem: Any) -> None:
        if problem.symmetric or set(getattr(problem, "declared", {}).values()) - {"invertible"}:
            raise Undecided("a symmetric or structured variable: the index-form derivation takes every entry as "
                            "independent")
        self.problem = problem
        classes: dict[tuple[int, ...], list[str]] = {}
        for name in problem.size_names:
            classes.setdefault(tuple(s[name] for s in problem.sizes), []).append(name)
        self.size: dict[str, sp.Symbol] = {}
        self.equal: list[str] = []
        for group in classes.values():
            for name in group:
                self.size[name] = index_symbol(group[-1])
            if len(group) > 1:
                self.equal.append(" = ".join(group))
        self.mats = {name: IndexMatrix.variable(name, self.dim(r), self.dim(c))
                     for name, (r, c) in problem.shapes.items()}
        self.dims: dict[str, tuple[sp.Expr, ...]] = {
            name: (M.rows,) if M.cols == 1 else (M.cols,) if M.rows == 1 else (M.rows, M.cols)
            for name, M in self.mats.items()}
        self.X = self.mats[problem.input]
        self.vector = problem.vector
        f = read_index_form(problem.value, self.names(True), dims=self.dims)
        if isinstance(f, IndexMatrix) and f.shape == (1, 1):
            f = f.entry(sp.Integer(1), sp.Integer(1))
        self.f = f

    def dim(self, d: str | int) -> sp.Expr:
        return sp.Integer(d) if isinstance(d, int) else self.size[d]

    def describe(self) -> str:
        """'symbolic m, n' or 'symbolic n, with m = n'."""
        names = list(dict.fromkeys(str(self.size[n]) for n in self.problem.size_names))
        return f"symbolic {', '.join(names)}" + (f", with {'; '.join(self.equal)}" if self.equal else "")

    def taken(self) -> set[str]:
        """Names a printed bound index must not take: sizes, variables, generic indices."""
        return set(self.problem.size_names) | set(self.problem.shapes) | {"i", "j", "p", "q", "x", "a",
                                                                           self.vector or "a"}

    def names(self, matrices: bool, **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.size)
        for name, M in self.mats.items():
            out[name] = M if matrices else sp.IndexedBase(name)
        if self.vector:
            out[self.vector] = sp.IndexedBase(self.vector)
        out.update(extra)
        return out

    def resolve(self, expr: Any, ranges: dict[sp.Symbol, Range]) -> Any:
        """Entries of the vectorised input a_{(r-1)c+s} -> X_{rs} (r, s read off the index as a
        polynomial in the column count c), then every entry is checked to exist for every size."""
        if isinstance(expr, int):
            expr = sp.Integer(expr)
        sizes = set(self.size.values())
        if self.vector:
            base = sp.IndexedBase(self.problem.input)
            cols = self.X.cols

            def unvec(ent: sp.Indexed, scope: dict[sp.Symbol, Range]) -> sp.Expr:
                if str(ent.base) != self.vector:
                    return ent
                if len(ent.indices) != 1:
                    raise Undecided(f"{sp.sstr(ent)}: the vectorised input has one index")
                e = sp.expand(ent.indices[0])
                if self.X.cols == 1 or self.X.rows == 1:  # a vector input is its own vectorisation
                    return base[e]
                hi, lo = sp.expand(e.coeff(cols, 1)), sp.expand(e.coeff(cols, 0))
                if sp.expand(hi * cols + lo - e) != 0 or cols in (hi.free_symbols | lo.free_symbols):
                    raise Undecided(f"cannot read {sp.sstr(ent)} as an entry (r-1){cols}+s")
                return base[sp.expand(hi + 1), lo]
            expr = map_entries(expr, unvec, ranges, sizes)
        check_entries(expr, self.dims, ranges, sizes)
        return expr

    def show(self, expr: Any) -> Any:
        return readable(expr, self.taken())

    def gradient(self) -> tuple[sp.Expr, list[dict[str, str]], dict[sp.Symbol, Range], dict[str, Any]]:
        """∂f/∂X_ij at a generic entry (i in 1..rows, j in 1..cols; X_i for a vector X):
        differentiate the index form (Kronecker deltas), then sum the deltas out."""
        if isinstance(self.f, IndexMatrix):
            raise Undecided("the function is not scalar: no gradient")
        name, X = self.problem.input, self.X
        i, j = index_symbol("i"), index_symbol("j")
        if X.cols == 1 or X.rows == 1:
            ranges, entry, bind = {i: (sp.Integer(1), X.rows * X.cols)}, sp.IndexedBase(name)[i], {"i": i}
            lhs, tex = f"df/d{name}_i", f"\\frac{{\\partial f}}{{\\partial {name}_{{i}}}}"
        else:
            ranges = {i: (sp.Integer(1), X.rows), j: (sp.Integer(1), X.cols)}
            entry, bind = sp.IndexedBase(name)[i, j], {"i": i, "j": j}
            lhs, tex = f"df/d{name}_ij", f"\\frac{{\\partial f}}{{\\partial {name}_{{ij}}}}"
        return (*self._derive(self.resolve(self.f, {}), entry, ranges, lhs, tex), bind)

    def jacobian(self) -> tuple[sp.Expr, list[dict[str, str]], dict[sp.Symbol, Range], dict[str, Any]]:
        """J_ij = ∂f_i/∂x_j at generic i in 1..outputs, j in 1..inputs (x a vector)."""
        f, X, name = self.f, self.X, self.problem.input
        if not isinstance(f, IndexMatrix) or f.cols != 1 or X.cols != 1:
            raise Undecided("the index-form Jacobian needs a column-vector function of a column vector")
        i, j = index_symbol("i"), index_symbol("j")
        ranges = {i: (sp.Integer(1), f.rows), j: (sp.Integer(1), X.rows)}
        fi = self.resolve(f.entry(i, sp.Integer(1)), ranges)
        tex = f"J_{{ij}} = \\frac{{\\partial f_i}}{{\\partial {name}_{{j}}}}"
        return (*self._derive(fi, sp.IndexedBase(name)[j], ranges, f"J_ij = df_i/d{name}_j", tex, "f_i"),
                {"i": i, "j": j})

    def _derive(self, f: sp.Expr, entry: sp.Indexed, ranges: dict[sp.Symbol, Range], lhs: str, tex: str,
                fname: str = "f") -> tuple[sp.Expr, list[dict[str, str]], dict[sp.Symbol, Range]]:
        raw = sp.diff(f, entry)
        result = to_expr(normal_form(raw, ranges))
        where = ", ".join(f"{k} in {lo}..{hi}" for k, (lo, hi) in ranges.items())
        steps = [_step(f"index form ({self.describe()})", fname, self.show(f)),
                 _step(f"differentiate with respect to the generic entry {sp.sstr(entry)} ({where}): "
                       "each entry gives a Kronecker delta", lhs, self.show(raw), tex),
                 _step("distribute the sums and sum out every delta (sum_k delta_{k,e} g(k) = g(e) for e in "
                       "the range of k)", lhs, result, tex)]
        return result, steps, ranges


def _decide(difference: Any, ranges: dict[sp.Symbol, Range]) -> None:
    """Raise Undecided unless the normal form of `difference` is 0 for every size."""
    rest = normal_form(difference, ranges)
    if rest:
        raise Undecided(f"the difference does not reduce to 0 symbolically: {sp.sstr(to_expr(rest))}")


def _step(say: str, lhs: str, expr: Any, latex_lhs: str | None = None, *more: Any) -> dict[str, Any]:
    """One line of a derivation: words, lhs = expr (= more ...) as text and as LaTeX, and under
    "chain" the left side with the SymPy values (for symderiv.render; see `printed`)."""
    chain = [expr, *more]
    return {"say": say, "text": " = ".join([lhs, *(sp.sstr(e) for e in chain)]),
            "latex": " = ".join([latex_lhs or lhs, *(sp.latex(e) for e in chain)]), "chain": (lhs, chain)}


def printed(steps: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The steps as JSON-ready data (words, text, LaTeX) without their SymPy values."""
    return [{k: v for k, v in st.items() if k != "chain"} for st in steps]


def _attempt(prove: Any, *args: Any) -> list[dict[str, str]]:
    """Run a prover; every way it can fail to decide becomes Undecided (picklable, with the reason)."""
    try:
        return prove(*args)
    except Undecided:
        raise
    except NotationError as exc:
        if is_input_error(exc):  # bad input (does not parse, past a limit): an error, not undecided
            raise
        raise Undecided(f"cannot read the formula in index form: {exc.message}") from None
    except (IndexOutOfRange, sp.ShapeError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise Undecided(f"{type(exc).__name__}: {exc}") from None


def _zero(e: Any) -> bool:
    return sp.expand(e) == 0


def _same(a: Any, b: Any) -> bool:
    """Whether two values are equal: numbers, or matrices of one shape (a 1x1 matrix is its entry); a
    matrix is never a number (a claim that gives one where the other is meant differs)."""
    if not isinstance(a, sp.MatrixBase) and not isinstance(b, sp.MatrixBase):
        return _zero(a - b)
    a = a if isinstance(a, sp.MatrixBase) else sp.Matrix([a])
    b = b if isinstance(b, sp.MatrixBase) else sp.Matrix([b])
    return a.shape == b.shape and all(_zero(x - y) for x, y in zip(a, b, strict=True))
