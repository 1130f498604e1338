"""Backprop proved for every size: each matrix-form gradient equals ∂L/∂θ_pq in index form.

The network is written in index form with symbolic sizes N, n_0, ..., n_L (column layout
shown; the row layout transposes every batch matrix):

    Z^{(l)}_{kn} = Σ_j W^{(l)}_{kj} A^{(l-1)}_{jn} + b^{(l)}_k,   A^{(l)}_{kn} = f_l(Z^{(l)})_{kn},
    A^{(0)}_{jn} = X_{nj},   L = Σ_{n=1}^{N} ℓ(A^{(L)}_{·n}, T_{n·}) [/ N] + Σ_P c_P/2 Σ_{ij} P_ij²,

each f_l and ℓ taken from its registry entry's index form.  The element-wise side is the
derivative of L by one generic entry θ_pq, by the chain rule over these index expressions
(∂W_kj/∂W_pq = δ_kp δ_jq, SymPy's derivative of each activation); the matrix side is the
(p, q) entry of the backprop step for ∂L/∂θ written out as sums.  The two are equal for every
size when the Kronecker-delta normal form of their difference (symderiv.indexsum) is 0.
Pre-activations Z^{(l)} are atoms on both sides (the matrix form's forward steps are proved to
be these definitions first), and a sum inside a function (Σ_j e^{z_j} of softmax) becomes an
atom named by its canonical form, defined by that sum for the chain rule.

A proof holds for one architecture shape (layout, depth, activations, biases, loss, which
parameters carry an L2 penalty, which vectors are shown transposed), not for its widths or
batch size, so it is cached by that signature (`proof_cache`).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy as sp
from sympy import (
    HadamardPower,
    HadamardProduct,
    Identity,
    MatAdd,
    MatMul,
    MatrixSymbol,
    OneMatrix,
    Transpose,
    ZeroMatrix,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .backprop import MatrixForm
from .indexsum import Undecided, index_symbol, normal_form, to_expr
from .network import Layer, Network
from .version import __version__

Entry = Callable[[sp.Expr], sp.Expr]


def _bound(name: str) -> sp.Dummy:
    return sp.Dummy(name, integer=True, positive=True)


class IndexForms:
    """Atoms of one proof: quantities named by a definition in index form.

    `define(name, placeholders, body)` makes name[i, j] stand for body with the placeholders
    replaced; `lift` turns every sum inside a function or a negative power into such an
    atom, named by the sum's canonical form (bound and free indices renamed by the least
    printed form), so the same sum written twice is the same atom.
    """

    def __init__(self, sizes: set[sp.Symbol], constants: set[sp.Symbol]) -> None:
        self.sizes, self.constants = sizes, constants
        self.definitions: dict[str, tuple[tuple[sp.Symbol, ...], sp.Expr]] = {}
        self._by_text: dict[str, str] = {}
        self._depends: dict[tuple[str, str], bool] = {}

    def define(self, name: str, placeholders: tuple[sp.Symbol, ...], body: sp.Expr) -> None:
        self.definitions[name] = (placeholders, self.lift(body))

    def atom(self, name: str, *indices: sp.Expr) -> sp.Expr:
        return sp.IndexedBase(name)[indices] if indices else sp.Symbol(name)

    def name_of(self, e: sp.Basic) -> str | None:
        """The atom name of e (an entry name[...] or a name), if e is a defined atom."""
        if isinstance(e, sp.Indexed):
            name = str(e.base)
        elif isinstance(e, sp.Symbol):
            name = e.name
        else:
            return None
        return name if name in self.definitions else None

    def expand_atom(self, e: sp.Basic) -> sp.Expr:
        """The definition of atom e at its indices (bound indices fresh: no capture)."""
        name = self.name_of(e)
        assert name is not None
        placeholders, body = self.definitions[name]
        bound = {s: _bound(s.name) for s in _bound_symbols(body)}
        body = body.xreplace(bound)
        indices = e.indices if isinstance(e, sp.Indexed) else ()
        return body.xreplace(dict(zip(placeholders, indices, strict=True)))

    def lift(self, e: sp.Basic, polynomial: bool = True) -> sp.Basic:
        """e with each sum that is not in a polynomial position replaced by its atom."""
        if not isinstance(e, sp.Basic) or not e.has(sp.Sum):
            return e
        if isinstance(e, sp.Sum):
            s = sp.Sum(self.lift(e.function), *e.limits)
            return s if polynomial else self._sum_atom(s)
        if isinstance(e, (sp.Add, sp.Mul)):
            return e.func(*[self.lift(a, polynomial) for a in e.args])
        if isinstance(e, sp.Pow):
            whole = e.exp.is_Integer and e.exp > 0
            return sp.Pow(self.lift(e.base, polynomial and whole), self.lift(e.exp, False))
        return e.func(*[self.lift(a, False) for a in e.args])

    def _sum_atom(self, s: sp.Sum) -> sp.Expr:
        bound = _bound_symbols(s)
        indices = {x for ent in s.atoms(sp.Indexed) for idx in ent.indices for x in idx.free_symbols}
        free = sorted((x for x in s.free_symbols & indices if x not in self.sizes), key=sp.default_sort_key)
        if len(bound) > 4 or len(free) > 3:
            raise Undecided(f"a sum inside a function with too many indices: {sp.sstr(s)}")
        marks_b = [sp.Symbol(f"_B{t}", integer=True, positive=True) for t in range(len(bound))]
        marks_f = [sp.Symbol(f"_P{t}", integer=True, positive=True) for t in range(len(free))]
        best: tuple[str, tuple[sp.Symbol, ...], sp.Expr] | None = None
        for fperm in itertools.permutations(free):
            for bperm in itertools.permutations(bound):
                renamed = s.xreplace({**dict(zip(bperm, marks_b, strict=True)),
                                      **dict(zip(fperm, marks_f, strict=True))})
                text = sp.srepr(renamed)
                if best is None or text < best[0]:
                    best = (text, fperm, renamed)
        assert best is not None
        text, order, body = best
        name = self._by_text.get(text)
        if name is None:
            name = f"S{len(self._by_text) + 1}"
            self._by_text[text] = name
            self.definitions[name] = (tuple(marks_f), body)
        return self.atom(name, *order)

    def depends(self, e: sp.Basic, base: str) -> bool:
        """Whether e depends on the entries of the input `base` (through atoms too)."""
        for x in e.atoms(sp.Indexed, sp.Symbol):
            name = self.name_of(x)
            if name is not None:
                key = (name, base)
                if key not in self._depends:
                    self._depends[key] = False  # no atom is defined through itself
                    self._depends[key] = self.depends(self.definitions[name][1], base)
                if self._depends[key]:
                    return True
            elif isinstance(x, sp.Indexed) and str(x.base) == base:
                return True
        return False


def _bound_symbols(e: sp.Basic) -> list[sp.Symbol]:
    """The bound indices of every sum in e, in order of first appearance."""
    out: list[sp.Symbol] = []
    for s in sp.preorder_traversal(e):
        if isinstance(s, sp.Sum):
            out.extend(lim[0] for lim in s.limits if lim[0] not in out)
    return out


@dataclass
class Derivative:
    """∂e/∂θ_{at} for the input θ = `base`: the chain rule over index expressions."""

    forms: IndexForms
    base: str
    at: tuple[sp.Expr, ...]
    _memo: dict[sp.Basic, sp.Expr] = field(default_factory=dict)

    def __call__(self, e: sp.Basic) -> sp.Expr:
        if not isinstance(e, sp.Basic) or not self.forms.depends(e, self.base):
            return sp.S.Zero
        if e in self._memo:
            return self._memo[e]
        out = self._derive(e)
        self._memo[e] = out
        return out

    def _derive(self, e: sp.Basic) -> sp.Expr:
        if self.forms.name_of(e) is not None:
            return self(self.forms.expand_atom(e))
        if isinstance(e, sp.Indexed):  # an entry of θ itself: ∂θ_ab/∂θ_pq = δ_ap δ_bq
            return sp.Mul(*[sp.KroneckerDelta(a, b) for a, b in zip(e.indices, self.at, strict=True)])
        if isinstance(e, sp.Sum):
            return sp.Sum(self(e.function), *e.limits)
        if isinstance(e, sp.Add):
            return sp.Add(*[self(a) for a in e.args])
        if isinstance(e, sp.Mul):
            terms = []
            for t, a in enumerate(e.args):
                da = self(a)
                if da != 0:
                    terms.append(sp.Mul(*e.args[:t], da, *e.args[t + 1:]))
            return sp.Add(*terms)
        # a function or a power: Σ_i ∂g/∂u_i (SymPy) · ∂u_i/∂θ
        args = e.args
        slots = {t: sp.Dummy(f"u{t}") for t, a in enumerate(args) if self.forms.depends(a, self.base)}
        g = e.func(*[slots.get(t, a) for t, a in enumerate(args)])
        back = {u: args[t] for t, u in slots.items()}
        return sp.Add(*[sp.diff(g, u).xreplace(back) * self(args[t]) for t, u in slots.items()])


class MatrixEntries:
    """Entry (i, j) of a matrix expression of a MatrixForm as a formula with sums.

    Inputs are indexed entries W1[i, j]; forward steps named in `atoms` stay atoms Z1[i, j];
    every other step is written out by its definition.  A dimension of size 1 is index 1.
    """

    def __init__(self, mf: MatrixForm, atoms: set[str]) -> None:
        self.steps = {s.symbol.name: s for s in mf.steps}
        self.atoms = atoms

    def __call__(self, e: sp.Basic, i: sp.Expr, j: sp.Expr) -> sp.Expr:
        if isinstance(e, MatrixSymbol):
            name = e.name
            if name in self.steps and name not in self.atoms:
                return self(self.steps[name].expr, i, j)
            return sp.IndexedBase(name)[i, j]
        if isinstance(e, Transpose):
            return self(e.arg, j, i)
        if isinstance(e, MatAdd):
            return sp.Add(*[self(a, i, j) for a in e.args])
        if isinstance(e, MatMul):
            scalar = sp.Mul(*[a for a in e.args if not a.is_Matrix])
            mats = [a for a in e.args if a.is_Matrix]
            inner = [sp.S.One if m.cols == 1 else _bound("c") for m in mats[:-1]]
            rows, cols = [i, *inner], [*inner, j]
            body = sp.Mul(*[self(m, r, c) for m, r, c in zip(mats, rows, cols, strict=True)])
            limits = [(c, 1, m.cols) for c, m in zip(inner, mats, strict=False) if m.cols != 1]
            return scalar * (sp.Sum(body, *limits) if limits else body)
        if isinstance(e, HadamardProduct):
            return sp.Mul(*[self(a, i, j) for a in e.args])
        if isinstance(e, HadamardPower):
            return self(e.base, i, j) ** e.exp
        if isinstance(e, ElementwiseApplyFunction):
            return e.function(self(e.expr, i, j))
        if isinstance(e, OneMatrix):
            return sp.S.One
        if isinstance(e, Identity):
            return sp.KroneckerDelta(i, j)
        if isinstance(e, ZeroMatrix):
            return sp.S.Zero
        if not e.is_Matrix:
            return e
        raise Undecided(f"no index form for {type(e).__name__}")


@dataclass(frozen=True)
class NetworkProof:
    """The outcome of proving one architecture shape: `proved`, how, and each check's text."""

    proved: bool
    method: str
    checks: tuple[str, ...]


def proof_network(net: Network) -> Network:
    """The architecture shape of `net` as a network to prove: L2 coefficients, leaky-ReLU
    slopes and a stated loss factor become symbols (a proof for every value), widths stay (they are symbols in the
    matrix form; only which vectors are displayed transposed is kept from the shapes)."""
    layers = tuple(Layer(layer.units, layer.activation, layer.weight, layer.bias,
                         sp.Symbol(f"alpha_{l}", positive=True) if layer.alpha is not None else None)
                   for l, layer in enumerate(net.layers, start=1))
    l2 = tuple((name, sp.Symbol(f"c_{name}", positive=True)) for name, _ in net.l2)
    scale = sp.S.One if net.loss_scale == 1 else sp.Symbol("c_loss", positive=True)
    return Network(net.n_in, layers, net.layout, net.loss_name, l2, net.latex_names, net.display_shapes,
                   loss_scale=scale, batch_mean=net.batch_mean, sample_weights=net.sample_weights)


def prove_network(net: Network) -> NetworkProof:
    """Prove, for every batch size and every width, that each gradient of the backprop matrix
    form equals the derivative of the loss by a generic entry, and that its forward steps are
    the network's definitions (see the module docstring)."""
    shape = proof_network(net)
    mf = MatrixForm(shape)
    col = shape.layout == "column"
    sizes = {mf.N, *mf.n}
    constants = {c for _, c in shape.l2} | {layer.alpha for layer in shape.layers if layer.alpha is not None}
    constants |= shape.loss_scale.free_symbols
    forms = IndexForms(sizes, constants)
    n_layers = len(shape.layers)

    def z_atom(l: int, k: sp.Expr, n: sp.Expr) -> sp.Expr:
        return forms.atom(f"Z{l}", k, n) if col else forms.atom(f"Z{l}", n, k)

    def activation(l: int, k: sp.Expr, n: sp.Expr) -> sp.Expr:
        """A^{(l)} of unit k, sample n (A^{(0)} = the input X_{nk})."""
        if l == 0:
            return sp.IndexedBase("X")[n, k]
        layer = shape.layers[l - 1]
        return layer.act.index_entry(lambda kk: z_atom(l, kk, n), k, mf.n[l], layer.act_args)

    k_mark, n_mark = sp.Symbol("_k", integer=True, positive=True), sp.Symbol("_n", integer=True, positive=True)
    for l in range(1, n_layers + 1):
        w, b = shape.layer_params(l)
        j = _bound("j")
        weight = (sp.IndexedBase(w.name)[k_mark, j] if col else sp.IndexedBase(w.name)[j, k_mark])
        body = sp.Sum(weight * activation(l - 1, j, n_mark), (j, 1, mf.n[l - 1]))
        if b is not None:
            body += sp.IndexedBase(b.name)[k_mark, 1] if col else sp.IndexedBase(b.name)[1, k_mark]
        forms.define(f"Z{l}", (k_mark, n_mark) if col else (n_mark, k_mark), body)

    n = _bound("n")
    loss = shape.loss
    if loss.index_form is None:
        return NetworkProof(False, f"no index form for the loss {shape.loss_name!r}", ())
    per_sample = loss.index_form(lambda k: activation(n_layers, k, n), lambda k: sp.IndexedBase("T")[n, k],
                                 mf.n[n_layers])
    if shape.sample_weights:
        per_sample = sp.IndexedBase("S")[n, 1] * per_sample
    total = sp.Sum(per_sample, (n, 1, mf.N)) * shape.data_factor(mf.N)
    for name, coef in shape.l2:
        r, c = _bound("r"), _bound("s")
        rows, cols = mf.inputs[name].shape
        total += coef / 2 * sp.Sum(sp.IndexedBase(name)[r, c] ** 2, (r, 1, rows), (c, 1, cols))
    total = forms.lift(total)

    entries = MatrixEntries(mf, {f"Z{l}" for l in range(1, n_layers + 1)})
    checks: list[str] = []

    def generic(dim: sp.Expr, letter: str) -> tuple[sp.Expr, dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]]:
        if dim == 1:
            return sp.S.One, {}
        s = index_symbol(letter)
        return s, {s: (sp.S.One, dim)}

    def zero(difference: sp.Expr, ranges: dict) -> sp.Expr | None:
        nf = normal_form(forms.lift(difference), ranges)
        return None if not nf else to_expr(nf)

    for step in mf.steps:
        if step.role != "forward":
            continue
        l = int(step.symbol.name[1:])
        i, ri = generic(step.symbol.shape[0], "p")
        jj, rj = generic(step.symbol.shape[1], "q")
        ranges = {**ri, **rj}
        if step.symbol.name.startswith("Z"):
            written = forms.expand_atom(forms.atom(step.symbol.name, i, jj))
        else:
            unit, sample = (i, jj) if col else (jj, i)
            written = activation(l, unit, sample)
        left = zero(entries(step.expr, i, jj) - written, ranges)
        if left is not None:
            return NetworkProof(False, f"the forward step {step.symbol.name} is not the network's definition: "
                                       f"the difference is {sp.sstr(left)}", tuple(checks))
        checks.append(f"{step.symbol.name}: the forward step is the network's definition")

    for key, step in mf.gradients.items():
        spec = shape.params[key]
        rows, cols = mf.inputs[key].shape
        p, rp = generic(rows, "p")
        q, rq = generic(cols, "q")
        matrix_side = entries(step.expr, q, p) if spec.shape != spec.internal else entries(step.expr, p, q)
        elementwise = Derivative(forms, key, (p, q))(total)
        left = zero(matrix_side - elementwise, {**rp, **rq})
        if left is not None:
            return NetworkProof(False, f"dL/d{key}: the matrix form differs from the derivative by "
                                       f"{sp.sstr(left)}", tuple(checks))
        checks.append(f"dL/d{key}: the backprop matrix form = ∂L/∂{key}_pq for every size")
    return NetworkProof(True, "symbolic identity in index form (the chain rule over index expressions, "
                              "Kronecker-delta normal form)", tuple(checks))



# ---------------------------------------------------------------------- the proof cache

#: CPU seconds one architecture's proof may take (deep sigmoid/softmax networks take longest).
PROOF_SECONDS = 60.0

#: Modules whose code a proof depends on: a change to any of them invalidates cached proofs.
_PROOF_SOURCES = ("ops.py", "backprop.py", "network.py", "indexsum.py", "netproof.py")


def signature(net: Network) -> str:
    """The architecture shape a proof holds for, as canonical JSON: layout, each layer's
    activation / bias / slope parameter, the loss and its stated reduction (a factor, 1/N), which
    parameters carry an L2 penalty and which are displayed transposed (by layer and role; names and
    widths do not matter)."""
    params = net.params

    def where(key: str) -> list[Any]:
        return [params[key].layer, params[key].role]

    shape = {
        "layout": net.layout,
        "layers": [[layer.activation, layer.bias is not None, layer.alpha is not None] for layer in net.layers],
        "loss": net.loss_name,
        "reduction": [net.loss_scale != 1, net.batch_mean, net.sample_weights],
        "l2": sorted(where(k) for k, _ in net.l2),
        "transposed": sorted(where(k) for k, p in params.items() if p.shape != p.internal),
    }
    return json.dumps(shape, sort_keys=True, separators=(",", ":"))


def cache_dir() -> Path:
    """$SYMDERIV_CACHE_DIR, else $XDG_CACHE_HOME/symderiv, else ~/.cache/symderiv."""
    env = os.environ.get("SYMDERIV_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "symderiv"


@functools.cache
def _source_digest() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for name in _PROOF_SOURCES:
        digest.update((here / name).read_bytes())
    return f"{__version__}-{digest.hexdigest()[:16]}"


_MEMORY: dict[str, NetworkProof] = {}


def _cache_file(key: str) -> Path:
    return cache_dir() / "proofs" / _source_digest() / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")


def cached_proof(net: Network, prove: Callable[[Network], NetworkProof] = prove_network) -> tuple[NetworkProof, str]:
    """The proof for `net`'s architecture shape and where it came from ('cache', 'proved now').

    Looked up in memory, then on disk (keyed by the shape and by the digest of the code the
    proof rests on, so an edited registry never reuses an old proof), else proved by `prove`
    (the caller bounds it in time) and stored. A proof that raised (ran out of time) is not
    stored; an unwritable cache is skipped."""
    key = signature(net)
    if key in _MEMORY:
        return _MEMORY[key], "cache"
    path = _cache_file(key)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("signature") == key:
            proof = NetworkProof(bool(stored["proved"]), str(stored["method"]), tuple(map(str, stored["checks"])))
            _MEMORY[key] = proof
            return proof, "cache"
    except (OSError, ValueError, KeyError, TypeError):
        pass
    proof = prove(net)
    _MEMORY[key] = proof
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"signature": key, "proved": proof.proved, "method": proof.method,
                                   "checks": list(proof.checks)}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    return proof, "proved now"
