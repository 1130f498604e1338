"""The reports of `symderiv audit`: the terminal listing, JSON, and the student's own document with a
mark after every equation (Markdown, HTML with KaTeX shipped inside the page, LaTeX for the PDF)."""

from __future__ import annotations

import base64
import html
import os
import re
from pathlib import Path
from typing import Any

import sympy as sp

from ..audit import Audit, Entry
from ..audit.document import MathBlock
from ..core.numeric import exact_decimal, to_nested
from ..notation.unparse import formula_latex
from .blocks import Code, Document, Heading, Items, M, Math, Para, Table, escape_markdown, math_or_text, to_latex
from .printer import number_matrix
from .report import MAX_DISPLAY
from .verdicts import (
    counterexample_json,
    counterexample_text,
    is_number,
    is_number_matrix,
    value_json,
    value_latex,
    value_text,
)

SCHEMA = "symderiv-audit/1"
MARKS = {"correct": "✓", "incorrect": "✗", "undecided": "?", "definition": "≔", "not read": "∅"}
LABELS = {"correct": "correct", "incorrect": "INCORRECT", "undecided": "undecided", "definition": "definition",
          "not read": "not read"}
#: Where KaTeX is found (Debian's libjs-katex; SYMDERIV_KATEX_DIR overrides).
KATEX_DIRS = ("/usr/share/javascript/katex",)
#: KaTeX's settings in the report: no command that reaches outside the page, bounded macro expansion.
KATEX_OPTIONS = '{displayMode: d, throwOnError: false, trust: false, strict: "ignore", maxExpand: 1000, maxSize: 20}'


# -- values ---------------------------------------------------------------------------------------

def correct_latex(entry: Entry) -> str | None:
    """The correct value of an entry's target as LaTeX printed by symderiv (numbers exactly, a
    formula by SymPy's printer checked inert), or the judge's expected value; None if neither."""
    value = entry.correct
    if isinstance(value, sp.MatrixBase):
        if all(e.is_Rational for e in value):
            rows = to_nested(value, exact_decimal)
            return number_matrix(rows[0][0] if value.shape == (1, 1) else rows)
        return math_or_text(sp.latex(value))
    if isinstance(value, sp.Basic):
        return math_or_text(sp.latex(value))
    if entry.expected is None or not (is_number(entry.expected) or is_number_matrix(entry.expected)):
        return None  # only numbers the judge expected at its counterexample
    found = value_latex(entry.expected)
    return found if found is not None and len(found) <= MAX_DISPLAY else None


def correct_label(entry: Entry) -> str:
    """What `correct_latex` shows: the target's true value, or the value the judge expected at its
    counterexample."""
    return "Correct value" if entry.correct is not None else "Expected (at the counterexample)"


def correct_text(entry: Entry) -> str | None:
    """The correct value as plain text (for the terminal and JSON)."""
    value = entry.correct
    if isinstance(value, sp.MatrixBase):
        if value.shape == (1, 1):
            return exact_decimal(value[0, 0]) if value[0, 0].is_Rational else sp.sstr(value[0, 0])
        return str(to_nested(value, lambda e: exact_decimal(e) if e.is_Rational else sp.sstr(e))).replace("'", "")
    if isinstance(value, sp.Basic):
        return sp.sstr(value)
    return None if entry.expected is None else value_text(entry.expected)


def reason(entry: Entry) -> str:
    """An entry's message without the judge's restatement of the link ('wrong link: a  =  b: ')."""
    message = entry.message
    for prefix in ("as formulas: ", "numbers only: "):
        message = message.removeprefix(prefix)
    if message.startswith("wrong link: ") and "  =  " in message:
        rest = message.split("  =  ", 1)[1]
        cut = rest.find(": ")
        if cut >= 0:
            return rest[cut + 2:]
    return message


def _counterexample_text(ce: dict[str, Any] | None, limit: int = 400) -> str:
    return _short(counterexample_text(ce), limit) if ce else ""


# -- JSON -----------------------------------------------------------------------------------------

def entry_json(entry: Entry) -> dict[str, Any]:
    """One link's verdict (or a not-read equation) as JSON."""
    out: dict[str, Any] = {"line": entry.line, "column": entry.column, "text": entry.text,
                           "relation": entry.relation, "target": entry.target, "verdict": entry.verdict,
                           "message": entry.message, "first_wrong": entry.first_wrong, "problem": entry.problem}
    if entry.by_problem:
        out["by_problem"] = [{"problem": title, "verdict": verdict} for title, verdict in entry.by_problem]
    if entry.counterexample:
        out["counterexample"] = counterexample_json(entry.counterexample)
    if entry.mistake:
        out["mistake"] = entry.mistake
    if entry.remarks:
        out["remarks"] = list(entry.remarks)
    for key in ("expected", "claimed"):
        value = getattr(entry, key)
        if value is not None:
            out[key] = value_json(value)
    latex = correct_latex(entry) if entry.verdict == "incorrect" else None
    if latex is not None:
        out["correct"] = {"latex": latex, "text": correct_text(entry)}
    return out


def audit_json(audit: Audit) -> dict[str, Any]:
    """The whole audit as JSON (the schema is in the README, section Audit)."""
    document = audit.document
    equations = []
    for equation in document.equations:
        equations.append({
            "index": equation.index, "line": equation.line, "column": equation.column, "text": equation.source,
            "section": list(equation.section), "verdict": audit.equation_verdict(equation.index),
            "links": [entry_json(entry) for entry in audit.equation_entries(equation.index)],
        })
    return {
        "schema": SCHEMA,
        "format": document.fmt,
        "problems": audit.problems,
        "summary": {**audit.summary(), "first_wrong": [
            {"part": part, "line": entry.line, "column": entry.column, "text": entry.text}
            for part, entry in audit.first_wrong_by_part()]},
        "equations": equations,
    }


# -- the terminal ---------------------------------------------------------------------------------

def summary_line(audit: Audit) -> str:
    s = audit.summary()
    return (f"{s['equations']} equations: {s['read']} read ({s['correct']} correct, {s['incorrect']} incorrect, "
            f"{s['undecided']} undecided, {s['definition']} definitions), {s['not_read']} not read")


def audit_terminal(audit: Audit, name: str = "") -> str:
    """The listing by line: each link's position, verdict, text and why; the first wrong link of
    each chain with its counterexample and the correct value."""
    lines = [f"symderiv audit{': ' + name if name else ''} against {'; '.join(audit.problems)}",
             summary_line(audit)]
    for part, entry in audit.first_wrong_by_part():
        lines.append(f"first wrong step in {part}: line {entry.line}: {_short(entry.text, 80)}")
    lines.append("")
    for entry in audit.entries:
        lines.append(f"{entry.line:5}:{entry.column:<4} {LABELS[entry.verdict]:10} {_short(entry.text, 70)}")
        if entry.message and entry.verdict != "correct":
            lines.append(f"{'':17}{_short(entry.message, 200)}")
        if entry.first_wrong:
            ce = _counterexample_text(entry.counterexample)
            if ce:
                lines.append(f"{'':17}counterexample: {_short(ce, 200)}")
            correct = correct_text(entry) if correct_latex(entry) is not None else None
            if correct:
                lines.append(f"{'':17}{correct_label(entry).lower()}: {_short(correct, 200)}")
    return "\n".join(lines)


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the student's document, block by block --------------------------------------------------------

def _segments(audit: Audit) -> list[tuple[str, Any]]:
    """The document in order: ('prose', text), ('heading', (level, title)) and ('math', block);
    LaTeX outside \\begin{document} and comment lines are left out."""
    document = audit.document
    text = document.text
    start, stop = 0, len(text)
    if document.fmt == "tex":
        begin, end = text.find("\\begin{document}"), text.find("\\end{document}")
        start = begin + len("\\begin{document}") if begin >= 0 else 0
        stop = end if end >= 0 else len(text)
    marks: list[tuple[int, int, str, Any]] = []
    for section in document.sections:
        if start <= section.start < stop:
            line_end = text.find("\n", section.start)
            end = line_end if line_end >= 0 else stop
            marks.append((section.start, end, "heading", (section.level, section.title)))
    for block in document.blocks:
        if start <= block.start < stop:
            marks.append((block.start, block.end, "math", block))
    out: list[tuple[str, Any]] = []
    cursor = start
    for begin, end, kind, value in sorted(marks, key=lambda mark: mark[0]):
        if begin < cursor:
            continue
        if begin > cursor:
            out.append(("prose", _prose(text[cursor:begin], document.fmt)))
        out.append((kind, value))
        cursor = max(end, begin)
    if cursor < stop:
        out.append(("prose", _prose(text[cursor:stop], document.fmt)))
    return out


def _prose(text: str, fmt: str) -> str:
    if fmt == "tex":
        text = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith("%"))
    return re.sub(r"<!--.*?-->", "", text, flags=re.S) if fmt != "tex" else text


def _marks_text(audit: Audit, block: MathBlock) -> list[tuple[str, str, int]]:
    """(mark, verdict, line) for each equation of a block."""
    out = []
    for index in block.equations:
        verdict = audit.equation_verdict(index)
        out.append((MARKS[verdict], verdict, audit.document.equations[index].line))
    return out


def _notes(audit: Audit, block: MathBlock) -> list[Entry]:
    """The first wrong links of chains whose wrong link lies in this block."""
    indices = set(block.equations)
    return [entry for entry in audit.first_wrong() if entry.equation in indices]


def _block_math(block: MathBlock) -> str:
    """A math block's LaTeX for KaTeX: the block without its delimiters, \\label and \\nonumber."""
    source = block.source
    for opener, closer in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if source.startswith(opener) and source.endswith(closer) and len(source) >= len(opener) + len(closer):
            source = source[len(opener): len(source) - len(closer)]
            break
    source = re.sub(r"\\label\{[^{}]*\}|\\nonumber|\\notag", "", source)
    environment = re.fullmatch(r"\s*\\begin\{(align|align\*|gather|gather\*|equation|equation\*|multline\*?)\}"
                               r"(.*)\\end\{\1\}\s*", source, flags=re.S)
    if environment:
        inner = environment.group(2)
        kind = "aligned" if environment.group(1).startswith("align") else "gathered"
        source = f"\\begin{{{kind}}}{inner}\\end{{{kind}}}" if "\\\\" in inner else inner
    return source.strip()


# -- Markdown -------------------------------------------------------------------------------------

def _summary_blocks(audit: Audit) -> list[str]:
    s = audit.summary()
    out = [f"**symderiv audit** against {escape_markdown('; '.join(audit.problems))}", "",
           "| equations | read | correct | incorrect | undecided | definitions | not read |",
           "|---|---|---|---|---|---|---|",
           f"| {s['equations']} | {s['read']} | {s['correct']} | {s['incorrect']} | {s['undecided']} | "
           f"{s['definition']} | {s['not_read']} |", ""]
    for part, entry in audit.first_wrong_by_part():
        out.append(f"- first wrong step in *{escape_markdown(part)}*: line {entry.line}")
    out += ["", "---", ""]
    return out


def _note_markdown(entry: Entry) -> list[str]:
    lines = [f"> **✗ line {entry.line}, the first wrong step of this chain:** {escape_markdown(entry.message)}"]
    ce = _counterexample_text(entry.counterexample)
    if ce:
        lines.append(f"> counterexample: {escape_markdown(ce)}")
    correct = correct_latex(entry)
    if correct:
        lines.append(f"> {correct_label(entry)}: ${correct}$")
    return lines


def audit_markdown(audit: Audit) -> str:
    """The student's document with a mark after every math block (✓ correct, ✗ incorrect,
    ? undecided, ≔ definition, ∅ not read, each with its line) and, under the first wrong link of
    each chain, the reason, the counterexample and the correct value in LaTeX."""
    out = _summary_blocks(audit)
    body: list[str] = []
    for kind, value in _segments(audit):
        if kind == "prose":
            body.append(html.escape(value, quote=False))
        elif kind == "heading":
            level, title = value
            body.append("#" * min(max(level, 1), 6) + " " + escape_markdown(title))
        else:
            body.append(value.source)
            marks = " ".join(f"{mark} (line {line})" for mark, _, line in _marks_text(audit, value))
            if marks:
                body.append(f" <sub>{marks}</sub>" if not value.display else f"\n\n<sub>{marks}</sub>\n")
            notes = _notes(audit, value)
            if notes:
                body.append("\n\n" + "\n>\n".join("\n".join(_note_markdown(entry)) for entry in notes) + "\n\n")
    return "\n".join(out) + "".join(body) + "\n"


# -- HTML -----------------------------------------------------------------------------------------

def katex_dir() -> Path | None:
    """The directory of KaTeX (katex.min.js, katex.min.css, fonts/), or None when not installed."""
    for candidate in (os.environ.get("SYMDERIV_KATEX_DIR", ""), *KATEX_DIRS):
        if candidate and (Path(candidate) / "katex.min.js").is_file():
            return Path(candidate)
    return None


def _katex_assets() -> tuple[str, str] | None:
    """KaTeX's script and style, the fonts inlined as data: URIs (the page fetches nothing)."""
    found = katex_dir()
    if found is None:
        return None
    script = (found / "katex.min.js").read_text(encoding="utf-8").replace("</", "<\\/")
    style = (found / "katex.min.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        name = match.group(1)
        if not name.endswith(".woff2"):
            return "url(data:,)"
        path = found / "fonts" / Path(name).name
        data = base64.b64encode(path.read_bytes()).decode("ascii") if path.is_file() else ""
        return f"url(data:font/woff2;base64,{data})"

    style = re.sub(r"url\((fonts/[A-Za-z0-9_.-]+)\)", inline, style)
    return script, style.replace("</", "<\\/")


_STYLE = """body{font-family:Georgia,serif;max-width:58em;margin:2em auto;padding:0 1em;line-height:1.5;color:#222}
.prose{white-space:pre-wrap}.display{margin:.6em 0;overflow-x:auto}
.marks{font-family:sans-serif;font-size:.9em;margin-left:.4em}.mark{padding:0 .25em;border-radius:.2em;margin:0 .1em}
.mark.correct{color:#1a7f37}.mark.incorrect{color:#fff;background:#cf222e}.mark.undecided{color:#9a6700}
.mark.definition{color:#555}.mark.not-read{color:#8250df}
.note{border-left:4px solid #cf222e;background:#fff5f5;padding:.4em .8em;margin:.5em 0 1em;font-family:sans-serif}
.remark{border-left:4px solid #9a6700;padding:.2em .8em;margin:.3em 0;font-family:sans-serif;font-size:.9em}
table.summary{border-collapse:collapse;font-family:sans-serif}table.summary td,table.summary th{border:1px solid #ccc;
padding:.2em .6em}.source{font-family:monospace;color:#666}"""


def _math_html(latex: str, display: bool) -> str:
    """A math element: its LaTeX escaped as text, typeset by KaTeX (trust off) when the page loads."""
    tag = "div" if display else "span"
    kind = "math display" if display else "math"
    return f'<{tag} class="{kind}" data-display="{int(display)}">{html.escape(latex)}</{tag}>'


def _marks_html(audit: Audit, block: MathBlock) -> str:
    spans = [f'<span class="mark {verdict.replace(" ", "-")}" title="line {line}: {verdict}" '
             f'data-verdict="{verdict}">{mark}<sub>{line}</sub></span>'
             for mark, verdict, line in _marks_text(audit, block)]
    return f'<span class="marks">{"".join(spans)}</span>' if spans else ""


def _note_html(entry: Entry) -> str:
    parts = [f"<b>✗ line {entry.line}: the first wrong step of this chain</b> {_math_html(entry.text, False)}"
             f"<br>{html.escape(reason(entry))}"]
    ce = _counterexample_text(entry.counterexample)
    if ce:
        parts.append(f"<br>Counterexample: {html.escape(ce)}")
    correct = correct_latex(entry)
    if correct:
        parts.append(f"<br>{correct_label(entry)}: {_math_html(correct, False)}")
    return f'<div class="note" data-line="{entry.line}">{"".join(parts)}</div>'


def _remarks(audit: Audit, block: MathBlock) -> list[str]:
    """The conventions of notation the links of a block were read under, each once, in order."""
    out: list[str] = []
    for index in block.equations:
        for entry in audit.equation_entries(index):
            out.extend(r for r in entry.remarks if r not in out)
    return out


def _remark_html(text: str) -> str:
    return f'<div class="remark">Read under a convention: {html.escape(text)}</div>'


def audit_html(audit: Audit, title: str = "") -> str:
    """The student's document as one HTML page: prose escaped, each math block typeset by KaTeX
    (shipped inside the page, trust off, bounded expansion; without KaTeX the LaTeX shows as text),
    a mark after every equation, a note under the first wrong link of each chain, the conventions read
    (remarks), and a summary."""
    s = audit.summary()
    head = (f'<table class="summary"><tr><th>equations</th><th>read</th><th>correct</th><th>incorrect</th>'
            f'<th>undecided</th><th>definitions</th><th>not read</th></tr><tr><td>{s["equations"]}</td>'
            f'<td>{s["read"]}</td><td>{s["correct"]}</td><td>{s["incorrect"]}</td><td>{s["undecided"]}</td>'
            f'<td>{s["definition"]}</td><td>{s["not_read"]}</td></tr></table>')
    wrong = "".join(f"<li>first wrong step in <i>{html.escape(part)}</i>: line {entry.line}</li>"
                    for part, entry in audit.first_wrong_by_part())
    body = [f"<h1>symderiv audit{': ' + html.escape(title) if title else ''}</h1>",
            f"<p>against {html.escape('; '.join(audit.problems))}</p>", head,
            f"<ul>{wrong}</ul>" if wrong else "", "<hr>"]
    for kind, value in _segments(audit):
        if kind == "prose":
            text = re.sub(r"\n\s*\n\s*", "\n\n", value).strip("\n")
            if text.strip():
                body.append(f'<span class="prose">{html.escape(text)}</span>')
        elif kind == "heading":
            level, text = value
            body.append(f"<h{min(level + 1, 6)}>{html.escape(text)}</h{min(level + 1, 6)}>")
        else:
            body.append(_math_html(_block_math(value), value.display) if not value.not_read else
                        f'<code class="source">{html.escape(value.source)}</code>')
            body.append(_marks_html(audit, value))
            body.extend(_note_html(entry) for entry in _notes(audit, value))
            body.extend(_remark_html(text) for text in _remarks(audit, value))
    assets = _katex_assets()
    csp = ("default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:; "
           "script-src 'unsafe-inline'")
    page = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
            f"<title>symderiv audit{': ' + html.escape(title) if title else ''}</title>",
            f"<style>{_STYLE}</style>"]
    if assets is not None:
        page.append(f"<style>{assets[1]}</style><script>{assets[0]}</script>")
    page += ["</head><body>", "\n".join(body)]
    if assets is not None:
        page.append("<script>for (const e of document.querySelectorAll('.math')) { const d = e.dataset.display === '1';"
                    f" katex.render(e.textContent, e, {KATEX_OPTIONS}); }}</script>")
    else:
        page.append("<p><i>KaTeX is not installed (scripts/install-browser.sh): the maths shows as LaTeX.</i></p>")
    page.append("</body></html>")
    return "\n".join(page) + "\n"


# -- LaTeX (for the PDF) ---------------------------------------------------------------------------

def _equation_tex(audit: Audit, index: int) -> str | None:
    """An equation re-printed from its parsed tree (None when it does not parse)."""
    equation = audit.document.equations[index]
    if equation.not_read is not None:
        return None
    text = re.sub(r"\\\\|&|\\label\{[^{}]*\}|\\tag\{[^{}]*\}|\\nonumber|\\notag", " ", equation.source)
    return formula_latex(text)


def _mark_math(verdict: str) -> str:
    return {"correct": r"\checkmark", "incorrect": r"\times", "definition": ":="}.get(verdict, "?")


def audit_document(audit: Audit, title: str = "") -> Document:
    """The audit as a Document for LaTeX: the summary, then every equation in document order with its
    section, re-printed by symderiv (or shown verbatim), its mark, and the notes of its first wrong link."""
    s = audit.summary()
    doc = Document(f"symderiv audit{': ' + title if title else ''}", subtitle="against " + "; ".join(audit.problems))
    doc.add(Table(["equations", "read", "correct", "incorrect", "undecided", "definitions", "not read"],
                  [[str(s[k]) for k in ("equations", "read", "correct", "incorrect", "undecided", "definition",
                                        "not_read")]]))
    wrong = [Para([f"first wrong step in {part}: line {entry.line}"]) for part, entry in audit.first_wrong_by_part()]
    if wrong:
        doc.add(Items(wrong))
    section: tuple[str, ...] | None = None
    for equation in audit.document.equations:
        if equation.section != section:
            section = equation.section
            doc.add(Heading(" / ".join(section) or "(before the first heading)", 2))
        verdict = audit.equation_verdict(equation.index)
        doc.add(Para([M(_mark_math(verdict)), f" line {equation.line}: {LABELS[verdict]}"]))
        printed = _equation_tex(audit, equation.index)
        if printed is not None:
            doc.add(Math([printed]))
        else:
            doc.add(Code(equation.source if equation.not_read is None else
                         f"{equation.source}\n(not read: {equation.not_read})"))
        for entry in audit.equation_entries(equation.index):
            if entry.first_wrong:
                doc.add(Para([f"First wrong step of this chain (line {entry.line}): {reason(entry)}"]))
                ce = _counterexample_text(entry.counterexample)
                if ce:
                    doc.add(Para([f"Counterexample: {ce}"]))
                correct = correct_latex(entry)
                if correct:
                    doc.add(Para([f"{correct_label(entry)}:"]), Math([correct]))
    return doc


def audit_latex(audit: Audit, title: str = "") -> str:
    """The audit as a complete .tex file (student text escaped, maths printed by symderiv)."""
    return to_latex(audit_document(audit, title))


__all__ = ["SCHEMA", "audit_html", "audit_json", "audit_latex", "audit_markdown", "audit_terminal", "correct_latex",
           "katex_dir"]
