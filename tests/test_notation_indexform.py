"""The index-form reading (notation/indexform.py): formulas at symbolic sizes, against SymPy built by
hand, and at concrete sizes against the binder's reading of the same text (an independent reader of
the one grammar)."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings

from symderiv.core.errors import LimitError, NotationError
from symderiv.core.indexsum import IndexMatrix, is_zero
from symderiv.notation.indexform import Division, read_index_form
from symderiv.notation.reading import read_value
from tests.test_notation_grammar_property import FORMULAS

m, n = sp.Symbol("m", integer=True, positive=True), sp.Symbol("n", integer=True, positive=True)
i, j = sp.Symbol("i", integer=True, positive=True), sp.Symbol("j", integer=True, positive=True)
A, v, x = sp.IndexedBase("A"), sp.IndexedBase("v"), sp.IndexedBase("x")
INDEXED = {"A": A, "v": v, "x": x, "m": m, "n": n, "i": i, "j": j}
DIMS = {"A": (m, n), "v": (n,), "x": (m,)}
MATRICES = {"A": IndexMatrix.variable("A", m, n), "v": IndexMatrix.variable("v", n, 1),
            "w": IndexMatrix.variable("w", m, 1), "m": m, "n": n}


def _same_sum(got: sp.Expr, want: sp.Expr) -> bool:
    """Equal as index-form sums (bound indices renamed, deltas summed out)."""
    return is_zero(got - want, {i: (1, m), j: (1, n)})


k = sp.Dummy("k", integer=True, positive=True)
ENTRIES = [  # (formula, the value built by hand)
    (r"\sum_{j=1}^{n} A_{ij} v_j", sp.Sum(A[i, k] * v[k], (k, 1, n))),
    (r"\sum_j A_{ij} v_j", sp.Sum(A[i, k] * v[k], (k, 1, n))),  # the range of j: v's length
    (r"\sum_{i=1}^m x_i^2", sp.Sum(x[k] ** 2, (k, 1, m))),
    (r"2 v_j \sum_{l=1}^{n} A_{il} v_l", 2 * v[j] * sp.Sum(A[i, k] * v[k], (k, 1, n))),
    (r"\frac{1}{2} \sum_{i=1}^{m} \left( \sum_{j=1}^{n} A_{ij} v_j \right)^2",
     sp.Sum(sp.Sum(A[k, sp.Dummy("l")] * v[sp.Dummy("l")], (sp.Dummy("l"), 1, n)) ** 2, (k, 1, m)) / 2),
    (r"\delta_{ij} x_i", sp.KroneckerDelta(i, j) * x[i]),
    (r"e^{x_i} + \log x_j - \sqrt{x_i}", sp.exp(x[i]) + sp.log(x[j]) - sp.sqrt(x[i])),
    (r"A_{1,j} \cdot A_{i j}", A[1, j] * A[i, j]),
]


@pytest.mark.parametrize(("text", "want"), ENTRIES[:4] + ENTRIES[5:])
def test_entries_and_sums_read_as_written(text: str, want: sp.Expr) -> None:
    got = read_index_form(text, INDEXED, dims=DIMS)
    assert _same_sum(got, want), (text, got)


def test_a_nested_sum_squared_is_read_with_its_own_bound_indices() -> None:
    got = read_index_form(ENTRIES[4][0], INDEXED, dims=DIMS)
    assert isinstance(got, sp.Mul) and got.has(sp.Sum)
    at = {m: 2, n: 2, A[1, 1]: 1, A[1, 2]: 2, A[2, 1]: 3, A[2, 2]: 4, v[1]: 5, v[2]: 6}
    assert got.subs(m, 2).subs(n, 2).doit().subs(at) == sp.Rational((1 * 5 + 2 * 6) ** 2 + (3 * 5 + 4 * 6) ** 2, 2)


MATRIX_FORMS = [  # (formula, shape)
    (r"\mathbf{v}^{\top} \mathbf{A}^{\top} \mathbf{w}", (1, 1)),
    (r"\mathbf{A}\mathbf{v}", (m, 1)),
    (r"(\mathbf{A}\mathbf{v})^{\top}(\mathbf{A}\mathbf{v})", (1, 1)),
    (r"2 \frac{\mathbf{w}^{\top}\mathbf{A}\mathbf{v}}{1} (\mathbf{A}\mathbf{v}) + \mathbf{w}", (m, 1)),
    (r"\mathbf{A}^T \mathbf{w} - \mathbf{v}", (n, 1)),
]


@pytest.mark.parametrize(("text", "shape"), MATRIX_FORMS)
def test_matrix_forms_agree_with_the_binder_at_concrete_sizes(text: str, shape: tuple) -> None:
    """The same formula at m = 2, n = 3: the index-form value with its sizes put in against the
    binder's value over explicit symbol matrices."""
    got = read_index_form(text, MATRICES)
    assert isinstance(got, IndexMatrix) and got.shape == shape
    sizes = {m: 2, n: 3}
    Am = sp.Matrix(2, 3, lambda r, c: sp.Symbol(f"A{r + 1}{c + 1}"))
    vm, wm = sp.Matrix(3, 1, lambda r, _: sp.Symbol(f"v{r + 1}")), sp.Matrix(2, 1, lambda r, _: sp.Symbol(f"w{r + 1}"))
    concrete = read_value(text, {"A": Am, "v": vm, "w": wm})
    concrete = concrete if isinstance(concrete, sp.MatrixBase) else sp.Matrix([concrete])
    entries = {**{A[r, c]: Am[r - 1, c - 1] for r in (1, 2) for c in (1, 2, 3)},
               **{v[r]: vm[r - 1] for r in (1, 2, 3)}, **{sp.IndexedBase("w")[r]: wm[r - 1] for r in (1, 2)}}
    rows, cols = (int(sp.sympify(d).subs(sizes)) for d in shape)
    for r in range(rows):
        for c in range(cols):
            value = got.entry(sp.Integer(r + 1), sp.Integer(c + 1)).subs(sizes).doit().xreplace(entries)
            assert sp.expand(value - concrete[r, c]) == 0, (text, r, c)


def test_floor_and_mod_of_a_known_division() -> None:
    p, q = sp.Symbol("p", integer=True, positive=True), sp.Symbol("q", integer=True, positive=True)
    col = (p - 1) * n + q
    division = Division(col, n, p - 1, q)
    names = {**INDEXED, "k'": col}
    assert read_index_form(r"\lfloor \frac{k'}{n} \rfloor", names, division=division) == p - 1
    assert read_index_form(r"v_{k' \bmod n}", names, division=division) == v[q]
    with pytest.raises(NotationError, match="not known for every size"):
        read_index_form(r"\lfloor \frac{k'}{m} \rfloor", names, division=division)
    numbers = {**INDEXED, "k'": sp.Integer(7), "n": sp.Integer(3)}
    assert read_index_form(r"\lfloor \frac{k'}{n} \rfloor + k' \bmod n", numbers) == 2 + 1
    assert read_index_form(r"\lfloor k' / n \rfloor", names, division=division) == p - 1  # the slash form
    assert read_index_form(r"\lceil \frac{k'}{n} \rceil + \lfloor k'/n \rfloor", numbers) == 3 + 2
    with pytest.raises(NotationError, match="ceiling of a formula"):
        read_index_form(r"\lceil \frac{k'}{n} \rceil", names, division=division)


@pytest.mark.parametrize(("text", "error", "says"), [
    (r"\sum_{j=1}^{n} \mathbf{A}", NotationError, "sum of matrices"),
    (r"\mathbf{A} + 1", NotationError, "matrix plus a number"),
    (r"\mathbf{A}\mathbf{A}", NotationError, "cannot multiply"),
    (r"\mathbf{A}^{-1}", NotationError, "power of a matrix"),
    (r"\sum_k z_k", NotationError, "without limits"),
    (r"q_i", NotationError, "not bound"),
    (r"\sum_{j=1}^{10^{9}} v_j", LimitError, "too many terms"),
    (r"v_i^{100}", LimitError, "exponent"),
    (r"\exp(10^{6})", LimitError, "too large"),
    (r"\frac{v_i}{0}", LimitError, "division by zero"),
    (r"\|v\|", NotationError, "not read in index form"),
    (r"\exp", NotationError, "without its argument"),
])
def test_what_index_form_does_not_read_is_a_notation_error_naming_it(text: str, error: type, says: str) -> None:
    with pytest.raises(error, match=says):
        read_index_form(text, {**MATRICES, "i": i, "v_": v}, dims=DIMS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FORMULAS)
def test_any_grammar_formula_reads_or_raises_a_notation_error(text: str) -> None:
    """Every formula the grammar's generator builds: a value, or the documented error."""
    try:
        read_index_form(text, {**INDEXED, "W": IndexMatrix.variable("W", m, n), "X": IndexMatrix.variable("X", m, m),
                               "y": sp.Symbol("y"), "b": sp.Symbol("b")}, dims=DIMS)
    except NotationError:
        pass
