"""Identity problems (kind = "identity"): claims about an identity proven for every size K."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from typing import Any, ClassVar

import sympy as sp

from ..core.errors import NotationError, Timeout
from ..core.timebound import bounded
from ..core.verdict import Verdict
from ..notation import ast as A
from ..notation.evaluate import IV, PointValues, closer_than
from ..notation.parse import parse_one
from ..notation.reading import node_value, relation_of
from ..notation.scope import Fn
from ..notation.written import name_key
from ._readers import cannot_read, unknown_target, value_sides, verdict
from .base import HEADER_KEYS, Claim, Fields, OptionSpec, Problem, Solution, problem_kind
from .identity_proofs import IDENTITIES, SIGMA, SM, STEP_SECONDS, K, exp_rational_zero, i, j, k, t, x, z

TINY = sp.Rational(1, 10**20)  # a claim this close to the truth at a point agrees there
#: \\sigma as the scalar identities read it: the logistic function, kept as sigma(x) in the claim
SIGMA_FUNCTION = Fn("sigma", SIGMA.func, lambda u: SIGMA.func(u) * (1 - SIGMA.func(u)))

#: What a softmax cross-entropy claim is compared with, by target (the proof's rewritten loss and
#: its derivative; the last with one-hot targets).
SOFTMAX_RESULTS = {
    "loss": sp.log(sp.Sum(sp.exp(z[j]), (j, 1, K))) * sp.Sum(t[k], (k, 1, K)) - sp.Sum(t[k] * z[k], (k, 1, K)),
    "derivative": SM * sp.Sum(t[k], (k, 1, K)) - t[i],
    "derivative_one_hot": SM - t[i],
}

TARGETS = {"softmax_cross_entropy": ["loss", "derivative", "derivative_one_hot"],
           "log_sum_exp_gradient": ["derivative"],
           "sigmoid_derivative": ["derivative"], "tanh_derivative": ["derivative"]}


@problem_kind("identity")
class IdentityProblem(Problem):
    """`[identity]` name (one of IDENTITIES), and the names the claims use: `logits`
    (default z), `targets` (default t), `index` (the free index, default i); `loss`, the loss's
    name as the source writes it (`\\text{Err}`), for the audit to recognise its derivative by
    (E, L, J, \\mathcal{L}, CE ... are recognised without it)."""

    claim_options: ClassVar[dict[str, OptionSpec]] = {"one_hot_index": str}

    def __init__(self, header: Fields, claims: list[Claim], name: str,
                 logits: str, targets: str, index: str, loss: str = "") -> None:
        super().__init__(header, claims)
        self.name, self.logits, self.target_name, self.index = name, logits, targets, index
        self.loss_name = loss

    @classmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> IdentityProblem:
        doc.check_keys(HEADER_KEYS | {"identity"})
        tbl = doc.table("identity")
        tbl.check_keys({"name", "logits", "targets", "index", "loss"})
        name = tbl.choice("name", sorted(IDENTITIES))
        names = [tbl.text(key, default) for key, default in
                 (("logits", "z"), ("targets", "t"), ("index", "i"))]
        for key, value in zip(("logits", "targets", "index"), names, strict=True):
            if len(value) != 1 or not value.isalpha():
                raise tbl.error(key, f"expected a one-letter name, got {value!r}")
        loss = tbl.text("loss", "")
        if loss:
            try:
                node = parse_one(loss)
            except NotationError as exc:
                raise tbl.error("loss", f"cannot read {loss!r}: {exc.message}") from None
            if name_key(node) is None:
                raise tbl.error("loss", f"expected one name such as \\text{{Err}} or \\mathcal{{L}}, got {loss!r}")
        return cls(doc, claims, name, *names, loss)

    def targets(self) -> list[str]:
        return TARGETS[self.name]

    def solve(self, elementwise: bool | None = None) -> Solution:
        proof = IDENTITIES[self.name]()
        data = {"identity": self.name, "statement": proof.statement, "over": proof.over,
                "proved": proof.proved,
                "steps": [{"lhs": sp.sstr(s.lhs), "rhs": sp.sstr(s.rhs), "latex": sp.latex(s.rhs),
                           "why": s.why, "status": s.status, "check": s.check} for s in proof.steps],
                "checks": proof.checks}
        return Solution(self.title, data, {"proof": proof})

    def judge(self, claim: Claim) -> Verdict:
        if claim.target not in self.targets():
            return unknown_target(claim, self.targets())
        if self.name != "softmax_cross_entropy":
            return self.judge_scalar(claim)
        try:
            return self.judge_softmax(claim)
        except NotationError as exc:
            return cannot_read(claim, exc)

    def judge_softmax(self, claim: Claim) -> Verdict:
        """Every side of the claim's chain that is a value (read at K = 2, index 1) judged in order
        by judge_softmax_side: the first that is not correct decides."""
        names = {self.logits: sp.Matrix(sp.symbols("z_1:3")), self.target_name: sp.Matrix(sp.symbols("t_1:3")),
                 "K": sp.Integer(2)}
        env = {self.index: 1, **({claim.options["one_hot_index"]: 1} if claim.options.get("one_hot_index") else {})}

        def read(node: Any) -> Any:
            node_value(claim.latex, node, names, env, {"K": 2})
            return node

        by = _differentiated_by(claim.latex)
        if by is not None and by != self.logits and claim.target != "loss":
            return verdict(claim, "undecided", f"the claim is a derivative by {by}; the identity's is by the "
                           f"logits {self.logits}: not judged")
        for step, side in value_sides(claim.latex, read):
            found = self.judge_softmax_side(claim, side)
            if found.verdict != "correct":
                return replace(found, message=step + found.message)
        return found

    def judge_scalar(self, claim: Claim) -> Verdict:
        """Exact (rational in e^x after x = log w, bounded in time) and at five points: equal at
        all of them is `correct`; a point where the two differ is `incorrect`; else undecided."""
        names = {"x": x, "z": x, "\\sigma": SIGMA_FUNCTION}

        def read(node: Any) -> Any:
            value = node_value(claim.latex, node, names)
            if isinstance(value, sp.Basic) and value.has(sp.Derivative):  # \frac{d}{dx}\sigma(x): judged too
                value = value.replace(SIGMA.func, lambda u: 1 / (1 + sp.exp(-u))).doit()
            return value

        try:
            sides = value_sides(claim.latex, read)
        except NotationError as exc:
            return cannot_read(claim, exc)
        for step, got in sides:  # every side of the chain, in order: the first that is not correct decides
            found = self.judge_side(claim, step, got)
            if found.verdict != "correct":
                return found
        return found

    def judge_side(self, claim: Claim, step: str, got: Any) -> Verdict:
        """One side of the claim against the identity's right side (judge_scalar)."""
        proof = IDENTITIES[self.name]()
        if isinstance(got, sp.Basic) and any(call.args != (x,) for call in got.atoms(SIGMA.func)):
            return verdict(claim, "undecided", f"{step}sigma is applied to something other than x (or z)")
        true = proof.steps[-1].rhs
        shown = {"expected": true, "claimed": got}
        if isinstance(got, sp.MatrixBase) or got.free_symbols - {x}:
            return verdict(claim, "undecided", f"{step}the claim is not a function of x alone", **shown)
        diff = (got - true).replace(sp.Function("sigma"), lambda u: 1 / (1 + sp.exp(-u)))
        values = [(a, sp.N(diff.subs(x, a), 30)) for a in map(sp.Rational, ("-3/2", "-1/2", "3/10", "1", "2"))]
        for a, v in values:
            if v.is_number and abs(v) > 1e-9:
                ce = {"x": a, "expected": sp.N(true.subs(SIGMA, 1 / (1 + sp.exp(-x))).subs(x, a), 15),
                      "claimed": sp.N(got.subs(SIGMA, 1 / (1 + sp.exp(-x))).subs(x, a), 15)}
                return verdict(claim, "incorrect", f"{step}differs from {proof.statement} at x = {a}",
                               counterexample=ce, **shown)
        try:
            zero = bounded(exp_rational_zero, got - true, [x], seconds=STEP_SECONDS)
        except Timeout:
            zero = False
        if zero and all(v.is_number and abs(v) < 1e-20 for _, v in values):
            return verdict(claim, "correct", f"{proof.statement}: equal as rational functions of e^x "
                           "and at five points", **shown)
        return verdict(claim, "undecided", f"{step}equal at five points but not decided exactly", **shown)

    def judge_softmax_side(self, claim: Claim, side: Any) -> Verdict:
        """Evaluate one side of the claim for K = 2..5, every free index, at simple and random points."""
        y = {m: sp.Symbol(f"{self.logits}_{m}", real=True) for m in range(1, 6)}  # the logits' entries
        tt = {m: sp.Symbol(f"{self.target_name}_{m}", real=True) for m in range(1, 6)}  # the targets'
        hot_name = claim.options.get("one_hot_index")
        hot = hot_name or None
        one_hot = claim.target == "derivative_one_hot"
        rng = random.Random(0)
        for n in range(2, 6):
            names: dict[str, Any] = {self.logits: sp.Matrix([y[m] for m in range(1, n + 1)]),
                                     self.target_name: sp.Matrix([tt[m] for m in range(1, n + 1)]),
                                     "K": sp.Integer(n)}
            at_index: dict[tuple[int, int | None], sp.Expr] = {}
            for ii, h in itertools.product(range(1, n + 1), range(1, n + 1)):
                points = [("all logits 0", [0] * n)] + [
                    ("random", [rng.randint(-3, 3) for _ in range(n)]) for _ in range(2)]
                key = (ii, h if hot is not None else None)  # the claim at this index, summed out
                if key not in at_index:  # the claim with the free index (and the hot one) at these values
                    env = {self.index: ii, **({hot_name: h} if hot_name else {})}
                    got = node_value(claim.latex, side, names, env, {"K": n})
                    if isinstance(got, sp.MatrixBase):  # the derivative's entry i is a number at every point
                        return verdict(claim, "error", f"the claim is a {got.rows}x{got.cols} matrix; the "
                                       f"{claim.target} here is a scalar (its entry {self.index})")
                    at_index[key] = got
                draws = []
                for label, zs in points:
                    ts = [1 if m == h else 0 for m in range(1, n + 1)] if one_hot else \
                        [rng.randint(0, 3) for _ in range(n)]
                    draws.append((label, zs, ts))
                # the claim at the three points at once; |claim - truth| < 1e-20 decided on exact
                # rationals or rigorous intervals where they settle it
                claimed = PointValues([
                    {**{y[m]: sp.Integer(zs[m - 1]) for m in range(1, n + 1)},
                     **{tt[m]: sp.Integer(ts[m - 1]) for m in range(1, n + 1)}} for _, zs, ts in draws
                ]).values(at_index[key])
                for (label, zs, ts), value in zip(draws, claimed, strict=True):
                    small = closer_than(value, self.truth_value(claim.target, ii, zs, ts), TINY)
                    if small:
                        continue
                    sub = {y[m]: zs[m - 1] for m in range(1, n + 1)}
                    sub.update({tt[m]: ts[m - 1] for m in range(1, n + 1)})
                    true = self.truth(claim.target, n, ii, zs, ts)
                    val = at_index[key].subs(sub)
                    if small is None:
                        gap = sp.N(val - true, 30)
                        if not gap.is_number:  # a name the claim leaves without a value (a bare y)
                            return verdict(claim, "undecided", "the claim's value at a point is not a "
                                           f"number (it still holds {', '.join(map(str, gap.free_symbols))})")
                        if gap == 0 or abs(gap) < 1e-20:
                            continue
                    ce = {"K": n, self.index: ii, self.logits: zs, self.target_name: ts,
                          "expected": sp.nsimplify(true), "claimed": val}
                    msg = f"differs from the derivation at K={n}, {self.index}={ii} ({label})"
                    return verdict(claim, "incorrect", msg, counterexample=ce,
                                   expected=SOFTMAX_RESULTS[claim.target])
        cond = " with one-hot targets" if one_hot else ""
        if hot is not None:
            cond += f" (hot index {hot_name})"
        return verdict(claim, "correct",
                       f"agrees with the derivation{cond} for K = 2..5, every index, at "
                       "simple and random points; the identity itself is proved for symbolic "
                       "K by solve", expected=SOFTMAX_RESULTS[claim.target])

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


def _differentiated_by(latex: str) -> str | None:
    """The name a claim's first side differentiates by (∂E/∂t_i -> 't'), when it is a derivative."""
    sides = relation_of(latex).sides
    first = sides[0]
    if len(sides) < 2 or not isinstance(first, A.Deriv) or len(first.wrt) != 1:
        return None
    node = first.wrt[0]
    while isinstance(node, A.Sub | A.Sup | A.Styled):
        node = node.body
    return node.text if isinstance(node, A.Name) else None
