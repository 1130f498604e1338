"""Parser: every seed formula parses; structure of key constructs; errors point at the character."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_notation_seed_formulas import F

from symderiv.core.errors import NotationError
from symderiv.notation import ast as A
from symderiv.notation import parse, parse_expression, parse_relation
from symderiv.notation.written import name_key


@pytest.mark.parametrize("label", sorted(F))
def test_every_seed_formula_parses(label: str) -> None:
    doc = parse(F[label])
    assert doc.chains


def _one(latex: str) -> A.Node:
    return parse(latex).chains[0].sides[0]


@pytest.mark.parametrize(
    "latex,check",
    [
        # seed 000 Q1: W^{(1)}_{nm} is an entry of layer 1's weight, not a power
        (
            r"W_{nm}^{(1)}",
            lambda n: isinstance(n, A.Sup) and [i.text for i in n.body.index] == ["n", "m"],
        ),
        # seed 003: \sin(x_3)e^{x_1} is sin applied to (x_3), times e^{x_1}
        (
            r"\sin(x_3) e^{x_1}",
            lambda n: (
                isinstance(n, A.Juxt) and isinstance(n.items[0], A.Func) and len(n.items) == 3
            ),
        ),
        # seed 002: the transpose in a layer superscript
        (
            r"\mathbf{w}^{(2)\top}",
            lambda n: isinstance(n, A.Sup) and isinstance(n.exponent, A.Juxt),
        ),
        # seed 000 Q1: a derivative target
        (
            r"\frac{\partial L}{\partial W^{(1)}}",
            lambda n: isinstance(n, A.Deriv) and n.num.text == "L",
        ),
        # seed 000 Q1: a sum's body runs over the \cdot product after it
        (
            r"\sum_{k=1}^4 (y_k - t_k) f'(z_k) \cdot \text{diag}(W^{(2)})",
            lambda n: isinstance(n, A.Sum) and isinstance(n.body, A.BinOp),
        ),
        # seed 002: indicator with a condition
        (r"\mathbf{1}_{z > 0}", lambda n: isinstance(n, A.Sub) and isinstance(n.index[0], A.Rel)),
        # seed 001: max with a brace set
        (r"\max\{0, a\}", lambda n: isinstance(n.items[1], A.Group) and n.items[1].kind == "{"),
        # seed 003 §3.2c: two index letters, the second primed
        (
            r"J_{ik'}",
            lambda n: isinstance(n, A.Sub) and n.index[0].text == "i" and isinstance(n.index[1], A.Prime),
        ),
        # a floor or ceiling holds a whole expression: \lfloor k/n \rfloor, \lceil (k+1)/2 \rceil
        (
            r"\left\lfloor k/n \right\rfloor + 1",
            lambda n: isinstance(n, A.BinOp) and isinstance(n.left, A.Group) and n.left.kind == "floor"
            and isinstance(n.left.items[0], A.BinOp) and n.left.items[0].op == "/",
        ),
        (
            r"\lceil k + 1 \rceil",
            lambda n: isinstance(n, A.Group) and n.kind == "ceil" and isinstance(n.items[0], A.BinOp),
        ),
        # seed 003 §3.2c: a floor is one group, a product inside an index
        (
            r"2\lfloor \frac{k'}{n} \rfloor",
            lambda n: isinstance(n, A.Juxt) and isinstance(n.items[1], A.Group) and n.items[1].kind == "floor",
        ),
        # seed 003 §3.2c: the indices i^* and k' \bmod n
        (r"a_{(i^*-1)n+j}", lambda n: isinstance(n, A.Sub) and isinstance(n.index[0], A.BinOp)),
        (r"v_{k' \bmod n}", lambda n: isinstance(n.index[0], A.Juxt) and n.index[0].items[1].text == "\\bmod"),
        # a derivative typed inline: \partial L / \partial w is \frac{\partial L}{\partial w}
        (r"\partial L / \partial \hat y_1", lambda n: isinstance(n, A.Deriv) and n.num.text == "L" and len(n.wrt) == 1),
        (r"\partial L/\partial x \cdot y", lambda n: isinstance(n, A.BinOp) and isinstance(n.left, A.Deriv)),
    ],
)
def test_structure(latex, check) -> None:
    assert check(_one(latex))


@pytest.mark.parametrize("latex, key", [
    (r"\lambda_{\text{max}}", r"\lambda_{\max}"),  # seed 002 writes both: one name
    (r"\lambda_{\max}", r"\lambda_{\max}"),
    (r"\eta_{\text{opt}}", r"\eta_{opt}"),  # a word is one label, not index letters o, p, t
    (r"L_{\text{reg}}", "L_{reg}"),
    (r"W_{nm}", "W_{n,m}"),  # letters written as such stay index letters
    (r"x_{\text{i}}", "x_{i}"),
])
def test_a_word_in_a_subscript_is_one_label(latex: str, key: str) -> None:
    assert name_key(_one(latex)) == key


def test_chain_keeps_every_side() -> None:
    """seed 000 Q1: a = b = \\\\ &= c is one chain of three sides (not judged by its last side)."""
    doc = parse(r"\begin{aligned} a &= b = \\ &= c \end{aligned}")
    assert len(doc.chains) == 1 and len(doc.chains[0].sides) == 3


@pytest.mark.parametrize("latex,pos", [("x +", 3), (r"\frac{a}{", 9), ("a = = b", 4), (r"1 + \lfloor k", 13)])
def test_errors_point_at_the_character(latex, pos) -> None:
    with pytest.raises(NotationError) as err:
        parse(latex)
    assert err.value.position == pos
    assert "^" in err.value.render()


def test_limits() -> None:
    with pytest.raises(NotationError, match="nested"):
        parse("{" * 1000 + "x" + "}" * 1000)
    with pytest.raises(NotationError, match="too long"):
        parse("x+" * 5000 + "x")
    x = sp.Symbol("x")
    with pytest.raises(NotationError, match="exponent"):
        parse_expression("x^{99999999}", {"x": x})


@pytest.mark.parametrize(
    "latex,expected",
    [
        (r"\sin(x_1) + 2x_2^2", "sin(x1) + 2*x2**2"),  # seed 003 1.1
        (r"\sin(x_3) e^{x_1}", "exp(x1)*sin(x3)"),  # seed 003 2.1, not sin(e*x_3)**x_1
        (r"(5 - \lambda)(2 - \lambda) - 4", "(2 - lam)*(5 - lam) - 4"),  # seed 002 P2
        (r"100\eta(\eta - \frac{1}{5})", "100*eta*(eta - 1/5)"),  # seed 000 Q3
    ],
)
def test_parse_expression(latex, expected) -> None:
    x1, x2, x3, lam, eta = sp.symbols("x1 x2 x3 lam eta")
    names = {"x_1": x1, "x_2": x2, "x_3": x3, r"\lambda": lam, r"\eta": eta}
    assert (
        sp.simplify(
            parse_expression(latex, names)
            - sp.sympify(expected, locals={"x1": x1, "x2": x2, "x3": x3, "lam": lam, "eta": eta})
        )
        == 0
    )


def test_parse_relation() -> None:
    """seed 000 Q3 and seed 002 P2: step-size intervals."""
    eta = sp.Symbol("eta")
    for latex, hi in (
        (r"\eta \in (0, \frac{1}{5})", sp.Rational(1, 5)),
        (r"0 < \eta < \frac{1}{6}", sp.Rational(1, 6)),
    ):
        rel = parse_relation(latex, {r"\eta": eta})
        assert rel.subs(eta, hi / 2) == sp.true
        assert rel.subs(eta, hi) == sp.false and rel.subs(eta, 0) == sp.false


ALPHABET = [
    *list("xyzWbf_^{}()[]+-=<>0123,.'&"),
    r"\frac",
    r"\partial",
    r"\sum",
    r"\cdot",
    r"\mathbf",
    r"\left(",
    r"\right)",
    r"\\",
    r"\top",
    " ",
]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ALPHABET), max_size=30).map("".join))
def test_fuzz_random_input_parses_or_errors(text: str) -> None:
    try:
        parse(text)
    except NotationError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(F)), st.integers(min_value=0, max_value=2000))
def test_fuzz_truncated_seed_formulas(label: str, cut: int) -> None:
    text = F[label][: cut % (len(F[label]) + 1)]
    try:
        parse(text)
    except NotationError:
        pass
