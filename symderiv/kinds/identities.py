"""Identities proven for every size K: softmax cross-entropy, log-sum-exp, sigmoid and tanh."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

import sympy as sp

from ..core.errors import NotationError, Timeout
from ..core.timebound import bounded
from ..core.verdict import Verdict
from ..notation.evaluate import IV, PointValues, closer_than
from ._formula import read_formula, right_side
from ._readers import cannot_read, unknown_target, verdict
from .base import HEADER_KEYS, Claim, Fields, OptionSpec, Problem, Solution, problem_kind

K = sp.Symbol("K", integer=True, positive=True)
i, j, k, p = sp.symbols("i j k p", integer=True, positive=True)
z = sp.IndexedBase("z", real=True)  # logits are real: SymPy then knows e^{z_k} > 0
t = sp.IndexedBase("t")
x = sp.Symbol("x", real=True)
SM = sp.Symbol("softmax(z)_i")  # the name the last steps print
SIGMA = sp.Function("sigma")(x)

TINY = sp.Rational(1, 10**20)  # a claim this close to the truth at a point agrees there
STEP_SECONDS = 20.0  # time limit of one step's mechanical check
CHECK_SECONDS = 60.0  # time limit of the checks at concrete sizes


class CheckFailed(Exception):
    """A step's mechanical check found that the step does not follow."""


@dataclass
class Step:
    """One line of a proof: an equation `lhs = rhs`, why it holds, and how that was checked.

    `status` is `checked` (the mechanical check passed), `undecided` (it ran out of time or
    SymPy could not decide) or `failed` (the check found the line does not follow).
    """

    lhs: sp.Basic
    rhs: sp.Basic
    why: str
    check: str = ""
    status: str = "checked"

    def __str__(self) -> str:
        return f"{sp.sstr(self.lhs)} = {sp.sstr(self.rhs)}    [{self.why}]"


@dataclass
class Proof:
    """A chain of steps for symbolic sizes ending in `lhs = claim`, plus concrete checks."""

    name: str
    statement: str
    steps: list[Step]
    checks: list[str] = field(default_factory=list)
    over: str = "symbolic K"

    @property
    def proved(self) -> bool:
        """True when every step's mechanical check passed."""
        return all(s.status == "checked" for s in self.steps)


def step(lhs: sp.Basic, rhs: sp.Basic, why: str, check: Callable[[], str],
         seconds: float = STEP_SECONDS) -> Step:
    """A Step whose `check` (returning a description, raising CheckFailed) ran within `seconds`.

    A timeout, or SymPy raising on the way, leaves the step `undecided`, never `checked`.
    """
    try:
        return Step(lhs, rhs, why, bounded(check, seconds=seconds), "checked")
    except CheckFailed as exc:
        return Step(lhs, rhs, why, f"FAILED: {exc}", "failed")
    except Timeout as exc:
        return Step(lhs, rhs, why, f"undecided: {exc}", "undecided")
    except Exception as exc:  # SymPy gave up inside the check: not a proof either way
        return Step(lhs, rhs, why, f"undecided: SymPy raised {type(exc).__name__}", "undecided")


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


def linear_sums(expr: sp.Basic) -> sp.Basic:
    """A normal form of single-index sums by linearity: Σ_k (c·a_k + b_k) = c·Σ_k a_k + Σ_k b_k.

    Bottom-up, each Sum's body is expanded into terms and each term split into the factor
    free of the summation index (taken out) and the rest (kept summed, so equal sums become
    the same object); a term free of the index is multiplied by the number of terms. Every
    rewrite is an identity, so equal normal forms prove equal expressions.
    """
    if not expr.args:
        return expr
    expr = expr.func(*[linear_sums(a) for a in expr.args])
    if not isinstance(expr, sp.Sum) or len(expr.limits) != 1:
        return expr
    var, lo, hi = expr.limits[0]
    out = []
    for term in sp.Add.make_args(sp.expand(expr.function)):
        const, dep = term.as_independent(var, as_Add=False)
        out.append(const * (hi - lo + 1) if dep == 1 else const * sp.Sum(dep, (var, lo, hi)))
    return sp.Add(*out)


def softmax(logits: sp.IndexedBase, idx: sp.Expr, size: sp.Expr, dummy: sp.Symbol = j) -> sp.Expr:
    """softmax(z)_idx = exp(z_idx) / Σ_{j=1}^{size} exp(z_j)."""
    return sp.exp(logits[idx]) / sp.Sum(sp.exp(logits[dummy]), (dummy, 1, size))


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """Equality of two expressions whose sums are the same objects (no simplify of sums)."""
    return sp.cancel(sp.expand(a - b)) == 0


def _same_linear(a: sp.Expr, b: sp.Expr) -> bool:
    """Equality after bringing both sides' sums to the linear normal form."""
    return _same(linear_sums(sp.expand(a)), linear_sums(sp.expand(b)))


def exp_rational_zero(e: sp.Expr, variables: list[sp.Expr]) -> bool:
    """e ≡ 0 for all real values of `variables`, for e built from exp of ±(integer multiples of)
    them, σ, tanh and rational operations: with v = log w (w > 0) every e^{nv} becomes wⁿ,
    so e is a rational function of the w's and cancel decides whether it is 0."""
    e = e.replace(sp.Function("sigma"), lambda u: 1 / (1 + sp.exp(-u))).rewrite(sp.tanh, sp.exp)
    ws = {v: sp.log(sp.Dummy(f"w{n}", positive=True)) for n, v in enumerate(variables)}
    return sp.cancel(sp.together(e.xreplace(ws))) == 0


def zero_logits(expr: sp.Expr) -> sp.Expr:
    """expr at z = 0 (every z_k, inside sums too), with the sums of constants counted."""
    return linear_sums(expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base == z,
                                    lambda e: sp.Integer(0)))


# -- the mechanical check of each kind of step ------------------------------------------


def check_definition(rhs: sp.Expr, definition: sp.Expr, what: str) -> Callable[[], str]:
    """The line is the definition, letter for letter (structural equality)."""

    def run() -> str:
        if rhs != definition:
            raise CheckFailed(f"the line is not {what}")
        return f"the line is {what}, structurally identical"
    return run


def log_quotient_by_calculus(before: sp.Expr, after: sp.Expr) -> str | None:
    """None when before = after is confirmed by calculus, else what went wrong.

    D = before − after has ∂D/∂z_p = 0 for a generic 1 ≤ p ≤ K (explicit delta summation;
    derivatives of logs are rational, so no log rule is used), so D does not depend on z;
    and D = 0 at z = 0 (there log(1/K) = −log K, K > 0).
    """
    D = before - after
    dD = linear_sums(sp.expand(sum_deltas(sp.diff(D, z[p]))))
    if sp.cancel(dD) != 0:
        return f"d/dz_p of the difference is {dD}, not 0"
    at0 = sp.expand(linear_sums(sp.expand_log(zero_logits(D))))
    if at0 != 0:
        return f"at z = 0 the two sides differ by {at0}"
    return None


def check_log_quotient(before: sp.Expr, after: sp.Expr) -> Callable[[], str]:
    """log(e^{z_k}/S) = z_k − log S inside the sum, checked twice.

    (a) expand_log without force: it splits the log only because SymPy itself derives
    e^{z_k} > 0 (z real) and S = Σ_j e^{z_j} > 0; then linearity of Σ_k (linear_sums).
    (b) independently, by calculus (log_quotient_by_calculus).
    """

    def run() -> str:
        S = sp.Sum(sp.exp(z[j]), (j, 1, K))
        if not (sp.exp(z[k]).is_positive and S.is_positive):
            raise CheckFailed("SymPy cannot derive e^{z_k} > 0 and S > 0")
        split = before.replace(sp.log, lambda u: sp.expand_log(sp.log(u)))
        if split.has(sp.log(sp.exp(z[k]) / S)) or not _same_linear(split, after):
            raise CheckFailed("expand_log and linearity of the sums do not give the next line")
        problem = log_quotient_by_calculus(before, after)
        if problem is not None:
            raise CheckFailed(problem)
        return ("(a) expand_log, no force (SymPy derives e^{z_k} > 0, S > 0), then linearity "
                "of the sums: difference 0; (b) d/dz_p(left - right) = 0 for a generic "
                "1 <= p <= K after delta summation, and left = right at z = 0")
    return run


def check_derivative(before: sp.Expr, after: sp.Expr, var: sp.Expr) -> Callable[[], str]:
    """The line is SymPy's derivative of the previous line's right side (∂z_k/∂z_i = δ_ik)."""

    def run() -> str:
        d = sp.diff(before, var)
        if d != after and not _same(d, after):
            raise CheckFailed(f"sympy.diff gives {d}")
        return f"sympy.diff of the previous line w.r.t. {var} gives this line"
    return run


def check_delta_sums(before: sp.Expr, after: sp.Expr, free: sp.Symbol, size: sp.Symbol) -> Callable[[], str]:
    """Σ_k a_k δ_ik = a_i for 1 ≤ i ≤ K, checked twice: by the rule (sum_deltas) and by SymPy's
    own Sum.doit, which gives Piecewise((a_i, K ≥ i), (0, True)); its first branch is taken
    after confirming its condition holds for K = i + m, m ≥ 0 (that is, i ≤ K)."""

    def run() -> str:
        if not _same(sum_deltas(before), after):
            raise CheckFailed("the delta rule does not give this line")
        m = sp.Dummy("m", integer=True, nonnegative=True)

        def by_doit(s: sp.Sum) -> sp.Expr:
            value = s.doit()
            if isinstance(value, sp.Piecewise):
                branch = next((e for e, c in value.args if c.subs(size, free + m) is sp.true), None)
                if branch is None:
                    raise CheckFailed(f"Sum.doit gave {value}, no branch holds for i <= K")
                return branch
            return value

        doit = before.replace(lambda e: isinstance(e, sp.Sum) and e.has(sp.KroneckerDelta), by_doit)
        if doit.has(sp.KroneckerDelta) or not _same(doit, after):
            raise CheckFailed(f"Sum.doit gives {doit}")
        return ("the delta rule, and SymPy's Sum.doit (branch 1 <= i <= K of its Piecewise): "
                "both give this line")
    return run


def check_rename(before: sp.Expr, after: sp.Expr, name: sp.Symbol, value: sp.Expr) -> Callable[[], str]:
    """Writing `name` for `value`: putting `value` back into this line gives the previous one."""

    def run() -> str:
        if not _same(after.subs(name, value), before):
            raise CheckFailed(f"{name} -> {value} does not give the previous line back")
        return f"replacing {name} by {sp.sstr(value)} gives the previous line back"
    return run


def check_condition(before: sp.Expr, after: sp.Expr, old: sp.Expr, new: sp.Expr,
                    text: str) -> Callable[[], str]:
    """Under the hypothesis old = new: substituting it into the previous line gives this one."""

    def run() -> str:
        if not _same(before.subs(old, new), after):
            raise CheckFailed(f"substituting {text} gives {before.subs(old, new)}")
        return f"substituting {text} into the previous line gives this line"
    return run


def check_exp_rational(before: sp.Expr, after: sp.Expr) -> Callable[[], str]:
    """Both sides are rational in e^x: with x = log w (w > 0), cancel(before − after) = 0."""

    def run() -> str:
        if not exp_rational_zero(before - after, [x]):
            raise CheckFailed("the two lines differ as rational functions of e^x")
        return "with x = log w (w > 0) both lines are rational in w; cancel of the difference is 0"
    return run


# -- the proofs ---------------------------------------------------------------------------


def _concrete_check(E: Any, claim: Any, sizes: range, seed: int = 0, exact_up_to: int = 4) -> list[str]:
    """For each K in `sizes`: dE/dz_i with every sum written out equals the claim, exactly
    (as rational functions of e^{z_1}..e^{z_K}) for K ≤ exact_up_to, and at random points
    (to 1e-12) for all K."""
    rng = random.Random(seed)
    out = []
    for n in sizes:
        zs = [z[m] for m in range(1, n + 1)]
        bad = []
        for ii in range(1, n + 1):
            lhs = sp.diff(E(n), z[ii])
            rhs = claim(n, ii)
            if n <= exact_up_to and not exp_rational_zero(lhs - rhs, zs):
                bad.append(ii)
            for _ in range(3):
                pt = {s: rng.uniform(-2, 2) for s in zs}
                pt.update({t[m]: rng.uniform(0, 1) for m in range(1, n + 1)})
                if abs(complex((lhs - rhs).subs(pt).evalf())) >= 1e-12:
                    bad.append(ii)
        how = ("exactly and " if n <= exact_up_to else "") + "at random points"
        out.append(f"K={n}: " + (f"FAILED for i in {sorted(set(bad))}" if bad
                                 else f"checked for every i {how}"))
    return out


def _bounded_checks(fn: Callable[[], list[str]]) -> list[str]:
    """The concrete checks within CHECK_SECONDS; a timeout is reported, not hidden."""
    try:
        return bounded(fn, seconds=CHECK_SECONDS)
    except Timeout as exc:
        return [f"undecided: the concrete checks {exc}"]


@cache
def softmax_cross_entropy() -> Proof:
    """E = −Σ_k t_k log softmax(z)_k  ⟹  ∂E/∂z_i = softmax(z)_i Σ_k t_k − t_i, and
    = softmax(z)_i − t_i when Σ_k t_k = 1 (for instance a one-hot t)."""
    S = sp.Sum(sp.exp(z[j]), (j, 1, K))
    T = sp.Sum(t[k], (k, 1, K))
    E0 = -sp.Sum(t[k] * sp.log(sp.exp(z[k]) / S), (k, 1, K))
    E1 = -sp.Sum(t[k] * z[k], (k, 1, K)) + T * sp.log(S)
    d2 = sp.diff(E1, z[i])
    d3 = sum_deltas(d2)
    d4 = SM * T - t[i]
    d5 = SM - t[i]
    dE, E = sp.Symbol("dE/dz_i"), sp.Symbol("E")
    definition = -sp.Sum(t[k] * sp.log(softmax(z, k, K)), (k, 1, K))
    steps = [
        step(E, E0, "definition, softmax(z)_k = exp(z_k)/S, S = Σ_j exp(z_j)",
             check_definition(E0, definition, "-sum_k t_k log softmax(z)_k")),
        step(E, E1, "log(exp(z_k)/S) = z_k − log S; log S does not depend on k",
             check_log_quotient(E0, E1)),
        step(dE, d2, "differentiate under the sums: ∂z_k/∂z_i = δ_ik", check_derivative(E1, d2, z[i])),
        step(dE, d3, "Σ_k a_k δ_ik = a_i (1 ≤ i ≤ K)", check_delta_sums(d2, d3, i, K)),
        step(dE, d4, "exp(z_i)/S = softmax(z)_i", check_rename(d3, d4, SM, softmax(z, i, K))),
        step(dE, d5, "if Σ_k t_k = 1 (one-hot t)", check_condition(d4, d5, T, 1, "sum_k t_k = 1")),
    ]

    def E_at(n: int) -> sp.Expr:
        Sn = sum(sp.exp(z[m]) for m in range(1, n + 1))
        return -sum(t[m] * sp.log(sp.exp(z[m]) / Sn) for m in range(1, n + 1))

    def claim(n: int, ii: int) -> sp.Expr:
        Sn = sum(sp.exp(z[m]) for m in range(1, n + 1))
        return sp.exp(z[ii]) / Sn * sum(t[m] for m in range(1, n + 1)) - t[ii]

    return Proof("softmax_cross_entropy",
                 "dE/dz_i = softmax(z)_i * sum_k t_k - t_i"
                 "  (= softmax(z)_i - t_i if sum_k t_k = 1)",
                 steps, _bounded_checks(lambda: _concrete_check(E_at, claim, range(2, 7))))


@cache
def log_sum_exp_gradient() -> Proof:
    """∂/∂z_i log Σ_j exp(z_j) = softmax(z)_i for every K."""
    S = sp.Sum(sp.exp(z[j]), (j, 1, K))
    d = sp.Symbol("d lse/dz_i")
    d1 = sp.diff(sp.log(S), z[i])
    d2 = sum_deltas(d1)
    steps = [step(sp.Symbol("lse(z)"), sp.log(S), "definition",
                  check_definition(sp.log(S), sp.log(sp.Sum(sp.exp(z[j]), (j, 1, K))),
                                   "log sum_j exp(z_j)")),
             step(d, d1, "chain rule, ∂z_j/∂z_i = δ_ij", check_derivative(sp.log(S), d1, z[i])),
             step(d, d2, "Σ_j a_j δ_ij = a_i (1 ≤ i ≤ K)", check_delta_sums(d1, d2, i, K)),
             step(d, SM, "exp(z_i)/Σ_j exp(z_j) = softmax(z)_i",
                  check_rename(d2, SM, SM, softmax(z, i, K)))]

    def E(n: int) -> sp.Expr:
        return sp.log(sum(sp.exp(z[m]) for m in range(1, n + 1)))

    def claim(n: int, ii: int) -> sp.Expr:
        return sp.exp(z[ii]) / sum(sp.exp(z[m]) for m in range(1, n + 1))

    return Proof("log_sum_exp_gradient", "d/dz_i log sum_j exp(z_j) = softmax(z)_i", steps,
                 _bounded_checks(lambda: _concrete_check(E, claim, range(2, 7))))


def _scalar_check(f: sp.Expr, claim: sp.Expr) -> list[str]:
    """Central differences of f against the claimed derivative at 20 random points."""
    rng = random.Random(1)
    for _ in range(20):
        a, h = rng.uniform(-4, 4), 1e-5
        fd = (float(f.subs(x, a + h)) - float(f.subs(x, a - h))) / (2 * h)
        if abs(fd - float(claim.subs(x, a))) >= 1e-7:
            return [f"FAILED at x = {a}: central difference {fd}"]
    return ["20 random points: central differences agree to 1e-7"]


@cache
def sigmoid_derivative() -> Proof:
    """σ(x) = 1/(1 + e^{−x}) ⟹ σ'(x) = σ(x)(1 − σ(x))."""
    sig = 1 / (1 + sp.exp(-x))
    d = sp.diff(sig, x)
    split = sp.Mul(sig, sp.exp(-x) / (1 + sp.exp(-x)), evaluate=False)
    ds = sp.Symbol("sigma'(x)")
    end = SIGMA * (1 - SIGMA)
    steps = [step(SIGMA, sig, "definition", check_exp_rational(SIGMA, sig)),
             step(ds, d, "quotient rule", check_derivative(sig, d, x)),
             step(ds, split, "split the fraction", check_exp_rational(d, split)),
             step(ds, end, "e^{-x}/(1 + e^{-x}) = 1 − σ(x)", check_exp_rational(split, end))]
    return Proof("sigmoid_derivative", "sigma'(x) = sigma(x) (1 - sigma(x))", steps,
                 _scalar_check(sig, sig * (1 - sig)), over="every real x")


@cache
def tanh_derivative() -> Proof:
    """tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) ⟹ tanh'(x) = 1 − tanh²(x)."""
    th = (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x))
    d = sp.diff(th, x)
    mid = ((sp.exp(x) + sp.exp(-x)) ** 2 - (sp.exp(x) - sp.exp(-x)) ** 2) / (
        sp.exp(x) + sp.exp(-x)) ** 2
    dt = sp.Symbol("tanh'(x)")
    end = 1 - sp.tanh(x) ** 2
    steps = [step(sp.tanh(x), th, "definition", check_exp_rational(sp.tanh(x), th)),
             step(dt, d, "quotient rule", check_derivative(th, d, x)),
             step(dt, mid, "common denominator", check_exp_rational(d, mid)),
             step(dt, end, "split the fraction: 1 − tanh(x)^2", check_exp_rational(mid, end))]
    return Proof("tanh_derivative", "tanh'(x) = 1 - tanh(x)^2", steps,
                 _scalar_check(th, 1 - th**2), over="every real x")


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

    claim_options: ClassVar[dict[str, OptionSpec]] = {"one_hot_index": str}

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

    def solve(self, elementwise: bool | None = None) -> Solution:
        proof = IDENTITIES[self.name]()
        open_steps = [f"{n + 1} {s.status}" for n, s in enumerate(proof.steps) if s.status != "checked"]
        head = (f"proof for {proof.over}, every step checked mechanically:" if proof.proved else
                f"NOT proved for {proof.over}: step {', '.join(open_steps)}; the steps:")
        lines = [f"identity: {proof.statement}", head]
        for n, s in enumerate(proof.steps):
            lines += [f"  {n + 1}. {s}", f"     {s.status}: {s.check}"]
        where = "at concrete sizes" if proof.over == "symbolic K" else "numerically"
        lines += [f"checked {where}:"] + [f"  - {c}" for c in proof.checks]
        data = {"identity": self.name, "statement": proof.statement, "over": proof.over,
                "proved": proof.proved,
                "steps": [{"lhs": sp.sstr(s.lhs), "rhs": sp.sstr(s.rhs), "latex": sp.latex(s.rhs),
                           "why": s.why, "status": s.status, "check": s.check} for s in proof.steps],
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
            return cannot_read(claim, exc)

    def judge_scalar(self, claim: Claim) -> Verdict:
        """Exact (rational in e^x after x = log w, bounded in time) and at five points: equal at
        all of them is `correct`; a point where the two differ is `incorrect`; else undecided."""
        proof = IDENTITIES[self.name]()
        text = right_side(claim.latex)
        for call in ("\\sigma(x)", "\\sigma(z)", "\\sigma\\left(x\\right)", "\\sigma\\left(z\\right)"):
            text = text.replace(call, " \\mathbf{sgm} ")
        if "\\sigma" in text:
            return verdict(claim, "undecided", "sigma is applied to something other than x (or z)")
        try:
            got = read_formula(text, {"x": x, "z": x, "sgm": SIGMA})
        except NotationError as exc:
            return cannot_read(claim, exc)
        true = proof.steps[-1].rhs
        shown = {"expected": sp.latex(true), "claimed": sp.latex(got)}
        if isinstance(got, sp.MatrixBase) or got.free_symbols - {x}:
            return verdict(claim, "undecided", "the claim is not a function of x alone", **shown)
        diff = (got - true).replace(sp.Function("sigma"), lambda u: 1 / (1 + sp.exp(-u)))
        values = [(a, sp.N(diff.subs(x, a), 30)) for a in map(sp.Rational, ("-3/2", "-1/2", "3/10", "1", "2"))]
        for a, v in values:
            if v.is_number and abs(v) > 1e-9:
                ce = {"x": sp.sstr(a), "expected": sp.sstr(sp.N(true.subs(SIGMA, 1 / (1 + sp.exp(-x))).subs(x, a), 15)),
                      "claimed": sp.sstr(sp.N(got.subs(SIGMA, 1 / (1 + sp.exp(-x))).subs(x, a), 15))}
                return verdict(claim, "incorrect", f"differs from {proof.statement} at x = {a}",
                               counterexample=ce, **shown)
        try:
            zero = bounded(exp_rational_zero, got - true, [x], seconds=STEP_SECONDS)
        except Timeout:
            zero = False
        if zero and all(v.is_number and abs(v) < 1e-20 for _, v in values):
            return verdict(claim, "correct", f"{proof.statement}: equal as rational functions of e^x "
                           "and at five points", **shown)
        return verdict(claim, "undecided", "equal at five points but not decided exactly", **shown)

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
            if isinstance(got, sp.MatrixBase):  # the derivative's entry i is a number at every point
                return verdict(claim, "error", f"the claim is a {got.rows}x{got.cols} matrix; the {claim.target} "
                               f"here is a scalar (its entry {self.index})")
            opaque = [s for s in got.free_symbols
                      if isinstance(s, sp.Symbol) and s not in (free, hot, y.label, tt.label)]
            at_index: dict[tuple[int, int | None], sp.Expr] = {}
            unknowns = {s: unknown_value for s in opaque}
            for ii, h in itertools.product(range(1, n + 1), range(1, n + 1)):
                points = [("all logits 0", [0] * n)] + [
                    ("random", [rng.randint(-3, 3) for _ in range(n)]) for _ in range(2)]
                key = (ii, h if hot is not None else None)  # the claim at this index, summed out
                if key not in at_index:
                    at_index[key] = got.subs({free: ii, **({hot: h} if hot is not None else {})}).doit()
                draws = []
                for label, zs in points:
                    ts = [1 if m == h else 0 for m in range(1, n + 1)] if one_hot else \
                        [rng.randint(0, 3) for _ in range(n)]
                    draws.append((label, zs, ts))
                # the claim at the three points at once; |claim - truth| < 1e-20 decided on exact
                # rationals or rigorous intervals where they settle it
                claimed = PointValues([
                    {**{y[m]: sp.Integer(zs[m - 1]) for m in range(1, n + 1)},
                     **{tt[m]: sp.Integer(ts[m - 1]) for m in range(1, n + 1)},
                     **{u: sp.Integer(unknown_value) for u in opaque}} for _, zs, ts in draws
                ]).values(at_index[key])
                for (label, zs, ts), value in zip(draws, claimed, strict=True):
                    small = closer_than(value, self.truth_value(claim.target, ii, zs, ts), TINY)
                    if small:
                        continue
                    sub = {y[m]: zs[m - 1] for m in range(1, n + 1)}
                    sub.update({tt[m]: ts[m - 1] for m in range(1, n + 1)})
                    true = self.truth(claim.target, n, ii, zs, ts)
                    val = at_index[key].subs(sub).subs(unknowns)
                    if small is None:
                        gap = sp.N(val - true, 30)
                        if gap == 0 or abs(gap) < 1e-20:
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
    def truth_value(target: str, ii: int, zs: list[int], ts: list[int]) -> Any:
        """`truth` as an interval (outward rounded, 512 bits), without building it in SymPy."""
        S = sum((IV.exp(IV.mpf(v)) for v in zs), IV.mpf(0))
        if target == "loss":
            return -sum((IV.mpf(tv) * IV.log(IV.exp(IV.mpf(v)) / S) for tv, v in zip(ts, zs, strict=True)),
                        IV.mpf(0))
        return IV.exp(IV.mpf(zs[ii - 1])) / S * sum(ts) - ts[ii - 1]

    @staticmethod
    def truth(target: str, n: int, ii: int, zs: list[int], ts: list[int]) -> sp.Expr:
        S = sum(sp.exp(v) for v in zs)
        if target == "loss":
            return -sum(tv * sp.log(sp.exp(v) / S) for tv, v in zip(ts, zs, strict=True))
        return sp.exp(zs[ii - 1]) / S * sum(ts) - ts[ii - 1]
