"""The `matrix_calculus` kind: seed 003 §2.2 and §3 verdicts, file errors, finite differences."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sympy as sp

from symderiv.errors import ProblemFileError
from symderiv.problem import load, parse_text
from symderiv.topics.matrix_calculus import Instance

D = Path(__file__).resolve().parent.parent / "derivations"

CASES = [
    # seed 003 §2.2(a): g(v) = Av is n×d with J_g = A
    ("seed 003 §2.2a shape", "seed003-s2-linear-maps.toml", "2a-shape", "correct"),
    ("seed 003 §2.2a Jacobian", "seed003-s2-linear-maps.toml", "2a-jacobian", "correct"),
    # seed 003 §2.2(b): J_h = \mathbf{1} is the identity (right) or all-ones (wrong)
    ("seed 003 §2.2b ambiguous 1", "seed003-s2-linear-maps.toml", "2b-jacobian", "undecided"),
    ("seed 003 §3.1 expansion", "seed003-s3-matrix-gradient.toml", "3.1-expansion", "correct"),
    ("seed 003 §3.1 gradient", "seed003-s3-matrix-gradient.toml", "3.1-gradient", "correct"),
    ("seed 003 §3.2a vectorised", "seed003-s3-matrix-gradient.toml", "3.2a-vectorised", "correct"),
    ("seed 003 §3.2b g1", "seed003-s3-matrix-gradient.toml", "3.2b-g1", "correct"),
    ("seed 003 §3.2b g2", "seed003-s3-matrix-gradient.toml", "3.2b-g2", "correct"),
    ("seed 003 §3.2c grad g1", "seed003-s3-matrix-gradient.toml", "3.2c-grad-g1", "correct"),
    # the k' mod n / floor(k'/n) map is off by one at k' = multiples of n
    ("seed 003 §3.2c J_g2", "seed003-s3-matrix-gradient.toml", "3.2c-jacobian-g2", "incorrect"),
    ("seed 003 §3.2c gradient", "seed003-s3-matrix-gradient.toml", "3.2c-gradient", "correct"),
]


@pytest.mark.parametrize(("label", "name", "claim", "expected"), CASES, ids=[c[0] for c in CASES])
def test_seed003_verdicts(label: str, name: str, claim: str, expected: str) -> None:
    got = {v.id: v for v in load(D / name).check()}
    assert got[claim].verdict == expected, (label, got[claim].message)


def test_every_claim_is_covered() -> None:
    for name in {c[1] for c in CASES}:
        ids = {v.id for v in load(D / name).check()}
        assert ids == {c[2] for c in CASES if c[1] == name}
        assert load(D / name).solve().text


def test_seed003_ambiguous_ones_message() -> None:
    v = next(v for v in load(D / "seed003-s2-linear-maps.toml").check() if v.id == "2b-jacobian")
    assert "identity" in v.message and "all-ones" in v.message and "ambiguous" in v.message


def test_seed003_index_map_counterexample() -> None:
    """seed 003 §3.2c: at m=2, n=3 column a_3 = A_13 belongs to row 1, but ⌊3/3⌋ = 1 picks row 2."""
    v = next(v for v in load(D / "seed003-s3-matrix-gradient.toml").check()
             if v.id == "3.2c-jacobian-g2")
    ce = v.counterexample
    assert ce["size"] == {"m": 2, "n": 3}
    assert "(i, k') = (1, 3)" in ce["where"]
    assert ce["claimed"] == "0" and ce["expected"] == ce["values"]["v_3"]
    assert "off by one" in v.message and "0-based" in v.message


PROVED = [
    # (file, claim id, what the last printed step must end in)
    ("seed003-s2-linear-maps.toml", "2a-shape", "shape = n x d"),
    ("seed003-s2-linear-maps.toml", "2a-jacobian", "J_ij = A[i, j] = A[i, j]"),
    ("seed003-s3-matrix-gradient.toml", "3.1-expansion", "f = Sum(A[k, l]*v[k]*v[l], (k, 1, n), (l, 1, n))"),
    ("seed003-s3-matrix-gradient.toml", "3.1-gradient", "grad f_ij = v[i]*v[j] = v[i]*v[j]"),
    ("seed003-s3-matrix-gradient.toml", "3.2a-vectorised", "f = Sum(A[k, l]*A[k, r]*v[l]*v[r], (k, 1, m), "),
    ("seed003-s3-matrix-gradient.toml", "3.2b-g1", "g_1(g_2(a)) = Sum(A[k, l]*A[k, r]*v[l]*v[r], (k, 1, m), "),
    ("seed003-s3-matrix-gradient.toml", "3.2b-g2", "g_1(g_2(a)) = Sum(A[k, l]*A[k, r]*v[l]*v[r], (k, 1, m), "),
    ("seed003-s3-matrix-gradient.toml", "3.2c-grad-g1", "(grad g_1)_i = 2*x[i] = 2*x[i]"),
    ("seed003-s3-matrix-gradient.toml", "3.2c-gradient",
     "grad f_ij = 2*v[j]*Sum(A[i, k]*v[k], (k, 1, n)) = 2*v[j]*Sum(A[i, k]*v[k], (k, 1, n))"),
]


@pytest.mark.parametrize(("name", "claim", "last"), PROVED, ids=[c[1] for c in PROVED])
def test_seed_claims_proved_for_every_size(name: str, claim: str, last: str) -> None:
    """seed 003 §2.2, §3: every claim that holds is proved with symbolic sizes, not only checked."""
    v = next(v for v in load(D / name).check() if v.id == claim)
    assert v.verdict == "correct"
    assert "proved for every size (symbolic" in v.message and "not a proof" not in v.message
    assert "cross-checked exactly at" in v.message
    steps = v.details["proof"]
    assert steps[-1]["text"].startswith(last), steps[-1]["text"]
    assert all(s["say"] and s["text"] and s["latex"] for s in steps)


def test_square_function_proof_says_m_equals_n() -> None:
    """seed 003 §3.1: v^T A v needs m = n; the proof is for every square size."""
    v = next(v for v in load(D / "seed003-s3-matrix-gradient.toml").check() if v.id == "3.1-gradient")
    assert "symbolic n, with m = n" in v.message


def test_ambiguous_ones_identity_reading_proved() -> None:
    """seed 003 §2.2b: read as I, J_h = I is proved for every d; read as all-ones it is wrong."""
    v = next(v for v in load(D / "seed003-s2-linear-maps.toml").check() if v.id == "2b-jacobian")
    assert v.verdict == "undecided" and "proved for every size" in v.message
    assert v.details["proof"][-1]["text"] == "J_ij = KroneckerDelta(i, j) = KroneckerDelta(i, j)"


GOOD = """
title = "t"
kind = "matrix_calculus"
[sizes]
names = ["m", "n"]
check = [[2, 3]]
[variables]
A = ["m", "n"]
v = ["n", 1]
[function]
input = "A"
value = '(\\mathbf{A}\\mathbf{v})^{\\top}(\\mathbf{A}\\mathbf{v})'
"""


@pytest.mark.parametrize(("old", "new", "field"), [
    ('check = [[2, 3]]', 'check = [[2]]', "sizes.check"),
    ('names = ["m", "n"]', 'names = ["mm", "n"]', "sizes.names"),
    ('v = ["n", 1]', 'v = ["k", 1]', "variables.v"),
    ('input = "A"', 'input = "B"', "function.input"),
    ("value = '(", "value = '((", "function.value"),
])
def test_file_errors_name_the_field(old: str, new: str, field: str) -> None:
    with pytest.raises(ProblemFileError) as exc:
        parse_text(GOOD.replace(old, new), "bad.toml")
    assert "bad.toml" in str(exc.value) and field in str(exc.value)


def test_claim_option_errors() -> None:
    text = GOOD + """
[[claims]]
id = "c"
target = "outer_gradient"
latex = '2x'
of = "missing"
"""
    with pytest.raises(ProblemFileError) as exc:
        parse_text(text, "bad.toml")
    assert "bad.toml" in str(exc.value) and "of" in str(exc.value)


def test_random_instance_against_finite_differences() -> None:
    """The derived gradient of ||Av||² at random rationals matches central differences."""
    problem = parse_text(GOOD, "good.toml")
    rng = random.Random(7)
    for m, n in [(2, 3), (3, 2)]:
        inst = Instance(problem, {"m": m, "n": n})
        t = problem.truth(inst)
        pt = {s: sp.Rational(rng.randint(-9, 9), rng.randint(1, 4))
              for M in inst.mats.values() for s in M.free_symbols}
        f = sp.lambdify(list(pt), t["f"])
        base = [float(x) for x in pt.values()]
        h = 1e-6
        for idx, s in enumerate(pt):
            if not str(s).startswith("A"):
                continue
            up, down = list(base), list(base)
            up[idx] += h
            down[idx] -= h
            fd = (f(*up) - f(*down)) / (2 * h)
            r, c = (int(ch) - 1 for ch in str(s)[2:])
            exact = float(t["gradient"][r, c].subs(pt))
            assert abs(fd - exact) <= 1e-5 * max(1.0, abs(exact))
