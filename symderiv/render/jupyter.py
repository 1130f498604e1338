"""Jupyter display: attaches `_repr_latex_` to Solution and Verdict (the data classes of the
lower layers know nothing of rendering). Imported by `symderiv`'s public API on first use."""

from __future__ import annotations

from ..core.verdict import Verdict
from ..kinds.base import Solution
from .headline import solution_repr_latex
from .report import verdict_latex


def _solution_latex(self: Solution) -> str:
    """The headline results as display maths."""
    return solution_repr_latex(self)


def _verdict_latex(self: Verdict) -> str:
    """The claim typeset with its verdict."""
    return verdict_latex(self)


Solution._repr_latex_ = _solution_latex  # type: ignore[attr-defined]
Verdict._repr_latex_ = _verdict_latex  # type: ignore[attr-defined]
