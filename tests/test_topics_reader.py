"""The topic kinds read every formula through symderiv.notation (issue 12 point 1), and the kind bugs
found there: an unread derivative is undecided (a), a vector-valued function has no gradient (b).

Each case is (label with its source, problem text or claim, expected verdict, words the message names)."""

from __future__ import annotations

import pytest
import sympy as sp

from symderiv.kinds import parse_text
from symderiv.kinds._readers import read_integer, read_interval, read_number, read_number_list
from symderiv.kinds.base import Claim

SOFTMAX = """title = "softmax cross-entropy"
kind = "identity"
[identity]
name = "softmax_cross_entropy"
[[claims]]
id = "c"
target = "{target}"
latex = '{latex}'
"""

SIGMOID = """title = "sigmoid"
kind = "identity"
[identity]
name = "sigmoid_derivative"
[[claims]]
id = "c"
target = "derivative"
latex = '{latex}'
"""

# (a) a derivative of something the identity problem does not define is not a number to guess:
# undecided, the message naming that derivative (it was valued as an unknown 2 and judged incorrect)
UNREAD_DERIVATIVES = [
    ("seed 001 (alpha): the factor dz_k/dw after the right answer", SOFTMAX, "derivative",
     r"\left(\frac{e^{z_i}}{\sum_j e^{z_j}} - t_i\right) \frac{\partial z_i}{\partial w}",
     "undecided", [r"\frac{\partial z_i}{\partial w}", "'w'"]),
    ("a chain-rule factor of a weight alone", SOFTMAX, "derivative",
     r"\frac{\partial z_i}{\partial b}", "undecided", [r"\frac{\partial z_i}{\partial b}", "'b'"]),
    ("sigmoid: the identity times an inner derivative of an undefined u", SIGMOID, "derivative",
     r"\sigma(x)(1 - \sigma(x)) \frac{\partial u}{\partial x}", "undecided",
     [r"\frac{\partial u}{\partial x}", "'u'"]),
    # the same claims without the factor are still judged
    ("softmax derivative as published (Bishop 4.106)", SOFTMAX, "derivative",
     r"\frac{e^{z_i}}{\sum_j e^{z_j}} \sum_k t_k - t_i", "correct", []),
    ("softmax derivative missing the sum of the targets", SOFTMAX, "derivative",
     r"\frac{e^{z_i}}{\sum_j e^{z_j}} - t_i", "incorrect", []),
    ("sigmoid derivative (Goodfellow 3.10 family)", SIGMOID, "derivative", r"\sigma(x)(1 - \sigma(x))", "correct", []),
    ("sigmoid derivative with the sign flipped", SIGMOID, "derivative", r"\sigma(x)(\sigma(x) - 1)", "incorrect", []),
    # every side of a chain is judged, not only the last (a wrong middle step was correct)
    ("sigmoid: a wrong middle step", SIGMOID, "derivative",
     r"\frac{d}{dx}\sigma(x) = \sigma(x)^2 = \sigma(x)(1 - \sigma(x))", "incorrect", ["side 2 of 3"]),
    ("sigmoid: a right middle step", SIGMOID, "derivative",
     r"\frac{d}{dx}\sigma(x) = \frac{e^{-x}}{(1 + e^{-x})^2} = \sigma(x)(1 - \sigma(x))", "correct", []),
    ("softmax: a wrong middle step", SOFTMAX, "derivative",
     r"\frac{\partial L}{\partial z_i} = \frac{e^{z_i}}{\sum_j e^{z_j}} - t_i = "
     r"\frac{e^{z_i}}{\sum_j e^{z_j}} \sum_k t_k - t_i", "incorrect", ["side 2 of 3"]),
]


@pytest.mark.parametrize("label,template,target,latex,expected,named", UNREAD_DERIVATIVES,
                         ids=[c[0] for c in UNREAD_DERIVATIVES])
def test_identity_unread_derivative(label: str, template: str, target: str, latex: str, expected: str,
                                    named: list[str]) -> None:
    problem = parse_text(template.format(target=target, latex=latex))
    (v,) = problem.check()
    assert v.verdict == expected, (label, v.message)
    for word in named:
        assert word in v.message, (label, v.message)


MAP = """title = "f(x) = [x_1 x_2, x_1 + x_2]"
kind = "calculus"
[function]
variables = ["x_1", "x_2"]
map = ['x_1 x_2', 'x_1 + x_2']
[[claims]]
id = "c"
target = "{target}"
latex = '{latex}'
{extra}
"""

# (b) a vector-valued function has a Jacobian, not a gradient: every other target is an error that
# says so (it was KeyError 'gradient'); the Jacobian itself is still judged
VECTOR_VALUED = [
    ("gradient of a map", "gradient", r"\begin{bmatrix} x_2 \\ x_1 \end{bmatrix}", "", "error"),
    ("Hessian of a map", "hessian", r"\begin{bmatrix} 0 & 1 \\ 1 & 0 \end{bmatrix}", "", "error"),
    ("critical point of a map", "critical_point", r"\begin{bmatrix} 0 \\ 0 \end{bmatrix}", "", "error"),
    ("critical points of a map", "critical_points", "none", "", "error"),
    ("gradient at a point of a map", "gradient_at", r"\begin{bmatrix} 1 \\ 1 \end{bmatrix}",
     "at = '\\begin{bmatrix} 1 \\\\ 1 \\end{bmatrix}'", "error"),
    ("critical type of a map", "critical_type", "saddle", "at = '\\begin{bmatrix} 0 \\\\ 0 \\end{bmatrix}'",
     "error"),
    ("direction of a map", "direction", "away", "at = '\\begin{bmatrix} 1 \\\\ 1 \\end{bmatrix}'\n"
     "critical = '\\begin{bmatrix} 0 \\\\ 0 \\end{bmatrix}'", "error"),
    ("its Jacobian, right", "jacobian", r"\begin{bmatrix} x_2 & x_1 \\ 1 & 1 \end{bmatrix}", "", "correct"),
    ("its Jacobian, transposed", "jacobian", r"\begin{bmatrix} x_2 & 1 \\ x_1 & 1 \end{bmatrix}", "", "incorrect"),
]


@pytest.mark.parametrize("label,target,latex,extra,expected", VECTOR_VALUED, ids=[c[0] for c in VECTOR_VALUED])
def test_calculus_vector_valued(label: str, target: str, latex: str, extra: str, expected: str) -> None:
    problem = parse_text(MAP.format(target=target, latex=latex, extra=extra))
    (v,) = problem.check()
    assert v.verdict == expected, (label, v.message)
    if expected == "error":
        assert "vector-valued" in v.message and "jacobian" in v.message, v.message


# the readers of answers, from the parse tree (no text split at '=' or '<')
READERS = [
    ("seed 002 P3: a count with digit groups", read_integer, "608 + 6432 + 8256 = 15,296", 15296),
    ("a count after a sum", read_integer, "600 + 8 = 608", 608),
    ("seed 000 Q3: an interval after \\in", read_interval, r"\eta \in (0, \frac{1}{5})",
     sp.Interval.open(0, sp.Rational(1, 5))),
    ("seed 002 P2: a chain of inequalities", read_interval, r"0 < \eta < \frac{1}{6}",
     sp.Interval.open(0, sp.Rational(1, 6))),
    ("a half-open interval", read_interval, r"(0, \frac{1}{5}]", sp.Interval.Lopen(0, sp.Rational(1, 5))),
    ("a chain written downwards", read_interval, r"1 > \eta \geq 0", sp.Interval.Ropen(0, 1)),
    ("seed 002 P2: eigenvalues as a list", read_number_list, r"\lambda_1 = 6, \quad \lambda_2 = 1", [6, 1]),
    ("a rounded number with its decimals", read_number, "x = 0.54", (sp.Rational(27, 50), 2)),
]


@pytest.mark.parametrize("label,reader,latex,expected", READERS, ids=[c[0] for c in READERS])
def test_answer_readers(label: str, reader, latex: str, expected) -> None:
    assert reader(latex) == expected


MATRIX = """title = "f(A) = (Av)^T (Av)"
kind = "matrix_calculus"
[sizes]
names = ["m", "n"]
check = [[2, 3], [3, 2]]
[variables]
A = ["m", "n"]
v = ["n", 1]
[function]
input = "A"
value = '(\\mathbf{A}\\mathbf{v})^{\\top}(\\mathbf{A}\\mathbf{v})'
vector = "a"
[[claims]]
id = "c"
target = "{target}"
latex = '{latex}'
"""

# (c) a claim naming an entry that does not exist has no value to compare: an error naming the index and
# the size (it was judged incorrect, with nan as the claimed value)
NO_SUCH_ENTRY = [
    ("seed 003 §3.2a: the vectorised index shifted past the end", "rewrite",
     r"g(\mathbf{a}) = \sum_{i=1}^{m} \left( \sum_{j=1}^{n} a_{(i-1)n+j+1} v_j \right)^2", "error",
     ["a_7 does not exist", "m=2, n=3"]),
    ("seed 003 §3.1: v_{j+3}, past the end at the first entry", "gradient_entry",
     r"\nabla f(\mathbf{A})_{ij} = 2 v_{j+3} \sum_{l=1}^{n} A_{il} v_l", "error",
     ["v_4 does not exist", "m=2, n=3", "(i, j) = (1, 1)"]),
    # v_{j+1} is wrong at (1, 1) already, where v_2 exists: incorrect there, before any missing entry
    ("seed 003 §3.1: v_{j+1}, wrong before it runs past the end", "gradient_entry",
     r"\nabla f(\mathbf{A})_{ij} = 2 v_{j+1} \sum_{l=1}^{n} A_{il} v_l", "incorrect", []),
    ("seed 003 §3.1: A_{0j}, a 0-based row", "rewrite",
     r"f = \sum_{i=1}^{m} \left( \sum_{j=1}^{n} A_{i-1,j} v_j \right)^2", "error", ["does not exist", "m=2, n=3"]),
    # in range, the same claims are judged
    ("seed 003 §3.1 gradient entry", "gradient_entry",
     r"\nabla f(\mathbf{A})_{ij} = 2 v_j \sum_{l=1}^{n} A_{il} v_l", "correct", []),
    ("seed 003 §3.1 gradient entry without the 2", "gradient_entry",
     r"\nabla f(\mathbf{A})_{ij} = v_j \sum_{l=1}^{n} A_{il} v_l", "incorrect", []),
]


@pytest.mark.parametrize("label,target,latex,expected,named", NO_SUCH_ENTRY, ids=[c[0] for c in NO_SUCH_ENTRY])
def test_matrix_claim_about_a_missing_entry(label: str, target: str, latex: str, expected: str,
                                            named: list[str]) -> None:
    (v,) = parse_text(MATRIX.replace("{target}", target).replace("{latex}", latex)).check()
    assert v.verdict == expected, (label, v.message)
    for word in named:
        assert word in v.message, (label, v.message)


@pytest.mark.parametrize("name,latex,verdict", [
    # the first side says what is differentiated: a derivative of another function, or by another
    # name than the logits, is no claim of this identity (both were correct: the first side was skipped)
    ("tanh_derivative", r"\frac{d}{dx}\sigma(x) = 1 - \tanh^2 x", "incorrect"),
    ("tanh_derivative", r"\frac{d}{dx}\tanh x = 1 - \tanh^2 x", "correct"),
    ("sigmoid_derivative", r"\frac{d}{dx}\tanh x = \sigma(x)(1 - \sigma(x))", "incorrect"),
    ("softmax_cross_entropy", r"\frac{\partial E}{\partial t_i} = \frac{e^{z_i}}{\sum_j e^{z_j}}\sum_k t_k - t_i",
     "undecided"),
    ("softmax_cross_entropy", r"\frac{\partial E}{\partial z_i} = \frac{e^{z_i}}{\sum_j e^{z_j}}\sum_k t_k - t_i",
     "correct"),
])
def test_the_first_side_names_the_identitys_derivative(name: str, latex: str, verdict: str) -> None:
    text = f"title = 'i'\nkind = 'identity'\n[identity]\nname = '{name}'\n"
    (v,) = parse_text(text).check([Claim("c", "derivative", latex, "")])
    assert v.verdict == verdict, v.message
