"""Verdicts: what symderiv says about one claim, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

VerdictKind = Literal["correct", "incorrect", "undecided", "error"]


@dataclass
class Verdict:
    """The judgement of one claim.

    `expected` and `claimed` are display strings (LaTeX or numbers); `counterexample`
    holds the concrete point where a wrong claim and the truth differ, in numbers a
    person can check by hand; `mistake` names the likely error when one is recognised.
    """

    id: str
    target: str
    latex: str
    verdict: VerdictKind
    message: str = ""
    expected: str | None = None
    claimed: str | None = None
    counterexample: dict[str, Any] | None = None
    mistake: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True only for a `correct` verdict."""
        return self.verdict == "correct"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; keys with no value are left out."""
        out: dict[str, Any] = {
            "id": self.id,
            "target": self.target,
            "latex": self.latex,
            "verdict": self.verdict,
        }
        for key in ("message", "expected", "claimed", "counterexample", "mistake"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.details:
            out["details"] = self.details
        return out
