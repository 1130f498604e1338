"""Judge: seed 000 Q1 formulas against the network of the seed, counterexamples, mutants."""

from __future__ import annotations

import pytest
from test_notation_seed_formulas import F

from symderiv.core.network import Layer, Network
from symderiv.kinds.network_scope import NetworkScope
from symderiv.notation import NotationTable, judge_formula

# seed 000 Q1: row layout, x_k rows of X (4x2), W^{(1)} 2x3, W^{(2)} shown 1x3, b^{(2)} scalar.
NET = Network(
    2,
    (Layer(3, "relu", "W1", "b1"), Layer(1, "identity", "W2", "b2")),
    "row",
    "half_sse",
    display_shapes=(("W2", (1, 3)), ("b2", (1, 1))),
)
SCOPE = NetworkScope(NET, 4)
TABLE = NotationTable.from_dict(
    {
        "W^{(1)}": "W1",
        "b^{(1)}": "b1",
        "W^{(2)}": "W2",
        "b^{(2)}": "b2",
        "b^2": "b2",
        "x": "x",
        "y": "Y",
        "t": "T",
        "z": "z1",
        "Z": "Z1",
        "L": "L",
        "f": "act1",
    }
)


@pytest.mark.parametrize(
    "label,target,verdict",
    [
        ("s000 db2", "dL/db2", "correct"),
        ("s000 dW2", "dL/dW2", "correct"),
        ("s000 dyk/dbi", "", "correct"),
        ("s000 dyk/db1", "", "correct"),
        ("s000 dyk/dWij", "", "correct"),
    ],
)
def test_seed000_q1(label, target, verdict) -> None:
    v = judge_formula(SCOPE, TABLE, F[label], target)
    assert v.verdict == verdict, v.message


def test_seed000_q1_db1_with_label() -> None:
    """(1) is the student's label for dL/db^{(1)}; bound by a per-claim `where`."""
    table = TABLE.with_where({"(1)": r"\frac{\partial L}{\partial b^{(1)}}"})
    assert judge_formula(SCOPE, table, F["s000 db1"], "dL/db1").verdict == "correct"


def test_wrong_link_is_reported_even_if_last_is_right() -> None:
    """A chain whose middle link is wrong (a dropped 1/2 factor) is incorrect, with numbers."""
    latex = (
        r"\frac{\partial L}{\partial b^{(2)}} = \sum_{k=1}^4 2 (y_k - t_k) "
        r"= (y - t)^T \cdot \mathbf{1}_4"
    )
    v = judge_formula(SCOPE, TABLE, latex, "dL/db2")
    assert v.verdict == "incorrect"
    assert v.details["link"] == 1 and v.mistake == "constant factor 2"
    ce = v.counterexample
    assert ce["values"]["W1"] and ce["expected"] != ce["claimed"]


def test_shape_is_checked_first() -> None:
    """A 3x2 answer for a 2x3 weight is wrong, and said so."""
    v = judge_formula(
        SCOPE, TABLE, r"\sum_{k=1}^4 (y_k - t_k) \text{diag}(W^{(2)}) f'(z_k)^T x_k", "dL/dW1"
    )
    assert v.verdict == "incorrect" and "shape" in v.message


# ---------------------------------------------------------------- mutation test
CORRECT = [
    ("dL/db2", r"(y - t)^T \cdot \mathbf{1}_4"),
    ("dL/dW2", r"(y - t)^T \cdot f(Z)"),
    ("dL/db1", r"(y - t)^T \cdot f'(Z) \cdot \text{diag}(W^{(2)})"),
    ("dL/dW1", r"\sum_{k=1}^4 (y_k - t_k) x_k^T \cdot f'(z_k) \cdot \text{diag}(W^{(2)})"),
    ("dL/dW2", r"\sum_{k=1}^4 (y_k - t_k) f(z_k)"),
]
SEMANTIC = {  # name: (from, to)
    "sign flip": (r"(y - t)", r"(t - y)"),
    "dropped transpose": (r"x_k^T", r"x_k"),
    "removed f'": (r"f'(", r"f("),
    "changed sum limit": (r"\sum_{k=1}^4", r"\sum_{k=1}^3"),
    "changed constant": (r"(y_k - t_k)", r"2(y_k - t_k)"),
    "removed diag": (r"\cdot \text{diag}(W^{(2)})", r""),
}
EQUIVALENT = {
    "renamed bound index": (r"\sum_{k=1}^4 (y_k - t_k) f(z_k)", r"\sum_{j=1}^4 (y_j - t_j) f(z_j)"),
    "reordered factors": (r"(y_k - t_k) f(z_k)", r"f(z_k) (y_k - t_k)"),
    "matrix form vs sum": (r"(y - t)^T \cdot \mathbf{1}_4", r"\sum_{k=1}^4 (y_k - t_k)"),
    "index form vs matrix": (
        r"(y - t)^T \cdot f(Z)",
        r"\left[\sum_{k=1}^4 (y_k - t_k) f([z_k]_i)\right]_i",
    ),
}


def test_mutants(capsys) -> None:
    semantic = equivalent = 0
    for target, latex in CORRECT:
        assert judge_formula(SCOPE, TABLE, latex, target).verdict == "correct", latex
        for name, (a, b) in SEMANTIC.items():
            if a in latex:
                mutant = latex.replace(a, b, 1)
                v = judge_formula(SCOPE, TABLE, mutant, target)
                assert v.verdict == "incorrect", (name, mutant)
                semantic += 1
        for name, (a, b) in EQUIVALENT.items():
            if a in latex:
                rewrite = latex.replace(a, b, 1)
                v = judge_formula(SCOPE, TABLE, rewrite, target)
                assert v.verdict == "correct", (name, rewrite, v.message)
                equivalent += 1
    with capsys.disabled():
        print(
            f"\nmutation test: {semantic} semantic mutants judged incorrect, "
            f"{equivalent} equivalent rewrites judged correct"
        )
    assert semantic >= 10 and equivalent >= 4
