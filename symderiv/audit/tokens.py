"""LaTeX math tokens (pylatexenc's tokenizer) and the top-level items of one math block."""

from __future__ import annotations

from dataclasses import dataclass

from pylatexenc.latexwalker import (
    LatexWalker,
    LatexWalkerEndOfStream,
    LatexWalkerError,
    get_default_latex_context_db,
)

from .limits import MAX_MATH_NESTING


class Unreadable(Exception):
    """A math block (or statement) that cannot be split: `reason` for the reader, `offset` in the content."""

    def __init__(self, reason: str, offset: int = 0) -> None:
        super().__init__(reason)
        self.reason, self.offset = reason, offset


@dataclass(frozen=True)
class Tok:
    """One token of a math string: kind is char, macro, open, close, begin, end, comment, specials or
    dollar; `value` the character(s), macro or environment name; offsets exclude trailing spaces."""

    kind: str
    value: str
    start: int
    end: int


_KINDS = {
    "char": "char",
    "macro": "macro",
    "brace_open": "open",
    "brace_close": "close",
    "begin_environment": "begin",
    "end_environment": "end",
    "comment": "comment",
    "specials": "specials",
    "mathmode_inline": "dollar",
    "mathmode_display": "dollar",
}


# built once: a walker builds this table on every construction otherwise (0.5 ms per math block)
LATEX_CONTEXT = get_default_latex_context_db()


def tokenize(content: str) -> list[Tok]:
    """The tokens of `content` read in math mode, in order."""
    walker = LatexWalker(content, latex_context=LATEX_CONTEXT, tolerant_parsing=True)
    state = walker.make_parsing_state(in_math_mode=True)
    tokens: list[Tok] = []
    position = 0
    while position < len(content):
        try:
            token = walker.get_token(position, parsing_state=state)
        except LatexWalkerEndOfStream:
            break
        except LatexWalkerError as error:  # tolerant parsing reports little; say where
            raise Unreadable(f"LaTeX tokenizer: {str(error).splitlines()[0]}", position) from None
        end = token.pos + token.len - len(token.post_space or "")
        value = token.arg if isinstance(token.arg, str) else getattr(token.arg, "specials_chars", "")
        tokens.append(Tok(_KINDS.get(token.tok, "char"), value, token.pos, max(end, token.pos + 1)))
        position = max(token.pos + token.len, position + 1)
    return tokens


# -- what a token means at the top level of a math block ------------------------------------------

RELATION_CHARS = {"=": "=", "<": "<", ">": ">", "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "≈": r"\approx",
                  "∈": r"\in", "∉": r"\notin", "≡": r"\equiv", "≔": ":="}
RELATION_MACROS = {
    "approx": r"\approx", "le": r"\le", "leq": r"\le", "leqslant": r"\le", "leqq": r"\le", "lt": "<",
    "ge": r"\ge", "geq": r"\ge", "geqslant": r"\ge", "geqq": r"\ge", "gt": ">",
    "ne": r"\ne", "neq": r"\ne", "in": r"\in", "notin": r"\notin",
    "equiv": r"\equiv", "coloneqq": ":=", "coloneq": ":=", "triangleq": ":=", "eqqcolon": "=:",
    "eqcolon": "=:",
}
CONNECTIVES = {"Rightarrow", "implies", "iff", "Leftrightarrow", "Longrightarrow", "Longleftrightarrow",
               "Leftarrow", "Longleftarrow", "impliedby", "therefore", "because"}
QUADS = {"quad", "qquad", "hfill"}
SPACING = {",", ";", ":", "!", " ", "\n", "displaystyle", "textstyle", "scriptstyle", "nonumber", "notag",
           "allowbreak", "nobreak", "medspace", "thickspace", "thinspace", "negthinspace", "enspace"}
TEXT_MACROS = {"text", "textrm", "textit", "textbf", "textsf", "texttt", "textnormal", "mbox", "hbox",
               "emph", "intertext", "shortintertext"}
STACKS = {"stackrel", "overset", "underset"}
DEFINITION_MARKS = {"def", "defn", "definition", "\\triangle", "\\delta", "\\Delta", ":", "d", "\\text{def}",
                    "\\mathrm{def}", "\\textrm{def}", "\\rm def", "\\scriptscriptstyle def", "\\tiny def"}
OPENERS = {"(": ")", "[": "]"}
OPENING_MACROS = {"{", "langle", "lvert", "lVert", "lfloor", "lceil", "lbrace", "lbrack", "lparen"}
CLOSING_MACROS = {"}", "rangle", "rvert", "rVert", "rfloor", "rceil", "rbrace", "rbrack", "rparen"}
SIZED_OPENERS = {"left", "bigl", "Bigl", "biggl", "Biggl"}
SIZED_CLOSERS = {"right", "bigr", "Bigr", "biggr", "Biggr"}
BINARY_OPERATORS = {"+", "-", "cdot", "times", "pm", "mp", "odot", "circ", "otimes", "oplus", "ast", "div"}
# environments whose lines are statements (`&` aligns, `\\` ends a line); every other one is one atom
CONTAINERS = {"aligned", "align", "align*", "alignat", "alignat*", "alignedat", "gather", "gather*",
              "gathered", "split", "multline", "multline*", "flalign", "flalign*", "eqnarray", "eqnarray*",
              "equation", "equation*", "displaymath", "math", "dmath", "dmath*"}
DIMENSION_UNITS = ("pt", "em", "ex", "mm", "cm", "in", "bp", "pc", "mu", "sp", "dd", "cc", "px")


@dataclass
class Item:
    """A top-level piece of a math block: atom, rel, sep, quad, comma, break, align, tag, label, text,
    punct or space. `value` holds the canonical relation, the connective, the tag or the text."""

    kind: str
    start: int
    end: int
    value: str = ""
    first: str = ""  # first token's value (a 'forall', a '+') for atoms


def _group(tokens: list[Tok], index: int) -> tuple[int, int, int] | None:
    """For the token after `index`: (index past its group, inner start, inner end) when it opens a
    brace group, else None; an unclosed group is Unreadable."""
    if index >= len(tokens) or tokens[index].kind != "open":
        return None
    depth = 0
    for position in range(index, len(tokens)):
        kind = tokens[position].kind
        depth += (kind == "open") - (kind == "close")
        if depth == 0:
            return position + 1, tokens[index].end, tokens[position].start
    raise Unreadable("'{' is never closed", tokens[index].start)


def _is_dimension(text: str) -> bool:
    """Whether `text` (inside `\\\\[...]`) is a TeX length such as '2pt' or '-1.5em'."""
    body = text.strip()
    for unit in DIMENSION_UNITS:
        if body.endswith(unit):
            number = body[: -len(unit)].strip().lstrip("+-")
            return bool(number) and number.replace(".", "", 1).isdigit()
    return False


class _Nesting:
    """Braces, brackets and environments open at a point, each with the offset where it opened."""

    def __init__(self) -> None:
        self.braces: list[int] = []
        self.brackets: list[tuple[str, int]] = []
        self.opaque: list[tuple[str, int, int]] = []  # name, offset, braces open outside it
        self.containers: list[tuple[str, int]] = []

    def check(self, offset: int) -> None:
        depth = len(self.braces) + len(self.brackets) + len(self.opaque) + len(self.containers)
        if depth > MAX_MATH_NESTING:
            raise Unreadable(f"nested more than {MAX_MATH_NESTING} deep", offset)

    @property
    def top(self) -> bool:
        return not (self.braces or self.brackets or self.opaque)

    def unclosed(self) -> None:
        """Unreadable when anything is still open at the end of the block."""
        if self.braces:
            raise Unreadable("'{' is never closed", self.braces[-1])
        if self.opaque:
            raise Unreadable(f"\\begin{{{self.opaque[-1][0]}}} is never ended", self.opaque[-1][1])
        if self.brackets:
            raise Unreadable(f"'{self.brackets[-1][0]}' is never closed", self.brackets[-1][1])
        if self.containers:
            raise Unreadable(f"\\begin{{{self.containers[-1][0]}}} is never ended", self.containers[-1][1])


def items_of(content: str, tokens: list[Tok]) -> list[Item]:
    """The top-level items of a math block (relations, separators, line breaks) and its atoms, with
    braces, brackets, `\\left...\\right`, matrices and `cases` kept whole."""
    items: list[Item] = []
    nest = _Nesting()
    index = 0
    count = len(tokens)

    def atom(token: Tok) -> None:
        items.append(Item("atom", token.start, token.end, first=token.value))

    while index < count:
        token = tokens[index]
        kind, value = token.kind, token.value
        index += 1
        if kind == "comment":
            continue
        if kind == "open":
            nest.braces.append(token.start)
            nest.check(token.start)
            atom(token)
            continue
        if kind == "close":
            if not nest.braces or (nest.opaque and len(nest.braces) == nest.opaque[-1][2]):
                raise Unreadable("'}' closes nothing", token.start)
            nest.braces.pop()
            atom(token)
            continue
        if kind == "begin":
            if nest.top and value in CONTAINERS:
                nest.containers.append((value, token.start))
                if value.startswith("alignat") or value.startswith("alignedat"):
                    group = _group(tokens, index)
                    index = group[0] if group else index
            else:
                nest.opaque.append((value, token.start, len(nest.braces)))
                atom(token)
            nest.check(token.start)
            continue
        if kind == "end":
            if nest.opaque:
                name, _, braces = nest.opaque[-1]
                if name != value:
                    raise Unreadable(f"\\end{{{value}}} does not end \\begin{{{name}}}", token.start)
                if len(nest.braces) != braces:
                    raise Unreadable(f"'{{' is never closed before \\end{{{value}}}", nest.braces[-1])
                nest.opaque.pop()
                atom(token)
            elif nest.containers and nest.containers[-1][0] == value and nest.top:
                nest.containers.pop()
            elif nest.containers and nest.containers[-1][0] == value:
                raise Unreadable(f"\\end{{{value}}} inside an unclosed bracket or brace", token.start)
            else:
                raise Unreadable(f"\\end{{{value}}} ends nothing", token.start)
            continue
        if nest.braces or nest.opaque:
            atom(token)
            continue
        # brace level 0 outside matrices: brackets decide what is top level
        opener = (kind == "char" and value in OPENERS) or (kind == "macro" and value in OPENING_MACROS)
        closer = (kind == "char" and value in ")]") or (kind == "macro" and value in CLOSING_MACROS)
        if kind == "macro" and (value in SIZED_OPENERS or value in SIZED_CLOSERS or value == "middle"):
            end = tokens[index].end if index < count else token.end
            index += 1 if index < count else 0  # the delimiter belongs to \left, \right, \middle
            if value in SIZED_OPENERS:
                nest.brackets.append((f"\\{value}", token.start))
                nest.check(token.start)
            elif value in SIZED_CLOSERS:
                if not nest.brackets:
                    raise Unreadable(f"\\{value} closes nothing", token.start)
                nest.brackets.pop()
            items.append(Item("atom", token.start, end, first=value))
            continue
        if opener:
            nest.brackets.append((content[token.start : token.end], token.start))
            nest.check(token.start)
            atom(token)
            continue
        if closer:
            if not nest.brackets:
                raise Unreadable(f"'{content[token.start:token.end]}' closes nothing", token.start)
            nest.brackets.pop()
            atom(token)
            continue
        if nest.brackets:
            atom(token)
            continue
        index = _top_level(content, tokens, index, token, items)
    nest.unclosed()
    return items


def _top_level(content: str, tokens: list[Tok], index: int, token: Tok, items: list[Item]) -> int:
    """Append the item of `token` (at the top level); returns the index of the next token."""
    kind, value, count = token.kind, token.value, len(tokens)
    following = tokens[index] if index < count else None
    adjacent = following is not None and following.start == token.end
    if kind == "char":
        if value == ":" and adjacent and following.value == "=":
            items.append(Item("rel", token.start, following.end, ":="))
            return index + 1
        if value == "=" and adjacent and following.kind == "char" and following.value == ":":
            items.append(Item("rel", token.start, following.end, "=:"))
            return index + 1
        if value in RELATION_CHARS:
            items.append(Item("rel", token.start, token.end, RELATION_CHARS[value]))
        elif value == ",":
            items.append(Item("comma", token.start, token.end))
        elif value == ";":
            items.append(Item("sep", token.start, token.end, ";"))
        elif value == ".":
            items.append(Item("punct", token.start, token.end))
        elif value.isspace():
            pass
        else:
            items.append(Item("atom", token.start, token.end, first=value))
        return index
    if kind == "specials":
        if value == "&":
            items.append(Item("align", token.start, token.end))
        elif value == "~":
            items.append(Item("space", token.start, token.end))
        else:
            items.append(Item("atom", token.start, token.end, first=value))
        return index
    if kind != "macro":
        items.append(Item("atom", token.start, token.end, first=value))
        return index
    if value == "\\":
        end = token.end
        if adjacent and following.kind == "char" and following.value == "*":
            index, end = index + 1, following.end
            following = tokens[index] if index < count else None
        if following is not None and following.start == end and following.value == "[":
            close = next((k for k in range(index, min(index + 12, count)) if tokens[k].value == "]"), None)
            if close is not None and _is_dimension(content[following.end : tokens[close].start]):
                index, end = close + 1, tokens[close].end
        items.append(Item("break", token.start, end))
        return index
    if value == "not" and following is not None and (following.value == "=" or following.value == "in"):
        relation = r"\ne" if following.value == "=" else r"\notin"
        items.append(Item("rel", token.start, following.end, relation))
        return index + 1
    if value in RELATION_MACROS:
        items.append(Item("rel", token.start, token.end, RELATION_MACROS[value]))
    elif value in CONNECTIVES:
        items.append(Item("sep", token.start, token.end, f"\\{value}"))
    elif value in QUADS:
        items.append(Item("quad", token.start, token.end))
    elif value in SPACING:
        items.append(Item("space", token.start, token.end))
    elif value in ("tag", "label", "hspace", "vspace", "hspace*"):
        if following is not None and following.kind == "char" and following.value == "*":
            index += 1
        group = _group(tokens, index)
        if group is None:
            items.append(Item("atom", token.start, token.end, first=value))
            return index
        kind_of = "space" if value.endswith("space") or value.endswith("space*") else value
        items.append(Item(kind_of, token.start, tokens[group[0] - 1].end, content[group[1] : group[2]].strip()))
        return group[0]
    elif value in TEXT_MACROS:
        group = _group(tokens, index)
        if group is None:
            items.append(Item("atom", token.start, token.end, first=value))
            return index
        text = content[group[1] : group[2]]
        items.append(Item("text", token.start, tokens[group[0] - 1].end, "" if value.endswith("intertext")
                          else text, first=value))
        return group[0]
    elif value in STACKS:
        over = _group(tokens, index)
        under = _group(tokens, over[0]) if over else None
        if over is None or under is None:
            items.append(Item("atom", token.start, token.end, first=value))
            return index
        inner = content[under[1] : under[2]].strip()
        relation = RELATION_CHARS.get(inner) or RELATION_MACROS.get(inner.lstrip("\\"))
        end = tokens[under[0] - 1].end
        if relation is None:
            items.append(Item("atom", token.start, end, first=value))
        else:
            mark = " ".join(content[over[1] : over[2]].split())
            defining = relation == "=" and mark in DEFINITION_MARKS
            items.append(Item("rel", token.start, end, ":=" if defining else relation))
        return under[0]
    else:
        items.append(Item("atom", token.start, token.end, first=value))
    return index
