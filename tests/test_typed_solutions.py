"""The three typed problems of issue 12 (losses as formulas): every claim judged as it was planted,
and each loss formula read into the structured loss it states (registered loss, factor, mean, L2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from symderiv import load

DERIVATIONS = Path(__file__).resolve().parents[1] / "derivations"

#: (file, claim id) -> verdict, as planted (each "incorrect" claim carries a `note` saying what was planted).
PLANTED = {
    "typed-a-leaky-mean-l2.toml": {
        "A.h1": "incorrect", "A.yhat1": "correct", "A.L": "correct", "A.L.chain": "incorrect",
        "A.dW1": "correct", "A.dW1.nopenalty": "incorrect", "A.db1": "correct", "A.dw2": "incorrect",
        "A.db2": "correct", "A.dw2.formula": "correct", "A.db1.chain": "incorrect", "A.dW1.formula": "correct",
    },
    "typed-b-softmax-mean-column.toml": {
        "B.L": "correct", "B.L.sum": "incorrect", "B.db2": "correct", "B.dW2.nopenalty": "incorrect",
        "B.dW2": "correct", "B.dW1": "correct", "B.G": "correct", "B.G.chain": "incorrect",
        "B.db2.formula": "correct", "B.h2": "incorrect",
    },
    "typed-c-bce-scaled-bias-penalty.toml": {
        "C.h1": "correct", "C.L": "correct", "C.penalty.chain": "incorrect", "C.db2": "correct",
        "C.db1.nopenalty": "incorrect", "C.dW1": "correct", "C.dw2.unscaled": "incorrect", "C.dyhat": "correct",
        "C.dyhat.chain": "incorrect", "C.dW1.formula": "correct", "C.db1.formula": "incorrect",
    },
}

#: (file) -> (registered loss, factor, batch mean, L2 coefficients): what each formula states.
READINGS = {
    "typed-a-leaky-mean-l2.toml": ("half_sse", sp.S.One, True, (("W1", sp.Rational(1, 10)),)),
    "typed-b-softmax-mean-column.toml": ("softmax_cross_entropy", sp.S.One, True, (("W2", sp.Rational(1, 5)),)),
    "typed-c-bce-scaled-bias-penalty.toml": ("sigmoid_binary_cross_entropy", sp.Rational(1, 4), False,
                                             (("W1", sp.Rational(1, 2)), ("b1", sp.Rational(1, 10)))),
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_every_claim_is_judged_as_planted(name: str) -> None:
    problem = load(DERIVATIONS / name)
    assert {c.id for c in problem.claims} == set(PLANTED[name])
    got = {v.id: v.verdict for v in problem.check()}
    assert got == PLANTED[name]
    for claim in problem.claims:  # every planted mistake says what it is
        assert (PLANTED[name][claim.id] == "incorrect") == claim.note.startswith("planted"), claim.id


@pytest.mark.parametrize("name", sorted(READINGS))
def test_the_loss_formula_is_read_into_its_structured_loss(name: str) -> None:
    net = load(DERIVATIONS / name).net
    assert (net.loss_name, net.loss_scale, net.batch_mean, net.l2) == READINGS[name]
    assert net.loss_formula is not None
