"""The document model of an audit: sections, math blocks, equations (chains of links) and definitions."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..core.errors import SymderivError

# canonical relations; the definitional ones define the side named by `Link.defined_side`
RELATIONS = ("=", r"\approx", "<", ">", r"\le", r"\ge", r"\ne", r"\in", r"\notin", ":=", "=:", r"\equiv")
DEFINING_RELATIONS = (":=", "=:", r"\equiv")


class DocumentError(SymderivError):
    """A document cannot be extracted at all (an unknown format, a text that is not a str)."""


class DocumentLimitError(DocumentError):
    """A document past the bounds that keep extraction fast (size, number of equations)."""

    def __init__(self, what: str, value: int, limit: int, line: int | None = None) -> None:
        self.what, self.value, self.limit, self.line = what, value, limit, line
        where = f" (at line {line})" if line is not None else ""
        super().__init__(f"document not read: {what} {value:,} past the limit of {limit:,}{where}")

    def __reduce__(self):
        return (self.__class__, (self.what, self.value, self.limit, self.line))


class LineIndex:
    """Maps 0-based character offsets of a text to 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        position = find("\n")
        while position >= 0:
            starts.append(position + 1)
            position = find("\n", position + 1)
        self._starts = starts
        self._length = len(text)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of `offset`, both counted from 1."""
        line = bisect.bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1

    def line_start(self, line: int) -> int:
        """Offset of the first character of 0-based `line` (the text's length past the last line)."""
        return self._starts[line] if line < len(self._starts) else self._length


@dataclass(frozen=True)
class Side:
    """One side of a relation: `latex` is the side cleaned of prose, tags, alignment and trailing
    punctuation (what a formula reader gets); `source` is the document's text from `start` to `end`."""

    latex: str
    source: str
    start: int
    end: int
    line: int
    column: int
    reference: str | None = None  # the side is only an equation reference such as "(1)": its label


@dataclass(frozen=True)
class Link:
    """One relation of a chain: `lhs relation rhs`. In `a = b = c` the second link's lhs is the
    first link's rhs (the same `Side`)."""

    lhs: Side
    relation: str  # one of RELATIONS
    rhs: Side
    written: str  # the relation as written ("&=", "\\leq", "\\stackrel{def}{=}")
    line: int
    column: int
    definition: bool = False
    cue: str | None = None  # what made it a definition: ":=", "\\equiv", "prose: let", "\\text{where}"

    @property
    def defined_side(self) -> Side | None:
        """The side a definition names (the rhs for `=:`), None for a claim."""
        if not self.definition:
            return None
        return self.rhs if self.relation == "=:" else self.lhs

    @property
    def value_side(self) -> Side | None:
        """The side a definition gives the value of, None for a claim."""
        if not self.definition:
            return None
        return self.lhs if self.relation == "=:" else self.rhs


@dataclass(frozen=True)
class Definition:
    """A name the student defines (`name := value`), visible in its section and those under it; one
    stated in words ("where $A_i^T$ denotes the i-th row of $A$", audit/prose.py) has no equation
    (-1). One that explains the display before it ("where $p_i = ...$") or stated in words is
    visible from offset `visible_from` on (-1: after its own equation)."""

    name: Side
    value: Side
    relation: str
    cue: str
    equation: int  # index in Document.equations; -1 for a definition in prose
    link: int  # index in that equation's links
    section: tuple[str, ...]
    visible_from: int = -1  # the document offset from which it holds (-1: after its equation)

    @property
    def in_prose(self) -> bool:
        return self.equation < 0


@dataclass(frozen=True)
class Equation:
    """One statement of a math block: a chain of links, or an unreadable statement with its reason."""

    index: int
    block: int  # index in Document.blocks
    source: str  # the exact text of the statement in the document
    start: int
    end: int
    line: int
    column: int
    section: tuple[str, ...]
    links: tuple[Link, ...] = ()
    chain: int = -1  # index of the first equation of its chain (its own index unless it continues one)
    connective: str | None = None  # "\\Rightarrow", "\\iff", "\\equiv", "\\text{hence}" ... before it
    conditions: tuple[Side, ...] = ()  # "\\forall i", "\\text{if } x > 0" written after it
    tag: str | None = None  # "\\tag{1}", "\\quad (1)" or a Markdown "$$ ... $$ (1)" label
    label: str | None = None  # "\\label{...}"
    display: bool = True
    not_read: str | None = None  # why it cannot be split into links
    explains: int = -1  # "$$...$$ where $p_i = ...$": the chain (its first equation) of the display explained

    @property
    def definition(self) -> bool:
        """The statement defines a name (its first link does)."""
        return bool(self.links) and self.links[0].definition

    @property
    def continues(self) -> bool:
        """The statement starts with a relation and continues an earlier equation's chain."""
        return self.chain != self.index


@dataclass(frozen=True)
class MathBlock:
    """One piece of math as delimited in the document (`$...$`, `$$...$$`, an environment)."""

    index: int
    kind: str  # "$", "$$", "\\[", "\\(", or an environment name ("align*", "equation")
    display: bool
    source: str  # the whole block, with its delimiters
    start: int
    end: int
    line: int
    column: int
    section: tuple[str, ...]
    equations: tuple[int, ...] = ()
    not_read: str | None = None

    @property
    def status(self) -> str:
        """'read' (it holds equations), 'no relation' (an expression only) or 'not read: <why>'."""
        if self.not_read is not None:
            return f"not read: {self.not_read}"
        return "read" if self.equations else "no relation"


@dataclass(frozen=True)
class Section:
    """A heading (Markdown `#`, LaTeX `\\section`) and the path of titles down to it."""

    title: str
    level: int
    path: tuple[str, ...]
    start: int
    line: int


@dataclass(frozen=True)
class Document:
    """A solution document as read: its sections, math blocks, equations and definitions."""

    text: str  # the document with line ends made '\n' (offsets refer to it; lines and columns are the file's)
    fmt: str
    sections: tuple[Section, ...]
    blocks: tuple[MathBlock, ...]
    equations: tuple[Equation, ...]
    definitions: tuple[Definition, ...]

    def links(self) -> list[tuple[Equation, Link]]:
        """Every link of every readable equation, in document order."""
        return [(equation, link) for equation in self.equations for link in equation.links]

    def claims(self) -> list[tuple[Equation, Link]]:
        """The links that are claims (not definitions), in document order."""
        return [(equation, link) for equation, link in self.links() if not link.definition]

    def not_read(self) -> list[Equation]:
        """The equations that could not be split, each with its reason."""
        return [equation for equation in self.equations if equation.not_read is not None]

    def chain(self, equation: Equation) -> list[Equation]:
        """The equations of `equation`'s chain, in order."""
        return [other for other in self.equations if other.chain == equation.chain]

    def definitions_visible(self, equation: Equation) -> list[Definition]:
        """The definitions made before `equation` in its section or a section above it."""
        path = equation.section
        return [
            definition
            for definition in self.definitions
            if path[: len(definition.section)] == definition.section
            and ((definition.visible_from <= equation.start) if definition.visible_from >= 0
                 else self.equations[definition.equation].start < equation.start)
        ]

    def notation_in_prose(self, equation: Equation) -> dict[str, str]:
        """The names the document defines in words (audit/prose.py) visible at `equation`: name -> value,
        each from its top-level section's point where it holds on."""
        return {definition.name.latex: definition.value.latex for definition in self.definitions
                if definition.in_prose and equation.section[:1] == definition.section[:1]
                and definition.visible_from <= equation.start}

    def summary(self) -> dict[str, int]:
        """Counts: blocks, blocks with no relation, equations, links, claims, definitions, not read."""
        return {
            "blocks": len(self.blocks),
            "no_relation": sum(1 for block in self.blocks if block.status == "no relation"),
            "equations": len(self.equations),
            "links": sum(len(equation.links) for equation in self.equations),
            "claims": len(self.claims()),
            "definitions": len(self.definitions),
            "not_read": len(self.not_read()),
        }
