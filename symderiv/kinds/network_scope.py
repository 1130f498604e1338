"""The network kind's scope: a core Network at batch size N bound for the notation layer."""

from __future__ import annotations

import sympy as sp

from ..core.network import Network, entry_symbols
from ..notation.scope import Fn, GraphScope


class NetworkScope(GraphScope):
    """A core `Network` at batch size N, as a graph: Z_l, A_l, Y, L defined layer by layer."""

    def __init__(self, net: Network, n_samples: int) -> None:
        super().__init__(net.layout, n_samples)
        self.net = net
        for p in net.params.values():
            self.leaf(p.name, entry_symbols(p.name, *p.shape))
        self.leaf("X", entry_symbols("X", n_samples, net.n_in))
        self.leaf("T", entry_symbols("T", n_samples, net.n_out))
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
                lossdef.per_sample(list(a.row(k)), list(self.quantity("T").row(k)))
                for k in range(n_samples)
            ]
        )
        if lossdef.mean:
            data = data / n_samples
        penalty = sp.Add(*[c / 2 * sum(e**2 for e in self.quantity(p)) for p, c in net.l2])
        self.define("L", sp.Matrix([[data + penalty]]))
