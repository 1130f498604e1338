"""Network problems (kind = "network"): a model, its data, and claims about L and ∂L/∂P.

File format (TOML; decimals are read exactly from their text):

    title = "Seed 002 Problem 1: two-layer ReLU network"
    source = "002_ba49f99c153fcea9.txt"
    kind = "network"

    [model]
    layout = "column"          # "column": z = W x + b;  "row": z = x W + b
    inputs = 4                 # input width
    loss = "half_sse"          # see symderiv.core.ops.LOSSES
    batch = 3                  # samples N (default: the rows of data.X)
    layers = [
      { units = 2, activation = "tanh", weight = "W1", bias = "b1" },
      { units = 1, activation = "identity", weight = "w2", bias = "b2" },
    ]
    l2 = { coef = "0.1", params = ["W1"] }   # optional: + coef/2 ||W1||²

    [sizes]                    # optional symbolic widths: units = "d" in a layer
    d = 100

    [params.W1]
    latex = 'W^{(1)}'          # display name
    value = [[-0.6, 0.7, 0.9, -0.3], [0.4, 0.5, -1.0, 0.1]]
    shape = [2, 4]             # optional display shape (a vector may be transposed)

    [data]
    X = [[0.2, -0.4, 0.1, 0.5], ...]   # one sample per row
    T = [-0.5, 0.1, 0.8]               # one target (row) per sample

    [[claims]]
    id = "P1.loss"
    target = "L"               # or "dL/dW1": ∂L/∂(parameter key)
    latex = '1.0185'           # verbatim; a number/matrix, or a formula (notation layer)
    where = { 'l_1(\\mathbf{x})' = '\\sum_i (y_i - x_i)^2' }  # optional: the student's own names
    free = { '\\mathbf{x}' = 10 }  # optional: the claim's own free variables (size or [rows, cols])
    at = "data"                # optional: a statement about the problem's numbers (Z = [[-0.86, ...]]),
                               # judged exactly at the given values instead of at random points

    target = "shape"           # a claim about a shape: of = 'f(Z)', latex = 'column vector'
                               # ('row vector (of size n)', 'r x c matrix', 'scalar')

Formula claims are bound through `[notation]` (symderiv.notation; the names the network
declares are listed in kinds/network_scope.py). A network too large
to write out entry by entry is judged on a smaller copy when the table says how small,
`reduce = { inputs = 12, units = [11, 10], batch = 1 }` (best keeping the order of the widths,
784 > 100 > 10, so that an index fits a vector exactly where it does at full size); the
verdict says so.  An index function of the table, `'o(i,j)' = '(i-1)d + j'`, may declare
the ranges of its arguments, `domains = { o = [10, 'd'] }`, and a claim may define an index
through it, `where = { k = 'o(i^*, j^*)' }` (then i^* and j^* are the claim's free indices).

Without `value`s or `data`, parameters and data are drawn at random (seeded) for the
numeric checks.  Every printed gradient has been checked: the element-wise and matrix
forms are proved identical in SymPy and agree with central finite differences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import sympy as sp

from ..core.backprop import MatrixForm
from ..core.errors import NotationError, SymderivError, Timeout
from ..core.exact import agrees_to_written_precision, decimals_written, numeric_cells, read_numeric_latex
from ..core.limits import NETWORK_MAX_BATCH, NETWORK_MAX_DEPTH, NETWORK_MAX_WIDTH, PROBLEM_MAX_ENTRIES
from ..core.matrixeval import ExactBackend
from ..core.netproof import PROOF_SECONDS, cached_proof, prove_network
from ..core.network import Layer, Network, SymbolicNet
from ..core.numeric import (
    central_differences,
    directional_difference,
    exact_decimal,
    random_rational_matrix,
    to_nested,
)
from ..core.ops import ACTIVATIONS, LOSSES
from ..core.timebound import bounded
from ..core.verdict import Verdict
from ..notation import NotationTable, judge_claim, judge_shape, read_notation
from ..notation.unparse import display_name
from .base import HEADER_KEYS, Claim, Fields, OptionSpec, Problem, Solution, problem_kind
from .network_scope import NOTATION_OPTIONS, NetworkScope

#: Above this many loss entries (parameters + data), nothing is expanded element-wise.
ELEMENTWISE_LIMIT = 400
#: Up to this many entries, `solve` writes each gradient entry's element-wise formula by default.
ELEMENTWISE_DISPLAY_LIMIT = 60

_TARGET = re.compile(r"^d\s*L\s*/\s*d\s*(\w+)$")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass
class Check:
    """One verification performed before a result is shown."""

    what: str
    method: str
    passed: bool
    detail: str = ""


@problem_kind("network")
class NetworkProblem(Problem):
    """A feed-forward network, its loss, data, and the student's claims about them."""

    claim_options: ClassVar[dict[str, OptionSpec]] = {"where": dict, "free": dict, "at": ("data",), "of": str}

    def __init__(self, header: Fields, claims: list[Claim], net: Network, values: dict[str, sp.Matrix],
                 batch: int, given: set[str], notation: Any = None) -> None:
        super().__init__(header, claims)
        self.net, self.values, self.batch, self.given = net, values, batch, given
        self.notation = notation

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> NetworkProblem:
        doc.check_keys(HEADER_KEYS | {"model", "params", "data", "sizes", "notation"})
        model = doc.table("model")
        model.check_keys({"layout", "inputs", "loss", "layers", "batch", "l2"})
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
        loss_name = model.choice("loss", list(LOSSES))
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
        data.check_keys({"X", "T"})
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
        for spec in net.params.values():
            pt = params_t.table(spec.name, None)
            if pt.has("value"):
                values[spec.name] = pt.matrix("value", spec.shape)
                given.add(spec.name)
        notation = None
        if doc.has("notation"):
            notation = _read_notation(doc)
        return cls(doc, claims, net, values, batch, given, notation)

    # ------------------------------------------------------------------ points
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
        for k, cols in (("X", self.net.n_in), ("T", self.net.n_out)):
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
        return {**out, "X": pt["X"], "T": pt["T"]}

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
        total = sp.Add(*[loss.per_sample(list(y.row(k)), list(pt["T"].row(k))) for k in range(self.batch)])
        if loss.mean:
            total /= self.batch
        return total + sp.Add(*[c / 2 * sum(e**2 for e in pt[p]) for p, c in self.net.l2])

    def numeric_loss(self, inputs: dict[str, np.ndarray]) -> float:
        """The batch loss in float64 from internal-shape inputs (forward steps only)."""
        y = self.matrix_form.numeric_forward(inputs)[f"A{len(self.net.layers)}"]
        t = inputs["T"].T if self.net.layout == "column" else inputs["T"]
        value = self.net.loss.numpy(y, t, self.net.axis)
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

    # ------------------------------------------------------------------ solve
    def solve(self, elementwise: bool | None = None) -> Solution:
        """Loss, gradients (exact for small networks), matrix form, checks; the element-wise
        formula of every gradient entry when `elementwise` (by default: for small networks)."""
        checks = self.verify()
        if not all(c.passed for c in checks):
            failed = "; ".join(f"{c.what}: {c.method} {c.detail}" for c in checks if not c.passed)
            raise SymderivError(f"{self.path}: refusing to print unverified results: {failed}")
        data: dict[str, Any] = {"title": self.title, "source": self.source, "kind": self.kind}
        have_all = self.given >= {"X", "T", *self.net.params}
        mf = self.matrix_form
        data["matrix_form"] = {
            "steps": [{"name": s.symbol.name, "latex": s.latex, "expr": sp.latex(s.expr)} for s in mf.steps],
            "gradients": {k: sp.latex(s.expr) for k, s in mf.gradients.items()},
        }
        if have_all and self.small:
            loss, grads = self.exact_values(self.point())
            data["loss"] = float(loss)
            data["loss_exact"] = exact_decimal(loss)
            data["gradients"] = {k: to_nested(g) for k, g in grads.items()}
            data["gradients_exact"] = {k: to_nested(g, exact_decimal) for k, g in grads.items()}
        elif have_all:
            inputs = self.numeric_point()
            data["loss"] = self.numeric_loss(inputs)
            data["gradients"] = {k: to_nested(g) for k, g in mf.numeric_gradients(inputs).items()}
        if elementwise or (elementwise is None and self.entries <= ELEMENTWISE_DISPLAY_LIMIT):
            if not self.small:
                raise SymderivError(f"{self.path}: element-wise formulas are written out for networks of at most "
                                    f"{ELEMENTWISE_LIMIT} entries (parameters and data); this one has {self.entries}")
            sym = self.symbolic_net
            data["elementwise"] = {k: to_nested(sym.gradient(k), sp.latex) for k in self.net.params}
        data["checks"] = [c.__dict__ for c in checks]
        return Solution(self.title, data, _solution_text(self, data))

    # ------------------------------------------------------------------ claims
    def targets(self) -> list[str]:
        return ["L", *(f"dL/d{k}" for k in self.net.params), "shape"]

    def resolve_target(self, target: str) -> str:
        """'L' or the parameter key of 'dL/dKEY'; an error lists the known targets."""
        t = target.strip()
        if t == "L":
            return "L"
        m = _TARGET.match(t)
        if m and m.group(1) in self.net.params:
            return m.group(1)
        raise SymderivError(f"unknown target {target!r}; known: {', '.join(self.targets())}")

    def truth(self, key: str, pt: dict[str, sp.Matrix] | None = None) -> sp.Matrix:
        """The exact value of target `key` ('L' or a parameter key) at a point."""
        if self.small:
            loss, grads = self.exact_values(pt) if pt is not None else self._truth_at_data
            grads = {k: sp.Matrix(g) for k, g in grads.items()}  # the caller's own copy
        else:
            inputs = self._numeric_inputs(pt) if pt is not None else self.numeric_point()
            grads = {k: sp.Matrix(v) for k, v in self.matrix_form.numeric_gradients(inputs).items()}
            loss = sp.Float(self.numeric_loss(inputs))
        return sp.Matrix([[loss]]) if key == "L" else grads[key]

    @cached_property
    def _truth_at_data(self) -> tuple[sp.Expr, dict[str, sp.ImmutableMatrix]]:
        """The loss and gradients at `point()` (the problem's values), found once for every claim."""
        loss, grads = self.exact_values(self.point())
        return loss, {k: sp.ImmutableMatrix(g) for k, g in grads.items()}

    @cached_property
    def _data_values(self) -> dict[sp.Symbol, sp.Rational]:
        """The problem's values (`point()`) by the symbols of the formula scope, found once."""
        scope = self._formula_scope[0]
        return {s: v for name, m in self.point().items() for s, v in zip(scope.quantity(name), m, strict=True)}

    def judge(self, claim: Claim) -> Verdict:
        if claim.target == "shape":
            return self._judge_shape(claim)
        numbers = read_numeric_latex(claim.latex)
        if numbers is None:
            return self._judge_formula(claim)
        key = self.resolve_target(claim.target)
        if not self.given >= {"X", "T", *self.net.params}:
            return Verdict(claim.id, claim.target, claim.latex, "undecided",
                           message="a number was claimed but the problem gives no data to compare it with")
        expected = self.truth(key)
        return judge_numbers(claim, expected, numbers)

    def _judge_shape(self, claim: Claim) -> Verdict:
        """`target = "shape"`, `of = 'f(Z)'`: the shape of a quantity, as the student states it."""
        of = claim.options.get("of")
        if not isinstance(of, str) or self._formula_scope is None:
            return Verdict(claim.id, claim.target, claim.latex, "error",
                           message="a shape claim needs `of`, the LaTeX of the quantity (and a network small "
                                   "enough to write out, or [notation] reduce)")
        scope, table, _reduced = self._formula_scope
        return judge_shape(scope, table, claim, of)

    def _judge_formula(self, claim: Claim) -> Verdict:
        if self._formula_scope is None:
            return Verdict(claim.id, claim.target, claim.latex, "undecided",
                           message="the network is too large to write out entry by entry; give "
                                   "[notation] reduce = { inputs = ..., units = [...], batch = ... } "
                                   "to judge formulas on a smaller copy")
        scope, table, reduced = self._formula_scope
        free = claim.options.get("free")
        if free:
            try:
                scope, table = table.with_free(scope, dict(free))
            except (ValueError, TypeError, SymderivError) as exc:
                return Verdict(claim.id, claim.target, claim.latex, "error", message=f"free: {exc}")
        has_data = not reduced and self.given >= {"X", "T", *self.net.params}
        data = dict(self._data_values) if has_data else None
        at = None
        if claim.options.get("at") is not None:
            if claim.options["at"] != "data":
                return Verdict(claim.id, claim.target, claim.latex, "error",
                               message=f"at: unknown value {claim.options['at']!r}; known: data")
            if data is None:
                return Verdict(claim.id, claim.target, claim.latex, "undecided",
                               message="a statement about the data, but the problem gives no data to "
                                       "evaluate it at (or is judged on a reduced copy)")
            at = data
        verdict = judge_claim(scope, table, claim, at, data)
        if reduced:
            verdict.message = f"{verdict.message} [{reduced['note']}]".strip()
            verdict.details["reduced"] = reduced
        return verdict

    @cached_property
    def _formula_scope(self) -> tuple[Any, Any, dict[str, Any] | None] | None:
        """The scope formulas are bound to, the notation table for it, and what was reduced:
        the network itself when it is small; with `[notation] reduce`, a smaller copy (same
        layers, activations, loss) whose widths and batch the table maps the full ones to."""
        table = self.notation if self.notation is not None else NotationTable.from_dict({})
        spec = table.options.get("reduce", {})
        if not spec:
            return (NetworkScope(self.net, self.batch), table, None) if self.small else None
        units = spec.get("units", tuple(min(layer.units, 3) for layer in self.net.layers))
        if len(units) != len(self.net.layers):
            raise SymderivError(f"{self.path}: [notation] reduce.units needs one width per layer "
                                f"({len(self.net.layers)}), got {len(units)}")
        n_in, batch = spec.get("inputs", min(self.net.n_in, 3)), spec.get("batch", min(self.batch, 2))
        full = [self.net.n_in, *(layer.units for layer in self.net.layers), self.batch]
        small = [n_in, *units, batch]
        if any(s > f for s, f in zip(small, full, strict=True)):
            raise SymderivError(f"{self.path}: [notation] reduce must not enlarge the network: "
                                f"{_sizes_text(small)} for {_sizes_text(full)}")
        net = _reduced(self.net, n_in, tuple(units))
        mapped = sorted({(f, s) for f, s in zip(full, small, strict=True) if f != s}, reverse=True)
        note = (f"judged at a reduced size: {_sizes_text(small)} for the problem's {_sizes_text(full)}"
                + (f"; sizes written {', '.join(f'{f} as {s}' for f, s in mapped)}" if mapped else "")
                + "; the formulas are size-generic")
        reduced = {"widths": small[:-1], "batch": batch, "full_widths": full[:-1], "full_batch": self.batch,
                   "note": note}
        return NetworkScope(net, batch), table.at_sizes(list(zip(full, small, strict=True))), reduced


# ---------------------------------------------------------------------- helpers

def judge_numbers(claim: Claim, expected: sp.Matrix, claimed: sp.Matrix) -> Verdict:
    """Compare a claimed number matrix with the exact truth, to the digits written.

    Shapes first (a 1x3 answer for a 3x1 vector is accepted as the same vector; any
    other difference is wrong); then each entry must equal the truth or be the truth
    rounded to the number of decimals the student wrote.
    """
    base = Verdict(claim.id, claim.target, claim.latex, "correct",
                   expected=_show(expected), claimed=_show(claimed))
    if claimed.shape != expected.shape:
        if claimed.shape == expected.shape[::-1] and 1 in expected.shape:
            claimed = claimed.T
        else:
            base.verdict = "incorrect"
            base.mistake = "wrong shape"
            base.message = (f"shape {claimed.rows}x{claimed.cols} claimed, but the gradient has "
                            f"shape {expected.rows}x{expected.cols}")
            return base
    cells = numeric_cells(claim.latex)
    if cells is not None and (len(cells), len(cells[0])) != claimed.shape:
        cells = [list(r) for r in zip(*cells, strict=True)]
    wrong = []
    for idx in np.ndindex(*expected.shape):
        dec = decimals_written(cells[idx[0]][idx[1]]) if cells else None
        if not agrees_to_written_precision(expected[idx], claimed[idx], dec):
            wrong.append(idx)
    if wrong:
        i, j = wrong[0]
        base.verdict = "incorrect"
        base.message = (f"{len(wrong)} of {expected.rows * expected.cols} entries differ; entry "
                        f"({i + 1},{j + 1}) is {exact_decimal(expected[i, j])}, not {exact_decimal(claimed[i, j])}")
        base.counterexample = {"entry": [i + 1, j + 1], "expected": exact_decimal(expected[i, j]),
                               "claimed": exact_decimal(claimed[i, j])}
        base.mistake = _numeric_mistake(expected, claimed)
    else:
        exact = all(expected[idx] == claimed[idx] for idx in np.ndindex(*expected.shape))
        base.message = "equal exactly" if exact else "equal to the digits written"
    return base


def _numeric_mistake(expected: sp.Matrix, claimed: sp.Matrix) -> str | None:
    if claimed == -expected:
        return "sign"
    nz = [(e, c) for e, c in zip(expected, claimed, strict=True) if e != 0]
    if nz and all(c != 0 for _, c in nz):
        ratios = {sp.nsimplify(sp.Rational(c) / e, rational=True) for e, c in nz}
        if len(ratios) == 1:
            return f"constant factor {ratios.pop()}"
    if expected.rows == expected.cols and claimed == expected.T:
        return "transpose"
    return None


def _show(m: sp.Matrix) -> str:
    if m.shape == (1, 1):
        return exact_decimal(m[0, 0])
    return str(to_nested(m, exact_decimal)).replace("'", "")


def _np(m: np.ndarray) -> np.ndarray:
    return np.asarray(m, dtype=float)


def _internal_np(spec: Any, g: np.ndarray) -> np.ndarray:
    g = np.asarray(g)
    return g if g.shape == spec.internal else g.T


def _exact() -> Any:
    return ExactBackend()


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


def _reduced(net: Network, inputs: int | None = None, units: tuple[int, ...] | None = None) -> Network:
    """The same network (layers, activations, loss, layout) with smaller widths: the given
    input width and layer widths, by default every width at most 3 (for a symbolic proof of
    the form, and for judging size-generic formulas)."""
    widths = units if units is not None else tuple(min(layer.units, 3) for layer in net.layers)
    layers = tuple(Layer(w, layer.activation, layer.weight, layer.bias, layer.alpha)
                   for w, layer in zip(widths, net.layers, strict=True))
    shapes = tuple((k, s if 1 in s else None) for k, s in net.display_shapes)
    n_in = inputs if inputs is not None else min(net.n_in, 3)
    small = Network(n_in, layers, net.layout, net.loss_name, net.l2, net.latex_names, ())
    fixed = []
    for k, s in shapes:
        if s is not None:
            internal = small.params[k].internal
            fixed.append((k, internal if s == net.params[k].internal else internal[::-1]))
    return Network(small.n_in, layers, net.layout, net.loss_name, net.l2, net.latex_names, tuple(fixed))


def _sizes_text(sizes: list[int]) -> str:
    """[784, 100, 10, 64] -> '784-100-10, N = 64' (widths, then the batch)."""
    return "-".join(map(str, sizes[:-1])) + f", N = {sizes[-1]}"


def _read_notation(doc: Fields) -> Any:
    return read_notation(doc, NOTATION_OPTIONS)


def _solution_text(problem: NetworkProblem, data: dict[str, Any]) -> str:
    net = problem.net
    lines = [problem.title, "=" * len(problem.title)]
    if problem.source:
        lines.append(f"source: {problem.source} {problem.section}".rstrip())
    arch = " -> ".join([str(net.n_in)] + [f"{layer.units} ({layer.activation})" for layer in net.layers])
    lines.append(f"network: {arch}; layout {net.layout} "
                 f"({'z = W x + b' if net.layout == 'column' else 'z = x W + b'}); loss {net.loss_name}; "
                 f"N = {problem.batch}")
    if "loss_exact" in data:
        lines.append(f"L = {data['loss_exact']}")
    elif "loss" in data:
        lines.append(f"L = {data['loss']:.10g}")
    for k, spec in net.params.items():
        lines.append("")
        lines.append(f"dL/d{k}  (shape {spec.shape[0]}x{spec.shape[1]})")
        lines.append(f"  matrix form: {data['matrix_form']['gradients'][k]}")
        if "gradients_exact" in data:
            for row in data["gradients_exact"][k]:
                lines.append("  [" + "  ".join(f"{v:>10}" for v in row) + " ]")
        elif "gradients" in data:
            g = np.asarray(data["gradients"][k])
            lines.append(f"  (float, {g.shape[0]}x{g.shape[1]}; --json for all entries) "
                         f"first entries: {np.array2string(g.ravel()[:4], precision=6)}")
    lines.append("")
    lines.append("backprop steps:")
    for s in problem.matrix_form.steps:
        lines.append(f"  {s.symbol.name} = {s.expr}")
    lines.append("")
    lines.append("verified before printing:")
    for c in data["checks"]:
        lines.append(f"  [{'ok' if c['passed'] else 'FAILED'}] {c['what']}: {c['method']}; {c['detail']}")
    return "\n".join(lines)
