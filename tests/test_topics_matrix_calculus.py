"""The `matrix_calculus` kind: seed 003 §2.2 and §3 verdicts, file errors, finite differences."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symderiv.core.errors import ProblemFileError
from symderiv.core.indexsum import Undecided, index_symbol, normal_form, to_expr
from symderiv.kinds import load, parse_text
from symderiv.kinds.base import Claim
from symderiv.kinds.matrix_calculus import Instance, Symbolic
from symderiv.kinds.matrix_index import case_map
from symderiv.render.solution_text import solution_text

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
    # the chain rule written out, judged link by link by the notation layer at every size
    ("seed 003 §3.2c chain", "seed003-s3-matrix-gradient.toml", "3.2c-chain", "correct"),
    ("seed 003 §3.2c entry k'", "seed003-s3-matrix-gradient.toml", "3.2c-entry", "correct"),
    # v_{k' mod n} is v_0 at k' = n: the same off-by-one as J_g2
    ("seed 003 §3.2c i*", "seed003-s3-matrix-gradient.toml", "3.2c-istar", "incorrect"),
]


@pytest.mark.parametrize(("label", "name", "claim", "expected"), CASES, ids=[c[0] for c in CASES])
def test_seed003_verdicts(label: str, name: str, claim: str, expected: str) -> None:
    got = {v.id: v for v in load(D / name).check()}
    assert got[claim].verdict == expected, (label, got[claim].message)


def test_every_claim_is_covered() -> None:
    for name in {c[1] for c in CASES}:
        ids = {v.id for v in load(D / name).check()}
        assert ids == {c[2] for c in CASES if c[1] == name}
        problem = load(D / name)
        assert solution_text(problem, problem.solve())


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
    assert ce["claimed"] == 0 and ce["expected"] == ce["values"]["v_3"] != 0
    assert "off by one" in v.message and "0-based" in v.message


PROVED = [
    # (file, claim id, what the last printed step must end in)
    ("seed003-s2-linear-maps.toml", "2a-shape", "shape = n x d"),
    ("seed003-s2-linear-maps.toml", "2a-jacobian", "J_ij = A[i, j] = A[i, j]"),
    ("seed003-s3-matrix-gradient.toml", "3.1-expansion", "f = Sum(A[l, k]*v[k]*v[l], (k, 1, n), (l, 1, n))"),
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
    ('names = ["m", "n"]', 'names = ["n", "n"]', "sizes.names"),
    ('v = ["n", 1]', 'v = ["n", 1]\nn = [1, 1]', "one name, one meaning"),  # n a size and a variable
    ('names = ["m", "n"]', 'names = ["N", "n"]', "variables.A"),  # upper case is a size name too (m is not one)
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


def test_fallback_is_honest_when_the_proof_cannot_decide() -> None:
    """A claim that splits off the first row (true at every size, but not in the normal form the
    prover builds: Σ_{i=1}^m vs A_1j + Σ_{i=2}^m) stays `correct` as checked at sizes only."""
    text = GOOD + r"""
[[claims]]
id = "split"
target = "rewrite"
latex = '\left(\sum_{j=1}^{n} A_{1,j} v_j\right)^2 + \sum_{i=2}^{m} \left(\sum_{j=1}^{n} A_{ij} v_j\right)^2'
"""
    v = parse_text(text.replace("check = [[2, 3]]", "check = [[2, 3], [3, 2], [1, 2]]"), "split.toml").check()[0]
    assert v.verdict == "correct"
    assert "not a proof for all sizes" in v.message and "no proof for every size" in v.message
    assert "proved for every size" not in v.message and "proof" not in v.details


@pytest.mark.parametrize(("label", "latex", "expected"), [
    ("seed 003 §3.2c reading, indices swapped", r"2 v_j \sum_{l=1}^{n} A_{li} v_l", "incorrect"),
    ("seed 003 §3.2c reading without the 2", r"v_j \sum_{l=1}^{n} A_{il} v_l", "incorrect"),
    ("sum over the wrong size", r"2 v_j \sum_{l=1}^{m} A_{il} v_l", "incorrect"),
    ("Matrix Cookbook (88) style, proved", r"2 \sum_{l=1}^{n} v_j A_{il} v_l", "correct"),
])
def test_gradient_claims(label: str, latex: str, expected: str) -> None:
    text = GOOD + f"""
[[claims]]
id = "g"
target = "gradient_entry"
latex = '\\nabla f(\\mathbf{{A}})_{{ij}} = {latex}'
"""
    v = parse_text(text.replace("check = [[2, 3]]", "check = [[2, 3], [3, 2]]"), "g.toml").check()[0]
    assert v.verdict == expected, (label, v.message)
    if expected == "incorrect":
        assert v.counterexample and v.counterexample["size"] in ({"m": 2, "n": 3}, {"m": 3, "n": 2})
        assert "proof" not in v.details
    else:
        assert "proved for every size (symbolic m, n)" in v.message


def test_delta_summation_rule() -> None:
    """Σ_{k=1}^{n} δ_{k,q} g(k) = g(q) needs q in 1..n: with q in 1..d it is not applied."""
    n, d, q = index_symbol("n"), index_symbol("d"), index_symbol("q")
    k = sp.Dummy("k", integer=True, positive=True)
    v = sp.IndexedBase("v")
    s = sp.Sum(sp.KroneckerDelta(k, q) * v[k] ** 2, (k, 1, n))
    assert to_expr(normal_form(s, {q: (sp.Integer(1), n)})) == v[q] ** 2
    kept = to_expr(normal_form(s, {q: (sp.Integer(1), d)}))
    assert kept.has(sp.KroneckerDelta) and kept.has(sp.Sum)
    # a bound index the body does not use: Σ_{k=1}^{n} 3 = 3n; renamed sums cancel
    assert to_expr(normal_form(sp.Sum(3, (k, 1, n)), {})) == 3 * n
    j = sp.Dummy("j", integer=True, positive=True)
    assert not normal_form(sp.Sum(v[k], (k, 1, n)) ** 2 - sp.Sum(sp.Sum(v[k] * v[j], (k, 1, n)), (j, 1, n)), {})
    with pytest.raises(Undecided):
        normal_form(sp.exp(sp.Sum(v[k], (k, 1, n))), {})


def test_inner_jacobian_zero_based_reading_is_proved() -> None:
    """seed 003 §3.2c rewritten 0-based (v_{k' mod n + 1}): the k' = (p-1)n + q - 1 map is proved."""
    text = (D / "seed003-s3-matrix-gradient.toml").read_text().replace(r"v_{k' \bmod n}", r"v_{k' \bmod n + 1}")
    problem = parse_text(text, "zb.toml")
    claim = problem.by_id["3.2c-jacobian-g2"]
    assert next(v for v in problem.check() if v.id == claim.id).verdict == "incorrect"  # 1-based, as defined
    parts = case_map(claim.latex)
    assert parts.divisors == {"n"}
    steps = problem._prove_inner_jacobian(claim, parts, 1, None)
    assert steps[-1]["text"] == "J_i,k' = KroneckerDelta(i, p)*v[q] = KroneckerDelta(i, p)*v[q]"
    with pytest.raises(Undecided):  # read 1-based, the case q = n names v_{n mod n + 1} = v_1, not v_n
        problem._prove_inner_jacobian(claim, parts, 0, None)


# --- random functions at symbolic size: the proved gradient against SymPy at concrete sizes ---------

SCALARS = [r"\mathbf{w}^{\top}\mathbf{A}\mathbf{v}", r"(\mathbf{A}\mathbf{v})^{\top}(\mathbf{A}\mathbf{v})",
           r"\mathbf{v}^{\top}\mathbf{v}", r"\mathbf{w}^{\top}\mathbf{A}\mathbf{A}^{\top}\mathbf{w}",
           r"\mathbf{v}^{\top}\mathbf{A}^{\top}\mathbf{w}", r"\mathbf{w}^{\top}\mathbf{w}"]
VECTORS = [r"\mathbf{A}\mathbf{v}", r"\mathbf{w}", r"\mathbf{A}\mathbf{A}^{\top}\mathbf{w}",
           r"\mathbf{A}\mathbf{A}^{\top}\mathbf{A}\mathbf{v}"]  # m entries each
RANDOM = """
title = "random"
kind = "matrix_calculus"
[sizes]
names = ["m", "n"]
check = [[2, 3], [3, 2]]
[variables]
A = ["m", "n"]
v = ["n", 1]
w = ["m", 1]
[function]
input = "{input}"
value = '{value}'
"""


def _concrete(expr: sp.Expr, inst: Instance, size: dict[str, int], at: dict[str, int]) -> sp.Expr:
    """A symbolic-size formula at one size and one entry: sums done, entries as the instance's symbols."""
    subs = {index_symbol(k): v for k, v in {**size, **at}.items()}
    return inst.resolve(expr.xreplace(subs).doit())


@st.composite
def polynomials(draw: st.DrawFn, atoms: list[str], vector: bool) -> str:
    """c_1 t_1 + c_2 t_2 (+ ...), each t a product of up to two scalar atoms (times one vector atom;
    there a scalar factor is written \\frac{s}{1}, which the reader takes as a number, not a 1x1 matrix)."""
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        c = draw(st.integers(-3, 3).filter(bool))
        wrap = "\\frac{{{}}}{{1}}" if vector else "({})"
        count = draw(st.integers(0, 1) if vector else st.integers(1, 2))
        factors = [wrap.format(draw(st.sampled_from(SCALARS))) for _ in range(count)]
        if vector:
            factors.append(f"({draw(st.sampled_from(atoms))})")
        terms.append(f"{'+' if c > 0 else '-'} {abs(c)} " + " ".join(factors))
    return " ".join(terms).lstrip("+ ")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["A", "v", "w"]), polynomials(SCALARS, False))
def test_random_gradient_proved_equals_sympy(inp: str, value: str) -> None:
    """The gradient entry derived once with symbolic m, n equals SymPy's derivative at each size."""
    problem = parse_text(RANDOM.format(input=inp, value=value), "random.toml")
    grad, _, _, _ = Symbolic(problem).gradient()
    for size in problem.sizes:
        inst = Instance(problem, size)
        G = problem.truth(inst)["gradient"]
        for r in range(G.rows):
            for c in range(G.cols):
                at = {"i": r + 1, "j": c + 1} if G.cols > 1 else {"i": r + 1}
                assert sp.expand(_concrete(grad, inst, size, at) - G[r, c]) == 0, (value, size, r, c)


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(["v", "w"]), polynomials(VECTORS, True))
def test_random_jacobian_proved_equals_sympy(inp: str, value: str) -> None:
    """Vector-valued f (m entries) of a vector: J_ij derived with symbolic sizes equals SymPy's."""
    problem = parse_text(RANDOM.format(input=inp, value=value), "random.toml")
    jac, _, _, _ = Symbolic(problem).jacobian()
    for size in problem.sizes:
        inst = Instance(problem, size)
        J = problem.truth(inst)["jacobian"]
        for r in range(J.rows):
            for c in range(J.cols):
                got = _concrete(jac, inst, size, {"i": r + 1, "j": c + 1})
                assert sp.expand(got - J[r, c]) == 0, (value, size, r, c)


@pytest.mark.parametrize(("name", "last"), [
    ("seed003-s3-matrix-gradient.toml",
     r"\frac{\partial f}{\partial A_{ij}} &= 2 {v}_{j} \sum_{k=1}^{n} {A}_{i,k} {v}_{k}"),
    ("seed003-s2-linear-maps.toml", r"J_{ij} &= \frac{\partial f_i}{\partial v_{j}} = {A}_{i,j}"),
])
def test_solution_document_shows_the_derivation(name: str, last: str, tmp_path: Path) -> None:
    """seed 003 §2.2, §3: the solution document has the index-form derivation and compiles."""
    import shutil

    from symderiv.render import pdf
    from symderiv.render.document import solution_latex

    problem = load(D / name)
    solution = problem.solve()
    tex = solution_latex(problem, solution)
    assert "for every size" in tex and last in tex and "Cross-check at concrete sizes" in tex
    assert "Solver output" not in tex  # every function got its derivation
    assert "instantiated at" in solution_text(problem, solution)
    if not (shutil.which("pdflatex") and shutil.which("pdftoppm")):
        pytest.skip("pdflatex not installed")
    log = pdf.compile_pdf(tex, tmp_path / "doc.pdf")
    assert (tmp_path / "doc.pdf").stat().st_size > 1000 and pdf.overfull_boxes(log) == 0


def _one_claim(target: str, latex: str, check: str = "[[2, 3], [3, 2]]", extra: str = "") -> Any:
    text = GOOD.replace("check = [[2, 3]]", f"check = {check}") + 'vector = "a"\n' + f"""
[[claims]]
id = "c"
target = "{target}"
latex = '{latex}'
{extra}"""
    return parse_text(text, "one.toml").check()[0]


def test_entry_past_the_end_is_an_error_not_a_crash() -> None:
    """seed 003 §3.2a with the index shifted by one: a_{mn+1} does not exist, so there is no value to
    compare: an error naming the index and the size (issue 12, bug c: it was judged incorrect)."""
    v = _one_claim("rewrite", r"g(\mathbf{a}) = \sum_{i=1}^{m} \left( \sum_{j=1}^{n} a_{(i-1)n+j+1} v_j \right)^2")
    assert v.verdict == "error" and "a_7 does not exist" in v.message and "m=2, n=3" in v.message, v.message


def test_true_at_the_checked_size_only_is_not_proved() -> None:
    """Σ_{i=1}^{2} equals Σ_{i=1}^{m} at the only checked size m = 2, but not for every m: never
    proved, and a claim unproved for every size is judged at one more size too (m = 3 shows it is
    wrong; it was correct, checked at m = 2 alone)."""
    latex = r"f = \sum_{i=1}^{2} \left( \sum_{j=1}^{n} A_{ij} v_j \right)^2"
    v = _one_claim("rewrite", latex, check="[[2, 3]]")
    assert v.verdict == "incorrect" and "m=3" in v.message and "proof" not in v.details, v.message
    assert _one_claim("rewrite", latex, check="[[2, 3], [3, 3]]").verdict == "incorrect"


def test_a_proof_that_runs_out_of_time_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A timeout in the symbolic proof is never a hang: checked at sizes only, saying why."""
    import symderiv.kinds.matrix_calculus as mc

    monkeypatch.setattr(mc, "PROOF_SECONDS", 1e-6)
    v = _one_claim("gradient_entry", r"\nabla f(\mathbf{A})_{ij} = 2 v_j \sum_{l=1}^{n} A_{il} v_l")
    assert v.verdict == "correct" and "gave up after" in v.message and "not a proof" in v.message


@pytest.mark.parametrize(
    "claim,old,new,expected",
    [
        # seed 003 §3.2c i*: the student's map, and the 1-based one that is right
        ("3.2c-istar", "", "", "index 0 out of range"),
        ("3.2c-istar", r"v_{k' \bmod n}", r"v_{(k'-1) \bmod n + 1}", "index"),  # i* still off by one
        ("3.2c-chain", "= 2\\mathbf{J}", "= -2\\mathbf{J}", "differ"),  # sign flip in the second link
        ("3.2c-entry", "2\\sum_{i=1}^{m} \\frac", "\\sum_{i=1}^{m} \\frac", "differ"),  # dropped 2
    ],
)
def test_chain_target_mutants(claim: str, old: str, new: str, expected: str) -> None:
    """A wrong link of a derivation step is found at some checked size, and says why."""
    text = (D / "seed003-s3-matrix-gradient.toml").read_text()
    problem = parse_text(text, "s3.toml")
    c = problem.by_id[claim]
    assert old in c.latex
    (v,) = problem.check([Claim(c.id, c.target, c.latex.replace(old, new, 1), c.note, c.options)])
    assert v.verdict == "incorrect" and expected in v.message, v.message
    assert v.message.startswith("at m=")


def test_chain_target_corrected_istar_is_correct() -> None:
    """The 1-based map, i^* = floor((k'-1)/n) + 1 and v_{(k'-1) mod n + 1}, holds at every size."""
    text = (D / "seed003-s3-matrix-gradient.toml").read_text()
    problem = parse_text(text, "s3.toml")
    c = problem.by_id["3.2c-istar"]
    latex = c.latex.replace(r"v_{k' \bmod n}", r"v_{(k'-1) \bmod n + 1}")
    where = {**c.options["where"], "i^*": r"\lfloor \frac{k'-1}{n} \rfloor + 1"}
    (v,) = problem.check([Claim(c.id, c.target, latex, c.note, {"where": where})])
    assert v.verdict == "correct" and "every link holds at every checked size" in v.message, v.message


@pytest.mark.parametrize(("istar", "expected"), [
    (r"\lfloor (k'-1)/n \rfloor + 1", "correct"),  # the slash form inside the floor
    (r"\lceil k'/n \rceil", "correct"),  # 1-based: the row of column k' is k'/n rounded up
    (r"\left\lceil \frac{k'}{n} \right\rceil + 1", "incorrect"),  # one row too far
])
def test_chain_target_istar_as_floor_or_ceiling(istar: str, expected: str) -> None:
    """i^* written with a ceiling, or a floor of a slash: each read at every checked size."""
    problem = parse_text((D / "seed003-s3-matrix-gradient.toml").read_text(), "s3.toml")
    c = problem.by_id["3.2c-istar"]
    latex = c.latex.replace(r"v_{k' \bmod n}", r"v_{(k'-1) \bmod n + 1}")
    (v,) = problem.check([Claim(c.id, c.target, latex, c.note, {"where": {**c.options["where"], "i^*": istar}})])
    assert v.verdict == expected, v.message
