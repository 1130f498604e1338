"""Identities proven for every size K: softmax cross-entropy, log-sum-exp, sigmoid and tanh."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sympy as sp

from ..errors import NotationError
from ..problem import HEADER_KEYS, Claim, Fields, Problem, Solution, problem_kind
from ..verdict import Verdict
from ._formula import read_formula, right_side
from ._readers import unknown_target, verdict

K = sp.Symbol("K", integer=True, positive=True)
i, j, k = sp.symbols("i j k", integer=True, positive=True)
z = sp.IndexedBase("z")
t = sp.IndexedBase("t")
x = sp.Symbol("x", real=True)
SM = sp.Symbol("softmax(z)_i")  # the name the last steps print


@dataclass
class Step:
    """One line of a proof: an equation `lhs = rhs` and why it holds."""

    lhs: sp.Basic
    rhs: sp.Basic
    why: str

    def __str__(self) -> str:
        return f"{sp.sstr(self.lhs)} = {sp.sstr(self.rhs)}    [{self.why}]"


@dataclass
class Proof:
    """A chain of steps for symbolic sizes ending in `lhs = claim`, plus concrete checks."""

    name: str
    statement: str
    steps: list[Step]
    checks: list[str] = field(default_factory=list)


def sum_deltas(expr: sp.Basic) -> sp.Basic:
    """Do every Kronecker-delta summation: Σ_{k=a}^{b} f(k) δ_{ik} = f(i).

    Applied bottom-up to each single-index Sum: the body is split into terms (linearity);
    a term with a factor δ_{ik} (or δ_{ki}) loses the factor and has k replaced by i, which
    assumes a ≤ i ≤ b (the free index ranges over the summation range, as in every
    identity here); terms without k are multiplied by b − a + 1; the rest stay summed.
    SymPy's own simplify is not used on these sums (1.14 raises StopIteration on them).
    """
    if not expr.args:
        return expr
    expr = expr.func(*[sum_deltas(a) for a in expr.args])
    if not isinstance(expr, sp.Sum) or len(expr.limits) != 1:
        return expr
    var, lo, hi = expr.limits[0]
    out = []
    for term in sp.Add.make_args(sp.expand(expr.function)):
        factors = sp.Mul.make_args(term)
        delta = next((f for f in factors if isinstance(f, sp.KroneckerDelta) and var in f.args
                      and (f.args[0] != f.args[1])), None)
        if delta is not None:
            other = delta.args[1] if delta.args[0] == var else delta.args[0]
            rest = sp.Mul(*[f for f in factors if f is not delta])
            out.append(rest.subs(var, other))
        elif var not in term.free_symbols:
            out.append(term * (hi - lo + 1))
        else:
            out.append(sp.Sum(term, (var, lo, hi)))
    return sp.Add(*out)


def softmax(logits: sp.IndexedBase, idx: sp.Expr, size: sp.Expr, dummy: sp.Symbol = j) -> sp.Expr:
    """softmax(z)_idx = exp(z_idx) / Σ_{j=1}^{size} exp(z_j)."""
    return sp.exp(logits[idx]) / sp.Sum(sp.exp(logits[dummy]), (dummy, 1, size))


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """Equality of two expressions whose sums are the same objects (no simplify of sums)."""
    return sp.cancel(sp.expand(a - b)) == 0


def _concrete_check(E: Any, claim: Any, sizes: range, seed: int = 0) -> list[str]:
    """For each K in `sizes`: dE/dz_i with every sum written out equals the claim, exactly
    for K ≤ 3 and at random points (to 1e-12) for all K."""
    rng = random.Random(seed)
    out = []
    for n in sizes:
        zs = [z[m] for m in range(1, n + 1)]
        for ii in range(1, n + 1):
            lhs = sp.diff(E(n), z[ii])
            rhs = claim(n, ii)
            if n <= 3:
                assert sp.simplify(lhs - rhs) == 0, (n, ii)
            for _ in range(3):
                pt = {s: rng.uniform(-2, 2) for s in zs}
                pt.update({t[m]: rng.uniform(0, 1) for m in range(1, n + 1)})
                assert abs(complex((lhs - rhs).subs(pt).evalf())) < 1e-12, (n, ii)
        out.append(f"K={n}: checked for every i " + ("exactly and " if n <= 3 else "")
                   + "at random points")
    return out


@cache
def softmax_cross_entropy() -> Proof:
    """E = −Σ_k t_k log softmax(z)_k  ⟹  ∂E/∂z_i = softmax(z)_i Σ_k t_k − t_i, and
    = softmax(z)_i − t_i when Σ_k t_k = 1 (for instance a one-hot t)."""
    S = sp.Sum(sp.exp(z[j]), (j, 1, K))
    E0 = -sp.Sum(t[k] * sp.log(sp.exp(z[k]) / S), (k, 1, K))
    E1 = -sp.Sum(t[k] * z[k], (k, 1, K)) + sp.Sum(t[k], (k, 1, K)) * sp.log(S)
    dE = sp.Symbol("dE/dz_i")
    d2 = sp.diff(E1, z[i])
    d3 = sum_deltas(d2)
    target = softmax(z, i, K) * sp.Sum(t[k], (k, 1, K)) - t[i]
    assert _same(d3, target)
    one = d3.subs(sp.Sum(t[k], (k, 1, K)), 1)
    assert _same(one, softmax(z, i, K) - t[i])
    steps = [
        Step(sp.Symbol("E"), E0, "definition, softmax(z)_k = exp(z_k)/S, S = Σ_j exp(z_j)"),
        Step(sp.Symbol("E"), E1, "log(exp(z_k)/S) = z_k − log S; log S does not depend on k"),
        Step(dE, d2, "differentiate under the sums: ∂z_k/∂z_i = δ_ik"),
        Step(dE, d3, "Σ_k a_k δ_ik = a_i (1 ≤ i ≤ K)"),
        Step(dE, SM * sp.Sum(t[k], (k, 1, K)) - t[i], "exp(z_i)/S = softmax(z)_i"),
        Step(dE, SM - t[i], "if Σ_k t_k = 1 (one-hot t)"),
    ]

    def E(n: int) -> sp.Expr:
        Sn = sum(sp.exp(z[m]) for m in range(1, n + 1))
        return -sum(t[m] * sp.log(sp.exp(z[m]) / Sn) for m in range(1, n + 1))

    def claim(n: int, ii: int) -> sp.Expr:
        Sn = sum(sp.exp(z[m]) for m in range(1, n + 1))
        return sp.exp(z[ii]) / Sn * sum(t[m] for m in range(1, n + 1)) - t[ii]

    return Proof("softmax_cross_entropy",
                 "dE/dz_i = softmax(z)_i * sum_k t_k - t_i"
                 "  (= softmax(z)_i - t_i if sum_k t_k = 1)",
                 steps, _concrete_check(E, claim, range(2, 7)))


@cache
def log_sum_exp_gradient() -> Proof:
    """∂/∂z_i log Σ_j exp(z_j) = softmax(z)_i for every K."""
    S = sp.Sum(sp.exp(z[j]), (j, 1, K))
    d = sp.Symbol("d lse/dz_i")
    d1 = sp.diff(sp.log(S), z[i])
    d2 = sum_deltas(d1)
    assert _same(d2, softmax(z, i, K))
    steps = [Step(sp.Symbol("lse(z)"), sp.log(S), "definition"),
             Step(d, d1, "chain rule, ∂z_j/∂z_i = δ_ij"),
             Step(d, d2, "Σ_j a_j δ_ij = a_i (1 ≤ i ≤ K)"),
             Step(d, SM, "exp(z_i)/Σ_j exp(z_j) = softmax(z)_i")]

    def E(n: int) -> sp.Expr:
        return sp.log(sum(sp.exp(z[m]) for m in range(1, n + 1)))

    def claim(n: int, ii: int) -> sp.Expr:
        return sp.exp(z[ii]) / sum(sp.exp(z[m]) for m in range(1, n + 1))

    return Proof("log_sum_exp_gradient", "d/dz_i log sum_j exp(z_j) = softmax(z)_i", steps,
                 _concrete_check(E, claim, range(2, 7)))


def _scalar_check(f: sp.Expr, claim: sp.Expr) -> list[str]:
    rng = random.Random(1)
    for _ in range(20):
        a, h = rng.uniform(-4, 4), 1e-5
        fd = (float(f.subs(x, a + h)) - float(f.subs(x, a - h))) / (2 * h)
        assert abs(fd - float(claim.subs(x, a))) < 1e-7
    return ["20 random points: central differences agree to 1e-7"]


@cache
def sigmoid_derivative() -> Proof:
    """σ(x) = 1/(1 + e^{−x}) ⟹ σ'(x) = σ(x)(1 − σ(x))."""
    sig = 1 / (1 + sp.exp(-x))
    d = sp.diff(sig, x)
    split = sig * (sp.exp(-x) / (1 + sp.exp(-x)))
    assert sp.simplify(d - split) == 0
    assert sp.simplify(sp.exp(-x) / (1 + sp.exp(-x)) - (1 - sig)) == 0
    ds = sp.Symbol("sigma'(x)")
    s = sp.Function("sigma")(x)
    steps = [Step(ds, d, "quotient rule"),
             Step(ds, split, "split the fraction"),
             Step(ds, s * (1 - s), "e^{-x}/(1 + e^{-x}) = 1 − σ(x)")]
    return Proof("sigmoid_derivative", "sigma'(x) = sigma(x) (1 - sigma(x))", steps,
                 _scalar_check(sig, sig * (1 - sig)))


@cache
def tanh_derivative() -> Proof:
    """tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) ⟹ tanh'(x) = 1 − tanh²(x)."""
    th = (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x))
    d = sp.diff(th, x)
    mid = ((sp.exp(x) + sp.exp(-x)) ** 2 - (sp.exp(x) - sp.exp(-x)) ** 2) / (
        sp.exp(x) + sp.exp(-x)) ** 2
    assert sp.simplify(d - mid) == 0 and sp.simplify(mid - (1 - th**2)) == 0
    dt = sp.Symbol("tanh'(x)")
    steps = [Step(dt, d, "quotient rule"),
             Step(dt, mid, "common denominator"),
             Step(dt, 1 - sp.tanh(x) ** 2, "split the fraction: 1 − tanh(x)^2")]
    return Proof("tanh_derivative", "tanh'(x) = 1 - tanh(x)^2", steps,
                 _scalar_check(th, 1 - th**2))


IDENTITIES = {
    "softmax_cross_entropy": softmax_cross_entropy,
    "log_sum_exp_gradient": log_sum_exp_gradient,
    "sigmoid_derivative": sigmoid_derivative,
    "tanh_derivative": tanh_derivative,
}
TARGETS = {"softmax_cross_entropy": ["loss", "derivative", "derivative_one_hot"],
           "log_sum_exp_gradient": ["derivative"],
           "sigmoid_derivative": ["derivative"], "tanh_derivative": ["derivative"]}


@problem_kind("identity")
class IdentityProblem(Problem):
    """`[identity]` name (one of IDENTITIES), and the names the claims use: `logits`
    (default z), `targets` (default t), `index` (the free index, default i)."""

    def __init__(self, header: Fields, claims: list[Claim], name: str,
                 logits: str, targets: str, index: str) -> None:
        super().__init__(header, claims)
        self.name, self.logits, self.target_name, self.index = name, logits, targets, index

    @classmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> IdentityProblem:
        doc.check_keys(HEADER_KEYS | {"identity"})
        tbl = doc.table("identity")
        tbl.check_keys({"name", "logits", "targets", "index"})
        name = tbl.choice("name", sorted(IDENTITIES))
        names = [tbl.text(key, default) for key, default in
                 (("logits", "z"), ("targets", "t"), ("index", "i"))]
        for key, value in zip(("logits", "targets", "index"), names, strict=True):
            if len(value) != 1 or not value.isalpha():
                raise tbl.error(key, f"expected a one-letter name, got {value!r}")
        return cls(doc, claims, name, *names)

    def targets(self) -> list[str]:
        return TARGETS[self.name]

    def solve(self) -> Solution:
        proof = IDENTITIES[self.name]()
        lines = [f"identity: {proof.statement}", "proof for symbolic K:"]
        lines += [f"  {n + 1}. {s}" for n, s in enumerate(proof.steps)]
        lines += ["checked at concrete sizes:"] + [f"  - {c}" for c in proof.checks]
        data = {"identity": self.name, "statement": proof.statement,
                "steps": [{"lhs": sp.sstr(s.lhs), "rhs": sp.sstr(s.rhs),
                           "latex": sp.latex(s.rhs), "why": s.why} for s in proof.steps],
                "checks": proof.checks}
        return Solution(self.title, data, "\n".join(lines))

    def judge(self, claim: Claim) -> Verdict:
        if claim.target not in self.targets():
            return unknown_target(claim, self.targets())
        if self.name != "softmax_cross_entropy":
            return self.judge_scalar(claim)
        try:
            return self.judge_softmax(claim)
        except NotationError as exc:
            return verdict(claim, "undecided", f"cannot read the claim: {exc.message}")

    def judge_scalar(self, claim: Claim) -> Verdict:
        proof = IDENTITIES[self.name]()
        s = sp.Function("sigma")(x)
        names = {"x": x, "z": x, "sigma": s, "sigma(x)": s}
        try:
            got = read_formula(right_side(claim.latex), names)
        except NotationError as exc:
            return verdict(claim, "undecided", f"cannot read the claim: {exc.message}")
        true = proof.steps[-1].rhs
        ok = sp.simplify((got - true).subs(s, 1 / (1 + sp.exp(-x))).rewrite(sp.exp)) == 0
        return verdict(claim, "correct" if ok else "incorrect", proof.statement,
                       expected=sp.latex(true), claimed=sp.latex(got))

    def judge_softmax(self, claim: Claim) -> Verdict:
        """Evaluate the claim for K = 2..5, every free index, at simple and random points."""
        y, tt = sp.IndexedBase(self.logits), sp.IndexedBase(self.target_name)
        free = sp.Symbol(self.index, integer=True, positive=True)
        hot_name = claim.options.get("one_hot_index")
        hot = sp.Symbol(hot_name, integer=True, positive=True) if hot_name else None
        one_hot = claim.target == "derivative_one_hot"
        rng = random.Random(0)
        unknown_value = 2
        for n in range(2, 6):
            names: dict[str, Any] = {self.logits: y, self.target_name: tt, self.index: free,
                                     "K": sp.Integer(n)}
            if hot is not None:
                names[hot_name] = hot
            got = read_formula(right_side(claim.latex), names)
            opaque = [s for s in got.free_symbols
                      if isinstance(s, sp.Symbol) and s not in (free, hot, y.label, tt.label)]
            for ii, h in itertools.product(range(1, n + 1), range(1, n + 1)):
                points = [("all logits 0", [0] * n)] + [
                    ("random", [rng.randint(-3, 3) for _ in range(n)]) for _ in range(2)]
                for label, zs in points:
                    if one_hot:
                        ts = [1 if m == h else 0 for m in range(1, n + 1)]
                    else:
                        ts = [rng.randint(0, 3) for _ in range(n)]
                    sub = {y[m]: zs[m - 1] for m in range(1, n + 1)}
                    sub.update({tt[m]: ts[m - 1] for m in range(1, n + 1)})
                    val = got.subs({free: ii, **({hot: h} if hot is not None else {})})
                    val = val.doit().subs(sub).subs({s: unknown_value for s in opaque})
                    true = self.truth(claim.target, n, ii, zs, ts)
                    if sp.N(val - true, 30) == 0 or abs(sp.N(val - true, 30)) < 1e-20:
                        continue
                    ce = {"K": n, self.index: ii, self.logits: zs, self.target_name: ts,
                          "expected": sp.sstr(sp.nsimplify(true)), "claimed": sp.sstr(val)}
                    if opaque:
                        ce.update({str(s): unknown_value for s in opaque})
                    msg = f"differs from the derivation at K={n}, {self.index}={ii} ({label})"
                    mistake = None
                    if opaque:
                        mistake = ("the right side carries the extra factor "
                                   + ", ".join(map(str, opaque))
                                   + ": that is the chain-rule term of the derivative with "
                                   "respect to a weight, not of the derivative with respect "
                                   "to the logit")
                    return verdict(claim, "incorrect", msg, counterexample=ce, mistake=mistake,
                                   expected=self.expected_text(claim.target))
        cond = " with one-hot targets" if one_hot else ""
        if hot is not None:
            cond += f" (hot index {hot_name})"
        return verdict(claim, "correct",
                       f"agrees with the derivation{cond} for K = 2..5, every index, at "
                       "simple and random points; the identity itself is proved for symbolic "
                       "K by solve", expected=self.expected_text(claim.target))

    def expected_text(self, target: str) -> str:
        return {"loss": "log(sum_j exp(z_j)) sum_k t_k - sum_k t_k z_k",
                "derivative": "softmax(z)_i sum_k t_k - t_i",
                "derivative_one_hot": "softmax(z)_i - t_i"}[target]

    @staticmethod
    def truth(target: str, n: int, ii: int, zs: list[int], ts: list[int]) -> sp.Expr:
        S = sum(sp.exp(v) for v in zs)
        if target == "loss":
            return -sum(tv * sp.log(sp.exp(v) / S) for tv, v in zip(ts, zs, strict=True))
        return sp.exp(zs[ii - 1]) / S * sum(ts) - ts[ii - 1]
