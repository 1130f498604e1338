"""Untrusted formulas in the notation layer: undefined values, huge powers and towers are
errors with a reason (exit 2), never a verdict and never a hang (each case runs in seconds)."""

from __future__ import annotations

import time
from functools import cache

import pytest
from conftest import DERIVATIONS

from symderiv import check_formula
from symderiv.cli import EXIT_BAD_INPUT, main
from symderiv.kinds import load

S002 = DERIVATIONS / "seed002-p1-network.toml"


@cache
def seed002():
    return load(S002)


@pytest.mark.parametrize(
    "latex,target,why",
    [
        # oo = oo must not pass for equality: an undefined value is an error
        ("1/0", "dL/db2", "division by zero"),
        (r"\frac{1}{0}", "dL/db2", "division by zero"),
        ("0/0", "dL/db2", "division by zero"),
        (r"\begin{bmatrix} 1/0 \\ 1/0 \end{bmatrix}", "dL/db1", "division by zero"),
        (r"\log 0", "dL/db2", "no finite real value"),
        ("0^{-1}", "dL/db2", "no finite real value"),
        (r"(b^{(2)} - b^{(2)})^{-1}", "dL/db2", "no finite real value"),
        (r"\log(0) - \log(0)", "dL/db2", "no finite real value"),
        (r"\log(-1)", "dL/db2", "no finite real value"),
        # towers and huge magnitudes: bounded before they are computed
        ("((10^{64})^{64})^{64}", "dL/db2", "digits"),
        ("(((((10^{64})^{64})^{64})^{64})^{64})^{64}", "dL/db2", "digits"),
        (r"\exp(10^{64})", "dL/db2", "too large"),
        (r"\exp(\exp(\exp(60)))", "dL/db2", "too large"),
        ("x^" * 300 + "2", "dL/db2", "double superscript"),
        ("2^" * 200 + "2", "dL/db2", "double superscript"),
        ("2^{2^{2^{99}}}", "dL/db2", "exponent 99 too large"),
        (r"\sum_{k=1}^{1000000} k", "dL/db2", "too many terms"),
    ],
)
def test_bad_values_are_errors(latex: str, target: str, why: str) -> None:
    start = time.monotonic()
    v = check_formula(seed002(), target, latex)
    assert time.monotonic() - start < 20, latex
    assert v.verdict == "error" and why in v.message, (latex, v.verdict, v.message)


def test_power_of_a_power_of_a_name_is_bounded() -> None:
    """(w^{64})^{64})^{64} would be degree 262144: refused with its exponent, in time."""
    v = check_formula(seed002(), "dL/db2", r"(((b^{(2)})^{64})^{64})^{64}")
    assert v.verdict == "error" and "power of a power" in v.message, v.message


def test_cli_exit_status_for_an_undefined_claim(capsys) -> None:
    status = main(["check", str(S002), "--claim", "1/0", "--target", "dL/db2"])
    out = capsys.readouterr()
    assert status == EXIT_BAD_INPUT and "division by zero" in out.out and "Traceback" not in out.err
