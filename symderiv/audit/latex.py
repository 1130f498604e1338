"""LaTeX documents read through pylatexenc's tokenizer: sections, prose and math (`$`, `\\[`, environments)."""

from __future__ import annotations

from collections.abc import Iterator

from pylatexenc.latexwalker import LatexToken, LatexWalker, LatexWalkerEndOfStream, LatexWalkerError

from .reading import Heading, Prose, RawMath
from .tokens import LATEX_CONTEXT

SECTION_LEVELS = {"part": 0, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4,
                  "paragraph": 5, "subparagraph": 6}
MATH_ENVIRONMENTS = {"equation", "equation*", "align", "align*", "gather", "gather*", "multline", "multline*",
                     "flalign", "flalign*", "alignat", "alignat*", "eqnarray", "eqnarray*", "displaymath",
                     "math", "dmath", "dmath*"}
VERBATIM_ENVIRONMENTS = {"verbatim", "verbatim*", "lstlisting", "minted", "comment", "Verbatim", "code"}
CLOSERS = {"$": "$", "\\(": "\\)", "$$": "$$", "\\[": "\\]"}


class _Tokens:
    """pylatexenc's tokenizer over a whole document, one token at a time (no recursion: a document
    with unbalanced braces or `$` costs one pass)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.walker = LatexWalker(text, latex_context=LATEX_CONTEXT, tolerant_parsing=True)
        self.state = self.walker.make_parsing_state()

    def at(self, position: int) -> LatexToken | None:
        """The token at or after `position`, None at the end (an untokenizable character is skipped)."""
        while position < len(self.text):
            try:
                return self.walker.get_token(position, parsing_state=self.state)
            except LatexWalkerEndOfStream:
                return None
            except LatexWalkerError:
                position += 1
        return None


def _end(token: LatexToken) -> int:
    return token.pos + token.len


def _paragraph_break(token: LatexToken) -> bool:
    return (token.tok == "char" and "\n\n" in token.arg.replace(" ", "")) or "\n\n" in (token.pre_space or "").replace(
        " ", "")


def _find_closer(tokens: _Tokens, position: int, opener: LatexToken) -> tuple[LatexToken | None, int]:
    """The token closing a math opener (`$`, `$$`, `\\(`, `\\[`, `\\begin{env}`), or None and the
    offset of the paragraph break (blank line) or document end where the search stopped."""
    environment = opener.arg if opener.tok == "begin_environment" else None
    closer = CLOSERS.get(opener.arg) if environment is None else None
    depth = 0
    while True:
        token = tokens.at(position)
        if token is None:
            return None, len(tokens.text)
        if _paragraph_break(token):
            return None, token.pos
        if environment is not None and token.tok == "begin_environment" and token.arg == environment:
            depth += 1
        elif environment is not None and token.tok == "end_environment" and token.arg == environment:
            if depth == 0:
                return token, token.pos
            depth -= 1
        elif environment is None and token.tok in ("mathmode_inline", "mathmode_display") and token.arg == closer:
            return token, token.pos
        position = max(_end(token), position + 1)


def _group_text(tokens: _Tokens, position: int) -> tuple[str, int]:
    """The text of the brace group at `position` (after an optional `*` and `[...]`) and the
    offset past it: a section title."""
    text = tokens.text
    token = tokens.at(position)
    while token is not None and token.tok == "char" and token.arg in ("*", "["):
        if token.arg == "[":
            close = text.find("]", _end(token))
            position = close + 1 if close >= 0 else _end(token)
        else:
            position = _end(token)
        token = tokens.at(position)
    if token is None or token.tok != "brace_open":
        return "", position
    depth, cursor = 0, token.pos
    while True:
        inner = tokens.at(cursor)
        if inner is None or _paragraph_break(inner):
            stop = inner.pos if inner is not None else len(text)
            return text[_end(token) : stop].strip(), stop
        depth += (inner.tok == "brace_open") - (inner.tok == "brace_close")
        if depth == 0:
            return " ".join(text[_end(token) : inner.pos].split()), _end(inner)
        cursor = max(_end(inner), cursor + 1)


def read_latex(text: str) -> Iterator[Heading | Prose | RawMath]:
    """Sections, prose and math of a LaTeX document (or fragment), in order; the preamble before
    `\\begin{document}` is skipped, and so are comments and verbatim environments."""
    tokens = _Tokens(text)
    position = 0
    begin = text.find("\\begin{document}")
    if begin >= 0:
        position = begin + len("\\begin{document}")
    while True:
        token = tokens.at(position)
        if token is None:
            return
        kind, argument = token.tok, token.arg
        position = max(_end(token), position + 1)
        if kind == "comment":
            continue
        if _paragraph_break(token):
            yield Prose("\n\n")
        if kind == "char":
            yield Prose((token.pre_space or "") + argument)
        elif kind == "specials":
            yield Prose(getattr(argument, "specials_chars", ""))
        elif kind == "end_environment" and argument == "document":
            return
        elif kind == "begin_environment" and argument in VERBATIM_ENVIRONMENTS:
            end = text.find(f"\\end{{{argument}}}", position)
            position = len(text) if end < 0 else end + len(f"\\end{{{argument}}}")
            yield Prose("", reset=True)
        elif kind == "macro" and argument == "verb" and position < len(text):
            end = text.find(text[position], position + 1)
            position = len(text) if end < 0 else end + 1
        elif kind == "macro" and argument in SECTION_LEVELS:
            title, position = _group_text(tokens, position)
            yield Heading(SECTION_LEVELS[argument], title, token.pos)
        elif (kind in ("mathmode_inline", "mathmode_display") and argument in CLOSERS) or (
                kind == "begin_environment" and argument in MATH_ENVIRONMENTS):
            closer, stop = _find_closer(tokens, position, token)
            yield from _math(text, token, closer, stop)
            position = _end(closer) if closer is not None else max(stop, position)


def _math(text: str, opener: LatexToken, closer: LatexToken | None, stop: int) -> Iterator[Prose | RawMath]:
    """One math block from its opener to its closer: its content, or not read when it is never closed."""
    display = opener.tok != "mathmode_inline"
    environment = opener.tok == "begin_environment"
    kind = opener.arg
    content_start = _end(opener) if not environment else opener.pos
    if closer is None:
        where = "the next blank line" if stop < len(text) else "the end of the document"
        name = f"\\begin{{{kind}}}" if environment else kind
        yield RawMath(kind, display, opener.pos, stop, "", opener.pos,
                      not_read=f"{name} is not closed before {where}")
        return
    content_end = _end(closer) if environment else closer.pos
    yield RawMath(kind, display, opener.pos, _end(closer), text[content_start:content_end], content_start)
    yield Prose(" $…$ " if not display else "", reset=display)
