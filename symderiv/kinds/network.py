"""Network problems (kind = "network"): a model, its data, and claims about L and ∂L/∂P.

File format (TOML; decimals are read exactly from their text):

    title = "Seed 002 Problem 1: two-layer ReLU network"
    source = "002_ba49f99c153fcea9.txt"
    kind = "network"

    [model]
    layout = "column"          # "column": z = W x + b;  "row": z = x W + b
    inputs = 4                 # input width
    loss = "half_sse"          # see symderiv.core.ops.LOSSES, or the loss as the sheet writes it:
    # loss = 'L = \\frac{1}{2N}\\sum_{n=1}^{N} \\|\\hat{y}_n - t_n\\|^2 + \\frac{\\lambda}{2}\\|W^{(1)}\\|_F^2'
    #   read through [notation] (\\lambda = '0.1' there; N is the batch); supported: a registered per-sample
    #   loss of the output (squared error, softmax or sigmoid cross-entropy of the logits) times a number
    #   or a number over N, plus L2 penalties on any parameters (kinds/network_loss.py); anything else is
    #   an error naming the part that does not fit
    batch = 3                  # samples N (default: the rows of data.X)
    forward = ['z = W^{(1)} x + b^{(1)}', ...]   # optional: the sheet's forward equations, as written;
                               # `solve` judges each (through [notation]) and refuses to print if one fails
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
from dataclasses import replace
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import sympy as sp

from ..core.errors import SymderivError
from ..core.exact import agrees_to_written_precision, decimals_written, numeric_cells, read_numeric_latex
from ..core.network import Network
from ..core.numeric import exact_decimal, to_nested
from ..core.verdict import Verdict
from ..notation import NotationTable, judge_claim, judge_shape
from .base import Claim, Fields, OptionSpec, Problem, Solution, problem_kind
from .network_file import read_network
from .network_reduced import reduced_copy
from .network_scope import NetworkScope
from .network_values import ELEMENTWISE_LIMIT, Check, NetworkValues

#: Up to this many entries, `solve` writes each gradient entry's element-wise formula by default.
ELEMENTWISE_DISPLAY_LIMIT = 60

_TARGET = re.compile(r"^d\s*L\s*/\s*d\s*(\w+)$")


@problem_kind("network")
class NetworkProblem(NetworkValues, Problem):
    """A feed-forward network, its loss, data, and the student's claims about them."""

    claim_options: ClassVar[dict[str, OptionSpec]] = {"where": dict, "free": dict, "at": ("data",), "of": str}

    def __init__(self, header: Fields, claims: list[Claim], net: Network, values: dict[str, sp.Matrix],
                 batch: int, given: set[str], notation: Any = None, forward: tuple[str, ...] = ()) -> None:
        super().__init__(header, claims)
        self.net, self.values, self.batch, self.given = net, values, batch, given
        self.notation, self.forward = notation, forward

    @classmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> NetworkProblem:
        f = read_network(doc)
        return cls(doc, claims, f.net, f.values, f.batch, f.given, f.notation, f.forward)

    def verify(self, seed: int = 0) -> list[Check]:
        """The checks of NetworkValues.verify, and that each stated forward equation holds for the model."""
        checks = super().verify(seed)
        if self.forward:
            claims = [Claim(f"model.forward[{i + 1}]", "", eq) for i, eq in enumerate(self.forward)]
            failed = [v for v in self.check(claims) if v.verdict != "correct"]
            detail = "; ".join(f"{v.id} {v.latex!r} is {v.verdict}: {v.message}" for v in failed)
            checks.append(Check("the forward equations stated in model.forward hold for the layers", "judged as "
                                "claims (symderiv.notation)", not failed, detail or f"{len(claims)} equations"))
        return checks

    # ------------------------------------------------------------------ solve
    def solve(self, elementwise: bool | None = None) -> Solution:
        """Loss, gradients (exact for small networks), matrix form, checks; the element-wise
        formula of every gradient entry when `elementwise` (by default: for small networks)."""
        checks = self.verify()
        if not all(c.passed for c in checks):
            failed = "; ".join(f"{c.what}: {c.method} {c.detail}" for c in checks if not c.passed)
            raise SymderivError(f"{self.path}: refusing to print unverified results: {failed}")
        data: dict[str, Any] = {"title": self.title, "source": self.source, "kind": self.kind}
        if self.net.loss_formula is not None:  # the structured loss the formula was proved to be
            data["loss_formula"] = {
                "latex": self.net.loss_formula, "loss": self.net.loss_name, "factor": str(self.net.loss_scale),
                "batch_mean": self.net.batch_mean, "sample_weights": self.net.sample_weights,
                "l2": {k: str(c) for k, c in self.net.l2}, "reading": self.net.loss_summary,
            }
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
        return Solution(self.title, data)

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
            return replace(verdict, message=f"{verdict.message} [{reduced['note']}]".strip(),
                           details={**verdict.details, "reduced": reduced})
        return verdict

    @cached_property
    def _formula_scope(self) -> tuple[Any, Any, dict[str, Any] | None] | None:
        """The scope formulas are bound to, the notation table for it, and what was reduced:
        the network itself when it is small; with `[notation] reduce`, a smaller copy (same
        layers, activations, loss) whose widths and batch the table maps the full ones to."""
        table = (self.notation if self.notation is not None else NotationTable.from_dict({})).with_conventions(
            self.conventions)
        spec = table.options.get("reduce", {})
        if not spec:
            return (NetworkScope(self.net, self.batch), table, None) if self.small else None
        copy = reduced_copy(self.net, self.batch, spec, self.path)
        return NetworkScope(copy.net, copy.batch), table.at_sizes(copy.sizes), copy.details

# ---------------------------------------------------------------------- numbers claimed

def judge_numbers(claim: Claim, expected: sp.Matrix, claimed: sp.Matrix) -> Verdict:
    """Compare a claimed number matrix with the exact truth, to the digits written.

    Shapes first (a 1x3 answer for a 3x1 vector is accepted as the same vector; any
    other difference is wrong); then each entry must equal the truth or be the truth
    rounded to the number of decimals the student wrote.
    """
    shown = {"expected": _value(expected), "claimed": _value(claimed)}
    if claimed.shape != expected.shape:
        if claimed.shape == expected.shape[::-1] and 1 in expected.shape:
            claimed = claimed.T
        else:
            return Verdict(claim.id, claim.target, claim.latex, "incorrect", mistake="wrong shape",
                           message=f"shape {claimed.rows}x{claimed.cols} claimed, but the gradient has "
                                   f"shape {expected.rows}x{expected.cols}", **shown)
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
        return Verdict(claim.id, claim.target, claim.latex, "incorrect",
                       message=f"{len(wrong)} of {expected.rows * expected.cols} entries differ; entry "
                               f"({i + 1},{j + 1}) is {exact_decimal(expected[i, j])}, not "
                               f"{exact_decimal(claimed[i, j])}",
                       counterexample={"entry": [i + 1, j + 1], "expected": expected[i, j], "claimed": claimed[i, j]},
                       mistake=_numeric_mistake(expected, claimed), **shown)
    exact = all(expected[idx] == claimed[idx] for idx in np.ndindex(*expected.shape))
    return Verdict(claim.id, claim.target, claim.latex, "correct",
                   message="equal exactly" if exact else "equal to the digits written", **shown)


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


def _value(m: sp.Matrix) -> sp.Expr | sp.ImmutableMatrix:
    """A 1x1 matrix as its number, any other as an immutable matrix (a verdict's value)."""
    return m[0, 0] if m.shape == (1, 1) else sp.ImmutableMatrix(m)
