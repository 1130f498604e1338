"""Networks: a layer list in either layout, built explicitly in SymPy at concrete sizes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import sympy as sp

from .ops import Activation, Loss, activation, loss

Layout = Literal["row", "column"]


@dataclass(frozen=True)
class Layer:
    """One affine map and activation: z = W a + b ('column') or z = a W + b ('row')."""

    units: int
    activation: str
    weight: str
    bias: str | None = None
    alpha: sp.Rational | None = None  # leaky ReLU slope

    @property
    def act(self) -> Activation:
        return activation(self.activation)

    @property
    def act_args(self) -> tuple[sp.Expr, ...]:
        return tuple(self.alpha if p == "alpha" else sp.nan for p in self.act.parameters)


@dataclass(frozen=True)
class ParamSpec:
    """A parameter: its key (W1), LaTeX name (W^{(1)}), layer, role and shapes.

    `internal` is the shape the layout gives ((out, in) or (in, out) for a weight,
    (out, 1) or (1, out) for a bias); `shape` is the shape the problem displays it in
    (a vector may be shown transposed, a 1x1 bias as a scalar).
    """

    name: str
    latex: str
    layer: int
    role: Literal["weight", "bias"]
    internal: tuple[int, int]
    shape: tuple[int, int]

    def to_display(self, m: sp.Matrix) -> sp.Matrix:
        return m if m.shape == self.shape else m.T

    def to_internal(self, m: sp.Matrix) -> sp.Matrix:
        return m if m.shape == self.internal else m.T


@dataclass(frozen=True)
class Network:
    """A feed-forward network with its loss: the model of a problem file.

    Sizes: `n_in` inputs, layer widths `layers[l].units`; the batch loss is
    c [1/N] sum_n [s_n] loss(y_n, t_n) (the registered mean losses divide by N once more)
    + sum_p coef_p/2 ||p||^2 over `l2`, with c = `loss_scale` and 1/N when `batch_mean`:
    the reduction a loss formula states (kinds/network_loss.py), with per-sample weights s_n
    (the data S) when `sample_weights`; `loss_formula` is that formula as written, if the file
    gave one.
    """

    n_in: int
    layers: tuple[Layer, ...]
    layout: Layout
    loss_name: str
    l2: tuple[tuple[str, sp.Rational], ...] = ()
    latex_names: tuple[tuple[str, str], ...] = ()
    display_shapes: tuple[tuple[str, tuple[int, int]], ...] = ()
    size_names: tuple[tuple[int, str], ...] = field(default=())  # layer index -> symbolic width
    loss_scale: sp.Expr = sp.S.One
    batch_mean: bool = False
    loss_formula: str | None = None
    sample_weights: bool = False  # each sample's loss times its weight s_n (data S, N x 1)

    @property
    def loss(self) -> Loss:
        return loss(self.loss_name)

    def gradient_factor(self, n_samples: sp.Expr) -> sp.Expr:
        """The factor the reduction puts on the registered loss: c, or c/N for a batch mean."""
        return self.loss_scale / n_samples if self.batch_mean else self.loss_scale

    def data_factor(self, n_samples: sp.Expr) -> sp.Expr:
        """The factor of sum_n loss(y_n, t_n) in the batch loss: gradient_factor, and 1/N more
        for a registered mean loss."""
        factor = self.gradient_factor(n_samples)
        return factor / n_samples if self.loss.mean else factor

    @property
    def loss_summary(self) -> str:
        """The loss in words: the registered loss, its stated factor and batch mean, its L2 penalties
        (e.g. 'half_sse / N + 1/20 ||W1||²')."""
        text = self.loss_name if self.loss_scale == 1 else f"{self.loss_scale} {self.loss_name}"
        text += " / N" if self.batch_mean else ""
        text += " weighted by S" if self.sample_weights else ""
        return text + "".join(f" + {c / 2} ||{p}||²" for p, c in self.l2)

    @property
    def widths(self) -> list[int]:
        """[n_in, units_1, ..., units_L]."""
        return [self.n_in] + [layer.units for layer in self.layers]

    @property
    def n_out(self) -> int:
        return self.layers[-1].units

    @property
    def axis(self) -> int:
        """Axis along which samples run in batch matrices: columns (0) or rows (1)."""
        return 0 if self.layout == "column" else 1

    @cached_property
    def params(self) -> dict[str, ParamSpec]:
        names, shapes = dict(self.latex_names), dict(self.display_shapes)
        out: dict[str, ParamSpec] = {}
        widths = self.widths
        for l, layer in enumerate(self.layers, start=1):
            n_prev, n = widths[l - 1], widths[l]
            w_shape = (n, n_prev) if self.layout == "column" else (n_prev, n)
            b_shape = (n, 1) if self.layout == "column" else (1, n)
            for key, role, internal in ((layer.weight, "weight", w_shape), (layer.bias, "bias", b_shape)):
                if key is None:
                    continue
                out[key] = ParamSpec(key, names.get(key, key), l, role, internal,
                                     shapes.get(key, internal))
        return out

    def layer_params(self, l: int) -> tuple[ParamSpec, ParamSpec | None]:
        layer = self.layers[l - 1]
        return self.params[layer.weight], self.params[layer.bias] if layer.bias else None

    def symbolic(self, n_samples: int) -> SymbolicNet:
        """The network at batch size N with every parameter and data entry a Symbol."""
        return SymbolicNet(self, n_samples)


def entry_symbols(name: str, rows: int, cols: int) -> sp.Matrix:
    """A rows x cols Matrix of real Symbols named like W1[2,3] (1-based); vectors W1[2]."""

    def label(i: int, j: int) -> str:
        if rows == 1 and cols == 1:
            return name
        if rows == 1 or cols == 1:
            return f"{name}[{max(i, j) + 1}]"
        return f"{name}[{i + 1},{j + 1}]"

    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(label(i, j), real=True))


class SymbolicNet:
    """The network written out entry by entry: Z[l], A[l], Y (sample rows), loss.

    Forward pass per sample n (row layout shown; column layout uses Wᵀ):
      z_n^{(l)} = a_n^{(l-1)} W^{(l)} + b^{(l)},  a_n^{(l)} = f_l(z_n^{(l)}),  y_n = a_n^{(L)}.
    Every matrix is N x width with one sample per row, whatever the layout.
    """

    def __init__(self, net: Network, n_samples: int) -> None:
        self.net, self.N = net, n_samples
        self.params = {p.name: entry_symbols(p.name, *p.shape) for p in net.params.values()}
        self.X = entry_symbols("X", n_samples, net.n_in)
        self.T = entry_symbols("T", n_samples, net.n_out)
        self.S = entry_symbols("S", n_samples, 1) if net.sample_weights else sp.ones(n_samples, 1)
        self.Z: dict[int, sp.Matrix] = {}
        self.A: dict[int, sp.Matrix] = {0: self.X}
        for l, layer in enumerate(net.layers, start=1):
            w, b = net.layer_params(l)
            w_in_out = w.to_internal(self.params[w.name])
            if net.layout == "column":
                w_in_out = w_in_out.T
            z = self.A[l - 1] * w_in_out
            if b is not None:
                b_row = b.to_internal(self.params[b.name]).reshape(1, layer.units)
                z += sp.ones(n_samples, 1) * b_row
            self.Z[l] = z
            rows = [layer.act.apply(list(z.row(k)), layer.act_args) for k in range(n_samples)]
            self.A[l] = sp.Matrix(rows)
        self.Y = self.A[len(net.layers)]
        lossdef = net.loss
        data = sp.Add(*[self.S[k] * lossdef.per_sample(list(self.Y.row(k)), list(self.T.row(k)))
                        for k in range(n_samples)]) * net.data_factor(sp.Integer(n_samples))
        penalty = sp.Add(*[c / 2 * sum(e**2 for e in self.params[p]) for p, c in net.l2])
        self.loss: sp.Expr = data + penalty

    @property
    def symbols(self) -> list[sp.Symbol]:
        """Every free entry symbol: parameters, then inputs X, then targets T (then weights S)."""
        out = [s for m in self.params.values() for s in m]
        return out + list(self.X) + list(self.T) + (list(self.S) if self.net.sample_weights else [])

    def quantity(self, name: str) -> sp.Matrix | sp.Expr:
        """A canonical quantity: a parameter key, 'X', 'T', 'Y', 'Z1', 'A1', ..., or 'L'."""
        if name in self.params:
            return self.params[name]
        if name in ("X", "T", "Y") or (name == "S" and self.net.sample_weights):
            return getattr(self, name)
        if name == "L":
            return self.loss
        if name[:1] in "ZA" and name[1:].isdigit() and int(name[1:]) in getattr(self, name[0]):
            return getattr(self, name[0])[int(name[1:])]
        known = [*self.params, "X", "T", "Y", *(f"Z{l}" for l in self.Z), *(f"A{l}" for l in self.Z), "L"]
        raise KeyError(f"unknown quantity {name!r}; known: {', '.join(known)}")

    def gradient(self, name: str) -> sp.Matrix:
        """dL/dp for parameter `name`, entry by entry with SymPy diff, in its display shape."""
        m = self.params[name]
        return m.applyfunc(lambda s: sp.diff(self.loss, s))
