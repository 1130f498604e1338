"""Document extraction for the audit: every construct of Markdown, OCR text and LaTeX solutions, the
seeds, the typed solutions in derivations/solutions, random text and pathological documents."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symderiv.audit import Document, DocumentError, DocumentLimitError, Equation, extract
from symderiv.audit.limits import MAX_DOCUMENT_CHARS, MAX_EQUATIONS, MAX_MATH_CHARS, MAX_MATH_NESTING
from symderiv.core.errors import InputTypeError

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "derivations" / "solutions"


def _seeds_directory() -> Path | None:
    """shared/seeds beside the project (../shared/seeds of the checkout, or of a parent folder)."""
    for folder in ROOT.parents:
        candidate = folder / "shared" / "seeds"
        if candidate.is_dir():
            return candidate
    return None


SEEDS = _seeds_directory()


def digest(equation: Equation) -> str:
    """One line per equation: 'line:column', then the chain 'lhs rel rhs rel rhs' with each
    definition marked, '| condition', '#tag', 'connective:' and 'not read: why'."""
    parts = [f"{equation.line}:{equation.column}"]
    if equation.connective:
        parts.append(f"{equation.connective}:")
    if equation.not_read is not None:
        parts.append(f"not read: {equation.not_read}")
    for position, link in enumerate(equation.links):
        if position == 0:
            parts.append(link.lhs.latex)
        parts.append(f"{link.relation}[def:{link.cue}]" if link.definition else link.relation)
        parts.append(link.rhs.latex)
    parts.extend(f"| {condition.latex}" for condition in equation.conditions)
    if equation.tag:
        parts.append(f"#{equation.tag}")
    return " ".join(parts)


def digests(text: str, fmt: str) -> list[str]:
    return [digest(equation) for equation in extract(text, fmt).equations]


# -- Markdown and OCR text: (label, document, expected equations) ------------------------------------
MARKDOWN_CASES = [
    ("inline chain", "So $a = b = c$.", ["1:5 a = b = c"]),
    ("display $$ block", "Text\n\n$$x + 1 = 2$$\n", ["3:3 x + 1 = 2"]),
    ("two $$ displays on one line", "$$a = 1$$ and $$b = 2$$\n", ["1:3 a = 1", "1:17 b = 2"]),
    ("every relation", r"$a \approx b < c > d \le e \leq f \ge g \geq h \ne i \neq j \in k$",
     [r"1:2 a \approx b < c > d \le e \le f \ge g \ge h \ne i \ne j \in k"]),
    ("relations inside braces, brackets and \\frac are not split",
     r"$f(x = 1) = \frac{a = b}{c} + [y < z]_{i=1} + \sum_{k=1}^{n} k$",
     [r"1:2 f(x = 1) = \frac{a = b}{c} + [y < z]_{i=1} + \sum_{k=1}^{n} k"]),
    ("aligned: one chain over &= lines",
     "$$\\begin{aligned}\nL &= a + b \\\\\n  &= c \\\\\n  &= d\n\\end{aligned}$$",
     ["2:1 L = a + b = c = d"]),
    ("aligned: new lhs starts a new chain",
     "$$\\begin{aligned} x_1 &= 1 \\\\ x_2 &= 2 \\end{aligned}$$", ["1:19 x_1 = 1", "1:31 x_2 = 2"]),
    ("aligned: OCR '\\\\[z]' is a line break and a bracket, not a spacing argument",
     r"$$\begin{aligned}z &= x \\[z]_m &= b \\[2pt] w &= 1\end{aligned}$$",
     ["1:18 z = x", "1:27 [z]_m = b", "1:46 w = 1"]),
    ("line ending in '=' and next line '&=': one relation", "$$\\begin{aligned} a &= b = \\\\ &= c \\end{aligned}$$",
     ["1:19 a = b = c"]),
    ("operator at the start of a line continues the side",
     "$$\\begin{aligned} a &= b + c \\\\ &\\quad + d \\\\ &= e \\end{aligned}$$", ["1:19 a = b + c + d = e"]),
    ("cases and matrices are not split inside",
     r"$$|x| = \begin{cases} x & x > 0 \\ -x & \text{otherwise} \end{cases}, \quad "
     r"A = \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}$$",
     [r"1:3 |x| = \begin{cases} x & x > 0 \\ -x & \text{otherwise} \end{cases}",
      r"1:77 A = \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"]),
    (":= defines", r"$L := \frac{1}{2} r^2$", [r"1:2 L :=[def::=] \frac{1}{2} r^2"]),
    ("\\coloneqq, \\equiv, \\stackrel{def}{=}, \\overset{\\text{def}}{=}, =: define",
     r"$a \coloneqq 1$, $b \equiv 2$, $c \stackrel{def}{=} 3$, $d \overset{\text{def}}{=} 4$, $5 =: e$",
     ["1:2 a :=[def::=] 1", r"1:19 b \equiv[def:\equiv] 2", "1:33 c :=[def::=] 3",
      "1:58 d :=[def::=] 4", "1:89 5 =:[def:=:] e"]),
    ("\\overset{(a)}{=} is an annotated claim", r"$x \overset{(a)}{=} y$", ["1:2 x = y"]),
    ("prose 'let' defines", "Let $h = Wx$ be the hidden layer.", ["1:6 h =[def:prose: let] Wx"]),
    ("prose 'where' defines", "$$y = h + b$$\nwhere $h = Wx$.", ["1:3 y = h + b", "2:8 h =[def:prose: where] Wx"]),
    ("'define ... namely' defines every line of the block",
     "We first define some notation, namely\n\n$$\\begin{aligned} z &= Wx \\\\ a &= f(z) = g \\end{aligned}$$",
     ["3:19 z =[def:prose: notation] Wx", "3:30 a =[def:prose: notation] f(z) = g"]),
    ("'let' carries over 'and' to the next inline math", "Let $a = 1$ and $b = 2$.",
     ["1:6 a =[def:prose: let] 1", "1:18 b =[def:prose: let] 2"]),
    ("a result after the cue is not a definition",
     "Assuming $\\log$ denotes the natural logarithm, we have $$E = -\\log p$$", ["1:58 E = -\\log p"]),
    ("a new sentence ends the cue", "Let $x$ be given. Then $y = 2x$.", ["1:25 y = 2x"]),
    ("\\text{where} inside math defines", r"$y = Wx \text{ where } W = 2$",
     ["1:2 y = Wx", r"1:24 W =[def:\text{where}] 2"]),
    ("\\text{if} and \\forall are conditions", "$$y = x \\text{ if } x > 0$$\n$$|z| < 1 \\quad \\forall i$$",
     [r"1:3 y = x | \text{ if } x > 0", r"2:3 |z| < 1 | \forall i"]),
    ("\\quad separates statements; punctuation goes", r"$$\lambda_1 = 6, \quad \lambda_2 = 1.$$",
     [r"1:3 \lambda_1 = 6", r"1:24 \lambda_2 = 1"]),
    ("commas separate two relations, not a list", r"$i \in [1, n],\ j = 1, \dots, d$",
     [r"1:2 i \in [1, n]", r"1:17 j = 1, \dots, d"]),
    ("\\Rightarrow starts a new statement", r"$$2x < 2 \quad \Rightarrow \quad x < 1$$",
     [r"1:3 2x < 2", r"1:34 \Rightarrow: x < 1"]),
    ("leading \\equiv with a relation after it is an equivalence of statements",
     "$$\\begin{aligned} f(a) &< f(b) \\\\ &\\equiv 5a < 5b \\end{aligned}$$",
     ["1:19 f(a) < f(b)", r"1:43 \equiv: 5a < 5b"]),
    ("\\tag, \\label, \\nonumber removed; trailing \\quad (1) is a tag",
     "$$a = b \\label{eq:a} \\tag{3}$$\n$$c = d \\quad (\\alpha)$$\n$$e = f \\nonumber,$$",
     ["1:3 a = b #3", r"2:3 c = d #\alpha", "3:3 e = f"]),
    ("Markdown label after $$ is a tag", "$$ a = b $$ (7)\n", ["1:4 a = b #7"]),
    ("a reference (1) as a side", "$$\\begin{aligned} (1) &= a \\\\ &= b \\end{aligned}$$", ["1:19 (1) = a = b"]),
    ("\\text{...} names stay in the side", r"$\text{Output size} = \frac{\text{Input size}}{2}$",
     [r"1:2 \text{Output size} = \frac{\text{Input size}}{2}"]),
    ("a block that starts with '=' continues the last display equation",
     "$$a = b$$\n\nnote $x = 1$\n\n$$= c$$\n", ["1:3 a = b", "3:7 x = 1", "5:3 b = c"]),
    ("a block that starts with '=' with nothing before it", "$$= c$$",
     ["1:3 not read: starts with '=' but no equation before it in this section to continue"]),
    ("unbalanced brace", "$$a = {b$$", ["1:1 not read: '{' is never closed (line 1, column 7)"]),
    ("unbalanced bracket", "$a = (b$", ["1:1 not read: '(' is never closed (line 1, column 6)"]),
    ("closer with no opener", "$a = b)$", ["1:1 not read: ')' closes nothing (line 1, column 7)"]),
    ("empty side", "$a = $", ["1:2 not read: nothing after '='"]),
    ("two relations with nothing between", "$a = < b$", ["1:2 not read: nothing between '=' and '<'"]),
    ("code is not math", "```\n$a = b$\n```\n\n`$c = d$` and $e = f$", ["5:16 e = f"]),
    ("amsmath environment at the top level of Markdown", "\\begin{align}\na &= b \\\\\n&= c\n\\end{align}\n",
     ["2:1 a = b = c"]),
    ("unicode relations from OCR", "$a ≤ b ≈ c ≠ d$", [r"1:2 a \le b \approx c \ne d"]),
    ("list item and block quote positions", "- item $a = b$\n\n> quoted\n> $$c\n> = d$$\n",
     ["1:9 a = b", "4:5 c = d"]),
]


@pytest.mark.parametrize(("label", "document", "expected"), MARKDOWN_CASES, ids=[case[0] for case in MARKDOWN_CASES])
def test_markdown_constructs(label: str, document: str, expected: list[str]) -> None:
    """Each Markdown construct gives the equations, links, definitions and positions written."""
    assert digests(document, "md") == expected, label


OCR_CASES = [
    ("indentation is layout, not code", "    Let  $a = b$  here\n\n        $$c = d$$", ["1:11 a =[def:prose: let] b",
                                                                                   "3:11 c = d"]),
    ("$$ on its own line inside a paragraph", "Output size = \n$$(32 - 5 + 1) = 28$$\n, Biases: 8",
     ["2:3 (32 - 5 + 1) = 28"]),
    ("split $$ blocks continue a chain", "$$\\nabla g = J^T h$$\n$$= 2 J^T g$$\n\n$$= 3$$",
     ["1:3 \\nabla g = J^T h", "2:3 J^T h = 2 J^T g", "4:3 2 J^T g = 3"]),
    ("'\\\\&=' without spaces", "$$\\begin{aligned}a &= b \\\\&= c\\end{aligned}$$", ["1:18 a = b = c"]),
    ("CRLF line ends keep lines and columns", "a\r\n\r\n$$x = 1$$\r\n", ["3:3 x = 1"]),
]


@pytest.mark.parametrize(("label", "document", "expected"), OCR_CASES, ids=[case[0] for case in OCR_CASES])
def test_ocr_text_constructs(label: str, document: str, expected: list[str]) -> None:
    """OCR text (`.txt`): Markdown whose indentation is not code, with the OCR tool's habits."""
    assert digests(document, "txt") == expected, label


LATEX_CASES = [
    ("inline $ and \\( \\)", r"Here $a = b$ and \(c < d\).", ["1:7 a = b", "1:20 c < d"]),
    ("display \\[ \\] and $$", "\\[ x = y \\]\n$$ u \\le v $$", ["1:4 x = y", "2:4 u \\le v"]),
    ("equation and equation*",
     "\\begin{equation} e = 1 \\label{one} \\end{equation}\n\\begin{equation*} f = 2 \\end{equation*}",
     ["1:18 e = 1", "2:19 f = 2"]),
    ("align with &= lines, \\tag and \\nonumber",
     "\\begin{align}\nL &= a \\nonumber \\\\\n  &= b \\tag{2}\n\\end{align}", ["2:1 L = a = b #2"]),
    ("align*: two chains", "\\begin{align*} a &= 1 \\\\ b &= 2 \\end{align*}", ["1:16 a = 1", "1:26 b = 2"]),
    ("gather: one statement per line", "\\begin{gather} a = 1 \\\\ b = 2 \\end{gather}", ["1:16 a = 1", "1:25 b = 2"]),
    ("multline: one statement over lines", "\\begin{multline} a = b \\\\ + c \\end{multline}", ["1:18 a = b + c"]),
    ("aligned inside \\[ \\]", "\\[\\begin{aligned} a &= b \\\\ &= c \\end{aligned}\\]", ["1:19 a = b = c"]),
    ("\\section scopes, comments and verbatim are skipped",
     "\\section{One}\n% $h = 1$\nLet $x = 1$.\n\\begin{verbatim}$y = 2$\\end{verbatim}\n\\subsection*{Two} $z = 3$",
     ["3:6 x =[def:prose: let] 1", "5:20 z = 3"]),
    ("preamble before \\begin{document} is skipped",
     "\\documentclass{article}\n\\def\\x{$q = 1$}\n\\begin{document}\n$a = b$\n\\end{document}\n$c = d$",
     ["4:2 a = b"]),
    ("unclosed $ stops at the blank line; the rest is read", "Then $a = b\n\nNext $c = d$.",
     ["1:6 not read: $ is not closed before the next blank line", "3:7 c = d"]),
    ("unclosed align", "\\begin{align} a &= b", ["1:1 not read: \\begin{align} is not closed before the end of "
                                                    "the document"]),
    ("\\stackrel{\\text{def}}{=} and \\triangleq", r"$a \stackrel{\text{def}}{=} b$ and $c \triangleq d$",
     ["1:2 a :=[def::=] b", "1:37 c :=[def::=] d"]),
    ("escaped dollars are prose", r"It costs \$5 and $x = 1$.", ["1:19 x = 1"]),
]


@pytest.mark.parametrize(("label", "document", "expected"), LATEX_CASES, ids=[case[0] for case in LATEX_CASES])
def test_latex_constructs(label: str, document: str, expected: list[str]) -> None:
    """Each LaTeX construct, read through pylatexenc's tokenizer."""
    assert digests(document, "tex") == expected, label


def test_sections_scope_definitions() -> None:
    """Definitions are visible after them in their section and the sections under it, not elsewhere."""
    document = extract("# A\nLet $x = 1$.\n## A.1\n$x + 1 = 2$\n# B\n$x = 3$\n", "md")
    assert [section.path for section in document.sections] == [("A",), ("A", "A.1"), ("B",)]
    in_a1, in_b = document.equations[1], document.equations[2]
    assert in_a1.section == ("A", "A.1") and in_b.section == ("B",)
    assert [definition.name.latex for definition in document.definitions_visible(in_a1)] == ["x"]
    assert document.definitions_visible(in_b) == []
    latex = extract("\\section{P}\n$a := 1$\n\\subsection{Q}\n$a = 2$\n\\section{R}\n$a = 3$", "tex")
    assert [len(latex.definitions_visible(equation)) for equation in latex.equations] == [0, 1, 0]


def test_numbered_headings_are_parts_whatever_their_level() -> None:
    """OCR'd headings lose their levels (seed 003: `# 2 Taking Jacobians` then `## 3 Extending the
    Gradient`): numbered headings at one depth are siblings, so 2's definitions do not reach 3; a
    deeper number (2.1) and an unnumbered heading nest as their level says."""
    text = "# 2 Two\nLet $g = 1$.\n## 2.1 Sub\n$g + 1 = 2$\n## Notes\n$g = 1$\n## 3 Three\n$g = 3$\n"
    document = extract(text, "md")
    assert [section.path for section in document.sections] == [
        ("2 Two",), ("2 Two", "2.1 Sub"), ("2 Two", "Notes"), ("3 Three",)]
    in_sub, in_three = document.equations[1], document.equations[3]
    assert len(document.definitions_visible(in_sub)) == 1 and document.definitions_visible(in_three) == []
    problems = extract("## Problem 1\n$a = 1$\n# Problem 2\n$a = 2$\n", "md")
    assert [section.path for section in problems.sections] == [("Problem 1",), ("Problem 2",)]


def test_positions_are_exact() -> None:
    """Every side's source is the document's text at its offsets, and its line and column say where."""
    text = "# T\n\n- item:  $$\\begin{aligned}\n  a &= b + c \\\\\n  &= d\n  \\end{aligned}$$\n"
    document = extract(text, "md")
    link = document.equations[0].links[1]
    assert (link.lhs.source, link.lhs.line, link.lhs.column) == ("b + c", 4, 8)
    assert (link.rhs.source, link.rhs.line, link.rhs.column) == ("d", 5, 6)
    assert (link.written, link.line, link.column) == ("=", 5, 4)
    assert document.equations[0].source == "a &= b + c \\\\\n  &= d"


def test_bad_arguments() -> None:
    """A text that is not a str, or an unknown format, is a clear error."""
    with pytest.raises(InputTypeError, match="must be text"):
        extract(b"$a=b$", "md")  # type: ignore[arg-type]
    with pytest.raises(DocumentError, match="unknown document format 'docx'"):
        extract("$a=b$", "docx")


# -- the seeds -----------------------------------------------------------------------------------
def _dollar_blocks(text: str) -> int:
    """How many `$$...$$` blocks a seed holds, counted independently of the parser: pairs of '$$'."""
    return text.count("$$") // 2


@pytest.mark.skipif(SEEDS is None, reason="shared/seeds is not beside this checkout")
@pytest.mark.parametrize("name", sorted(path.name for path in SEEDS.glob("*.txt")) if SEEDS else [])
def test_seed_every_block_accounted_for(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each seed extracts without an exception; every `$$` block is a block of the document, read
    (with its links), an expression with no relation, or not read with a reason."""
    text = (SEEDS / name).read_text()
    document = extract(text, "txt")
    display = [block for block in document.blocks if block.kind == "$$"]
    assert len(display) == _dollar_blocks(text)
    for block in document.blocks:
        assert block.status == "read" or block.status == "no relation" or block.status.startswith("not read: ")
        assert block.source.startswith("$$") if block.kind == "$$" else True
        for number in block.equations:
            equation = document.equations[number]
            assert equation.links or equation.not_read
    for equation in document.equations:
        for link in equation.links:
            for side in (link.lhs, link.rhs):
                assert document.text[side.start : side.end] == side.source and side.latex
    summary = document.summary()
    with capsys.disabled():
        print(f"\n{name}: {len(display)} $$ blocks, " + ", ".join(f"{key} {value}" for key, value in summary.items()))
    assert summary["equations"] > 10


SEED_FACTS = [
    # (seed, line, digest prefix): facts of the seeds read by eye
    ("000", 13, "13:18 z_k =[def:prose: notation] x_k \\cdot W^{(1)} + b^{(1)}"),
    ("000", 60, "60:19 (1) = \\sum_{k=1}^4 (y_k - t_k) \\frac{\\partial y_k}{\\partial b^{(1)}}"),
    ("000", 143, "143:49 \\equiv: 5(x_1(1 - 10\\eta)^n)^2 < 5(x_1(1 - 10\\eta)^{n-1})^2"),
    ("001", 29, "29:3 \\frac{\\partial \\text{Err}(\\mathbf{y}, \\mathbf{z}(\\mathbf{w}))}{\\partial z_k} =[def:prose: "
                "where]"),
    ("002", 66, "66:3 L = \\frac{1}{2}(0.04 + 0.2809 + 1.7161) = \\frac{1}{2} \\cdot 2.037 = 1.0185"),
    ("002", 13, "13:3 y_k :=[def::=] \\mathbf{w}^{(2)\\top} f(W^{(1)} \\mathbf{x}_k + \\mathbf{b}^{(1)}) + b^{(2)}"),
    ("002", 153, "153:3 |1 - 2\\eta \\lambda_i| < 1 | \\forall i"),
    ("003", 62, "62:3 \\mathbf{J}_{g_2}(\\mathbf{a})^{\\top} \\nabla g_1(g_2(\\mathbf{a})) = 2\\mathbf{J}_{g_2}"),
    ("004", 51, "51:3 \\frac{\\partial \\mathcal{L}}{\\partial w_{i,1}^{(2)}} = "
                "\\frac{\\partial \\mathcal{L}}{\\partial "
                "z_1^{(2)}} \\frac{\\partial z_1^{(2)}}{\\partial w_{i,1}^{(2)}} #4"),
]


@pytest.mark.skipif(SEEDS is None, reason="shared/seeds is not beside this checkout")
@pytest.mark.parametrize(("seed", "line", "expected"), SEED_FACTS)
def test_seed_facts(seed: str, line: int, expected: str) -> None:
    """Chains, definitions, equivalences, conditions and continued blocks of the seeds, as written."""
    path = next(SEEDS.glob(f"{seed}_*.txt"))
    document = extract(path.read_text(), "txt")
    found = [digest(equation) for equation in document.equations if equation.line == line]
    assert any(text.startswith(expected) for text in found), found


# -- the typed solutions of derivations/solutions --------------------------------------------------
PLANTED = re.compile(r'planted: line (\d+): "(.*)": ')


def _planted(text: str) -> list[tuple[int, str]]:
    return [(int(match[1]), match[2]) for match in PLANTED.finditer(text)]


@pytest.mark.parametrize("name", sorted(path.name for path in SOLUTIONS.iterdir()))
def test_solutions_split_with_planted_mistakes_inside_chains(name: str) -> None:
    """Each typed solution extracts whole, and each planted mistake (listed in its head comment) is
    the right side of an intermediate link of a chain at its line, the chain going on after it."""
    text = (SOLUTIONS / name).read_text()
    document = extract(text, name.rsplit(".", 1)[1])
    planted = _planted(text)
    assert len(planted) >= 3 and not document.not_read()
    for line, written in planted:
        places = [
            (equation, position)
            for equation in document.equations
            for position, link in enumerate(equation.links)
            if link.rhs.line == line and written in (link.rhs.latex, " ".join(link.rhs.source.split()))
        ]
        assert len(places) == 1, (line, written)
        equation, position = places[0]
        chain = document.chain(equation)
        planted_at = equation.links[position].rhs.start
        later = [link for other in chain for link in other.links if link.lhs.start >= planted_at]
        assert later, f"line {line}: the planted link ends its chain"


def test_solution_formats() -> None:
    """The three styles: Markdown with $$, LaTeX with align, OCR text (each at least once)."""
    suffixes = {path.suffix for path in SOLUTIONS.iterdir()}
    assert suffixes == {".md", ".tex", ".txt"}
    assert "\\begin{align" in (SOLUTIONS / "seed000-q2-softmax-ce.tex").read_text()


# -- random documents and pathological ones ---------------------------------------------------------
FRAGMENTS = ["$", "$$", "=", "&=", "\\\\", "{", "}", "(", ")", "[", "]", "\\left(", "\\right)", "\\frac{a}{b}",
             "\\begin{aligned}", "\\end{aligned}", "\\begin{align}", "\\end{align}", "\\begin{cases}",
             "\\end{cases}", "\\text{ if }", "\\tag{1}", "\\label{x}", "\\quad", ",", ".", "<", "\\le", "\\in",
             ":=", "\\equiv", "\\stackrel{def}{=}", "x", "y_k", " ", "\n", "\n\n", "# H\n", "\\section{S}",
             "Let ", "where ", "%", "\\[", "\\]", "\\(", "\\)", "`", "```\n", "> ", "- ", "\t", "\\", "\\Rightarrow",
             "\\forall i", "(1)", "\\begin{document}", "\\end{document}", "\\verb|", "é", "\r\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40), st.sampled_from(["md", "tex", "txt"]))
def test_random_documents_never_raise(fragments: list[str], fmt: str) -> None:
    """Any text made of Markdown and LaTeX pieces is extracted (or refused with a DocumentError);
    every position points at the document's own text."""
    text = "".join(fragments)
    try:
        document = extract(text, fmt)
    except DocumentError:
        return
    _consistent(document)


def _consistent(document: Document) -> None:
    for equation in document.equations:
        assert document.text[equation.start : equation.end] == equation.source
        assert equation.not_read is None or not equation.links
        for link in equation.links:
            for side in (link.lhs, link.rhs):
                assert document.text[side.start : side.end] == side.source
                line, column = side.line, side.column
                lines = document.text.split("\n")
                assert document.text.startswith(side.source[:1], side.start)
                assert sum(len(text) + 1 for text in lines[: line - 1]) + column - 1 == side.start


PATHOLOGICAL = [
    ("deep braces in one block", "$$" + "{" * 100_000 + "$$", "md", f"more than {MAX_MATH_CHARS:,}"),
    ("deep braces, short", "$" + "{" * 100 + "x" + "}" * 100 + " = 1$", "txt", f"nested more than {MAX_MATH_NESTING}"),
    ("deep brackets (LaTeX)", "$" + "(" * 100 + "x" + ")" * 100 + " = 1$", "tex",
     f"nested more than {MAX_MATH_NESTING}"),
    ("unbalanced $ (LaTeX)", "$a " * 30_000, "tex", None),
    ("unbalanced $ (Markdown)", "$a " * 30_000, "md", None),
    ("unclosed $$ lines", "$$ a\n" * 30_000, "txt", None),
    ("unclosed \\begin{align} lines", "\\begin{align}\n" * 10_000, "md", None),
    ("brackets", "[" * 200_000, "md", None),
    ("a long paragraph", "$a = b$ " * 20_000, "md", "a paragraph of 159,999 characters"),
    ("many blocks", "$$a = b$$\n\n" * 2_000, "md", None),
]


@pytest.mark.slow
@pytest.mark.parametrize(("label", "text", "fmt", "reason"), PATHOLOGICAL, ids=[case[0] for case in PATHOLOGICAL])
def test_pathological_documents_are_bounded(label: str, text: str, fmt: str, reason: str | None) -> None:
    """Pathological documents are read (their bad blocks listed with the reason) without recursion
    or quadratic blow-up; benchmarks/bench_audit_extract.py measures their time."""
    document = extract(text, fmt)
    if reason is not None:
        assert any(reason in (equation.not_read or "") for equation in document.equations), label


@pytest.mark.parametrize(
    ("label", "text", "fmt", "message"),
    [
        ("megabytes", "a" * (MAX_DOCUMENT_CHARS + 1), "md", f"characters {MAX_DOCUMENT_CHARS + 1:,} past the limit"),
        ("too many equations", "$a = b$\n\n" * (MAX_EQUATIONS + 1), "md", f"equations {MAX_EQUATIONS + 1:,} past"),
        ("too many equations (LaTeX)", "$a = b$\n" * (MAX_EQUATIONS + 1), "tex", "equations"),
    ],
)
def test_documents_past_the_limits_are_refused(label: str, text: str, fmt: str, message: str) -> None:
    """A document past the size or equation limits is refused with a DocumentLimitError naming both."""
    with pytest.raises(DocumentLimitError, match=message):
        extract(text, fmt)


def test_extraction_imports_only_errors() -> None:
    """The extraction modules import nothing of symderiv but its errors (and each other): no SymPy.
    (The judging modules beside them in symderiv/audit, judge/network/arithmetic/targets, use the kinds.)"""
    extraction = {"document", "extract", "latex", "markdown", "reading", "split", "tokens", "limits"}
    for path in (ROOT / "symderiv" / "audit").glob("*.py"):
        if path.stem not in extraction:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                assert node.module == "core.errors", (path.name, node.module)
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert not (node.module or "").startswith(("sympy", "symderiv", "numpy")), (path.name, node.module)
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith(("sympy", "numpy")) for alias in node.names), path.name
