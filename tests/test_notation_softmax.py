"""The softmax as the notation reads it: \\operatorname{softmax}, \\mathrm{softmax}, \\text{softmax}
and a plain `softmax` are one operator of a vector (its identities: tests/identities/ml.toml)."""

from __future__ import annotations

import pytest

from symderiv.kinds import parse_text
from symderiv.notation import ast as A
from symderiv.notation.parse import parse_one

PROBLEM = """title = "softmax"
kind = "matrix_calculus"
[sizes]
names = ["q"]
check = [[2], [3]]
[variables]
z = ["q", 1]
Z = ["q", "q"]
[function]
input = "z"
value = "0"
[[claims]]
id = "claim"
target = "chain"
latex = '{latex}'
"""


def _verdict(latex: str):
    (verdict,) = parse_text(PROBLEM.format(latex=latex), "softmax.toml").check()
    return verdict


@pytest.mark.parametrize("written", [r"\operatorname{softmax}", r"\mathrm{softmax}", r"\text{softmax}",
                                     "softmax", r"\operatorname{Softmax}"])
def test_every_spelling_is_the_operator(written: str) -> None:
    if written != "softmax":  # a plain word is a name when parsed; the binder reads it as the operator
        node = parse_one(f"{written}(z)_i")
        assert isinstance(node, A.Sub) and isinstance(node.body, A.Apply) and node.body.op.name == "softmax"
    assert _verdict(f"{written}(\\mathbf{{z}})_i = \\frac{{e^{{z_i}}}}{{\\sum_j e^{{z_j}}}}").verdict == "correct"


@pytest.mark.parametrize(("latex", "verdict"), [
    (r"\sum_i \operatorname{softmax}(\mathbf{z})_i = 1", "correct"),
    (r"\operatorname{softmax}(\mathbf{z} + 3)_i = \operatorname{softmax}(\mathbf{z})_i", "correct"),  # shift
    (r"\operatorname{softmax}(2\mathbf{z})_i = \operatorname{softmax}(\mathbf{z})_i", "incorrect"),
    (r"\operatorname{softmax}(\mathbf{z}^T)_i = \operatorname{softmax}(\mathbf{z})_i", "correct"),  # a row too
])
def test_softmax_identities(latex: str, verdict: str) -> None:
    assert _verdict(latex).verdict == verdict


def test_a_matrix_has_no_written_direction_and_is_not_read() -> None:
    found = _verdict(r"\operatorname{softmax}(\mathbf{Z})_{11} = 1")
    assert found.verdict in ("error", "undecided") and "by rows or by columns" in found.message
