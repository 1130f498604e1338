"""Mutation test beyond seed 000 (seeds 001, 002, 004; swapped-index and removed-mask
generators among them) and a hypothesis fuzz of the judge through `check_formula`."""

from __future__ import annotations

import re
import time
from functools import cache

from conftest import DERIVATIONS
from hypothesis import given
from hypothesis import strategies as st

from symderiv import check_formula
from symderiv.core.errors import NotationError
from symderiv.core.verdict import Verdict
from symderiv.kinds import load


@cache
def problem(name: str):
    return load(DERIVATIONS / name)


S001, S002, S004 = "seed001-p4-network.toml", "seed002-p1-network.toml", "seed004-p2-network.toml"

# (file, target, a correct formula of the seed, as the student wrote it)
CORRECT = [
    (
        S001,
        "",
        r"\frac{\partial z_k}{\partial (\mathbf{W}_2)_{kh}} = \left[ \phi \left( \sum_{m=1}^d "
        r"(\mathbf{W}_1)_{hm} \mathbf{x}_m + (\mathbf{b}_1)_h \right) \right]",
    ),
    (S002, "dL/dw2", r"ReLU \cdot (Y^T - t)"),
    (S002, "dL/db1", r"(\mathbf{w}^{(2)} \cdot \mathbf{1}_{z > 0}) \cdot (Y^T - t)"),
    (
        S002,
        "dL/dW1",
        r"\sum_{k=1}^{3} (y_k - t_k) \cdot w^{(2)} \cdot \mathbf{1}_{ReLU_k > 0} \cdot x_k^{\top}",
    ),
    (
        S004,
        "",
        r"\frac{\partial \mathcal{L}}{\partial w_{i,1}^{(2)}} = (\hat{y} - y)\phi'(z_1^{(2)})"
        r"x_i^{(1)}.",
    ),
    (
        S004,
        "",
        r"\frac{\partial \mathcal{L}}{\partial w_{i,j}^{(1)}} = \delta_1^{(2)} w_{j,1}^{(2)} "
        r"\phi'(z_j^{(1)}) x_i^{(0)}.",
    ),
]


def _rhs(latex: str, fn) -> str | None:
    """Apply `fn` to the right side only (the left side names what is differentiated)."""
    if " = " in latex:
        left, right = latex.split(" = ", 1)
        new = fn(right)
        return None if new is None or new == right else f"{left} = {new}"
    new = fn(latex)
    return None if new == latex else new


def _swap_indices(text: str) -> str | None:
    """Swapped indices: the two free letters i, j exchanged, or a two-letter subscript
    reversed ((W_1)_{hm} -> (W_1)_{mh})."""
    if re.search(r"_\{?i", text) and re.search(r"_\{?j", text):
        return re.sub(r"(?<=_)(\{?)([ij])", lambda m: m[1] + {"i": "j", "j": "i"}[m[2]], text)
    m = re.search(r"_\{([a-z])([a-z])\}", text)
    if m and m[1] != m[2]:
        return text[: m.start()] + f"_{{{m[2]}{m[1]}}}" + text[m.end() :]
    return None


def _remove_mask(text: str) -> str | None:
    """Removed mask: the ReLU indicator, or the activation's derivative factor, dropped."""
    for pat in (r" \\cdot \\mathbf\{1\}_\{[^{}]*\}", r"\\phi'\((?:[^()]|\([^()]*\))*\)"):
        new, n = re.subn(pat, "", text, count=1)
        if n:
            return new
    return None


SEMANTIC = {
    "sign flip": lambda t: re.sub(r"\((y_k|Y\^T|\\hat\{y\}) - (t_k|t|y)\)", r"(\2 - \1)", t, count=1),
    "swapped indices": _swap_indices,
    "removed mask": _remove_mask,
    "dropped transpose": lambda t: t.replace(r"x_k^{\top}", "x_k", 1),
    "changed sum limit": lambda t: t.replace(r"\sum_{k=1}^{3}", r"\sum_{k=1}^{2}", 1),
    "changed constant": lambda t: "2 " + t,
    "activation for its derivative": lambda t: t.replace(r"\phi'(", r"\phi(", 1),
}
EQUIVALENT = {
    "reordered difference": lambda t: t.replace("(Y^T - t)", "(-t + Y^T)"),
    "renamed bound index": lambda t: t.replace(r"_{hm} \mathbf{x}_m", r"_{hn} \mathbf{x}_n").replace(
        r"\sum_{m=1}^d", r"\sum_{n=1}^d"
    ),
    "factor moved": lambda t: t.replace(r"\phi'(z_j^{(1)}) x_i^{(0)}", r"x_i^{(0)} \phi'(z_j^{(1)})"),
    "halved and doubled": lambda t: t.replace(r"(\hat{y} - y)", r"2 \cdot \frac{1}{2}(\hat{y} - y)"),
}


def test_mutants_beyond_seed_000(capsys) -> None:
    counts: dict[str, int] = {}
    equivalent = 0
    for name, target, latex in CORRECT:
        v = check_formula(problem(name), target, latex)
        assert v.verdict == "correct", (name, latex, v.message)
        for kind, fn in SEMANTIC.items():
            mutant = _rhs(latex, fn)
            if mutant is None:
                continue
            v = check_formula(problem(name), target, mutant)
            assert v.verdict == "incorrect", (kind, mutant, v.verdict, v.message)
            counts[kind] = counts.get(kind, 0) + 1
        for kind, fn in EQUIVALENT.items():
            rewrite = _rhs(latex, fn)
            if rewrite is None:
                continue
            v = check_formula(problem(name), target, rewrite)
            assert v.verdict == "correct", (kind, rewrite, v.message)
            equivalent += 1
    with capsys.disabled():
        per_kind = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
        print(
            f"\nmutation test (seeds 001/002/004): {sum(counts.values())} semantic mutants "
            f"judged incorrect ({per_kind}); {equivalent} equivalent rewrites judged correct"
        )
    assert counts.get("swapped indices", 0) >= 2 and counts.get("removed mask", 0) >= 4
    assert sum(counts.values()) >= 15 and equivalent >= 4


# ---------------------------------------------------------------- fuzz of the judge
TOKENS = [
    r"\frac{\partial L}{\partial W^{(1)}}", r"\sum_{k=1}^{3}", "(", ")", "[", "]", "{", "}",
    "=", "+", "-", r"\cdot", "^T", r"^{\top}", "_k", "_{ij}", "y_k", "t_k", "x_k", "w^{(2)}",
    r"\mathbf{1}_{z > 0}", "f(", "f'(", "ReLU", "Y", "X", "t", "2", "0.5", r"\frac{1}{2}",
    r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}", r"\text{diag}(", r"\exp(", "\\\\", "&",
    r"\begin{aligned}", r"\end{aligned}", r"\delta_{ij}", "W^{(1)}", r"\partial", " ",
]
SEEDS = [
    r"\frac{\partial L}{\partial W^{(1)}} = \sum_{k=1}^{3} (y_k - t_k) \cdot w^{(2)} \cdot "
    r"\mathbf{1}_{ReLU_k > 0} \cdot x_k^{\top}",
    r"\frac{\partial L}{\partial W^{(1)}} = \left( (\mathbf{w}^{(2)} \cdot \mathbf{1}_{z > 0}) "
    r"\cdot (Y^T - t) \right) \cdot X",
    r"\frac{\partial L}{\partial \mathbf{w}^{(2)}} = ReLU \cdot (Y^T - t)",
]
LATEX = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=14).map("".join),
    st.tuples(st.sampled_from(SEEDS), st.integers(0, 200)).map(lambda p: p[0][: p[1]]),
    st.text(alphabet=st.characters(codec="ascii"), max_size=40),
)
TIME_BOUND = 20.0


@given(LATEX, st.sampled_from(["dL/dW1", "dL/dw2", "dL/db1", ""]))
def test_judge_fuzz(latex: str, target: str) -> None:
    """Random and truncated formulas give a Verdict (any kind) or a NotationError, in time."""
    start = time.monotonic()
    try:
        v = check_formula(problem(S002), target, latex)
    except NotationError:
        return
    assert isinstance(v, Verdict)
    assert v.verdict in ("correct", "incorrect", "undecided", "error")
    assert time.monotonic() - start < TIME_BOUND, latex


# ---------------------------------------------------------------- seed 003 (sections 3.2c and 4)
S003_S3, S003_S4 = "seed003-s3-matrix-gradient.toml", "seed003-s4-mnist-network.toml"
# (file, claim id, kind, old, new): each correct seed 003 formula with one change in its last side
SEED003 = [
    (S003_S4, "4.1", "semantic", "sign flip", r"(\mathbf{y}' - \mathbf{y})", r"(\mathbf{y} - \mathbf{y}')"),
    (S003_S4, "4.1", "semantic", "changed constant", "= 2(", "= 3("),
    (S003_S4, "4.1.entry", "semantic", "swapped indices", "2y_i' - 2y_i", "2y_i - 2y_i'"),
    (S003_S4, "4.4", "semantic", "dropped transpose", r"= \mathbf{W}^{\top} \nabla L", r"= \mathbf{W} \nabla L"),
    (S003_S4, "4.5", "semantic", "removed mask", r"= \Sigma_{\mathbf{h}} \nabla L(\mathbf{h}')",
     r"= \nabla L(\mathbf{h}')"),
    (S003_S4, "4.6", "semantic", "swapped indices", r"= x_j \nabla L(\mathbf{h})_i", r"= x_i \nabla L(\mathbf{h})_j"),
    (S003_S4, "4.1.expand", "semantic", "changed sum limit", r"= \sum_{i=1}^{10} y_i^2", r"= \sum_{i=1}^{9} y_i^2"),
    (S003_S3, "3.2c-entry", "semantic", "changed sum limit", r"= 2\sum_{i=1}^{m} \frac", r"= 2\sum_{i=2}^{m} \frac"),
    (S003_S3, "3.2c-chain", "semantic", "dropped transpose", r"= 2\mathbf{J}_{g_2}(\mathbf{a})^{\top}",
     r"= 2\mathbf{J}_{g_2}(\mathbf{a})"),
    (S003_S4, "4.4", "equivalent", "reordered factors", r"= \mathbf{W}^{\top} \nabla L(\mathbf{y}')",
     r"= (\nabla L(\mathbf{y}')^{\top} \mathbf{W})^{\top}"),
    (S003_S4, "4.6", "equivalent", "renamed free indices",
     r"\nabla L(\mathbf{V})_{ij} = x_j \nabla l_1(\mathbf{h})_i = x_j \nabla L(\mathbf{h})_i",
     r"\nabla L(\mathbf{V})_{pq} = x_q \nabla l_1(\mathbf{h})_p = \nabla L(\mathbf{h})_p x_q"),
    (S003_S4, "4.1.expand", "equivalent", "renamed bound index", r"= \sum_{i=1}^{10} y_i^2 - 2y_i y_i' + y_i'^2",
     r"= \sum_{m=1}^{10} y_m^2 - 2y_m y_m' + y_m'^2"),
    (S003_S3, "3.2c-entry", "equivalent", "matrix form for index form", r"\nabla g(\mathbf{a})_{k'} = ",
     r"\nabla g(\mathbf{a})_{k'} = [2\mathbf{J}_{g_2}(\mathbf{a})^{\top} g_2(\mathbf{a})]_{k'} = "),
]


def test_mutants_seed_003(capsys) -> None:
    """Seed 003's correct formulas (judged at the reduced size, and at every checked size):
    each semantic mutant incorrect, each equivalent rewrite correct."""
    import dataclasses

    counts = {"semantic": 0, "equivalent": 0}
    for name, cid, kind, label, old, new in SEED003:
        p = problem(name)
        claim = next(c for c in p.claims if c.id == cid)
        (base,) = p.check([claim])
        assert base.verdict == "correct", (cid, base.message)
        assert old in claim.latex, (cid, old)
        (v,) = p.check([dataclasses.replace(claim, latex=claim.latex.replace(old, new, 1))])
        assert v.verdict == ("incorrect" if kind == "semantic" else "correct"), (cid, label, v.message)
        counts[kind] += 1
    with capsys.disabled():
        print(f"\nmutation test (seed 003): {counts['semantic']} semantic mutants judged incorrect; "
              f"{counts['equivalent']} equivalent rewrites judged correct")
