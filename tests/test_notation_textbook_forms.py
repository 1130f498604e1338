"""Forms textbooks print and students copy, each judged against an independent truth: the
indicator in its bracket (ReLU'(z) = 1 for z > 0, 0 otherwise: Goodfellow et al. §6.3.1), rows and
columns A_{i,:} and A_{:,j} (Goodfellow et al. §2.1), names written side by side (TeX's Ax is A x),
the sign function (d|x|/dx = sign(x) away from 0), the operator \\partial_x, Bishop's {...}
brackets, ^{\\mathrm{T}} and products \\prod (e^a e^b = e^{a+b}), a `where` name x_i under a transpose,
a `where` letter that names a value (p = \\sigma(z), not an index). Each true
form is `correct` and each with a planted mistake `incorrect`; a misplaced ':' is a clear error."""

from __future__ import annotations

import pytest

from symderiv.core.errors import NotationError, SymderivError
from symderiv.kinds import parse_text
from symderiv.kinds.base import Claim
from symderiv.notation import FreeScope, NotationTable, judge_formula
from symderiv.notation.inputcheck import UnjudgedStatement
from symderiv.notation.parse import parse

SHAPES = {"A": (2, 3), "v": (3, 1), "w": (3, 1), "a": (1, 1)}
SCOPE = FreeScope(SHAPES)
TABLE = NotationTable.from_dict({n: n for n in SHAPES})

CASES = [
    # the indicator, every way it is written (the derivative of max(0, a) is the truth)
    (r"\frac{d}{da} \max(0, a) = \mathbb{1}[a > 0]", "correct"),
    (r"\frac{d}{da} \max(0, a) = \mathbf{1}\{a > 0\}", "correct"),
    (r"\frac{d}{da} \max(0, a) = \mathbb{I}(a > 0)", "correct"),
    (r"\frac{d}{da} \max(0, a) = \mathbb{1}_{a > 0}", "correct"),
    (r"\frac{d}{da} \max(0, a) = \mathbb{1}[a < 0]", "incorrect"),
    (r"\frac{d}{da} \max(0, a) = \mathbf{1}\{0 < a\}", "correct"),
    (r"\frac{d}{da} \max(0, -a) = -\mathbb{1}[a < 0]", "correct"),
    (r"\frac{\partial}{\partial v} \mathbf{1}^T \max(0, v) = \mathbb{1}[v > 0]", "correct"),
    # rows and columns: (Av)_i = A_{i,:} v; A_{:,j} is column j
    (r"(A v)_2 = A_{2,:} v", "correct"),
    (r"(A v)_2 = A_{:,2}^T v", "incorrect"),
    (r"A_{:,3} = A \mathbf{e}_3", "undecided"),  # e_3 is not declared: nothing to compare
    (r"(A^T)_{:,1} = (A_{1,:})^T", "correct"),
    (r"\frac{\partial}{\partial v} A_{1,:} v = (A_{1,:})^T", "correct"),
    (r"\frac{\partial}{\partial v} A_{1,:} v = A_{:,1}", "incorrect"),
    # letters side by side are a product, as TeX sets them
    (r"\nabla_v \|Av\|^2 = 2A^TAv", "correct"),
    (r"\nabla_v \|Av\|^2 = 2AA^Tv", "incorrect"),
    (r"\nabla_w (w^Tv)^2 = 2(v^Tw)v", "correct"),
    # a function of two arguments after a factor is a factor (its value was dropped: 2 max(0, a) = 2 held)
    (r"2\max(0, a) = 2", "incorrect"),
    (r"a \max(0, a) = \max(0, a^2)", "incorrect"),
    (r"2\max(0, a) = \max(0, 2a)", "correct"),
    (r"w^T \max(0, v) = \max(0, v)^T w", "correct"),
    # \partial_x f, the operator as a subscript (Goodfellow et al. §4.3 write \partial_{x_i} f)
    (r"\partial_v (w^T v)^2 = 2 (w^T v) w", "correct"),
    (r"\partial_v (w^T v)^2 = 2 w^T v", "incorrect"),
    (r"\partial_a \partial_a a^3 = 6a", "correct"),
    (r"\partial_{a} \max(0, a) = \mathbb{1}[a > 0]", "correct"),
    (r"\frac{\mathrm{d}}{\mathrm{d}a} a e^a = (1 + a) e^a", "correct"),
    # Bishop's notation: curly brackets as brackets, the transpose ^{\mathrm{T}}, products \prod
    (r"\{w^{\mathrm{T}} v\}^2 = (v^T w)^2", "correct"),
    (r"\nabla_w \frac{1}{2}\{a - w^{\mathrm{T}} v\}^2 = -\{a - w^{\mathrm{T}} v\} v", "correct"),
    (r"\nabla_w \frac{1}{2}\{a - w^{\mathrm{T}} v\}^2 = \{a - w^{\mathrm{T}} v\} v", "incorrect"),
    (r"\prod_{i=1}^{3} e^{v_i} = e^{\sum_{i=1}^{3} v_i}", "correct"),
    (r"\prod_{i=1}^{3} e^{v_i} = \sum_{i=1}^{3} e^{v_i}", "incorrect"),
    (r"\prod_i v_i = v_1 v_2 v_3", "correct"),
    (r"\frac{\partial}{\partial v_1} \prod_{i} v_i = v_2 v_3", "correct"),
    (r"\prod_{i=1}^{0} v_i = 1", "correct"),
    (r"\sum_{i,j} A_{ij} = \mathbf{1}^T A \mathbf{1}", "correct"),
    (r"\sum_{i,j} A_{ij} = \mathbf{1}^T A^T \mathbf{1}", "correct"),  # the ones of A^T's sizes
    (r"\sum_{i,j} A_{ij}^2 = \mathbf{1}^T A \mathbf{1}", "incorrect"),
    # layouts: a number by a column may be a row (numerator layout); by a matrix, never transposed
    (r"\frac{\partial w^T v}{\partial v} = w^T", "correct"),
    (r"\frac{\partial w^T v}{\partial v} = w", "correct"),
    (r"\frac{\partial\, \mathbf{1}_2^T A v}{\partial A} = \mathbf{1}_2 v^T", "correct"),
    (r"\frac{\partial\, \mathbf{1}_2^T A v}{\partial A} = v \mathbf{1}_2^T", "incorrect"),
    (r"\frac{\partial A v}{\partial v} = A", "correct"),
    (r"\frac{\partial A v}{\partial v} = A^T", "correct"),  # denominator layout, stated
    # e to a vector: the exponential of each entry (softmax as printed, e^{z} / 1^T e^{z})
    (r"e^v = \exp(v)", "correct"),
    (r"\frac{e^{v}}{\mathbf{1}^T e^{v}} = \operatorname{softmax}(v)", "correct"),
    (r"\nabla_v \log \mathbf{1}^T e^{v} = \frac{e^v}{\mathbf{1}^T e^v}", "correct"),
    (r"\nabla_v \log \mathbf{1}^T e^{v} = e^v", "incorrect"),
    # TeX's \frac12 (two single characters) and \textstyle (typography only)
    (r"\nabla_v \tfrac12 v^\top v = v", "correct"),
    (r"\frac1a = a^{-1}", "correct"),
    (r"v^T w = \textstyle\sum_i v_i w_i", "correct"),
    # the sign function
    (r"\nabla_v \|v\|_1 = \operatorname{sign}(v)", "correct"),
    (r"\nabla_v \|v\|_1 = \sgn(v)", "correct"),
    (r"\nabla_v \|v\|_1 = v", "incorrect"),
    (r"\frac{d}{da} |a| = \operatorname{sgn}(a)", "correct"),
]


@pytest.mark.parametrize("latex,verdict", CASES, ids=[c[0] for c in CASES])
def test_textbook_form(latex: str, verdict: str) -> None:
    v = judge_formula(SCOPE, TABLE, latex)
    assert v.verdict == verdict, v.message


def test_letters_of_an_undeclared_name_are_named_in_the_error() -> None:
    """Bv with B undeclared: the unknown letter is named (the product of B and v is read)."""
    v = judge_formula(SCOPE, TABLE, r"Bv = v")
    assert v.verdict == "undecided" and "unknown name 'B'" in v.message, v.message


@pytest.mark.parametrize("latex", [r"f(:)", r"X_{:}", r"a + :", r"X_{:,1,2}", r"\{:\}", r"\partial_{v,w} a"])
def test_a_misplaced_colon_or_partial_is_an_error_at_its_place(latex: str) -> None:
    with pytest.raises(NotationError) as info:
        parse(latex)
    assert any(m in str(info.value) for m in ("':' stands only as an index", "unexpected", "one variable"))
    assert info.value.position is not None and latex[info.value.position] in ":\\"


REGRESSION = """title = "logistic regression, Murphy (2012) (8.5)"
kind = "matrix_calculus"
[sizes]
names = ["N", "D"]
check = [[3, 2]]
[variables]
X = ["N", "D"]
w = ["D", 1]
y = ["N", 1]
[function]
input = "w"
value = "0"
"""
# mu_i = sigma(x_i^T w): x_i a `where` name for every i, used under a transpose
WHERE = {r"\mu_i": r"\sigma(\mathbf{x}_i^T \mathbf{w})", r"\mathbf{x}_i": r"(\mathbf{X}_{i,:})^T"}
NLL = r"\nabla_{\mathbf{w}} \left(-\sum_{i=1}^N \left[y_i \log \mu_i + (1-y_i)\log(1-\mu_i)\right]\right)"


@pytest.mark.parametrize("right,verdict", [
    (r"\mathbf{X}^T(\sigma(\mathbf{X}\mathbf{w}) - \mathbf{y})", "correct"),
    (r"\sum_{i=1}^N (\mu_i - y_i) \mathbf{x}_i", "correct"),
    (r"\mathbf{X}^T(\mathbf{y} - \sigma(\mathbf{X}\mathbf{w}))", "incorrect"),
])
def test_a_where_name_for_every_i_under_a_transpose(right: str, verdict: str) -> None:
    problem = parse_text(REGRESSION, "murphy.toml")
    (v,) = problem.check([Claim("g", "chain", f"{NLL} = {right}", "", {"where": WHERE})])
    assert v.verdict == verdict, v.message


def test_a_letter_defined_as_a_value_is_no_index_definition() -> None:
    """'p' = '\\sigma(z)' with z declared defines p as that value (p, an index letter elsewhere, was
    taken for an index formula o(i, j) and then unknown)."""
    problem = parse_text(REGRESSION, "bce.toml")
    latex = r"\frac{\partial}{\partial w_1}\left[-y_1 \ln p - (1 - y_1)\ln(1 - p)\right] = (p - y_1) X_{1,1}"
    (v,) = problem.check([Claim("p", "chain", latex, "", {"where": {"p": r"\sigma(X_{1,:} \mathbf{w})"}})])
    assert v.verdict == "correct", v.message
    (v,) = problem.check([Claim("p", "chain", latex.replace("(p - y_1)", "(y_1 - p)"), "",
                                {"where": {"p": r"\sigma(X_{1,:} \mathbf{w})"}})])
    assert v.verdict == "incorrect", v.message


@pytest.mark.parametrize("latex,verdict", [
    # a / b c: the quotient by the product, or by b then times c; claims that hold under one only
    # are undecided, naming both (1/2 v^T v = v^T v / 2 was judged incorrect: read as 1/(2 v^T v))
    (r"1/2 v^T v = \frac{1}{2} v^T v", "undecided"),
    (r"\nabla_v 1/2 v^T v = v", "undecided"),
    (r"a/2a = \frac{1}{2}", "undecided"),
    (r"a/2a = 3 + a^2", "incorrect"),  # wrong under both readings
    (r"1/2 (v^T w + w^T v) = v^T w", "undecided"),
    (r"a/a = 1", "correct"),  # no product after the slash: one reading
    (r"v^T w / 2 = \frac{w^T v}{2}", "correct"),
])
def test_a_slash_before_a_product_is_read_both_ways(latex: str, verdict: str) -> None:
    v = judge_formula(SCOPE, TABLE, latex)
    assert v.verdict == verdict, v.message
    if verdict == "undecided":
        assert "the quotient by the whole product" in v.message or "default readings" in v.message, v.message
        assert "the quotient by its first factor" in v.message, v.message


CALCULUS = """title = 'd/dx'
kind = 'calculus'

[function]
variables = ['x']
scalar = '{f}'
"""


@pytest.mark.parametrize("claim,verdict", [
    # a topic's claim is read by parse_expression's binder: a slash before a product whose two readings
    # differ was read one way silently (4x^2/2x = 2x was correct, as 4x^2/(2x))
    (r"f'(x) = 4x^2/2x", "undecided"),
    (r"f'(x) = \frac{4x^2}{2x}", "correct"),
    (r"f'(x) = (4x^2/2)x", "incorrect"),
    (r"f'(x) = 2x/1", "correct"),  # no product after the slash: one reading
])
def test_a_topics_claim_with_a_slash_before_a_product(claim: str, verdict: str) -> None:
    problem = parse_text(CALCULUS.format(f="x^2"), "calculus.toml")
    (v,) = problem.check([Claim("d", "gradient", claim, "")])
    assert v.verdict == verdict, v.message
    if verdict == "undecided":
        assert "the quotient by the whole product it is 2*x" in v.message, v.message
        assert "the quotient by its first factor it is 2*x**3" in v.message, v.message


def test_a_problem_files_formula_with_two_readings_is_refused() -> None:
    """The function a problem defines is no more read one way silently than a claim is."""
    with pytest.raises(SymderivError, match="can be read more than one way"):
        parse_text(CALCULUS.format(f="1/2x^2"), "calculus.toml").solve()
    assert parse_text(CALCULUS.format(f=r"\frac{1}{2}x^2"), "calculus.toml").solve() is not None


@pytest.mark.parametrize("latex,verdict", [
    # Bishop's column (x_1, ..., x_D)^T: a tuple is the row [a, b, ...] (stated), its transpose a column
    (r"(a, 2a)^T = [a, 2a]^T", "correct"),
    (r"A (a, a, a)^T = A \mathbf{1}_3 a", "correct"),
    (r"(a, 2a)^T = [2a, a]^T", "incorrect"),
    # a list of numbers is a row whether they are symbols or 1x1 quantities ([a, a, a] of a declared
    # 1x1 a was stacked into a column, so [a, a, a]^T was a row)
    (r"[a, a, a]^T = \mathbf{1}_3 a", "correct"),
    (r"[a, a, a] = \mathbf{1}_3 a", "incorrect"),
])
def test_a_tuple_and_a_list_of_numbers_are_rows(latex: str, verdict: str) -> None:
    v = judge_formula(SCOPE, TABLE, latex)
    assert v.verdict == verdict, v.message
    if latex.startswith("(a"):
        assert "a tuple (a, b, ...) read as the row [a, b, ...]" in v.message


def test_a_topics_gradient_as_a_transposed_tuple() -> None:
    """x_1^2 x_2 has a line of critical points (x_1 = 0): its Hessian there keeps x_2, and the
    type 'depends on the point' (classify compared a symbol with 10^-40: an internal error)."""
    two = parse_text(CALCULUS.format(f="x_1^2 x_2").replace("['x']", "['x_1', 'x_2']"), "c.toml")
    assert two.solve().data["critical_points"] == "[{point: [0, x_2], type: depends on the point}]"
    (v,) = two.check([Claim("g", "gradient", r"\nabla f = (2x_1x_2, x_1^2)^T", "")])
    assert v.verdict == "correct", v.message
    (v,) = two.check([Claim("g", "gradient", r"\nabla f = (x_1^2, 2x_1x_2)^T", "")])
    assert v.verdict == "incorrect", v.message


@pytest.mark.parametrize("latex", [r"(v v^T)^{-1} = v v^T", r"(A^T A - A^T A)^{-1} = A^T A"])
def test_the_inverse_of_a_singular_matrix_is_an_error(latex: str) -> None:
    """det 0 for every value of the entries: an error naming it (it was an internal error, ValueError)."""
    with pytest.raises(NotationError, match="determinant is 0"):
        judge_formula(SCOPE, TABLE, latex)


@pytest.mark.parametrize("latex", [r"\exp(A^T A) = \exp(A^T A)^T", r"\log(A^T A + I) = \log(A^T A + I)"])
def test_exp_and_log_of_a_square_matrix_have_two_readings(latex: str) -> None:
    """Entry by entry, or the matrix exponential / logarithm: undeclared, not judged (both were read
    entry by entry silently, so the Cookbook's ∂Tr(e^X)/∂X = (e^X)^T was incorrect)."""
    v = judge_formula(SCOPE, TABLE, latex)
    assert v.verdict == "undecided" and "two readings" in v.message, v.message


@pytest.mark.parametrize("latex,verdict", [
    # a kink away from 0: the last random point has larger entries (7..12), so min(a, 10)'s is crossed
    (r"\frac{d}{da}\min(a, 10) = 1", "incorrect"),
    (r"\frac{d}{da}\min(\max(0, a), 6) = \mathbb{1}[a > 0]", "incorrect"),  # ReLU6 without its cut
    (r"\frac{d}{da}\max(0, a) = \mathbb{1}[a > 0]", "correct"),
])
def test_a_kink_away_from_zero_is_crossed(latex: str, verdict: str) -> None:
    v = judge_formula(SCOPE, TABLE, latex)
    assert v.verdict == verdict, v.message


@pytest.mark.parametrize("latex", [
    r"\nabla_{v} (v^T v) = 0 \iff v = 0",
    r"v^T w = 0 \Rightarrow w^T v = 0",
    r"v = w \implies v - w = 0",
])
def test_a_logical_connective_is_no_equality_to_judge(latex: str) -> None:
    """\\iff and \\Rightarrow join statements: the judge compared the outer sides across them (the normal
    equations' ⟺ was incorrect); now not judged, saying why."""
    with pytest.raises(UnjudgedStatement, match="joins two statements"):
        judge_formula(SCOPE, TABLE, latex)


@pytest.mark.parametrize("latex,verdict,said", [
    # \det before a product: the whole product (det(A^T A) here), or its first factor where only that is
    # well-typed (det(A^T A) (A^T A)^{-1}: a matrix; the whole product's det would be a number)
    (r"\det A^T A\, (A^T A)^{-1} = \det(A^T A) (A^T A)^{-1}", "correct", "before the bracket"),
    (r"\det A^T A = \det(A^T A)", "correct", ""),
    # a bracket after the operand's first factors: read both ways (tanh(a(1 - tanh^2 a)) was taken alone)
    (r"\tanh a\,(1 - \tanh^2 a) = \tanh(a)(1 - \tanh(a)^2)", "undecided", "before the bracket"),
    (r"\tanh a\,(1 - \tanh^2 a) = 2 a", "incorrect", ""),  # wrong both ways
])
def test_the_operand_of_a_function_without_brackets(latex: str, verdict: str, said: str) -> None:
    v = judge_formula(SCOPE, TABLE, latex)
    assert v.verdict == verdict, v.message
    assert said in v.message, v.message


def test_nabla_is_shaped_like_its_variable_in_every_layout_convention() -> None:
    """either_layout reads \\frac{\\partial f}{\\partial x} as a row where only that is well-typed; \\nabla_x f
    is the gradient, shaped like x, by definition: written as a row it is a mistake (it was correct)."""
    scope = FreeScope({"A": (3, 2), "x": (2, 1), "b": (3, 1)})
    table = NotationTable.from_dict({n: n for n in ("A", "x", "b")})
    assert judge_formula(scope, table, r"\nabla_{x} b^T A x = b^T A").verdict == "incorrect"
    assert judge_formula(scope, table, r"\nabla_{x} b^T A x = A^T b").verdict == "correct"
    assert judge_formula(scope, table, r"\frac{\partial b^T A x}{\partial x} = b^T A").verdict == "correct"


@pytest.mark.parametrize("latex,verdict", [
    # \mathbf{0} without a size is the zero vector or matrix the formula needs (it was the number 0)
    (r"\nabla_{v} (v^T w - w^T v) = \mathbf{0}", "correct"),
    (r"A - A = \mathbf{0}", "correct"),
    (r"\nabla_{v} (v^T w) = \mathbf{0}", "incorrect"),
])
def test_a_bold_zero_takes_the_shape_the_formula_needs(latex: str, verdict: str) -> None:
    v = judge_formula(SCOPE, TABLE, latex)
    assert v.verdict == verdict, v.message


@pytest.mark.parametrize("latex,verdict", [
    # the summation convention inside a derivative's numerator (the derivative is linear): it was read
    # with j free, and the right claim was incorrect with "extra sum over j"
    (r"\frac{\partial (A_{ij} v_j)}{\partial v_k} = A_{ik}", "correct"),
    (r"\frac{\partial}{\partial v_k} A_{ij} v_j = A_{ik}", "correct"),
    (r"\frac{\partial (A_{ij} v_j)}{\partial v_k} = A_{ki}", "incorrect"),
])
def test_the_summation_convention_inside_a_derivative(latex: str, verdict: str) -> None:
    scope = FreeScope({"A": (3, 3), "v": (3, 1)})
    table = NotationTable.from_dict({"A": "A", "v": "v"})
    v = judge_formula(scope, table, latex)
    assert v.verdict == verdict, v.message


@pytest.mark.parametrize("latex,verdict", [
    (r"X^{-\mathsf{T}} = (X^{-1})^T", "correct"),  # the Cookbook's own spelling (unknown name 'T' before)
    (r"X^{-\mathrm{T}} = (X^{-1})^T", "correct"),
    (r"X^{-\mathsf{T}} = X^{-1}", "incorrect"),
    (r"\vec{x}^T \vec{x} = x^T x", "correct"),  # \vec{x} and \underline{x} are the vector x, as \mathbf{x}
    (r"\underline{x}^T x = \|x\|^2", "correct"),
])
def test_transpose_and_vector_typography(latex: str, verdict: str) -> None:
    scope = FreeScope({"X": (3, 3), "x": (3, 1)})
    table = NotationTable.from_dict({"X": "X", "x": "x"})
    assert judge_formula(scope, table, latex).verdict == verdict
