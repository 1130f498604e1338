"""Reading a network problem file (kind = "network"): the model, its sizes, parameters and data,
each field validated and bounded (the format: kinds/network.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from ..core.errors import NotationError, SymderivError
from ..core.limits import NETWORK_MAX_BATCH, NETWORK_MAX_DEPTH, NETWORK_MAX_WIDTH, PROBLEM_MAX_ENTRIES
from ..core.network import Layer, Network
from ..core.ops import ACTIVATIONS, LOSSES
from ..notation import read_notation
from ..notation.unparse import display_name
from .base import HEADER_KEYS, Fields
from .network_loss import read_loss_formula
from .network_scope import NOTATION_OPTIONS

_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass
class NetworkFile:
    """What a network problem file gives: the network, the values it fixes (parameters, X, T),
    the batch size, which values are given, and its `[notation]` table (or None)."""

    net: Network
    values: dict[str, sp.Matrix]
    batch: int
    given: set[str]
    notation: Any
    forward: tuple[str, ...] = ()  # the forward equations as the sheet states them (checked by solve)


def read_network(doc: Fields) -> NetworkFile:
    """The `[model]`, `[sizes]`, `[params]`, `[data]` and `[notation]` tables of `doc`; every
    problem names the field it is about (a ProblemFileError)."""
    doc.check_keys(HEADER_KEYS | {"model", "params", "data", "sizes", "notation"})
    model = doc.table("model")
    model.check_keys({"layout", "inputs", "loss", "layers", "batch", "l2", "forward"})
    layout = model.choice("layout", ["row", "column"])
    sizes_t = doc.table("sizes", None)
    sizes = {k: _at_most(sizes_t, k, sizes_t.integer(k, minimum=1), NETWORK_MAX_WIDTH, "a width")
             for k in sizes_t.data}
    n_in = _width(model, "inputs", sizes)
    layer_tables = model.tables("layers")
    if len(layer_tables) > NETWORK_MAX_DEPTH:
        raise model.error("layers", f"{len(layer_tables)} layers (at most {NETWORK_MAX_DEPTH})")
    layers = []
    for i, lt in enumerate(layer_tables):
        lt.check_keys({"units", "activation", "weight", "bias", "alpha"})
        act = lt.choice("activation", list(ACTIVATIONS))
        takes = ACTIVATIONS[act]
        alpha = lt.number("alpha", dict(takes.defaults)["alpha"]) if "alpha" in takes.parameters else None
        if alpha is None and lt.has("alpha"):
            takers = [a.name for a in ACTIVATIONS.values() if "alpha" in a.parameters]
            raise lt.error("alpha", f"only {', '.join(takers)} takes alpha")
        weight = _key(lt, "weight", f"W{i + 1}")
        bias = _key(lt, "bias", f"b{i + 1}") if lt.data.get("bias", True) is not False else None
        layers.append(Layer(_width(lt, "units", sizes), act, weight, bias, alpha))
    if not layers:
        raise model.error("layers", "at least one layer is needed")
    keys = [k for layer in layers for k in (layer.weight, layer.bias) if k]
    if len(set(keys)) != len(keys):
        raise model.error("layers", f"parameter names repeat: {keys}")
    loss_text = model.text("loss")
    formula = any(c in loss_text for c in "\\=^{}() ") and loss_text not in LOSSES  # not a (misspelt) name
    loss_name = "sse" if formula else model.choice("loss", list(LOSSES))
    l2: tuple[tuple[str, sp.Rational], ...] = ()
    if model.has("l2"):
        l2t = model.table("l2")
        l2t.check_keys({"coef", "params"})
        coef = l2t.number("coef")
        names = l2t.get("params", list)
        for n in names:
            if n not in keys:
                raise l2t.error("params", f"unknown parameter {n!r}; known: {', '.join(keys)}")
        l2 = tuple((n, coef) for n in names)

    data = doc.table("data", None)
    data.check_keys({"X", "T", "weights"})
    batch = model.integer("batch", 0, minimum=1) if model.has("batch") else None
    if batch is not None:
        _at_most(model, "batch", batch, NETWORK_MAX_BATCH, "a batch")
    if data.has("X"):
        rows = _raw_rows(data, "X")
        _at_most(data, "X", rows, NETWORK_MAX_BATCH, "the rows (samples) of a batch")
        batch = batch if batch is not None else rows
    _check_total(model, n_in, layers, batch or 1)

    params_t = doc.table("params", None)
    for k in params_t.data:
        if k not in keys:
            raise params_t.error(k, f"no layer has this parameter; known: {', '.join(keys)}")
    latex, shapes = [], []
    bare = Network(n_in, tuple(layers), layout, loss_name, l2)
    for spec in bare.params.values():
        pt = params_t.table(spec.name, None)
        pt.check_keys({"latex", "value", "shape"})
        latex.append((spec.name, _display_name(pt, spec.name)))
        if pt.has("shape"):
            shape = _shape(pt, spec.internal)
            shapes.append((spec.name, shape))
    net = Network(n_in, tuple(layers), layout, loss_name, l2, tuple(latex), tuple(shapes))

    given: set[str] = set()
    values: dict[str, sp.Matrix] = {}
    batch = model.integer("batch", 0, minimum=1) if model.has("batch") else None
    if data.has("X"):
        x = data.matrix("X", max_entries=_raw_rows(data, "X") * n_in)
        if x.cols != n_in:
            raise data.error("X", f"each sample (row) must have {n_in} entries, got {x.cols}")
        if batch is not None and x.rows != batch:
            raise data.error("X", f"model.batch is {batch} but X has {x.rows} rows")
        batch = x.rows
        values["X"] = x
        given.add("X")
    batch = batch or 1
    if data.has("T"):
        t = data.matrix("T", max_entries=batch * net.n_out)
        if t.shape == (net.n_out, batch) and net.n_out != batch:
            t = t.T
        if t.shape == (1, batch) and net.n_out == 1:
            t = t.T
        if t.shape != (batch, net.n_out):
            raise data.error("T", f"expected {batch} targets of {net.n_out} entries, got {t.rows}x{t.cols}")
        values["T"] = t
        given.add("T")
    if data.has("weights"):
        if not formula:
            raise data.error("weights", "per-sample weights belong to a loss formula that uses them "
                                        "(model.loss = '... \\sum_n s_n ...')")
        weights = data.matrix("weights", max_entries=batch)
        weights = weights.T if weights.rows == 1 else weights
        if weights.shape != (batch, 1):
            raise data.error("weights", f"expected one weight per sample ({batch}), got {weights.rows}x{weights.cols}")
        values["S"] = weights
        given.add("S")
        net = replace(net, sample_weights=True)
    for spec in net.params.values():
        pt = params_t.table(spec.name, None)
        if pt.has("value"):
            values[spec.name] = pt.matrix("value", spec.shape)
            given.add(spec.name)
    notation = None
    if doc.has("notation"):
        notation = read_notation(doc, NOTATION_OPTIONS)
    if formula:
        net = _formula_loss(model, loss_text, net, notation, batch, values.get("T"))
    return NetworkFile(net, values, batch, given, notation, _forward(model))


def _forward(model: Fields) -> tuple[str, ...]:
    """`forward = ['z^{(1)} = W^{(1)} x + b^{(1)}', ...]`: equations the model must satisfy, as written."""
    equations = model.get("forward", list, [])
    if len(equations) > 4 * NETWORK_MAX_DEPTH:
        raise model.error("forward", f"{len(equations)} equations (at most {4 * NETWORK_MAX_DEPTH})")
    for i, eq in enumerate(equations):
        if not isinstance(eq, str):
            raise model.error("forward", f"entry {i + 1} is not text: write each equation as a LaTeX string")
    return tuple(equations)


def _formula_loss(model: Fields, text: str, net: Network, notation: Any, batch: int,
                  targets: sp.Matrix | None) -> Network:
    """The network with the loss its formula states (kinds/network_loss.py); an error names `model.loss`."""
    if net.l2:
        raise model.error("l2", "the loss is a formula: state its L2 penalty in the formula")
    try:
        out = read_loss_formula(text, net, notation, batch)
    except (SymderivError, ValueError, TypeError) as exc:
        raise model.error("loss", str(exc)) from None
    if out.loss.one_hot_targets and targets is not None and any(sum(targets.row(n)) != 1 for n in range(targets.rows)):
        raise model.error("loss", "this formula is the cross-entropy only for target rows that sum to 1, "
                                  "and a row of data.T does not")
    return out


def _width(t: Fields, key: str, sizes: dict[str, int]) -> int:
    value = t.get(key, (int, str))
    if isinstance(value, int):
        if value < 1:
            raise t.error(key, f"must be at least 1, got {value}")
        return _at_most(t, key, value, NETWORK_MAX_WIDTH, "a width")
    if value not in sizes:
        raise t.error(key, f"size name {value!r} is not defined in [sizes]")
    return sizes[value]


def _display_name(t: Fields, default: str) -> str:
    """A parameter's `latex`: a formula, printed by symderiv from its parsed tree (never the
    text itself), so a name such as W^{\\input{f}} cannot reach TeX as source."""
    if not t.has("latex"):
        return default  # the parameter's key: letters, digits and _ (checked by _key)
    text = t.text("latex")
    try:
        return display_name(text)
    except NotationError as exc:
        raise t.error("latex", f"expected a name written in LaTeX such as W^{{(1)}}: {exc.message}") from None


def _at_most(t: Fields, key: str, value: int, limit: int, what: str) -> int:
    """`value`, unless it is past `limit` (symderiv.limits): then an error naming the field."""
    if value > limit:
        shown = str(value) if len(str(value)) <= 20 else f"about 10^{len(str(value)) - 1}"
        raise t.error(key, f"{shown} is past the limit for {what} (at most {limit})")
    return value


def _raw_rows(t: Fields, key: str) -> int:
    """The number of rows of the matrix `key` as written (a list of rows, a flat list = one
    column, a number = 1x1), counted before any entry is converted."""
    value = t.data[key]
    return len(value) if isinstance(value, list) else 1


def _check_total(model: Fields, n_in: int, layers: list[Layer], batch: int) -> None:
    """Every parameter, plus X, T and each layer's pre-activations and activations at the
    batch size, at most PROBLEM_MAX_ENTRIES entries: checked from the widths alone, before
    any matrix is built."""
    widths = [n_in] + [layer.units for layer in layers]
    params = sum(w_in * w_out + (w_out if layer.bias else 0)
                 for w_in, w_out, layer in zip(widths[:-1], widths[1:], layers, strict=True))
    total = params + batch * (n_in + 2 * sum(widths[1:]) + widths[-1])
    if total > PROBLEM_MAX_ENTRIES:
        raise model.error("layers", f"the network holds about {total:.2e} numbers at batch {batch} "
                                    f"(parameters, data and activations; at most {PROBLEM_MAX_ENTRIES:.0e})")


def _key(t: Fields, key: str, default: str) -> str:
    value = t.text(key, default)
    if not _KEY.match(value):
        raise t.error(key, f"a parameter name is letters, digits and _, starting with a letter; got {value!r}")
    return value


def _shape(t: Fields, internal: tuple[int, int]) -> tuple[int, int]:
    raw = t.get("shape", list)
    if raw == []:
        raw = [1, 1]
    if len(raw) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in raw):
        raise t.error("shape", "expected [rows, cols] of positive integers, or [] for a scalar")
    shape = (raw[0], raw[1])
    if shape != internal and not (shape == internal[::-1] and 1 in internal):
        raise t.error("shape", f"the layer gives this parameter shape {internal[0]}x{internal[1]}; "
                               f"only a vector may be shown transposed")
    return shape
