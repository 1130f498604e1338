"""Jacobians and matrix gradients with symbolic sizes: proved for every size in index form, checked at sizes.

A problem names its sizes (`[sizes] names = ["n", "d"]`, `check = [[2, 3], [3, 2], [3, 3]]`),
its variables with shapes in those sizes (`[variables] A = ["n", "d"]`, `v = ["d", 1]`),
and the function (`[function] input = "v"`, `value = '\\mathbf{A}\\mathbf{v}'`, optional
`vector = "a"`: the row-major vectorisation a_{(i-1)n+j} = A_{ij} of a matrix input).

Claims are the students' formulas verbatim. At every checked size the entries of every
variable are fresh symbols, so a claim is compared with the truth exactly (as polynomials);
a wrong claim gets a counterexample at random rational entries. A claim holding at every
checked size is then proved for every size (`Symbolic`, module `_indexsum`): the function in
index form with symbolic sizes (v^T A v = Σ_i Σ_j v_i A_ij v_j), differentiated at a generic
entry A_ij (Kronecker deltas), the deltas summed out, and claim minus derivation reduced to 0;
the verdict then says "proved for every size" and `details["proof"]` holds the printed steps,
which end in derived = claimed. When the prover cannot decide (or runs past PROOF_SECONDS)
the verdict says the claim was checked at those sizes only, and why there is no proof.

Targets:
  jacobian_shape   'n \\times d'
  jacobian         J = formula in the matrix variables (e.g. '\\mathbf{A}')
  gradient_entry   ∇f(X)_{ij} = formula in indexed entries and i, j (option `reading`:
                   the formula as read when the written notation, e.g. A_i^T v, is not readable)
  rewrite          f = a formula in indexed entries, sums allowed (a_{(i-1)n+j}, A_{ij}, v_j)
  outer / inner    g = g_1 ∘ g_2: g_1(x) with option `argument` (x) and `length` (a size),
                   g_2(a)_i with option `index` (i) and `length`; both name the other with
                   option `pair`, and are judged together: g_1(g_2(a)) = f
  outer_gradient   ∇g_1(x) = formula in x; option `of` names the outer claim
  chain            a step of the derivation, an equality chain in the notation layer's LaTeX
                   (symderiv.notation: \\nabla, J_{g_2}(a)_{ik'}, sums, cases, k' \\bmod n,
                   \\lfloor k'/n \\rfloor), with the student's own functions in option `where`
                   (g_1(\\mathbf{x}) = ...); every link is compared with the next at every checked
                   size, exactly at random rational points (checked at sizes, not proved)
  inner_jacobian   J_{g_2}(a)_{ik'} as \\begin{cases} value & \\text{if } cond \\\\ 0 & ... \\end{cases};
                   option `of` names the inner claim, `index` the column index (k'), which
                   runs over 1..length(of the vector); \\lfloor\\frac{k'}{n}\\rfloor and
                   k' \\bmod n are computed before reading
"""

from __future__ import annotations

import random
import re
from typing import Any, ClassVar

import sympy as sp

from ..core.errors import LimitError, NotationError, Timeout
from ..core.exact import MAX_DIGITS
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
    within,
)
from ..core.limits import MATRIX_CALCULUS_MAX_DIMENSION
from ..core.timebound import bounded
from ..core.verdict import Verdict
from ..notation import FreeScope, NotationTable, judge_formula, parse
from ._formula import clean, is_input_error, read_formula, right_side
from ._readers import cannot_read, unknown_target, verdict
from .base import HEADER_KEYS, Claim, Fields, OptionSpec, Problem, Solution, problem_kind

TARGETS = ["jacobian_shape", "jacobian", "gradient_entry", "rewrite", "outer", "inner",
           "outer_gradient", "inner_jacobian", "chain"]
OPTIONS = {"jacobian_shape": set(), "jacobian": set(), "gradient_entry": {"reading"},
           "rewrite": set(), "outer": {"argument", "length", "pair"},
           "inner": {"index", "length", "pair"}, "outer_gradient": {"of"},
           "inner_jacobian": {"of", "index"}, "chain": {"where"}}
OPTIONAL = {"reading", "where"}
#: The option of a target that names another claim, and the target that claim must have.
REFERENCES = {("outer", "pair"): "inner", ("inner", "pair"): "outer", ("outer_gradient", "of"): "outer",
              ("inner_jacobian", "of"): "inner"}
ONES = {r"\mathbf{1}", r"\mathbb{1}", r"\boldsymbol{1}", "1"}
PROOF_SECONDS = 30.0


def _wrong_reference(claim: Claim, by_id: dict[str, Claim], size_names: list[str]) -> tuple[str, str] | None:
    """(option, reason) when an option of `claim` names no claim of the target it needs (`pair`, `of`)
    or no size (`length`); None when they all fit."""
    for (target, key), wanted in REFERENCES.items():
        if claim.target == target and key in claim.options:
            other = by_id.get(claim.options[key])
            if other is None:
                return key, f"no claim with id {claim.options[key]!r}"
            if other.target != wanted:
                return key, (f"claim {other.id!r} is about {other.target!r}; target {target!r} needs a claim "
                             f"about {wanted!r}")
    if "length" in claim.options and claim.options["length"] not in size_names:
        return "length", f"expected a size name ({', '.join(size_names)})"
    return None


class IndexOutOfRange(Exception):
    """A formula names an entry that does not exist (e.g. v_0 with 1-based v)."""


class Instance:
    """The variables at one concrete size: symbol matrices and 1-based indexed readings."""

    def __init__(self, problem: MatrixCalculusProblem, size: dict[str, int]) -> None:
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

    def __init__(self, problem: MatrixCalculusProblem) -> None:
        if problem.symmetric:
            raise Undecided("a symmetric variable: the index-form derivation takes every entry as independent")
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
        f = read_formula(problem.value, self.names(True))
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


def _step(say: str, lhs: str, expr: Any, latex_lhs: str | None = None, *more: Any) -> dict[str, str]:
    """One printed line of a derivation: words, lhs = expr (= more ...) as text and as LaTeX."""
    chain = [expr, *more]
    return {"say": say, "text": " = ".join([lhs, *(sp.sstr(e) for e in chain)]),
            "latex": " = ".join([latex_lhs or lhs, *(sp.latex(e) for e in chain)])}


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


def _random_point(inst: Instance, seed: int = 3) -> dict[sp.Symbol, sp.Rational]:
    rng = random.Random(seed)
    syms = sorted({s for M in inst.mats.values() for s in M.free_symbols}, key=str)
    return {s: sp.Rational(rng.choice([-1, 1]) * rng.randint(1, 9), rng.randint(1, 4)) for s in syms}


@problem_kind("matrix_calculus")
class MatrixCalculusProblem(Problem):
    """Jacobians and gradients of functions of vectors and matrices with symbolic sizes."""

    symmetric: frozenset[str] = frozenset()  # variables declared ["n", "n", "symmetric"]

    claim_options: ClassVar[dict[str, OptionSpec]] = {
        **{key: str for key in set().union(*OPTIONS.values()) - {"where"}}, "where": dict, "function": str}

    def __init__(self, header: Fields, claims: list[Claim], size_names: list[str],
                 sizes: list[list[int]], shapes: dict[str, tuple[str | int, str | int]],
                 input_name: str, value: str, vector: str | None) -> None:
        super().__init__(header, claims)
        self.size_names, self.shapes, self.input, self.value = size_names, shapes, input_name, value
        self.sizes = [dict(zip(size_names, s, strict=True)) for s in sizes]
        self.vector = vector
        self.by_id = {c.id: c for c in claims}
        self.alts: dict[str, MatrixCalculusProblem] = {}

    @staticmethod
    def _read_function(f: Fields, shapes: dict[str, Any]) -> tuple[str, str, str | None]:
        f.check_keys({"input", "value", "vector", "check"})
        input_name = f.text("input")
        if input_name not in shapes:
            raise f.error("input", f"{input_name!r} is not one of the variables {sorted(shapes)}")
        vector = f.text("vector", None)
        if vector is not None and (vector in shapes or not re.fullmatch(r"[A-Za-z]", vector)):
            raise f.error("vector", "expected a new one-letter name for the vectorised input")
        return input_name, f.text("value"), vector

    @classmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> MatrixCalculusProblem:
        doc.check_keys(HEADER_KEYS | {"sizes", "variables", "function", "functions"})
        s = doc.table("sizes")
        s.check_keys({"names", "check"})
        names = s.get("names", list)
        if not names or not all(isinstance(n, str) and re.fullmatch(r"[a-z]", n) for n in names):
            raise s.error("names", "expected a list of one-letter size names such as ['n', 'd']")
        check = s.get("check", list)
        if doc.table("function").has("check"):
            raise doc.table("function").error("check", "the main function uses [sizes].check")
        if not check or not all(isinstance(c, list) and len(c) == len(names) and all(
                isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 6 for k in c)
                for c in check):
            raise s.error("check", f"expected a list of size tuples of {len(names)} whole "
                                   "numbers from 1 to 6, e.g. [[2, 3], [3, 2]]")
        v = doc.table("variables")
        shapes: dict[str, tuple[str | int, str | int]] = {}
        symmetric: set[str] = set()
        for key, shape in v.data.items():
            if not re.fullmatch(r"[A-Za-z]|\\[A-Za-z]+", key):
                raise v.error(key, "a variable name is one letter or a Greek letter such as \\lambda")
            if isinstance(shape, list) and len(shape) == 3 and shape[2] == "symmetric" and shape[0] == shape[1]:
                symmetric.add(key)
                shape = shape[:2]
            if not (isinstance(shape, list) and len(shape) == 2 and all(
                    (isinstance(d, int) and not isinstance(d, bool) and d >= 1) or d in names
                    for d in shape)):
                raise v.error(key, f"expected [rows, cols], each a size name ({', '.join(names)}) "
                                   "or a positive whole number (a square one may add \"symmetric\")")
            if any(isinstance(d, int) and d > MATRIX_CALCULUS_MAX_DIMENSION for d in shape):
                raise v.error(key, f"a fixed dimension of at most {MATRIX_CALCULUS_MAX_DIMENSION} "
                                   "(name a larger size in [sizes].names)")
            shapes[key] = (shape[0], shape[1])
        if not shapes:
            raise v.error("", "give at least one variable")
        f = doc.table("function")
        input_name, value, vector = cls._read_function(f, shapes)
        alts = {}
        others = doc.table("functions", {})
        for key in others.data:
            if not re.fullmatch(r"[A-Za-z]\w*", key):
                raise others.error(key, "a function name is a word such as 'h'")
            alts[key] = (others.table(key), cls._read_function(others.table(key), shapes))
            own = others.table(key).get("check", list, check)
            if not own or not all(isinstance(c, list) and c in check for c in own):
                raise others.table(key).error("check", "expected a non-empty list of sizes taken "
                                                       "from [sizes].check")
            alts[key] = (alts[key][0], alts[key][1], own)
        by_id = {c.id: c for c in claims}
        for item, claim in zip(doc.tables("claims", []), claims, strict=True):
            if claim.target in OPTIONS:
                extra = set(claim.options) - OPTIONS[claim.target] - {"function"}
                if extra:
                    raise item.error(sorted(extra)[0], f"not an option of target {claim.target!r}; "
                                     f"known: {sorted(OPTIONS[claim.target]) or 'none'}")
                if "function" in claim.options and claim.options["function"] not in alts:
                    raise item.error("function", f"no [functions.{claim.options['function']}] table")
                wrong = _wrong_reference(claim, by_id, names)
                if wrong is not None:
                    raise item.error(*wrong)
                where = claim.options.get("where", {})
                if not isinstance(where, dict) or not all(isinstance(v, str) for v in where.values()):
                    raise item.error("where", "expected a table of LaTeX definitions, e.g. "
                                              "{ 'g_1(\\mathbf{x})' = '\\sum_i x_i^2' }")
                for key in OPTIONS[claim.target] - OPTIONAL:
                    if key not in claim.options:
                        raise item.error(key, f"missing field (target {claim.target!r} needs it)")
                    if not isinstance(claim.options[key], str):
                        raise item.error(key, "expected text")
        problem = cls(doc, claims, names, check, shapes, input_name, value, vector)
        problem.symmetric = frozenset(symmetric)
        problem.validate(f)
        for key, (table, (inp, val, vec), own) in alts.items():
            problem.alts[key] = cls(doc, claims, names, own, shapes, inp, val, vec)
            problem.alts[key].symmetric = problem.symmetric
            problem.alts[key].validate(table)
        return problem

    def validate(self, f: Fields) -> None:
        try:
            for size in self.sizes:
                self.truth(Instance(self, size))
        except (NotationError, IndexOutOfRange, ValueError, sp.ShapeError) as exc:
            raise f.error("value", f"cannot read {self.value!r}: {exc}") from None

    def targets(self) -> list[str]:
        return TARGETS

    # --- the truth at one size -------------------------------------------------------------

    def truth(self, inst: Instance) -> dict[str, Any]:
        f = read_formula(self.value, inst.names(True))
        if isinstance(f, sp.MatrixBase) and f.shape == (1, 1):
            f = f[0, 0]
        X = inst.mats[self.input]
        col = f if isinstance(f, sp.MatrixBase) else sp.Matrix([f])
        out: dict[str, Any] = {"f": f, "jacobian": col.jacobian(inst.vec)}
        if not isinstance(f, sp.MatrixBase):
            out["gradient"] = X.applyfunc(lambda x: sp.expand(sp.diff(f, x)))
        return out

    def derivation(self) -> dict[str, Any]:
        """The gradient (scalar f) or Jacobian (vector f of a vector) at a generic entry, for
        every size: index form, derivative with Kronecker deltas, deltas summed out; then the
        result instantiated at every checked size and compared with SymPy's derivative there."""
        S = Symbolic(self)
        jac = isinstance(S.f, IndexMatrix)
        result, steps, _, bind = S.jacobian() if jac else S.gradient()
        steps[-1]["say"] += f": the {'Jacobian' if jac else 'gradient'} entry for every size"
        for size in self.sizes:
            inst = Instance(self, size)
            want = self.truth(inst)["jacobian" if jac else "gradient"]
            for r in range(want.rows):
                for c in range(want.cols):
                    at = {S.size[k]: sp.Integer(v) for k, v in size.items()}
                    at.update({bind["i"]: sp.Integer(r + 1), **({bind["j"]: sp.Integer(c + 1)} if "j" in bind else {})})
                    if not _zero(inst.resolve(result.xreplace(at).doit()) - want[r, c]):
                        raise Undecided(f"the derived entry differs from SymPy's at {size}, entry {(r + 1, c + 1)}")
        return {"steps": steps, "checked": self._sizes_text(), "result": steps[-1]["text"],
                "matrix": "jacobian" if jac else "gradient", "sizes": S.describe()}

    def _derivation_lines(self, label: str) -> tuple[list[str], dict[str, Any]]:
        try:
            found = bounded(_attempt, lambda _: self.derivation(), None, seconds=PROOF_SECONDS)
        except Timeout:
            return [f"[{label}] no derivation for every size: gave up after {PROOF_SECONDS:g} s"], {}
        except Undecided as exc:
            return [f"[{label}] no derivation for every size: {exc}"], {}
        lines = [f"[{label}] {st['say']}:\n    {st['text']}" for st in found["steps"]]
        lines.append(f"[{label}] instantiated at {found['checked']}: equal to SymPy's {found['matrix']} "
                     "there, entry by entry")
        return lines, found

    def solve(self, elementwise: bool | None = None) -> Solution:
        lines, data = [], {}
        main, sym = self._derivation_lines("every size")
        lines += main
        if sym:
            data["every size"] = sym
        for key, alt in self.alts.items():
            more, sym = alt._derivation_lines(f"{key}, every size")
            lines += more
            if sym:
                data[f"{key}, every size"] = sym
        for size in self.sizes:
            inst = Instance(self, size)
            t = self.truth(inst)
            tag = ", ".join(f"{k}={v}" for k, v in size.items())
            J = t["jacobian"]
            lines.append(f"[{tag}] Jacobian wrt {self.input} ({J.rows}x{J.cols}): {sp.sstr(J.tolist())}")
            if "gradient" in t:
                lines.append(f"[{tag}] gradient wrt {self.input}: {sp.sstr(t['gradient'].tolist())}")
            data[tag] = {k: sp.sstr(v.tolist() if isinstance(v, sp.MatrixBase) else v)
                         for k, v in t.items()}
        return Solution(self.title, data, "\n".join(lines))

    # --- judging ---------------------------------------------------------------------------

    def judge(self, claim: Claim) -> Verdict:
        if claim.target not in TARGETS:
            return unknown_target(claim, TARGETS)
        if claim.options.get("function") in self.alts:
            return self.alts[claim.options["function"]].judge(claim)
        missing = sorted(OPTIONS.get(claim.target, set()) - OPTIONAL - set(claim.options))
        if missing:  # a claim given on the command line has no options: say so, never a KeyError
            return verdict(claim, "error", f"target {claim.target!r} needs the option(s) {', '.join(missing)}; "
                           "give the claim in the problem file")
        wrong = _wrong_reference(claim, self.by_id, self.size_names)  # a claim made in Python, not read from a file
        if wrong is not None:
            return verdict(claim, "error", f"{wrong[0]}: {wrong[1]}")
        try:
            return getattr(self, f"_judge_{claim.target}")(claim)
        except NotationError as exc:
            return cannot_read(claim, exc)

    def _sizes_text(self) -> str:
        return "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) for s in self.sizes)

    def _checked(self, claim: Claim, what: str, **extra: Any) -> Verdict:
        return verdict(claim, "correct", f"{what}: holds exactly (entries as symbols) at every "
                       f"checked size ({self._sizes_text()}); the sizes are symbolic, so this is a "
                       "check at these sizes, not a proof for all sizes", **extra)

    def _finish(self, claim: Claim, what: str, prove: Any, *args: Any, **extra: Any) -> Verdict:
        """A claim that held at every checked size: proved for every size when the prover (run
        with a time limit) derives it in index form, else `correct` as checked at sizes only."""
        try:
            steps = bounded(_attempt, prove, claim, *args, seconds=PROOF_SECONDS)
        except Timeout:
            reason = f"the symbolic proof gave up after {PROOF_SECONDS:g} s"
        except Undecided as exc:
            reason = str(exc)
        else:
            details = dict(extra.pop("details", {}))
            details["proof"] = steps
            return verdict(claim, "correct", f"{what}: proved for every size ({Symbolic(self).describe()}): "
                           f"{steps[-1]['text']}; cross-checked exactly at {self._sizes_text()}",
                           details=details, **extra)
        v = self._checked(claim, what, **extra)
        v.message += f" (no proof for every size: {reason})"
        v.details["unproved"] = reason
        return v

    # --- proofs for symbolic sizes (index form); each returns the printed steps ----------------

    def _rhs_entry(self, S: Symbolic, claim: Claim, ranges: dict[sp.Symbol, Range], **bind: Any) -> Any:
        text = claim.options.get("reading") or right_side(clean(claim.latex))
        return S.resolve(read_formula(text, S.names(False, **bind)), ranges)

    def _prove_jacobian_shape(self, claim: Claim, got: list[str]) -> list[dict[str, str]]:
        S = Symbolic(self)
        rows = S.f.rows if isinstance(S.f, IndexMatrix) else sp.Integer(1)
        if isinstance(S.f, IndexMatrix) and S.f.cols != 1:
            raise Undecided("the function is a matrix, not a vector")
        cols = S.X.rows * S.X.cols
        said = [sp.Integer(g) if g.isdigit() else S.size[g] for g in got]
        if said != [rows, cols]:
            raise Undecided(f"claimed {said}, derived {rows} x {cols}")
        return [_step("outputs: the rows of the value (shapes multiply as (a x b)(b x c) = a x c)",
                      "outputs", rows),
                _step(f"inputs: the entries of {self.input}", "inputs", cols),
                {"say": "the Jacobian is outputs x inputs", "text": f"shape = {rows} x {cols} (claimed "
                 f"{' x '.join(got)})", "latex": f"{sp.latex(rows)} \\times {sp.latex(cols)}"}]

    def _prove_jacobian(self, claim: Claim, reading: str | None) -> list[dict[str, str]]:
        S = Symbolic(self)
        truth, steps, ranges, bind = S.jacobian()
        i, j = bind["i"], bind["j"]
        rows, cols = S.f.rows, S.X.rows  # type: ignore[union-attr]
        if reading == "identity":
            if rows != cols:
                raise Undecided("the Jacobian is not square for every size")
            got, said = sp.KroneckerDelta(i, j), "the claim read as the identity: I_ij = delta_ij"
        elif reading == "ones":
            got, said = sp.Integer(1), "the claim read as the all-ones matrix: 1_ij = 1"
        else:
            M = read_formula(right_side(clean(claim.latex)), S.names(True))
            if not isinstance(M, IndexMatrix) or M.shape != (rows, cols):
                raise Undecided(f"the claimed Jacobian does not have the shape {rows} x {cols} for every size")
            got, said = S.resolve(M.entry(i, j), ranges), "the claim's (i, j) entry"
        _decide(truth - got, ranges)
        steps.append(_step(f"{said}; claim minus derived entry reduces to 0", "J_ij", truth, "J_{ij}",
                           S.show(got)))
        return steps

    def _prove_gradient_entry(self, claim: Claim) -> list[dict[str, str]]:
        S = Symbolic(self)
        truth, steps, ranges, bind = S.gradient()
        got = self._rhs_entry(S, claim, ranges, **bind)
        _decide(truth - got, ranges)
        read = f" (read as {claim.options['reading']})" if "reading" in claim.options else ""
        steps.append(_step(f"the claim{read} at the same entry; claim minus derived entry reduces to 0",
                           "grad f_ij", truth, "\\nabla f_{ij}", S.show(got)))
        return steps

    def _outer_symbolic(self, S: Symbolic, outer: Claim) -> tuple[sp.IndexedBase, sp.Symbol, sp.Expr]:
        """g_1 in index form with its argument x (an IndexedBase of length `length`)."""
        arg = outer.options["argument"]
        x, length = sp.IndexedBase(arg), S.size[outer.options["length"]]
        S.dims[arg] = (length,)
        g1 = read_formula(right_side(clean(outer.latex)), S.names(False, **{arg: x}))
        check_entries(g1, S.dims, {}, set(S.size.values()))
        return x, length, g1

    def _prove_composition(self, claim: Claim) -> list[dict[str, str]]:
        """g_1(g_2(a)) = f: g_2(a)_t read at a generic t in 1..length, put in for every x_e of g_1
        (e must lie in 1..length for every size), then compared with f in index form."""
        S = Symbolic(self)
        outer, inner = self._pair(claim)
        if isinstance(S.f, IndexMatrix):
            raise Undecided("the function is not scalar")
        x, _, g1 = self._outer_symbolic(S, outer)
        t, length = index_symbol(inner.options["index"]), S.size[inner.options["length"]]
        g2 = self._rhs_entry(S, inner, {t: (sp.Integer(1), length)}, **{inner.options["index"]: t})

        def put(ent: sp.Indexed, scope: dict[sp.Symbol, Range]) -> sp.Expr:
            if ent.base != x:
                return ent
            if len(ent.indices) != 1 or not within(ent.indices[0], sp.Integer(1), length, scope):
                raise Undecided(f"cannot show that {sp.sstr(ent)} is an entry of g_2 (1..{length})")
            return g2.xreplace({t: ent.indices[0]})
        composed = S.resolve(map_entries(g1, put, {}, set(S.size.values())), {})
        f = S.resolve(S.f, {})
        _decide(composed - f, {})
        return [_step(f"g_1 in index form ({S.describe()})", "g_1(x)", S.show(g1)),
                _step(f"g_2 in index form (entry {t} in 1..{length}, a as entries of {self.input})",
                      f"g_2(a)_{t}", S.show(g2)),
                _step("put x = g_2(a) into g_1", "g_1(g_2(a))", S.show(composed)),
                _step("distribute the sums, rename the bound indices, collect: g_1(g_2(a)) minus f "
                      "reduces to 0", "g_1(g_2(a))", to_expr(normal_form(composed, {})), None, S.show(f))]

    def _prove_outer_gradient(self, claim: Claim) -> list[dict[str, str]]:
        """(∇g_1)_i = ∂g_1/∂x_i at a generic i in 1..length, against the claim's i-th entry."""
        S = Symbolic(self)
        outer = self.by_id[claim.options["of"]]
        x, length, g1 = self._outer_symbolic(S, outer)
        i = index_symbol("i")
        ranges = {i: (sp.Integer(1), length)}
        truth, steps, _ = S._derive(g1, x[i], ranges, f"d g_1/d {x}_i",
                                    f"\\frac{{\\partial g_1}}{{\\partial {x}_i}}", "g_1(x)")
        M = read_formula(right_side(clean(claim.latex)),
                         S.names(True, **{str(x): IndexMatrix.variable(str(x), length, sp.Integer(1))}))
        if not isinstance(M, IndexMatrix) or M.shape != (length, 1):
            raise Undecided(f"the claimed gradient is not a vector of length {length}")
        got = S.resolve(M.entry(i, sp.Integer(1)), ranges)
        _decide(truth - got, ranges)
        steps.append(_step("the claim's i-th entry; claim minus derived entry reduces to 0",
                           "(grad g_1)_i", truth, "(\\nabla g_1)_i", S.show(got)))
        return steps

    def _prove_rewrite(self, claim: Claim) -> list[dict[str, str]]:
        S = Symbolic(self)
        if isinstance(S.f, IndexMatrix):
            raise Undecided("the function is not scalar")
        f = S.resolve(S.f, {})
        got = self._rhs_entry(S, claim, {})
        _decide(f - got, {})
        steps = [_step(f"f in index form ({S.describe()})", "f", S.show(f))]
        if self.vector:
            steps.append({"say": f"the claim with {self.vector}_{{(r-1)c+s}} = {self.input}_{{rs}} "
                          "(row-major vectorisation)", "text": f"claim = {sp.sstr(S.show(got))}",
                          "latex": f"\\text{{claim}} = {sp.latex(S.show(got))}"})
        steps.append(_step("distribute the sums, rename the bound indices, collect: claim minus f "
                           "reduces to 0", "f", to_expr(normal_form(f, {})), None, S.show(got)))
        return steps

    def _wrong(self, claim: Claim, inst: Instance, what: str, expected: Any, claimed: Any,
               where: str = "") -> Verdict:
        pt = _random_point(inst)
        ce: dict[str, Any] = {"size": dict(inst.size)}
        ce["values"] = {str(k): sp.sstr(v) for k, v in pt.items()}
        ev = (lambda e: e.subs(pt)) if pt else (lambda e: e)
        ce["expected"] = sp.sstr(ev(expected))
        ce["claimed"] = sp.sstr(ev(claimed))
        if where:
            ce["where"] = where
        tag = ", ".join(f"{k}={v}" for k, v in inst.size.items())
        return verdict(claim, "incorrect", f"{what} fails at {tag}{' ' + where if where else ''}: "
                       f"expected {sp.sstr(expected)}, claimed {sp.sstr(claimed)} "
                       "(counterexample at random rational entries)",
                       expected=sp.latex(expected), claimed=sp.latex(claimed), counterexample=ce)

    def _judge_chain(self, claim: Claim) -> Verdict:
        """Every link of a derivation step, at every checked size, by the notation layer: the
        variables are the problem's (their entries fresh symbols), the vectorised input is
        vec(X) row by row, J is the Jacobian, and `where` holds the student's own functions."""
        try:
            doc = parse(claim.latex)
        except NotationError as exc:  # the text does not parse (or is past a limit): bad input
            return verdict(claim, "error", exc.render())
        if not any(len(chain.sides) >= 2 for chain in doc.chains):
            return verdict(claim, "undecided", "a derivation step needs at least one '=' (a link): "
                           "a single expression states nothing to check")
        how: list[str] = []
        for size in self.sizes:
            inst = Instance(self, size)
            scope = FreeScope({name: M.shape for name, M in inst.mats.items()}, symmetric=self.symmetric)
            data: dict[str, Any] = {name: name for name in inst.mats}
            if self.vector:
                data[self.vector] = f"\\operatorname{{vec}}({self.input})"
            data.update({"J": "jacobian", "\\mathbf{J}": "jacobian", "sizes": dict(size)})
            try:
                table = NotationTable.from_dict(data).with_where(dict(claim.options.get("where", {})))
            except NotationError as exc:
                return verdict(claim, "error", f"where: {exc.message}")
            tag = ", ".join(f"{k}={v}" for k, v in size.items())
            v = judge_formula(scope, table, claim.latex, claim_id=claim.id)
            if v.verdict != "correct":
                v.target, v.message = claim.target, f"at {tag}: {v.message}"
                if v.counterexample is not None:
                    v.counterexample = {"size": dict(size), **v.counterexample}
                return v
            how.append(f"{tag}: {v.message}")
        return verdict(claim, "correct", f"every link holds at every checked size ({'; '.join(how)}); the sizes "
                       "are symbolic, so this is a check at these sizes, not a proof for all sizes")

    def _judge_jacobian_shape(self, claim: Claim) -> Verdict:
        m = re.fullmatch(r"\s*(\w+)\s*(?:\\times|x|×)\s*(\w+)\s*", clean(right_side(claim.latex)))
        if not m:
            raise NotationError(claim.latex, "expected a shape such as 'n \\times d'")
        if any(g.isdigit() and len(g) > MAX_DIGITS for g in m.groups()):
            raise LimitError(claim.latex, f"a size of more than {MAX_DIGITS} digits", None)
        for size in self.sizes:
            inst = Instance(self, size)
            J = self.truth(inst)["jacobian"]
            got = [int(g) if g.isdigit() else size.get(g) for g in m.groups()]
            if None in got:
                raise NotationError(claim.latex, f"unknown size name in {m.group(0)!r}")
            if got != [J.rows, J.cols]:
                return self._wrong(claim, inst, "the Jacobian shape", sp.Tuple(J.rows, J.cols),
                                   sp.Tuple(*got))
        return self._finish(claim, "the Jacobian shape (rows: outputs, columns: inputs)",
                            self._prove_jacobian_shape, list(m.groups()))

    def _judge_jacobian(self, claim: Claim) -> Verdict:
        rhs = clean(right_side(clean(claim.latex)))
        if rhs in ONES:
            ones_ok = ident_ok = True
            for size in self.sizes:
                J = self.truth(Instance(self, size))["jacobian"]
                ones_ok &= J == sp.ones(*J.shape)
                ident_ok &= J.is_square and J == sp.eye(J.rows)
            if ones_ok and ident_ok:
                return self._finish(claim, f"{rhs} read as all-ones or as identity (the same here)",
                                    self._prove_jacobian, "identity")
            if ones_ok == ident_ok:
                return verdict(claim, "incorrect", f"{rhs} read as all-ones or as identity: wrong either way "
                               f"(checked at {self._sizes_text()})")
            right, wrong = ("the identity matrix I", "the all-ones matrix") if ident_ok else \
                ("the all-ones matrix", "the identity matrix I")
            shown = self._finish(claim, f"read as {right}", self._prove_jacobian,
                                 "identity" if ident_ok else "ones")
            return verdict(claim, "undecided",
                           f"ambiguous notation {rhs}: read as {right} it is correct ({shown.message}), "
                           f"read as {wrong} it is wrong (they differ whenever the dimension is > 1; checked "
                           f"at {self._sizes_text()}); the written answer does not say which is meant",
                           expected="I" if ident_ok else "\\mathbf{1}\\mathbf{1}^\\top", details=shown.details)
        for size in self.sizes:
            inst = Instance(self, size)
            J = self.truth(inst)["jacobian"]
            got = read_formula(rhs, inst.names(True))
            got = got if isinstance(got, sp.MatrixBase) else sp.Matrix([got])
            if got.shape != J.shape or not all(_zero(a - b) for a, b in zip(got, J, strict=True)):
                return self._wrong(claim, inst, "the Jacobian", J, got)
        return self._finish(claim, "the Jacobian", self._prove_jacobian, None)

    def _judge_gradient_entry(self, claim: Claim) -> Verdict:
        text = claim.options.get("reading") or right_side(clean(claim.latex))
        for size in self.sizes:
            inst = Instance(self, size)
            G = self.truth(inst).get("gradient")
            if G is None:
                return verdict(claim, "error", "the function is not scalar: no gradient")
            for r in range(G.rows):
                for c in range(G.cols):
                    where = f"at entry (i, j) = ({r + 1}, {c + 1})"
                    names = inst.names(False, i=sp.Integer(r + 1), j=sp.Integer(c + 1))
                    try:
                        got = inst.resolve(read_formula(text, names))
                    except IndexOutOfRange as exc:
                        return self._wrong(claim, inst, f"the gradient entry ({exc})", G[r, c],
                                           sp.nan, where)
                    if not _zero(got - G[r, c]):
                        return self._wrong(claim, inst, "the gradient entry", G[r, c], got, where)
        read = f" (read as {text})" if "reading" in claim.options else ""
        return self._finish(claim, f"the gradient entry{read}", self._prove_gradient_entry)

    def _judge_rewrite(self, claim: Claim) -> Verdict:
        for size in self.sizes:
            inst = Instance(self, size)
            f = self.truth(inst)["f"]
            try:
                got = inst.resolve(read_formula(right_side(clean(claim.latex)), inst.names(False)))
            except IndexOutOfRange as exc:
                return self._wrong(claim, inst, f"the rewritten function ({exc})", f, sp.nan)
            if not _zero(got - f):
                return self._wrong(claim, inst, "the rewritten function", f, got)
        return self._finish(claim, "the rewritten function", self._prove_rewrite)

    def _outer_fn(self, claim: Claim, inst: Instance, x: sp.Matrix) -> Any:
        arg = claim.options["argument"]
        return inst.resolve(read_formula(right_side(clean(claim.latex)),
                                         inst.names(False, **{arg: sp.IndexedBase(arg)})), {arg: x})

    def _inner_vec(self, claim: Claim, inst: Instance) -> sp.Matrix:
        idx, n = claim.options["index"], inst.size[claim.options["length"]]
        text = right_side(clean(claim.latex))
        return sp.Matrix([inst.resolve(read_formula(text, inst.names(False, **{idx: sp.Integer(k)})))
                          for k in range(1, n + 1)])

    def _pair(self, claim: Claim) -> tuple[Claim, Claim]:
        other = self.by_id[claim.options["pair"]]
        return (claim, other) if claim.target == "outer" else (other, claim)

    def _judge_outer(self, claim: Claim) -> Verdict:
        outer, inner = self._pair(claim)
        for size in self.sizes:
            inst = Instance(self, size)
            f = self.truth(inst)["f"]
            try:
                got = self._outer_fn(outer, inst, self._inner_vec(inner, inst))
            except IndexOutOfRange as exc:
                return self._wrong(claim, inst, f"g_1(g_2(a)) ({exc})", f, sp.nan)
            if not _zero(got - f):
                return self._wrong(claim, inst, f"g_1(g_2(a)) with claims {outer.id}, {inner.id}",
                                   f, got)
        return self._finish(claim, f"g_1(g_2(a)) = f (claims {outer.id} and {inner.id} together)",
                            self._prove_composition)

    _judge_inner = _judge_outer

    def _judge_outer_gradient(self, claim: Claim) -> Verdict:
        outer = self.by_id[claim.options["of"]]
        arg, ln = outer.options["argument"], outer.options["length"]
        for size in self.sizes:
            inst = Instance(self, size)
            x = sp.Matrix([sp.Symbol(f"{arg}_{k + 1}", real=True) for k in range(size[ln])])
            g1 = self._outer_fn(outer, inst, x)
            true = sp.Matrix([sp.diff(g1, s) for s in x])
            got = read_formula(right_side(clean(claim.latex)), inst.names(True, **{arg: x}))
            got = got if isinstance(got, sp.MatrixBase) else sp.Matrix([got])
            if got.shape != true.shape or not all(_zero(a - b) for a, b in zip(got, true, strict=True)):
                return self._wrong(claim, inst, f"the gradient of g_1 (claim {outer.id})", true, got)
        return self._finish(claim, f"the gradient of g_1 as written in claim {outer.id}",
                            self._prove_outer_gradient)

    def _judge_inner_jacobian(self, claim: Claim) -> Verdict:
        inner = self.by_id[claim.options["of"]]
        kp = claim.options["index"]
        row = inner.options["index"]
        m = re.search(r"\\begin\{cases\}(.*?)&\s*\\text\{\s*if\s*\}(.*?)\\\\(.*?)&(.*?)\\end\{cases\}",
                      claim.latex, re.S)
        if not m:
            raise NotationError(claim.latex, "expected \\begin{cases} value & \\text{if } cond "
                                             "\\\\ other & \\text{otherwise} \\end{cases}")
        value, cond, other = m.group(1), m.group(2), m.group(3)
        k = re.escape(kp)
        floor_re = re.compile(r"\\lfloor\s*\\frac\{\s*" + k + r"\s*\}\{\s*(\w)\s*\}\s*\\rfloor")
        mod_re = re.compile(k + r"\s*\\bmod\s*(\w)")
        found = self._inner_jacobian_at(claim, inner, kp, row, value, cond, other, floor_re, mod_re, 0)
        parts = (value, cond, other, floor_re, mod_re)
        if found is None:
            return self._finish(claim, f"the Jacobian of g_2 (claim {inner.id}), with {kp} 1-based "
                                       "as a_k is indexed", self._prove_inner_jacobian, parts, 0, None)
        found.message += self._index_map_cases(claim, parts)
        zero_based = self._inner_jacobian_at(claim, inner, kp, row, value, cond, other, floor_re,
                                             mod_re, 1)
        divisors = set(floor_re.findall(claim.latex) + mod_re.findall(claim.latex))
        at, size = found.details["index"], found.details["size"]
        if not any(at % size[d] == 0 for d in divisors if d in size):
            return found
        found.message += (f"; the written index map is off by one at {kp} = multiples of n: with "
                          f"{kp} 1-based (as a_k, k = (i-1)n + j, is defined) the case test moves "
                          f"{kp} = n, 2n, ... to the next row and {kp} mod n gives 0 instead of n")
        if zero_based is None:
            shown = self._finish(claim, "read 0-based", self._prove_inner_jacobian, parts, 1, None)
            found.message += f"; read with {kp} 0-based (a_{{{kp}+1}}) it is right ({shown.message})"
            found.details["zero_based"] = shown.details
        else:
            found.message += (f"; read with {kp} 0-based (a_{{{kp}+1}}) the row test is right but it "
                              f"still fails: {zero_based.message}")
        found.mistake = "off-by-one index map (0-based floor/mod used with 1-based indices)"
        return found

    def _index_map_cases(self, claim: Claim, parts: tuple[Any, ...]) -> str:
        """For a wrong index map: the cases of k' = (p-1)n + q that are still proved for every size."""
        held = []
        for case in range(2):
            try:
                steps = bounded(_attempt, self._prove_inner_jacobian, claim, parts, 0, case, seconds=PROOF_SECONDS)
            except (Undecided, Timeout):
                continue
            held.append(steps[-1]["case"])
        if not held:
            return ""
        kp = claim.options["index"]
        return (f"; in index form ({kp} = (p-1)n + q, column a_{{{kp}}} = A_pq) the claimed entry is proved "
                f"right for every size in the case {' and '.join(held)}")

    def _prove_inner_jacobian(self, claim: Claim, parts: tuple[Any, ...], shift: int,
                              only: int | None) -> list[dict[str, str]]:
        """J_{g_2}(a)_{i k'} for every size: the column k' = k - shift of a_k = X_pq, k = (p-1)c + q,
        at generic i, p and q (c the column count). With u = q - shift in 0..c-1, ⌊k'/c⌋ = p - 1 and
        k' mod c = u; with u = c (q = c, shift 0), ⌊k'/c⌋ = p and k' mod c = 0. The case test
        'lhs = rhs' is 0 = 0 (holds), a nonzero constant (fails), or s = t + c0 for indices s, t
        (a Kronecker delta δ_{s, t+c0} selects the value)."""
        value, cond, other, floor_re, mod_re = parts
        S = Symbolic(self)
        inner = self.by_id[claim.options["of"]]
        kp, row = claim.options["index"], inner.options["index"]
        if S.X.cols == 1 or S.X.rows == 1:
            raise Undecided("the index map is written for a matrix input")
        rows, cols, length = S.X.rows, S.X.cols, S.size[inner.options["length"]]
        for d in set(floor_re.findall(claim.latex) + mod_re.findall(claim.latex)):
            if S.size.get(d) != cols:
                raise Undecided(f"the index map divides by {d}, not by the column count")
        i = index_symbol(row)
        p, q = (index_symbol(n) for n in [n for n in ("p", "q", "r", "s") if n != row][:2])
        base = sp.IndexedBase(self.input)
        g2 = self._rhs_entry(S, inner, {i: (sp.Integer(1), length)}, **{row: i})
        raw = sp.diff(g2, base[p, q])
        general = {i: (sp.Integer(1), length), p: (sp.Integer(1), rows), q: (sp.Integer(1), cols)}
        truth = to_expr(normal_form(raw, general))
        cases = [(f"{q} <= {cols - 1 + shift}", {q: (sp.Integer(1), cols - 1 + shift)}, p - 1, q - shift, q)]
        if shift == 0:
            cases.append((f"{q} = {cols} ({kp} a multiple of {cols})", {}, p, sp.Integer(0), cols))
        where = f"{kp} = ({p}-1){cols} + {q}" + (f" - {shift}" if shift else "")
        steps = [_step(f"g_2 in index form ({S.describe()})", f"g_2(a)_{i}", S.show(g2)),
                 _step(f"column {where} is a_k = {self.input}_{p}{q}: differentiate, sum out the deltas",
                       f"J_{i},{kp}", truth)]
        for number, (label, qrange, fl, md, qval) in enumerate(cases):
            if only is not None and number != only:
                continue
            ranges = {i: general[i], p: general[p], **(qrange or {})}
            exact = truth.xreplace({q: qval})
            col = (p - 1) * cols + qval - shift

            def fill(t: str, fl: Any = fl, md: Any = md) -> str:
                t = floor_re.sub(r" \\text{kfloor} ", t)
                t = mod_re.sub(r" \\text{kmod} ", t)
                return t.replace(kp, r" \text{kcol} ")
            names = S.names(False, **{row: i, "kfloor": fl, "kmod": md, "kcol": col})
            try:
                lhs, _, rhs = fill(cond).partition("=")
                test = sp.expand(read_formula(lhs, names) - read_formula(rhs, names))
                holds = self._case_test(test, ranges)
                got = sp.Integer(0) if holds == 0 else holds * S.resolve(read_formula(fill(value), names), ranges)
                if holds != 1:
                    got += (1 - holds) * S.resolve(read_formula(fill(other), names), ranges)
                _decide(exact - got, ranges)
            except Undecided as exc:
                raise Undecided(f"case {label}: {exc}") from None
            steps.append(_step(f"case {label}: floor({kp}/{cols}) = {fl}, {kp} mod {cols} = {md}; the case "
                               "test and the claimed entry reduce to the derived one", f"J_{i},{kp}", exact,
                               None, S.show(got)))
            steps[-1]["case"] = label
        return steps

    @staticmethod
    def _case_test(test: sp.Expr, ranges: dict[sp.Symbol, Range]) -> sp.Expr:
        """1 when 'lhs = rhs' always holds (difference 0), 0 when never (a nonzero constant),
        δ_{s, t+c} when the difference is s - t - c for two indices s, t."""
        if test == 0:
            return sp.Integer(1)
        if test.is_number:
            return sp.Integer(0)
        syms = [s for s in test.free_symbols if s in ranges]
        if len(syms) == 2 and test.free_symbols == set(syms):
            a, b = syms
            c0 = test.subs({a: 0, b: 0})
            if sp.expand(test - c0) in (a - b, b - a):
                lead = a if sp.expand(test - c0) == a - b else b
                rest = b if lead is a else a
                return sp.KroneckerDelta(lead, rest - c0)
        raise Undecided(f"cannot decide the case test {sp.sstr(test)} = 0 for every size")

    def _inner_jacobian_at(self, claim: Claim, inner: Claim, kp: str, row: str, value: str, cond: str,
                           other: str, floor_re: re.Pattern[str], mod_re: re.Pattern[str],
                           shift: int) -> Verdict | None:
        """The first wrong entry with the column index written as k' = k - shift, or None."""
        base = "0-based" if shift else "1-based as a_k is indexed"
        for size in self.sizes:
            inst = Instance(self, size)
            g2 = self._inner_vec(inner, inst)
            J = g2.jacobian(inst.vec)
            for col in range(1, J.cols + 1):
                kv = col - shift

                def fill(t: str, kv: int = kv, size: dict[str, int] = size) -> str:
                    t = floor_re.sub(lambda mm: str(kv // size[mm.group(1)]), t)
                    t = mod_re.sub(lambda mm: str(kv % size[mm.group(1)]), t)
                    return t.replace(kp, str(kv))
                for r in range(1, J.rows + 1):
                    where = f"at ({row}, {kp}) = ({r}, {kv}), {kp} {base} (column a_{col})"
                    names = inst.names(False, **{row: sp.Integer(r)})
                    lhs, _, rhs = fill(cond).partition("=")
                    holds = _zero(read_formula(lhs, names) - read_formula(rhs, names))
                    try:
                        got = inst.resolve(read_formula(fill(value if holds else other), names))
                    except IndexOutOfRange as exc:
                        bad = self._wrong(claim, inst, f"the Jacobian entry ({exc})",
                                          J[r - 1, col - 1], sp.nan, where)
                    else:
                        if _zero(got - J[r - 1, col - 1]):
                            continue
                        bad = self._wrong(claim, inst, "the Jacobian entry", J[r - 1, col - 1],
                                          got, where)
                    bad.details = {"index": kv, "size": dict(size)}
                    return bad
        return None
