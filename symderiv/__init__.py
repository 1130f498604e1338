"""symderiv: derive, evaluate and check the gradients of machine-learning derivations."""

from __future__ import annotations

from .errors import NotationError, ProblemFileError, SymderivError
from .problem import Claim, Problem, Solution, load, parse_text
from .verdict import Verdict
from .version import __version__ as __version__

__all__ = [
    "Claim",
    "NotationError",
    "Problem",
    "ProblemFileError",
    "Solution",
    "SymderivError",
    "Verdict",
    "check_formula",
    "load",
    "parse_text",
]


def check_formula(problem: Problem, target: str, latex: str, claim_id: str = "formula") -> Verdict:
    """Judge one formula typed in LaTeX against `problem`'s truth for `target` (e.g. 'dL/dW1')."""
    return problem.check([Claim(claim_id, target, latex)])[0]
