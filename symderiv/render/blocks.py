"""A small document model (headings, text, display maths, tables, figures, code) and
its two writers, LaTeX and Markdown, so that every kind renders once for both."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                "#": r"\#", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_UNICODE = {"∂": r"$\partial$", "Σ": r"$\Sigma$", "δ": r"$\delta$", "≤": r"$\le$", "≥": r"$\ge$",
            "−": "-", "→": r"$\to$", "λ": r"$\lambda$", "μ": r"$\mu$", "η": r"$\eta$", "σ": r"$\sigma$",
            "⊙": r"$\odot$", "ᵀ": r"$^{\top}$", "²": r"$^2$", "×": r"$\times$", "∘": r"$\circ$",
            "α": r"$\alpha$", "Λ": r"$\Lambda$", "·": r"$\cdot$", "√": r"$\surd$", "∈": r"$\in$"}

_ASCII = {"∂": "d", "Σ": "sum", "δ": "delta", "≤": "<=", "≥": ">=", "−": "-", "→": "->", "ᵀ": "^T",
          "⊙": "(.)", "²": "^2", "×": "x", "λ": "lambda", "μ": "mu", "η": "eta", "σ": "sigma", "∈": " in "}


def escape(text: str) -> str:
    """Plain text for LaTeX: special characters escaped, common Unicode maths spelled out."""
    out = []
    for ch in text:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ch in _UNICODE:
            out.append(_UNICODE[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


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


def _para_tex(p: Para) -> str:
    return "".join(f"${part.latex}$" if isinstance(part, M) else escape(part) for part in p.parts)


def _para_md(p: Para) -> str:
    return "".join(f"${part.latex}$" if isinstance(part, M) else part for part in p.parts)


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
            if b.align:
                out.append(r"\begin{align*}" + "\n" + " \\\\\n".join(b.lines) + "\n" + r"\end{align*}")
            else:
                for line in b.lines:
                    out.append(r"\[" + line + r"\]")
        elif isinstance(b, Table):
            align = b.align or "l" * len(b.header)
            body = [r"\begin{center}", rf"\begin{{tabular}}{{{align}}}", r"\toprule",
                    " & ".join(b.header) + r" \\", r"\midrule"]
            body += [" & ".join(r) + r" \\" for r in b.rows]
            body += [r"\bottomrule", r"\end{tabular}", r"\end{center}"]
            out.append("\n".join(body))
        elif isinstance(b, Figure):
            out.append(r"\begin{center}" + "\n" + b.tikz + "\n" + r"\end{center}")
        elif isinstance(b, Items):
            out.append(r"\begin{itemize}")
            out += [r"\item " + _para_tex(p) for p in b.items]
            out.append(r"\end{itemize}")
        elif isinstance(b, Code):
            source = "".join(ch if ord(ch) < 128 else _ASCII.get(ch, "?") for ch in b.source.rstrip())
            source = "\n".join("\n".join(textwrap.wrap(line, 78, subsequent_indent="      ")) or ""
                               for line in source.splitlines())
            out.append(r"\begin{verbatim}" + "\n" + source + "\n" + r"\end{verbatim}")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def to_markdown(doc: Document) -> str:
    """`doc` as Markdown with $$ display maths (GitHub, Jupyter, pandoc)."""
    out = [f"# {doc.title}", ""]
    if doc.subtitle:
        out += [f"*{doc.subtitle}*", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out += ["#" * (b.level + 1) + " " + b.text, ""]
        elif isinstance(b, Para):
            out += [_para_md(b), ""]
        elif isinstance(b, Math):
            if b.align:
                out += ["$$", r"\begin{aligned}", " \\\\\n".join(b.lines), r"\end{aligned}", "$$", ""]
            else:
                for line in b.lines:
                    out += ["$$", line, "$$", ""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(b.header) + " |")
            out.append("|" + "---|" * len(b.header))
            out += ["| " + " | ".join(r) + " |" for r in b.rows]
            out.append("")
        elif isinstance(b, Figure):
            out += [f"*Figure: {b.alt}*", ""]
        elif isinstance(b, Items):
            out += ["- " + _para_md(p) for p in b.items] + [""]
        elif isinstance(b, Code):
            out += ["```python", b.source.rstrip(), "```", ""]
    return "\n".join(out)
