"""Markdown (and OCR text) read by a CommonMark parser with its math extension: headings, prose, math."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from .document import LineIndex
from .limits import MAX_DISPLAY_LINES, MAX_PARAGRAPH_CHARS
from .reading import Heading, Prose, RawMath, align

BlockRule = Callable[[StateBlock, int, int, bool], bool]


def _bounded(rule: BlockRule) -> BlockRule:
    """`rule` searching at most MAX_DISPLAY_LINES lines for the end of its block (an unclosed `$$`
    or `\\begin{align}` otherwise scans to the end of the document, once per opening)."""

    def bounded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        return rule(state, start_line, min(end_line, start_line + MAX_DISPLAY_LINES), silent)

    return bounded


@cache
def parser(plain: bool) -> MarkdownIt:
    """CommonMark with tables, `$...$`, `$$...$$` (also inside a paragraph) and top-level amsmath
    environments; inline parsing is left to `read_markdown` (bounded per paragraph). `plain` (OCR
    text) has no indented code blocks: its indentation is layout, not code."""
    md = MarkdownIt("commonmark", {"maxNesting": 20})
    md.use(dollarmath_plugin, allow_labels=True, allow_space=True, allow_digits=True,
           allow_blank_lines=False, double_inline=True)
    md.use(amsmath_plugin)
    md.enable("table")
    for name in ("math_block", "amsmath"):
        rule = next(rule for rule in md.block.ruler.__rules__ if rule.name == name)
        md.block.ruler.at(name, _bounded(rule.fn), {"alt": list(rule.alt)})
    md.disable("inline")
    if plain:
        md.disable("code")
    return md


def _region(index: LineIndex, text: str, token_map: list[int] | None, fallback: tuple[int, int]) -> tuple[int, int]:
    if not token_map:
        return fallback
    return index.line_start(token_map[0]), min(index.line_start(token_map[1]), len(text))


def _block_math(token: Token, text: str, region: tuple[int, int]) -> RawMath:
    """A `$$ ... $$` or amsmath block found in its lines of the document."""
    start, end = region
    display_kind = "$$" if token.type.startswith("math_block") else "amsmath"
    opener = text.find("$$", start, end) if display_kind == "$$" else start
    content_from = opener + 2 if display_kind == "$$" and opener >= 0 else start
    offsets = align(token.content, text, content_from, end)
    kind = display_kind
    if display_kind == "amsmath":
        content = token.content.lstrip()
        kind = content[len("\\begin{") : content.find("}")] if content.startswith("\\begin{") else "amsmath"
    if offsets is None:
        return RawMath(kind, True, start, end, token.content, start, None,
                       not_read="its text was not found in the document (parser and source disagree)")
    content_end = offsets[-1] + 1 if offsets else content_from
    block_start = opener if display_kind == "$$" and opener >= 0 else (offsets[0] if offsets else start)
    closer = text.find("$$", content_end, end) if display_kind == "$$" else -1
    block_end = closer + 2 if closer >= 0 else content_end
    tag = token.info.strip() or None if token.type == "math_block_label" else None
    return RawMath(kind, True, block_start, block_end, token.content, content_from, tuple(offsets), tag=tag)


def _inline(md: MarkdownIt, token: Token, text: str, region: tuple[int, int]) -> Iterator[Prose | RawMath]:
    """Prose and inline math (`$...$`, and `$$...$$` inside a paragraph) of one paragraph."""
    content = token.content
    if len(content) > MAX_PARAGRAPH_CHARS:
        if "$" in content or "\\begin" in content:
            yield RawMath("paragraph", False, region[0], region[1], "", region[0],
                          not_read=f"a paragraph of {len(content):,} characters (more than "
                                   f"{MAX_PARAGRAPH_CHARS:,}): its math is not read")
        yield Prose("", reset=True)
        return
    children: list[Token] = []
    md.inline.parse(content, md, {}, children)
    offsets: list[int] | None = None
    cursor = 0
    for child in children:
        if child.type in ("text", "code_inline"):
            yield Prose(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            yield Prose(" ")
        elif child.type in ("math_inline", "math_inline_double"):
            marker = child.markup or "$"
            found = content.find(f"{marker}{child.content}{marker}", cursor)
            if offsets is None:
                offsets = align(content, text, region[0], region[1])
            if found < 0 or offsets is None:
                yield RawMath(marker, marker == "$$", region[0], region[0], child.content, region[0],
                              not_read="its text was not found in the document (parser and source disagree)")
                continue
            cursor = found + 2 * len(marker) + len(child.content)
            inner = tuple(offsets[found + len(marker) : found + len(marker) + len(child.content)])
            start, end = offsets[found], offsets[cursor - 1] + 1
            yield RawMath(marker, marker == "$$", start, end, child.content, start + len(marker), inner)
            yield Prose(" $…$ " if marker == "$" else "", reset=marker == "$$")


def read_markdown(text: str, index: LineIndex, plain: bool = False) -> Iterator[Heading | Prose | RawMath]:
    """Headings, prose and math of a Markdown document, in order."""
    md = parser(plain)
    tokens = md.parse(text)
    region = (0, 0)
    heading: int | None = None
    for token in tokens:
        token_map = token.map
        if token.type == "amsmath" and token_map:  # the plugin's map ends one line early (the \end line)
            token_map = [token_map[0], token_map[1] + 1]
        region = _region(index, text, token_map, region)
        if token.type == "heading_open":
            heading = int(token.tag[1:])
        elif token.type == "inline" and heading is not None:
            yield Heading(heading, " ".join(token.content.split()), region[0])
            heading = None
        elif token.type == "inline":
            yield from _inline(md, token, text, region)
        elif token.type == "math_block" and "$$" in token.content:
            # `$$a$$ and $$b$$` on one line: the plugin's block runs from the first `$$` to the line's
            # last; the line is a paragraph with display math inside it
            line = Token("inline", "", 0)
            line.content = text[region[0]:region[1]].rstrip("\n")
            yield from _inline(md, line, text, region)
            yield Prose("", reset=True)
        elif token.type in ("math_block", "math_block_label", "amsmath"):
            yield _block_math(token, text, region)
            yield Prose("", reset=True)
        elif token.type in ("fence", "code_block", "html_block", "hr"):
            yield Prose("", reset=True)
        elif token.type in ("paragraph_close", "list_item_close", "td_close", "th_close"):
            yield Prose("\n\n")
