"""`extract(text, fmt)`: a solution document read into sections, math blocks, equations and definitions."""

from __future__ import annotations

import re
from dataclasses import replace

from ..core.errors import InputTypeError
from .document import (
    DEFINING_RELATIONS,
    Definition,
    Document,
    DocumentError,
    DocumentLimitError,
    Equation,
    LineIndex,
    Link,
    MathBlock,
    Section,
    Side,
)
from .latex import read_latex
from .limits import MAX_CUE_CHARS, MAX_DOCUMENT_CHARS, MAX_EQUATIONS
from .markdown import read_markdown
from .prose import Mention, Notation, Solved, read_prose
from .reading import Heading, Prose, RawMath
from .split import RawSide, RawStatement, split_math
from .tokens import Unreadable

FORMATS = ("md", "tex", "txt")
# words of the prose just before a math block that make its statements definitions ("Let $x = ...$")
CUE_WORDS = {"let", "where", "define", "defines", "defined", "defining", "denote", "denotes", "denoted",
             "denoting", "notation", "definition", "definitions"}
# words after the cue that show the math is a result, not a definition ("Assuming log denotes ..., we have")
RESULT_WORDS = {"have", "get", "gets", "obtain", "obtains", "gives", "give", "hence", "thus", "therefore", "so",
                "then", "arrive", "find", "becomes", "yields", "equals", "show", "shows", "conclude", "compute"}
ABBREVIATIONS = {"i.e.", "e.g.", "cf.", "vs.", "resp.", "eq.", "eqs.", "fig.", "ref.", "etc.)", "w.r.t."}
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")  # words of a short prose fragment (at most MAX_CUE_CHARS)


def _sentence(context: str) -> str:
    """The end of `context` from its last sentence end ('.', '?', '!' before a space; not 'i.e.')."""
    tail = context[-MAX_CUE_CHARS:]
    end = len(tail)
    while end > 0:
        cut = max(tail.rfind(f"{mark}{space}", 0, end) for mark in ".?!" for space in " \n")
        if tail.endswith((".", "?", "!")) and end == len(tail):
            cut = max(cut, len(tail) - 1)
        if cut < 0:
            return tail
        word = tail[tail.rfind(" ", 0, cut) + 1 : cut + 1].lower().lstrip("(")
        if word not in ABBREVIATIONS:
            return tail[cut + 1 :]
        end = cut
    return tail


def definition_cue(context: str) -> str | None:
    """The last cue word ('let', 'where', 'define', ...) of the sentence that leads to a math block."""
    words = _WORD.findall(_sentence(context).lower().replace("’", "'"))
    cues = [position for position, word in enumerate(words) if word in CUE_WORDS]
    if not cues or any(word in RESULT_WORDS for word in words[cues[-1] + 1 :]):
        return None
    return words[cues[-1]]


_NUMBERED = re.compile(r"(?:(?:part|problem|question|exercise|section|task)\s+)?(\d+(?:\.\d+)*)[.)]?(?:\s|$)", re.I)


def _numbering_depth(title: str) -> int | None:
    """The depth of a heading's number: '3 Extending' 1, '2.1 Sizes' 2, 'Problem 4' 1; None unnumbered."""
    found = _NUMBERED.match(title.strip())
    return found.group(1).count(".") + 1 if found else None


class _Builder:
    """Turns a reader's events into a Document: sections, chains across blocks, definitions."""

    def __init__(self, text: str, fmt: str) -> None:
        self.text, self.fmt = text, fmt
        self.index = LineIndex(text)
        self.sections: list[Section] = []
        self.path: list[tuple[int, str]] = []
        self.blocks: list[MathBlock] = []
        self.equations: list[Equation] = []
        self.definitions: list[Definition] = []
        self.context = ""
        self.last: Equation | None = None
        self.last_display: Equation | None = None
        self.mentions: list[Mention] = []  # the inline math of the current sentence (audit/prose.py)
        self.between = ""  # the prose since the last of them

    @property
    def section(self) -> tuple[str, ...]:
        return tuple(title for _, title in self.path)

    def heading(self, heading: Heading) -> None:
        """A heading ends the sections at its level and below; a numbered one (`3 Extending the
        Gradient`, `2.1 ...`) also ends the sections numbered at its depth or deeper, whatever their
        level: an OCR'd `# 2 ...` followed by `## 3 ...` are two parts, not a part and its child."""
        depth = _numbering_depth(heading.title)
        while self.path and (self.path[-1][0] >= heading.level or
                             (depth is not None and (_numbering_depth(self.path[-1][1]) or 0) >= depth)):
            self.path.pop()
        self.path.append((heading.level, heading.title))
        line, _ = self.index.position(heading.start)
        self.sections.append(Section(heading.title, heading.level, self.section, heading.start, line))
        self.context, self.last, self.last_display = "", None, None
        self.mentions, self.between = [], ""

    def prose(self, prose: Prose) -> None:
        """Prose read for cues; a paragraph that held math ends the reach of its cue ("Let $x = 1$ here."
        does not define the next paragraph's equations; "define, namely" before a display does)."""
        paragraph_end = prose.text == "\n\n" and "$…$" in self.context
        if prose.reset or paragraph_end:
            self.context = ""
            self.mentions, self.between = [], ""
            return
        self.context = (self.context + prose.text)[-2 * MAX_CUE_CHARS :]
        if prose.text == " $…$ ":  # the place of the inline math just read: a mention already
            return
        between = self.between + prose.text
        sentence = _sentence(between)
        if len(sentence) < len(between.rstrip()) or len(between) > MAX_CUE_CHARS:
            self.mentions = []  # a new sentence: its math mentions start afresh
            between = sentence
        self.between = between

    def side(self, math: RawMath, raw: RawSide) -> Side:
        start, end = math.span(raw.start, raw.end)
        line, column = self.index.position(start)
        return Side(raw.latex, self.text[start:end], start, end, line, column, raw.reference)

    def _explained(self) -> int:
        """The chain of the display just before, when this inline math opens a sentence 'where ...'
        or 'with ...' right after it (`$$ p - t $$ where $p = ...$`, `$$ X^T S X $$ with $S = ...$`); else -1."""
        display = self.last_display
        words = _WORD.findall(self.between.lower())
        if (self.mentions or not words or words[0] not in ("where", "with") or len(words) > 2 or display is None
                or display.section != self.section or not self.blocks or self.blocks[-1].index != display.block):
            return -1
        return display.chain

    def math(self, math: RawMath) -> None:
        cue = definition_cue(self.context) if "=" in math.content else None
        explains = -1
        if "=" in math.content and cue in ("where", None) and not math.display:
            explains = self._explained()  # "with $S = ...$" right after a display defines S for it
            cue = "where" if explains >= 0 else cue
        numbers: list[int] = []
        not_read = math.not_read
        statements: list[RawStatement] = []
        if not_read is None:
            try:
                statements = split_math(math.content, math.kind)
            except Unreadable as error:
                not_read = error.reason
                where = math.offset(min(error.offset, len(math.content)))
                statements = [RawStatement(not_read=error.reason, start=error.offset, end=error.offset)]
                if math.content:
                    line, column = self.index.position(where)
                    statements[0].not_read = f"{error.reason} (line {line}, column {column})"
                    not_read = statements[0].not_read
        if not_read is not None and not statements:
            statements = [RawStatement(not_read=not_read)]
        for raw in statements:
            numbers.append(self.equation(math, raw, cue, whole_block=not_read is not None, explains=explains))
        start, end = math.start, max(math.end, math.start)
        line, column = self.index.position(start)
        self.blocks.append(MathBlock(len(self.blocks), math.kind, math.display, self.text[start:end], start, end,
                                     line, column, self.section, tuple(numbers), not_read))
        if not math.display and not_read is None:
            self.mentions.append(Mention(math.content, start, end, tuple(numbers), self.between))
            self.between = ""
            found = read_prose(self.mentions, self._relation_of)
            if isinstance(found, Solved):
                self._solved(found)
            elif isinstance(found, Notation):
                self._notation(found)

    # -- definitions stated in prose (audit/prose.py) ---------------------------------------------

    def _relation_of(self, number: int) -> str | None:
        """Equation `number` as `lhs = rhs` when it is one `=` that defines nothing, else None."""
        links = self.equations[number].links
        if len(links) != 1 or links[0].relation != "=" or links[0].definition:
            return None
        return f"{links[0].lhs.latex} = {links[0].rhs.latex}"

    def _mention_side(self, mention: Mention, latex: str) -> Side:
        line, column = self.index.position(mention.start)
        return Side(latex, self.text[mention.start : mention.end], mention.start, mention.end, line, column)

    def _solved(self, found: Solved) -> None:
        """The relation of `found.equation` becomes the definition of the name that solves it."""
        equation = self.equations[found.equation]
        link = equation.links[0]
        name = self._mention_side(found.name_at, found.name_at.latex.strip())
        value = replace(link.rhs, latex=found.value, source=equation.source, start=equation.start, end=equation.end)
        cue = f"prose: denote ({name.latex} solves {link.lhs.latex} = {link.rhs.latex} for {found.variable})"
        defining = replace(link, lhs=name, rhs=value, relation=":=", definition=True, cue=cue)
        solved = replace(equation, links=(defining,))
        self.equations[found.equation] = solved
        self.last = solved if self.last is equation else self.last
        self.last_display = solved if self.last_display is equation else self.last_display
        self.definitions.append(Definition(name, value, ":=", cue, found.equation, 0, equation.section))

    def _notation(self, found: Notation) -> None:
        """A name given its meaning in words: visible from its mention, or from the display the
        sentence explains ("where ...")."""
        name = self._mention_side(found.name_at, found.name)
        value = replace(name, latex=found.value)
        visible_from = found.name_at.start
        display = self.last_display
        if found.explains_display and display is not None and display.section == self.section:
            visible_from = display.start
        self.definitions.append(Definition(name, value, ":=", found.cue, -1, -1, self.section, visible_from))

    def equation(self, math: RawMath, raw: RawStatement, cue: str | None, whole_block: bool,
                 explains: int = -1) -> int:
        number = len(self.equations)
        if number >= MAX_EQUATIONS:
            raise DocumentLimitError("equations", number + 1, MAX_EQUATIONS, self.index.position(math.start)[0])
        if whole_block:
            start, end = math.start, max(math.end, math.start)
        else:
            start, end = math.span(raw.start, raw.end)
        line, column = self.index.position(start)
        common = dict(index=number, block=len(self.blocks), source=self.text[start:end], start=start, end=end,
                      line=line, column=column, section=self.section, display=math.display,
                      tag=raw.tag or math.tag, label=raw.label, connective=raw.connective,
                      conditions=tuple(self.side(math, side) for side in raw.conditions), explains=explains)
        sides = [self.side(math, side) for side in raw.sides]
        chain = number
        not_read = raw.not_read
        if not_read is None and raw.continues:
            previous = self.last_display if math.display else self.last
            if previous is None or not previous.links:
                first = raw.relations[0]
                not_read = (f"starts with '{math.content[first.start:first.end]}' but no equation before it "
                            "in this section to continue")
            else:
                sides[0], chain = previous.links[-1].rhs, previous.chain
        if not_read is not None:
            equation = Equation(**common, chain=number, not_read=not_read)
        else:
            links = tuple(self.link(math, raw, sides, position, cue) for position in range(len(raw.relations)))
            equation = Equation(**common, links=links, chain=chain)
            visible_from = self.equations[explains].start if explains >= 0 else -1
            for position, link in enumerate(links):
                if link.definition:
                    self.definitions.append(Definition(link.defined_side, link.value_side, link.relation,
                                                       link.cue or "", number, position, self.section, visible_from))
            self.last = equation
            self.last_display = equation if math.display else self.last_display
        self.equations.append(equation)
        return number

    def link(self, math: RawMath, raw: RawStatement, sides: list[Side], position: int, cue: str | None) -> Link:
        relation = raw.relations[position]
        start, end = math.span(relation.start, relation.end)
        line, column = self.index.position(start)
        definition_by = None
        if relation.relation in DEFINING_RELATIONS:
            definition_by = relation.relation
        elif position == 0 and not raw.continues and relation.relation == "=":
            definition_by = raw.cue or (f"prose: {cue}" if cue else None)
        return Link(sides[position], relation.relation, sides[position + 1], self.text[start:end], line, column,
                    definition_by is not None, definition_by)

    def document(self) -> Document:
        return Document(self.text, self.fmt, tuple(self.sections), tuple(self.blocks), tuple(self.equations),
                        tuple(self.definitions))


def extract(text: str, fmt: str) -> Document:
    """The equations of a solution document: `fmt` is 'md' (CommonMark with `$`/`$$` math and
    amsmath environments), 'txt' (OCR text: the same, indentation not code) or 'tex' (LaTeX).
    Every math block is listed; one that cannot be split carries its reason (`not_read`)."""
    if not isinstance(text, str):
        raise InputTypeError(f"a document must be text (str), got {type(text).__name__}")
    if fmt not in FORMATS:
        raise DocumentError(f"unknown document format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DocumentLimitError("characters", len(text), MAX_DOCUMENT_CHARS)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    builder = _Builder(text, fmt)
    events = read_latex(text) if fmt == "tex" else read_markdown(text, builder.index, plain=fmt == "txt")
    for event in events:
        if isinstance(event, Heading):
            builder.heading(event)
        elif isinstance(event, Prose):
            builder.prose(event)
        else:
            builder.math(event)
    return builder.document()
