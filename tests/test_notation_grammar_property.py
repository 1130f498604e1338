"""Property: every formula built from the grammar's constructs parses to a tree that prints and
parses back to the same tree, or raises NotationError (the documented error) - never another
exception. The generator mirrors notation/grammar.lark: names, numbers, scripts, brackets,
fractions, derivatives (\\partial, Leibniz d, operator forms, \\nabla), sums, norms, bars,
inner products, named functions, products of every kind, sums and differences, relations."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symderiv.core.errors import NotationError
from symderiv.notation.parse import parse
from symderiv.notation.unparse import unparse

NAMES = ["x", "y", "W", "A", "X", "b", "s", r"\lambda", r"\sigma", r"\mathbf{x}", r"\boldsymbol{\mu}",
         r"\hat{y}", r"\mathbf{a b}", "1", "2", "0.5", r"\mathbf{1}", r"\mathbf{I}", "i", "k"]
SCRIPTS = ["^T", r"^\top", "^{-1}", "^{-T}", "^2", "_i", "_{ij}", "_{k l}", "^{(1)}", "'", "_2", "_F",
           "_{i,:}", "_{:,j}"]
BINARY = [" + ", " - ", r" \cdot ", r" \odot ", r" \circ ", r" \otimes ", " / ", r" \times ", " "]
RELATIONS = [" = ", " < ", r" \leq ", r" \approx "]


def _unary(a: str) -> st.SearchStrategy[str]:
    return st.sampled_from([
        f"({a})", rf"\left[{a}\right]", f"{{{a}}}", f"-{a}",
        rf"\frac{{\partial}}{{\partial x}} {a}", rf"\frac{{d}}{{dx}} {a}", rf"\nabla_{{\mathbf{{x}}}} {a}",
        rf"\nabla^2_x {a}", rf"\frac{{\partial {a}}}{{\partial W}}", rf"\frac{{d {a}}}{{d x}}",
        rf"\frac{{\partial^2 {a}}}{{\partial x \partial x^T}}", rf"\sum_{{i=1}}^{{3}} {a}", rf"\sum_k {a}",
        rf"\sum_{{k l}} {a}", rf"\|{a}\|", rf"\|{a}\|_2^2", rf"\lVert {a} \rVert_F", f"|{a}|",
        rf"\log {a}", rf"\exp({a})", rf"\tanh^2({a})", rf"\operatorname{{Tr}}({a})", rf"\mathrm{{Tr}}({a})",
        rf"\det {a}", rf"\ln|\det({a})|", rf"\operatorname{{diag}}({a})", rf"\exp({a})^2",
        rf"\mathbf{{{a}}}", rf"f({a})", rf"\partial_x {a}", rf"\partial_{{\mathbf{{w}}}} {a}",
        rf"\mathbb{{1}}[{a} > 0]", rf"\mathbf{{1}}\{{{a} < 0\}}", rf"\max(0, {a})", rf"\frac12 {a}",
    ])


def _scripted(a: str) -> st.SearchStrategy[str]:
    return st.sampled_from(SCRIPTS).map(lambda s: f"{{{a}}}{s}" if not a.isalnum() else f"{a}{s}")


def _binary(pair: tuple[str, str]) -> st.SearchStrategy[str]:
    a, b = pair
    return st.sampled_from([
        *[f"{a}{op}{b}" for op in BINARY],
        rf"\frac{{{a}}}{{{b}}}", rf"\langle {a}, {b} \rangle",
    ])


EXPRESSIONS = st.recursive(
    st.sampled_from(NAMES),
    lambda inner: st.one_of(
        inner.flatmap(_unary),
        inner.flatmap(_scripted),
        st.tuples(inner, inner).flatmap(_binary),
    ),
    max_leaves=8,
)

FORMULAS = st.one_of(
    EXPRESSIONS,
    st.tuples(EXPRESSIONS, st.sampled_from(RELATIONS), EXPRESSIONS).map("".join),
    st.tuples(EXPRESSIONS, EXPRESSIONS).map(lambda p: rf"\left. {p[0]} \right|_{{x = 0}} = {p[1]}"),
    st.tuples(EXPRESSIONS, EXPRESSIONS, EXPRESSIONS).map(lambda p: f"{p[0]} = {p[1]} = {p[2]}"),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FORMULAS)
def test_grammar_formulas_round_trip_or_raise_notation_error(text: str) -> None:
    try:
        tree = parse(text)
    except NotationError:
        return
    printed = unparse(tree, text)
    assert parse(printed).key() == tree.key(), (text, printed)
