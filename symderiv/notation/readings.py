"""The judge's conventional readings of a chain: a repeated index summed, a \\cdot read entry by entry.

Both are conventions of notation/conventions.py, each used only where it is on and where it is the
one reading that makes the claim well-typed; the remark it leaves names it.

* implicit_sum: a side that is a product whose factors repeat an index letter k, where k is free on
  no side without that repetition and some side of the chain has no k at all, is the sum over k.
* elementwise_dot: a chain whose sides cannot be evaluated under the default reading of its \\cdot
  (the matrix product where it fits) is judged again with the \\cdot that fit both ways read entry
  by entry, every combination up to MAX_PLANS evaluations; the readings that are well-typed decide:
  one, or several that agree, judge the claim; several that disagree leave it undecided, naming them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import sympy as sp

from ..core.errors import LimitError, NotationError, SymderivError
from . import ast as A
from .binder import FormulaLimitError
from .conventions import remark
from .polynomial import all_zero
from .scope import as_basic
from .unparse import unparse
from .written import index_uses

MAX_PLANS = 16  # readings of the \cdot in one chain tried, at most

PRODUCTS = ("cdot", "times", "odot", "circ")


def factors(node: A.Node) -> list[A.Node]:
    """The factors of a product as written (side by side, or joined by \\cdot, \\times, \\odot);
    brackets around the whole product are looked through; anything else is one factor."""
    while isinstance(node, A.Group) and node.kind == "(" and len(node.items) == 1:
        node = node.items[0]
    if isinstance(node, A.Juxt):
        return [f for item in node.items for f in factors(item)] if len(node.items) > 1 else [node]
    if isinstance(node, A.BinOp) and node.op in PRODUCTS:
        return factors(node.left) + factors(node.right)
    return [node]


def repeated(node: A.Node, letter: str) -> bool:
    """Index `letter` appears in at least two factors of the product `node`, or of the product a
    derivative of it differentiates (\\frac{\\partial (A_{ij} x_j)}{\\partial x_k}: the derivative is linear,
    so summing the side sums its numerator)."""
    if isinstance(node, A.Deriv) and node.num is not None and node.order == 1:
        return repeated(node.num, letter)
    if isinstance(node, A.Apply) and isinstance(node.op, A.Deriv) and node.op.order == 1:
        return repeated(node.arg, letter)
    return sum(letter in index_uses(f) for f in factors(node)) >= 2


def implicit_sums(judge, sides: list) -> list:
    """`sides` with the summation convention read: each side whose product repeats an index k that
    is free on no other side (some side has no k; every side with a k repeats it) becomes
    \\sum_{k=1}^{n} of itself, n the range of k; the remark names k. Unchanged when the convention
    is off, or when the sides' free letters cannot be told one side at a time."""
    if not judge.table.conventions.implicit_sum or len(sides) < 2:
        return sides
    free: list[dict[str, int]] = []
    before = _state(judge)  # the probing below reads the sides: what it records is not the verdict's
    try:
        for side in sides:
            ranges: dict[str, int] = {}
            judge._side_ranges(side, ranges)
            free.append(ranges)
    except NotationError:
        return sides
    finally:
        _restore(judge, before)
    out = list(sides)
    for letter in sorted(set().union(*free)):
        holders = [n for n, r in enumerate(free) if letter in r]
        if len(holders) == len(sides) or not all(repeated(sides[n].node, letter) for n in holders):
            continue
        size = free[holders[0]][letter]
        if any(free[n][letter] != size for n in holders):
            continue
        for n in holders:
            node = out[n].node
            summed = A.Sum(node.pos, letter, A.Num(node.pos, "1"), A.Num(node.pos, str(size)), node)
            out[n] = replace(out[n], node=summed)
            judge.remarks_made.add(remark(
                "implicit_sum", f"{letter} is repeated in the product {_shown(sides[n])} and free on no "
                f"other side, so it is summed over {letter} = 1..{size}"))
    return out


def column_of_rows(scope, table, of: str, value, size: int | None) -> str | None:
    """The remark of the convention column_of_rows when it makes "column vector (of size n)" true of
    `value`: a matrix of more than one column whose row k depends on sample k's data and on no other
    sample's (row layout, one row per sample; n the number of rows when given); None otherwise."""
    rows, cols = value.shape
    if (not table.conventions.column_of_rows or getattr(scope, "layout", "") != "row" or cols < 2
            or rows != getattr(scope, "n_samples", 1) or rows < 2 or size not in (None, rows)):
        return None
    samples = [set() for _ in range(rows)]
    for name in ("X", "T"):
        try:
            data = scope.quantity(name)
        except KeyError:
            continue
        if isinstance(data, sp.MatrixBase) and data.rows == rows:
            for k in range(rows):
                samples[k] |= set().union(*(as_basic(e).free_symbols for e in data.row(k)))
    for k in range(rows):
        used = set().union(*(as_basic(scope.expand(e)).free_symbols for e in value.row(k)))
        if {j for j in range(rows) if used & samples[j]} != {k}:
            return None
    return remark("column_of_rows", f"{of} stacks the {rows} samples' rows of {cols} entries (row k is "
                                    f"sample k's), a column of {rows} row vectors")


def _shown(side) -> str:
    """A side as the student wrote it (its text), or printed from its tree."""
    if side.text:
        return side.text
    try:
        return unparse(side.node)
    except (TypeError, ValueError):
        return "(the side)"


def judge_with_dot_readings(judge, sides: list, ops: list[str], once: Callable[[list, list[str]], dict]) -> dict:
    """The chain judged by `once` under the default readings of its notations with several (binder.choose:
    a \\cdot that fits both ways, an unsized \\mathbf{I}); under the others when a side is not well-typed
    under the defaults, or when a notation has no default meaning (every reading tried). The readings
    that are well-typed decide: one, or several that agree, judge the claim; several that disagree leave
    it undecided, naming them. The binder's plan keeps the reading that decided (a later proof
    evaluates the sides again under it)."""
    binder = judge.binder
    base_plan = dict(binder.plan)
    state = _state(judge)
    binder.choices = {}
    first = once(sides, ops)
    first_state = _state(judge)
    names = dict(binder.choices)
    exhaustive = any(c.exhaustive for c in names.values())
    if not names or not (_ill_read(first) or exhaustive):
        return first
    typed: list[tuple[frozenset, dict, tuple]] = [] if _ill_read(first) else [(frozenset(), first, first_state)]
    best_untyped: tuple[frozenset, dict, tuple] | None = None  # wrong under every reading, every side read
    unread: tuple[frozenset, dict, tuple] | None = None  # a reading under which a side cannot be read
    tried: set[frozenset] = {frozenset()}
    queue = _alternatives(frozenset(), names, base_plan, not _ill_read(first))
    while queue and len(tried) < MAX_PLANS:
        flips = queue.pop(0)
        if flips in tried:
            continue
        tried.add(flips)
        _restore(judge, state)
        binder.plan = {**base_plan, **dict(flips)}
        binder.choices = {}
        result = once(sides, ops)
        met = dict(binder.choices)
        names.update(met)
        if not _ill_read(result):
            typed.append((flips, result, _state(judge)))
        elif result.get("untyped") and not result.get("within") and best_untyped is None:
            best_untyped = (flips, result, _state(judge))  # every side read: the two sides' shapes differ
        elif result.get("unreadable") and unread is None:
            unread = (flips, result, _state(judge))
        queue.extend(_alternatives(flips, met, binder.plan, not _ill_read(result)))
    if exhaustive and queue:  # readings left untried: one of them might disagree
        _restore(judge, state)
        binder.plan = base_plan
        return {"ok": True, "undecided": f"too many readings to try (more than {MAX_PLANS}): "
                                         + ", ".join(c.text for c in names.values()), "ranges": first.get("ranges", {})}
    if not typed and not first.get("untyped"):  # a side unread under every reading: as the default left it
        _restore(judge, first_state)
        binder.plan = base_plan
        return first
    if not typed and unread is not None and first.get("untyped"):  # the claim may hold under the reading
        flips, result, after = unread                                  # no side of which could be read
        _restore(judge, after)
        binder.plan = {**base_plan, **dict(flips)}
        return result
    if not typed and first.get("within") and best_untyped is not None:
        flips, first, first_state = best_untyped  # reported under a reading that reads every side
        base_plan = {**base_plan, **dict(flips)}
    if not typed:  # wrong under every reading: reported under the default readings (or one that reads every side)
        _restore(judge, first_state)
        binder.plan = base_plan
        every = "every reading of the \\cdot: matrix product or entry by entry" if not exhaustive else \
            "every reading tried: " + ", ".join(c.text for c in names.values())
        return {**first, "message": f"{first['message']} (under {every})"}
    outcomes = {r["ok"] for _, r, _ in typed}
    flips, result, after = typed[0]
    if len(outcomes) > 1:
        _restore(judge, state)
        binder.plan = base_plan
        typed = sorted(typed, key=lambda t: not t[1]["ok"])
        shown = "; ".join(f"{'holds' if r['ok'] else 'does not hold'} {_plan_text(names, f)}" for f, r, _ in typed)
        return {"ok": True, "undecided": f"the claim can be read more than one way, and the readings "
                                         f"disagree: it {shown}", "ranges": result.get("ranges", {})}
    _restore(judge, after)
    binder.plan = {**base_plan, **dict(flips)}
    return result


def _ill_read(result: dict) -> bool:
    """Under this reading a side is not well-typed (a shape error), or cannot be read at all (a
    subscript on the number the reading made): another reading may read it."""
    return bool(result.get("untyped") or result.get("unreadable"))


def _alternatives(flips: frozenset, met: dict, plan: dict, typed: bool) -> list[frozenset]:
    """The plans one step from `flips`: each notation met and not yet fixed, at each reading other
    than its default (when the formula is `typed` already, only those with no default meaning)."""
    out = []
    for key, choice in sorted(met.items(), key=lambda kv: repr(kv[0])):
        if key in plan or (typed and not choice.exhaustive):
            continue
        out.extend(flips | {(key, option)} for option in choice.options[1:])
    return out


def _plan_text(names: dict, flips: frozenset) -> str:
    """A plan's readings as written: 'with A \\cdot v read entry by entry', 'with \\mathbf{I} 3x3'."""
    if not flips:
        return "with the default readings"
    parts = []
    for key, option in sorted(flips, key=lambda f: repr(f[0])):
        text = names[key].text if key in names else "a notation"
        if isinstance(option, tuple):
            parts.append(f"{text} read as the {option[0]} of size {option[1]}")
        else:
            parts.append(f"{text} read entry by entry" if option == "elementwise" else f"{text} read as {option}")
    return "with " + " and ".join(parts)


def remarks_of(judge) -> tuple[str, ...]:
    """The conventions read, by the judge and by its binder (a verdict's remarks), in order."""
    return tuple(sorted(judge.binder.remarks | judge.remarks_made))


def _state(judge) -> tuple[Any, ...]:
    """What judging a chain changes in the judge and its binder, to judge it again afresh."""
    b = judge.binder
    return (judge.points, judge.at_data, judge.rounded, set(judge._readings), set(judge.remarks_made),
            set(b.readings), set(b.remarks))


def _restore(judge, state: tuple[Any, ...]) -> None:
    b = judge.binder
    points, judge.at_data, judge.rounded, readings, remarks, b_readings, b_remarks = state
    judge.points = points
    judge._readings, judge.remarks_made = set(readings), set(remarks)
    b.readings, b.remarks = set(b_readings), set(b_remarks)
    b.derived.clear()


def value_read_one_way(make: Callable[[], Any], read: Callable[[Any], Any]) -> Any:
    """`read(binder)` for a fresh `make()` binder under the default readings, when the readings of
    its notations with no default meaning (a / b c, an unsized \\mathbf{1}) agree: every
    combination is read (up to MAX_PLANS), those not well-typed are left out, the values of the
    rest compared. When they differ, a NotationError names each reading and its value: a formula
    a problem or a topic's claim gives is never read one way silently. When no reading can be
    read, the default's error."""
    names: dict = {}
    found: list[tuple[frozenset, Any]] = []
    error: NotationError | None = None
    queue, tried = [frozenset()], set()
    while queue:
        flips = queue.pop(0)
        if flips in tried:
            continue
        if len(tried) >= MAX_PLANS:
            raise NotationError(make().text, "too many readings to try (more than "
                                f"{MAX_PLANS}): " + ", ".join(c.text for c in names.values()), None)
        tried.add(flips)
        binder = make()
        binder.plan = dict(flips)
        try:
            found.append((flips, read(binder)))
        except (LimitError, FormulaLimitError):
            raise
        except NotationError as exc:
            error = error or exc
        met = {k: c for k, c in binder.choices.items() if c.exhaustive}
        names.update(met)
        queue.extend(_alternatives(flips, met, binder.plan, True))
    if not found:
        raise error
    value = found[0][1]
    differ = [(f, v) for f, v in found[1:] if not _same_value(value, v)]
    if not differ:
        return value
    shown = "; ".join(f"{_plan_text(names, _spelled(f, names))} it is {_short(v)}" for f, v in [found[0], *differ])
    raise NotationError(make().text, f"the formula can be read more than one way, and the readings differ: "
                                     f"{shown}; write it so that it reads one way (\\frac{{..}}{{..}}, brackets, "
                                     "a size)", None)


def _spelled(flips: frozenset, names: dict) -> frozenset:
    """`flips` with every notation met at its default spelled out (for the message)."""
    taken = dict(flips)
    return frozenset((k, taken.get(k, c.options[0])) for k, c in names.items())


def _same_value(a: Any, b: Any) -> bool:
    """Two readings' values are equal: the same shape and each difference proved 0."""
    if not isinstance(a, sp.Basic | sp.MatrixBase) or not isinstance(b, sp.Basic | sp.MatrixBase):
        return a == b
    a_m, b_m = (v if isinstance(v, sp.MatrixBase) else sp.Matrix([[v]]) for v in (a, b))
    if a_m.shape != b_m.shape:
        return False
    try:
        return all_zero([as_basic(x) - as_basic(y) for x, y in zip(a_m, b_m, strict=True)]) is True
    except SymderivError:
        return False


def _short(value: Any) -> str:
    text = sp.sstr(value) if isinstance(value, sp.Basic | sp.MatrixBase) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."
