"""Backprop proved for every size (symderiv.netproof): every registered activation and loss,
random architectures, planted mistakes refused, and the proof cache."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sympy as sp
from hypothesis import given, settings

from symderiv.core import netproof, ops
from symderiv.core.backprop import MatrixForm
from symderiv.core.netproof import cached_proof, prove_network, signature
from symderiv.core.network import Layer, Network
from tests.test_gradients_oracle import networks

SLOPE = sp.Rational(1, 100)


def make(layout: str, activations: tuple[str, ...], loss: str, bias: bool = True, l2: tuple[str, ...] = (),
         transposed: tuple[str, ...] = ()) -> Network:
    layers = tuple(Layer(3, a, f"W{l}", f"b{l}" if bias else None, SLOPE if a == "leaky_relu" else None)
                   for l, a in enumerate(activations, start=1))
    net = Network(3, layers, layout, loss, tuple((p, sp.Rational(1, 10)) for p in l2))
    shapes = tuple((k, net.params[k].internal[::-1]) for k in transposed)
    return Network(3, layers, layout, loss, net.l2, (), shapes)


ARCHITECTURES = [
    # (layout, activations, loss): every activation and every loss at least once, both layouts
    (layout, acts, loss)
    for layout in ("column", "row")
    for acts, loss in [
        (("relu", "identity"), "half_sse"),
        (("leaky_relu", "identity"), "sse"),
        (("sigmoid", "identity"), "mse"),
        (("tanh", "softmax"), "half_sse"),
        (("relu", "identity"), "softmax_cross_entropy"),
        (("tanh", "identity"), "sigmoid_binary_cross_entropy"),
        (("softmax", "sigmoid"), "sse"),
        (("relu", "sigmoid", "identity"), "softmax_cross_entropy"),
    ]
]


@pytest.mark.parametrize(("layout", "activations", "loss"), ARCHITECTURES)
def test_every_activation_and_loss_is_proved_for_every_size(layout, activations, loss) -> None:
    proof = prove_network(make(layout, activations, loss, l2=("W1",)))
    assert proof.proved, proof.method
    assert any("dL/dW1" in c for c in proof.checks) and any("forward step" in c for c in proof.checks)


def test_no_bias_and_transposed_vectors_are_proved() -> None:
    """Seed 002's layout: w2 shown as a column, no bias on one layer."""
    net = make("column", ("relu", "identity"), "half_sse", bias=False, transposed=("W2",))
    assert prove_network(net).proved


@settings(max_examples=15)
@given(networks(max_width=3))
def test_random_architectures_are_proved(case) -> None:
    """The oracle strategy of test_gradients_oracle: any depth 1-3, activation, loss, layout."""
    net, _ = case
    proof = prove_network(net)
    assert proof.proved, proof.method


def _replace(table: dict, name: str, **changes):
    return {**table, name: dataclasses.replace(table[name], **changes)}


MUTANTS = [
    # (what is planted, the architecture, registry table, entry, replacement fields)
    ("dL/dY of half SSE doubled", ("column", ("relu", "identity"), "half_sse"), "LOSSES", "half_sse",
     {"output_gradient": lambda y, t, n, axis: 2 * (y - t)}),
    ("mean squared error without 1/N", ("row", ("relu", "identity"), "mse"), "LOSSES", "mse",
     {"output_gradient": lambda y, t, n, axis: 2 * (y - t)}),
    ("softmax-CE gradient S - T (true only for one-hot targets)", ("column", ("relu", "identity"),
     "softmax_cross_entropy"), "LOSSES", "softmax_cross_entropy",
     {"output_gradient": lambda y, t, n, axis: ops.softmax_matrix(y, axis) - t}),
    ("sigmoid' written as sigmoid", ("row", ("sigmoid", "identity"), "half_sse"), "ACTIVATIONS", "sigmoid",
     {"derivative": lambda z: ops.sigmoid(z)}),
    ("leaky ReLU' written as ReLU'", ("column", ("leaky_relu", "identity"), "half_sse"), "ACTIVATIONS",
     "leaky_relu", {"derivative": lambda z, a: ops.relu_step(z)}),
    ("softmax VJP without its sum term", ("column", ("tanh", "softmax"), "sse"), "ACTIVATIONS", "softmax",
     {"matrix_vjp": lambda s, g, axis: sp.HadamardProduct(s, g)}),
    ("tanh forward written as sigmoid", ("row", ("tanh", "identity"), "half_sse"), "ACTIVATIONS", "tanh",
     {"matrix_rule": lambda z, axis: sp.matrices.expressions.applyfunc.ElementwiseApplyFunction(
         sp.Lambda(sp.Symbol("z"), ops.sigmoid(sp.Symbol("z"))), z)}),
]


@pytest.mark.parametrize(("planted", "arch", "table", "entry", "changes"), MUTANTS, ids=[m[0] for m in MUTANTS])
def test_planted_mistakes_in_the_matrix_form_are_refused(monkeypatch, planted, arch, table, entry, changes) -> None:
    monkeypatch.setattr(ops, table, _replace(getattr(ops, table), entry, **changes))
    proof = prove_network(make(*arch))
    assert not proof.proved, planted


def test_a_wrong_l2_term_is_refused(monkeypatch) -> None:
    original = MatrixForm._gradient

    def doubled(self, key, expr, l2):
        return original(self, key, expr, {k: 2 * c for k, c in l2.items()})

    monkeypatch.setattr(MatrixForm, "_gradient", doubled)
    proof = prove_network(make("column", ("relu", "identity"), "half_sse", l2=("W1",)))
    assert not proof.proved and "dL/dW1" in proof.method


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_loss_index_forms_are_the_losses(m: int) -> None:
    """Each loss's index form (symbolic width), summed out at width m, is its per-sample form."""
    y, t = sp.symbols(f"y1:{m + 1}", real=True), sp.symbols(f"t1:{m + 1}", real=True)
    width = sp.Symbol("m", integer=True, positive=True)
    for loss in ops.LOSSES.values():
        form = loss.index_form(lambda k: sp.Piecewise(*[(y[i], sp.Eq(k, i + 1)) for i in range(m)]),
                               lambda k: sp.Piecewise(*[(t[i], sp.Eq(k, i + 1)) for i in range(m)]), width)
        written = form.subs(width, m).doit()
        assert sp.simplify(written - loss.per_sample(list(y), list(t))) == 0, loss.name


@pytest.mark.parametrize("m", [1, 2, 3])
def test_softmax_index_form_is_softmax(m: int) -> None:
    z = sp.symbols(f"z1:{m + 1}", real=True)
    width = sp.Symbol("m", integer=True, positive=True)
    act = ops.ACTIVATIONS["softmax"]
    entry = lambda k: sp.Piecewise(*[(z[i], sp.Eq(k, i + 1)) for i in range(m)])  # noqa: E731
    for k in range(1, m + 1):
        written = act.index_entry(entry, sp.Integer(k), width).subs(width, m).doit()
        assert sp.simplify(written - act.vector(list(z))[k - 1]) == 0


def test_signature_ignores_widths_names_and_coefficients() -> None:
    a = make("column", ("relu", "identity"), "half_sse", l2=("W1",))
    wider = Network(7, tuple(dataclasses.replace(layer, units=9, weight=f"V{l}")
                             for l, layer in enumerate(a.layers)), "column", "half_sse", (("V0", sp.Integer(3)),))
    assert signature(a) == signature(wider)
    assert signature(a) != signature(make("row", ("relu", "identity"), "half_sse", l2=("W1",)))
    assert signature(a) != signature(make("column", ("relu", "identity"), "half_sse"))


def test_proofs_are_cached_on_disk_by_signature_and_code(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SYMDERIV_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(netproof, "_MEMORY", {})
    calls = []

    def prove(net):
        calls.append(net)
        return prove_network(net)

    net = make("row", ("tanh", "identity"), "half_sse")
    first, source = cached_proof(net, prove)
    assert first.proved and source == "proved now" and len(calls) == 1
    files = list(tmp_path.rglob("*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["signature"] == signature(net)
    monkeypatch.setattr(netproof, "_MEMORY", {})  # a new process: read from disk
    again, source = cached_proof(net, prove)
    assert again == first and source == "cache" and len(calls) == 1
    # a change to the code a proof rests on (another digest) proves again
    monkeypatch.setattr(netproof, "_MEMORY", {})
    monkeypatch.setattr(netproof, "_source_digest", lambda: "edited")
    cached_proof(net, prove)
    assert len(calls) == 2


def test_an_unwritable_cache_is_skipped(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SYMDERIV_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(netproof, "_MEMORY", {})
    proof, source = cached_proof(make("column", ("relu", "identity"), "half_sse"))
    assert proof.proved and source == "proved now"
