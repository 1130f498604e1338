"""Each built-in loss name is shorthand for a formula: the formula, read by the notation layer, is the
same loss (proved exactly by kinds/network_loss), and unsupported formulas are errors naming the part."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp

from symderiv.core.network import Layer, Network, SymbolicNet
from symderiv.kinds.network_loss import LossFormulaError, read_loss_formula
from symderiv.notation import NotationTable

TABLE = NotationTable.from_dict({"t": "t", r"\lambda": "0.1", r"\sigma": "sigmoid", "sizes": {"K": 2}})

#: (built-in name, the formula a course writes for it) -- source: the LaTeX of each LOSSES entry in core/ops.py.
BUILT_IN = [
    ("half_sse", r"L = \frac{1}{2}\sum_{n=1}^{N}\sum_{k=1}^{K} (\hat{y}_{n,k} - t_{n,k})^2"),
    ("sse", r"L = \sum_{n=1}^{N} \|\hat{y}_n - t_n\|^2"),
    ("mse", r"L = \frac{1}{N}\sum_{n=1}^{N}\sum_{k=1}^{K} (\hat{y}_{n,k} - t_{n,k})^2"),
    ("softmax_cross_entropy",
     r"L = \sum_{n=1}^{N}\left(\log\sum_{k=1}^{K} e^{\hat{y}_{n,k}} - \sum_{k=1}^{K} t_{n,k}\hat{y}_{n,k}\right)"),
    ("sigmoid_binary_cross_entropy",
     r"L = -\sum_{n=1}^{N}\sum_{k=1}^{K}\left(t_{n,k}\log\sigma(\hat{y}_{n,k})"
     r" + (1 - t_{n,k})\log(1 - \sigma(\hat{y}_{n,k}))\right)"),
]


def _net(loss: str = "sse") -> Network:
    layers = (Layer(2, "leaky_relu", "W1", "b1", sp.Rational(1, 10)), Layer(2, "identity", "W2", "b2"))
    names = (("W1", "W^{(1)}"), ("b1", "b^{(1)}"), ("W2", "W^{(2)}"), ("b2", "b^{(2)}"))
    return Network(2, layers, "row", loss, latex_names=names)


def _one_hot(expr: sp.Expr, n: int) -> sp.Expr:
    """Each target row (2 entries) as (t, 1 - t): the rows of a cross-entropy sum to 1."""
    return expr.xreplace({sp.Symbol(f"T[{r},2]", real=True): 1 - sp.Symbol(f"T[{r},1]", real=True)
                          for r in range(1, n + 1)})


@pytest.mark.parametrize(("name", "formula"), BUILT_IN, ids=[n for n, _ in BUILT_IN])
def test_each_built_in_loss_is_its_formula(name: str, formula: str) -> None:
    """The formula's network has the built-in's loss at every batch size tried: the whole loss of the
    network (outputs written out) is the same expression, exactly, at N = 3."""
    read = read_loss_formula(formula, _net(), TABLE, 3)
    built_in = _net(name)
    for n in (1, 3):
        difference = SymbolicNet(read, n).loss - SymbolicNet(built_in, n).loss
        if built_in.loss.one_hot_targets:
            difference = _one_hot(difference, n)
        assert sp.simplify(sp.expand(difference)) == 0, (name, n)


@pytest.mark.parametrize(("formula", "reading"), [
    (r"L = \frac{1}{2N}\sum_{n} \|\hat{y}_n - t_n\|^2 + \frac{\lambda}{2}\|W^{(1)}\|_F^2",
     ("half_sse", 1, True, (("W1", sp.Rational(1, 10)),))),
    (r"\frac{3}{N}\sum_{n=1}^{N} \|\hat{y}_n - t_n\|^2 + \lambda\|b^{(1)}\|^2 + 2\|W^{(2)}\|_F^2",
     ("sse", 3, True, (("b1", sp.Rational(1, 5)), ("W2", 4)))),
])
def test_reductions_and_partial_penalties(formula: str, reading: tuple) -> None:
    net = read_loss_formula(formula, _net(), TABLE, 4)
    assert (net.loss_name, net.loss_scale, net.batch_mean, net.l2) == reading


@pytest.mark.parametrize(("formula", "named"), [
    (r"\frac{1}{N}\sum_{n=1}^{N} |\hat{y}_{n,1} - t_{n,1}|", "not a multiple of a registered per-sample loss"),
    (r"\frac{1}{N^2}\sum_{n=1}^{N} \|\hat{y}_n - t_n\|^2", "only a constant factor or a factor over N"),
    (r"\sum_{n} \|\hat{y}_n - t_n\|^2 + \lambda \sum_{k} |b^{(1)}_k|", r"other than by an L2 penalty"),
    (r"\sum_{n} \|\hat{y}_n - t_n\|^2 + W^{(1)}_{1,1} W^{(1)}_{1,2}", r"W^{(1)}"),
    (r"\lambda\|W^{(1)}\|_F^2", "no term in the output"),
    (r"\sum_{n} \|\hat{y}_n - t_n\|^2 + \|x_1\|^2", "unknown name"),
])
def test_unsupported_formulas_are_errors_naming_the_part(formula: str, named: str) -> None:
    with pytest.raises(Exception) as info:
        read_loss_formula(formula, _net(), TABLE, 3)
    assert named in str(info.value)
    assert isinstance(info.value, LossFormulaError) or "unknown name" in str(info.value)


# -- per-sample weights: the loss and dL/dW against the formula computed by hand in exact rationals -----

WEIGHTED = r"""
title = "weighted least squares"
kind = "network"
[model]
layout = "{layout}"
inputs = 2
loss = 'L = \frac{{1}}{{N}}\sum_{{n=1}}^{{N}} \omega_n (\hat{{y}}_n - t_n)^2 + \frac{{\lambda}}{{2}}\|W\|_F^2'
layers = [ {{ units = 1, activation = "identity", weight = "W", bias = "b" }} ]
[params.W]
value = {w}
[params.b]
shape = []
value = 0.5
[data]
X = [[1, 2], [3, -1], [0, 1]]
T = [1, 0, -2]
weights = [2, 0.5, 3]
[notation]
'\omega' = 's'
'\lambda' = '0.1'
'\hat{{y}}' = 'y'
t = 't'
"""


@pytest.mark.parametrize("layout", ["row", "column"])
def test_per_sample_weights_match_the_formula_by_hand(layout: str) -> None:
    """L = 1/N Σ ω_n (y_n - t_n)^2 + λ/2 ||W||², dL/dW = 2/N Σ ω_n (y_n - t_n) x_n + λ W, in exact rationals."""
    from symderiv.kinds import parse_text

    w_value = "[[1], [-2]]" if layout == "row" else "[[1, -2]]"
    problem = parse_text(WEIGHTED.format(layout=layout, w=w_value))
    assert problem.net.sample_weights and problem.net.batch_mean and problem.net.loss_name == "sse"
    x = [(1, 2), (3, -1), (0, 1)]
    t, omega, w, b, lam = [1, 0, -2], [sp.Integer(2), sp.Rational(1, 2), sp.Integer(3)], (1, -2), sp.Rational(1, 2), \
        sp.Rational(1, 10)
    r = [x1 * w[0] + x2 * w[1] + b - tn for (x1, x2), tn in zip(x, t, strict=True)]
    loss = sum(o * rn**2 for o, rn in zip(omega, r, strict=True)) / 3 + lam / 2 * (w[0] ** 2 + w[1] ** 2)
    grad = [2 * sum(o * rn * xn[i] for o, rn, xn in zip(omega, r, x, strict=True)) / 3 + lam * w[i] for i in (0, 1)]
    got_loss, got = problem.exact_values(problem.point())
    assert got_loss == loss
    assert list(got["W"]) == grad
    assert all(check.passed for check in problem.verify())


# -- forward equations stated as the sheet writes them: solve judges each, and refuses a false one ----

@pytest.mark.parametrize(("equation", "holds"), [
    (r"h_n = \phi(z_n)", True),  # typed A's own
    (r"h_n = z_n", False),  # the leaky ReLU left out
    (r"\hat{y}_n = h_n w^{(2)}", False),  # the output bias left out
])
def test_stated_forward_equations_are_checked(equation: str, holds: bool) -> None:
    from symderiv.core.errors import SymderivError
    from symderiv.kinds import parse_text

    path = Path(__file__).resolve().parents[1] / "derivations" / "typed-a-leaky-mean-l2.toml"
    text = re.sub(r"^forward = .*$", lambda _: f"forward = ['{equation}']", path.read_text(encoding="utf-8"),
                  flags=re.M)
    problem = parse_text(text, str(path))
    check = problem.verify()[-1]
    assert check.passed is holds, check.detail
    if not holds:
        with pytest.raises(SymderivError, match="refusing to print"):
            problem.solve()


# -- file-level errors: one line naming the field -----------------------------------------------------

MINIMAL = """
title = "t"
kind = "network"
[model]
layout = "row"
inputs = 2
loss = {loss}
layers = [ {{ units = 2, activation = "identity", weight = "W", bias = "b" }} ]
{extra}
[data]
X = [[1, 2], [3, 4]]
T = {targets}
[notation]
t = 't'
'\\hat{{y}}' = 'y'
"""

CE = r"'\frac{1}{N}\sum_{n=1}^{N}\left(\log\sum_{k} e^{\hat{y}_{n,k}} - \sum_{k} t_{n,k}\hat{y}_{n,k}\right)'"


@pytest.mark.parametrize(("loss", "extra", "targets", "field", "named"), [
    ('"half-sse"', "", "[[1, 0], [0, 1]]", "model.loss", "known: half_sse"),  # a misspelt name stays a name
    (r"'\sum_{n} \|\hat{y}_n - t_n\|^2'", "l2 = { coef = 0.1, params = ['W'] }", "[[1, 0], [0, 1]]", "model.l2",
     "state its L2 penalty in the formula"),
    ('"sse"', "", "[[1, 0], [0, 1]]\nweights = [1, 2]", "data.weights", "belong to a loss formula"),
    (CE, "", "[[0.5, 0], [0, 1]]", "model.loss", "target rows that sum to 1"),
    (r"'\sum_{n} \|\hat{y}_n - t_n\|'", "", "[[1, 0], [0, 1]]", "model.loss", "not a multiple"),
])
def test_file_errors_name_the_field(loss: str, extra: str, targets: str, field: str, named: str) -> None:
    from symderiv.core.errors import ProblemFileError
    from symderiv.kinds import parse_text

    with pytest.raises(ProblemFileError) as info:
        parse_text(MINIMAL.format(loss=loss, extra=extra, targets=targets))
    assert info.value.field == field and named in info.value.reason, str(info.value)


def test_the_cross_entropy_formula_reads_with_one_hot_targets() -> None:
    from symderiv.kinds import parse_text

    net = parse_text(MINIMAL.format(loss=CE, extra="", targets="[[1, 0], [0, 1]]")).net
    assert (net.loss_name, net.loss_scale, net.batch_mean) == ("softmax_cross_entropy", 1, True)
