"""The binder's shape: one handler per node kind, free index letters found by return values, and
the names a scope declares (the notation layer knows no network).

Expected values are worked out by hand from the shapes written in each case (u is 3x1, M is 2x3)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sympy as sp

from symderiv.core.errors import NotationError
from symderiv.core.network import Layer, Network
from symderiv.kinds.network_scope import NOTATION_OPTIONS, NetworkScope
from symderiv.notation import FreeScope, NotationTable, bind, judge_formula, parse
from symderiv.notation import ast as A
from symderiv.notation.binder import HANDLERS, Binder, FormulaShapeError, UnboundIndex, handles
from symderiv.notation.calculus import ChainRule
from symderiv.notation.functions import APPLIERS, FUNCTIONS, OPERATORS
from symderiv.notation.scope import GraphScope
from symderiv.notation.table import BoundMacro, StudentMacro

SCOPE = FreeScope({"u": (3, 1), "M": (2, 3)})
TABLE = NotationTable.from_dict({"u": "u", "M": "M"})


def side(latex: str) -> A.Node:
    return parse(latex).chains[0].sides[0]


# ---------------------------------------------------------------- the handler table
VALUE_KINDS = [A.Num, A.Name, A.Func, A.Styled, A.Sub, A.Sup, A.Transpose, A.Prime, A.Group, A.Interval,
               A.Placeholder, A.Dots, A.Neg, A.BinOp, A.Juxt, A.Sum, A.Frac, A.Deriv, A.Matrix, A.Cases, A.Rel,
               A.Canon, StudentMacro, BoundMacro, ChainRule]


@pytest.mark.parametrize("kind", VALUE_KINDS, ids=lambda k: k.__name__)
def test_every_node_kind_has_one_handler(kind) -> None:
    assert kind in HANDLERS


def test_a_new_node_kind_is_one_registration() -> None:
    @dataclass(frozen=True)
    class Answer(A.Node):
        pass

    try:
        @handles(Answer)
        def _answer(b, node, env, canonical):
            return sp.Integer(42)

        assert Binder(SCOPE, TABLE).value(Answer(0), {}) == 42
        with pytest.raises(ValueError, match="Answer is registered already"):
            handles(Answer)(_answer)
    finally:
        HANDLERS.pop(Answer, None)
    with pytest.raises(NotationError, match="Answer cannot be evaluated here"):
        Binder(SCOPE, TABLE).value(Answer(0), {})


def test_builtin_functions_and_operators_are_tables() -> None:
    assert {"exp", "log", "sin", "cos", "tanh"} <= set(FUNCTIONS)
    assert {"diag", "max", "min", "vec", "nabla", "grad", "jacobian", "deriv"} <= set(APPLIERS)
    assert {"det", "tr"} <= OPERATORS and {"det", "tr"} <= set(APPLIERS)  # applied by vocabulary.py (issue 12)
    assert bind("\\exp(0) + \\max(1, 2)", SCOPE, TABLE) == 3
    with pytest.raises(NotationError, match="needs a square one"):  # M is 2x3: no determinant, an error
        bind("\\det(M)", SCOPE, TABLE)


# ---------------------------------------------------------------- free index letters by return values
@pytest.mark.parametrize(
    "latex,pending,ranges,unbound,error",
    [  # (side, letters probed, ranges found, first letter with no value, error): u is 3x1, M is 2x3
        ("u_i", [], {}, "i", None),
        ("u_i", ["i"], {"i": 3}, None, None),
        ("M_{ij}", ["i"], {"i": 2}, "j", None),  # rows first, then j has no value
        ("M_{ij}", ["i", "j"], {"i": 2, "j": 3}, None, None),
        ("M_{ji} u_i", ["i", "j"], {"j": 2, "i": 3}, None, None),  # in the order found
        ("\\sum_i u_i", [], {}, None, None),  # bound by the sum
        ("[u_i^2]_i", [], {}, None, None),  # a comprehension binds i
        ("[M u]_k", [], {}, "k", None),  # entry k of M u: k is free
        ("[M u]_k", ["k"], {"k": 2}, None, None),
        ("u + M", [], {}, None, "cannot add a 3x1 and a 2x3 matrix"),
        ("u_k (u + M)", [], {}, "k", None),  # what follows the first letter without a value is not read
        ("u_k (u + M)", ["k"], {"k": 3}, None, "cannot add a 3x1 and a 2x3 matrix"),
    ],
)
def test_probe_returns_ranges_and_the_first_unbound_letter(latex, pending, ranges, unbound, error) -> None:
    found = Binder(SCOPE, TABLE, latex).probe(side(latex), {}, pending)
    assert found.ranges == ranges and list(found.ranges) == list(ranges)
    assert found.unbound == unbound
    if error is None:
        assert found.error is None
    else:
        assert isinstance(found.error, FormulaShapeError) and error in found.error.message


def test_a_letter_without_a_value_outside_probing_is_an_error() -> None:
    with pytest.raises(UnboundIndex, match="index k has no value or range"):
        bind("u_k", SCOPE, TABLE)


@pytest.mark.parametrize(
    "latex,expected",
    [  # the range of a letter is the first axis it indexes; what follows is not evaluated for it
        # (here u_{j-1} at j = 1 would be u_0): the case holds at j = 2 alone, so its value is u_2 u_1
        (r"\begin{cases} u_j u_{j-1} & j = 2 \\ 0 & \text{otherwise} \end{cases} = u_2 u_1", "correct"),
        (r"\begin{cases} u_j u_{j-1} & j = 2 \\ 0 & \text{otherwise} \end{cases} = u_3 u_2", "incorrect"),
        (r"[u_i u_j]_{ij} = u u^T", "correct"),  # a two-letter comprehension
        (r"\sum_j M_{ij} u_j = [M u]_i", "correct"),  # i free (1..2), j bound
        (r"\sum_j M_{ij} u_j = [M^T u]_i", "incorrect"),  # M^T u has 3 entries, i runs to 2: a shape
    ],
)
def test_free_letters_judged(latex: str, expected: str) -> None:
    assert judge_formula(SCOPE, TABLE, latex).verdict == expected


# ---------------------------------------------------------------- names a scope declares
NET = Network(2, (Layer(3, "relu", "W1", "b1"), Layer(2, "softmax", "W2", "b2")), "column", "softmax_cross_entropy")
NET_SCOPE = NetworkScope(NET, 2)


@pytest.mark.parametrize(
    "name,batch",
    [("x", "X"), ("t", "T"), ("y", "Y"), ("z1", "Z1"), ("a2", "A2"), ("W1", None), ("z", None), ("L", None),
     ("act1", None)],
)
def test_network_scope_declares_its_per_sample_names(name: str, batch: str | None) -> None:
    assert NET_SCOPE.per_sample(name) == batch


def test_network_scope_declares_its_functions_and_the_loss() -> None:
    assert NET_SCOPE.function("act1").name == "relu"
    assert NET_SCOPE.function("W1") is None
    with pytest.raises(LookupError, match="layer 2 has no element-wise activation"):
        NET_SCOPE.function("act2")  # softmax acts on a whole vector
    assert NET_SCOPE.callable_quantity("L") and not NET_SCOPE.callable_quantity("Y")


def test_a_free_scope_declares_no_network_names() -> None:
    """x and a1 are a free scope's own variables (they were read as samples of X and A1)."""
    scope = FreeScope({"x": (2, 1), "a1": (2, 1)})
    table = NotationTable.from_dict({"x": "x", "a": "a1"})
    assert scope.per_sample("x") is None and scope.function("act1") is None
    assert not GraphScope().callable_quantity("L")
    assert bind("x", scope, table) == scope.quantity("x")
    assert bind("a_2", scope, table) == scope.quantity("a1")[1]
    assert judge_formula(scope, table, r"x^T x = \sum_i x_i^2").verdict == "correct"


def test_reduce_is_the_network_kinds_own_table_entry() -> None:
    table = NotationTable.from_dict({"u": "u", "reduce": {"inputs": 3, "units": [4, 2]}}, options=NOTATION_OPTIONS)
    assert table.options == {"reduce": {"inputs": 3, "units": (4, 2)}}
    assert table.with_where({}).options == table.options
    with pytest.raises(ValueError, match="unknown keys"):
        NotationTable.from_dict({"reduce": {"layers": 3}}, options=NOTATION_OPTIONS)
    with pytest.raises(NotationError):  # for any other kind, a name whose formula does not parse
        NotationTable.from_dict({"reduce": {"inputs": 3}})


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_builtin_function_knows_its_derivative(name: str) -> None:
    """Every element-wise function's registered derivative is SymPy's derivative of its value (the
    chain rule of \\frac{d}{dx} f(g(x)) and of the Jacobians uses the registered one)."""
    fn, x = FUNCTIONS[name], sp.Symbol("x", positive=True)
    assert sp.simplify(fn.df(x) - sp.diff(fn.f(x), x)) == 0


@pytest.mark.parametrize(("claim", "verdict"), [
    (r"\frac{d}{dx}\tanh x = \operatorname{sech}^2 x", "correct"),
    (r"\frac{d}{dx}\tanh x = \operatorname{sech} x", "incorrect"),
    (r"\frac{d}{dx}\arctan x = \frac{1}{1 + x^2}", "correct"),
    (r"\frac{d}{dx}\sec x = \sec x \tan x", "correct"),
    (r"\frac{d}{dx}\coth x = 1 - \coth^2 x", "correct"),
    (r"\frac{d}{dx} \sin^2 x = 2 \sin x \cos x", "correct"),  # \sin x \cos x: (\sin x)(\cos x)
    (r"\frac{d}{dx} \sin^2 x = \sin x \cos x", "incorrect"),
    (r"\sin x \cos x = \frac{1}{2}\sin 2x", "correct"),
    (r"\exp x \sin x = e^{x} \sin(x)", "correct"),
    (r"\log \exp x \cos x = x \cos x", "correct"),  # \log's operand starts with \exp: \log(\exp x) \cos x
])
def test_reciprocal_and_inverse_trigonometric_functions_as_textbooks_write_them(claim: str, verdict: str) -> None:
    assert judge_formula(FreeScope({"x": (1, 1)}), NotationTable.from_dict({"x": "x"}), claim).verdict == verdict
