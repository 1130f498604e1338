"""Verdicts: what symderiv says about one claim, and why, as data (render/ turns it into text)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp

VerdictKind = Literal["correct", "incorrect", "undecided", "error"]


@dataclass(frozen=True)
class Shape:
    """The shape of a quantity as an answer: its dimensions (whole numbers or size symbols),
    e.g. Shape((2, 3)) for a 2x3 matrix, Shape((28, 28, 8)) for 8 maps of 28x28."""

    dims: tuple[Any, ...]


@dataclass(frozen=True)
class Verdict:
    """The judgement of one claim; immutable (derive a changed copy with dataclasses.replace).

    `expected` and `claimed` are values, not text: SymPy numbers, matrices, expressions, sets
    and tuples, a Shape, or for a classification its word ('saddle', 'away'). `counterexample`
    holds the concrete point where a wrong claim and the truth differ, by name: SymPy values
    (a point grouped by quantity is a dict of dicts), indices and sizes as ints; `mistake`
    names the likely error when one is recognised. `remarks` name the conventions of course notation
    the claim was read under (summation over a repeated index, an element-wise \\cdot, ...), each a
    sentence saying what was read and how to switch it off. Only symderiv.render prints any of it.
    """

    id: str
    target: str
    latex: str
    verdict: VerdictKind
    message: str = ""
    expected: Any = None
    claimed: Any = None
    counterexample: Mapping[str, Any] | None = None
    mistake: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    remarks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "remarks", tuple(self.remarks))
        for key in ("expected", "claimed", "counterexample"):
            object.__setattr__(self, key, _frozen(getattr(self, key)))

    @property
    def ok(self) -> bool:
        """True only for a `correct` verdict."""
        return self.verdict == "correct"


def _frozen(value: Any) -> Any:
    """`value` with every matrix in it immutable (a verdict's values never change)."""
    if isinstance(value, sp.MatrixBase) and not isinstance(value, sp.ImmutableMatrix):
        return sp.ImmutableMatrix(value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_frozen(v) for v in value]
    return value
