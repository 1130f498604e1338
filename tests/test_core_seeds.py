"""The seeds' own numbers, reproduced exactly, and the verdicts on the students' numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp

from symderiv import load
from symderiv.cli import main
from symderiv.core.exact import read_numeric_latex
from symderiv.core.numeric import exact_decimal

DERIVATIONS = Path(__file__).resolve().parent.parent / "derivations"

# (file, parameter, the numbers as the seed prints them)
SEED_NUMBERS = [
    # seed 000 Q1: the student's printed results
    ("seed000-q1-network.toml", "b2", [["-2.732"]]),
    ("seed000-q1-network.toml", "W2", [["0.1168", "0", "0.1536"]]),
    ("seed000-q1-network.toml", "b1", [["0.0268", "0", "0.134"]]),
    ("seed000-q1-network.toml", "W1", [["0.0122", "0", "0.061"], ["-0.0268", "0", "-0.134"]]),
    # seed 002 P1
    ("seed002-p1-network.toml", "W1", [["0.131", "-0.2358", "-0.0524", "0.2096"],
                                       ["-0.2544", "-0.318", "0.0318", "-0.0954"]]),
    ("seed002-p1-network.toml", "w2", [["-1.2445"], ["-0.2385"]]),
    ("seed002-p1-network.toml", "b1", [["-0.262"], ["-0.318"]]),
    ("seed002-p1-network.toml", "b2", [["-2.04"]]),
]


@pytest.mark.parametrize("name,param,numbers", SEED_NUMBERS)
def test_gradients_reproduce_the_seed_exactly(name: str, param: str, numbers: list[list[str]]) -> None:
    """Exact rationals from the data: the printed decimals are the exact values."""
    problem = load(DERIVATIONS / name)
    _, grads = problem.exact_values(problem.point())
    expected = sp.Matrix([[sp.Rational(v) for v in row] for row in numbers])
    assert grads[param] == expected


def test_seed002_loss_is_2037_over_2000() -> None:
    """seed 002 P1: L = 1/2 (0.04 + 0.2809 + 1.7161) = 1.0185 = 2037/2000 exactly."""
    problem = load(DERIVATIONS / "seed002-p1-network.toml")
    loss, _ = problem.exact_values(problem.point())
    assert loss == sp.Rational(2037, 2000)
    assert exact_decimal(loss) == "1.0185"


@pytest.mark.parametrize("name", ["seed000-q1-network.toml", "seed002-p1-network.toml"])
def test_solve_json_prints_the_seed_numbers(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(DERIVATIONS / name), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    problem = load(DERIVATIONS / name)
    for param, spec in problem.net.params.items():
        grid = data["gradients"][param]
        assert (len(grid), len(grid[0])) == spec.shape
    numbers = {p: n for f, p, n in SEED_NUMBERS if f == name}
    for param, rows in numbers.items():
        assert data["gradients_exact"][param] == [[exact_decimal(sp.Rational(v)) for v in r] for r in rows]
    if name.startswith("seed002"):
        assert data["loss"] == pytest.approx(1.0185, abs=0) and data["loss_exact"] == "1.0185"


def test_numeric_claims_of_seeds_000_and_002_are_judged() -> None:
    """The students' numbers in seeds 000 and 002 all agree with the exact gradients."""
    for name in ("seed000-q1-network.toml", "seed002-p1-network.toml"):
        problem = load(DERIVATIONS / name)
        numeric = [c for c in problem.claims if read_numeric_latex(c.latex) is not None]
        assert len(numeric) >= 4
        for v in problem.check(numeric):
            assert v.verdict == "correct", (v.id, v.message)


def test_a_wrong_number_is_incorrect_with_its_entry() -> None:
    """A mistyped entry of seed 002's ∂L/∂W1 is found, with the entry and the true value."""
    problem = load(DERIVATIONS / "seed002-p1-network.toml")
    from symderiv import check_formula

    v = check_formula(problem, "dL/dW1", r"\begin{bmatrix} 0.131 & -0.2358 & -0.0524 & 0.2096 \\ "
                                         r"-0.2544 & -0.318 & 0.0318 & 0.0954 \end{bmatrix}")
    assert v.verdict == "incorrect"
    assert v.counterexample == {"entry": [2, 4], "expected": sp.Rational("-0.0954"), "claimed": sp.Rational("0.0954")}


def test_rounded_numbers_are_accepted_to_the_digits_written() -> None:
    """-2.73 for -2.732 is right to two decimals; -2.74 is not."""
    problem = load(DERIVATIONS / "seed000-q1-network.toml")
    from symderiv import check_formula

    assert check_formula(problem, "dL/db2", "-2.73").verdict == "correct"
    assert check_formula(problem, "dL/db2", "-2.74").verdict == "incorrect"


def test_wrong_shape_is_reported() -> None:
    """A 4x2 answer for the 2x4 weight of seed 002 is wrong because of its shape."""
    problem = load(DERIVATIONS / "seed002-p1-network.toml")
    from symderiv import check_formula

    v = check_formula(problem, "dL/dW1", "[[1, 2], [3, 4], [5, 6], [7, 8]]")
    assert v.verdict == "incorrect" and v.mistake == "wrong shape"


@pytest.mark.parametrize("path", sorted(DERIVATIONS.glob("*network*.toml")), ids=lambda p: p.name)
def test_every_network_problem_is_verified(path) -> None:
    """Element-wise = matrix form (symbolically) and = finite differences, for each file."""
    checks = load(path).verify()
    assert all(c.passed for c in checks), [c.__dict__ for c in checks]
    assert "symbolic identity" in checks[0].method


def test_mnist_size_network_is_checked_numerically_at_full_size() -> None:
    """seed 003: 784-100-10, batch 64 — never expanded; directional differences agree."""
    problem = load(DERIVATIONS / "seed003-s4-mnist-network.toml")
    assert not problem.small and problem.net.widths == [784, 100, 10] and problem.batch == 64
    checks = problem.verify()
    assert checks[0].passed and "every width and batch size" in checks[0].detail
    assert checks[1].passed and "random directions" in checks[1].method
