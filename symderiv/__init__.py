"""symderiv: derive, evaluate and check the gradients of machine-learning derivations."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import NotationError, ProblemFileError, SymderivError
from .version import __version__ as __version__

if TYPE_CHECKING:
    from .problem import Claim, Problem, Solution, load, parse_text
    from .verdict import Verdict

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

# Imported on first use, so that `symderiv --help` and `symderiv list` start without SymPy.
_LAZY = {"Claim": "problem", "Problem": "problem", "Solution": "problem", "load": "problem",
         "parse_text": "problem", "Verdict": "verdict"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'symderiv' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def check_formula(problem: Problem, target: str, latex: str, claim_id: str = "formula") -> Verdict:
    """Judge one formula typed in LaTeX against `problem`'s truth for `target` (e.g. 'dL/dW1')."""
    from .problem import Claim

    return problem.check([Claim(claim_id, target, latex)])[0]
