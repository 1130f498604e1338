"""Every formula claim of the seeds' gradient derivations, verbatim in the network files,
judged through `load(file).check()`: the verdict of each claim id, and for each `incorrect`
the part of its counterexample or mistake that justifies it."""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest
import sympy as sp
from conftest import DERIVATIONS

from symderiv.kinds import load, parse_text

FILES = {
    "seed 000 Q1": "seed000-q1-network.toml",
    "seed 001 P4": "seed001-p4-network.toml",
    "seed 002 P1": "seed002-p1-network.toml",
    "seed 003 S4": "seed003-s4-mnist-network.toml",
    "seed 004 P2": "seed004-p2-network.toml",
}


@cache
def verdicts(label: str, strict: str = "") -> dict:
    """The verdicts of a seed's file; `strict`: the conventions switched off, e.g. 'implicit_sum'
    (the file read with `[conventions] implicit_sum = false` added: a strict grader)."""
    if not strict:
        problem = load(DERIVATIONS / FILES[label])
    else:
        text = (DERIVATIONS / FILES[label]).read_text(encoding="utf-8")
        off = "".join(f"{name} = false\n" for name in strict.split(","))
        problem = parse_text(f"{text}\n[conventions]\n{off}", FILES[label])
    return {v.id: v for v in problem.check()}


C, I, U = "correct", "incorrect", "undecided"
EXPECTED = {
    "seed 000 Q1": {
        "Q1.def.z": C,
        "Q1.def.zm": C,
        "Q1.def.fz": C,
        **{f"Q1.shape.{n}": C for n in ("x", "y-t", "z", "fz", "x-size", "df-size", "outer")},
        # f(Z) stacks four rows f(z_k): a 4x3 matrix, a column of the samples' rows (convention
        # column_of_rows; strict, it is no column vector: test_seed000_shape_of_fZ)
        "Q1.shape.fZ": C,
        "Q1.db2.formula": C,
        "Q1.dW2.formula": C,
        "Q1.db1.setup": C,
        "Q1.dyk/dbi": C,
        "Q1.dyk/db1": C,
        "Q1.db1.formula": C,
        "Q1.dyk/dWij": C,
        "Q1.dyk/dW1": C,
        # (y - t)^T . T with T = [T(x_1), ..., T(x_4)]^T a vector of 2x3 matrices
        "Q1.dW1.formula": C,
    },
    "seed 001 P4": {
        # the chain rule with k repeated and free on no other side: summed (convention implicit_sum);
        # without the convention the sum over k is missing (test_seed001_p4_chain_rule_without_its_sum)
        "P4.dErr/dw": C,
        "P4.alpha": I,
        "P4.zk": C,
        "P4.dz/dW2": C,
        "P4.dz/db2": C,
        "P4.dz/dW1.first": C,
        "P4.dz/dW1.(1)": I,
        "P4.dz/dW1": I,
        "P4.dz/db1.(1)": I,
        "P4.dz/db1": I,
        "P4.dz/dW1.cases": I,
        "P4.dz/db1.cases": I,
    },
    "seed 002 P1": {
        # dL/dy_k dy_k/df df/dW^{(1)}: k repeated in the product and free on no other side is summed
        # (convention implicit_sum); without it the sum is missing (test_seed002_p1_missing_sum_over_k)
        "P1.dW1.sum": C,
        # ((w2 . 1_{z>0}) . (Y^T - t)) . X is well-typed only with both \cdot entry by entry
        # (convention elementwise_dot); without it the shapes do not fit (test_seed002_p1_dW1_matrix_shapes)
        "P1.dW1.matrix": C,
        "P1.dw2.sum": C,
        "P1.dw2.matrix": C,
        "P1.db1.sum": C,
        "P1.db1.matrix": C,
        "P1.db2.sum": C,
        "P1.dL/dyk": I,
        "P1.dyk/db2": C,
        "P1.dyk/dw2": C,
        "P1.dyk/df": C,
        "P1.df/db1": I,
        "P1.df/dw1": I,
        # the forward pass: the formulas at random points, the numbers at the problem's data
        **{f"P1.forward.{n}": C for n in ("relu", "relu-numbers", "z", "relu-values", "y", "y-values",
                                           "sq1", "sq2", "sq3", "loss")},
    },
    "seed 003 S4": {
        # the sum's body ends at the first -, yet i is used after it and is no free index:
        # the one reading that means something is the sum of every term (the verdict says so)
        "4.1.expand": C,
        "4.1.entry": C,
        "4.1": C,
        "4.2.grad-l1": I,  # the gradient of sum_i (y_i - x_i)^2 is 2(x - y)
        # w = W vectorised through o(i,j), read row by row (any invertible o gives the same)
        "4.2.l2": C,
        "4.2.jacobian": C,  # the cases "h'_j if o(i,j) = k": j is the one index with o(i,j) = k
        "4.2.chain": I,  # the sign error of nabla l_1, second link
        "4.2.entry": I,  # the sign error again, first link
        "4.2.istar": I,  # h'_{i^*} for h'_{j^*}, and the sign error again (k = o(i^*, j^*))
        "4.2": I,  # the sign error carried into the entries of the gradient in W
        "4.3.l2": C,
        "4.3.jacobian": C,
        "4.3": C,
        "4.4.l2": C,
        "4.4.jacobian": C,
        "4.4": C,
        "4.5.jacobian": C,
        "4.5": C,
        "4.6.l2": C,
        "4.6": C,
        "4.7": C,
    },
    "seed 004 P2": {f"P2.eq{n}": C for n in range(4, 12)},
}
CASES = [(label, cid, v) for label, table in EXPECTED.items() for cid, v in table.items()]


@pytest.mark.parametrize("label,claim_id,verdict", CASES, ids=[f"{a}: {b}" for a, b, _ in CASES])
def test_verdict(label: str, claim_id: str, verdict: str) -> None:
    v = verdicts(label)[claim_id]
    assert v.verdict == verdict, (label, claim_id, v.message)


def test_every_formula_claim_is_listed() -> None:
    for label, table in EXPECTED.items():
        formula_ids = {i for i, v in verdicts(label).items() if v.message != "equal exactly"}
        assert formula_ids == set(table), label


def _ce(label: str, cid: str, strict: str = "") -> dict:
    v = verdicts(label, strict)[cid]
    assert v.verdict == "incorrect"
    return v.counterexample or {}


def test_seed001_p4_chain_rule_without_its_sum() -> None:
    """Without the summation convention (a strict grader), dErr/dw = dErr/dz_k dz_k/dw has no sum
    over k: with w = (b_2)_1, dz_k/dw = 0 for k != 1, so the product is 0 there while dErr/dw is not."""
    v = verdicts("seed 001 P4", "implicit_sum")["P4.dErr/dw"]
    ce = _ce("seed 001 P4", "P4.dErr/dw", "implicit_sum")
    assert v.mistake.startswith("a missing sum over k")
    assert ce["indices"]["k"] != 1 and ce["claimed"] == 0 and ce["expected"] != 0


def test_seed001_p4_alpha_extra_factor() -> None:
    """(alpha): the right side carries the factor dz_k/dw, zero for k != 1 when w = (b_2)_1."""
    v = verdicts("seed 001 P4")["P4.alpha"]
    ce = v.counterexample
    assert ce["indices"]["k"] != 1 and ce["claimed"] == 0 and ce["expected"] != 0
    assert abs(float(ce["expected"])) > 1e-3  # a point a person can read, not e^{-28}


@pytest.mark.parametrize(
    "cid", ["P4.dz/dW1.(1)", "P4.dz/dW1", "P4.dz/db1.(1)", "P4.dz/db1"]
)
def test_seed001_p4_relu_argument_dropped(cid: str) -> None:
    """phi' taken at (W_1)_{hd} x_d + (b_1)_h instead of the whole pre-activation: the mask
    is wrong where the two differ in sign (the claimed value is 0, the true one is not)."""
    v = verdicts("seed 001 P4")[cid]
    ce = _ce("seed 001 P4", cid)
    assert v.mistake == "missing f' factor or mask"
    assert ce["claimed"] == 0 and ce["expected"] != 0
    assert "X" in ce["values"] and "b1" in ce["values"]


@pytest.mark.parametrize("cid", ["P4.dz/dW1.cases", "P4.dz/db1.cases"])
def test_seed001_p4_cases_condition(cid: str) -> None:
    ce = _ce("seed 001 P4", cid)
    assert ce["claimed"] == 0 and ce["expected"] != 0


def test_seed002_p1_dW1_matrix_shapes() -> None:
    """Without the element-wise \\cdot (a strict grader), ((w2 . 1_{z>0}) . (Y^T - t)) . X does not fit:
    w2 (2x1) . 1_{z>0} (2x3) is no matrix product."""
    v = verdicts("seed 002 P1", "elementwise_dot")["P1.dW1.matrix"]
    assert v.mistake == "shapes do not fit" and "2x1 by a 2x3" in v.message, v.message


def test_seed002_p1_conventions_stated() -> None:
    """Under the conventions the links and the element-wise formula are correct, each remark naming
    the convention read (the summed index, the shapes multiplied entry by entry)."""
    v = verdicts("seed 002 P1")
    assert any("implicit_sum" in r and "summed over k = 1..3" in r for r in v["P1.dW1.sum"].remarks)
    shown = " ".join(v["P1.dW1.matrix"].remarks)
    assert "elementwise_dot" in shown and "2x3 \\cdot a 3x1" in shown
    assert not v["P1.dw2.matrix"].remarks  # ReLU . (Y^T - t) is a matrix product: no convention


@pytest.mark.parametrize("cid", ["P1.dw2.sum", "P1.db2.sum", "P1.dW1.sum", "P1.db1.sum", "P1.dL/dyk"])
def test_seed002_p1_missing_sum_over_k(cid: str) -> None:
    """Without the summation convention, dL/dy_k dy_k/dw (k free) is one sample's term, not the gradient:
    first link wrong.
    dL/dy_k itself is one term, and the claim sums them (the opposite mistake)."""
    v = verdicts("seed 002 P1", "implicit_sum")[cid]
    ce = _ce("seed 002 P1", cid, "implicit_sum")
    assert "y_k}" in v.message.split("differ")[0] and "k" in ce["indices"]
    assert ce["expected"] != ce["claimed"]
    word = "extra" if cid == "P1.dL/dyk" else "missing"
    assert v.mistake.startswith(f"a{'n' if word == 'extra' else ''} {word} sum over k"), v.mistake


def test_seed002_p1_chain_rule_contracts_jacobians() -> None:
    """The chain-rule product dL/dy_k dy_k/df df/dW^{(1)} contracts over the entries of f
    (a 2-vector) whatever each factor's layout: it is sample k's term (y_k - t_k) dy_k/dW^{(1)},
    and with the sum over k put back it is the true gradient."""
    from symderiv import Claim

    problem = load(DERIVATIONS / FILES["seed 002 P1"])
    where = next(c for c in problem.claims if c.id == "P1.dW1.sum").options["where"]
    chain = (
        r"\frac{\partial L}{\partial y_k} \frac{\partial y_k}{\partial f(\cdot)} "
        r"\frac{\partial f(\cdot)}{\partial W^{(1)}}"
    )
    term = r" = (y_k - t_k) \frac{\partial y_k}{\partial W^{(1)}}"
    summed = r"\frac{\partial L}{\partial W^{(1)}} = \sum_{k=1}^{3} " + chain
    verdicts_ = problem.check([
        Claim("term", "", chain + term, options={"where": where}),
        Claim("summed", "dL/dW1", summed, options={"where": where}),
    ])
    assert [v.verdict for v in verdicts_] == ["correct", "correct"], [v.message for v in verdicts_]


@pytest.mark.parametrize("cid,shape", [("P1.df/db1", "2x2"), ("P1.df/dw1", "2x1-by-2x4")])
def test_seed002_p1_derivative_written_as_its_diagonal(cid: str, shape: str) -> None:
    """df/db1 is a 2x2 (diagonal) Jacobian and df/dW1 has three indices; the student writes
    the non-zero diagonal: incorrect by shape, with the shorthand named."""
    v = verdicts("seed 002 P1")[cid]
    assert shape in v.message and v.mistake.startswith("the claim is the diagonal")


def test_seed000_q1_dW1_states_how_the_stack_was_read() -> None:
    """T = [T(x_1), ..., T(x_4)]^T is a vector of matrices; the verdict says so."""
    v = verdicts("seed 000 Q1")["Q1.dW1.formula"]
    assert "vector of matrices" in v.message and "sum of c_k A_k" in v.message


def test_seed000_q1_stack_product_is_the_weighted_sum() -> None:
    """(y - t)^T . T = sum_k (y_k - t_k) T(x_k): the same claim with the blocks summed by hand
    is correct, and with the blocks in the wrong order (T(x_2) first) it is incorrect."""
    from symderiv import Claim

    problem = load(DERIVATIONS / FILES["seed 000 Q1"])
    claim = next(c for c in problem.claims if c.id == "Q1.dW1.formula")
    where = dict(claim.options["where"])
    swapped = dict(where, T=r"\left[T(x_2), T(x_1), T(x_3), T(x_4)\right]^T")
    latex = r"(y - t)^T \cdot T = \sum_{k=1}^4 (y_k - t_k) T(x_k)"
    ok, wrong = problem.check([
        Claim("ok", "", latex, options={"where": where}),
        Claim("swapped", "", latex, options={"where": swapped}),
    ])
    assert ok.verdict == "correct", ok.message
    assert wrong.verdict == "incorrect", wrong.message


def test_stack_needs_a_fitting_vector() -> None:
    """A column of four 2x3 matrices times a 4x1 column (not a row) does not fit: a shape error."""
    from symderiv import Claim

    problem = load(DERIVATIONS / FILES["seed 000 Q1"])
    where = next(c for c in problem.claims if c.id == "Q1.dW1.formula").options["where"]
    v = problem.check([Claim("bad", "", r"T \cdot (y - t) = 0", options={"where": where})])[0]
    assert v.verdict == "incorrect" and "column of 4 2x3 matrices" in v.message, v.message


def _vector(value: sp.MatrixBase) -> list[sp.Expr]:
    """The entries of a counterexample's column of values."""
    assert value.cols == 1
    return list(value)


def test_seed003_s4_grad_l1_sign() -> None:
    """l_1(x) = sum_i (y_i - x_i)^2 has gradient 2(x - y): the claimed 2(y - x) is its negative
    at every entry of the counterexample (x is the function's free argument)."""
    v = verdicts("seed 003 S4")["4.2.grad-l1"]
    ce = _ce("seed 003 S4", "4.2.grad-l1")
    assert v.mistake == "sign"
    assert "x" in ce["values"] and "T" in ce["values"]
    expected, claimed = _vector(ce["expected"]), _vector(ce["claimed"])
    assert len(expected) == 10 and any(e != 0 for e in expected)
    assert all(e.is_Integer and e == -c for e, c in zip(expected, claimed, strict=True))


def test_seed003_s4_grad_W_first_link_sign() -> None:
    """nabla L(W)_ij = 2 h'_j (y_i - y'_i): the first link is wrong by the sign; the counterexample
    names the entry (i, j) and the network's values."""
    v = verdicts("seed 003 S4")["4.2"]
    ce = _ce("seed 003 S4", "4.2")
    assert v.mistake == "sign" and v.details["link"] == 0
    assert "2h'_j(y_i - y'_i)" in v.message
    assert set(ce["indices"]) == {"i", "j"}
    assert ce["expected"].is_Rational and ce["expected"] == -ce["claimed"] != 0
    assert {"V", "W", "X", "T"} <= set(ce["values"])


def test_seed003_s4_judged_at_the_reduced_size() -> None:
    """Every formula of the 784-100-10 network is judged on the 12-11-10 copy at batch 1, and the
    verdict says so; d (100) is read as 11, the output keeps its 10 entries."""
    for cid, v in verdicts("seed 003 S4").items():
        assert "judged at a reduced size: 12-11-10, N = 1" in v.message, cid
        assert "100 as 11" in v.message and "10 as" not in v.message.replace("100 as", "")
        assert v.details["reduced"]["widths"] == [12, 11, 10]


def test_seed003_s4_chain_through_w_sign() -> None:
    """J^T nabla l_1(l_2(w)) = 2 J^T (y - l_2(w)): the second link flips the sign of every entry
    (the first link, the chain rule itself, holds); the counterexample is the whole vector."""
    v = verdicts("seed 003 S4")["4.2.chain"]
    ce = _ce("seed 003 S4", "4.2.chain")
    assert v.mistake == "sign" and v.details["link"] == 1
    expected, claimed = _vector(ce["expected"]), _vector(ce["claimed"])
    assert len(expected) == 110  # w: the 10 x 11 entries of W at the reduced size
    assert any(e != 0 for e in expected)
    assert all(e.is_Rational and e == -c for e, c in zip(expected, claimed, strict=True))


def test_seed003_s4_entry_k_sign() -> None:
    """nabla L(w)_k = 2 sum_i J_ik (y_i - y'_i): wrong by the sign at an entry k = o(i, j) where
    the gradient is not 0; the second link (J_ik = d l_2i / d w_k) holds."""
    v = verdicts("seed 003 S4")["4.2.entry"]
    ce = _ce("seed 003 S4", "4.2.entry")
    assert v.mistake == "sign" and v.details["link"] == 0
    assert set(ce["indices"]) == {"k"} and ce["expected"].is_Rational and ce["expected"] == -ce["claimed"]
    assert ce["expected"] != 0


def test_seed003_s4_readings_are_named() -> None:
    vs = verdicts("seed 003 S4")
    assert "read as the sum of every term after it" in vs["4.1.expand"].message


def test_seed003_s4_istar() -> None:
    """nabla L(w)_k = 2h'_{i^*}(y_{i^*} - y'_{i^*}) with k = o(i^*, j^*): the truth is
    2h'_{j^*}(y'_{i^*} - y_{i^*}); no single mistake explains the student's formula (the sign
    and the index of h'), so none is named; the counterexample names i^* and j^*."""
    v = verdicts("seed 003 S4")["4.2.istar"]
    ce = _ce("seed 003 S4", "4.2.istar")
    assert set(ce["indices"]) == {"i*", "j*"} and v.mistake is None
    assert ce["expected"].is_Rational and ce["claimed"].is_Rational and ce["expected"] != ce["claimed"]
    problem = load(DERIVATIONS / FILES["seed 003 S4"])
    claim = next(c for c in problem.claims if c.id == "4.2.istar")
    for latex, verdict in [
        (r"\nabla L(\mathbf{w})_k = 2h'_{j^*}(y'_{i^*} - y_{i^*})", "correct"),  # the corrected formula
        (r"\nabla L(\mathbf{w})_k = 2h'_{j^*}(y_{i^*} - y'_{i^*})", "incorrect"),  # the sign only
        (r"\nabla L(\mathbf{w})_k = 2h'_{i^*}(y'_{i^*} - y_{i^*})", "incorrect"),  # the index only
    ]:
        (got,) = problem.check([dataclasses.replace(claim, latex=latex)])
        assert got.verdict == verdict, (latex, got.message)


@pytest.mark.parametrize(
    "old,new,verdict",
    [
        ("h'_j &", "h'_j &", "correct"),
        ("h'_j &", "2h'_j &", "incorrect"),  # constant factor
        ("o(i,j) = k", "o(i,j) = k + 1", "incorrect"),  # the neighbouring entry of w
        ("h'_j & \\text{if } o(i,j) = k\\\\ 0", "0 & \\text{if } o(i,j) = k\\\\ h'_j", "incorrect"),  # swapped
    ],
)
def test_seed003_s4_jacobian_cases_mutants(old: str, new: str, verdict: str) -> None:
    """Seed 003 S4 item 2: J_ik = h'_j if o(i,j) = k, 0 otherwise, and variants of it."""
    problem = load(DERIVATIONS / FILES["seed 003 S4"])
    claim = next(c for c in problem.claims if c.id == "4.2.jacobian")
    assert old in claim.latex
    (v,) = problem.check([dataclasses.replace(claim, latex=claim.latex.replace(old, new, 1))])
    assert v.verdict == verdict, v.message


@pytest.mark.parametrize(
    "cid,old,new",
    [
        ("P1.forward.y-values", "-0.51", "-0.52"),  # a wrong output
        ("P1.forward.z", "-0.67", "0.67"),  # a sign slip in a pre-activation
        ("P1.forward.sq2", "= 0.2809", "= 0.2709"),  # the last link only
        ("P1.forward.loss", "2.037", "2.047"),  # the middle link only
    ],
)
def test_seed002_forward_numbers_mutated(cid: str, old: str, new: str) -> None:
    """Seed 002 P1's forward pass, judged exactly at the problem's data: a changed digit is wrong,
    and the wrong link is the one with the changed number."""
    problem = load(DERIVATIONS / FILES["seed 002 P1"])
    claim = next(c for c in problem.claims if c.id == cid)
    assert old in claim.latex
    (v,) = problem.check([dataclasses.replace(claim, latex=claim.latex.replace(old, new, 1))])
    assert v.verdict == "incorrect", v.message
    assert new.strip("= ") in v.message.split(": the two sides")[0], v.message


def test_seed002_forward_broadcast_is_stated() -> None:
    vs = verdicts("seed 002 P1")
    assert "a column of 2 added to every column of a 2x3 matrix" in vs["P1.forward.relu"].message
    assert "a number added to every entry of a 1x3 matrix" in vs["P1.forward.y"].message
    assert "at the problem's data" in vs["P1.forward.y-values"].message


def test_at_data_needs_data_and_a_known_value() -> None:
    """`at = "data"` on a problem without data (seed 003 S4, also reduced) is undecided; an
    unknown `at` is an error naming the known value."""
    problem = load(DERIVATIONS / FILES["seed 003 S4"])
    claim = next(c for c in problem.claims if c.id == "4.1")
    (v,) = problem.check([dataclasses.replace(claim, options={**claim.options, "at": "data"})])
    assert v.verdict == "undecided" and "no data" in v.message
    (v,) = problem.check([dataclasses.replace(claim, options={**claim.options, "at": "points"})])
    assert v.verdict == "error" and "known: data" in v.message


@pytest.mark.parametrize(
    "latex,verdict",
    [("L = 1.0185", "correct"), ("L = 1.0186", "incorrect"), ("L = 2037/2000", "correct")],
)
def test_a_number_side_is_about_the_data(latex: str, verdict: str) -> None:
    """Seed 002 P1: L = 1.0185 typed as a formula is about the problem's data (judged there, the
    verdict says so); a whole-number side such as dy_k/db^{(2)} = 1 stays an identity."""
    from symderiv import check_formula

    problem = load(DERIVATIONS / FILES["seed 002 P1"])
    v = check_formula(problem, "L", latex.replace("2037/2000", r"\frac{2037}{2000}"))
    assert v.verdict == verdict and "about the problem's data" in v.message, v.message
    assert "random exact points" in verdicts("seed 002 P1")["P1.dyk/db2"].message or \
        "proved" in verdicts("seed 002 P1")["P1.dyk/db2"].message


@pytest.mark.parametrize(
    "of,claimed,verdict",
    [
        ("x_k", "column vector", "incorrect"),
        (r"x_k^T \cdot f'(z_k)", "3x2 matrix", "incorrect"),
        (r"x_k^T \cdot f'(z_k)", r"2 \times 3", "correct"),
        ("(y - t)^T \\cdot f(Z)", "row vector of size 3", "correct"),
        ("(y - t)^T \\cdot (y - t)", "scalar", "correct"),
        ("x_k", "blue", "error"),
        ("x_k +", "row vector", "error"),
    ],
)
def test_shape_claims(of: str, claimed: str, verdict: str) -> None:
    """Seed 000 Q1's shape table: the shape of a quantity against the words written."""
    problem = load(DERIVATIONS / FILES["seed 000 Q1"])
    (v,) = problem.check([dataclasses.replace(problem.claims[0], target="shape", latex=claimed,
                                              options={"of": of})])
    assert v.verdict == verdict, v.message


def test_seed000_shape_of_fZ() -> None:
    """Strictly (column_of_rows off) f(Z) is a 4x3 matrix, no column vector; under the convention the
    verdict says it read the column of the samples' rows."""
    v = verdicts("seed 000 Q1", "column_of_rows")["Q1.shape.fZ"]
    assert v.mistake == "wrong shape" and "f(Z) is 4x3" in v.message
    v = verdicts("seed 000 Q1")["Q1.shape.fZ"]
    assert v.verdict == "correct" and "f(Z) is 4x3" in v.message and "column_of_rows" in v.remarks[0]
