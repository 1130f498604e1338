"""The backprop recursion as size-generic SymPy matrix expressions, in the problem's layout.

Column layout (samples are columns, A^{(0)} = Xᵀ, targets Tᵀ):
    Z^{(l)} = W^{(l)} A^{(l-1)} + b^{(l)} 1_Nᵀ,   A^{(l)} = f_l(Z^{(l)})
    Δ^{(L)} = f_L'-rule(∂L/∂A^{(L)}),   Δ^{(l)} = (W^{(l+1)ᵀ} Δ^{(l+1)}) ⊙ f_l'(Z^{(l)})
    ∂L/∂W^{(l)} = Δ^{(l)} A^{(l-1)ᵀ},   ∂L/∂b^{(l)} = Δ^{(l)} 1_N
Row layout (samples are rows, A^{(0)} = X):
    Z^{(l)} = A^{(l-1)} W^{(l)} + 1_N b^{(l)},   Δ^{(l)} = (Δ^{(l+1)} W^{(l+1)ᵀ}) ⊙ f_l'(Z^{(l)})
    ∂L/∂W^{(l)} = A^{(l-1)ᵀ} Δ^{(l)},   ∂L/∂b^{(l)} = 1_Nᵀ Δ^{(l)}
An L2 penalty c/2 ||P||² adds c P to ∂L/∂P; a stated reduction (a factor c, or c/N) scales ∂L/∂Y,
and per-sample weights S scale each sample's column (row) of it.
The element-wise rule of each activation comes from the registry, so no operation is special-cased here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp
from sympy import HadamardProduct, MatrixExpr, MatrixSymbol, OneMatrix

from .compiled import CompiledEvaluator
from .matrixeval import Backend, ExactBackend, evaluate
from .network import Network


@dataclass(frozen=True)
class Step:
    """One named intermediate: `symbol` := `expr` (LaTeX name in `latex`)."""

    symbol: MatrixSymbol
    expr: MatrixExpr
    latex: str
    role: str  # "forward", "output-gradient", "delta", "gradient"


class MatrixForm:
    """The forward pass and backprop of a Network as a list of Steps, valid for any size.

    Sizes are the symbols N (batch) and n_0, ..., n_L (widths); `dims(N)` gives their
    values for the problem.  `gradients` maps each parameter key to the Step holding
    ∂L/∂P in the parameter's display shape.
    """

    def __init__(self, net: Network) -> None:
        self.net = net
        self.N = sp.Symbol("N", integer=True, positive=True)
        self.n = [sp.Symbol(f"n_{l}", integer=True, positive=True) for l in range(len(net.layers) + 1)]
        col = net.layout == "column"
        self.inputs: dict[str, MatrixSymbol] = {}
        for p in net.params.values():
            r, c = p.internal
            rs = self._dim(r, p, 0)
            cs = self._dim(c, p, 1)
            self.inputs[p.name] = MatrixSymbol(p.name, rs, cs)
        self.inputs["X"] = MatrixSymbol("X", self.N, self.n[0])
        self.inputs["T"] = MatrixSymbol("T", self.N, self.n[-1])
        if net.sample_weights:
            self.inputs["S"] = MatrixSymbol("S", self.N, 1)
        self.steps: list[Step] = []
        self.gradients: dict[str, Step] = {}
        N, axis = self.N, net.axis
        ones_n = OneMatrix(N, 1)
        a_prev: MatrixExpr = self.inputs["X"].T if col else self.inputs["X"]
        zs, as_ = {}, {0: a_prev}
        for l, layer in enumerate(net.layers, start=1):
            w, b = net.layer_params(l)
            W = self.inputs[w.name]
            z = W * as_[l - 1] if col else as_[l - 1] * W
            if b is not None:
                B = self.inputs[b.name]
                z = z + (B * ones_n.T if col else ones_n * B)
            zs[l] = self._let(f"Z{l}", z, rf"Z^{{({l})}}", "forward")
            as_[l] = self._let(f"A{l}", layer.act.forward_matrix(zs[l], axis, layer.act_args),
                               rf"A^{{({l})}}", "forward")
        L = len(net.layers)
        targets = self.inputs["T"].T if col else self.inputs["T"]
        output_gradient = net.loss.output_gradient(as_[L], targets, N, axis)
        if net.sample_weights:  # each sample's column (row) of dL/dY times its weight
            weights = self.inputs["S"]
            spread = OneMatrix(self.n[-1], 1) * weights.T if col else weights * OneMatrix(1, self.n[-1])
            output_gradient = HadamardProduct(spread, output_gradient)
        g = self._let("G", net.gradient_factor(N) * output_gradient,
                      r"\frac{\partial L}{\partial Y}", "output-gradient")
        l2 = dict(net.l2)
        for l in range(L, 0, -1):
            layer = net.layers[l - 1]
            delta = self._let(f"Delta{l}", layer.act.backward_matrix(zs[l], as_[l], g, axis, layer.act_args),
                              rf"\Delta^{{({l})}}", "delta")
            w, b = net.layer_params(l)
            W = self.inputs[w.name]
            dw = delta * as_[l - 1].T if col else as_[l - 1].T * delta
            self._gradient(w.name, dw, l2)
            if b is not None:
                self._gradient(b.name, delta * ones_n if col else ones_n.T * delta, l2)
            if l > 1:
                g = self._let(f"G{l - 1}", W.T * delta if col else delta * W.T,
                              rf"\frac{{\partial L}}{{\partial A^{{({l - 1})}}}}", "delta")

    def _dim(self, size: int, p: Any, which: int) -> sp.Symbol:
        """The size symbol for dimension `which` of parameter p's internal shape."""
        l = p.layer
        col = self.net.layout == "column"
        if p.role == "weight":
            return (self.n[l] if which == 0 else self.n[l - 1]) if col else (
                self.n[l - 1] if which == 0 else self.n[l])
        return (self.n[l] if which == 0 else sp.S.One) if col else (sp.S.One if which == 0 else self.n[l])

    def _let(self, name: str, expr: MatrixExpr, latex: str, role: str) -> MatrixSymbol:
        sym = MatrixSymbol(name, *expr.shape)
        self.steps.append(Step(sym, expr, latex, role))
        return sym

    def _gradient(self, key: str, expr: MatrixExpr, l2: dict[str, sp.Rational]) -> None:
        if key in l2:
            expr = expr + l2[key] * self.inputs[key]
        spec = self.net.params[key]
        if spec.shape != spec.internal:
            expr = expr.T
        self._let(f"d{key}", expr, rf"\frac{{\partial L}}{{\partial {spec.latex}}}", "gradient")
        self.gradients[key] = self.steps[-1]

    def dims(self, n_samples: int) -> dict[sp.Symbol, int]:
        """The size symbols' values for this network and a batch of `n_samples`."""
        return {self.N: n_samples, **dict(zip(self.n, self.net.widths, strict=True))}

    def run(
        self, inputs: dict[str, Any], n_samples: int, backend: Backend, roles: frozenset[str] | None = None
    ) -> dict[str, Any]:
        """Evaluate every step in order (only those of the given roles, e.g. {"forward"});
        returns the values of the steps and the inputs."""
        env = dict(inputs)
        dims = self.dims(n_samples)
        for step in self.steps:
            if roles is None or step.role in roles:
                env[step.symbol.name] = evaluate(step.expr, env, dims, backend)
        return env

    @cached_property
    def compiled(self) -> CompiledEvaluator:
        """The generated NumPy evaluator of these steps (one module per batch size)."""
        return CompiledEvaluator(self)

    def numeric_gradients(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Float gradients (display shapes) from float inputs in internal shapes, by the generated
        NumPy code: float32 when every input is float32, float64 otherwise."""
        return self.compiled.gradients(inputs)

    def numeric_forward(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The forward steps' values (Z1, A1, ...) from float inputs in internal shapes."""
        return self.compiled.forward(inputs)

    def exact_gradients(self, inputs: dict[str, sp.Matrix]) -> dict[str, sp.Matrix]:
        """Explicit SymPy gradients (display shapes) from explicit internal-shape inputs."""
        n = inputs["X"].shape[0]
        env = self.run(inputs, n, ExactBackend())
        return {k: env[f"d{k}"] for k in self.gradients}
