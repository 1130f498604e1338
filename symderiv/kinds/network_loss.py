"""A network's loss stated as a formula (`loss = 'L = \\frac{1}{2N}\\sum_n ...'`), read into the model.

The formula is read by the notation layer (symderiv.notation: the one grammar) in a scope
whose quantities are the network's output Y (per sample y, and a_L), the targets T (t), the
parameters (by key), the batch size N and the registered element-wise activations by name
(`'\\sigma' = 'sigmoid'`), with the problem's `[notation]` names (each
parameter's `latex` name and \\hat{y}, t are known without one).  Its value at batch sizes 2,
3 and the problem's is then written, exactly, as

    L = c [1/N] Σ_n [s_n] ℓ(y_n, t_n) + Σ_P λ_P/2 ||P||_F²

with s_n the per-sample weights `data.weights` (the formula names them through `[notation]`,
`'\\omega' = 's'`), ℓ a registered per-sample loss (sum of squares, softmax cross-entropy of the logits,
sigmoid binary cross-entropy of the logits), c a rational factor, 1/N a batch mean, and an
L2 penalty on any subset of the parameters, each with its own coefficient.  Every such
reading is proved, not guessed: the formula minus the structured loss expands to 0 (for the
cross-entropy of one-hot targets, once each target row is written as summing to 1).  A
formula of another form (a per-output weight, a loss of the hidden layers, an L1 penalty, a
factor other than c or c/N) is an error naming the part that does not fit.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from fractions import Fraction

import sympy as sp

from ..core.errors import SymderivError, Timeout
from ..core.limits import LOSS_FORMULA_MAX_ENTRIES as MAX_FORMULA_ENTRIES
from ..core.network import Network
from ..core.ops import ACTIVATIONS, LOSSES
from ..core.timebound import bounded
from ..notation import NotationTable
from ..notation import ast as A
from ..notation.binder import Binder
from ..notation.parse import parse
from ..notation.readings import value_read_one_way
from ..notation.scope import Fn, GraphScope
from ..notation.written import name_key
from .network_scope import data_leaves

#: The per-sample losses a formula's data term is matched against, in order (the mean
#: losses are these with a batch mean; half_sse is chosen when the factor has a 1/2).
BASE_LOSSES = ("sse", "softmax_cross_entropy", "sigmoid_binary_cross_entropy")

#: Entries (parameters, outputs, targets) the formula is written out over, at most.

_BATCH = "batch:N"


class LossFormulaError(SymderivError):
    """A loss formula that is not read, or not of a supported form (the message names the part)."""


class LossScope(GraphScope):
    """The quantities a loss formula may use: the output Y (= A_L), the targets T, the parameters, N."""

    def __init__(self, net: Network, n_samples: int) -> None:
        super().__init__(net.layout, n_samples)
        self.net = net
        data_leaves(self, net, n_samples, "Y", net.n_out)
        self._q[f"A{len(net.layers)}"] = self._q["Y"]
        self._q[_BATCH] = sp.ImmutableMatrix([[n_samples]])

    def quantity(self, name: str) -> sp.ImmutableMatrix:
        if name not in self._q:
            raise KeyError(f"{name} (a loss formula may use the output, the targets, the parameters and N)")
        return self._q[name]

    def per_sample(self, name: str) -> str | None:
        """y, a_L, t and s: one sample (row) of Y, T and the weights S."""
        if name in ("y", "t") or (name == "s" and self.net.sample_weights):
            return name.upper()
        return "Y" if name == f"a{len(self.net.layers)}" else None

    def function(self, name: str) -> Fn | None:
        """A registered element-wise activation by its name (`'\\sigma' = 'sigmoid'` in [notation])."""
        act = ACTIVATIONS.get(name)
        if act is None or not act.elementwise or act.parameters:
            return None
        return Fn(act.name, act.function, act.derivative)

    def callable_quantity(self, name: str) -> bool:
        return False


def loss_table(net: Network, table: NotationTable | None) -> NotationTable:
    """The names a loss formula is read with: each parameter's latex name, \\hat{y} and t, then the
    problem's `[notation]` names over them."""
    out = NotationTable.from_dict({r"\hat{y}": "y", "t": "t", **{p.latex: p.name for p in net.params.values()}})
    if table is not None:
        merged = table.with_where({})
        merged.names = {**out.names, **table.names}
        out = merged
    return out


def formula_value(text: str, net: Network, table: NotationTable, n_samples: int) -> tuple[sp.Expr, LossScope]:
    """The formula (`L = ...` or its right side) at batch size `n_samples`, as explicit SymPy."""
    doc = parse(text)
    if len(doc.chains) != 1 or len(doc.chains[0].sides) not in (1, 2) or any(op != "=" for op in doc.chains[0].ops):
        raise LossFormulaError("expected the loss as one expression or 'L = expression'")
    sides = doc.chains[0].sides
    if len(sides) == 2 and name_key(sides[0]) is None:
        raise LossFormulaError("the left side of 'L = ...' must be the loss's name")
    scope = LossScope(net, n_samples)
    at = table.with_where({})
    at.names = {**at.names, "N": A.Canon(0, _BATCH)}
    at.sizes = {**at.sizes, "N": n_samples}
    value = value_read_one_way(lambda: Binder(scope, at, text), lambda b: b.top(sides[-1], {}))
    if isinstance(value, sp.MatrixBase):
        if value.shape != (1, 1):
            raise LossFormulaError(f"the loss is a {value.rows}x{value.cols} matrix, not a scalar")
        value = value[0, 0]
    if not isinstance(value, sp.Expr):
        raise LossFormulaError("the loss formula is not a scalar expression")
    return value, scope


def _penalties(value: sp.Expr, net: Network, scope: LossScope) -> tuple[list[tuple[str, sp.Rational]], sp.Expr]:
    """The L2 coefficients λ_P of the formula (the second derivative by one entry of P) and the
    data term (the formula minus Σ λ_P/2 ||P||², expanded), which must not depend on a parameter."""
    found: list[tuple[str, sp.Rational]] = []
    penalty = sp.S.Zero
    free = value.free_symbols
    for key, spec in net.params.items():
        entries = list(scope.quantity(key))
        if not free & set(entries):
            continue
        coef = sp.diff(value, entries[0], 2)
        if coef.free_symbols or not coef.is_Rational or coef == 0:
            raise LossFormulaError(f"the loss depends on {spec.latex} other than by an L2 penalty "
                                   rf"\frac{{\lambda}}{{2}}\|{spec.latex}\|_F^2 (with a number for \lambda)")
        found.append((key, coef))
        penalty += coef / 2 * sp.Add(*[e**2 for e in entries])
    data = sp.expand(value - penalty)
    for key, spec in net.params.items():
        if data.free_symbols & set(scope.quantity(key)):
            raise LossFormulaError(f"the term in {spec.latex} is not an L2 penalty "
                                   rf"\frac{{\lambda}}{{2}}\|{spec.latex}\|_F^2: its entries do not all carry "
                                   "the same coefficient, or they meet other terms")
    return found, data


def _per_sample_sum(name: str, scope: LossScope) -> sp.Expr:
    """Σ_n [s_n] ℓ(y_n, t_n) for the registered loss `name` (weighted when the file gives weights)."""
    y, t = scope.quantity("Y"), scope.quantity("T")
    w = scope.quantity("S") if scope.net.sample_weights else sp.ones(y.rows, 1)
    return sp.Add(*[w[n] * LOSSES[name].per_sample(list(y.row(n)), list(t.row(n))) for n in range(y.rows)])


def _one_hot_rows(scope: LossScope) -> dict[sp.Symbol, sp.Expr]:
    """Each target row's last entry as 1 minus the others: the target rows of a cross-entropy sum to 1."""
    t = scope.quantity("T")
    return {t[n, t.cols - 1]: 1 - sp.Add(*[t[n, k] for k in range(t.cols - 1)]) for n in range(t.rows)}


def _split_log(arg: sp.Expr) -> sp.Expr | None:
    """log(arg) as a sum of logs of factors, for a rational function whose every factor is a
    polynomial with positive coefficients in positive symbols (so each log is real and the split
    exact); None for any other argument."""
    numer, denom = sp.together(arg).as_numer_denom()
    out = sp.S.Zero
    for part, sign in ((numer, 1), (denom, -1)):
        coeff, factors = sp.factor_list(part)
        if not (coeff.is_Rational and coeff > 0):
            return None
        out += sign * sp.log(coeff)
        for factor, power in factors:
            poly = sp.Poly(factor, *sorted(factor.free_symbols, key=sp.default_sort_key))
            if not factor.free_symbols or not all(c > 0 for c in poly.coeffs()):
                return None
            out += sign * power * sp.log(factor)
    return out


def _in_exp_atoms(e: sp.Expr, outputs: list[sp.Symbol]) -> sp.Expr | None:
    """e with each output y written log(u_y) (u_y > 0), so e^{y} is u_y, and every log split by
    _split_log; None when a log does not split exactly."""
    atoms = {y: sp.Symbol(f"u_{y.name}", positive=True) for y in outputs}
    e = e.rewrite(sp.exp).xreplace({y: sp.log(u) for y, u in atoms.items()})
    logs = {}
    for lg in e.atoms(sp.log):
        split = _split_log(lg.args[0])
        if split is None:
            return None
        logs[lg] = split
    return e.xreplace(logs)


def _is_zero(e: sp.Expr, outputs: list[sp.Symbol]) -> bool:
    """Whether e is identically 0, by a proof (never a sample): expanded as written; else each group
    of its terms that share symbols (one sample's or one output's terms) is shown 0 on its own
    (sufficient: their sum is then 0), with its symbols renamed canonically so that the groups
    of every sample are one proof."""
    expanded = sp.expand(e)
    if expanded == 0:
        return True
    is_output = set(outputs)
    for group in _symbol_groups(expanded):
        symbols = sorted(group.free_symbols, key=sp.default_sort_key)
        renamed = {x: sp.Symbol(f"{'_y' if x in is_output else '_o'}{i}", real=True) for i, x in enumerate(symbols)}
        if not _group_is_zero(group.xreplace(renamed)):
            return False
    return True


def _symbol_groups(e: sp.Expr) -> list[sp.Expr]:
    """The terms of the sum e, joined into groups whose symbol sets are disjoint."""
    merged: list[tuple[set[sp.Symbol], list[sp.Expr]]] = []
    for term in sp.Add.make_args(e):
        symbols = set(term.free_symbols)
        joined = [m for m in merged if m[0] & symbols]
        for m in joined:
            merged.remove(m)
        merged.append((symbols.union(*(m[0] for m in joined)), [term, *(t for m in joined for t in m[1])]))
    return [sp.Add(*terms) for _, terms in merged]


@functools.lru_cache(maxsize=256)
def _group_is_zero(e: sp.Expr) -> bool:
    """One group of terms (symbols _y* outputs, _o* others) identically 0: with e^{y} an atom u_y
    and every log split into logs of positive factors (exact), expanded."""
    atoms = _in_exp_atoms(e, [x for x in e.free_symbols if x.name.startswith("_y")])
    return atoms is not None and sp.expand(atoms) == 0


def _vanishes_at_a_point(e: sp.Expr) -> bool:
    """Whether e is 0 to 30 digits at one rational point: a cheap test that rejects a candidate
    reading before its proof is tried (a rejection only ends in an error, never in an acceptance)."""
    symbols = sorted(e.free_symbols, key=sp.default_sort_key)
    for shift in (0, 1, 2):  # a point where e is finite (a log or a quotient may be singular at one)
        point = {x: sp.Rational((5 * i + shift) % 13 - 6, 9) + sp.Rational(1, 17) for i, x in enumerate(symbols)}
        value = sp.N(e.xreplace(point), 40)
        if value.is_number and value.is_finite:
            return bool(abs(value) < sp.Float("1e-30"))
    return False


def _probe_factor(data: sp.Expr, base: sp.Expr, scope: LossScope) -> sp.Rational | None:
    """The factor c with data = c · base, estimated at one point (a guess the caller proves)."""
    point: dict[sp.Symbol, sp.Expr] = {}
    y, t = scope.quantity("Y"), scope.quantity("T")
    for i, s in enumerate(y):
        point[s] = sp.Rational((7 * i) % 11 - 5, 7)
    for i, s in enumerate(t):
        point[s] = sp.Rational((3 * i) % 5, 4) if t.cols == 1 else sp.S.One if i % t.cols == i // t.cols % t.cols \
            else sp.S.Zero
    if scope.net.sample_weights:
        point.update({w: sp.Rational(i + 2, 3) for i, w in enumerate(scope.quantity("S"))})
    b = sp.N(base.xreplace(point), 40)
    if b == 0 or not b.is_finite:
        return None
    ratio = sp.N(data.xreplace(point), 40) / b
    if not ratio.is_real:
        return None
    guess = Fraction(str(ratio)).limit_denominator(10**6)
    return sp.Rational(guess.numerator, guess.denominator)


def _data_reading(data: sp.Expr, scope: LossScope) -> tuple[str, sp.Rational]:
    """(registered loss, c) with data = c Σ_n ℓ(y_n, t_n), proved; else an error."""
    if data == 0:
        raise LossFormulaError("the loss has no term in the output and the targets")
    for name in BASE_LOSSES:
        base = _per_sample_sum(name, scope)
        factor = _probe_factor(data, base, scope)
        if factor is None or factor == 0:
            continue
        difference = data - factor * base
        if LOSSES[name].one_hot_targets:
            difference = difference.xreplace(_one_hot_rows(scope))
        if _vanishes_at_a_point(difference) and _is_zero(difference, list(scope.quantity("Y"))):
            return name, factor
    raise LossFormulaError(
        "the data term is not a multiple of a registered per-sample loss of the output "
        "(Σ_k (y_k - t_k)², the softmax cross-entropy of the logits y, the sigmoid binary cross-entropy of "
        "the logits y), each sample's weighted by s_n when data.weights are given; a per-output weight, "
        "a loss of another quantity, or another per-sample loss is not supported")


def reading_at(text: str, net: Network, table: NotationTable, n_samples: int) -> tuple[
        str, sp.Rational, list[tuple[str, sp.Rational]]]:
    """The registered loss, the data factor and the L2 coefficients the formula states at batch n."""
    value, scope = formula_value(text, net, table, n_samples)
    l2, data = _penalties(value, net, scope)
    name, factor = _data_reading(data, scope)
    return name, factor, l2


#: CPU seconds reading and proving one loss formula may take.
LOSS_FORMULA_SECONDS = 20.0


def read_loss_formula(text: str, net: Network, table: NotationTable | None, batch: int) -> Network:
    """`read_loss_structure` bounded in CPU time: past LOSS_FORMULA_SECONDS an error, never a guess."""
    try:
        return bounded(read_loss_structure, text, net, table, batch, seconds=LOSS_FORMULA_SECONDS)
    except Timeout:
        raise LossFormulaError(f"undecided: time bound: the loss formula was not read and proved within "
                               f"{LOSS_FORMULA_SECONDS:g} s of CPU time; name a registered loss instead") from None


def read_loss_structure(text: str, net: Network, table: NotationTable | None, batch: int) -> Network:
    """`net` with the loss the formula states (see the module docstring): its registered loss,
    factor, batch mean and L2 penalties, each proved equal to the formula at batch sizes 2, 3 and
    `batch` (at N = 1 the notation may read y_1 as an entry, so a batch of 1 takes the reading of
    2 and 3: a sum over the samples of the same per-sample loss)."""
    entries = sum(p.shape[0] * p.shape[1] for p in net.params.values()) + 2 * max(batch, 2) * net.n_out
    if entries > MAX_FORMULA_ENTRIES:
        raise LossFormulaError(f"the loss formula would be written out over {entries} entries "
                               f"(at most {MAX_FORMULA_ENTRIES}); name a registered loss instead")
    names = loss_table(net, table)
    # batch sizes 2 and 3: at N = 1 a subscript y_1 may be read as an entry, not a sample
    two, three = (reading_at(text, net, names, n) for n in (2, 3))
    if two[0] != three[0] or two[2] != three[2]:
        raise LossFormulaError("the loss is not the same sum of per-sample losses at every batch size")
    if three[1] == two[1]:
        scale, mean = two[1], False
    elif three[1] * 3 == two[1] * 2:
        scale, mean = two[1] * 2, True
    else:
        raise LossFormulaError(f"the factor of the per-sample losses is {two[1]} at N = 2 and {three[1]} at N = 3: "
                               "only a constant factor or a factor over N (a batch mean) is supported")
    if batch > 3:
        at = reading_at(text, net, names, batch)
        if at[0] != two[0] or at[2] != two[2] or at[1] != (scale / batch if mean else scale):
            raise LossFormulaError(f"the loss at the problem's batch size N = {batch} is not the one it is at "
                                   "N = 2 and 3")
    name, l2 = two[0], tuple(two[2])
    if name == "sse" and scale.q % 2 == 0:
        name, scale = "half_sse", scale * 2
    return replace(net, loss_name=name, l2=l2, loss_scale=scale, batch_mean=mean, loss_formula=text)
