"""What no formula may hold, whatever reads it: TeX's ^^ character codes, TeX's programming
commands, values that are not finite numbers, braces that do not balance, more than the bounds
of length and nesting allow, a ':' anywhere but among two indices, a logical connective (\\iff)."""

from __future__ import annotations

import re

from ..core.errors import FormulaSyntaxError, NotationError
from ..core.exact import too_deep_at
from ..core.limits import ENVIRONMENT_MAX_NESTING
from ..core.limits import FORMULA_MAX_DEPTH as MAX_DEPTH
from ..core.limits import FORMULA_MAX_LENGTH as MAX_LENGTH
from ..core.limits import FORMULA_MAX_NESTING as MAX_NESTING
from . import ast as A

_ENVIRONMENT = re.compile(r"\\(begin|end)\s*\{")

#: TeX's programming commands (definitions, files, character codes, expansion): never
#: mathematics, so a claim that uses one is an error, not a formula with an unknown name.
TEX_PROGRAMMING = frozenset("""
def edef gdef xdef let futurelet newcommand renewcommand providecommand DeclareMathOperator newenvironment
renewenvironment input include includeonly InputIfFileExists openin openout read readline write immediate
closein closeout csname endcsname catcode lccode uccode sfcode mathcode delcode expandafter noexpand
makeatletter makeatother usepackage RequirePackage documentclass special jobname string uppercase lowercase
scantokens detokenize unexpanded the number romannumeral afterassignment aftergroup global long outer
protected begingroup endgroup relax char mathchar count dimen skip toks countdef dimendef toksdef chardef
mathchardef verb url href includegraphics openany pdfliteral pdffilesize pdfsavepos shipout output
everypar everymath everydisplay errmessage message typeout endinput
""".split())
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_NONFINITE = re.compile(r"[+-]?(\\[pm]m)?(\\infty|(nan|inf|infinity)|\\(mathrm|text|textrm|operatorname|mathit)"
                        r"\{(nan|inf|infinity|\\infty)\})\.?", re.IGNORECASE)
_MATRIX_BODY = re.compile(r"\\begin\{([bpvBV]?matrix)\}(.*?)\\end\{\1\}", re.S)
_TOP_RELATION = re.compile(r"=|\\approx(?![a-zA-Z])|\\equiv(?![a-zA-Z])")


def check_braces(text: str) -> None:
    """Braces that balance (\\{ and \\} are brackets, not braces); else FormulaSyntaxError
    at the '}' that closes nothing or the '{' never closed. For readers that skip braces
    ('{{{1' is not the number 1)."""
    opened: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            opened.append(i)
        elif ch == "}":
            if not opened:
                raise FormulaSyntaxError(text, "a '}' that closes no '{'", i)
            opened.pop()
        i += 1
    if opened:
        raise FormulaSyntaxError(text, "a '{' that is never closed", opened[-1])


def check_input(text: str) -> None:
    """What no formula may hold, whatever reads it: TeX's ^^ character codes, TeX's
    programming commands (\\def, \\input, \\csname, ...), and a value that is not a finite
    number (nan, inf, \\infty as a whole side or a matrix entry; \\infty in a limit or an
    interval is fine). Raises FormulaSyntaxError naming the place."""
    caret = text.find("^^")
    if caret >= 0:
        raise FormulaSyntaxError(text, "^^ is TeX's character code notation, not mathematics", caret)
    for m in _COMMAND.finditer(text):
        if m.group(1) in TEX_PROGRAMMING:
            raise FormulaSyntaxError(text, f"\\{m.group(1)} is a TeX programming command, not mathematics",
                                     m.start())
    for piece, pos in _value_pieces(text):
        if _NONFINITE.fullmatch(piece):
            raise FormulaSyntaxError(text, f"{piece} is not a finite number: a value must be one", pos)
    depth = 0
    for m in _ENVIRONMENT.finditer(text):
        depth += 1 if m.group(1) == "begin" else -1
        if depth > ENVIRONMENT_MAX_NESTING:
            raise FormulaSyntaxError(text, f"environments nested more than {ENVIRONMENT_MAX_NESTING} deep", m.start())


def _value_pieces(text: str) -> list[tuple[str, int]]:
    """The pieces of `text` that stand for a whole value: each side of a top-level = (or
    \\approx, \\equiv) and each matrix entry, without spaces, \\left/\\right and brackets
    around it; with the offset where each starts."""
    pieces: list[tuple[str, int]] = []
    for m in _MATRIX_BODY.finditer(text):
        start = m.start(2)
        for cell in re.finditer(r"(?:[^&\\]|\\(?!\\))+", m.group(2)):
            pieces.append((cell.group(), start + cell.start()))
    flat = _MATRIX_BODY.sub(lambda m: "M" * len(m.group()), text)
    start = 0
    for m in [*_TOP_RELATION.finditer(flat), None]:
        end = m.start() if m is not None else len(flat)
        pieces.append((text[start:end], start))
        start = m.end() if m is not None else end
    out = []
    for piece, pos in pieces:
        clean = re.sub(r"\\(left|right|quad|qquad)(?![a-zA-Z])|\\[,;:! ]|\s+|\$", "", piece)
        while len(clean) > 1 and clean[0] in "([{" and clean[-1] in ")]}":
            clean = clean[1:-1]
        out.append((clean, pos))
    return out


def check_size(text: str) -> None:
    """A formula past the bounds that keep reading it bounded: its length, its brackets' depth, a run
    of signs each inside the next, a double superscript; a NotationError at the place."""
    if len(text) > MAX_LENGTH:
        raise NotationError(
            text[:80] + "...",
            f"formula too long ({len(text)} characters, at most {MAX_LENGTH})",
            None,
        )
    at = too_deep_at(text, MAX_DEPTH)
    if at is not None:
        raise NotationError(text, f"brackets nested more than {MAX_DEPTH} deep", at)
    run = _OPERATOR_RUN.search(text)
    if run:  # - - - ... x: each sign an operator inside the next, past the nesting bound
        raise NotationError(text, f"operators nested more than {MAX_NESTING} deep", run.start())
    double = _DOUBLE_SCRIPT.search(text)
    if double:  # x^2^3: an error in LaTeX too, and an unbounded tower of powers here
        raise NotationError(text, "double superscript: write x^{2^{3}} or {x^{2}}^{3}", double.start(2))


_OPERATOR_RUN = re.compile(rf"(?:[-+]\s*){{{MAX_NESTING + 1},}}")
_DOUBLE_SCRIPT = re.compile(r"\^(\{[^{}]*\}|\\[a-zA-Z]+|[^{}\s\\])\s*(\^)")


def check_colons(text: str, doc: A.Document) -> None:
    """A `:` stands only as one index of two (A_{i,:}, A_{:,j}): anywhere else it is an error."""
    allowed = {id(i) for n in A.walk(doc) if isinstance(n, A.Sub) and len(n.index) == 2 for i in n.index}
    for n in A.walk(doc):
        if isinstance(n, A.Colon) and id(n) not in allowed:
            raise NotationError(text, "':' stands only as an index of a matrix: A_{i,:} (row i), A_{:,j} (column j)",
                                n.pos)


#: Logical connectives between two statements: a formula holding one states an implication or an
#: equivalence of equations, not an equality for every value (the audit splits a line at them).
CONNECTIVES = frozenset({"\\iff", "\\Leftrightarrow", "\\Longleftrightarrow", "\\Rightarrow", "\\implies",
                         "\\Longrightarrow", "\\Leftarrow", "\\impliedby", "\\Longleftarrow", "\\therefore"})


class UnjudgedStatement(NotationError):
    """A formula that parses but states no equality to judge (a \\iff b): undecided, not bad input."""


def check_connectives(text: str, doc: A.Document) -> None:
    """A logical connective (\\iff, \\Rightarrow) joins two statements: not one formula to judge (the
    judge would compare the two outer sides across it)."""
    for n in A.walk(doc):
        if isinstance(n, A.Name) and n.text in CONNECTIVES:
            raise UnjudgedStatement(text, f"{n.text} joins two statements (an implication or equivalence of "
                                "equations), which is not judged: claim each equality on its own", n.pos)
