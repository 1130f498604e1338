"""What may reach TeX: escaped text, verbatim-safe source, and a strict check that a piece of
maths is inert (only typesetting commands, no ^^ character codes, no comments or parameters)."""

from __future__ import annotations

import re

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                "#": r"\#", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                "[": "{[}", "]": "{]}"}
_UNICODE = {"∂": r"$\partial$", "Σ": r"$\Sigma$", "δ": r"$\delta$", "≤": r"$\le$", "≥": r"$\ge$",
            "−": "-", "→": r"$\to$", "λ": r"$\lambda$", "μ": r"$\mu$", "η": r"$\eta$", "σ": r"$\sigma$",
            "⊙": r"$\odot$", "ᵀ": r"$^{\top}$", "²": r"$^2$", "×": r"$\times$", "∘": r"$\circ$",
            "α": r"$\alpha$", "Λ": r"$\Lambda$", "·": r"$\cdot$", "√": r"$\surd$", "∈": r"$\in$"}
#: Unicode spelled in ASCII for verbatim text (which has no maths).
ASCII = {"∂": "d", "Σ": "sum", "δ": "delta", "≤": "<=", "≥": ">=", "−": "-", "→": "->", "ᵀ": "^T",
         "⊙": "(.)", "²": "^2", "×": "x", "λ": "lambda", "μ": "mu", "η": "eta", "σ": "sigma", "∈": " in "}


def escape(text: str) -> str:
    """Plain text for LaTeX: every special character escaped (so `^^5c` is two circumflexes,
    never a character code), brackets grouped (never an optional argument), control characters
    as spaces, common Unicode maths spelled out, any other non-ASCII character as '?'."""
    out = []
    for ch in text:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ch in _UNICODE:
            out.append(_UNICODE[ch])
        elif " " <= ch <= "~":
            out.append(ch)
        elif ch in "\t\n\r":
            out.append(" ")
        else:
            out.append("?")
    return "".join(out)


def text_math(text: str) -> str:
    """`text` shown as written inside maths: \\text{...} of the escaped text (no command,
    no ^^ character code)."""
    return rf"\text{{{escape(text)}}}"


_VERBATIM_END = re.compile(r"\\end\s*\{\s*verbatim\s*\}")


def verbatim_safe(source: str) -> str:
    """`source` fit for a verbatim environment: printable ASCII only (Unicode maths spelled
    out, anything else '?'), tabs as spaces, and no line that could end the environment
    (a written `\\end{verbatim}` loses its backslash). Inside verbatim every other character
    is typeset as itself: ^ has no special meaning there, so ^^ is no character code."""
    out = []
    for ch in source.replace("\t", "    "):
        if " " <= ch <= "~" or ch == "\n":
            out.append(ch)
        elif ch in ASCII:
            out.append(ASCII[ch])
        else:
            out.append("?")
    return _VERBATIM_END.sub(lambda m: m.group(0)[1:], "".join(out))


#: Control words allowed in maths symderiv typesets: symbols, operators, fonts, accents,
#: delimiters, spacing, fractions and roots, and the escapes of text. None of them reads or
#: writes a file, defines anything, or changes how characters are read.
COMMANDS = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi
rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
frac dfrac tfrac sqrt sum prod int lim limits nolimits partial nabla infty ell imath jmath
exp log ln sin cos tan tanh sinh cosh max min det arg sup inf gcd sgn operatorname
mathbf mathrm mathcal mathbb mathit mathsf mathtt boldsymbol pmb text textrm textit textbf texttt textsf
hat widehat tilde widetilde bar overline underline vec dot ddot check breve acute grave
left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr middle
lfloor rfloor lceil rceil langle rangle lVert rVert lvert rvert Vert vert mid backslash
cdot times odot otimes oplus circ ast star div pm mp bullet setminus cup cap wedge vee neg lnot
le leq ge geq ne neq lt gt ll gg in notin ni subset subseteq supset supseteq equiv approx sim simeq
propto cong to mapsto rightarrow leftarrow Rightarrow Leftarrow Leftrightarrow iff implies
forall exists nexists emptyset varnothing top bot intercal perp parallel prime checkmark
ldots cdots vdots ddots dots dotsc dotsb quad qquad colon bmod pmod mod mathopen mathclose mathrel
mathbin mathord mathpunct displaystyle textstyle scriptstyle nobreak surd
begin end
textbackslash textasciicircum textasciitilde
""".split())
#: Environments allowed in maths.
ENVIRONMENTS = frozenset({"matrix", "bmatrix", "pmatrix", "vmatrix", "Bmatrix", "Vmatrix", "cases",
                          "aligned", "array", "smallmatrix"})
#: Control symbols allowed (a backslash and one non-letter).
SYMBOLS = frozenset("\\,;:! {}|_&%#$")

_WORD = re.compile(r"[A-Za-z]+")
_ENV = re.compile(r"\{([A-Za-z]+\*?)\}")


def inert(tex: str) -> bool:
    """Whether `tex` can only typeset: printable ASCII; every control word in COMMANDS and
    every control symbol in SYMBOLS; \\begin/\\end only of ENVIRONMENTS; no ^^ (TeX's
    character codes: ^^5c is a backslash); no comment (%) or parameter (#) character; braces
    balanced. A string that passes cannot read or write a file, run a program or redefine
    anything, whatever pdflatex's settings."""
    depth, i, n = 0, 0, len(tex)
    while i < n:
        ch = tex[i]
        if not (" " <= ch <= "~" or ch == "\n"):
            return False
        if ch == "\\":
            word = _WORD.match(tex, i + 1)
            if word:
                if word.group() not in COMMANDS:
                    return False
                i = word.end()
                if word.group() in ("begin", "end"):
                    env = _ENV.match(tex, i)
                    if env is None or env.group(1) not in ENVIRONMENTS:
                        return False
                    i = env.end()
                continue
            if i + 1 >= n or tex[i + 1] not in SYMBOLS:
                return False
            i += 2
            continue
        if ch == "^" and tex.startswith("^^", i):
            return False
        if ch in "%#":
            return False
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


def inert_leaf(tex: str) -> bool:
    """Whether `tex` is inert and safe to join to other LaTeX: it neither starts nor ends with
    a script mark or a backslash (x^ next to ^2 would make ^^2, a character code) and holds no
    alignment or line break."""
    return (inert(tex) and not tex.startswith(("^", "_")) and not tex.endswith(("^", "_", "\\"))
            and "&" not in tex and "\\\\" not in tex)
