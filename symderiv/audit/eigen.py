"""Whose eigenvalues a student's λ are, in a gradient-descent problem. Courses write the step-size
bound both ways: 0 < η < 1/λ_max with λ the eigenvalues of A (f = u^T A u), or 0 < η < 2/λ_max with λ
those of the Hessian 2A. The document decides when it gives λ values of its own (λ_1 = 6, λ_max = 12):
the reading whose eigenvalues they are is taken, and said. When it gives none, both readings are
judged: where they agree that is the verdict, where they disagree the link is undecided, naming both."""

from __future__ import annotations

import re
from collections.abc import Callable

import sympy as sp

from ..core.errors import SymderivError
from ..core.exact import numeric_cells, parse_rational
from ..core.verdict import Verdict
from ..kinds.base import Claim, Problem
from ..kinds.stepsize import eigenvalues, hessian
from .document import Document
from .targets import normalise

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
                   f"{h.verdict}; the document gives no value of λ to decide (write λ_max = ...)",
                   details={"readings": {name: v.verdict for name, v in verdicts.items()}})
