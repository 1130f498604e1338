"""The cnn kind on claims as students write them: the padding of the problem's layers, every step of
the arithmetic, a shape cut short, channels first, the general pooling formula."""

from __future__ import annotations

import pytest

from symderiv.kinds import parse_text
from symderiv.kinds.base import Claim

PADDED = """title = 'c'
kind = 'cnn'
[input]
height = 28
width = 28
channels = 1
[[layers]]
name = "convA"
type = "conv"
kernel = 3
padding = 1
filters = 16
"""
POOLED = """title = 'p'
kind = 'cnn'
[input]
height = 64
width = 48
channels = 3
[[layers]]
name = "p1"
type = "maxpool"
kernel = 2
stride = 2
"""


@pytest.mark.parametrize("problem,target,latex,verdict", [
    # the formula without padding was correct for a padded layer (28 - 3 + 1 = 26, not 28)
    (PADDED, "formula.conv_output", r"\frac{n - k}{s} + 1", "incorrect"),
    (PADDED, "formula.conv_output", r"\frac{n + 2p - k}{s} + 1", "correct"),
    # every step of the arithmetic: 3·3·3·16 = 432, not 144 (only the last number was read)
    (PADDED, "weights.convA", r"3 \times 3 \times 3 \times 16 = 144", "incorrect"),
    (PADDED, "weights.convA", r"3 \times 3 \times 1 \times 16 = 144", "correct"),
    (PADDED, "params.convA", "144 + 16 = 160", "correct"),
    # a shape cut short was read by its digits alone
    (PADDED, "output.convA", r"28 \times 28 \times", "error"),
    (PADDED, "output.convA", r"28 \times 28, 16 feature maps", "correct"),
    (PADDED, "output.convA", r"16 \times 28 \times 28", "correct"),  # channels first, as PyTorch prints it
    (PADDED, "output.convA", r"16 \times 26 \times 26", "incorrect"),
    (PADDED, "output.convA", r"28^2 \times 16", "correct"),  # a side squared: it was read as 28 x 2 x 16
    (PADDED, "output.convA", r"26^{2} \times 16", "incorrect"),
    # the general pooling formula was incorrect, with a false counterexample, where window = stride
    (POOLED, "formula.pool_output", r"\frac{\text{Input size} - \text{Kernel size}}{\text{Stride}} + 1", "correct"),
    (POOLED, "formula.pool_output", r"\frac{\text{Input size}}{\text{Stride}}", "correct"),
    (POOLED, "formula.pool_output", r"\frac{n - k + 1}{s}", "incorrect"),
])
def test_cnn_claims_as_written(problem: str, target: str, latex: str, verdict: str) -> None:
    (v,) = parse_text(problem, "c.toml").check([Claim("c", target, latex, "")])
    assert v.verdict == verdict, v.message
    if verdict == "incorrect" and v.counterexample and "input size" in v.counterexample:
        ce = v.counterexample
        n, k, s = ce["input size"], ce["kernel size"], ce["stride"]
        assert ce["expected"] == (n - k) // s + 1  # the counterexample's expected size is the true one
