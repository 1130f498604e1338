"""The gradient operator \\nabla, Jacobians J_f(v), the student's own functions (`where`),
primed names, \\mathbf{I}_n, a claim's free variables and judging on a reduced network
(seed 003 section 4 writes its derivation this way)."""

from __future__ import annotations

import pytest
import sympy as sp

from symderiv.core.errors import NotationError
from symderiv.core.network import Layer, Network
from symderiv.kinds import parse_text
from symderiv.kinds.network_scope import NetworkScope
from symderiv.notation import FreeScope, NotationTable, bind, judge_formula, parse
from symderiv.notation import ast as A
from symderiv.notation.conventions import Conventions

# a 2-3-2 ReLU network in column layout with the squared error, one sample (seed 003 S4 shape)
NET = Network(2, (Layer(3, "relu", "V", "b"), Layer(2, "identity", "W", "c")), "column", "sse")
SCOPE = NetworkScope(NET, 1)
TABLE = NotationTable.from_dict(
    {
        "V": "V", "b": "b", "W": "W", "c": "c", "x": "x", "y": "t", "y'": "y", "h": "z1",
        "h'": "a1", "L": "L", "\\sigma": "act1", "\\mathbf{J}": "jacobian",
    }
)
L1 = {"l_1(\\mathbf{x})": "\\sum_{i=1}^{2} (y_i - x_i)^2"}


def verdict(latex: str, where: dict[str, str] | None = None, scope=SCOPE, table=TABLE) -> str:
    return judge_formula(scope, table.with_where(where or {}), latex).verdict


@pytest.mark.parametrize(
    "latex,expected",
    [
        # seed 003 S4 item 1, and a sign flip
        ("\\nabla L(\\mathbf{y}') = 2(\\mathbf{y}' - \\mathbf{y})", "correct"),
        ("\\nabla L(\\mathbf{y}') = 2(\\mathbf{y} - \\mathbf{y}')", "incorrect"),
        # entries of the gradient: the subscript after the parenthesis belongs to the result
        ("\\nabla L(\\mathbf{W})_{ij} = 2h'_j(y'_i - y_i)", "correct"),
        # swapped indices: y' has 2 entries, j runs to 3 (h' has 3): the index ranges do not fit
        ("\\nabla L(\\mathbf{W})_{ij} = 2h'_i(y'_j - y_j)", "incorrect"),
        ("\\nabla L(\\mathbf{W}) = 2(\\mathbf{y}' - \\mathbf{y})\\mathbf{h}'^\\top", "correct"),
        ("\\nabla L(\\mathbf{W}) = 2\\mathbf{h}'(\\mathbf{y}' - \\mathbf{y})^\\top", "incorrect"),
        ("\\nabla L(\\mathbf{c}) = \\nabla L(\\mathbf{y}')", "correct"),
        ("\\nabla L(\\mathbf{h}') = \\mathbf{W}^\\top \\nabla L(\\mathbf{y}')", "correct"),
        ("\\nabla L(\\mathbf{h}') = \\mathbf{W} \\nabla L(\\mathbf{y}')", "incorrect"),
        ("\\nabla L(\\mathbf{b}) = \\nabla L(\\mathbf{h})", "correct"),
        ("\\nabla L(\\mathbf{b}) = \\nabla L(\\mathbf{h}')", "incorrect"),  # the ReLU mask
        ("\\nabla L(\\mathbf{V})_{ij} = x_j \\nabla L(\\mathbf{h})_i", "correct"),
        ("\\nabla L(\\mathbf{V})_{ij} = x_i \\nabla L(\\mathbf{h})_j", "incorrect"),
    ],
)
def test_gradient_of_the_loss(latex: str, expected: str) -> None:
    assert verdict(latex) == expected


def test_gradient_of_a_student_function() -> None:
    """l_1(x) = sum_i (y_i - x_i)^2 (seed 003 S4 item 2): its gradient is 2(x - y), at any argument."""
    assert verdict("\\nabla l_1(\\mathbf{y}') = 2(\\mathbf{y}' - \\mathbf{y})", L1) == "correct"
    assert verdict("\\nabla l_1(\\mathbf{y}') = \\nabla L(\\mathbf{y}')", L1) == "correct"
    assert verdict("\\nabla l_1(\\mathbf{y}') = 2(\\mathbf{y} - \\mathbf{y}')", L1) == "incorrect"
    # the formal parameter x is the function's own: it does not mean the network input here
    assert verdict("l_1(\\mathbf{y}') = L", L1) == "correct"


def test_student_function_of_the_loss() -> None:
    """l_1(h') = L(h') (item 5): the loss as a function of h', so its gradient is dL/dh'."""
    where = {"l_1(\\mathbf{h}')": "L(\\mathbf{h}')"}
    assert verdict("\\nabla l_1(\\mathbf{h}') = \\nabla L(\\mathbf{h}')", where) == "correct"
    assert verdict("\\nabla l_1(\\mathbf{h}') = \\mathbf{W}^\\top \\nabla L(\\mathbf{y}')", where) == "correct"


def test_jacobians() -> None:
    where = {"l_2(\\mathbf{h}')": "\\mathbf{W}\\mathbf{h}' + \\mathbf{c}", "g(\\mathbf{h})": "\\sigma(\\mathbf{h})"}
    assert verdict("\\mathbf{J}_{l_2}(\\mathbf{h}') = \\mathbf{W}", where) == "correct"
    assert verdict("\\mathbf{J}_{l_2}(\\mathbf{h}')^\\top = \\mathbf{W}^\\top", where) == "correct"
    assert verdict("\\mathbf{J}_{l_2}(\\mathbf{h}') = \\mathbf{W}^\\top", where) == "incorrect"
    assert verdict("\\mathbf{J}_{g}(\\mathbf{h}) = \\text{diag}(\\mathbf{1}_{\\mathbf{h} > 0})", where) == "correct"
    assert verdict("\\mathbf{J}_{g}(\\mathbf{h}) = \\mathbf{I}_{3}", where) == "incorrect"
    where_c = {"l_2(\\mathbf{c})": "\\mathbf{W}\\mathbf{h}' + \\mathbf{c}"}
    assert verdict("\\mathbf{J}_{l_2}(\\mathbf{c}) = \\mathbf{I}_{2}", where_c) == "correct"
    assert verdict("\\mathbf{J}_{l_2}(\\mathbf{c}) = \\mathbf{I}_{3}", where_c) == "incorrect"  # shapes


def test_J_is_only_a_jacobian_when_the_table_says_so() -> None:
    table = NotationTable.from_dict({"W": "W", "c": "c", "h'": "a1"})
    with pytest.raises(NotationError, match="unknown name 'J'"):
        bind("\\mathbf{J}_{l_2}(\\mathbf{c})", SCOPE, table.with_where({"l_2(\\mathbf{c})": "\\mathbf{c}"}))


def test_primed_names_are_names_only_when_bound() -> None:
    """h' and y' bound in the table are quantities; f' of an activation stays a derivative."""
    h1 = bind("h'_1", SCOPE, TABLE)
    assert h1 == SCOPE.quantity("A1")[0]
    assert bind("y'", SCOPE, TABLE) == SCOPE.quantity("Y").T
    d = bind("\\sigma'(h_1)", SCOPE, TABLE)
    assert "relu_step" in str(d)
    with pytest.raises(NotationError, match="prime marks a derivative"):
        bind("b'", SCOPE, TABLE)


def test_gradient_needs_a_scalar_function_and_an_argument() -> None:
    where = {"l_2(\\mathbf{h}')": "\\mathbf{W}\\mathbf{h}' + \\mathbf{c}"}
    with pytest.raises(NotationError, match="Jacobian"):
        bind("\\nabla l_2(\\mathbf{h}')", SCOPE, TABLE.with_where(where))
    with pytest.raises(NotationError):
        bind("\\nabla L", SCOPE, TABLE)
    with pytest.raises(NotationError, match="argument"):
        bind("\\nabla L \\mathbf{W}", SCOPE, TABLE)


def test_free_variable_of_a_claim() -> None:
    """free = { '\\mathbf{x}' = 2 }: x is the function's argument, not the network input."""
    scope, table = TABLE.with_where(L1).with_free(SCOPE, {"\\mathbf{x}": 2})
    assert judge_formula(scope, table, "\\nabla l_1(\\mathbf{x}) = 2(\\mathbf{x} - \\mathbf{y})").verdict == "correct"
    v = judge_formula(scope, table, "\\nabla l_1(\\mathbf{x}) = 2(\\mathbf{y} - \\mathbf{x})")
    assert v.verdict == "incorrect" and v.mistake == "sign" and "x" in v.counterexample["values"]
    with pytest.raises(ValueError, match="size"):
        TABLE.with_free(SCOPE, {"\\mathbf{x}": [0]})


def test_student_function_in_a_free_scope() -> None:
    scope = FreeScope({"u": (3, 1)})
    table = NotationTable.from_dict({"u": "u"}).with_where({"q(\\mathbf{v})": "\\sum_{i=1}^{3} v_i^2"})
    assert judge_formula(scope, table, "\\nabla q(\\mathbf{u}) = 2\\mathbf{u}").verdict == "correct"
    v = judge_formula(scope, table, "\\nabla q(\\mathbf{u}) = \\mathbf{u}")
    assert v.verdict == "incorrect" and v.mistake == "constant factor 1/2"
    assert judge_formula(scope, table, "q(\\mathbf{u}) = \\mathbf{u}^\\top \\mathbf{u}").verdict == "correct"


@pytest.mark.parametrize(
    "latex,verdict",
    [
        # i has no value after the sum: only "the sum of every term" means something
        ("\\sum_{i=1}^{3} (u_i - 1)^2 = \\sum_{i=1}^{3} u_i^2 - 2u_i + 1", "correct"),
        ("\\sum_{i=1}^{3} (u_i - 1)^2 = 1 + \\sum_{i=1}^{3} u_i^2 - 2u_i", "incorrect"),  # 1 + sum - 3
        ("\\sum_{i=1}^{3} (u_i - 1)^2 = -2 + 2\\sum_{i=1}^{3} \\frac{1}{2}u_i^2 - u_i + \\frac{5}{6}", "correct"),
        ("\\sum_{i=1}^{3} (u_i - 1)^2 = \\sum_{i=1}^{3} u_i^2 - 2u_i", "incorrect"),
    ],
)
def test_sum_extent_forced_reading(latex: str, verdict: str) -> None:
    """Seed 003 4.1 writes sum_i y_i^2 - 2y_i y'_i + y'^2_i: the sum of every term after it."""
    scope = FreeScope({"u": (3, 1)})
    table = NotationTable.from_dict({"u": "u"})
    v = judge_formula(scope, table, latex)
    assert v.verdict == verdict, v.message
    assert "read as the sum of every term after it" in v.message


def test_sum_extent_ambiguous_when_the_index_is_free() -> None:
    """With i free (and shadowed by the sum) both readings mean something: not read."""
    scope = FreeScope({"u": (3, 1)})
    table = NotationTable.from_dict({"u": "u"})
    assert bind("\\sum_{i=1}^{3} u_i^2 - 2u_1", scope, table) is not None
    assert bind("\\sum_{i=1}^{3} (u_i^2 - 2u_i)", scope, table) is not None
    v = judge_formula(scope, table, "u_i = \\sum_{i=1}^{3} u_i^2 - 2u_i")
    assert v.verdict == "undecided" and "ambiguous sum" in v.message


def test_identity_and_reduced_sizes() -> None:
    assert bind("\\mathbf{I}_{2}", SCOPE, TABLE) == sp.eye(2)
    reduced = TABLE.at_sizes([(784, 3), (10, 10), (64, 1)])
    assert bind("\\mathbf{I}_{10}", SCOPE, reduced).shape == (10, 10)
    assert bind("\\mathbf{I}_{784}", SCOPE, reduced).shape == (3, 3)
    clash = TABLE.at_sizes([(10, 3), (10, 2)])  # two widths of 10 reduced differently
    with pytest.raises(NotationError, match="ambiguous"):
        bind("\\mathbf{I}_{10}", SCOPE, clash)
    letters = NotationTable.from_dict({"sizes": {"d": 100}}).at_sizes([(100, 4)])
    assert letters.sizes == {"d": 4}


def test_star_superscript_parses() -> None:
    side = parse("2h'_{i^*}").chains[0].sides[0]
    stars = [n for n in A.walk(side) if isinstance(n, A.Name) and n.text == "*"]
    assert len(stars) == 1


PROBLEM = """
title = "reduced judging"
kind = "network"
[model]
layout = "column"
inputs = 50
loss = "sse"
batch = 8
layers = [ {{ units = 20, activation = "relu", weight = "V", bias = "b" }},
           {{ units = 10, activation = "identity", weight = "W", bias = "c" }} ]
[notation]
W = 'W'
c = 'c'
y = 't'
"y'" = 'y'
"h'" = 'a1'
L = 'L'
{reduce}
[[claims]]
id = "entry"
target = ""
latex = '''{latex}'''
"""


def _judged(latex: str, reduce: str) -> object:
    problem = parse_text(PROBLEM.format(latex=latex, reduce=reduce), "test.toml")
    return problem.check()[0]


def test_reduced_network_verdicts_say_so() -> None:
    reduce = "reduce = { inputs = 3, units = [4, 3], batch = 1 }"
    v = _judged("\\nabla L(\\mathbf{c})_{1} = 2(y'_1 - y_1)", reduce)
    assert v.verdict == "correct" and "reduced size: 3-4-3, N = 1" in v.message
    assert "10 as 3" in v.message and v.details["reduced"]["full_widths"] == [50, 20, 10]
    # an index of the full size that the reduced copy lacks: not read, never 'incorrect'
    v = _judged("\\nabla L(\\mathbf{c})_{7} = 2(y'_7 - y_7)", reduce)
    assert v.verdict == "undecided" and "reduced size" in v.message
    # a wrong formula stays wrong at the reduced size
    v = _judged("\\nabla L(\\mathbf{c})_{1} = 2(y_1 - y'_1)", reduce)
    assert v.verdict == "incorrect" and v.mistake == "sign"


def test_large_network_without_reduce_is_undecided() -> None:
    v = _judged("\\nabla L(\\mathbf{c})_{1} = 2(y'_1 - y_1)", "")
    assert v.verdict == "undecided" and "reduce" in v.message


def test_reduce_must_fit_the_network() -> None:
    v = _judged("\\nabla L(\\mathbf{c})_{1} = 2(y'_1 - y_1)", "reduce = { inputs = 3, units = [4], batch = 1 }")
    assert v.verdict == "error" and "one width per layer" in v.message
    v = _judged("\\nabla L(\\mathbf{c})_{1} = 2(y'_1 - y_1)", "reduce = { inputs = 60, units = [4, 3] }")
    assert v.verdict == "error" and "enlarge" in v.message


def test_vectorisation_and_an_index_definition() -> None:
    """Seed 003 S4 item 2: w = W vectorised through o(i,j) = (i-1)d + j (row by row, as the seed
    declares vec: [conventions] vec = "rows"; by default vec stacks the columns)."""
    table = NotationTable.from_dict(
        {"W": "W", "w": "\\operatorname{vec}(W)", "o(i,j)": "(i-1)d + j", "sizes": {"d": 3},
         "L": "L", "y": "t", "y'": "y", "h'": "a1", "c": "c"}
    )
    assert bind("w_{2}", SCOPE, table) == SCOPE.quantity("W")[1, 0]  # by columns: W_21 is entry 2
    table = table.with_conventions(Conventions(vec="rows"))
    assert bind("w_{o(2,1)}", SCOPE, table) == SCOPE.quantity("W")[1, 0]
    assert bind("\\mathbf{w}", SCOPE, table).shape == (6, 1)
    assert judge_formula(SCOPE, table, "W_{ij} = w_{o(i,j)}").verdict == "correct"
    assert judge_formula(SCOPE, table, "W_{ji} = w_{o(i,j)}").verdict == "incorrect"
    vec = "\\nabla L(\\mathbf{w}) = \\operatorname{vec}(\\nabla L(\\mathbf{W}))"
    assert judge_formula(SCOPE, table, vec).verdict == "correct"
    with pytest.raises(NotationError, match="index must be"):
        bind("w_{p(1,1)}", SCOPE, table)


def test_entry_names_of_a_student_function() -> None:
    """l_{2i}: the student's name for entry i of l_2 (a `where` pattern with the letter i)."""
    where = {"l_2(\\mathbf{h}')": "\\mathbf{W}\\mathbf{h}' + \\mathbf{c}", "l_{2i}": "l_2(\\mathbf{h}')_i"}
    assert verdict("\\frac{\\partial l_{2i}}{\\partial h'_j} = W_{ij}", where) == "correct"
    assert verdict("\\frac{\\partial l_{2i}}{\\partial h'_j} = W_{ji}", where) == "incorrect"


def test_literal_output_size_read_at_the_reduced_size() -> None:
    """The output (10) reduced to 3: \\mathbf{I}_{10} and \\sum_{i=1}^{10} are read as 3, so a claim
    that writes the full size is judged by its mathematics, not by the reduction."""
    reduce = "reduce = { inputs = 3, units = [4, 3], batch = 1 }"
    v = _judged("\\nabla L(\\mathbf{c}) = \\mathbf{I}_{10} \\nabla L(\\mathbf{y}')", reduce)
    assert v.verdict == "correct", v.message
    v = _judged("L = \\sum_{i=1}^{10} (y_i - y'_i)^2", reduce)
    assert v.verdict == "correct", v.message
    v = _judged("L = \\sum_{i=1}^{10} (y_i + y'_i)^2", reduce)
    assert v.verdict == "incorrect"


def test_a_function_defined_through_itself_is_an_error() -> None:
    where = {"g(\\mathbf{x})": "g(\\mathbf{x}) + 1"}
    with pytest.raises(NotationError, match="in terms of itself"):
        bind("g(\\mathbf{c})", SCOPE, TABLE.with_where(where))


@pytest.mark.parametrize(
    "latex,verdict",
    [
        # an equation between indices as a condition (the softmax Jacobian's "if i = j")
        (r"\begin{cases} u_i u_j & \text{if } i = j \\ 0 & \text{otherwise}\end{cases} = \delta_{ij} u_i^2", "correct"),
        (r"\begin{cases} u_i u_j & \text{if } i \neq j \\ 0 & \text{otherwise}\end{cases} = \delta_{ij} u_i^2",
         "incorrect"),
        # j bound by the condition (used in the value, no value of its own): the one j with j = i
        (r"\begin{cases} u_j & \text{if } j = i \\ 0 & \text{otherwise}\end{cases} = u_i", "correct"),
        (r"u_i = \begin{cases} u_j & \text{if } j + 1 = i \\ 0 & \text{otherwise}\end{cases}", "incorrect"),
    ],
)
def test_cases_with_index_equations(latex: str, verdict: str) -> None:
    scope = FreeScope({"u": (3, 1)})
    table = NotationTable.from_dict({"u": "u"})
    v = judge_formula(scope, table, latex)
    assert v.verdict == verdict, v.message


def test_cases_condition_that_does_not_determine_its_index() -> None:
    """A condition every j satisfies does not bind j: never judged, the verdict says why."""
    scope = FreeScope({"u": (3, 1)})
    table = NotationTable.from_dict({"u": "u"})
    v = judge_formula(scope, table, r"u_1 = \begin{cases} u_j & \text{if } j = j \\ 0 & \text{otherwise}\end{cases}")
    assert v.verdict == "undecided" and "does not determine j" in v.message, v.message


# u (6 entries) as the row-by-row vectorisation of a 2x3 matrix: o(i,j) = 3(i-1) + j
VEC = NotationTable.from_dict({"u": "u", "o(i,j)": "(i-1)3 + j", "domains": {"o": [2, 3]}})
VEC_SCOPE = FreeScope({"u": (6, 1)})


@pytest.mark.parametrize(
    "latex,where,expected",
    [
        # k = o(i^*, j^*): the free indices are i* (1..2) and j* (1..3), from o's domain
        ("u_k = u_{3(i^*-1) + j^*}", {"k": "o(i^*, j^*)"}, "correct"),
        ("u_k = u_{3(j^*-1) + i^*}", {"k": "o(i^*, j^*)"}, "incorrect"),
        ("u_{o(i,j)} = u_{3i + j - 3}", {}, "correct"),
        ("u_{o(i,j)} = u_{3i + j - 2}", {}, "incorrect"),  # off by one: shapes (index 7 of 6)
    ],
)
def test_starred_and_defined_indices(latex: str, where: dict, expected: str) -> None:
    """Seed 003 S4 item 2: 'unique values i^* and j^* such that k = o(i^*, j^*)'."""
    assert verdict(latex, where, VEC_SCOPE, VEC) == expected


def test_index_domain_is_checked() -> None:
    """o's declared domain is 1..2 x 1..3: o(3, 1) is out of it, a wrong formula."""
    v = judge_formula(VEC_SCOPE, VEC, "u_{o(3,1)} = u_1")
    assert v.verdict == "incorrect" and "out of range" in v.message, v.message
    with pytest.raises(ValueError, match=r"domains\.o"):
        NotationTable.from_dict({"o(i,j)": "(i-1)3 + j", "domains": {"o": [2, -1]}})
