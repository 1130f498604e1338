"""The table of operations: every activation and loss is one entry here, nowhere else.

An entry carries its SymPy form, its derivative, its NumPy form and its LaTeX name.
The engine (model.py, backprop.py, codegen.py) never special-cases an operation by
name; it reads these entries. To add an activation, add one `Activation(...)` to
ACTIVATIONS; to add a loss, one `Loss(...)` to LOSSES.

Convention at kinks: ReLU'(0) = 0 and leaky ReLU'(0) = alpha (the derivative from the
left, as PyTorch and autograd use); gradient claims are only judged away from kinks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy import HadamardPower, HadamardProduct, MatrixExpr, OneMatrix
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

# --------------------------------------------------------------------------- functions


def _bound(name: str) -> sp.Dummy:
    """A fresh bound index (a new Dummy per sum: no capture when index forms nest)."""
    return sp.Dummy(name, integer=True, positive=True)


def positive(z: sp.Expr) -> bool | None:
    """Whether a constant z is > 0 (a number, or an expression without symbols such as 19/20 - e,
    decided by SymPy's sign rules); None for an expression with symbols or a sign SymPy cannot tell."""
    if z.is_Number:
        return bool(z > 0)
    if z.free_symbols or not z.is_number:
        return None
    if z.is_positive:
        return True
    if z.is_nonpositive:
        return False
    return None


class relu(sp.Function):
    """ReLU(z) = max(0, z); d/dz = 1_{z>0} (the value at 0 is 0 by convention)."""

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        up = positive(z)
        return None if up is None else z if up else sp.S.Zero

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return relu_step(self.args[0])

    def _eval_rewrite_as_Piecewise(self, z: sp.Expr, **kw: Any) -> sp.Expr:
        return sp.Piecewise((z, z > 0), (0, True))

    def _latex(self, printer: Any, exp: Any = None) -> str:
        s = rf"\operatorname{{ReLU}}\left({printer._print(self.args[0])}\right)"
        return s if exp is None else rf"{s}^{{{exp}}}"


class relu_step(sp.Function):
    """The indicator 1_{z>0}: the derivative of ReLU (0 at z = 0)."""

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        up = positive(z)
        return None if up is None else sp.S.One if up else sp.S.Zero

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.S.Zero

    def _eval_power(self, e: sp.Expr) -> sp.Expr | None:
        return self if e.is_positive else None

    def _eval_rewrite_as_Piecewise(self, z: sp.Expr, **kw: Any) -> sp.Expr:
        return sp.Piecewise((1, z > 0), (0, True))

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return rf"\mathbf{{1}}_{{{printer._print(self.args[0])} > 0}}"


class leaky_relu(sp.Function):
    """LeakyReLU_alpha(z) = z for z > 0, alpha z otherwise; args (z, alpha)."""

    @classmethod
    def eval(cls, z: sp.Expr, alpha: sp.Expr) -> sp.Expr | None:
        up = positive(z) if alpha.is_Number else None
        return None if up is None else z if up else alpha * z

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        z, alpha = self.args
        if argindex == 1:
            return leaky_step(z, alpha)
        return sp.Min(z, 0) if z.is_Number else (z - relu(z))

    def _eval_rewrite_as_Piecewise(self, z: sp.Expr, alpha: sp.Expr, **kw: Any) -> sp.Expr:
        return sp.Piecewise((z, z > 0), (alpha * z, True))

    def _latex(self, printer: Any, exp: Any = None) -> str:
        z, alpha = (printer._print(a) for a in self.args)
        return rf"\operatorname{{LReLU}}_{{{alpha}}}\left({z}\right)"


class leaky_step(sp.Function):
    """d/dz LeakyReLU_alpha(z): 1 for z > 0, alpha otherwise."""

    @classmethod
    def eval(cls, z: sp.Expr, alpha: sp.Expr) -> sp.Expr | None:
        up = positive(z)
        return None if up is None else sp.S.One if up else alpha

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        z = self.args[0]
        return sp.S.Zero if argindex == 1 else sp.S.One - relu_step(z)

    def _eval_rewrite_as_Piecewise(self, z: sp.Expr, alpha: sp.Expr, **kw: Any) -> sp.Expr:
        return sp.Piecewise((1, z > 0), (alpha, True))

    def _latex(self, printer: Any, exp: Any = None) -> str:
        z, alpha = (printer._print(a) for a in self.args)
        return rf"\operatorname{{LReLU}}_{{{alpha}}}'\left({z}\right)"


class sigmoid(sp.Function):
    """sigma(z) = 1 / (1 + e^{-z}); d/dz = sigma(z) (1 - sigma(z))."""

    @classmethod
    def eval(cls, z: sp.Expr) -> sp.Expr | None:
        if z.is_Number:
            return 1 / (1 + sp.exp(-z))
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kw: Any) -> sp.Expr:
        return 1 / (1 + sp.exp(-z))

    def _latex(self, printer: Any, exp: Any = None) -> str:
        s = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return s if exp is None else rf"{s}^{{{exp}}}"


# --------------------------------------------------------------------------- activations


@dataclass(frozen=True)
class Activation:
    """One activation: its forward rule and its backward rule (vector-Jacobian product).

    For an element-wise f, `function`/`derivative` are f and f' on a SymPy scalar
    (with the entry's `parameters`, e.g. alpha, as extra arguments), `explicit` is an
    independent closed form (Piecewise/exp) that proves `derivative` (d/dz explicit =
    derivative), and the matrix rules are f∘(Z) and G ⊙ f'∘(Z).  A vector activation
    (softmax) acts on each sample's vector instead and gives its own rules.
    Samples run along `axis` of a batch matrix: 1 = one sample per row, 0 = per column.
    """

    name: str
    latex: str
    function: Callable[..., sp.Expr]
    derivative: Callable[..., sp.Expr]
    explicit: Callable[..., sp.Expr]
    numpy: Callable[..., np.ndarray]
    numpy_derivative: Callable[..., np.ndarray]
    parameters: tuple[str, ...] = ()
    defaults: tuple[tuple[str, sp.Rational], ...] = ()  # values of `parameters` a file may leave out
    vector: Callable[[list[sp.Expr]], list[sp.Expr]] | None = None
    matrix_rule: Callable[[MatrixExpr, int], MatrixExpr] | None = None
    matrix_vjp: Callable[[MatrixExpr, MatrixExpr, int], MatrixExpr] | None = None
    index_form: Callable[[Callable[[sp.Expr], sp.Expr], sp.Expr, sp.Expr], sp.Expr] | None = None
    kinked: bool = False  # not differentiable at 0: points are drawn and steps taken away from it

    @property
    def elementwise(self) -> bool:
        return self.vector is None

    def apply(self, z: list[sp.Expr], args: tuple[sp.Expr, ...] = ()) -> list[sp.Expr]:
        """f of one sample's pre-activation vector, as explicit SymPy expressions."""
        if self.vector is not None:
            return self.vector(z)
        return [self.function(v, *args) for v in z]

    def index_entry(self, z: Callable[[sp.Expr], sp.Expr], k: sp.Expr, m: sp.Expr,
                    args: tuple[sp.Expr, ...] = ()) -> sp.Expr:
        """Entry k of f(z) for one sample's pre-activation z (entries z(1..m), m symbolic):
        f(z(k)) element-wise, or the vector rule's `index_form` (softmax: e^{z_k}/Σ_j e^{z_j})."""
        if self.vector is not None:
            if self.index_form is None:
                raise NotImplementedError(f"activation {self.name!r} has no index form")
            return self.index_form(z, k, m)
        return self.function(z(k), *args)

    def forward_matrix(self, z: MatrixExpr, axis: int, args: tuple[sp.Expr, ...] = ()) -> MatrixExpr:
        """A = f(Z) for a batch, as a size-generic matrix expression."""
        if self.matrix_rule is not None:
            return self.matrix_rule(z, axis)
        if self.function(_Z, *args) == _Z:
            return z
        return ElementwiseApplyFunction(sp.Lambda(_Z, self.function(_Z, *args)), z)

    def backward_matrix(
        self, z: MatrixExpr, a: MatrixExpr, g: MatrixExpr, axis: int, args: tuple[sp.Expr, ...] = ()
    ) -> MatrixExpr:
        """dL/dZ from G = dL/dA: G ⊙ f'∘(Z) element-wise, or the vector rule's VJP."""
        if self.matrix_vjp is not None:
            return self.matrix_vjp(a, g, axis)
        if self.derivative(_Z, *args) == 1:
            return g
        return HadamardProduct(g, ElementwiseApplyFunction(sp.Lambda(_Z, self.derivative(_Z, *args)), z))


def _np_sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """sigma(z) = (1 + tanh(z/2)) / 2 (stable for large |z|), in z's dtype; written into `out` if given."""
    if out is None:
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    np.add(out, 1.0, out=out)
    return np.multiply(out, 0.5, out=out)


def _np_relu(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """max(0, z) in z's dtype."""
    return np.maximum(z, 0.0, out=out)


def _np_relu_step(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """1_{z>0}: a boolean mask (NumPy multiplies it as 0/1 in the other factor's dtype), or 0.0/1.0
    written into `out`."""
    return np.greater(z, 0.0, out=out)


def _float_dtype(z: np.ndarray) -> np.dtype:
    return z.dtype if z.dtype.kind == "f" else np.dtype(np.float64)


def _into(value: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """`value`, or `out` holding a copy of it."""
    if out is None:
        return value
    np.copyto(out, value)
    return out


def _np_leaky_relu(z: np.ndarray, alpha: float, out: np.ndarray | None = None) -> np.ndarray:
    """z for z > 0, alpha z otherwise, in z's dtype."""
    z = np.asarray(z)
    return _into(np.where(z > 0, z, _float_dtype(z).type(alpha) * z), out)


def _np_leaky_step(z: np.ndarray, alpha: float, out: np.ndarray | None = None) -> np.ndarray:
    """1 for z > 0, alpha otherwise, in z's dtype."""
    z = np.asarray(z)
    return _into(np.where(z > 0, _float_dtype(z).type(1), _float_dtype(z).type(alpha)), out)


def _np_softmax_rows(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_softmax_vjp(s: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    return s * (g - (s * g).sum(axis=axis, keepdims=True))


def _sample_sums(m: MatrixExpr, axis: int) -> MatrixExpr:
    """Each sample's sum of entries, repeated over that sample: M 1 1ᵀ or 1 1ᵀ M."""
    rows, cols = m.shape
    if axis == 1:
        return m * OneMatrix(cols, 1) * OneMatrix(1, cols)
    return OneMatrix(rows, 1) * OneMatrix(1, rows) * m


def softmax_vector(z: list[sp.Expr]) -> list[sp.Expr]:
    """softmax(z)_i = e^{z_i} / sum_k e^{z_k}, as explicit SymPy expressions."""
    e = [sp.exp(v) for v in z]
    total = sp.Add(*e)
    return [v / total for v in e]


def softmax_index(z: Callable[[sp.Expr], sp.Expr], k: sp.Expr, m: sp.Expr) -> sp.Expr:
    """softmax(z)_k = e^{z_k} / Σ_{j=1}^{m} e^{z_j} for a symbolic width m."""
    j = _bound("j")
    return sp.exp(z(k)) / sp.Sum(sp.exp(z(j)), (j, 1, m))


def softmax_matrix(z: MatrixExpr, axis: int) -> MatrixExpr:
    """softmax of every sample: S = E ⊙ (E 1 1ᵀ)^{∘-1} with E = exp∘(Z), size-generic."""
    e = ElementwiseApplyFunction(sp.Lambda(_Z, sp.exp(_Z)), z)
    return HadamardProduct(e, HadamardPower(_sample_sums(e, axis), -1))


def softmax_vjp(s: MatrixExpr, g: MatrixExpr, axis: int) -> MatrixExpr:
    """Jᵀg for s = softmax(z): s ⊙ (g - sum_k s_k g_k), per sample."""
    return HadamardProduct(s, g - _sample_sums(HadamardProduct(s, g), axis))


_Z = sp.Symbol("z")

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation(
            "identity", r"\operatorname{id}",
            function=lambda z: z, derivative=lambda z: sp.S.One, explicit=lambda z: z,
            numpy=lambda z: z, numpy_derivative=np.ones_like,
        ),
        Activation(
            "relu", r"\operatorname{ReLU}",
            function=relu, derivative=relu_step,
            explicit=lambda z: sp.Piecewise((z, z > 0), (0, True)),
            numpy=lambda z: np.maximum(z, 0.0),
            numpy_derivative=lambda z: (z > 0).astype(z.dtype), kinked=True,
        ),
        Activation(
            "leaky_relu", r"\operatorname{LReLU}",
            function=leaky_relu, derivative=leaky_step,
            explicit=lambda z, a: sp.Piecewise((z, z > 0), (a * z, True)),
            numpy=lambda z, a: np.where(z > 0, z, a * z),
            numpy_derivative=lambda z, a: np.where(z > 0, 1.0, a).astype(z.dtype),
            parameters=("alpha",), defaults=(("alpha", sp.Rational(1, 100)),), kinked=True,
        ),
        Activation(
            "sigmoid", r"\sigma",
            function=sigmoid, derivative=lambda z: sigmoid(z) * (1 - sigmoid(z)),
            explicit=lambda z: 1 / (1 + sp.exp(-z)),
            numpy=_np_sigmoid,
            numpy_derivative=lambda z: _np_sigmoid(z) * (1.0 - _np_sigmoid(z)),
        ),
        Activation(
            "tanh", r"\tanh",
            function=sp.tanh, derivative=lambda z: 1 - sp.tanh(z) ** 2,
            explicit=lambda z: (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z)),
            numpy=np.tanh, numpy_derivative=lambda z: 1.0 - np.tanh(z) ** 2,
        ),
        Activation(
            "softmax", r"\operatorname{softmax}",
            function=sp.exp, derivative=sp.exp, explicit=sp.exp,
            numpy=_np_softmax_rows, numpy_derivative=_np_softmax_vjp,
            vector=softmax_vector, matrix_rule=softmax_matrix, matrix_vjp=softmax_vjp,
            index_form=softmax_index,
        ),
    ]
}

# Names the NumPy code generator and lambdify map each SymPy function class to.  Each takes
# the SymPy function's arguments and an optional `out` array to write into, and keeps z's dtype.
NUMPY_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "relu": _np_relu,
    "relu_step": _np_relu_step,
    "leaky_relu": _np_leaky_relu,
    "leaky_step": _np_leaky_step,
    "sigmoid": _np_sigmoid,
}

# The functions of NUMPY_FUNCTIONS whose values are 0 and 1 and which, called without `out`,
# give a boolean mask: a factor of an element-wise product is computed as such a mask.
NUMPY_MASKS: frozenset[str] = frozenset({"relu_step"})


# --------------------------------------------------------------------------- losses


@dataclass(frozen=True)
class Loss:
    """A loss of a batch: the per-sample loss, how the batch is reduced, dL/dY.

    `per_sample(y, t)` maps one sample's output and target lists to a SymPy scalar;
    `index_form(y, t, m)` is the same loss for a symbolic width m, entries y(k), t(k), as a
    SymPy `Sum` (the tests prove it equal to `per_sample` at m = 1..4);
    the batch loss is their sum, or their mean when `mean` is true.  `output_gradient`
    gives dL/dY for the batch output matrix as a size-generic matrix expression
    (samples along `axis`: 1 = rows are samples, 0 = columns are samples), N samples.
    """

    name: str
    latex: str
    per_sample: Callable[[list[sp.Expr], list[sp.Expr]], sp.Expr]
    output_gradient: Callable[[MatrixExpr, MatrixExpr, Any, int], MatrixExpr]
    numpy: Callable[[np.ndarray, np.ndarray, int], float]
    index_form: Callable[[Callable[[sp.Expr], sp.Expr], Callable[[sp.Expr], sp.Expr], sp.Expr], sp.Expr] | None = None
    mean: bool = False
    one_hot_targets: bool = False  # its targets are one-hot rows (sample points are drawn so)


def _sum_sq(y: list[sp.Expr], t: list[sp.Expr]) -> sp.Expr:
    return sp.Add(*[(a - b) ** 2 for a, b in zip(y, t, strict=True)])


def _sum_sq_index(y: Callable[[sp.Expr], sp.Expr], t: Callable[[sp.Expr], sp.Expr], m: sp.Expr) -> sp.Expr:
    """Σ_{k=1}^{m} (y_k - t_k)^2."""
    k = _bound("k")
    return sp.Sum((y(k) - t(k)) ** 2, (k, 1, m))


def _softmax_ce_index(y: Callable[[sp.Expr], sp.Expr], t: Callable[[sp.Expr], sp.Expr], m: sp.Expr) -> sp.Expr:
    """Σ_{k=1}^{m} t_k (log Σ_{j=1}^{m} e^{y_j} - y_k)."""
    k, j = _bound("k"), _bound("j")
    return sp.Sum(t(k) * (sp.log(sp.Sum(sp.exp(y(j)), (j, 1, m))) - y(k)), (k, 1, m))


def _sigmoid_bce_index(y: Callable[[sp.Expr], sp.Expr], t: Callable[[sp.Expr], sp.Expr], m: sp.Expr) -> sp.Expr:
    """-Σ_{k=1}^{m} [t_k log σ(y_k) + (1 - t_k) log(1 - σ(y_k))]."""
    k = _bound("k")
    return -sp.Sum(t(k) * sp.log(sigmoid(y(k))) + (1 - t(k)) * sp.log(1 - sigmoid(y(k))), (k, 1, m))


def _softmax_ce(y: list[sp.Expr], t: list[sp.Expr]) -> sp.Expr:
    """-sum_k t_k log softmax(y)_k = log(sum_k e^{y_k}) sum_k t_k - sum_k t_k y_k."""
    lse = sp.log(sp.Add(*[sp.exp(v) for v in y]))
    return sp.Add(*[b * (lse - a) for a, b in zip(y, t, strict=True)])


def _sigmoid_bce(y: list[sp.Expr], t: list[sp.Expr]) -> sp.Expr:
    """-sum_k [t_k log sigma(y_k) + (1 - t_k) log(1 - sigma(y_k))]."""
    return -sp.Add(*[b * sp.log(sigmoid(a)) + (1 - b) * sp.log(1 - sigmoid(a)) for a, b in zip(y, t, strict=True)])


def _ce_gradient(y: MatrixExpr, t: MatrixExpr, n: Any, axis: int) -> MatrixExpr:
    """dE/dY = softmax(Y) ⊙ (sum_k t_k per sample) - T."""
    return HadamardProduct(softmax_matrix(y, axis), _sample_sums(t, axis)) - t


def _np_ce(y: np.ndarray, t: np.ndarray, axis: int) -> float:
    m = y.max(axis=axis, keepdims=True)
    lse = m + np.log(np.exp(y - m).sum(axis=axis, keepdims=True))
    return float((t * (lse - y)).sum())


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in [
        Loss(
            "half_sse", r"\frac{1}{2}\sum_{n}\sum_{k} (y_{nk} - t_{nk})^2",
            per_sample=lambda y, t: _sum_sq(y, t) / 2,
            index_form=lambda y, t, m: _sum_sq_index(y, t, m) / 2,
            output_gradient=lambda y, t, n, axis: y - t,
            numpy=lambda y, t, axis: 0.5 * float(((y - t) ** 2).sum()),
        ),
        Loss(
            "sse", r"\sum_{n}\sum_{k} (y_{nk} - t_{nk})^2",
            per_sample=_sum_sq, index_form=_sum_sq_index,
            output_gradient=lambda y, t, n, axis: 2 * (y - t),
            numpy=lambda y, t, axis: float(((y - t) ** 2).sum()),
        ),
        Loss(
            "mse", r"\frac{1}{N}\sum_{n}\sum_{k} (y_{nk} - t_{nk})^2",
            per_sample=_sum_sq, index_form=_sum_sq_index, mean=True,
            output_gradient=lambda y, t, n, axis: (sp.Integer(2) / n) * (y - t),
            numpy=lambda y, t, axis: float(((y - t) ** 2).sum()) / y.shape[1 - axis],
        ),
        Loss(
            "softmax_cross_entropy",
            r"-\sum_{n}\sum_{k} t_{nk} \log \operatorname{softmax}(\mathbf{y}_n)_k",
            per_sample=_softmax_ce, index_form=_softmax_ce_index, output_gradient=_ce_gradient,
            numpy=_np_ce, one_hot_targets=True,
        ),
        Loss(
            "sigmoid_binary_cross_entropy",
            r"-\sum_{n}\sum_{k} \left[t_{nk}\log\sigma(y_{nk}) + (1-t_{nk})\log(1-\sigma(y_{nk}))\right]",
            per_sample=_sigmoid_bce, index_form=_sigmoid_bce_index,
            output_gradient=lambda y, t, n, axis: ElementwiseApplyFunction(
                sp.Lambda(_Z, sigmoid(_Z)), y) - t,
            numpy=lambda y, t, axis: float((np.logaddexp(0.0, y) - t * y).sum()),
        ),
    ]
}


def activation(name: str) -> Activation:
    """The registered activation `name`; KeyError lists the known ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise KeyError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}") from None


def loss(name: str) -> Loss:
    """The registered loss `name`; KeyError lists the known ones."""
    try:
        return LOSSES[name]
    except KeyError:
        raise KeyError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}") from None
