"""The LaTeX Jupyter shows for a Solution (`_repr_latex_`), from its data alone."""

from __future__ import annotations

from typing import Any

from ..core.texsafe import escape
from .blocks import math_or_text
from .printer import number_matrix


def solution_repr_latex(solution: Any) -> str:
    """A Solution's headline results as display maths, from its data alone."""
    data = solution.data
    lines = []
    if "loss_exact" in data or "loss" in data:
        lines.append(rf"L &= {number_matrix(data.get('loss_exact', data.get('loss')))}")
    grads = data.get("gradients_exact") or data.get("gradients") or {}
    names = {s["name"]: s["latex"] for s in data.get("matrix_form", {}).get("steps", [])}
    for key, value in grads.items():
        lhs = names.get(f"d{key}", rf"\partial L/\partial {key}")
        lines.append(rf"{lhs} &= {number_matrix(value)}")
    for key, value in data.get("latex", {}).items():
        lines.append(rf"\text{{{escape(key.replace('_', ' '))}}} &= {value}")
    if not lines:
        return rf"$$\text{{{escape(solution.title)}}}$$"
    return "$$\\begin{aligned}" + r" \\ ".join(math_or_text(line) for line in lines) + r"\end{aligned}$$"
