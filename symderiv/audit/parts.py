"""The parts of a solution document and the problems that judge them: headings, lines such as
'Question 3', and the enumerated items of questions that share a heading."""

from __future__ import annotations

import bisect
import re

from ..kinds.base import Problem
from .document import Document

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


_SUBPART = re.compile(r"^(.*?\d\)?)\s*\(([a-z])\)\s*$", re.IGNORECASE)  # 'Problem (4)(a)', '4.2 (b)'


def _key(section: str) -> list[str]:
    """A problem's `section` as words to look for in a heading ('1 Taking Gradients, question 1'
    -> its part before the comma; 'Problem (4)(a)' -> 'Problem (4)')."""
    part = section.split(",")[0]
    found = _SUBPART.match(part)
    return _words(found.group(1) if found else part)


def _names_part(title: str, key: list[str]) -> bool:
    words = _words(title)
    n = len(key)
    return n > 0 and any(words[i:i + n] == key for i in range(len(words) - n + 1))


def _named(titles: tuple[str, ...] | list[str], problems: list[Problem]) -> list[Problem]:
    """The problems the innermost title naming any problem names (OCR makes heading levels
    unreliable: '# 2 Taking Jacobians' above '## 3 Extending the Gradient')."""
    for title in reversed(titles):
        found = [p for p in problems if _names_part(title, _key(p.section))]
        if found:
            return found
    return []


_QUESTION = re.compile(r"\b(?:question|part|exercise)\s+\(?([0-9]+|[a-z])\)?", re.IGNORECASE)


def _question(problem: Problem) -> str | None:
    """The item a problem's `section` names after its comma ('1 Taking Gradients, question 2' -> '2')
    or as a bracketed letter after its part's number ('Problem (4)(a)' -> 'a')."""
    if "," not in problem.section:
        found = _SUBPART.match(problem.section)
        return found.group(2).lower() if found else None
    found = _QUESTION.search(problem.section.split(",", 1)[1])
    return found.group(1).lower() if found else None


def _item(line: str) -> str | None:
    """The label of an enumerated item a line starts ('- 2. Let ...', '(b) ...', '2) ...'), or None."""
    found = re.match(r"\s*(?:[-*+]\s+)?\(?([0-9]{1,2}|[a-z])[.)](?:\s|$)", line)
    return found.group(1).lower() if found else None


def _markers(document: Document, problems: list[Problem]) -> list[tuple[int, list[Problem]]]:
    """Where parts start: each heading (with the problems its path names), each short line of prose
    that names a problem by itself ('Question 3' on a line of its own, as OCR leaves it), and, in a
    part two problems share ('1 Taking Gradients, question 1' and '..., question 2'), the
    enumerated item each names ('- 2. Let ...'); a problem of the whole part ('Problem (4)' beside
    'Problem (4)(a)') judges every item, and alone those no problem names ('(b)')."""
    out = [(section.start, _named(section.path, problems)) for section in document.sections]
    offset = 0
    lines: list[tuple[int, str]] = []
    for line in document.text.split("\n"):
        lines.append((offset, line))
        words = line.strip().strip("*_#:. ")
        if 0 < len(words) <= 60 and "$" not in words:
            found = [p for p in problems if _words(words)[: len(_key(p.section))] == _key(p.section)]
            if found:
                out.append((offset, found))
        offset += len(line) + 1
    out.sort(key=lambda marker: marker[0])
    starts = [start for start, _ in out]
    items: list[tuple[int, list[Problem]]] = []
    for start, line in lines:
        label = _item(line)
        position = bisect.bisect_right(starts, start) - 1
        part = out[position][1] if position >= 0 else []
        if label is None or len(part) < 2 or all(_question(p) is None for p in part):
            continue
        named = [p for p in part if _question(p) == label]
        general = [p for p in part if _question(p) is None]  # a problem of the whole part judges every item
        if named or general:
            items.append((start, named + general))
    return sorted(out + items, key=lambda marker: marker[0])


def candidates(document: Document, problems: list[Problem]) -> dict[int, list[Problem]]:
    """For each equation (by index), the problems that judge it: those the part it is in names (a
    heading on its section path, or a line such as 'Question 3'); under a heading that names none,
    those of the part before it (a part runs until another names a problem: 'Conv Layer 3' stays
    in 'Problem 3'). Before any such marker, the problems no marker names (a document without
    them is judged by every problem given; a single problem judges everything)."""
    markers = _markers(document, problems)
    placed = {id(p) for _, found in markers for p in found}
    unplaced = [p for p in problems if id(p) not in placed] or (problems if len(problems) == 1 else [])
    current: list[list[Problem]] = []
    chosen = unplaced
    for _, found in markers:
        chosen = found or chosen
        current.append(chosen)
    starts = [start for start, _ in markers]
    out: dict[int, list[Problem]] = {}
    for equation in document.equations:
        position = bisect.bisect_right(starts, equation.start) - 1
        out[equation.index] = current[position] if position >= 0 else unplaced
    return out
