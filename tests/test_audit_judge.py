"""Judging a document link by link, and its reports: targets recognised from left sides, the student's
definitions, parts and problems, the JSON schema, the command line (files, stdin, exit statuses, atomic
outputs), hostile text kept out of HTML and TeX, and pathological documents bounded."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy as sp

from symderiv.audit import Audit, audit
from symderiv.audit.arithmetic import argument_lengths, judge_as_formulas
from symderiv.audit.extract import extract
from symderiv.audit.network import expand_definitions, substitute
from symderiv.audit.stepsize import stated_reading, verdict_kind
from symderiv.audit.targets import normalise, recognise
from symderiv.core.errors import InputTypeError, SymderivError
from symderiv.core.texsafe import inert
from symderiv.kinds import load
from symderiv.render.audit_report import SCHEMA, audit_html, audit_json, audit_latex, audit_markdown

ROOT = Path(__file__).resolve().parents[1]
D = ROOT / "derivations"
NETWORK = D / "seed002-p1-network.toml"  # column layout, 3 samples, data given
SOFTMAX = D / "seed000-q2-softmax-ce.toml"
STEP = D / "seed002-p2-step-size.toml"
MATRIX = D / "seed003-s3-matrix-gradient.toml"
SOLUTION_MD = D / "solutions" / "seed002-p1-network.md"


@pytest.fixture(scope="module")
def network():
    return load(NETWORK)


def verdicts(result: Audit) -> list[tuple[int, str]]:
    return [(entry.line, entry.verdict) for entry in result.entries]


# -- links of a network problem: (label, document, expected (line, verdict) per link) -----------------
# Truths: the seed-002 data (y = [-0.7, -0.43, -0.51], t = [-0.5, 0.1, 0.8], L = 1.0185 = 2037/2000).
NETWORK_CASES = [
    ("loss at the data, exact", "$$L = 1.0185$$", [(1, "correct")]),
    ("loss, a wrong digit", "$$L = 1.0186$$", [(1, "incorrect")]),
    ("loss rounded to the digits written", "$$L = 1.02$$", [(1, "correct")]),
    ("loss rounded wrongly", "$$L = 1.01$$", [(1, "incorrect")]),
    ("a residual at the data", "$y_1 - t_1 = -0.2$", [(1, "correct")]),
    ("a chain: its wrong middle link", "$$L = \\frac{1}{2} \\cdot 2.073 = 1.0185$$",
     [(1, "incorrect"), (1, "incorrect")]),
    ("a formula identity at random points", "$$\\frac{\\partial L}{\\partial y_k} = y_k - t_k$$", [(1, "correct")]),
    ("the same, a sign wrong", "$$\\frac{\\partial L}{\\partial y_k} = t_k - y_k$$", [(1, "incorrect")]),
    ("a name of the student's own, then used", "$$Z = W^{(1)} X^{\\top} + \\mathbf{b}^{(1)}$$\n\n"
     "$$Z = \\begin{bmatrix} -0.86 & -0.36 & 0.95 \\\\ -0.67 & 0.45 & -0.53 \\end{bmatrix}$$",
     [(1, "definition"), (3, "correct")]),
    ("a definition with :=", "$$\\mathbf{s}_k := y_k - t_k$$\n\n$$\\frac{\\partial L}{\\partial y_k} = \\mathbf{s}_k$$",
     [(1, "definition"), (3, "correct")]),
    ("numbers alone", "$$600 + 8 = 608$$", [(1, "correct")]),
    ("numbers alone, wrong", "$$600 + 8 = 609$$", [(1, "incorrect")]),
    ("an inequality is not judged here", "$$L < 2$$", [(1, "undecided")]),
    ("a name written first is the student's", "$$\\heartsuit_q = 3$$", [(1, "definition")]),
    ("an expression nobody knows", "$$\\heartsuit_q + 1 = 3$$", [(1, "undecided")]),
    ("\\approx to the digits written", "$$\\frac{2}{3} \\approx 0.667$$", [(1, "correct")]),
    ("\\approx off by more than the digits written", "$$\\sqrt{2} \\approx 1.5$$", [(1, "incorrect")]),
    ("\\approx with no decimals: precision unknown", "$$\\pi \\approx \\frac{22}{7}$$", [(1, "undecided")]),
    ("\\approx in a chain after an exact link", "$$L = \\frac{2037}{2000} \\approx 1.0$$",
     [(1, "correct"), (1, "correct")]),
    ("two $$ displays on one line", "$$600 + 8 = 608$$ and $$600 + 8 = 609$$",
     [(1, "correct"), (1, "incorrect")]),
]


def test_whole_numbers_make_a_link_about_the_data() -> None:
    """typed A (row layout, X = [[1, 0], [0, 1]]): `x_1 = [1, 0]` and `z_2 = [1, 1]` are values at the
    problem's data, right there, though no decimal is written; they were judged as identities at random
    points (and so wrong). A wrong whole-number value is still wrong."""
    problem = load(D / "typed-a-leaky-mean-l2.toml")
    text = "$x_1 = [1, 0]$, $z_2 = [1, 1]$, $h_2 = [1, 1]$, $z_2 = [1, 2]$ and $\\hat y_2 = 1 - 2 + 0.5 = -0.5$."
    assert [entry.verdict for entry in audit(problem, text, "md").entries] == [
        "correct", "correct", "correct", "incorrect", "correct", "correct"]
    inline = "so $\\partial L/\\partial \\hat y_1 = 0.05$ and $\\partial L / \\partial \\hat y_2 = 0.5$"  # 0.25
    assert [entry.verdict for entry in audit(problem, inline, "md").entries] == ["correct", "incorrect"]


def test_approx_one_unit_off_is_named_truncation(network) -> None:
    """2/3 \\approx 0.66: wrong to half a unit of the last digit (0.667 rounds to 0.67), and named as
    truncation since it is within one unit; 1/3 \\approx 0.35 is more than a unit off: no such name."""
    truncated, far = audit(network, "$$\\frac{2}{3} \\approx 0.66$$ and $\\frac{1}{3} \\approx 0.35$", "md").entries
    assert truncated.verdict == "incorrect" and "truncated rather than rounded" in (truncated.mistake or "")
    assert far.verdict == "incorrect" and "truncated" not in (far.mistake or "")


@pytest.mark.parametrize("label, text, expected", NETWORK_CASES, ids=[c[0] for c in NETWORK_CASES])
def test_network_links(network, label: str, text: str, expected: list[tuple[int, str]]) -> None:
    assert verdicts(audit(network, text, "md")) == expected


def test_recognised_targets_and_correct_values(network) -> None:
    result = audit(network, "$$\\frac{\\partial L}{\\partial b^{(2)}} = -2.05$$", "md")
    (entry,) = result.entries
    assert (entry.target, entry.verdict, entry.first_wrong) == ("dL/db2", "incorrect", True)
    assert entry.correct is not None and entry.correct[0, 0] == sp.Rational(-51, 25)  # the seed's -2.04
    data = audit_json(result)
    link = data["equations"][0]["links"][0]
    assert link["correct"]["text"] == "-2.04" and link["correct"]["latex"] == "-2.04"


def test_parameter_latex_is_bound_without_a_table() -> None:
    """A network problem's parameters are named by their `latex` even where [notation] is silent."""
    from symderiv.audit.network import audit_view, read_sides
    from symderiv.kinds import parse_text

    text = NETWORK.read_text(encoding="utf-8").replace("'b^{(2)}' = 'b2'\n", "")
    assert "'b^{(2)}' = 'b2'" not in text
    problem = parse_text(text, "no-b2-entry.toml")
    (reading,) = read_sides(audit_view(problem), ["\\frac{\\partial L}{\\partial b^{(2)}}"], {})
    assert reading.target == "dL/db2"


# -- other kinds: (label, problem, left side, chain relations, expected target) ------------------------
RECOGNISED = [
    ("gradient", STEP, "\\nabla f(u)", ("=",), "gradient"),
    ("Hessian", STEP, "\\nabla^2 f(u)", ("=",), "hessian"),
    ("one iteration", STEP, "\\mathbf{u}_{n+1}", ("=",), "iteration"),
    ("interval on both sides", STEP, "0", ("<", "<"), "interval"),
    ("one side of an interval is no interval", STEP, "\\eta", (">",), None),
    ("softmax loss", SOFTMAX, "E", ("=",), "loss"),
    ("softmax derivative", SOFTMAX, "\\frac{\\partial E}{\\partial y_i}", ("=",), "derivative"),
    ("matrix gradient entry", MATRIX, "\\nabla f(\\mathbf{A})_{ij}", ("=",), "gradient_entry"),
    ("a name the kind does not know", MATRIX, "h(\\mathbf{A})", ("=",), None),
]


@pytest.mark.parametrize("label, path, lhs, relations, target", RECOGNISED, ids=[c[0] for c in RECOGNISED])
def test_targets_of_other_kinds(label: str, path: Path, lhs: str, relations: tuple, target: str | None) -> None:
    sides = [lhs, "\\eta", "1"] if relations == ("<", "<") else [lhs, "1"]
    found = recognise(load(path), sides, relations, {})
    assert (found.target if found else None) == target


def test_a_stated_one_hot_hypothesis_reads_later_derivatives_as_one_hot() -> None:
    """seed 000 Q2 typed otherwise: after `\\sum_k t_k = 1` (t one-hot) the derivative p_i - t_i is right;
    before it (or without it) the general derivative is p_i sum_k t_k - t_i, and p_i - t_i is wrong."""
    problem = load(SOFTMAX)
    derivative = r"$$\frac{\partial E}{\partial y_i} = \frac{e^{y_i}}{\sum_j e^{y_j}} - t_i$$"
    assert [e.verdict for e in audit(problem, derivative, "md").entries] == ["incorrect"]
    stated = audit(problem, "Since t is one-hot, $\\sum_k t_k = 1$, so\n\n" + derivative, "md").entries
    assert [e.verdict for e in stated] == ["undecided", "correct"] and "one-hot hypothesis" in stated[0].message
    after = audit(problem, derivative + "\n\nand $\\sum_k t_k = 1$.", "md").entries
    assert after[0].verdict == "incorrect"


def test_whose_eigenvalues_lambda_names_is_read_from_the_document() -> None:
    """f = u^T A u, A = [[5, 2], [2, 2]]: eigenvalues 6, 1 of A and 12, 2 of the Hessian 2A. The document's
    own values of λ say which (seed 002 writes λ_1 = 6: A); with none, both readings are judged and a
    disagreement is undecided, naming both. (The problem's own claims say how the seed's student reads
    λ; that reading is not another student's.)"""
    problem = load(STEP)
    sides = ["0", "\\eta", "\\frac{1}{\\lambda_{\\max}}"]
    assert recognise(problem, sides, ("<", "<"), {}, "A").options == {"eigenvalues": "A"}
    assert recognise(problem, sides, ("<", "<"), {}).options == {"eigenvalues": None}
    assert recognise(problem, ["0", "\\eta", "\\frac{1}{6}"], ("<", "<"), {}).options == {}
    stated = {"$\\lambda_1 = 6$, $\\lambda_2 = 1$": "A", "$\\lambda_{\\max} = 12$": "H", "$x = 6$": None,
              "$\\lambda_1 = 6$ and $\\lambda_2 = 2$": None}  # 6 of A, 2 of H: no reading fits them all
    for text, reading in stated.items():
        assert stated_reading(extract(text, "md"), problem) == reading, text
    bound = r"$$0 < \eta < \frac{2}{\lambda_{\max}}$$"  # 1/6 with λ of the Hessian, 1/3 with those of A
    assert [e.verdict for e in audit(problem, bound, "md").entries] == ["undecided"] * 2
    assert "two readings of λ" in audit(problem, bound, "md").entries[0].message
    with_values = "Its eigenvalues are $\\lambda_1 = 12$ and $\\lambda_2 = 2$, so " + bound
    assert [e.verdict for e in audit(problem, with_values, "md").entries][-2:] == ["correct"] * 2
    rewritten = "$\\lambda_1 = 12$, so $$0 < \\eta < \\frac{2}{\\lambda_{\\max}} = \\frac{1}{6} = \\frac{1}{3}$$"
    assert [e.verdict for e in audit(problem, rewritten, "md").entries][1:] == [
        "correct", "correct", "correct", "incorrect"]


LINEAR_MAPS = D / "seed003-s2-linear-maps.toml"  # [function] A v, [functions.h] v + w
# (left side, the student's definitions, expected (target, options)): a Jacobian J_g names the
# problem's function only through the student's own definition of g (seed 003, section 2, line 35)
JACOBIANS = [
    ("\\mathbf{J}_g", {"g(\\mathbf{v})": "\\mathbf{A}\\mathbf{v}"}, ("jacobian", {})),
    ("\\mathbf{J}_g(\\mathbf{v})", {"g(\\mathbf{v})": "\\mathbf{A} \\mathbf{v}"}, ("jacobian", {})),
    ("\\mathbf{J}_h", {"h(\\mathbf{v})": "\\mathbf{v} + \\mathbf{w}"}, ("jacobian", {"function": "h"})),
    ("\\mathbf{J}_g", {}, None),  # no definition of g: nothing to tell which function
    ("\\mathbf{J}_g", {"g(\\mathbf{v})": "\\mathbf{A}^\\top \\mathbf{v}"}, None),  # a function the problem has not
    ("\\mathbf{J}_g(\\mathbf{w})", {"g(\\mathbf{v})": "\\mathbf{A}\\mathbf{v}"}, None),  # at another argument
]


@pytest.mark.parametrize("lhs, definitions, expected", JACOBIANS)
def test_jacobian_of_the_students_function(lhs: str, definitions: dict[str, str], expected: tuple | None) -> None:
    found = recognise(load(LINEAR_MAPS), [lhs, "\\mathbf{A}"], ("=",), definitions)
    assert ((found.target, found.options) if found else None) == expected


def test_a_condition_written_after_a_statement_belongs_to_it() -> None:
    """seed 002 line 165: `0 < \\eta < 1/\\lambda_i \\quad \\forall i` is judged with its \\forall i (without
    it, a bound in one eigenvalue's name says nothing about which)."""
    problem = load(STEP)
    with_all = audit(problem, r"$\lambda_1 = 6$: $$0 < \eta < \frac{1}{\lambda_i} \quad \forall i$$", "md").entries
    assert [entry.verdict for entry in with_all][1:] == ["correct", "correct"]
    without = audit(problem, r"$$0 < \eta < \frac{1}{\lambda_i}$$", "md").entries
    assert [entry.verdict for entry in without] == ["undecided", "undecided"]
    assert "forall" in without[0].message


def test_an_inner_jacobian_entry_of_the_students_own_function() -> None:
    """seed 003 §3.2c: J_{g_2}(a)_{ik'} names the problem's inner_jacobian target only when the student's
    g_2 is the one its inner claim writes; \\partial g_{2i} / \\partial a_{k'} is that entry's definition."""
    problem = load(MATRIX)
    lhs = r"J_{g_2}(\mathbf{a})_{ik'}"
    same = {r"g_2 (\mathbf{a})": r"[\sum_{j=1}^n a_{(i - 1) n + j} v_j]_i"}
    found = recognise(problem, [lhs, "0"], ("=",), same)
    assert found is not None and (found.target, found.options) == ("inner_jacobian", {"of": "3.2b-g2", "index": "k'"})
    assert normalise(r"\frac{\partial g_{2i}}{\partial a_{k'}}") in found.restates
    other = {r"g_2 (\mathbf{a})": r"[\sum_{j=1}^n a_{(i - 1) n + j} v_{j+1}]_i"}  # another g_2: its Jacobian unknown
    assert recognise(problem, [lhs, "0"], ("=",), other) is None
    assert recognise(problem, [r"J_{g_2}(\mathbf{a})_{rk'}", "0"], ("=",), same) is None  # not the claim's row index


COMPOSITION = ("$$g_1(\\mathbf{x}) = \\sum_{i=1}^m x_i^2$$\n\n"
               "$$g_2(\\mathbf{a})_i = \\sum_{j=1}^n a_{(i-1)n+j} v_j$$\n")


def test_two_definitions_composing_to_the_function_are_judged_together() -> None:
    """seed 003 §3.2b: g_1 and g_2 defined as the question asks (f = g_1 ∘ g_2): both correct; a g_2 with
    v_j squared composes to another function: the later definition is incorrect, the earlier stays one."""
    problem = load(MATRIX)
    right = audit(problem, COMPOSITION, "md").entries
    assert [(entry.verdict, entry.target) for entry in right] == [("correct", "composition")] * 2
    assert "line 3" in right[0].message and "line 1" in right[1].message
    wrong = audit(problem, COMPOSITION.replace("v_j", "v_j^2"), "md").entries
    assert [entry.verdict for entry in wrong] == ["definition", "incorrect"]
    alone = audit(problem, COMPOSITION.split("\n\n")[0], "md").entries
    assert [entry.verdict for entry in alone] == ["definition"]


def test_normalise_drops_fonts_spacing_and_braces() -> None:
    assert normalise("\\mathbf{u}_{n+1}") == "u_{n+1}"
    assert normalise("\\nabla^{2} \\, f ( \\mathbf{u} )") == "\\nabla^2f(u)"


def test_definitions_are_written_out_in_the_names_before_them() -> None:
    out = expand_definitions({"Z": "W X + b", "A": "f(Z)", "l(\\mathbf{h})": "\\sigma(\\mathbf{h})",
                              "i": "k + 1", "s": "\\sum_{i=1}^{3} x_i"})
    assert " ".join(out["A"].split()) == "f ((W X + b))"
    assert out["l(\\mathbf{h})"].replace(" ", "") == "\\sigma(\\mathbf{h})"  # a formal parameter is kept
    assert "k + 1" not in out["s"]  # an index letter is never replaced (sums bind it)
    assert substitute("p_i - t_i", {"p_i": "\\frac{1}{2}"}) == "(\\frac{1}{2}) - t_i"
    assert substitute("x + 1", {}) == "x + 1"


def test_softmax_chain_with_a_derivative_left_to_take() -> None:
    """d/dy_i log(...) read with its argument (notation: the derivative operator before a function)."""
    text = ("\\begin{align*}\n\\frac{\\partial E}{\\partial y_i} &= \\frac{\\partial}{\\partial y_i} "
            "\\log \\left( \\sum_j \\exp(y_j) \\right) \\sum_k t_k - t_i \\\\\n"
            "&= \\frac{\\exp(y_i)}{\\sum_j \\exp(y_j)} \\sum_k t_k - t_i\n\\end{align*}")
    result = audit(load(SOFTMAX), text, "tex")
    assert [entry.verdict for entry in result.entries] == ["undecided", "correct"]


def test_parts_go_to_the_problem_their_heading_names() -> None:
    text = ("# Problem 1\n\n$$L = 1.0185$$\n\n# Problem 2\n\n$$\\nabla f(u) = 2Au$$\n\n"
            "## Details\n\n$$\\nabla^2 f(u) = 2A$$\n")
    result = audit([load(NETWORK), load(STEP)], text, "md")
    assert [(entry.problem.split(":")[0][:14], entry.verdict) for entry in result.entries] == [
        ("Seed 002 Probl", "correct"), ("Gradient desce", "correct"), ("Gradient desce", "correct")]


def test_two_problems_of_one_part_must_agree() -> None:
    """'\\nabla g(x) = v' under one heading shared by two calculus problems: each judges it."""
    text = "## 1 Taking Gradients\n\n$$\\nabla f(\\mathbf{x}) = \\begin{bmatrix} 0 \\\\ 0 \\end{bmatrix}$$\n"
    problems = [load(D / "seed003-s1-gradients.toml"), load(D / "seed003-s1-linear.toml")]
    (entry,) = audit(problems, text, "md").entries
    assert entry.verdict in ("incorrect", "undecided")
    assert entry.verdict == "incorrect" or "disagree" in entry.message


# -- the document is never lost -----------------------------------------------------------------------

def test_unreadable_equations_are_listed_with_their_line(network) -> None:
    text = "Intro.\n\n$$L = 3 =$$\n\nThen\n\n$$L = 1.0185$$\n\n$$\\begin{aligned} x &= \n"
    result = audit(network, text, "md")
    lines = [(entry.line, entry.verdict) for entry in result.entries]
    assert (3, "not read") in lines and (7, "correct") in lines
    assert all(entry.message for entry in result.entries if entry.verdict == "not read")


def test_a_pathological_document_is_bounded(network) -> None:
    """Hundreds of distinct claims: judged up to the bound, the rest undecided with the reason."""
    from symderiv.audit.limits import MAX_JUDGED_LINKS

    text = "\n\n".join(f"$y_{{{i % 3 + 1}}} - t_{{{i % 3 + 1}}} = {i}.5$" for i in range(MAX_JUDGED_LINKS + 60))
    start = time.monotonic()
    result = audit(network, text, "md")
    assert len(result.entries) == MAX_JUDGED_LINKS + 60
    assert sum("more than" in entry.message for entry in result.entries) >= 50
    assert time.monotonic() - start < 120


def test_bad_input() -> None:
    with pytest.raises(InputTypeError):
        audit(load(NETWORK), b"$$L = 1$$", "md")  # type: ignore[arg-type]
    with pytest.raises(InputTypeError):
        audit([], "$$L = 1$$", "md")
    with pytest.raises(SymderivError):
        audit(load(NETWORK), "x" * 300_000, "md")


# -- reports ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def solution_audit() -> Audit:
    return audit(load(NETWORK), SOLUTION_MD.read_text(encoding="utf-8"), "md")


def test_json_schema(solution_audit: Audit) -> None:
    data = json.loads(json.dumps(audit_json(solution_audit), default=str))
    assert data["schema"] == SCHEMA and data["format"] == "md"
    assert set(data["summary"]) >= {"equations", "read", "correct", "incorrect", "undecided", "definition",
                                    "not_read", "links", "first_wrong"}
    assert [step["line"] for step in data["summary"]["first_wrong"]] == [31]
    equation = data["equations"][0]
    assert set(equation) == {"index", "line", "column", "text", "section", "verdict", "links"}
    link = equation["links"][0]
    assert set(link) >= {"line", "column", "text", "relation", "target", "verdict", "message", "first_wrong"}
    assert sum(len(e["links"]) for e in data["equations"]) == data["summary"]["links"]


def test_markdown_is_the_document_with_marks(solution_audit: Audit) -> None:
    text = audit_markdown(solution_audit)
    assert text.count("✗ (line") == 3 and "✓ (line" in text
    assert "the first wrong step of this chain" in text
    assert "\\frac{1}{2} \\cdot 2.073" in text  # the student's own maths, as written


HOSTILE = ("# <script>alert(1)</script>\n\nText <img src=x onerror=alert(2)> and \\input{/etc/passwd}.\n\n"
           "$$L = \\href{javascript:alert(3)}{1} </span><script>alert(4)</script>$$\n\n"
           "$$\\def\\x{\\x}\\x = 1$$\n\n$$L = 1.0185 % \\write18{rm -rf /}$$\n")


def test_hostile_text_never_reaches_html_or_tex_unescaped(network) -> None:
    result = audit(network, HOSTILE, "md")
    page = audit_html(result, "<b>name</b>")
    head, body = page.split("</head>", 1)  # the head holds KaTeX itself (and no student text but the title)
    assert "<b>name</b>" not in head
    scripts = re.findall(r"<script>(.*?)</script>", body, flags=re.S)
    assert len(scripts) <= 1 and all("alert(" not in script for script in scripts)
    assert "<img" not in body and "<b>name</b>" not in body and "</span><script>" not in body
    assert html.escape("<script>alert(4)</script>") in body
    assert "trust: false" in page and "maxExpand: 1000" in page
    assert "default-src 'none'" in page  # nothing fetched at view time
    tex = audit_latex(result, "<b>name</b>")
    outside = re.sub(r"\\begin\{verbatim\}.*?\\end\{verbatim\}", "", tex, flags=re.S)  # verbatim: inert
    assert "\\input{/etc/passwd}" not in outside and "\\write18" not in outside and "\\href" not in outside
    assert "\\def" not in outside
    for line in re.findall(r"\\\[(.*?)\\\]", tex, flags=re.S):
        assert inert(line)


# -- the command line ---------------------------------------------------------------------------------

def _cli(args: list[str], tmp_path: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMDERIV_")}
    env.update(PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "symderiv", *args], cwd=tmp_path, env=env, input=stdin,
                          capture_output=True, timeout=300, text=stdin is None)


def test_cli_writes_every_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = _cli(["audit", str(SOLUTION_MD), "--problem", str(NETWORK), "--json", "--markdown",
                 str(out / "a.md"), "--html", str(out / "a.html")], tmp_path)
    assert proc.returncode == 1, proc.stderr  # a step is wrong
    data = json.loads(proc.stdout)
    assert data["solution"] == str(SOLUTION_MD) and data["summary"]["incorrect"] == 3
    assert sorted(p.name for p in out.iterdir()) == ["a.html", "a.md"]  # no part files left behind
    assert "katex" in (out / "a.html").read_text(encoding="utf-8")


def test_cli_reads_standard_input_and_lists_by_line(tmp_path: Path) -> None:
    proc = _cli(["audit", "-", "--problem", str(NETWORK)], tmp_path, stdin=b"Loss:\n\n$$L = 1.0185$$\n")
    assert proc.returncode == 0, proc.stderr
    assert re.search(rb"^\s+3:\d+\s+correct\s+L = 1\.0185", proc.stdout, flags=re.M)


@pytest.mark.parametrize("args, message", [
    (["audit", "missing.md", "--problem", str(NETWORK)], "cannot read the solution"),
    (["audit", str(SOLUTION_MD), "--problem", "missing.toml"], "missing.toml"),
    (["audit", str(SOLUTION_MD)], "--problem"),
])
def test_cli_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    proc = _cli(args, tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_cli_binary_solution_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "s.md"
    path.write_bytes(b"\xff\xfe$$L = 1$$")
    proc = _cli(["audit", str(path), "--problem", str(NETWORK)], tmp_path)
    assert proc.returncode == 2 and "not UTF-8" in proc.stderr


# -- a function of the student's own at its formal argument (seed 003 line 53: \nabla g_1(x) = 2x) ---------
SUM_OF_SQUARES = {"g_1(\\mathbf{x})": "\\sum_{i=1}^m x_i^2"}
# (label, the student's definitions, link, expected argument shapes at m = n = 3, expected verdict by hand)
ARGUMENTS = [
    ("gradient of a sum of m squares", SUM_OF_SQUARES, "\\nabla g_1(\\mathbf{x}) = 2\\mathbf{x}", {"x": (3, 1)},
     "correct"),
    ("the factor wrong", SUM_OF_SQUARES, "\\nabla g_1(\\mathbf{x}) = \\mathbf{x}", {"x": (3, 1)}, "incorrect"),
    ("two entries: the smallest length that reads", {"g_1(\\mathbf{x})": "x_1 + x_2"},
     "\\nabla g_1(\\mathbf{x}) = \\begin{bmatrix} 1 \\\\ 1 \\end{bmatrix}", {"x": (2, 1)}, "correct"),
    ("x^T x reads at every length: x stays unknown", {"g_1(\\mathbf{x})": "\\mathbf{x}^\\top \\mathbf{x}"},
     "\\nabla g_1(\\mathbf{x}) = 2\\mathbf{x}", {}, "undecided"),
    ("written at a variable of the problem", SUM_OF_SQUARES, "g_1(\\mathbf{v}) = \\sum_{i=1}^m v_i^2", {}, "correct"),
]


@pytest.mark.parametrize("label, where, link, shapes, expected", ARGUMENTS, ids=[case[0] for case in ARGUMENTS])
def test_formal_arguments_of_the_students_functions(label: str, where: dict[str, str], link: str, shapes: dict,
                                                    expected: str) -> None:
    problem = load(MATRIX)
    assert argument_lengths(problem, link, where) == shapes
    lhs, rhs = link.split(" = ")
    assert judge_as_formulas(problem, label, lhs, rhs, where).verdict == expected


# -- a loss named as the source writes it; a derivative after "where" is a claim ----------------------

def _softmax(loss: str | None) -> object:
    from symderiv.kinds import parse_text

    text = SOFTMAX.read_text(encoding="utf-8")
    if loss is not None:
        text = text.replace('index = "i"\n', f"index = \"i\"\nloss = '{loss}'\n", 1)
    return parse_text(text, "softmax.toml")


@pytest.mark.parametrize(("loss", "lhs", "target"), [
    (None, r"\frac{\partial \text{Err}(\mathbf{t}, \mathbf{y})}{\partial y_i}", None),  # Err is no name it knows
    (r"\text{Err}", r"\frac{\partial \text{Err}(\mathbf{t}, \mathbf{y}(\mathbf{w}))}{\partial y_i}", "derivative"),
    (r"\text{Err}", r"\text{Err}(\mathbf{t}, \mathbf{y})", "loss"),
    (r"\mathcal{C}", r"\frac{\partial \mathcal{C}}{\partial y_i}", "derivative"),
    (r"\text{Err}", r"\frac{\partial \text{Err}}{\partial x_i}", None),  # not the logits
])
def test_a_declared_loss_name_is_recognised(loss: str | None, lhs: str, target: str | None) -> None:
    found = recognise(_softmax(loss), [lhs, "1"], ("=",), {})
    assert (found.target if found else None) == target


@pytest.mark.parametrize("loss", [r"\frac{a}{b}", r"\text{Err", "a + b"])
def test_a_loss_that_is_not_one_name_is_a_problem_file_error(loss: str) -> None:
    with pytest.raises(SymderivError, match="loss"):
        _softmax(loss)


@pytest.mark.parametrize(("value", "verdict"), [
    (r"\frac{e^{y_i}}{\sum_k e^{y_k}} - t_i", "correct"),
    (r"t_i - \frac{e^{y_i}}{\sum_k e^{y_k}}", "incorrect"),
])
def test_a_derivative_stated_after_where_is_judged(value: str, verdict: str) -> None:
    """'where $$\\partial E/\\partial y_i = ...$$' states a derivative's value: a claim, not a definition."""
    text = ("## Question 2\n\nThe targets are one-hot: $\\sum_k t_k = 1$. The derivative of the loss is given "
            "below, where\n\n"
            f"$$\\frac{{\\partial E}}{{\\partial y_i}} = {value}$$\n")
    (entry,) = [entry for entry in audit(load(SOFTMAX), text, "md").entries if entry.line == 5]
    assert entry.verdict == verdict, entry.message


def test_a_let_of_the_problems_function_stays_a_definition() -> None:
    text = "## 3 Extending the Gradient\n\nLet $f(\\mathbf{A}) = \\mathbf{v}^{\\top} \\mathbf{A} \\mathbf{v}$.\n"
    (entry,) = audit(load(MATRIX), text, "md").entries
    assert entry.verdict == "definition"


@pytest.mark.parametrize(("middle", "verdicts"), [
    (r"2A\mathbf{u}", ["correct", "correct", "correct"]),
    (r"A\mathbf{u}", ["correct", "incorrect", "incorrect"]),  # the factor 2 dropped in the middle link
])
def test_a_gradient_chain_of_three_links_is_judged_link_by_link(middle: str, verdicts: list[str]) -> None:
    """An equality chain of three links is a chain, not an interval rewritten (`0 < \\eta < b = c`)."""
    text = ("## Problem 2\n\n$$\\begin{aligned}\\nabla f(\\mathbf{u}) &= (A + A^\\top)\\mathbf{u} \\\\\n"
            f"&= {middle} \\\\\n"
            "&= \\begin{bmatrix} 10 & 4 \\\\ 4 & 4 \\end{bmatrix} \\mathbf{u}\\end{aligned}$$\n")
    result = audit(load(STEP), text, "md")
    assert [entry.verdict for entry in result.entries] == verdicts, [entry.message for entry in result.entries]


@pytest.mark.parametrize(("latex", "definitions", "expected"), [
    (r"r^\top r", {"r": "X w - y"}, r"(X w - y)^{\top} (X w - y)"),  # a residual named by one letter
    (r"e^\top e", {"e": "y - t"}, r"(y - t)^{\top} (y - t)"),  # in lower-case letters that are no indices
    (r"a_{(i-1)n+j}", {"i": r"\lfloor k/n \rfloor + 1"}, r"a_{(i-1)n+j}"),  # an index definition: the table's
    (r"v_{j}", {"j": r"k' \bmod n"}, r"v_{j}"),
])
def test_a_one_letter_name_is_written_out_unless_it_defines_an_index(latex: str, definitions: dict,
                                                                      expected: str) -> None:
    assert substitute(latex, definitions) == expected


# -- one eigenvalue: \lambda_1 = 12 in a step-size problem (H = 2A = [[10, 4], [4, 4]]: 2, 12; A: 1, 6) ----

@pytest.mark.parametrize(("latex", "options", "verdict"), [
    ("12", {"eigenvalues": "H"}, "correct"),
    ("6", {"eigenvalues": "H"}, "incorrect"),  # an eigenvalue of A, not of H
    ("6", {"eigenvalues": "A"}, "correct"),
    ("6", {}, "correct"),  # either: the verdict names A
    ("11", {}, "incorrect"),
    ("2", {"eigenvalues": "H", "position": "max"}, "incorrect"),  # the smallest, not the largest
    ("2", {"eigenvalues": "H", "position": "min"}, "correct"),
    (r"\frac{24}{2}", {"eigenvalues": "H", "position": "max"}, "correct"),
    ("1, 2", {}, "undecided"),  # two numbers: not read
])
def test_one_eigenvalue(latex: str, options: dict, verdict: str) -> None:
    from symderiv.kinds.base import Claim

    (found,) = load(STEP).check([Claim("lambda", "eigenvalue", latex, "", options)])
    assert verdict_kind(found) == verdict, found.message
    if not options and verdict == "correct":
        assert "A's symmetric part" in found.message


@pytest.mark.parametrize(("values", "verdicts"), [
    (("12", "2"), ["correct", "correct"]),  # the Hessian's: the reading of the interval after them
    (("6", "1"), ["correct", "correct"]),  # A's
    (("11", "2"), ["incorrect", "correct"]),
])
def test_eigenvalues_written_in_a_document_are_judged(values: tuple, verdicts: list[str]) -> None:
    text = (f"## Problem 2\n\nThe eigenvalues are $\\lambda_1 = {values[0]}$ and $\\lambda_{{2}} = {values[1]}$.\n\n"
            "A bare $\\lambda = 3$ is not an eigenvalue (it may name a rate).\n")
    entries = audit(load(STEP), text, "md").entries
    assert [entry.verdict for entry in entries[:2]] == verdicts, [entry.message for entry in entries]
    assert entries[2].verdict == "undecided"
