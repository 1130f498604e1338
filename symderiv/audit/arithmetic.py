"""Links between two sides that name no quantity of a problem, judged as formulas of numbers alone
(`600 + 8 = 608`, `\\frac{28}{2} \\times \\frac{28}{2} = 14 \\times 14`): a task run in a problem's worker."""

from __future__ import annotations

from ..notation import FreeScope, NotationTable, judge_formula
from ..problem import Problem
from ..verdict import Verdict


def judge_numbers_only(problem: Problem, claim_id: str, lhs: str, rhs: str) -> Verdict:
    """`lhs = rhs` read with no name bound at all: exact when both sides are numbers written as
    formulas; `undecided` when a side names something (whatever the problem, it is not read here)."""
    latex = f"{lhs} = {rhs}"
    verdict = judge_formula(FreeScope({}), NotationTable.from_dict({}), latex, "", claim_id)
    if verdict.verdict in ("correct", "incorrect"):
        return verdict
    return Verdict(claim_id, "", latex, "undecided", message=verdict.message)
