"""notation.isolate: a relation solved for one name, checked against SymPy's own solve.

The solved LaTeX is read back by a small evaluator of this test (numbers, letters, + - juxtaposition,
fractions, brackets: all the solver emits), independent of the notation's binder."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symderiv.notation import ast as A
from symderiv.notation.isolate import solve_for
from symderiv.notation.parse import parse_one

i, k, n = sp.symbols("i k n")


def _value(node: A.Node) -> sp.Expr:
    if isinstance(node, A.Num):
        return sp.Rational(node.text)
    if isinstance(node, A.Name):
        return sp.Symbol(node.text)
    if isinstance(node, A.Group) and len(node.items) == 1:
        inner = _value(node.items[0])
        return sp.floor(inner) if node.kind == "floor" else inner
    if isinstance(node, A.Neg):
        return -_value(node.body)
    if isinstance(node, A.BinOp) and node.op in "+-":
        left, right = _value(node.left), _value(node.right)
        return left + right if node.op == "+" else left - right
    if isinstance(node, A.Juxt):
        return sp.Mul(*[_value(item) for item in node.items])
    if isinstance(node, A.Frac):
        return _value(node.num) / _value(node.den)
    raise AssertionError(f"the solver emitted a node this test does not read: {node!r}")


def _solved(latex: str, name: str = "i") -> sp.Expr | None:
    found = solve_for(latex, name)
    return None if found is None else _value(parse_one(found))


@pytest.mark.parametrize(("relation", "expected"), [
    (r"\lfloor \frac{k'}{n} \rfloor = i - 1", None),  # checked by text below (k' is a primed name)
    (r"2i + 3 = k", (k - 3) / 2),
    (r"k = 3 - i", 3 - k),
    (r"\frac{i}{n} - 1 = k", (k + 1) * n),
    (r"2(i - 1) = k", k / 2 + 1),
    (r"-i = k", -k),
    (r"i = 5", sp.Integer(5)),
    (r"k = \frac{3}{4} i", sp.Rational(4, 3) * k),
])
def test_solved_as_sympy_solves_it(relation: str, expected: sp.Expr | None) -> None:
    if expected is None:
        assert solve_for(relation, "i") == r"\left\lfloor \frac{k'}{n} \right\rfloor + 1"
        return
    assert sp.simplify(_solved(relation) - expected) == 0


@pytest.mark.parametrize("relation", [
    "i^2 = k",          # a power: two roots
    "i + i = k",        # the name twice
    "n i = k",          # a symbol divisor could be 0
    "0 i = k",          # a zero divisor
    r"\frac{k}{i} = 2",  # the name in a divisor
    r"\exp(i) = k",     # a function
    "k = n",            # no i
    "i = k = n",        # a chain, not one relation
    "i < k",            # not an equation
    r"\frac{",          # unreadable
])
def test_no_single_solution_is_none(relation: str) -> None:
    assert solve_for(relation, "i") is None


_atoms = st.sampled_from(["k", "n", "3", "2", "5"])


@st.composite
def _linear(draw: st.DrawFn, depth: int = 3) -> tuple[str, sp.Expr]:
    """A side holding i once: LaTeX and its SymPy value, built together."""
    if depth == 0 or draw(st.booleans()):
        return "i", i
    inner, value = draw(_linear(depth - 1))
    atom = draw(_atoms)
    other = sp.Symbol(atom) if atom.isalpha() else sp.Integer(atom)
    step = draw(st.sampled_from(["+", "-left", "-right", "neg", "times", "frac"]))
    if step == "+":
        return f"{inner} + {atom}", value + other
    if step == "-left":
        return f"{inner} - {atom}", value - other
    if step == "-right":
        return f"{atom} - \\left({inner}\\right)", other - value
    if step == "neg":
        return f"-\\left({inner}\\right)", -value
    number = draw(st.sampled_from(["2", "3", "7"]))
    if step == "times":
        return f"{number} \\left({inner}\\right)", int(number) * value
    return f"\\frac{{{inner}}}{{{atom}}}", value / other


@settings(max_examples=60, deadline=None)
@given(_linear(), st.booleans())
def test_solution_satisfies_the_relation(side: tuple[str, sp.Expr], flipped: bool) -> None:
    latex, value = side
    relation = f"k = {latex}" if flipped else f"{latex} = k"
    solution = _solved(relation)
    assert solution is not None, relation
    assert sp.simplify(value.subs(i, solution) - k) == 0, (relation, solve_for(relation, "i"))
    assert sp.simplify(solution - sp.solve(sp.Eq(value, k), i)[0]) == 0
