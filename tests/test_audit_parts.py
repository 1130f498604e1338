"""audit/parts.py: which problems judge which part of a document (headings, 'Question 3' lines,
enumerated items, sub-parts such as 'Problem (4)(a)')."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from symderiv.audit import extract
from symderiv.audit.parts import candidates

DOCUMENT = """## Problem (4)

(a)

$$a = 1$$

(b)

$$b = 2$$

## Problem (5)

$$c = 3$$
"""


def _judges(problems: list[SimpleNamespace]) -> list[list[str]]:
    document = extract(DOCUMENT, "md")
    found = candidates(document, problems)
    return [sorted(p.name for p in found[equation.index]) for equation in document.equations]


def _problem(name: str, section: str) -> SimpleNamespace:
    return SimpleNamespace(name=name, section=section)


def test_a_problem_of_a_sub_part_judges_its_item_beside_the_whole_parts_problem() -> None:
    whole, part_a = _problem("whole", "Problem (4)"), _problem("a", "Problem (4)(a)")
    # Problem (5) names neither: the part before it runs on (parts.candidates)
    assert _judges([whole, part_a]) == [["a", "whole"], ["whole"], ["whole"]]


@pytest.mark.parametrize("section", ["Problem 4(a)", "Problem (4) (a)", "problem (4)(a)"])
def test_a_sub_part_is_found_however_its_section_is_spaced(section: str) -> None:
    assert _judges([_problem("whole", "Problem (4)"), _problem("a", section)])[0] == ["a", "whole"]


def test_two_sub_parts_each_judge_their_own_item() -> None:
    part_a, part_b = _problem("a", "Problem (4)(a)"), _problem("b", "Problem (4)(b)")
    assert _judges([part_a, part_b, _problem("five", "Problem (5)")]) == [["a"], ["b"], ["five"]]
