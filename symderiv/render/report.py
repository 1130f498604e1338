"""The graded report of `check`: each claim as written, its verdict, counterexample and the
correct result."""

from __future__ import annotations

from ..core.texsafe import escape
from ..core.verdict import Verdict
from ..notation.unparse import formula_latex
from .blocks import Code, Document, Heading, Items, M, Math, Para, Table, math_or_text, to_latex, to_markdown
from .verdicts import counterexample_text, value_latex, value_text


def safe_math(text: str | None) -> str | None:
    """A formula as maths printed by symderiv from its parsed tree (never the text itself),
    or None when it does not parse: the report then shows it as escaped text."""
    if not text:
        return None
    return formula_latex(text)


#: Longest LaTeX typeset as display maths; a longer result would run off the page.
MAX_DISPLAY = 400


_LABEL = {"correct": "correct", "incorrect": "INCORRECT", "undecided": "undecided", "error": "cannot be read"}


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
        for remark in v.remarks:
            doc.add(Para([f"Read under a convention: {remark}."]))
        if v.counterexample:
            items = []
            for key, value in v.counterexample.items():
                vm = value_latex(value)
                items.append(Para([f"{key} = ", M(vm)] if vm is not None
                                  else [counterexample_text({key: value}, ascii=True)]))
            doc.add(Para(["Counterexample:"]), Items(items))
        if v.verdict == "correct" or v.expected is None:
            continue
        expected = value_latex(v.expected)
        text = value_text(v.expected, ascii=True)
        if expected is not None and len(expected) <= MAX_DISPLAY:
            doc.add(Para(["The correct result:"]), Math([expected], label=f"expected {v.id}"))
        elif len(text) <= MAX_DISPLAY:
            doc.add(Para(["The correct result:"]), Code(text))
        else:
            doc.add(Para([f"The correct result is {len(text)} characters long: "
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
    expected = value_latex(v.expected)
    if expected is not None and v.verdict != "correct":
        out += rf" \quad \text{{correct: }} {expected}"
    return f"$${math_or_text(out)}$$"
