"""A small document model (headings, text, display maths, tables, figures, code) and
its two writers, LaTeX and Markdown, so that every kind renders once for both."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from ..core.texsafe import escape, inert, verbatim_safe


@dataclass(frozen=True)
class M:
    """Inline mathematics inside a paragraph."""

    latex: str


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Para:
    """A paragraph: plain-text strings (escaped) and inline maths `M`."""

    parts: list[str | M]


@dataclass
class Math:
    """Display maths: one equation per line, aligned at `&` when `align`."""

    lines: list[str]
    align: bool = False
    label: str = ""  # a comment written before it in LaTeX (machine-findable)


@dataclass
class Table:
    header: list[str]  # LaTeX cells (maths allowed with $...$)
    rows: list[list[str]]
    align: str = ""


@dataclass
class Figure:
    """A TikZ picture; Markdown gets the `alt` text instead."""

    tikz: str
    alt: str


@dataclass
class Items:
    """A bullet list of paragraphs."""

    items: list[Para]


@dataclass
class Code:
    """Python source, shown verbatim."""

    source: str


Block = Heading | Para | Math | Table | Figure | Items | Code


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)
    subtitle: str = ""

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\usepackage{tikz}
\usetikzlibrary{positioning}
\usepackage{xcolor}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
\hbadness=10000
\sloppy
\emergencystretch=3em
"""


def math_or_text(tex: str) -> str:
    """Maths for a LaTeX document: `tex` itself when it is inert (texsafe.inert), else its
    text escaped in \\text{...}. Every piece of maths passes here on its way out, so
    a printer's mistake shows as text, never as TeX source."""
    return tex if inert(tex) else rf"\text{{{escape(tex)}}}"


def _cell(tex: str) -> str:
    """A table cell (text with $...$ maths): itself when inert, else escaped text."""
    return tex if inert(tex) else escape(tex)


def _para_tex(p: Para) -> str:
    return "".join(f"${math_or_text(part.latex)}$" if isinstance(part, M) else escape(part) for part in p.parts)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|$])")


def escape_markdown(text: str) -> str:
    """Plain text for Markdown: the characters that start maths ($), code, emphasis, links
    or HTML backslash-escaped, so that text never becomes maths a converter hands to TeX."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _para_md(p: Para) -> str:
    return "".join(f"${math_or_text(part.latex)}$" if isinstance(part, M) else escape_markdown(part)
                   for part in p.parts)


def to_latex(doc: Document) -> str:
    """The complete .tex file of `doc`."""
    out = [PREAMBLE, rf"\title{{{escape(doc.title)}}}", rf"\date{{{escape(doc.subtitle)}}}",
           r"\begin{document}", r"\maketitle"]
    for b in doc.blocks:
        if isinstance(b, Heading):
            cmd = {1: "section", 2: "subsection"}.get(b.level, "subsubsection")
            if b.text.lower().startswith("appendix"):
                out.append(rf"\{cmd}*{{{escape(b.text)}}}")
            else:
                out.append(rf"\{cmd}{{{escape(b.text)}}}")
        elif isinstance(b, Para):
            out.append(_para_tex(b) + "\n")
        elif isinstance(b, Math):
            if b.label:
                out.append(f"% symderiv: {b.label}")
            lines = [math_or_text(line) for line in b.lines]
            if b.align:
                out.append(r"\begin{align*}" + "\n" + " \\\\\n".join(lines) + "\n" + r"\end{align*}")
            else:
                for line in lines:
                    out.append(r"\[" + line + r"\]")
        elif isinstance(b, Table):
            align = b.align if re.fullmatch(r"[lcr]*", b.align) and b.align else "l" * len(b.header)
            body = [r"\begin{center}", rf"\begin{{tabular}}{{{align}}}", r"\toprule",
                    " & ".join(_cell(c) for c in b.header) + r" \\", r"\midrule"]
            body += [" & ".join(_cell(c) for c in r) + r" \\" for r in b.rows]
            body += [r"\bottomrule", r"\end{tabular}", r"\end{center}"]
            out.append("\n".join(body))
        elif isinstance(b, Figure):
            out.append(r"\begin{center}" + "\n" + b.tikz + "\n" + r"\end{center}")
        elif isinstance(b, Items):
            out.append(r"\begin{itemize}")
            out += [r"\item " + _para_tex(p) for p in b.items]
            out.append(r"\end{itemize}")
        elif isinstance(b, Code):
            source = verbatim_safe(b.source.rstrip())
            source = "\n".join("\n".join(textwrap.wrap(line, 78, subsequent_indent="      ")) or ""
                               for line in source.splitlines())
            out.append(r"\begin{verbatim}" + "\n" + source + "\n" + r"\end{verbatim}")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def to_markdown(doc: Document) -> str:
    """`doc` as Markdown with $$ display maths (GitHub, Jupyter, pandoc); text is escaped and
    maths passes the same check as in LaTeX."""
    out = [f"# {escape_markdown(doc.title)}", ""]
    if doc.subtitle:
        out += [f"*{escape_markdown(doc.subtitle)}*", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out += ["#" * (b.level + 1) + " " + escape_markdown(b.text), ""]
        elif isinstance(b, Para):
            out += [_para_md(b), ""]
        elif isinstance(b, Math):
            lines = [math_or_text(line) for line in b.lines]
            if b.align:
                out += ["$$", r"\begin{aligned}", " \\\\\n".join(lines), r"\end{aligned}", "$$", ""]
            else:
                for line in lines:
                    out += ["$$", line, "$$", ""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(_cell_md(c) for c in b.header) + " |")
            out.append("|" + "---|" * len(b.header))
            out += ["| " + " | ".join(_cell_md(c) for c in r) + " |" for r in b.rows]
            out.append("")
        elif isinstance(b, Figure):
            out += [f"*Figure: {escape_markdown(b.alt)}*", ""]
        elif isinstance(b, Items):
            out += ["- " + _para_md(p) for p in b.items] + [""]
        elif isinstance(b, Code):
            fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", b.source)), default=0))
            out += [fence + "python", b.source.rstrip(), fence, ""]
    return "\n".join(out)


def _cell_md(tex: str) -> str:
    """A table cell in Markdown: itself when inert, else escaped text; | never splits it."""
    return (tex if inert(tex) else escape_markdown(tex)).replace("|", r"\|")
