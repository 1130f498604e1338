"""Every registry entry: its derivative proved from its explicit form, its NumPy form agrees."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symderiv.core.ops import ACTIVATIONS, LOSSES, relu, relu_step

z = sp.Symbol("z", real=True)
ALPHA = sp.Rational(1, 100)
ELEMENTWISE = [a for a in ACTIVATIONS.values() if a.elementwise]


def _args(act):
    return (ALPHA,) if act.parameters else ()


@pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda a: a.name)
def test_derivative_is_the_derivative_of_the_explicit_form(act) -> None:
    """d/dz explicit(z) - derivative(z) simplifies to 0 (Piecewise compared on each side of 0)."""
    args = _args(act)
    explicit = act.explicit(z, *args)
    derivative = act.derivative(z, *args)
    derivative = derivative.rewrite(sp.Piecewise).rewrite(sp.exp) if hasattr(derivative, "rewrite") else derivative
    diff = sp.diff(explicit, z) - derivative
    for side in (sp.Symbol("p", positive=True), -sp.Symbol("p", positive=True)):
        assert sp.simplify(diff.subs(z, side)) == 0


@pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda a: a.name)
def test_function_class_matches_explicit_form(act) -> None:
    args = _args(act)
    for value in [sp.Rational(-3, 2), sp.Rational(-1, 7), sp.Rational(2, 5), sp.Integer(3)]:
        assert abs(sp.N(act.function(value, *args) - act.explicit(value, *args), 50)) < 1e-40


@pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda a: a.name)
def test_numpy_forms_match_sympy(act) -> None:
    args = _args(act)
    xs = np.array([-2.5, -0.3, 0.4, 1.7])
    f = np.array([float(sp.N(act.function(sp.Float(x), *args))) for x in xs])
    d = np.array([float(sp.N(act.derivative(sp.Float(x), *args))) for x in xs])
    np.testing.assert_allclose(act.numpy(xs, *[float(a) for a in args]), f, rtol=1e-12)
    np.testing.assert_allclose(act.numpy_derivative(xs, *[float(a) for a in args]), d, rtol=1e-12)


def test_relu_convention_at_zero() -> None:
    """ReLU'(0) = 0, as stated in the registry (the left derivative; PyTorch and autograd agree)."""
    assert relu_step(sp.Integer(0)) == 0 and relu(sp.Integer(0)) == 0
    assert ACTIVATIONS["relu"].numpy_derivative(np.array([0.0]))[0] == 0.0
    assert sp.diff(relu(z), z) == relu_step(z)


@pytest.mark.parametrize("loss", LOSSES.values(), ids=lambda l: l.name)
def test_loss_output_gradient_is_the_derivative_of_the_loss(loss) -> None:
    """dL/dY of the matrix rule = SymPy diff of the summed per-sample losses (N=2, K=3)."""
    from symderiv.core.backprop import MatrixForm
    from symderiv.core.matrixeval import ExactBackend, evaluate

    n, k = 2, 3
    y = sp.Matrix(n, k, lambda i, j: sp.Symbol(f"y{i}{j}", real=True))
    t = sp.Matrix(n, k, lambda i, j: sp.Symbol(f"t{i}{j}", real=True))
    total = sp.Add(*[loss.per_sample(list(y.row(i)), list(t.row(i))) for i in range(n)])
    if loss.mean:
        total /= n
    ys, ts = sp.MatrixSymbol("Y", n, k), sp.MatrixSymbol("T", n, k)
    rule = evaluate(loss.output_gradient(ys, ts, n, 1), {"Y": y, "T": t}, {}, ExactBackend())
    point = {s: sp.Rational(i % 5 - 2, 3) for i, s in enumerate([*y, *t])}
    for i in range(n):
        for j in range(k):
            d = sp.diff(total, y[i, j]) - rule[i, j]
            assert abs(sp.N(d.subs(point), 40)) < 1e-30
    assert MatrixForm  # imported for its side effect of validating the module


@pytest.mark.parametrize("loss", LOSSES.values(), ids=lambda l: l.name)
def test_loss_numpy_matches_sympy(loss) -> None:
    rng = np.random.default_rng(1)
    y, t = rng.standard_normal((2, 3)), rng.random((2, 3))
    exact = sp.Add(*[loss.per_sample([sp.Float(v, 30) for v in y[i]], [sp.Float(v, 30) for v in t[i]])
                     for i in range(2)])
    if loss.mean:
        exact /= 2
    assert loss.numpy(y, t, 1) == pytest.approx(float(exact), rel=1e-12)
