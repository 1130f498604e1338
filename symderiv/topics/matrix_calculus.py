"""Jacobians and matrix gradients with symbolic sizes, checked exactly at several concrete sizes.

A problem names its sizes (`[sizes] names = ["n", "d"]`, `check = [[2, 3], [3, 2], [3, 3]]`),
its variables with shapes in those sizes (`[variables] A = ["n", "d"]`, `v = ["d", 1]`),
and the function (`[function] input = "v"`, `value = '\\mathbf{A}\\mathbf{v}'`, optional
`vector = "a"`: the row-major vectorisation a_{(i-1)n+j} = A_{ij} of a matrix input).

Claims are the students' formulas verbatim. At every checked size the entries of every
variable are fresh symbols, so a claim is compared with the truth exactly (as polynomials);
a wrong claim gets a counterexample at random rational entries. A claim holding at every
checked size is `correct` with a message saying it was checked at those sizes only.

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
  inner_jacobian   J_{g_2}(a)_{ik'} as \\begin{cases} value & \\text{if } cond \\\\ 0 & ... \\end{cases};
                   option `of` names the inner claim, `index` the column index (k'), which
                   runs over 1..length(of the vector); \\lfloor\\frac{k'}{n}\\rfloor and
                   k' \\bmod n are computed before reading
"""

from __future__ import annotations

import random
import re
from typing import Any

import sympy as sp

from ..errors import NotationError
from ..problem import HEADER_KEYS, Claim, Fields, Problem, Solution, problem_kind
from ..verdict import Verdict
from ._formula import clean, read_formula, right_side
from ._readers import unknown_target, verdict

TARGETS = ["jacobian_shape", "jacobian", "gradient_entry", "rewrite", "outer", "inner",
           "outer_gradient", "inner_jacobian"]
OPTIONS = {"jacobian_shape": set(), "jacobian": set(), "gradient_entry": {"reading"},
           "rewrite": set(), "outer": {"argument", "length", "pair"},
           "inner": {"index", "length", "pair"}, "outer_gradient": {"of"},
           "inner_jacobian": {"of", "index"}}
ONES = {r"\mathbf{1}", r"\mathbb{1}", r"\boldsymbol{1}", "1"}


class IndexOutOfRange(Exception):
    """A formula names an entry that does not exist (e.g. v_0 with 1-based v)."""


class Instance:
    """The variables at one concrete size: symbol matrices and 1-based indexed readings."""

    def __init__(self, problem: MatrixCalculusProblem, size: dict[str, int]) -> None:
        self.size = size
        self.mats: dict[str, sp.Matrix] = {}
        for name, (r, c) in problem.shapes.items():
            rows, cols = self.dim(r), self.dim(c)
            self.mats[name] = sp.Matrix(rows, cols, lambda i, j, n=name, cols=cols: sp.Symbol(
                f"{n}_{i + 1}" if cols == 1 else f"{n}_{i + 1}{j + 1}", real=True))
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


def _zero(e: Any) -> bool:
    return sp.expand(e) == 0


def _random_point(inst: Instance, seed: int = 3) -> dict[sp.Symbol, sp.Rational]:
    rng = random.Random(seed)
    syms = sorted({s for M in inst.mats.values() for s in M.free_symbols}, key=str)
    return {s: sp.Rational(rng.choice([-1, 1]) * rng.randint(1, 9), rng.randint(1, 4)) for s in syms}


@problem_kind("matrix_calculus")
class MatrixCalculusProblem(Problem):
    """Jacobians and gradients of functions of vectors and matrices with symbolic sizes."""

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
        for key, shape in v.data.items():
            if not re.fullmatch(r"[A-Za-z]", key):
                raise v.error(key, "a variable name is one letter")
            if not (isinstance(shape, list) and len(shape) == 2 and all(
                    (isinstance(d, int) and not isinstance(d, bool) and d >= 1) or d in names
                    for d in shape)):
                raise v.error(key, f"expected [rows, cols], each a size name ({', '.join(names)}) "
                                   "or a positive whole number")
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
        ids = {c.id for c in claims}
        for item, claim in zip(doc.tables("claims", []), claims, strict=True):
            if claim.target in OPTIONS:
                extra = set(claim.options) - OPTIONS[claim.target] - {"function"}
                if extra:
                    raise item.error(sorted(extra)[0], f"not an option of target {claim.target!r}; "
                                     f"known: {sorted(OPTIONS[claim.target]) or 'none'}")
                if "function" in claim.options and claim.options["function"] not in alts:
                    raise item.error("function", f"no [functions.{claim.options['function']}] table")
                for key in ("pair", "of"):
                    if key in claim.options and claim.options[key] not in ids:
                        raise item.error(key, f"no claim with id {claim.options[key]!r}")
                for key in OPTIONS[claim.target] - {"reading"}:
                    if key not in claim.options:
                        raise item.error(key, f"missing field (target {claim.target!r} needs it)")
                    if not isinstance(claim.options[key], str):
                        raise item.error(key, "expected text")
                if "length" in claim.options and claim.options["length"] not in names:
                    raise item.error("length", f"expected a size name ({', '.join(names)})")
        problem = cls(doc, claims, names, check, shapes, input_name, value, vector)
        problem.validate(f)
        for key, (table, (inp, val, vec), own) in alts.items():
            problem.alts[key] = cls(doc, claims, names, own, shapes, inp, val, vec)
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

    def solve(self) -> Solution:
        lines, data = [], {}
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
        try:
            return getattr(self, f"_judge_{claim.target}")(claim)
        except NotationError as exc:
            return verdict(claim, "undecided", f"cannot read the claim: {exc.message}")

    def _sizes_text(self) -> str:
        return "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) for s in self.sizes)

    def _checked(self, claim: Claim, what: str, **extra: Any) -> Verdict:
        return verdict(claim, "correct", f"{what}: holds exactly (entries as symbols) at every "
                       f"checked size ({self._sizes_text()}); the sizes are symbolic, so this is a "
                       "check at these sizes, not a proof for all sizes", **extra)

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

    def _judge_jacobian_shape(self, claim: Claim) -> Verdict:
        m = re.fullmatch(r"\s*(\w+)\s*(?:\\times|x|×)\s*(\w+)\s*", clean(right_side(claim.latex)))
        if not m:
            raise NotationError(claim.latex, "expected a shape such as 'n \\times d'")
        for size in self.sizes:
            inst = Instance(self, size)
            J = self.truth(inst)["jacobian"]
            got = [int(g) if g.isdigit() else size.get(g) for g in m.groups()]
            if None in got:
                raise NotationError(claim.latex, f"unknown size name in {m.group(0)!r}")
            if got != [J.rows, J.cols]:
                return self._wrong(claim, inst, "the Jacobian shape", sp.Tuple(J.rows, J.cols),
                                   sp.Tuple(*got))
        return self._checked(claim, "the Jacobian shape (rows: outputs, columns: inputs)")

    def _judge_jacobian(self, claim: Claim) -> Verdict:
        rhs = clean(right_side(clean(claim.latex)))
        if rhs in ONES:
            ones_ok = ident_ok = True
            for size in self.sizes:
                J = self.truth(Instance(self, size))["jacobian"]
                ones_ok &= J == sp.ones(*J.shape)
                ident_ok &= J.is_square and J == sp.eye(J.rows)
            if ones_ok == ident_ok:
                kind = "correct" if ones_ok else "incorrect"
                return verdict(claim, kind, f"{rhs} read as all-ones or as identity: same verdict")
            right, wrong = ("the identity matrix I", "the all-ones matrix") if ident_ok else \
                ("the all-ones matrix", "the identity matrix I")
            return verdict(claim, "undecided",
                           f"ambiguous notation {rhs}: read as {right} it is correct, read as "
                           f"{wrong} it is wrong (they differ whenever the dimension is > 1; checked "
                           f"at {self._sizes_text()}); the written answer does not say which is meant",
                           expected="I" if ident_ok else "\\mathbf{1}\\mathbf{1}^\\top")
        for size in self.sizes:
            inst = Instance(self, size)
            J = self.truth(inst)["jacobian"]
            got = read_formula(rhs, inst.names(True))
            got = got if isinstance(got, sp.MatrixBase) else sp.Matrix([got])
            if got.shape != J.shape or not all(_zero(a - b) for a, b in zip(got, J, strict=True)):
                return self._wrong(claim, inst, "the Jacobian", J, got)
        return self._checked(claim, "the Jacobian")

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
        return self._checked(claim, f"the gradient entry{read}")

    def _judge_rewrite(self, claim: Claim) -> Verdict:
        for size in self.sizes:
            inst = Instance(self, size)
            f = self.truth(inst)["f"]
            got = inst.resolve(read_formula(right_side(clean(claim.latex)), inst.names(False)))
            if not _zero(got - f):
                return self._wrong(claim, inst, "the rewritten function", f, got)
        return self._checked(claim, "the rewritten function")

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
        return self._checked(claim, f"g_1(g_2(a)) = f (claims {outer.id} and {inner.id} together)")

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
        return self._checked(claim, f"the gradient of g_1 as written in claim {outer.id}")

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
        if found is None:
            return self._checked(claim, f"the Jacobian of g_2 (claim {inner.id}), with {kp} 1-based "
                                        "as a_k is indexed")
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
            found.message += f"; read with {kp} 0-based (a_{{{kp}+1}}) it is right"
        else:
            found.message += (f"; read with {kp} 0-based (a_{{{kp}+1}}) the row test is right but it "
                              f"still fails: {zero_based.message}")
        found.mistake = "off-by-one index map (0-based floor/mod used with 1-based indices)"
        return found

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
