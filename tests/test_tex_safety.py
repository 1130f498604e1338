"""No untrusted text reaches TeX as source (issue 10). A canary file with random content sits
in a temporary directory; claims, `where` definitions, titles, notes, parameter `latex`,
variable and layer names try every way TeX has to read it (\\input, \\openin, \\write18,
\\immediate\\write, \\catcode, ^^ forms, \\csname, \\include, ...) through `check --pdf`,
`solve --pdf` and `--latex`: each run ends in a PDF without the canary's content (pdftotext)
or in a clean error. The printer of formulas is checked on every bundled formula: what it
prints parses to the same tree and passes the inertness check."""

from __future__ import annotations

import glob
import io
import itertools
import os
import re
import secrets
import shutil
import string
import subprocess
import tomllib
import unicodedata
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from symderiv import cli
from symderiv.core.texsafe import escape, inert, verbatim_safe
from symderiv.notation.parse import parse
from symderiv.notation.unparse import formula_latex, unparse
from symderiv.render import pdf
from symderiv.render.blocks import Code, Document, M, Math, Para, to_latex

ROOT = Path(__file__).resolve().parent.parent

#: Ways a piece of TeX source could read a file into the document; CANARY stands for the
#: canary's path without its extension.
TRICKS = [
    r"\input{CANARY}",
    r"\input CANARY.tex ",
    r"\include{CANARY}",
    r"\newread\r \openin\r=CANARY.tex \read\r to\x \x",
    r"\immediate\write18{cat CANARY.tex > leak.tex}\input{leak}",
    r"\write18{cp CANARY.tex leak.tex}",
    r"\newwrite\w\immediate\openout\w=leak.tex\immediate\write\w{\string\input{CANARY}}"
    r"\immediate\closeout\w\input{leak}",
    r"\catcode`\@=0 @input{CANARY}",
    r"^^5cinput{CANARY}",
    r"x^^5cinput{CANARY}",
    r"\text{^^5cinput{CANARY}}",
    r"$^^5cinput{CANARY}$",
    r"\csname input\endcsname{CANARY}",
    r"\expandafter\csname in\endcsname put{CANARY}",
    r"\def\x{\input{CANARY}}\x",
    r"\end{verbatim}\input{CANARY}\begin{verbatim}",
    r"}\input{CANARY}{",
    r"\scantokens{\input{CANARY}}",
    r"\IfFileExists{CANARY.tex}{\input{CANARY}}{}",
    r"\pdffiledump length 64 {CANARY.tex}",
    r"W^{\input{CANARY}}",
    r"\mathbf{x}_{\input{CANARY}}",
    r"\frac{\partial L}{\partial \input{CANARY}}",
]


@pytest.fixture(scope="module")
def canary(tmp_path_factory) -> tuple[Path, str]:
    """A file with random content: (its path without extension, the content). Letters only,
    so that wherever TeX typesets it, pdftotext gives it back letter for letter."""
    folder = tmp_path_factory.mktemp("canary")
    secret = "CANARY" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(14))
    base = folder / "canary"
    for suffix in (".tex", ".txt", ""):
        Path(f"{base}{suffix}").write_text(secret + "\n")
    return base, secret


def _need_tex() -> None:
    if shutil.which("pdflatex") and shutil.which("pdftotext"):
        return
    if os.environ.get("CI"):
        pytest.fail("pdflatex/pdftotext missing under CI: run scripts/install-tex.sh first")
    pytest.skip("pdflatex/pdftotext not installed")


def _letters(text: str) -> str:
    """Only the letters and digits of `text`, upper-cased (math italic, spacing and hyphens
    between them do not hide a word)."""
    return re.sub(r"[^A-Z0-9]", "", unicodedata.normalize("NFKC", text).upper())


def _leaks(pdf_path: Path, secret: str) -> bool:
    """Whether the PDF shows `secret`, as text or as the hex dump \\pdffiledump makes of it."""
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode("utf-8", "replace")
    shown = _letters(text)
    return _letters(secret) in shown or secret.encode().hex().upper() in shown


def _tricks(base: Path) -> list[str]:
    return [t.replace("CANARY", str(base)) for t in TRICKS]


def _run(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli.main(args)
    return status, err.getvalue()


def _toml_text(text: str) -> str:
    """`text` as a TOML literal string (the tricks hold no three single quotes)."""
    assert "'''" not in text
    return f"'''{text}'''" if "\n" not in text and not text.endswith("'") else repr(text)


NETWORK_HEAD = """title = {title}
source = {title}
section = {title}
description = {title}
kind = "network"

[model]
layout = "column"
inputs = 2
loss = "half_sse"
layers = [{{ units = 2, activation = "relu", weight = "W1", bias = "b1" }},
          {{ units = 1, activation = "identity", weight = "w2", bias = "b2" }}]

[params.W1]
latex = 'W^{{(1)}}'
value = [[-0.6, 0.7], [0.4, 0.5]]
[params.b1]
value = [-0.4, -0.5]
[params.w2]
value = [0.2, 0.6]
[params.b2]
value = -0.7
[data]
X = [[0.2, -0.4], [0.8, 1.0]]
T = [-0.5, 0.1]
"""


def _network_file(folder: Path, tricks: list[str]) -> Path:
    """A network problem whose title, source, section and description hold every trick, with
    one claim per trick (as its latex, its note, its target, and in its `where`)."""
    text = NETWORK_HEAD.format(title=_toml_text(" / ".join(tricks)))
    for n, trick in enumerate(tricks):
        literal, key = _toml_text(trick), "'" + trick + "'"
        for target in ("dL/dW1", "L"):
            text += (f"\n[[claims]]\nid = {_toml_text(f'{trick} {n}{target}')}\ntarget = '{target}'\n"
                     f"latex = {literal}\nnote = {literal}\nwhere = {{ {key} = {literal}, 'g' = {literal} }}\n")
        text += f"\n[[claims]]\nid = 'target-{n}'\ntarget = {literal}\nlatex = '1'\n"
    path = folder / "hostile-network.toml"
    path.write_text(text)
    return path


def _check_runs(tmp_path: Path, secret: str, runs: list[list[str]]) -> None:
    """Each run ends in exit 0, 1 or 2 (claims that cannot be read, or a clean error: at most
    one line on stderr); every PDF made is free of the canary; every .tex made holds no
    command that could read it."""
    for args in runs:
        status, err = _run(args)
        assert status in (0, 1, 2), (args, status, err)
        assert err.count("\n") <= 1 and "Traceback" not in err, err
        for flag, value in itertools.pairwise(args):
            if flag == "--pdf" and Path(value).exists():
                assert not _leaks(Path(value), secret), f"the canary leaked through {args}"
            if flag == "--latex" and Path(value).exists():
                tex = Path(value).read_text()
                assert secret not in tex
                tex = re.sub(r"\\begin\{verbatim\}.*?\\end\{verbatim\}", "", tex, flags=re.S)  # inert there
                assert not re.search(r"\\(input|include|openin|read|write|immediate|csname|catcode|def|"
                                     r"scantokens|IfFileExists|pdffiledump)(?![a-zA-Z])", tex), args
                assert "^^" not in tex, args
    assert not (tmp_path / "leak.tex").exists() and not Path("leak.tex").exists()


def test_tricks_in_claims_titles_notes_and_where(canary, tmp_path):
    _need_tex()
    base, secret = canary
    path = _network_file(tmp_path, _tricks(base))
    _check_runs(tmp_path, secret, [
        ["check", str(path), "--pdf", str(tmp_path / "report.pdf"), "--latex", str(tmp_path / "report.tex"),
         "--markdown", str(tmp_path / "report.md")],
        ["solve", str(path), "--pdf", str(tmp_path / "solution.pdf"), "--latex", str(tmp_path / "solution.tex")],
    ])
    assert (tmp_path / "report.pdf").exists() and (tmp_path / "solution.pdf").exists()
    report = (tmp_path / "report.tex").read_text()
    assert "cannot be read" in report  # the tricks are claims with verdict error, shown as text


def test_tricks_as_command_line_claims(canary, tmp_path):
    _need_tex()
    base, secret = canary
    path = _network_file(tmp_path, [])
    runs = [["check", str(path), f"--claim={trick}", "--target", "dL/dW1", "--pdf", str(tmp_path / f"c{n}.pdf"),
             "--latex", str(tmp_path / f"c{n}.tex")] for n, trick in enumerate(_tricks(base))]
    _check_runs(tmp_path, secret, runs)


@pytest.mark.parametrize("trick", TRICKS)
def test_tricks_as_a_parameters_latex(canary, tmp_path, trick):
    """A parameter's display name is a formula printed from its tree, or the file is refused."""
    _need_tex()
    base, secret = canary
    text = NETWORK_HEAD.format(title="'t'").replace("latex = 'W^{(1)}'",
                                                   f"latex = {_toml_text(trick.replace('CANARY', str(base)))}")
    path = tmp_path / "param.toml"
    path.write_text(text)
    status, err = _run(["solve", str(path), "--pdf", str(tmp_path / "s.pdf"), "--latex", str(tmp_path / "s.tex")])
    if status == 2:
        assert "params.W1.latex" in err and err.count("\n") == 1
    else:
        _check_runs(tmp_path, secret, [["solve", str(path), "--pdf", str(tmp_path / "s.pdf"),
                                        "--latex", str(tmp_path / "s.tex")]])


def test_tricks_as_variable_and_layer_names(canary, tmp_path):
    """Names the topic kinds take from a file: calculus variables become SymPy symbols (printed
    through symderiv's printer), CNN layer names fill a table."""
    _need_tex()
    base, secret = canary
    tricks = _tricks(base)
    runs = []
    for n, trick in enumerate(tricks):
        calculus = tmp_path / f"calc{n}.toml"
        calculus.write_text(f"title = {_toml_text(trick)}\nkind = 'calculus'\n[function]\n"
                            f"variables = ['x', {_toml_text(trick)}]\nscalar = 'x^2'\n"
                            f"[[claims]]\nid = 'g'\ntarget = 'gradient'\nlatex = {_toml_text(trick)}\n")
        runs.append(["solve", str(calculus), "--pdf", str(tmp_path / f"calc{n}.pdf")])
        runs.append(["check", str(calculus), "--pdf", str(tmp_path / f"calcr{n}.pdf")])
    cnn = tmp_path / "cnn.toml"
    layer_names = [t.replace("'''", "") for t in tricks]
    layers = "\n".join(f"[[layers]]\nname = {_toml_text(name)}\ntype = 'conv'\nkernel = 1\nfilters = 2\n"
                       for name in layer_names)
    cnn.write_text(f"title = 'cnn'\nkind = 'cnn'\n[input]\nheight = 32\nwidth = 32\nchannels = 3\n{layers}")
    runs.append(["solve", str(cnn), "--pdf", str(tmp_path / "cnn.pdf"), "--latex", str(tmp_path / "cnn.tex")])
    _check_runs(tmp_path, secret, runs)


@pytest.mark.parametrize("trick", TRICKS)
def test_pdflatex_itself_cannot_read_the_canary(canary, tmp_path, trick):
    """Defence in depth: even TeX source written by hand (no printer in between) cannot read a
    file outside pdflatex's temporary directory, run a program or write beside it."""
    _need_tex()
    base, secret = canary
    body = trick.replace("CANARY", str(base))
    tex = "\\documentclass{article}\n\\begin{document}\nstart " + body + " end\n\\end{document}\n"
    out = tmp_path / "raw.pdf"
    try:
        pdf.compile_pdf(tex, out)
    except pdf.LatexError:
        return
    assert not _leaks(out, secret)


def test_the_detector_sees_a_canary_that_is_typeset(canary, tmp_path):
    """The check above can fail: the canary's letters typeset in text and in maths are found."""
    _need_tex()
    _, secret = canary
    tex = ("\\documentclass{article}\n\\begin{document}\n" + secret + "\n\\[" + secret
           + "\\]\n\\end{document}\n")
    out = tmp_path / "shown.pdf"
    pdf.compile_pdf(tex, out)
    assert _leaks(out, secret)


# ---------------------------------------------------------------------- the printer


def _bundled_formulas() -> list[str]:
    texts: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                texts.add(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            texts.add(value)

    for path in glob.glob(str(ROOT / "derivations" / "*.toml")):
        with open(path, "rb") as fh:
            walk(tomllib.load(fh))
    return sorted(texts)


def test_every_bundled_formula_prints_to_the_same_tree():
    """Source: every text of derivations/*.toml that parses (claims, where, [notation], names)."""
    printed = 0
    for text in _bundled_formulas():
        source = text.strip().strip("$").strip()
        try:
            tree = parse(source)
        except Exception:  # titles and prose do not parse; they are shown as text
            continue
        out = unparse(tree, source)
        assert inert(out), out
        assert parse(out).key() == tree.key(), (text, out)
        printed += 1
    assert printed > 300


@pytest.mark.parametrize("text,expected", [
    # (written, printed): the seeds' names as written; SymPy's output as it prints it
    (r"W^{(1)}", r"W^{(1)}"),
    (r"\mathbf{w}^{(2)}", r"\mathbf{w}^{(2)}"),
    (r"\mathbf{W}_1", r"\mathbf{W}_1"),
    (r"1 + \frac{- k + n}{s}", r"1 + \frac{- k + n}{s}"),
    (r"\left(0, \frac{1}{6}\right)", r"\left(0, \frac{1}{6}\right)"),
    (r"\text{diag}(W^{(2)})", r"\operatorname{diag} (W^{(2)})"),  # \text of an operator's name: the operator
    (r"\foo x", r"\mathtt{\backslash foo} x"),   # an unknown command: shown as its name
    (r"\csname input\endcsname", None),           # TeX programming: an error, shown as text
    (r"\text{\input}", None),                      # \input in a formula: an error, shown as text
    (r"x^^5cinput{f}", None),                      # ^^ character codes: an error
    (r"\frac{1}{2", None),                         # unbalanced
])
def test_formula_latex(text, expected):
    assert formula_latex(text) == expected


@pytest.mark.parametrize("tex,ok", [
    (r"\frac{\partial L}{\partial W^{(1)}} = \begin{bmatrix} 1 & 2 \end{bmatrix}", True),
    (r"\text{a\textbackslash{}b} \left\{ x \right\}", True),
    (r"x^^5cinput{f}", False),            # a character code
    (r"\text{^^5c}", False),
    (r"\input{f}", False),                # not a typesetting command
    (r"\begin{verbatim}", False),         # not a maths environment
    (r"\frac{1}{2", False),               # unbalanced
    ("50% of x", False),                  # a comment
    (r"\def#1", False),
    ("x\\", False),                        # a backslash that would join what follows
    ("η", False),                          # not ASCII
])
def test_inert(tex, ok):
    assert inert(tex) is ok


def test_escaped_text_and_verbatim_are_inert():
    hostile = "\\input{f} ^^5c $x$ % # & ~ _ { } [opt] \x00\x0c\x7f η"
    assert inert(escape(hostile))
    assert "\\end{verbatim}" not in verbatim_safe("a\\end{verbatim}b\\end {verbatim}")
    assert all(" " <= ch <= "~" or ch == "\n" for ch in verbatim_safe(hostile))


def test_document_maths_that_is_not_inert_is_shown_as_text():
    """The last gate: a Math line or inline maths that is not inert becomes escaped text."""
    doc = Document("t")
    doc.add(Math([r"x = \input{f}"]), Para(["a ", M(r"^^5cinput{f}")]), Code("\\end{verbatim}\\input{f}"))
    tex = to_latex(doc)
    outside = re.sub(r"\\begin\{verbatim\}.*?\\end\{verbatim\}", "", tex, flags=re.S)
    assert "\\input" not in outside and "^^" not in tex
    assert tex.count("\\end{verbatim}") == 1  # the written one lost its backslash
