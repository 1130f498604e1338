"""The graded report of `check`: each claim as written, its verdict, counterexample and the
correct result."""

from __future__ import annotations

import re
from typing import Any

from ..verdict import Verdict
from .blocks import Code, Document, Heading, Items, M, Math, Para, Table, escape, to_latex, to_markdown
from .printer import number_matrix

#: Control words a student's formula may use to be typeset as maths (others: shown verbatim).
SAFE_COMMANDS = set("""
frac dfrac tfrac partial sum prod int lim log ln exp sin cos tan tanh sigma delta Delta alpha beta gamma
eta lambda mu nu theta pi rho tau phi psi omega epsilon varepsilon zeta xi chi kappa Sigma Lambda Omega
mathbf mathrm mathcal mathbb boldsymbol bm operatorname text textbf textrm left right big Big bigl bigr Bigl Bigr
cdot times odot circ otimes top intercal T nabla infty le leq ge geq ne neq approx equiv in notin to
quad qquad begin end hat tilde bar vec dot ldots cdots vdots ddots max min arg argmin argmax sqrt
prime mid lVert rVert Vert vert langle rangle lfloor rfloor lceil rceil pm mp forall exists colon
""".split())
SAFE_ENVIRONMENTS = {"bmatrix", "pmatrix", "matrix", "aligned", "array", "cases", "vmatrix", "Bmatrix"}


def safe_math(text: str | None) -> str | None:
    """`text` if it can be typeset as LaTeX maths without breaking the document, else None:
    ASCII only, braces balanced, no $ # %, only SAFE_COMMANDS and SAFE_ENVIRONMENTS."""
    if not text or any(ord(c) > 127 for c in text) or re.search(r"[$#%]", text):
        return None
    depth = 0
    for ch in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return None
    if depth:
        return None
    for cmd in re.findall(r"\\([A-Za-z]+)", text):
        if cmd not in SAFE_COMMANDS:
            return None
    envs = re.findall(r"\\(?:begin|end)\{([^}]*)\}", text)
    if any(e not in SAFE_ENVIRONMENTS for e in envs):
        return None
    if "&" in text and not envs:
        return None
    return text


_NUM = r"-?\d+(?:\.\d+)?(?:/\d+|[eE][-+]?\d+)?"
#: Longest LaTeX typeset as display maths; a longer result would run off the page.
MAX_DISPLAY = 400


def _numbers(text: str) -> Any:
    """'[[0.1, -2], [3, 4/7]]', the judge's '[1, 2; 3, 4]' (rows split by ';') or '1.5' as
    nested lists of number strings, else None."""
    s = text.strip()
    if re.fullmatch(_NUM, s):
        return s
    flat = re.fullmatch(r"\[([^\[\]]*)\]", s)
    if flat:
        rows = [[c.strip() for c in r.split(",")] for r in flat.group(1).split(";")]
        if all(re.fullmatch(_NUM, c) for r in rows for c in r) and len({len(r) for r in rows}) == 1:
            return rows
    if not re.fullmatch(r"\[\s*\[.*\]\s*\]", s, flags=re.S):
        return None
    rows = re.findall(r"\[([^\[\]]*)\]", s)
    out = [[c.strip() for c in r.split(",")] for r in rows]
    if all(re.fullmatch(_NUM, c) for r in out for c in r) and len({len(r) for r in out}) == 1:
        return out
    return None


def _value_math(text: Any) -> str | None:
    """A verdict's expected/claimed value as maths: a number matrix, or safe LaTeX."""
    if text is None:
        return None
    try:
        if isinstance(text, (list, int, float)):
            return number_matrix(text)
        nums = _numbers(str(text))
        if nums is not None:
            return number_matrix(nums)
    except (TypeError, ValueError):
        return None
    return safe_math(str(text))


_LABEL = {"correct": "correct", "incorrect": "INCORRECT", "undecided": "undecided", "error": "cannot be read"}
_COLOR = {"correct": "green!50!black", "incorrect": "red!70!black", "undecided": "orange!80!black",
          "error": "red!70!black"}


def report_document(title: str, verdicts: list[Verdict], source: str = "") -> Document:
    """The graded report as a Document."""
    doc = Document(title, subtitle="symderiv graded report" + (f": {source}" if source else ""))
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    doc.add(Heading("Summary"))
    rows = [[escape(v.id), escape(v.target), _LABEL[v.verdict]] for v in verdicts]
    doc.add(Table(["claim", "about", "verdict"], rows))
    doc.add(Para([", ".join(f"{n} {k}" for k, n in counts.items()) or "no claims"]))
    for v in verdicts:
        doc.add(Heading(f"{v.id}: {_LABEL[v.verdict]}", 2))
        doc.add(Para([f"About {v.target}. As written:" if v.target else "As written:"]))
        claim = safe_math(v.latex)
        doc.add(Math([claim]) if claim is not None else Code(v.latex))
        if v.message:
            doc.add(Para([f"Verdict: {_LABEL[v.verdict]}. {v.message}"]))
        if v.mistake:
            doc.add(Para([f"Likely mistake: {v.mistake}."]))
        if v.counterexample:
            items = []
            for key, value in v.counterexample.items():
                if isinstance(value, dict):
                    value = "; ".join(f"{k}: {x}" for k, x in value.items())
                vm = _value_math(value)
                items.append(Para([f"{key} = ", M(vm)] if vm is not None else [f"{key} = {value}"]))
            doc.add(Para(["Counterexample:"]), Items(items))
        expected = _value_math(v.expected)
        if v.verdict == "correct" or not v.expected:
            continue
        if expected is not None and len(expected) <= MAX_DISPLAY:
            doc.add(Para(["The correct result:"]), Math([expected], label=f"expected {v.id}"))
        elif len(str(v.expected)) <= MAX_DISPLAY:
            doc.add(Para(["The correct result:"]), Code(str(v.expected)))
        else:
            doc.add(Para([f"The correct result is {len(str(v.expected))} characters long: "
                          "too long to typeset here; `symderiv check --json` gives it in full."]))
    return doc


def report_latex(title: str, verdicts: list[Verdict], source: str = "") -> str:
    """The graded report as a complete .tex file (with colour for the verdicts)."""
    return to_latex(report_document(title, verdicts, source))


def report_markdown(title: str, verdicts: list[Verdict], source: str = "") -> str:
    return to_markdown(report_document(title, verdicts, source))


def verdict_latex(v: Verdict) -> str:
    """One verdict as display maths for Jupyter (`Verdict._repr_latex_`)."""
    mark = r"\checkmark" if v.verdict == "correct" else (r"\times" if v.verdict == "incorrect" else "?")
    claim = safe_math(v.latex) or rf"\texttt{{{escape(v.latex)}}}"
    out = rf"\text{{{escape(v.id)}}}\colon\ {claim} \quad {mark}\ \text{{{_LABEL[v.verdict]}}}"
    expected = _value_math(v.expected)
    if expected is not None and v.verdict != "correct":
        out += rf" \quad \text{{correct: }} {expected}"
    return f"$${out}$$"
