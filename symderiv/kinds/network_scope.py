"""The network kind's scope: a core Network at batch size N bound for the notation layer.

The names it declares to the notation layer (the canonical names a `[notation]` table maps a
student's names to): parameter keys (display shape); X, T (N x n, one sample per row), Y,
Z1, A1, ... (placeholders, N x units), S (N x 1, per-sample weights of a loss formula) and L (1x1);
per sample x, t, y, s, z1, a1, ... (x_k is
sample k, a row or a column by the layout; without a sample index and N > 1, the batch in the
layout's orientation); act1, act2, ... (the element-wise activation of a layer, f' its
derivative); L(v), the loss as a function of the model quantity v.  Its own table entry,
`reduce = { inputs = 3, units = [4, 10], batch = 1 }`, judges formulas on a smaller copy.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..core.network import Network, entry_symbols
from ..notation.scope import Fn, GraphScope


def data_leaves(scope: GraphScope, net: Network, n_samples: int, data: str, width: int) -> None:
    """The leaves of a network scope, in this order (the order random points are drawn in): each
    parameter's entries, the N x width matrix `data` (X, or the outputs Y of a loss formula), the
    targets T and, when the loss weighs its samples, their weights S (a column of N)."""
    for p in net.params.values():
        scope.leaf(p.name, entry_symbols(p.name, *p.shape))
    scope.leaf(data, entry_symbols(data, n_samples, width))
    scope.leaf("T", entry_symbols("T", n_samples, net.n_out))
    if net.sample_weights:
        scope.leaf("S", entry_symbols("S", n_samples, 1))


class NetworkScope(GraphScope):
    """A core `Network` at batch size N, as a graph: Z_l, A_l, Y, L defined layer by layer."""

    def __init__(self, net: Network, n_samples: int) -> None:
        super().__init__(net.layout, n_samples)
        self.net = net
        self._acts: dict[int, Fn] = {}
        data_leaves(self, net, n_samples, "X", net.n_in)
        a = self.quantity("X")
        for l, layer in enumerate(net.layers, start=1):
            w, b = net.layer_params(l)
            w_in_out = w.to_internal(self.quantity(w.name))
            if net.layout == "column":
                w_in_out = w_in_out.T
            z = sp.Matrix(a) * w_in_out
            if b is not None:
                z += sp.ones(n_samples, 1) * b.to_internal(self.quantity(b.name)).reshape(
                    1, layer.units
                )
            zp = self.define(f"Z{l}", z)
            act, args = layer.act, layer.act_args
            if act.elementwise:
                self._acts[l] = Fn(
                    act.name,
                    lambda v, act=act, args=args: act.function(v, *args),
                    lambda v, act=act, args=args: act.derivative(v, *args),
                )
            if act.kinked:
                self._kinks.extend(z)
            rows = [act.apply(list(zp.row(k)), args) for k in range(n_samples)]
            a = self.define(f"A{l}", sp.Matrix(rows))
        self._q["Y"] = a
        lossdef = net.loss
        if lossdef.one_hot_targets:
            t = self.quantity("T")
            self._one_hot = [list(t.row(k)) for k in range(n_samples)]
        data = sp.Add(
            *[
                (self.quantity("S")[k] if net.sample_weights else 1)
                * lossdef.per_sample(list(a.row(k)), list(self.quantity("T").row(k)))
                for k in range(n_samples)
            ]
        ) * net.data_factor(sp.Integer(n_samples))
        penalty = sp.Add(*[c / 2 * sum(e**2 for e in self.quantity(p)) for p, c in net.l2])
        self.define("L", sp.Matrix([[data + penalty]]))

    has_activations = True

    def per_sample(self, name: str) -> str | None:
        """x, t, y, z1, a1, ...: one sample of X, T, Y, Z1, A1, ... (sample k is row k)."""
        if name in ("x", "t", "y") or (name == "s" and self.net.sample_weights) or (
                name[:1] in "za" and name[1:].isdigit()):
            return name.upper()
        return None

    def function(self, name: str) -> Fn | None:
        """act1, act2, ...: the element-wise activation of a layer."""
        if not (name.startswith("act") and name[3:].isdigit()):
            return None
        try:
            return self._acts[int(name[3:])]
        except KeyError:
            raise LookupError(f"layer {name[3:]} has no element-wise activation") from None

    def callable_quantity(self, name: str) -> bool:
        """L(\\mathbf{y}'): the loss as a function of a quantity of the model."""
        return name == "L"


def reduce_spec(value: Any) -> dict[str, Any]:
    """`reduce = { inputs = 3, units = [4, 3], batch = 1 }`: judge formulas on a smaller copy
    of the network (formulas about a 784-100-10 network with a batch of 64 are generic in
    the sizes; the explicit expansion is not feasible at full size)."""
    spec = dict(value)
    unknown = set(spec) - {"inputs", "units", "batch"}
    if unknown:
        raise ValueError(f"reduce: unknown keys {sorted(unknown)}; known: inputs, units, batch")
    out: dict[str, Any] = {}
    if "inputs" in spec:
        out["inputs"] = int(spec["inputs"])
    if "batch" in spec:
        out["batch"] = int(spec["batch"])
    if "units" in spec:
        out["units"] = tuple(int(u) for u in spec["units"])
    if any(v < 1 for v in [out.get("inputs", 1), out.get("batch", 1), *out.get("units", ())]):
        raise ValueError("reduce: sizes must be positive")
    return out


#: The `[notation]` entries the network kind declares beyond names and sizes, with their readers.
NOTATION_OPTIONS = {"reduce": reduce_spec}
