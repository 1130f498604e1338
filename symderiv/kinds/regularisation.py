"""L2 regularisation of a quadratic model: the optimum w = (H + μI)⁻¹Hw* = Q(Λ + μI)⁻¹ΛQᵀw*."""

from __future__ import annotations

import itertools
import random
from functools import cache
from typing import Any

import sympy as sp

from ..core.errors import NotationError, SymderivError
from ..core.limits import SYMBOLIC_MAX_VARIABLES
from ..core.verdict import Verdict
from ..notation.reading import node_value, read_side, relation_of
from ._readers import cannot_read, unknown_target, value_sides, verdict
from .base import HEADER_KEYS, Claim, Fields, Problem, Solution, problem_kind

TARGETS = ["stationarity", "optimum", "shrinkage"]


def regularised_loss(H: sp.Matrix, w_star: sp.Matrix, mu: sp.Expr, w: sp.Matrix) -> sp.Expr:
    """L(w) + ½μ‖w‖² with L(w) = L(w*) + ½(w − w*)ᵀH(w − w*) (the constant L(w*) dropped)."""
    e = w - w_star
    return (e.T * H * e)[0, 0] / 2 + mu * (w.T * w)[0, 0] / 2


def stationarity(H: sp.Matrix, w_star: sp.Matrix, mu: sp.Expr, w: sp.Matrix) -> sp.Matrix:
    """∇(L + ½μ‖w‖²) = H(w − w*) + μw for symmetric H."""
    return H * (w - w_star) + mu * w


def regularised_optimum(H: sp.Matrix, w_star: sp.Matrix, mu: sp.Expr) -> sp.Matrix:
    """w = (H + μI)⁻¹Hw*: the zero of H(w − w*) + μw; H + μI is invertible for H ⪰ 0, μ > 0.
    Solved by LU rather than through the inverse (inv's simplification can take minutes on
    4x4 rationals with six-digit denominators)."""
    return (H + mu * sp.eye(H.rows)).LUsolve(H * w_star)


def spectral_optimum(Q: sp.Matrix, lams: list[sp.Expr], w_star: sp.Matrix,
                     mu: sp.Expr) -> sp.Matrix:
    """w = Q(Λ + μI)⁻¹ΛQᵀw* for H = QΛQᵀ, QᵀQ = I; (Λ + μI)⁻¹Λ = diag(λ_i/(λ_i + μ))."""
    return Q * sp.diag(*[lam / (lam + mu) for lam in lams]) * Q.T * w_star


def shrink_factor(lam: sp.Expr, mu: sp.Expr) -> sp.Expr:
    """The i-th diagonal entry of (Λ + μI)⁻¹Λ: λ_i/(λ_i + μ)."""
    return lam / (lam + mu)


STEPS = [
    ("L_mu(w) = L(w*) + 1/2 (w - w*)^T H (w - w*) + 1/2 mu ||w||^2", "the model plus the penalty"),
    ("grad L_mu(w) = H(w - w*) + mu w = 0", "first-order condition, H symmetric"),
    ("(H + mu I) w = H w*", "collect the terms in w"),
    ("w = (H + mu I)^{-1} H w*", "H + mu I is positive definite for H >= 0, mu > 0"),
    ("H + mu I = Q (Lambda + mu I) Q^T", "H = Q Lambda Q^T and I = Q Q^T"),
    ("(H + mu I)^{-1} = Q (Lambda + mu I)^{-1} Q^T", "Q^{-1} = Q^T"),
    ("w = Q (Lambda + mu I)^{-1} Q^T Q Lambda Q^T w* = Q (Lambda + mu I)^{-1} Lambda Q^T w*",
     "substitute, Q^T Q = I"),
    ("(Lambda + mu I)^{-1} Lambda = diag(lambda_i / (lambda_i + mu))",
     "inverse and product of diagonal matrices act entrywise"),
]


def general_forms() -> dict[str, sp.MatrixExpr]:
    """The stationarity condition's gradient H(w - w*) + μw and the optimum (H + μI)⁻¹Hw* for a
    symbolic n x n H (the values a verdict names as the truth)."""
    n = sp.Symbol("n", integer=True, positive=True)
    H, w, w_star = sp.MatrixSymbol("H", n, n), sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("w^*", n, 1)
    mu = sp.Symbol("mu", positive=True)
    return {"stationarity": H * (w - w_star) + mu * w,
            "optimum": sp.Inverse(H + mu * sp.Identity(n)) * H * w_star}


def _rotation(t: sp.Symbol) -> sp.Matrix:
    """A general plane rotation in rational form (t = tan(θ/2)): every rotation but θ = π."""
    c, s = (1 - t**2) / (1 + t**2), 2 * t / (1 + t**2)
    return sp.Matrix([[c, -s], [s, c]])


def _require(holds: bool, step: str) -> None:
    """Stop with an error when a step of the derivation does not check (never an assert:
    the checks must run under python -O too)."""
    if not holds:
        raise SymderivError(f"regularisation: the derivation step '{step}' did not check")


def _vanishes(m: sp.Matrix) -> bool:
    """Every entry of m is 0 as a rational function (cancel of small rational entries)."""
    return all(sp.cancel(sp.together(e)) == 0 for e in m)


@cache
def verify_symbolic(n: int) -> list[str]:
    """Check each step for a general symmetric n×n H, general w* and μ (all symbols).

    Nothing is solved or inverted symbolically (cancelling a symbolic LU solution takes
    minutes): each step is checked by multiplying back, as polynomial identities.
      1. ∇(½(w − w*)ᵀH(w − w*) + ½μ‖w‖²) = H(w − w*) + μw, by differentiating the loss;
      2. that gradient equals (H + μI)w − Hw*, so it vanishes iff (H + μI)w = Hw*;
      3. w = adj(H + μI)Hw*/det(H + μI) satisfies (H + μI)w = Hw* (det ≠ 0 for H ⪰ 0, μ > 0):
         (H + μI)·adj(H + μI) = det(H + μI)·I, expanded;
      4. (Λ + μI)·diag(λ_i/(λ_i + μ)) = Λ for a general diagonal Λ;
      5. (n = 2, Q a general rotation) (H + μI)·Q(Λ + μI)⁻¹ΛQᵀw* = Hw* for H = QΛQᵀ.
    """
    sym = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"h_{min(i, j) + 1}{max(i, j) + 1}"))
    ws = sp.Matrix(sp.symbols(f"ws_1:{n + 1}"))
    w = sp.Matrix(sp.symbols(f"w_1:{n + 1}"))
    mu = sp.Symbol("mu", positive=True)
    eye = sp.eye(n)
    loss = regularised_loss(sym, ws, mu, w)
    grad = sp.Matrix([sp.diff(loss, v) for v in w])
    done = []
    _require((grad - stationarity(sym, ws, mu, w)).expand().is_zero_matrix, "gradient")
    done.append(f"n={n}: gradient of the loss equals H(w - w*) + mu w")
    system = sym + mu * eye
    _require((stationarity(sym, ws, mu, w) - (system * w - sym * ws)).expand().is_zero_matrix, "collect w")
    adj, det = system.adjugate(), system.det()
    _require((system * adj - det * eye).expand().is_zero_matrix, "adjugate")
    done.append(f"n={n}: the solution of the first-order condition (H + mu I) w = H w* is "
                "(H + mu I)^-1 H w* (checked as (H + mu I) adj(H + mu I) = det(H + mu I) I)")
    lams = sp.symbols(f"lambda_1:{n + 1}", positive=True)
    L = sp.diag(*lams)
    _require(_vanishes((L + mu * eye) * sp.diag(*[shrink_factor(a, mu) for a in lams]) - L), "diagonal factors")
    done.append(f"n={n}: (Lambda + mu I)^-1 Lambda = diag(lambda_i/(lambda_i + mu))")
    if n == 2:
        Q = _rotation(sp.Symbol("t", real=True))
        H = Q * L * Q.T
        _require(_vanishes((H + mu * eye) * spectral_optimum(Q, list(lams), ws, mu) - H * ws), "spectral form")
        done.append("n=2, Q a general rotation: (H + mu I)^-1 H w* = Q(Lambda + mu I)^-1 "
                    "Lambda Q^T w*")
    return done


def random_instance(n: int, rng: random.Random) -> dict[str, Any]:
    """An exact random instance: rational orthogonal Q (Cayley transform of a skew matrix),
    positive decreasing Λ, H = QΛQᵀ, w*, w and μ > 0."""
    S = sp.zeros(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            S[i, j] = sp.Rational(rng.randint(-4, 4), rng.randint(1, 3))
            S[j, i] = -S[i, j]
    Q = (sp.eye(n) - S) * (sp.eye(n) + S).inv()
    lams = sorted((sp.Rational(rng.randint(1, 30), rng.randint(1, 4)) for _ in range(n)),
                  reverse=True)
    H = Q * sp.diag(*lams) * Q.T
    return {"Q": Q, "lams": lams, "Lambda": sp.diag(*lams), "H": H, "I": sp.eye(n),
            "w^*": sp.Matrix([rng.randint(-5, 5) for _ in range(n)]),
            "w": sp.Matrix([rng.randint(-5, 5) for _ in range(n)]),
            "mu": sp.Rational(rng.randint(1, 9), rng.randint(1, 3))}


@problem_kind("regularisation")
class RegularisationProblem(Problem):
    """Optional `[model]` with a concrete H (symmetric rows), w_star and mu; claims on
    `stationarity` (the first-order condition), `optimum` (a formula in H, Q, Λ, μ, I, w*)
    and `shrinkage` (the diagonal factor in λ_i and μ)."""

    def __init__(self, header: Fields, claims: list[Claim], model: dict[str, Any] | None) -> None:
        super().__init__(header, claims)
        self.model = model

    @classmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> RegularisationProblem:
        doc.check_keys(HEADER_KEYS | {"model"})
        model = None
        if doc.has("model"):
            t = doc.table("model")
            t.check_keys({"H", "w_star", "mu"})
            H = t.matrix("H", max_entries=SYMBOLIC_MAX_VARIABLES**2,
                         why=f" ({SYMBOLIC_MAX_VARIABLES} variables at most)")
            if H.rows != H.cols or H != H.T:
                raise t.error("H", "must be a symmetric square matrix")
            if H.is_positive_semidefinite is not True:  # exact (eigenvalues of a cubic are complex radicals)
                raise t.error("H", "must be positive semi-definite (a Hessian at a minimum)")
            w_star = t.matrix("w_star", shape=(H.rows, 1))
            mu = t.number("mu")
            if mu <= 0:
                raise t.error("mu", "must be positive")
            model = {"H": H, "w_star": w_star, "mu": mu}
        return cls(doc, claims, model)

    def targets(self) -> list[str]:
        return TARGETS

    def solve(self, elementwise: bool | None = None) -> Solution:
        checks = verify_symbolic(2) + verify_symbolic(3)
        data: dict[str, Any] = {"steps": [{"step": s, "why": w} for s, w in STEPS],
                                "checks": checks}
        values = {}
        if self.model:
            opt = regularised_optimum(self.model["H"], self.model["w_star"], self.model["mu"])
            data["optimum"] = [sp.sstr(v) for v in opt]
            values["optimum"] = sp.ImmutableMatrix(opt)
        return Solution(self.title, data, values)

    def instances(self) -> list[dict[str, Any]]:
        rng = random.Random(4)
        return [random_instance(n, rng) for n in (2, 3, 3)]

    def judge(self, claim: Claim) -> Verdict:
        if claim.target not in TARGETS:
            return unknown_target(claim, TARGETS)
        try:
            if claim.target == "shrinkage":
                lam, mu = sp.symbols("lambda_i mu", positive=True)
                got = read_side(claim.latex, {"\\lambda_i": lam, "\\mu": mu})
                if isinstance(got, sp.MatrixBase) or not isinstance(got, sp.Expr):  # one entry: no matrix
                    what = "matrix" if isinstance(got, sp.MatrixBase) else type(got).__name__
                    return verdict(claim, "error", f"the shrinkage factor is one formula in lambda_i and mu, "
                                                   f"not a {what}")
                true = shrink_factor(lam, mu)
                ok = sp.cancel(got - true) == 0
                return verdict(claim, "correct" if ok else "incorrect",
                               f"the i-th diagonal entry of (Λ + μI)⁻¹Λ is {true}",
                               expected=true, claimed=got,
                               counterexample=None if ok else {
                                   "lambda_i": 1, "mu": 1, "expected": true.subs({lam: 1, mu: 1}),
                                   "claimed": got.subs({lam: 1, mu: 1})})
            if claim.target == "stationarity":
                return self.judge_stationarity(claim)
            if claim.target == "optimum" and self.model:
                numbers = self.numbers_claimed(claim)
                if numbers is not None:
                    return numbers
            return self.judge_matrix(claim)
        except NotationError as exc:
            return cannot_read(claim, exc)

    def judge_stationarity(self, claim: Claim) -> Verdict:
        """The first-order condition as an equation in w, on random instances (n = 2, 3): each link of
        the chain is an identity in w, or an equation that is affine in w, holds at the optimum
        (H + μI)⁻¹Hw* and has no other solution (its matrix invertible): then it says ∇ = 0, however
        arranged ((H + μI)w = Hw*, μw = H(w* - w)). A lone expression is compared with the gradient."""
        if len(relation_of(claim.latex).sides) == 1:
            return self.judge_matrix(claim)
        conditions = 0
        for inst in self.instances():
            n = inst["H"].rows
            w = sp.Matrix(sp.symbols(f"w_1:{n + 1}"))
            names = {**self._names(inst), "w": w}
            sides = [v if isinstance(v, sp.MatrixBase) or v != 0 else sp.zeros(n, 1)  # = 0: the zero vector
                     for _, v in value_sides(claim.latex, lambda node, names=names: node_value(claim.latex, node,
                                                                                                 names))]
            optimum = regularised_optimum(inst["H"], inst["w^*"], inst["mu"])
            ce = {k: v for k, v in inst.items() if k in ("H", "w^*", "mu")} | {"optimum": optimum}
            for a, b in itertools.pairwise(sides):
                r = a - b if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase) and a.shape == b.shape \
                    else None
                if r is None or r.shape != w.shape:
                    return verdict(claim, "incorrect", "the two sides of an equality are not both vectors of "
                                   f"the size of w ({n})", counterexample=ce)
                r = r.applyfunc(sp.expand)
                if r.is_zero_matrix:
                    continue  # an identity in w: a rewriting step
                conditions += 1
                at = r.subs(dict(zip(w, optimum, strict=True))).applyfunc(sp.simplify)
                if not at.is_zero_matrix:
                    return verdict(claim, "incorrect", "the optimum (H + mu I)^{-1} H w* does not satisfy the "
                                   "equation (an instance)", counterexample=ce | {"residual at the optimum": at})
                P = r.jacobian(w)
                if P.free_symbols & set(w):
                    return verdict(claim, "undecided", "the equation is not linear in w: whether it has other "
                                   "solutions than the optimum is not decided here")
                if P.det() == 0:
                    return verdict(claim, "incorrect", "the equation holds at the optimum but does not determine "
                                   "w (other vectors satisfy it too)", counterexample=ce)
        if not conditions:
            return verdict(claim, "incorrect", "the claim holds for every w: it is no condition on w")
        return verdict(claim, "correct", "an equation in w whose only solution is the optimum (H + mu I)^{-1} H w*, "
                       f"as H(w - w*) + mu w = 0's, on {len(self.instances())} exact random instances (n = 2, 3)",
                       expected=general_forms()[claim.target])

    def numbers_claimed(self, claim: Claim) -> Verdict | None:
        """A claim of numbers alone (w = [2/3, 1/2]) is about the file's [model]: judged against its
        optimum exactly; None for a formula (judged on random instances)."""
        try:
            got = read_side(claim.latex, {})
        except NotationError:
            return None
        true = sp.Matrix(regularised_optimum(self.model["H"], self.model["w_star"], self.model["mu"]))
        got = got if isinstance(got, sp.MatrixBase) else sp.Matrix([got])
        if got.shape == true.T.shape and 1 in got.shape:
            got = got.T
        ok = got.shape == true.shape and (got - true).applyfunc(sp.simplify).is_zero_matrix
        return verdict(claim, "correct" if ok else "incorrect",
                       f"the optimum of this problem's model is {sp.sstr(list(true))}", expected=true, claimed=got)

    @staticmethod
    def _names(inst: dict[str, Any]) -> dict[str, Any]:
        return {"Q": inst["Q"], "\\Lambda": inst["Lambda"], "H": inst["H"], "I": inst["I"], "w": inst["w"],
                "w^*": inst["w^*"], "w_{star}": inst["w^*"], "\\mu": inst["mu"]}

    def judge_matrix(self, claim: Claim) -> Verdict:
        """Evaluate the claim exactly on random instances H = QΛQᵀ (n = 2, 3)."""
        side = 0 if claim.target == "stationarity" else -1  # a lone gradient H(w - w*) + mu w
        for inst in self.instances():
            names = self._names(inst)
            got = read_side(claim.latex, names, side)
            if claim.target == "stationarity":
                true = stationarity(inst["H"], inst["w^*"], inst["mu"], inst["w"])
            else:
                true = regularised_optimum(inst["H"], inst["w^*"], inst["mu"])
            if not isinstance(got, sp.MatrixBase) or got.shape != true.shape or not (
                    got - true).applyfunc(sp.simplify).is_zero_matrix:
                ce = {k: v for k, v in inst.items() if k in ("H", "Q", "Lambda", "w^*", "w", "mu")}
                ce["expected"] = true
                ce["claimed"] = got
                return verdict(claim, "incorrect", "differs from the true value on an instance",
                               counterexample=ce)
        what = ("the gradient H(w - w*) + mu w" if claim.target == "stationarity"
                else "(H + mu I)^{-1} H w*")
        return verdict(claim, "correct",
                       f"equals {what} on {len(self.instances())} exact random instances "
                       "(n = 2, 3); the symbolic derivation is printed by solve",
                       expected=general_forms()[claim.target])
