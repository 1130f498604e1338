"""Random instances of the topics checked against independent truth (numpy, direct loops)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symderiv.core.errors import ProblemFileError, ShapeError
from symderiv.kinds import calculus, cnn, identity_proofs, parse_text, regularisation, stepsize

# -- gradient descent (seed 000 Q3, seed 002 P2): run GD just inside and just outside ------


def _spd(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    B = rng.integers(-3, 4, size=(n, n))
    return B @ B.T + np.eye(n, dtype=int)


def _run_gd(H: np.ndarray, eta: float, steps: int) -> float:
    rng = np.random.default_rng(1)
    u = rng.normal(size=H.shape[0])
    for _ in range(steps):
        u = u - eta * (H @ u)
    return float(np.linalg.norm(u))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 3))
def test_gd_interval_by_running_gd(seed: int, n: int) -> None:
    """Random SPD A, f = u^T A u: GD at 0.98 * bound converges, at 1.02 * bound diverges."""
    A = _spd(seed, n)
    q = stepsize.Quadratic(sp.Matrix(A.tolist()), sp.zeros(n, 1), sp.Integer(0),
                           tuple(sp.symbols(f"u1:{n + 1}")))
    interval = stepsize.convergence_interval(stepsize.hessian(q))
    assert interval.inf == 0 and interval.left_open and interval.right_open
    bound = float(interval.sup)
    H = 2 * A.astype(float)
    lam = np.linalg.eigvalsh(H)
    assert bound == pytest.approx(2 / lam.max())
    rate = max(abs(1 - 0.98 * bound * lam))
    steps = int(np.ceil(np.log(1e-6) / np.log(rate))) + 10
    assert _run_gd(H, 0.98 * bound, steps) < 1e-4
    assert _run_gd(H, 1.02 * bound, 2000) > 1e3


def _gd_problem(A: str, latex: str) -> list:
    text = f"""title = "t"\nkind = "gradient_descent"\n[quadratic]\nA = {A}\n
[[claims]]\nid = "c"\ntarget = "interval"\nlatex = '{latex}'\n"""
    return parse_text(text).check()


def test_gd_wrong_intervals_have_counterexamples() -> None:
    """seed 002 P2's matrix: (0, 1/12) = 1/lambda_max(H) and (0, 1/3) = 2/lambda_max(A)."""
    v = _gd_problem("[[5, 2], [2, 2]]", r"(0, \frac{1}{12})")[0]
    assert v.verdict == "incorrect" and "1/λ_max(H)" in v.mistake
    assert v.counterexample["converges"] is True
    v = _gd_problem("[[5, 2], [2, 2]]", r"0 < \eta < \frac{1}{3}")[0]
    assert v.verdict == "incorrect" and "eigenvalues of A" in v.mistake
    assert v.counterexample["converges"] is False
    v = _gd_problem("[[5]]", r"0 < \eta \le \frac{1}{5}")[0]
    assert v.verdict == "incorrect" and "end point" in v.mistake


def _numpy_step(A: np.ndarray, b: np.ndarray, u: np.ndarray, eta: float) -> np.ndarray:
    """One GD step on f(u) = u^T A u + b^T u, the gradient by central differences of f."""
    def f(v: np.ndarray) -> float:
        return float(v @ A @ v + b @ v)

    h = 1e-6
    grad = np.array([(f(u + h * e) - f(u - h * e)) / (2 * h) for e in np.eye(len(u))])
    return u - eta * grad


def _gd_file(A: np.ndarray, b: np.ndarray, claims: list[tuple[str, str]]) -> str:
    rows = "[" + ", ".join("[" + ", ".join(str(int(v)) for v in r) + "]" for r in A) + "]"
    text = f'title = "t"\nkind = "gradient_descent"\n[quadratic]\nA = {rows}\nb = {[int(v) for v in b]}\n'
    for n, (target, latex) in enumerate(claims):
        text += f"[[claims]]\nid = \"c{n}\"\ntarget = \"{target}\"\nlatex = '''{latex}'''\n"
    return text


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 3))
def test_iteration_map_is_one_numpy_gd_step(seed: int, n: int) -> None:
    """Random symmetric A, random b: the derived map u - eta grad f(u) at a random (u, eta) is
    one gradient step computed with numpy; the claim (I - 2 eta A) u_n is judged incorrect
    exactly when b != 0, and its counterexample is a numpy step too."""
    rng = np.random.default_rng(seed)
    B = rng.integers(-4, 5, size=(n, n))
    A, b = B + B.T, rng.integers(-3, 4, size=n)
    text = _gd_file(A, b, [("iteration", r"u_{n+1} = (I - 2\eta A)u_n"),
                           ("iteration", r"u_{n+1} = u_n - \eta \nabla f(u_n)")])
    problem = parse_text(text)
    step = problem.derive()["iteration"]
    u, eta = rng.normal(size=n), float(rng.uniform(0.01, 0.5))
    at = dict(zip(problem.q.variables, u, strict=True)) | {stepsize.ETA: eta}
    assert np.allclose(np.array(step.subs(at).tolist(), dtype=float).ravel(), _numpy_step(A, b, u, eta),
                       atol=1e-6)
    matrix_claim, general = problem.check()
    assert general.verdict == "correct"
    assert matrix_claim.verdict == ("correct" if not b.any() else "incorrect")
    if b.any():
        ce = matrix_claim.counterexample
        u0 = np.array([float(v) for v in ce["u_n"]])
        eta0 = float(ce["eta"])
        expected = [float(v) for v in ce["expected u_(n+1)"]]
        claimed = [float(v) for v in ce["claimed u_(n+1)"]]
        assert np.allclose(expected, _numpy_step(A, b, u0, eta0), atol=1e-6)
        assert np.allclose(claimed, u0 - eta0 * 2 * A @ u0)
        assert not np.allclose(claimed, expected)
        assert "dropped the linear term" in matrix_claim.mistake


def test_iteration_claim_wrong_factor_and_shape() -> None:
    """seed 002 P2's A without b: (I - \\eta A) u_n misses the factor 2 of the gradient 2Au;
    a scalar for a 2-vector step is the wrong shape."""
    A = np.array([[5, 2], [2, 2]])
    text = _gd_file(A, np.zeros(2, dtype=int), [("iteration", r"(I - \eta A)u_n"), ("iteration", r"1 - 2\eta")])
    wrong, scalar = parse_text(text).check()
    assert wrong.verdict == "incorrect" and wrong.mistake is None
    assert wrong.counterexample == {"u_n": sp.Matrix([1, 2]), "eta": sp.Rational(1, 10),
                                    "expected u_(n+1)": sp.Matrix([sp.Rational(-4, 5), sp.Rational(4, 5)]),
                                    "claimed u_(n+1)": sp.Matrix([sp.Rational(1, 10), sp.Rational(7, 5)])}
    assert np.allclose([-0.8, 0.8], _numpy_step(A, np.zeros(2), np.array([1.0, 2.0]), 0.1))
    assert scalar.verdict == "incorrect" and "1x1" in scalar.message


def test_line_search_is_the_minimiser_along_the_ray() -> None:
    """seed 002 P2: eta*(u) = g^T g / g^T H g minimises f(u - eta g) (checked numerically)."""
    A = np.array([[5.0, 2.0], [2.0, 2.0]])
    q = stepsize.Quadratic(sp.Matrix([[5, 2], [2, 2]]), sp.zeros(2, 1), sp.Integer(0),
                           tuple(sp.symbols("x y")))
    step = stepsize.line_search_step(q)
    u = np.array([0.7, -1.3])
    g = 2 * A @ u
    etas = np.linspace(0, 0.5, 20001)
    vals = [(u - e * g) @ A @ (u - e * g) for e in etas]
    eta_num = etas[int(np.argmin(vals))]
    assert float(step.subs({sp.Symbol("x"): 0.7, sp.Symbol("y"): -1.3})) == pytest.approx(
        eta_num, abs=1e-4)


# -- CNN (seed 002 P3): against a direct sliding-window simulation on arrays ---------------


def _direct(h: int, w: int, c: int, layers: list[cnn.Layer]) -> tuple[tuple, int]:
    """Run the layers on an actual array with explicit loops; count parameters from arrays."""
    x = np.ones((c, h, w))
    params = 0
    for L in layers:
        (kh, kw), (sh, sw), (ph, pw) = L.kernel, L.stride, L.padding
        xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
        positions_h = list(range(0, xp.shape[1] - kh + 1, sh))
        positions_w = list(range(0, xp.shape[2] - kw + 1, sw))
        if not positions_h or not positions_w:
            raise ShapeError("empty")
        if positions_h[-1] + kh != xp.shape[1] or positions_w[-1] + kw != xp.shape[2]:
            raise ShapeError("stride does not tile the input")
        if L.type == "conv":
            weight = np.ones((L.filters, x.shape[0], kh, kw))
            bias = np.zeros(L.filters)
            params += weight.size + bias.size
            out = np.array([[[np.sum(weight[f] * xp[:, a:a + kh, b:b + kw]) + bias[f]
                              for b in positions_w] for a in positions_h]
                            for f in range(L.filters)])
        else:
            out = np.array([[[xp[ch, a:a + kh, b:b + kw].max() for b in positions_w]
                             for a in positions_h] for ch in range(x.shape[0])])
        x = out
    return x.shape, params


layer_st = st.builds(
    lambda kind, k, s, p, f: cnn.Layer("l", kind, (k, k), (s, s) if kind == "conv" else (k, k),
                                       (p, p) if kind == "conv" else (0, 0),
                                       f if kind == "conv" else None, kind == "conv"),
    st.sampled_from(["conv", "maxpool"]), st.integers(1, 3), st.integers(1, 2),
    st.integers(0, 1), st.integers(1, 3))


@settings(max_examples=25, deadline=None)
@given(h=st.integers(4, 12), c=st.integers(1, 2), layers=st.lists(layer_st, max_size=3))
def test_cnn_shapes_match_direct_simulation(h: int, c: int, layers: list[cnn.Layer]) -> None:
    try:
        shape, params = _direct(h, h, c, layers)
    except ShapeError:
        with pytest.raises(ShapeError):
            cnn.simulate(cnn.Shape(h, h, c), layers)
        return
    res = cnn.simulate(cnn.Shape(h, h, c), layers)
    last = res[-1].output if res else cnn.Shape(h, h, c)
    assert (last.channels, last.height, last.width) == shape
    assert sum(r.params for r in res) == params


def test_cnn_impossible_layer_is_named() -> None:
    """A 5x5 input with a 2x2 stride-2 pooling: 2 does not divide 3; the error names the layer."""
    text = """title = "t"\nkind = "cnn"\n[input]\nheight = 5\nwidth = 5\nchannels = 1
[[layers]]\nname = "p"\ntype = "maxpool"\nkernel = 2\n"""
    with pytest.raises(ProblemFileError, match=r"layers\[0\].*layer 1 \(p\).*does not divide"):
        parse_text(text)
    with pytest.raises(ProblemFileError, match=r"layers\[0\].*kernle"):
        parse_text(text.replace("kernel", "kernle"))
    with pytest.raises(ProblemFileError, match=r"input.height.*expected an integer"):
        parse_text(text.replace("height = 5", 'height = "5"'))


# -- regularisation (seed 004 P3): random symmetric H and mu against numpy ----------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 4), mu=st.floats(0.05, 5))
def test_regularised_optimum_against_numpy(seed: int, n: int, mu: float) -> None:
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(n, n))
    H = B @ B.T
    w_star = rng.normal(size=n)
    w = np.linalg.solve(H + mu * np.eye(n), H @ w_star)
    grad = H @ (w - w_star) + mu * w  # the regularised loss's gradient vanishes there
    assert np.allclose(grad, 0, atol=1e-9)
    lam, Q = np.linalg.eigh(H)
    spectral = np.array(regularisation.spectral_optimum(
        sp.Matrix(Q.tolist()), [sp.Float(v) for v in lam], sp.Matrix(w_star.tolist()),
        sp.Float(mu)).tolist(), dtype=float).ravel()
    assert np.allclose(spectral, w, atol=1e-8)
    exact = regularisation.regularised_optimum(
        sp.Matrix(np.round(H, 6).tolist()).applyfunc(sp.nsimplify), sp.Matrix(w_star.tolist()),
        sp.Float(mu))
    assert np.allclose(np.array(exact.tolist(), dtype=float).ravel(),
                       np.linalg.solve(np.round(H, 6) + mu * np.eye(n),
                                       np.round(H, 6) @ w_star), atol=1e-6)


def test_regularisation_symbolic_checks_and_wrong_claim() -> None:
    """seed 004 P3: the symbolic checks run; (H + mu I)^{-1} w* (H dropped) is caught."""
    assert len(regularisation.verify_symbolic(2)) == 4
    text = """title = "t"\nkind = "regularisation"
[[claims]]\nid = "c"\ntarget = "optimum"\nlatex = '(H + \\mu I)^{-1} w^*'\n"""
    v = parse_text(text).check()[0]
    assert v.verdict == "incorrect" and "expected" in v.counterexample


# -- identities (seeds 000, 001): proofs end in the identity; delta summation rule ---------


def test_identity_proofs_end_in_the_identity() -> None:
    p = identity_proofs.softmax_cross_entropy()
    assert p.steps[-1].rhs == identity_proofs.SM - identity_proofs.t[identity_proofs.i]
    assert not any(s.rhs.has(sp.KroneckerDelta) for s in p.steps[3:])
    assert p.steps[0].rhs.has(identity_proofs.K)  # symbolic size, not a numeric check
    assert identity_proofs.log_sum_exp_gradient().steps[-1].rhs == identity_proofs.SM
    assert identity_proofs.sigmoid_derivative().steps[-1].rhs.has(sp.Function("sigma"))
    assert identity_proofs.tanh_derivative().steps[-1].rhs == 1 - sp.tanh(identity_proofs.x) ** 2


@pytest.mark.parametrize("name", sorted(identity_proofs.IDENTITIES))
def test_every_proof_step_is_checked_mechanically(name: str) -> None:
    """Issue #4: no step rests on its written justification alone; each has a passed check."""
    proof = identity_proofs.IDENTITIES[name]()
    assert proof.proved
    assert all(s.status == "checked" and s.check for s in proof.steps)
    assert proof.checks and not any("FAILED" in c or "undecided" in c for c in proof.checks)


def test_log_quotient_step_checked_two_ways() -> None:
    """seed 000 Q2 step 2: log(e^{z_k}/S) = z_k - log S by expand_log and by d/dz_p + z = 0."""
    check = identity_proofs.softmax_cross_entropy().steps[1].check
    assert "expand_log, no force" in check and "d/dz_p" in check and "z = 0" in check


def _ce_sides() -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """E before and after the log step, and T = sum_k t_k."""
    z, t, j, k, K = identity_proofs.z, identity_proofs.t, identity_proofs.j, identity_proofs.k, identity_proofs.K
    S = sp.Sum(sp.exp(z[j]), (j, 1, K))
    T = sp.Sum(t[k], (k, 1, K))
    E0 = -sp.Sum(t[k] * sp.log(sp.exp(z[k]) / S), (k, 1, K))
    return E0, T * sp.log(S) - sp.Sum(t[k] * z[k], (k, 1, K)), T


def _status(lhs: sp.Expr, rhs: sp.Expr, check: Any) -> str:
    return identity_proofs.step(lhs, rhs, "mutant", check).status


def test_step_checks_reject_wrong_steps() -> None:
    """Mutants of each kind of step fail their check (a check that always passes is no check)."""
    I = identity_proofs
    E0, E1, T = _ce_sides()
    z, t, i, K, x = I.z, I.t, I.i, I.K, I.x
    assert _status(E0, E1, I.check_log_quotient(E0, E1)) == "checked"
    assert _status(E0, E1 + T, I.check_log_quotient(E0, E1 + T)) == "failed"  # off by a constant
    assert _status(E0, -E1, I.check_log_quotient(E0, -E1)) == "failed"
    d2 = sp.diff(E1, z[i])
    assert _status(E1, d2 + t[i], I.check_derivative(E1, d2 + t[i], z[i])) == "failed"
    d3 = I.sum_deltas(d2)
    assert _status(d2, d3, I.check_delta_sums(d2, d3, i, K)) == "checked"
    assert _status(d2, d3 + t[i], I.check_delta_sums(d2, d3 + t[i], i, K)) == "failed"
    assert _status(d3, I.SM * T, I.check_rename(d3, I.SM * T, I.SM, I.softmax(z, i, K))) == "failed"
    before, wrong = I.SM * T - t[i], I.SM + t[i]
    assert _status(before, wrong, I.check_condition(before, wrong, T, 1, "sum_k t_k = 1")) == "failed"
    d_sig = sp.diff(1 / (1 + sp.exp(-x)), x)
    assert _status(x, I.SIGMA**2, I.check_exp_rational(d_sig, I.SIGMA**2)) == "failed"
    assert _status(x, I.SIGMA, I.check_definition(I.SIGMA, 1 / (1 + sp.exp(-x)), "sigma")) == "failed"


def test_log_quotient_calculus_check_alone() -> None:
    """Part (b) of the log step by itself: a constant offset is caught at z = 0, a z-dependent
    one by d/dz_p."""
    E0, E1, T = _ce_sides()
    z, k, K = identity_proofs.z, identity_proofs.k, identity_proofs.K
    assert identity_proofs.log_quotient_by_calculus(E0, E1) is None
    assert "z = 0" in identity_proofs.log_quotient_by_calculus(E0, E1 + T)
    assert "d/dz_p" in identity_proofs.log_quotient_by_calculus(E0, E1 + sp.Sum(z[k], (k, 1, K)))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 9))
def test_softmax_ce_identity_against_finite_differences(seed: int, n: int) -> None:
    """The proved identities at a random K, z and t (not one-hot) against central differences
    of E = -sum_k t_k log softmax(z)_k and of log-sum-exp, computed with numpy."""
    rng = np.random.default_rng(seed)
    zs, ts = rng.normal(size=n) * 2, rng.uniform(0, 2, size=n)

    def E(v: np.ndarray) -> float:
        return float(-(ts * (v - np.log(np.sum(np.exp(v))))).sum())

    def lse(v: np.ndarray) -> float:
        return float(np.log(np.exp(v).sum()))

    h = 1e-6
    fd = np.array([(E(zs + h * e) - E(zs - h * e)) / (2 * h) for e in np.eye(n)])
    fd_lse = np.array([(lse(zs + h * e) - lse(zs - h * e)) / (2 * h) for e in np.eye(n)])
    sm = np.exp(zs) / np.exp(zs).sum()
    T = sp.Sum(identity_proofs.t[identity_proofs.k], (identity_proofs.k, 1, identity_proofs.K))
    general = identity_proofs.softmax_cross_entropy().steps[-2].rhs  # softmax(z)_i sum_k t_k - t_i
    total, t_i = sp.symbols("total t_i")
    f = sp.lambdify((identity_proofs.SM, total, t_i),
                    general.xreplace({T: total, identity_proofs.t[identity_proofs.i]: t_i}))
    assert np.allclose([f(sm[a], ts.sum(), ts[a]) for a in range(n)], fd, atol=1e-6)
    g = sp.lambdify(identity_proofs.SM, identity_proofs.log_sum_exp_gradient().steps[-1].rhs)
    assert np.allclose([g(sm[a]) for a in range(n)], fd_lse, atol=1e-6)


def _identity_claim(name: str, latex: str) -> Any:
    text = (f'title = "t"\nkind = "identity"\n[identity]\nname = "{name}"\n[[claims]]\n'
            f'id = "c"\ntarget = "derivative"\nlatex = \'\'\'{latex}\'\'\'\n')
    return parse_text(text).check()[0]


def test_scalar_identity_claims() -> None:
    """sigma' and tanh' claims: right forms correct; a wrong sign is incorrect at a point
    whose values numpy confirms; sigma of another argument is undecided."""
    assert _identity_claim("sigmoid_derivative", r"\sigma(x)(1 - \sigma(x))").verdict == "correct"
    assert _identity_claim("sigmoid_derivative", r"\frac{e^{-x}}{(1+e^{-x})^2}").verdict == "correct"
    assert _identity_claim("tanh_derivative", r"1 - \tanh^2(x)").verdict == "correct"
    v = _identity_claim("sigmoid_derivative", r"\sigma'(x) = \sigma(x)(1 + \sigma(x))")
    assert v.verdict == "incorrect"
    s = 1 / (1 + np.exp(-float(sp.Rational(v.counterexample["x"]))))
    assert float(v.counterexample["expected"]) == pytest.approx(s * (1 - s))
    assert float(v.counterexample["claimed"]) == pytest.approx(s * (1 + s))
    v = _identity_claim("tanh_derivative", r"1 + \tanh(x)^2")
    th = np.tanh(float(sp.Rational(v.counterexample["x"])))
    assert v.verdict == "incorrect" and float(v.counterexample["claimed"]) == pytest.approx(1 + th**2)
    assert float(v.counterexample["expected"]) == pytest.approx(1 - th**2)
    assert _identity_claim("sigmoid_derivative", r"\sigma(2x)").verdict == "undecided"


def test_delta_summation_rule() -> None:
    a = sp.IndexedBase("a")
    i, k, n = sp.symbols("i k n", integer=True, positive=True)
    e = sp.Sum(a[k] * sp.KroneckerDelta(i, k) + 3, (k, 1, n))
    assert identity_proofs.sum_deltas(e) == a[i] + 3 * n


# -- calculus (seed 003): Jacobians and gradients against finite differences --------------


def test_jacobian_against_finite_differences() -> None:
    xs = sp.symbols("x_1 x_2 x_3", real=True)
    fs = [2 * xs[0] ** 2 + 3 * xs[1] + 5, sp.sin(xs[2]) * sp.exp(xs[0])]
    J = sp.lambdify(xs, calculus.jacobian(fs, list(xs)))
    F = sp.lambdify(xs, sp.Matrix(fs))
    rng = np.random.default_rng(0)
    for _ in range(10):
        p = rng.normal(size=3)
        h = 1e-6
        fd = np.column_stack([(np.array(F(*(p + h * e))) - np.array(F(*(p - h * e)))).ravel()
                              / (2 * h) for e in np.eye(3)])
        assert np.allclose(np.array(J(*p), dtype=float), fd, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_direction_sign_against_numpy(seed: int) -> None:
    """Random f = a sin(x_1) + b x_1 x_2 + c x_2^2, random rational y and c: the word from
    calculus.direction is the sign of (central-difference gradient at y) . (y - c)."""
    rng = np.random.default_rng(seed)
    a, b, c2 = (int(v) for v in rng.integers(-3, 4, size=3))
    x1, x2 = sp.symbols("x_1 x_2", real=True)
    f = a * sp.sin(x1) + b * x1 * x2 + c2 * x2**2
    y = sp.Matrix([sp.Rational(int(v), 4) for v in rng.integers(-12, 13, size=2)])
    c = sp.Matrix([sp.Rational(int(v), 4) for v in rng.integers(-12, 13, size=2)])
    word, s = calculus.direction(calculus.gradient(f, [x1, x2]).subs({x1: y[0], x2: y[1]}), y, c)
    fn = sp.lambdify((x1, x2), f)
    yv, cv, h = np.array(y, dtype=float).ravel(), np.array(c, dtype=float).ravel(), 1e-6
    grad = np.array([(fn(*(yv + h * e)) - fn(*(yv - h * e))) / (2 * h) for e in np.eye(2)])
    dot = float(grad @ (yv - cv))
    assert float(sp.N(s)) == pytest.approx(dot, abs=1e-6)
    if abs(dot) > 1e-6:
        assert word == ("away" if dot > 0 else "towards")
    elif s == 0:
        assert word == "perpendicular"


def test_classify_from_hessian() -> None:
    x, y = sp.symbols("x y", real=True)
    assert calculus.classify(sp.hessian(x**2 + y**2, (x, y))) == "minimum"
    assert calculus.classify(sp.hessian(-(x**2) - y**2, (x, y))) == "maximum"
    assert calculus.classify(sp.hessian(x**2 - y**2, (x, y))) == "saddle"
    assert calculus.classify(sp.hessian(x**4 + y**2, (x, y)).subs({x: 0, y: 0})) == "inconclusive"


def test_unknown_field_names_file_and_field() -> None:
    text = """title = "t"\nkind = "calculus"\n[function]\nvariables = ["x"]\nscalr = 'x^2'\n"""
    with pytest.raises(ProblemFileError, match=r"<string>: function.scalr: unknown field"):
        parse_text(text)
