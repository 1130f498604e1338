"""symderiv: derive, evaluate and check the gradients of machine-learning derivations."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .core.errors import NotationError, ProblemFileError, SymderivError
from .core.version import __version__ as __version__

if TYPE_CHECKING:
    from .core.verdict import Verdict
    from .grading import grade
    from .kinds import load, parse_text
    from .kinds.base import Claim, Problem, Solution

__all__ = [
    "Claim",
    "NotationError",
    "Problem",
    "ProblemFileError",
    "Solution",
    "SymderivError",
    "Verdict",
    "check_formula",
    "grade",
    "load",
    "parse_text",
]

# Imported on first use, so that `symderiv --help` and `symderiv list` start without SymPy, and
# `import symderiv.core` imports no notation, kinds or render.
_LAZY = {"Claim": "kinds.base", "Problem": "kinds.base", "Solution": "kinds.base", "load": "kinds",
         "parse_text": "kinds", "Verdict": "core.verdict", "grade": "grading"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import_module(".render.jupyter", __name__)  # Jupyter's _repr_latex_ on Solution and Verdict
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'symderiv' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def check_formula(problem: Problem, target: str, latex: str, claim_id: str = "formula") -> Verdict:
    """Judge one formula typed in LaTeX against `problem`'s truth for `target` (e.g. 'dL/dW1')."""
    return problem.check([__getattr__("Claim")(claim_id, target, latex)])[0]
