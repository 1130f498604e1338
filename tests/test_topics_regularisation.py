"""The regularisation kind on claims as students write them: the first-order condition arranged any
way, a numeric optimum of the file's model, a positive-definite H whose eigenvalues are radicals."""

from __future__ import annotations

import pytest

from symderiv.kinds import parse_text
from symderiv.kinds.base import Claim

BARE = "title = 'r'\nkind = 'regularisation'\n"
MODEL = BARE + "[model]\nH = [[2, 0], [0, 1]]\nw_star = [1, 1]\nmu = 1\n"


@pytest.mark.parametrize("latex,verdict", [
    (r"\boldsymbol{H}(\boldsymbol{w} - \boldsymbol{w}^{\star}) + \mu \boldsymbol{w} = 0.", "correct"),
    # the right side was never read: "= H w^*" (twice the optimum) was correct
    (r"H(w - w^*) + \mu w = H w^*", "incorrect"),
    # the same condition arranged otherwise was incorrect (its left side is not the gradient)
    (r"(H + \mu I) w = H w^*", "correct"),
    (r"\mu w = H(w^* - w)", "correct"),
    (r"0 = H(w - w^*) + \mu w", "correct"),
    (r"\nabla_w \tilde{J} = H(w - w^*) + \mu w = (H + \mu I)w - Hw^* = 0", "correct"),
    (r"\nabla_w \tilde{J} = H(w - w^*) + \mu w = (H - \mu I)w - Hw^* = 0", "incorrect"),
    (r"H(w - w^*) - \mu w = 0", "incorrect"),
    (r"H w = H w", "incorrect"),  # no condition on w
    (r"H(w - w^*) + \mu w", "correct"),  # the gradient alone, as before
])
def test_stationarity_as_an_equation_in_w(latex: str, verdict: str) -> None:
    (v,) = parse_text(BARE, "r.toml").check([Claim("s", "stationarity", latex, "")])
    assert v.verdict == verdict, v.message


@pytest.mark.parametrize("latex,verdict", [
    (r"w = \begin{bmatrix} 2/3 \\ 1/2 \end{bmatrix}", "correct"),  # was judged on random H, not the model's
    (r"w = \begin{bmatrix} 1/3 \\ 1/2 \end{bmatrix}", "incorrect"),
    (r"(H + \mu I)^{-1} H w^*", "correct"),  # a formula: on random instances, as before
])
def test_a_numeric_optimum_is_about_the_model(latex: str, verdict: str) -> None:
    (v,) = parse_text(MODEL, "r.toml").check([Claim("o", "optimum", latex, "")])
    assert v.verdict == verdict, v.message


def test_a_positive_definite_model_with_radical_eigenvalues_is_read() -> None:
    """Its eigenvalues (an irreducible cubic's roots) were compared with 0 as complex radicals: a TypeError."""
    text = BARE + "[model]\nH = [[2, 1, 0], [1, 3, 1], [0, 1, 5]]\nw_star = [1, 0, -1]\nmu = 0.5\n"
    assert parse_text(text, "r.toml").solve().data["optimum"] == ["84/107", "4/107", "-98/107"]


def test_a_starred_name_in_braces() -> None:
    """w^{*} is w^* (it was a parse error at the '*')."""
    (v,) = parse_text(BARE, "r.toml").check([Claim("s", "stationarity", r"H(w - w^{*}) + \mu w = 0", "")])
    assert v.verdict == "correct", v.message
