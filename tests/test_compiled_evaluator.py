"""The generated NumPy evaluator (symderiv.compiled) against independent truths, in float64 and float32.

Truths: the exact back end (SymPy rationals through matrixeval, no NumPy) and HIPS autograd on a
forward pass written independently in tests/test_gradients_oracle.py.
"""

from __future__ import annotations

import ast

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st
from test_gradients_oracle import networks, oracle, random_inputs

from symderiv.core.backprop import MatrixForm
from symderiv.core.matrixeval import ExactBackend
from symderiv.core.network import Layer, Network
from symderiv.core.npgen import NUMPY_FUNCTIONS, generate


def _exact_inputs(net: Network, n: int, seed: int) -> dict[str, sp.Matrix]:
    """Random k/10 inputs in internal shapes (exact rationals)."""
    rng = np.random.default_rng(seed)
    shapes = {k: p.internal for k, p in net.params.items()} | {"X": (n, net.n_in), "T": (n, net.n_out)}
    return {k: sp.Matrix(r, c, [sp.Rational(int(v), 10) for v in rng.integers(-9, 10, r * c)])
            for k, (r, c) in shapes.items()}


#: The registry's functions in mpmath, written here from their definitions (core/ops), for `_floats`.
MPMATH_FUNCTIONS = {
    "relu": lambda x: x if x > 0 else mpmath.mpf(0),
    "relu_step": lambda x: mpmath.mpf(1) if x > 0 else mpmath.mpf(0),
    "leaky_relu": lambda x, a: x if x > 0 else a * x,
    "leaky_step": lambda x, a: mpmath.mpf(1) if x > 0 else a,
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
}


def _floats(m: sp.Matrix) -> np.ndarray:
    """An exact matrix as floats: its entries' trees (common parts once) evaluated in 30-digit mpmath
    arithmetic, the registry's functions of exact irrationals (relu(1/(1 + e)), left unevaluated by
    SymPy) by MPMATH_FUNCTIONS. (SymPy's evalf of the same trees took minutes on some networks.)"""
    assert set(MPMATH_FUNCTIONS) == set(NUMPY_FUNCTIONS), "a registry function has no mpmath form here"
    with mpmath.workdps(30):
        values = sp.lambdify((), m, modules=[MPMATH_FUNCTIONS, "mpmath"], cse=True)()
    return np.array(values.tolist() if hasattr(values, "tolist") else values, dtype=float)


def _scale(g: np.ndarray) -> float:
    return 1.0 + float(np.max(np.abs(g)))


@given(networks(max_width=3), st.integers(0, 2**16))
def test_compiled_equals_the_exact_back_end(case: tuple[Network, int], seed: int) -> None:
    """Random depth/width/activation/loss/layout, exact rational inputs: the float64 code agrees
    with the exact values to 1e-10 relative, the float32 code to 1e-3 of the largest entry."""
    net, n = case
    mf = MatrixForm(net)
    exact = _exact_inputs(net, n, seed)
    forward = mf.run(exact, n, ExactBackend(), frozenset({"forward"}))
    # away from kinks, as gradients are judged: an exact 0 pre-activation is a float's +-1e-17
    assume(all(e != 0 for s in mf.steps if s.symbol.name.startswith("Z") for e in forward[s.symbol.name]))
    truth = {k: _floats(v) for k, v in mf.exact_gradients(exact).items()}
    f64 = {k: np.array(v.tolist(), dtype=np.float64) for k, v in exact.items()}
    got = mf.numeric_gradients(f64)
    got32 = mf.numeric_gradients({k: v.astype(np.float32) for k, v in f64.items()})
    for k in net.params:
        assert got[k].dtype == np.float64 and got32[k].dtype == np.float32
        np.testing.assert_allclose(got[k], truth[k], rtol=1e-10, atol=1e-12 * _scale(truth[k]), err_msg=k)
        np.testing.assert_allclose(got32[k], truth[k], rtol=0, atol=1e-3 * _scale(truth[k]), err_msg=k)


@given(networks(), st.integers(0, 2**16))
def test_compiled_matches_autograd_in_both_dtypes(case: tuple[Network, int], seed: int) -> None:
    """The same random networks against autograd (float64 oracle); the forward values too."""
    net, n = case
    mf = MatrixForm(net)
    inputs = random_inputs(net, n, seed)
    theirs = oracle(net, inputs)
    for dtype, rtol, atol in ((np.float64, 1e-7, 1e-9), (np.float32, 0, 2e-3)):
        mine = mf.numeric_gradients({k: v.astype(dtype) for k, v in inputs.items()})
        for k, spec in net.params.items():
            g = mine[k] if spec.shape == spec.internal else mine[k].T
            assert g.dtype == dtype
            np.testing.assert_allclose(g, theirs[k], rtol=rtol, atol=atol * _scale(theirs[k]), err_msg=f"{k} {dtype}")
    forward = mf.numeric_forward(inputs)
    col = net.layout == "column"
    a = inputs["X"].T if col else inputs["X"]
    for l, layer in enumerate(net.layers, start=1):
        z = inputs[layer.weight] @ a if col else a @ inputs[layer.weight]
        if layer.bias:
            z = z + inputs[layer.bias]
        np.testing.assert_allclose(forward[f"Z{l}"], z, rtol=1e-12, atol=1e-12)
        a = forward[f"A{l}"]


# A hand-checkable case (column layout, ReLU then identity, sum of squares), the seed 003
# architecture at 3-2-2 with a batch of 2: Z1 = V Xᵀ + b 1ᵀ, Y = W ReLU(Z1) + c 1ᵀ, L = ||Y - Tᵀ||².
SMALL = Network(3, (Layer(2, "relu", "V", "b"), Layer(2, "identity", "W", "c")), "column", "sse")
SMALL_INPUTS = {
    "V": np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 0.0]]), "b": np.array([[0.5], [-2.0]]),
    "W": np.array([[1.0, 2.0], [0.0, -1.0]]), "c": np.array([[0.0], [1.0]]),
    "X": np.array([[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]]), "T": np.array([[1.0, 0.0], [0.0, 1.0]]),
}


def test_a_hand_computed_gradient() -> None:
    """Worked by hand: Z1 = [[-1.5, 1.5], [0.5, -1]], A1 = [[0, 1.5], [0.5, 0]], Y = [[1, 1.5], [0.5, 1]],
    G = 2(Y - Tᵀ) = [[0, 3], [1, 0]], ∂L/∂c = G 1 = [[3], [1]], ∂L/∂W = G A1ᵀ = [[4.5, 0], [0, 0.5]]."""
    g = MatrixForm(SMALL).numeric_gradients(SMALL_INPUTS)
    np.testing.assert_array_equal(g["c"], [[3.0], [1.0]])
    np.testing.assert_array_equal(g["W"], [[4.5, 0.0], [0.0, 0.5]])
    # Delta1 = (Wᵀ G) ⊙ 1_{Z1>0} = [[0, 3], [-1, 6]] ⊙ [[0, 1], [1, 0]] = [[0, 3], [-1, 0]];
    # db = Delta1 1, dV = Delta1 X
    np.testing.assert_array_equal(g["b"], [[3.0], [-1.0]])
    np.testing.assert_array_equal(g["V"], [[0.0, 3.0, -3.0], [-1.0, -2.0, -3.0]])


def test_results_are_copies_and_the_workspace_is_reused() -> None:
    mf = MatrixForm(SMALL)
    first = mf.numeric_gradients(SMALL_INPUTS)
    other = {k: v * 2 for k, v in SMALL_INPUTS.items()}
    mf.numeric_gradients(other)
    np.testing.assert_array_equal(first["W"], [[4.5, 0.0], [0.0, 0.5]])  # not overwritten
    raw = mf.compiled.gradients(SMALL_INPUTS, copy=False)
    again = mf.compiled.gradients(SMALL_INPUTS, copy=False)
    assert all(raw[k] is again[k] for k in raw)  # the workspace's own arrays, allocated once


@pytest.mark.parametrize(("inputs", "dtype"), [
    ("float32", np.float32), ("float64", np.float64), ("mixed", np.float64), ("int", np.float64)])
def test_dtype(inputs: str, dtype: type) -> None:
    """float32 only when every input is float32; integers are computed in float64."""
    cast = {"float32": lambda v: v.astype(np.float32), "float64": lambda v: v,
            "mixed": lambda v: v.astype(np.float32) if v.shape == (2, 3) else v,
            "int": lambda v: np.round(v * 2).astype(np.int64)}[inputs]
    g = MatrixForm(SMALL).numeric_gradients({k: cast(v) for k, v in SMALL_INPUTS.items()})
    assert {v.dtype for v in g.values()} == {np.dtype(dtype)}


def test_wrong_shapes_are_errors() -> None:
    bad = dict(SMALL_INPUTS, b=np.array([0.5, -2.0]))
    with pytest.raises(ValueError, match=r"input b has shape \(2,\), expected \(2, 1\)"):
        MatrixForm(SMALL).numeric_gradients(bad)


def test_batch_sizes_each_get_their_module() -> None:
    """Sizes are bound per batch: batches 2, 3, 2 evaluated in turn, each against autograd."""
    mf = MatrixForm(SMALL)
    for n in (2, 3, 2):
        inputs = random_inputs(SMALL, n, n)
        theirs = oracle(SMALL, inputs)
        mine = mf.numeric_gradients(inputs)
        for k in SMALL.params:
            np.testing.assert_allclose(mine[k], theirs[k], rtol=1e-10)


def test_names_that_clash_with_the_generated_module() -> None:
    """Parameters called np, work, t1 and relu are renamed in the code, not misread."""
    net = Network(3, (Layer(4, "relu", "np", "t1"), Layer(2, "sigmoid", "relu", "work")), "row", "half_sse")
    inputs = random_inputs(net, 3, 7)
    mine, theirs = MatrixForm(net).numeric_gradients(inputs), oracle(net, inputs)
    for k in net.params:
        np.testing.assert_allclose(mine[k], theirs[k], rtol=1e-10, err_msg=k)


def test_the_code_has_no_sympy_no_sizes_and_sums_by_axis() -> None:
    """Issue 9, point 4: sizes bound once (no size symbol, no SymPy call), bias gradients by
    np.sum over the samples' axis (no ones matrix), every array written into the workspace."""
    source = generate(MatrixForm(SMALL), 64).source
    assert "sympy" not in source and "np.ones" not in source
    assert "db = np.sum(Delta1, axis=1, keepdims=True, out=work.db)" in source
    called = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            f = node.func
            called.add(f"np.{f.attr}" if isinstance(f, ast.Attribute) else f.id)
        if isinstance(node, ast.Name):
            assert node.id not in ("N", "n_0", "n_1", "n_2"), node.id
    assert called <= {"SimpleNamespace", "np.dtype", "np.empty", "np.transpose", "np.matmul", "np.add",
                      "np.subtract", "np.multiply", "np.sum", *NUMPY_FUNCTIONS}, called
