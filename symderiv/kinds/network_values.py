"""The network of a problem at points: exact and float inputs away from kinks, the loss and
gradients there, and the checks made before `solve` prints anything (a proof of the matrix form
for every size, finite differences)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from ..core.backprop import MatrixForm
from ..core.errors import SymderivError, Timeout
from ..core.matrixeval import ExactBackend
from ..core.netproof import PROOF_SECONDS, cached_proof, prove_network
from ..core.network import Network, SymbolicNet
from ..core.numeric import central_differences, directional_difference, random_rational_matrix
from ..core.timebound import bounded

#: Above this many loss entries (parameters + data), nothing is expanded element-wise.
ELEMENTWISE_LIMIT = 400


@dataclass
class Check:
    """One verification performed before a result is shown."""

    what: str
    method: str
    passed: bool
    detail: str = ""


class NetworkValues:
    """The values and checks of a network problem (mixed into NetworkProblem): `net`, the values
    the file fixes, the batch size and which values are given."""

    net: Network
    values: dict[str, sp.Matrix]
    batch: int
    given: set[str]

    @cached_property
    def matrix_form(self) -> MatrixForm:
        return MatrixForm(self.net)

    @property
    def entries(self) -> int:
        """Parameter entries plus data entries (inputs and targets of every sample)."""
        n = sum(r * c for r, c in (p.shape for p in self.net.params.values()))
        return n + self.batch * (self.net.n_in + self.net.n_out)

    @property
    def small(self) -> bool:
        """Whether the loss can be written out entry by entry at the problem's size."""
        return self.entries <= ELEMENTWISE_LIMIT

    def point(self, seed: int = 0, base: bool = True) -> dict[str, sp.Matrix]:
        """Exact values (display shapes) for every parameter and data matrix.

        Given values are kept when `base`; the rest are seeded random k/10, re-drawn
        until no pre-activation of a kinked activation is 0 (judged away from kinks).
        Only for networks small enough to evaluate exactly (see `numeric_point`).
        """
        if not self.small:
            raise SymderivError("exact points are only drawn for small networks")
        rng = np.random.default_rng(seed)
        shapes = {p.name: p.shape for p in self.net.params.values()}
        shapes["X"] = (self.batch, self.net.n_in)
        shapes["T"] = (self.batch, self.net.n_out)
        if self.net.sample_weights:
            shapes["S"] = (self.batch, 1)
        for _ in range(50):
            pt = {k: (self.values[k] if base and k in self.values else random_rational_matrix(rng, *s))
                  for k, s in shapes.items()}
            if not self._on_kink(pt):
                return pt
        return pt

    def numeric_point(self, seed: int = 0) -> dict[str, np.ndarray]:
        """Float inputs (internal shapes): the exact point for a small network; for a large
        one, given values and otherwise standard normal draws (no kink with probability 1)."""
        if self.small:
            return self._numeric_inputs(self.point(seed))
        rng = np.random.default_rng(seed)
        out = {}
        for k, spec in self.net.params.items():
            given = self.values.get(k)
            out[k] = (np.array(spec.to_internal(given).tolist(), dtype=float) if given is not None
                      else rng.standard_normal(spec.internal) / np.sqrt(spec.internal[1 - self.net.axis]))
        for k, cols in (("X", self.net.n_in), ("T", self.net.n_out), *((("S", 1),) if self.net.sample_weights else ())):
            given = self.values.get(k)
            out[k] = (np.array(given.tolist(), dtype=float) if given is not None
                      else rng.standard_normal((self.batch, cols)))
        return out

    def _on_kink(self, pt: dict[str, sp.Matrix]) -> bool:
        kinked = self._kinked_layers()
        if not kinked:
            return False
        env = self.matrix_form.run(self._internal(pt), self.batch, _exact())
        return any(any(v == 0 for v in env[f"Z{l}"]) for l in kinked)

    def _kinked_layers(self) -> list[int]:
        """The layers whose activation has a kink (registry flag `kinked`)."""
        return [l for l, layer in enumerate(self.net.layers, start=1) if layer.act.kinked]

    def _internal(self, pt: dict[str, sp.Matrix]) -> dict[str, sp.Matrix]:
        out = {k: self.net.params[k].to_internal(v) for k, v in pt.items() if k in self.net.params}
        return {**out, **{k: pt[k] for k in ("X", "T", "S") if k in pt}}

    def _numeric_inputs(self, pt: dict[str, sp.Matrix]) -> dict[str, np.ndarray]:
        return {k: np.array(v.tolist(), dtype=float) for k, v in self._internal(pt).items()}

    # ------------------------------------------------------------------ truth
    def exact_values(self, pt: dict[str, sp.Matrix]) -> tuple[sp.Expr, dict[str, sp.Matrix]]:
        """The loss and every gradient at an exact point, by the matrix form (exact back end)."""
        env = self.matrix_form.run(self._internal(pt), self.batch, _exact())
        grads = {k: env[f"d{k}"] for k in self.matrix_form.gradients}
        return self._exact_loss(env, pt), grads

    def _exact_loss(self, env: dict[str, Any], pt: dict[str, sp.Matrix]) -> sp.Expr:
        y = env[f"A{len(self.net.layers)}"]
        y = y.T if self.net.layout == "column" else y
        loss = self.net.loss
        weights = pt["S"] if self.net.sample_weights else sp.ones(self.batch, 1)
        total = sp.Add(*[weights[k] * loss.per_sample(list(y.row(k)), list(pt["T"].row(k)))
                         for k in range(self.batch)])
        total *= self.net.data_factor(sp.Integer(self.batch))
        return total + sp.Add(*[c / 2 * sum(e**2 for e in pt[p]) for p, c in self.net.l2])

    def numeric_loss(self, inputs: dict[str, np.ndarray]) -> float:
        """The batch loss in float64 from internal-shape inputs (forward steps only)."""
        y = self.matrix_form.numeric_forward(inputs)[f"A{len(self.net.layers)}"]
        t = inputs["T"].T if self.net.layout == "column" else inputs["T"]
        if self.net.sample_weights:  # a formula's loss: never a registered mean (its 1/N is the factor's)
            value = sum(float(w) * self.net.loss.numpy(y[n:n + 1] if self.net.axis else y[:, n:n + 1],
                                                        t[n:n + 1] if self.net.axis else t[:, n:n + 1], self.net.axis)
                        for n, w in enumerate(np.ravel(inputs["S"])))
        else:
            value = self.net.loss.numpy(y, t, self.net.axis)
        value *= float(self.net.gradient_factor(sp.Integer(self.batch)))
        return value + sum(float(c) / 2 * float((inputs[p] ** 2).sum()) for p, c in self.net.l2)

    def _signs(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """The sign pattern of the pre-activations of kinked activations (where they switch)."""
        kinked = self._kinked_layers()
        if not kinked:
            return np.zeros(0)
        env = self.matrix_form.numeric_forward(inputs)
        return np.concatenate([np.sign(env[f"Z{l}"]).ravel() for l in kinked])

    @cached_property
    def symbolic_net(self) -> SymbolicNet:
        if not self.small:
            raise SymderivError("this network is too large to write out entry by entry")
        return self.net.symbolic(self.batch)

    # ------------------------------------------------------------------ verification
    def verify(self, seed: int = 0) -> list[Check]:
        """Prove the matrix form equal to the element-wise derivative (for every size, once per
        architecture shape: `symderiv.netproof`), and compare with central finite differences."""
        return [self._proof_check(), self._finite_difference_check(seed)]

    def _proof_check(self) -> Check:
        what = "element-wise gradients = matrix (backprop) form"
        try:
            proof, _source = cached_proof(self.net, lambda net: bounded(prove_network, net, seconds=PROOF_SECONDS))
        except Timeout:
            return Check(what, "undecided: time bound", False,
                         f"the index-form proof ran past {PROOF_SECONDS:g} s of CPU time")
        shape = " -> ".join(layer.activation for layer in self.net.layers)
        detail = (f"for every width and batch size of this architecture ({self.net.layout} layout, {shape}, "
                  f"{self.net.loss_name})")
        return Check(what, proof.method, proof.proved, detail)

    def _finite_difference_check(self, seed: int) -> Check:
        with np.errstate(all="ignore"):  # an overflow is reported as a failed check, not a warning
            return self._finite_differences(seed)

    def _finite_differences(self, seed: int) -> Check:
        what, overflow = "gradients = finite differences of the loss", "a value overflows float64 (inf or nan)"
        inputs = self.numeric_point(seed)
        grads = self.matrix_form.numeric_gradients(inputs)
        if not all(np.isfinite(_np(g)).all() for g in grads.values()):
            return Check(what, "float64 evaluation", False, overflow)
        worst = 0.0
        if self.small:
            method = "central differences, every entry (h = 1e-6)"
            for k, spec in self.net.params.items():
                fd = central_differences(self.numeric_loss, inputs, k)
                if not np.isfinite(fd).all():
                    return Check(what, method, False, overflow)
                worst = max(worst, float(np.max(np.abs(_np(spec.to_display(sp.Matrix(fd))) - _np(grads[k])))))
        else:
            rng = np.random.default_rng(seed + 1)
            tried, used = 0, 0
            while used < 3 and tried < 10:
                tried += 1
                v = {k: rng.standard_normal(inputs[k].shape) for k in self.net.params}
                h = self._step_off_kinks(inputs, v)
                if h is None:
                    continue  # every step along v crosses a kink: finite differences would mislead
                used += 1
                fd = directional_difference(self.numeric_loss, inputs, v, h)
                an = sum(float((_internal_np(self.net.params[k], grads[k]) * v[k]).sum()) for k in v)
                if not (np.isfinite(fd) and np.isfinite(an)):
                    return Check(what, "directional differences", False, overflow)
                worst = max(worst, abs(fd - an) / max(1.0, abs(an)))
            if used < 3:
                return Check("gradients = finite differences of the loss", "directional differences",
                             False, "every direction tried crossed a kink")
            method = "central differences along 3 random directions of all parameters"
        return Check(what, method, bool(np.isfinite(worst) and worst < 1e-4), f"largest deviation {worst:.2e}")

    def _step_off_kinks(self, inputs: dict[str, np.ndarray], v: dict[str, np.ndarray]) -> float | None:
        """The largest step h in 1e-6, 1e-7, 1e-8 for which x ± h v cross no kink (the sign of
        every kinked pre-activation is the same at both ends), or None. With many units and
        samples some pre-activation lies within 1e-6 of a kink; a smaller step still gives
        central differences accurate to ~1e-7 relative in float64."""
        for h in (1e-6, 1e-7, 1e-8):
            plus = {k: a + h * v[k] if k in v else a for k, a in inputs.items()}
            minus = {k: a - h * v[k] if k in v else a for k, a in inputs.items()}
            if np.array_equal(self._signs(plus), self._signs(minus)):
                return h
        return None


def _np(m: np.ndarray) -> np.ndarray:
    return np.asarray(m, dtype=float)


def _internal_np(spec: Any, g: np.ndarray) -> np.ndarray:
    g = np.asarray(g)
    return g if g.shape == spec.internal else g.T


def _exact() -> Any:
    return ExactBackend()
