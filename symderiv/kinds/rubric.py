"""Rubrics: the points of each part of a problem ([rubric] of a problem file), and a part's score.

The table (validated field by field; every error names its place, e.g. `rubric.parts[1].points`):

    [rubric]
    [[rubric.parts]]
    id = "loss"                  # the part's id (unique): a gradebook's column, a results.json test
    name = "The loss L"          # shown to students and staff (default: the id)
    targets = ["L"]              # the claim targets the part grades (the problem's targets: L, dL/dW1, ...)
    points = 2                   # its points (exact: 2, 0.5, "1/3")
    chain_points = 1             # the points for a correct chain (derivation) with a wrong final number
                                 # (default 0; less than `points`)

A part's outcome is one of OUTCOMES: `correct` scores its points; `chain` (every step of the
derivation right, the final number wrong) its chain_points; `incorrect` and `missing` 0; and
`unreadable` or `undecided` (a part that could not be read, or judged within the time bound) 0
and flagged for a person to look at. A target may belong to one part only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..core.errors import ProblemFileError
from .base import Fields, Problem

RUBRIC_KEYS = {"parts"}
PART_KEYS = {"id", "name", "targets", "points", "chain_points"}
#: How a part of a submission came out, and what it scores: full points, chain points, or none.
OUTCOMES = {"correct": "points", "chain": "chain_points", "incorrect": "none", "missing": "none",
            "unreadable": "none", "undecided": "none"}
#: Outcomes that put a part before a person (zero points until someone has looked).
FOR_A_PERSON = {"unreadable", "undecided"}


@dataclass(frozen=True)
class Part:
    """One graded part: its id, name, the targets it covers, its points and chain points."""

    id: str
    name: str
    targets: tuple[str, ...]
    points: Fraction
    chain_points: Fraction = Fraction(0)


@dataclass(frozen=True)
class Rubric:
    """A problem's rubric: its parts in order."""

    parts: tuple[Part, ...]

    @property
    def total(self) -> Fraction:
        return sum((p.points for p in self.parts), Fraction(0))

    def part(self, ident: str) -> Part:
        for p in self.parts:
            if p.id == ident:
                return p
        raise KeyError(ident)

    def score(self, ident: str, outcome: str, detail: str = "") -> PartScore:
        """The score of part `ident` for an outcome of OUTCOMES (detail: what was found, for people)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; known: {', '.join(OUTCOMES)}")
        part = self.part(ident)
        earned = {"points": part.points, "chain_points": part.chain_points, "none": Fraction(0)}[OUTCOMES[outcome]]
        return PartScore(part, outcome, earned, outcome in FOR_A_PERSON, detail)


@dataclass(frozen=True)
class PartScore:
    """What one part of one submission scored, and whether a person must look at it."""

    part: Part
    outcome: str
    score: Fraction
    needs_person: bool = False
    detail: str = ""


@dataclass(frozen=True)
class StudentScore:
    """A submission's scores, part by part, in the rubric's order."""

    student: str
    parts: tuple[PartScore, ...]
    variant: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total(self) -> Fraction:
        return sum((p.score for p in self.parts), Fraction(0))

    @property
    def max_total(self) -> Fraction:
        return sum((p.part.points for p in self.parts), Fraction(0))

    @property
    def needs_person(self) -> bool:
        return any(p.needs_person for p in self.parts)


def read_rubric(doc: Fields, problem: Problem) -> Rubric:
    """The [rubric] table of a problem file (`doc` its top table), checked against `problem`'s targets."""
    if not doc.has("rubric"):
        raise ProblemFileError(doc.path, "rubric", "missing table: the parts and their points (see symderiv.rubric)")
    t = doc.table("rubric")
    t.check_keys(RUBRIC_KEYS)
    items = t.tables("parts")
    if not items:
        raise t.error("parts", "at least one part is needed")
    known = problem.targets()
    parts: list[Part] = []
    owner: dict[str, str] = {}
    for item in items:
        item.check_keys(PART_KEYS)
        ident = item.text("id")
        if not ident.strip():
            raise item.error("id", "must not be empty")
        if any(p.id == ident for p in parts):
            raise item.error("id", f"duplicate part id {ident!r}")
        targets = item.get("targets", list)
        if not targets:
            raise item.error("targets", "at least one target is needed")
        for target in targets:
            if not isinstance(target, str):
                raise item.error("targets", f"expected text, got {target!r}")
            if target not in known:
                raise item.error("targets", f"unknown target {target!r}; known: {', '.join(known)}")
            if target in owner:
                raise item.error("targets", f"{target!r} is graded by part {owner[target]!r} already")
            owner[target] = ident
        points = _fraction(item.number("points"))
        if points <= 0:
            raise item.error("points", f"must be positive, got {points}")
        chain = _fraction(item.number("chain_points", 0))
        if not 0 <= chain < points:
            raise item.error("chain_points", f"must be at least 0 and less than points ({points}), got {chain}")
        parts.append(Part(ident, item.text("name", ident), tuple(targets), points, chain))
    return Rubric(tuple(parts))


def _fraction(value: object) -> Fraction:
    """A SymPy rational (or an int) as a Fraction."""
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(int(value.p), int(value.q))  # type: ignore[attr-defined]
