"""Step-size problems in the audit: whose eigenvalues a student's λ are, and intervals whose bound is
rewritten (`0 < η < 2/λ_max = 1/6`). Courses write the bound both ways: 0 < η < 1/λ_max with λ the
eigenvalues of A (f = u^T A u), or 0 < η < 2/λ_max with λ those of the Hessian 2A. The document
decides when it gives λ values of its own (λ_1 = 6, λ_max = 12): the reading whose eigenvalues they
are is taken, and said. When it gives none, both readings are judged: where they agree that is the
verdict, where they disagree the link is undecided, naming both."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy as sp

from ..core.errors import SymderivError
from ..core.exact import numeric_cells, parse_rational
from ..core.verdict import Verdict
from ..kinds.base import Claim, Problem
from ..kinds.stepsize import eigenvalues, hessian
from .document import Document
from .targets import Recognised, normalise

READINGS = {"A": "the eigenvalues of A", "H": "the eigenvalues of the Hessian"}


def stated_reading(document: Document, problem: Problem) -> str | None:
    """"A" or "H" when every value the document gives a λ (`\\lambda_1 = 6`, `\\lambda_{\\max} = 12`) is an
    eigenvalue of that matrix and not all of them of the other; None otherwise."""
    quadratic = getattr(problem, "q", None)
    if quadratic is None:
        return None
    values: set[sp.Expr] = set()
    for equation in document.equations:
        for link in equation.links:
            if link.relation != "=" or not re.fullmatch(r"\\lambda(_.+)?", normalise(link.lhs.latex)):
                continue
            try:
                cells = numeric_cells(link.rhs.latex)
                if cells and len(cells) == 1 and len(cells[0]) == 1:
                    values.add(parse_rational(cells[0][0]))
            except (SymderivError, ValueError):
                continue
    if not values:
        return None
    spectra = {"A": set(eigenvalues((quadratic.A + quadratic.A.T) / 2)), "H": set(eigenvalues(hessian(quadratic)))}
    fits = [name for name, spectrum in spectra.items() if values <= spectrum]
    return fits[0] if len(fits) == 1 else None


def judged_both_ways(check: Callable[[Problem, Claim], Verdict], problem: Problem, claim: Claim) -> Verdict:
    """The claim judged with λ as the eigenvalues of A and of the Hessian: one verdict when the two
    agree (said so), else undecided naming both."""
    verdicts = {name: check(problem, Claim(claim.id, claim.target, claim.latex, claim.note,
                                           {**claim.options, "eigenvalues": name})) for name in READINGS}
    a, h = verdicts["A"], verdicts["H"]
    if a.verdict == h.verdict:
        return Verdict(a.id, a.target, a.latex, a.verdict, f"{a.message} (λ read as {READINGS['A']} or as "
                       f"{READINGS['H']}: the same verdict)", a.expected, a.claimed, a.counterexample, a.mistake,
                       dict(a.details), a.remarks)
    return Verdict(a.id, a.target, a.latex, "undecided",
                   f"two readings of λ: as {READINGS['A']} the claim is {a.verdict}, as {READINGS['H']} it is "
                   f"{h.verdict}; no value of λ in the document decides (none is given, or the values given "
                   "are the eigenvalues of neither or of both: write λ_max = ...)",
                   details={"readings": {name: v.verdict for name, v in verdicts.items()}})


def verdict_kind(verdict: Verdict) -> str:
    """correct, incorrect or undecided (an error is undecided here)."""
    return verdict.verdict if verdict.verdict in ("correct", "incorrect") else "undecided"


class StepSizeChains:
    """The audit's step-size chains (mixed into its judging state, whose `check`, `_entry` and
    `_from_verdict` these use): λ read both ways, and an interval whose bound is rewritten."""

    check: Callable[[Problem, Claim], Verdict]
    _entry: Callable[..., Any]
    _from_verdict: Callable[..., Any]

    def _check_reading(self, problem: Problem, claim: Claim) -> Verdict:
        """`check`, with λ judged both ways when the document does not say whose eigenvalues they are."""
        if "eigenvalues" in claim.options and claim.options["eigenvalues"] is None:
            options = {k: v for k, v in claim.options.items() if k != "eigenvalues"}
            return judged_both_ways(self.check, problem, Claim(claim.id, claim.target, claim.latex, options=options))
        return self.check(problem, claim)

    def _rewritten_bound(self, items: list[Any], problem: Problem, recognised: Recognised,
                         claim_id: str) -> list[Any]:
        """`0 < \\eta < b = c = ...`: the interval with the bound b judges the first two links; each later
        link b = c is right when the intervals with b and with c are both right, wrong when one is."""
        head, bound = items[0].link, items[1].link
        conditions = "".join(f" \\quad {c.latex}" for item in items for c in item.equation.conditions)
        bounds = [bound.rhs.latex] + [item.link.rhs.latex for item in items[2:]]
        verdicts = [self._check_reading(problem, Claim(f"{claim_id}.{n}", recognised.target,
                                              f"{head.lhs.latex} {head.relation} {head.rhs.latex} {bound.relation} "
                                              f"{b}{conditions}", options=dict(recognised.options)))
                    for n, b in enumerate(bounds)]
        entries = [self._from_verdict(item, verdicts[0], recognised.target) for item in items[:2]]
        for n, item in enumerate(items[2:]):
            before, after = (verdict_kind(v) for v in verdicts[n:n + 2])
            if {before, after} == {"correct"}:
                entries.append(self._entry(item, "correct", "the bound rewritten: both give the right interval",
                                           target=recognised.target))
            elif "undecided" not in (before, after) and before != after:
                wrong = verdicts[n + 1] if after == "incorrect" else verdicts[n]
                entries.append(self._from_verdict(item, wrong, recognised.target,
                                                  prefix="the two bounds give different intervals: "))
                entries[-1].verdict = "incorrect"
            else:
                entries.append(self._entry(item, "undecided", f"the bound rewritten: before {before}, after {after}",
                                           target=recognised.target))
        return entries
