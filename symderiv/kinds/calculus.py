"""Gradients, Hessians, Jacobians and critical points of functions given by formulas."""

from __future__ import annotations

import itertools
import re
from typing import Any, ClassVar

import sympy as sp

from ..core.errors import NotationError, ProblemFileError
from ..core.limits import SYMBOLIC_MAX_VARIABLES
from ..core.verdict import Shape, Verdict
from ..notation import ast as A
from ..notation.reading import node_value, read_value, relation_of
from ._readers import cannot_read, read_integers, read_word, unknown_target, value_sides, verdict
from .base import HEADER_KEYS, Claim, Fields, OptionSpec, Problem, Solution, problem_kind

TARGETS = ["gradient", "hessian", "jacobian", "jacobian_shape", "critical_point",
           "critical_type", "critical_points", "gradient_at", "direction"]
# options a claim of each target must carry (LaTeX points), checked when the file is read
POINT_OPTIONS = {"gradient_at": ("at",), "direction": ("at", "critical")}


def gradient(f: sp.Expr, xs: list[sp.Symbol]) -> sp.Matrix:
    """∇f = (∂f/∂x_1, ..., ∂f/∂x_n)ᵀ, a column."""
    return sp.Matrix([sp.diff(f, v) for v in xs])


def jacobian(fs: list[sp.Expr], xs: list[sp.Symbol]) -> sp.Matrix:
    """J_f[i, j] = ∂f_i/∂x_j: m×n for f: ℝⁿ → ℝᵐ."""
    return sp.Matrix([[sp.diff(fi, v) for v in xs] for fi in fs])


def classify(H: sp.Matrix) -> str:
    """The type of a critical point from the Hessian there: all eigenvalues > 0 minimum,
    all < 0 maximum, both signs saddle, otherwise (a zero eigenvalue) inconclusive. A Hessian with
    symbols left (a line of critical points, x_1 = 0 for every x_2) has a type that may vary along
    the family: 'depends on the point'."""
    if H.free_symbols:
        return "depends on the point"
    signs = []
    for e in H.eigenvals(multiple=True):
        e = sp.simplify(e)
        if e.is_zero:
            signs.append(0)
        elif e.is_positive is not None:
            signs.append(1 if e.is_positive else -1)
        else:  # a real root written with complex radicals: its sign at 50 digits
            v = sp.re(sp.N(e, 50))
            signs.append(0 if abs(v) < sp.Float(10) ** -40 else (1 if v > 0 else -1))
    if all(s > 0 for s in signs):
        return "minimum"
    if all(s < 0 for s in signs):
        return "maximum"
    if 1 in signs and -1 in signs:
        return "saddle"
    return "inconclusive"


def direction(grad: sp.Matrix, y: sp.Matrix, c: sp.Matrix) -> tuple[str, sp.Expr]:
    """Where the gradient at y points relative to the point c, and s = ∇f(y)·(y − c).

    `away` iff s > 0 (the gradient has a component along y − c, from c towards y and
    beyond), `towards` iff s < 0, `perpendicular` iff s = 0; `unknown` when the sign
    cannot be told (|s| < 10⁻⁴⁰ at 50 digits without being exactly 0).
    """
    s = sp.expand((grad.T * (y - c))[0, 0])
    if s == 0:
        return "perpendicular", s
    if s.is_positive is not None:
        return ("away" if s.is_positive else "towards"), s
    v = sp.re(sp.N(s, 50))
    if abs(v) < sp.Float(10) ** -40:
        return "unknown", s
    return ("away" if v > 0 else "towards"), s


def claimed_sides(latex: str, names: dict[str, Any]) -> list[tuple[str, sp.Matrix]]:
    """value_sides of the claim, each as a matrix."""
    return [(step, value if isinstance(value, sp.MatrixBase) else sp.Matrix([value]))
            for step, value in value_sides(latex, lambda node: node_value(latex, node, names))]


def critical_points(f: sp.Expr, xs: list[sp.Symbol]) -> list[dict[sp.Symbol, sp.Expr]] | None:
    """Solutions of ∇f = 0 found by sympy.solve (for periodic f: one per period class); every point
    ({}: no coordinate fixed) when ∇f is 0 everywhere; None when SymPy cannot solve ∇f = 0 (|x_1|)."""
    g = gradient(f, xs)
    if all(e == 0 for e in g):
        return [{}]
    if any(e.is_number and e != 0 for e in g):
        return []
    try:
        return sp.solve(list(g), xs, dict=True)
    except NotImplementedError:
        return None


@problem_kind("calculus")
class CalculusProblem(Problem):
    """`[function]` variables (names), and `scalar` (f: ℝⁿ → ℝ) or `map` (list of
    components) as LaTeX formulas; optional `[constants]` binds names to number vectors or
    matrices (e.g. v = [3, -2])."""

    claim_options: ClassVar[dict[str, OptionSpec]] = {"at": str, "critical": str}

    def __init__(self, header: Fields, claims: list[Claim], xs: list[sp.Symbol],
                 fs: list[sp.Expr], scalar: bool, names: dict[str, Any]) -> None:
        super().__init__(header, claims)
        self.xs, self.fs, self.scalar, self.names = xs, fs, scalar, names
        self._derived: dict[str, Any] | None = None

    @classmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> CalculusProblem:
        doc.check_keys(HEADER_KEYS | {"function", "constants"})
        t = doc.table("function")
        t.check_keys({"variables", "scalar", "map"})
        var_names = t.get("variables", list)
        if not var_names or not all(isinstance(v, str) for v in var_names):
            raise t.error("variables", "expected a list of names such as ['x_1', 'x_2']")
        if len(var_names) > SYMBOLIC_MAX_VARIABLES:
            raise t.error("variables", f"{len(var_names)} variables (at most {SYMBOLIC_MAX_VARIABLES})")
        xs = [sp.Symbol(v, real=True) for v in var_names]
        names: dict[str, Any] = {v: s for v, s in zip(var_names, xs, strict=True)}
        consts = doc.table("constants", {})
        for key in consts.data:
            names[key] = consts.matrix(key, max_entries=SYMBOLIC_MAX_VARIABLES**2,
                                       why=f" (a constant of at most {SYMBOLIC_MAX_VARIABLES}x"
                                           f"{SYMBOLIC_MAX_VARIABLES})")
        names.setdefault("x", sp.Matrix(xs))
        for item in doc.tables("claims", []):
            for key in POINT_OPTIONS.get(item.data.get("target", ""), ()):
                item.text(key)  # a ProblemFileError naming claims[n].key when missing or not text
        if t.has("scalar") == t.has("map"):
            raise t.error("scalar", "give exactly one of `scalar` or `map`")
        texts = [t.text("scalar")] if t.has("scalar") else t.get("map", list)
        if len(texts) > SYMBOLIC_MAX_VARIABLES:
            raise t.error("map", f"{len(texts)} components (at most {SYMBOLIC_MAX_VARIABLES})")
        fs = []
        for n, text in enumerate(texts):
            key = "scalar" if t.has("scalar") else "map"
            if not isinstance(text, str):
                raise t.error(key, f"component {n + 1}: expected a LaTeX formula")
            try:
                value = read_value(text, names)
            except NotationError as exc:
                raise t.error(key, f"cannot read {text!r}: {exc.message}") from None
            if isinstance(value, sp.MatrixBase):
                if value.shape != (1, 1):
                    raise t.error(key, "a component must be a scalar")
                value = value[0, 0]
            fs.append(value)
        return cls(doc, claims, xs, fs, t.has("scalar"), names)

    def targets(self) -> list[str]:
        return TARGETS

    def derive(self) -> dict[str, Any]:
        """Jacobian (and its shape); for a scalar f also gradient, Hessian and the critical points
        with their type (computed once)."""
        if self._derived is None:
            self._derived = self._derive()
        return self._derived

    def _derive(self) -> dict[str, Any]:
        out: dict[str, Any] = {"jacobian": jacobian(self.fs, self.xs)}
        out["jacobian_shape"] = list(out["jacobian"].shape)
        if self.scalar:
            f = self.fs[0]
            out["gradient"] = gradient(f, self.xs)
            out["hessian"] = sp.hessian(f, self.xs)
            pts = critical_points(f, self.xs)
            out["critical_points"] = None if pts is None else [
                {"point": [pt.get(v, v) for v in self.xs],
                 "type": classify(out["hessian"].subs(pt))} for pt in pts]
        return out

    def solve(self, elementwise: bool | None = None) -> Solution:
        d = self.derive()
        data = {k: sp.sstr(v.tolist() if isinstance(v, sp.MatrixBase) else v)
                for k, v in d.items()}
        return Solution(self.title, data, dict(d))

    def point(self, claim: Claim, text: str) -> dict[sp.Symbol, sp.Expr]:
        """The point the last side of `text` writes: a column or row of numbers, or (a, b, ...)."""
        last = relation_of(text).sides[-1]
        if isinstance(last, A.Group) and last.kind == "(" and len(last.items) > 1:
            vec = [node_value(text, item, {}) for item in last.items]
        else:
            value = node_value(text, last, {})
            vec = list(value) if isinstance(value, sp.MatrixBase) else [value]
        if len(vec) != len(self.xs):
            raise NotationError(text, f"expected a point with {len(self.xs)} coordinates")
        return dict(zip(self.xs, vec, strict=True))

    def judge(self, claim: Claim) -> Verdict:
        if claim.target not in TARGETS:
            return unknown_target(claim, TARGETS)
        d = self.derive()
        try:
            return self._judge(claim, d)
        except NotationError as exc:
            return cannot_read(claim, exc)

    def _judge(self, claim: Claim, d: dict[str, Any]) -> Verdict:
        target = claim.target
        if not self.scalar and target not in ("jacobian", "jacobian_shape"):
            return verdict(claim, "error", f"the target {target!r} needs a scalar function; this function is "
                           f"vector-valued ({len(self.fs)} components): its derivative is the target 'jacobian'")
        if target == "jacobian_shape":
            got = read_integers(claim.latex)
            ok = got == d["jacobian_shape"]
            return verdict(claim, "correct" if ok else "incorrect",
                           f"J_f is {d['jacobian_shape'][0]}x{d['jacobian_shape'][1]} "
                           "(rows: components, columns: variables)",
                           expected=Shape(tuple(d["jacobian_shape"])))
        if target == "critical_points":
            word = read_word(claim.latex)
            if d["critical_points"] is None:
                return verdict(claim, "undecided", "SymPy cannot solve ∇f = 0 for this function")
            none = not d["critical_points"]
            ok = (word == "none") == none
            return verdict(claim, "correct" if ok else "incorrect",
                           "the gradient never vanishes" if none else
                           f"critical points exist, e.g. {sp.sstr(d['critical_points'][0])}")
        grad = d.get("gradient")
        if target in ("critical_point", "critical_type"):
            at = claim.options.get("at", claim.latex)
            pt = self.point(claim, at if target == "critical_type" else claim.latex)
            g = grad.subs(pt)
            if target == "critical_point":
                ok = g.applyfunc(sp.simplify).is_zero_matrix
                return verdict(claim, "correct" if ok else "incorrect",
                               f"the gradient at {sp.sstr(list(pt.values()))} is "
                               f"{sp.sstr(list(g))}", expected=sp.zeros(*g.shape),
                               counterexample=None if ok else {"gradient": g})
            kind = classify(d["hessian"].subs(pt))
            word = read_word(claim.latex)
            H = d["hessian"].subs(pt)
            return verdict(claim, "correct" if word == kind else "incorrect",
                           f"Hessian {sp.sstr(H.tolist())} with eigenvalues "
                           f"{sp.sstr(H.eigenvals(multiple=True))}: {kind}",
                           expected=kind, claimed=word)
        if target == "direction":
            return self.judge_direction(claim, grad)
        if target == "gradient_at":
            pt = self.point(claim, claim.options.get("at", ""))
            true = grad.subs(pt)
            decimals = max((len(s.split(".")[1]) for s in
                            re.findall(r"\d+\.\d+", claim.latex)), default=None)
            tol = sp.Rational(1, 2) / 10**decimals if decimals else 0
            for step, got in claimed_sides(claim.latex, {}):  # noqa: B007  (step: in the message)
                ok = got.shape == true.shape and all(
                    abs(sp.N(a - b, 30)) <= tol for a, b in zip(got, true, strict=True))
                if not ok:
                    break
            return verdict(claim, "correct" if ok else "incorrect",
                           step + f"the gradient there is {sp.sstr(list(true))} ≈ "
                           f"{[float(sp.N(v)) for v in true]}"
                           + (f" (compared to the {decimals} decimals written)" if tol else ""),
                           expected=true, claimed=got)
        true = d[target]
        for step, got in claimed_sides(claim.latex, self.names):
            wrong = self.compare(claim, step, got, true)
            if wrong is not None:
                return wrong
        return verdict(claim, "correct", f"equals {sp.sstr(true.tolist())}", expected=true, claimed=got)

    def compare(self, claim: Claim, step: str, got: sp.Matrix, true: sp.Matrix) -> Verdict | None:
        """None when the side `got` equals `true` (a vector in either orientation), else the verdict."""
        if got.shape != true.shape and got.shape == true.T.shape and 1 in got.shape:
            got = got.T
        if got.shape != true.shape:
            return verdict(claim, "incorrect", f"{step}shape {got.shape} instead of {true.shape}",
                           expected=true, claimed=got)
        wrong = [(r, c) for r in range(true.rows) for c in range(true.cols)
                 if sp.simplify(got[r, c] - true[r, c]) != 0]
        if not wrong:
            return None
        pt = self.counterpoint(got, true, wrong)
        ce = {"at": {str(k): v for k, v in pt.items()}, "entries": [
            {"row": r + 1, "col": c + 1, "expected": true[r, c], "claimed": got[r, c],
             "expected at point": true[r, c].subs(pt), "claimed at point": got[r, c].subs(pt)} for r, c in wrong]}
        where = ", ".join(f"({r + 1},{c + 1})" for r, c in wrong)
        return verdict(claim, "incorrect", f"{step}wrong entries {where}", expected=true, claimed=got,
                       counterexample=ce)

    def judge_direction(self, claim: Claim, grad: sp.Matrix) -> Verdict:
        """'points away from' / 'towards' the point `critical`, for the gradient at `at`:
        judged by the sign of ∇f(y)·(y − c) (see `direction`), the true gradient at y."""
        for key in POINT_OPTIONS["direction"]:
            if not isinstance(claim.options.get(key), str):
                raise ProblemFileError(self.path, f"claims.{claim.id}.{key}", "missing field (a LaTeX point)")
        y = sp.Matrix(list(self.point(claim, claim.options["at"]).values()))
        c = sp.Matrix(list(self.point(claim, claim.options["critical"]).values()))
        g = grad.subs(dict(zip(self.xs, y, strict=True)))
        word = read_word(claim.latex)
        if word not in ("away", "towards"):
            raise NotationError(claim.latex, "expected 'towards' or 'away'")
        true, s = direction(g, y, c)
        facts = {"y": y, "c": c, "gradient at y": g, "y - c": y - c,
                 "gradient . (y - c)": s, "gradient . (y - c) (numeric)": float(sp.N(s))}
        why = (f"∇f(y)·(y − c) = {sp.sstr(s)} ≈ {float(sp.N(s)):.6g}: the gradient at "
               f"{sp.sstr(list(y))} points {true}"
               + (" of" if true == "perpendicular" else " from" if true == "away" else "")
               + f" {sp.sstr(list(c))} (away iff > 0, towards iff < 0)")
        if true == "unknown":
            return verdict(claim, "undecided", why, expected=true, claimed=word)
        if true == word:
            return verdict(claim, "correct", why, expected=true, claimed=word)
        return verdict(claim, "incorrect", why, expected=true, claimed=word, counterexample=facts)

    def counterpoint(self, got: sp.Matrix, true: sp.Matrix,
                     wrong: list[tuple[int, int]]) -> dict[sp.Symbol, sp.Expr]:
        """A simple point (coordinates 0, 1, -1) where every wrong entry visibly differs."""

        best: dict[sp.Symbol, sp.Expr] = {}
        for vals in itertools.product((0, 1, -1), repeat=len(self.xs)):
            pt = dict(zip(self.xs, map(sp.Integer, vals), strict=True))
            if all(sp.simplify((got[r, c] - true[r, c]).subs(pt)) != 0 for r, c in wrong):
                return pt
            best = best or pt
        return best
