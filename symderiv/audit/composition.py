"""A composition the student writes as two definitions: `g_1(\\mathbf{x}) = ...` and `g_2(\\mathbf{a})_i =
...`, answering "express f as g_1 ∘ g_2". Each line alone only defines a name; together they claim
g_1(g_2(a)) = f, which the matrix-calculus kind judges (its `outer`/`inner` targets). The problem's own
pair of such claims says which heads are the outer and the inner function, and the inner function's
index letter and length; the student's two definitions, as written, are judged as that pair."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ..core.errors import NotationError
from ..core.verdict import Verdict
from ..kinds.base import Claim, Problem
from .document import DEFINING_RELATIONS, Document, Link
from .network import entrywise, function_head
from .targets import normalise, side_texts

DEFINING = ("=", *DEFINING_RELATIONS)


def _pairs(problem: Problem) -> list[tuple[Claim, Claim]]:
    """The problem's (outer, inner) claim pairs."""
    by_id = {claim.id: claim for claim in problem.claims}
    pairs = []
    for claim in problem.claims:
        partner = by_id.get(claim.options.get("pair", "")) if claim.target == "outer" else None
        if partner is not None and partner.target == "inner":
            pairs.append((claim, partner))
    return pairs


def judge_compositions(problems: list[Problem], document: Document, entries: list[Any],
                       check: Callable[[Problem, Claim], Verdict]) -> None:
    """Judge each pair of the student's definitions (entries whose verdict is `definition`) written as a
    problem's outer and inner claims write their left sides: both become correct when g_1(g_2(a)) = f
    (the problem's function); when not, the later one is incorrect (the composition is complete there)
    and the earlier stays a definition."""
    for problem in problems:
        if problem.kind != "matrix_calculus":
            continue
        for outer, inner in _pairs(problem):
            mine = [entry for entry in entries if entry.problem == problem.title]
            first, second = _definition(document, mine, outer), _definition(document, mine, inner)
            if first is None or second is None:
                continue
            (outer_entry, outer_link), (inner_entry, inner_link) = first, second
            outer_id = f"line {outer_entry.line}:{outer_entry.column}"
            inner_id = f"line {inner_entry.line}:{inner_entry.column}"
            mine_outer = Claim(outer_id, "outer", f"{outer_link.lhs.latex} = {outer_link.rhs.latex}",
                               options={**outer.options, "pair": inner_id})
            mine_inner = Claim(inner_id, "inner", f"{inner_link.lhs.latex} = {inner_link.rhs.latex}",
                               options={**inner.options, "pair": outer_id})
            view = copy.copy(problem)
            view.by_id = {**problem.by_id, mine_outer.id: mine_outer, mine_inner.id: mine_inner}
            _apply(outer_entry, inner_entry, check(view, mine_outer))


def _definition(document: Document, entries: list[Any], claim: Claim) -> tuple[Any, Link] | None:
    """The student's last definition of the claim's function with the claim's left side (g_1(\\mathbf{x});
    g_2(\\mathbf{a})_i entry by entry, with the claim's index letter), as (entry, link); or None."""
    try:
        written = side_texts(claim.latex)[0]
    except NotationError:
        return None
    found = None
    for entry in entries:
        if entry.verdict != "definition" or entry.link is None or entry.relation not in DEFINING:
            continue
        link = document.equations[entry.equation].links[entry.link]
        left = link.lhs.latex
        if function_head(left) != function_head(written) or normalise(left) != normalise(written):
            continue
        if claim.target == "inner" and (entrywise(left) or (None, None))[1] != claim.options.get("index"):
            continue
        found = (entry, link)
    return found


def _apply(outer: Any, inner: Any, verdict: Verdict) -> None:
    """The composition's verdict on the two definitions (see judge_compositions)."""
    later = max(outer, inner, key=lambda entry: (entry.equation, entry.link))

    def said(entry: Any) -> str:
        other = inner if entry is outer else outer
        return f"defines the {'outer' if entry is outer else 'inner'} function; with the definition at line " \
               f"{other.line}, their composition is judged against the problem's function: {verdict.message}"
    if verdict.verdict == "correct":
        for entry in (outer, inner):
            entry.verdict, entry.message, entry.target = "correct", said(entry), "composition"
    elif verdict.verdict == "incorrect":
        later.verdict, later.message, later.target = "incorrect", said(later), "composition"
        later.counterexample, later.mistake = verdict.counterexample, verdict.mistake
        later.expected, later.claimed = verdict.expected, verdict.claimed
