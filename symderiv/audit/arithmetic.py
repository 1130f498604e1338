"""Links whose left side names no target of a problem, judged as an equality of two formulas in the
problem's own symbols (the logits and targets of a softmax identity, the matrices of a matrix-calculus
problem at its first checked size), or of numbers alone (`600 + 8 = 608`): tasks run in a problem's worker."""

from __future__ import annotations

import math
import re
from typing import Any

from ..core.errors import NotationError, SymderivError
from ..core.verdict import Verdict
from ..kinds.base import Problem
from ..notation import FreeScope, NotationTable, judge_formula
from .targets import normalise

#: The length of the vectors of an identity (softmax over K classes) when its sides are compared.
IDENTITY_SIZE = 3
_STYLES = ("\\mathbf", "\\boldsymbol", "\\bm")


def problem_symbols(problem: Problem) -> dict[str, tuple[int, int]]:
    """The variables of a problem that is not a network, with the shape they are compared at:
    name as written -> (rows, cols). Empty for a kind whose symbols are not listed here."""
    if problem.kind == "identity" and getattr(problem, "name", "") == "softmax_cross_entropy":
        return {problem.logits: (IDENTITY_SIZE, 1), problem.target_name: (IDENTITY_SIZE, 1)}
    if problem.kind == "matrix_calculus" and problem.sizes:
        size = problem_sizes(problem)
        return {name: (r if isinstance(r, int) else size[r], c if isinstance(c, int) else size[c])
                for name, (r, c) in problem.shapes.items()}
    return {}


def problem_sizes(problem: Problem) -> dict[str, int]:
    """The size letters of a matrix-calculus problem at the first checked size where they are all
    equal (a square matrix reads both A_{kl} for k, l <= n and v^T A v), else at its first."""
    sizes = getattr(problem, "sizes", [])
    square = [size for size in sizes if len(set(size.values())) == 1]
    return dict(square[0] if square else sizes[0]) if sizes else {}


def formula_scope(problem: Problem, numbers_only: bool = False,
                  arguments: dict[str, tuple[int, int]] | None = None) -> tuple[Any, NotationTable]:
    """A scope of the problem's variables (each also bound when written bold: \\mathbf{A} is A); for
    a matrix-calculus problem as its own `chain` claims read them (a = vec(A) row by row, J the
    Jacobian, the size letters), with `arguments` (the formal arguments of the student's functions,
    see argument_lengths) as further variables. `numbers_only`: no variable at all."""
    symbols = {} if numbers_only else {**problem_symbols(problem), **(arguments or {})}
    if symbols and problem.kind == "matrix_calculus":
        data: dict[str, Any] = {name: name for name in symbols}
        if problem.vector:
            data[problem.vector] = f"\\operatorname{{vec}}({problem.input})"
        data.update({"J": "jacobian", "\\mathbf{J}": "jacobian", "sizes": problem_sizes(problem)})
        return FreeScope(symbols), NotationTable.from_dict(data)
    table = NotationTable.from_dict({})
    if not symbols:
        return FreeScope({}), table
    scope, table = table.with_free(FreeScope({}), {name: [r, c] for name, (r, c) in symbols.items()})
    for name in symbols:
        bound = table.names.get(name)
        if bound is not None:
            for style in _STYLES:
                table.names[f"{style}{{{name}}}"] = bound
    return scope, table


def judge_as_formulas(problem: Problem, claim_id: str, lhs: str, rhs: str, where: dict[str, str],
                      numbers_only: bool = False) -> Verdict:
    """`lhs = rhs` as formulas in the problem's symbols (`problem_symbols`; none: numbers only),
    with the student's definitions `where`: exact at random points, or proved; `undecided` when a
    side names something else or cannot be read."""
    latex = f"{lhs} = {rhs}"
    arguments = {} if numbers_only else argument_lengths(problem, latex, where)
    scope, table = formula_scope(problem, numbers_only, arguments)
    try:
        if where:
            table = table.with_where(where)
        verdict = judge_formula(scope, table, latex, "", claim_id)
    except (NotationError, SymderivError) as exc:
        return Verdict(claim_id, "", latex, "undecided", message=str(exc))
    if verdict.verdict in ("correct", "incorrect"):
        return verdict
    return Verdict(claim_id, "", latex, "undecided", message=verdict.message)


def _argument(name: str) -> tuple[str, str] | None:
    """`g_1(\\mathbf{x})` -> ('g_1(x)', 'x'): a function of one argument, a single letter, as normalised."""
    found = re.fullmatch(r"(.+)\(([A-Za-z])\)", normalise(name))
    return (found.group(0), found.group(2)) if found else None


def argument_lengths(problem: Problem, latex: str, where: dict[str, str]) -> dict[str, tuple[int, int]]:
    """The formal argument of each function of the student's own that `latex` writes at that argument
    (`\\nabla g_1(\\mathbf{x})` after `g_1(\\mathbf{x}) = \\sum_{i=1}^m x_i^2`), when it is no variable of
    the problem: a column of the smallest length at which the function's definition reads (3 here, at
    the problem's size m = n = 3), when that is more than 1 (a definition that reads at every length,
    x^T x, fixes none, and its argument stays unknown). Matrix-calculus problems only."""
    if problem.kind != "matrix_calculus" or not problem.sizes:
        return {}
    known = problem_symbols(problem)
    written = normalise(latex)
    largest = max(1, math.prod(problem_sizes(problem).values()))
    out: dict[str, tuple[int, int]] = {}
    for name in where:
        found = _argument(name)
        if found is None or found[1] in known or found[1] in out or found[0] not in written:
            continue
        for length in range(1, largest + 1):
            scope, table = formula_scope(problem, False, {found[1]: (length, 1)})
            try:
                reads = judge_formula(scope, table.with_where(where), f"{name} = {name}").verdict == "correct"
            except (NotationError, SymderivError):
                reads = False
            if reads:
                if length > 1:
                    out[found[1]] = (length, 1)
                break
    return out
