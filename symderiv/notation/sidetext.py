"""The text of a chain's sides as written: what a verdict quotes of each side."""

from __future__ import annotations

import re

import sympy as sp

from . import ast as A


def prints_shorter(value, limit: int) -> bool:
    """len(str(value)) < limit, without printing a value that has `limit` symbols or more (each
    occurrence of a symbol prints at least one character)."""
    seen = 0
    for node in sp.preorder_traversal(value):
        if isinstance(node, sp.Symbol):
            seen += 1
            if seen >= limit:
                return False
    return len(str(value)) < limit


def side_text(text: str) -> str:
    text = re.sub(r"\\end\{[a-zA-Z*]+\}\s*[.,]?\s*$", "", text.strip())
    text = re.sub(
        r"(\\\\|\\tag\{[^{}]*\}|\\(left|right|[bB]igg?[lr]?|leq?|geq?|neq?|in|equiv|approx|coloneqq|[lg]t)\b"
        r"|[&=:<>\s,.])+$", "", text
    )
    return text.strip()


def side_end(latex: str, chain: A.Chain, k: int, starts: list[int] | None = None) -> int:
    if k + 1 < len(chain.sides):
        return chain.sides[k + 1].pos
    later = [p for p in starts or [] if p > chain.sides[k].pos]
    return min(later) if later else len(latex)
