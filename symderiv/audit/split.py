"""One math block split into statements (chains of top-level relations), sides cleaned of prose."""

from __future__ import annotations

from dataclasses import dataclass, field

from .limits import MAX_LINKS, MAX_MATH_CHARS
from .tokens import BINARY_OPERATORS, Item, Unreadable, items_of, tokenize

# first words of `\text{...}` inside math that make it prose, by what the prose does
CONDITION_WORDS = {"if", "for", "when", "whenever", "otherwise", "unless", "provided", "s.t.", "st", "such",
                   "all", "each", "every", "any", "on", "in", "at", "as"}
DEFINING_WORDS = {"where", "with", "let", "define", "defining", "denote", "denoting"}
LINKING_WORDS = {"and", "or", "so", "hence", "thus", "then", "therefore", "since", "because", "i.e.", "ie",
                 "i.e", "e.g.", "by", "using", "from", "which", "is", "are", "gives", "yields", "implies",
                 "note", "we", "get", "have", "thats", "that", "(", "[", "="}


@dataclass
class RawSide:
    """A side within a block's content: offsets of its kept items and its cleaned LaTeX."""

    start: int
    end: int
    latex: str
    reference: str | None = None


@dataclass
class RawRelation:
    relation: str
    start: int
    end: int


@dataclass
class RawStatement:
    """A statement of a block, in content offsets; `continues` when it starts with a relation."""

    sides: list[RawSide] = field(default_factory=list)
    relations: list[RawRelation] = field(default_factory=list)
    conditions: list[RawSide] = field(default_factory=list)
    connective: str | None = None
    cue: str | None = None  # "\\text{where}" when prose inside the math makes its first link a definition
    tag: str | None = None
    label: str | None = None
    continues: bool = False
    not_read: str | None = None
    start: int = 0
    end: int = 0


def _prose_kind(item: Item) -> str | None:
    """'condition', 'defining' or 'linking' for a `\\text{...}` of prose; None for a name like
    `\\text{Input size}`."""
    if item.first.endswith("intertext"):
        return "linking"
    words = item.value.strip().lower().split()
    if not words:
        return "linking"
    first = words[0].strip(",;:")
    if first in CONDITION_WORDS:
        return "condition"
    if first in DEFINING_WORDS:
        return "defining"
    if first in LINKING_WORDS or item.value.strip()[:1] in "([,;.":
        return "linking"
    return None


def _reference(content: str, kept: list[Item]) -> str | None:
    """The label of a side that is only an equation number: '(1)', '(2.3)', '(\\alpha)', '(*)'."""
    if len(kept) < 3 or content[kept[0].start : kept[0].end] != "(" or content[kept[-1].start : kept[-1].end] != ")":
        return None
    inner = content[kept[0].end : kept[-1].start].strip()
    plain = inner.replace(".", "").replace("*", "")
    if (plain.isdigit() or inner in ("*", r"\star", r"\ast", r"\dagger") or
            (inner.startswith("\\") and inner[1:].isalpha() and len(inner) <= 9) or
            (inner.isalpha() and inner.lower() in ("i", "ii", "iii", "iv", "v", "vi", "vii"))):
        return inner
    return None


def _side(content: str, items: list[Item], keep_prose: bool = False) -> RawSide | None:
    """The cleaned side made of `items` (None when nothing is left): alignment, spacing, tags and
    trailing punctuation removed, gaps made one space; a condition (`keep_prose`) keeps its prose
    and relations."""
    kept = [item for item in items if item.kind in ("atom", "punct", "comma") or
            (keep_prose and item.kind == "rel") or (item.kind == "text" and (keep_prose or _prose_kind(item) is None))]
    while kept and kept[-1].kind in ("punct", "comma"):
        kept.pop()
    while kept and kept[0].kind in ("punct", "comma"):
        kept.pop(0)
    if not kept:
        return None
    parts: list[str] = []
    previous = kept[0].start
    for item in kept:
        if item.start > previous and parts:
            parts.append(" ")
        parts.append(content[item.start : item.end])
        previous = item.end
    latex = " ".join("".join(parts).split())
    return RawSide(kept[0].start, kept[-1].end, latex, _reference(content, kept))


def _has_relation(items: list[Item]) -> bool:
    return any(item.kind == "rel" for item in items)


def _first(items: list[Item]) -> Item | None:
    return next((item for item in items if item.kind not in ("align", "space", "tag", "label")), None)


def _segments(line: list[Item]) -> list[tuple[str | None, list[Item]]]:
    """A line cut at hard separators (connectives, `\\quad`, `;`, prose), each segment with the
    separator before it ('quad', '\\Rightarrow', 'text:condition' ...); commas cut only between two
    parts that both hold a relation (`i \\in [1, n], j \\in [1, d]`, not `i = 1, \\dots, n`)."""
    segments: list[tuple[str | None, list[Item]]] = []
    separator: str | None = None
    current: list[Item] = []
    for item in line:
        prose = _prose_kind(item) if item.kind == "text" else None
        if item.kind in ("sep", "quad") or prose is not None:
            if current:
                segments.append((separator, current))
                separator, current = None, []
            mark = (item.value if item.kind == "sep" else "quad" if item.kind == "quad" else
                    f"text:{prose}" if prose != "linking" else f"\\text{{{item.value.strip()}}}")
            if separator is None or separator == "quad":
                separator = mark
            if prose == "condition":
                current = [item]
            continue
        current.append(item)
    if current:
        segments.append((separator, current))
    cut: list[tuple[str | None, list[Item]]] = []
    for separator, items in segments:
        parts: list[list[Item]] = [[]]
        for item in items:
            if item.kind == "comma":
                parts.append([item])
            else:
                parts[-1].append(item)
        merged = [parts[0]]
        for part in parts[1:]:
            if _has_relation(merged[-1]) and _has_relation(part):
                merged.append(part[1:])
            else:
                merged[-1].extend(part)
        cut.append((separator, merged[0]))
        cut.extend((",", part) for part in merged[1:])
    return cut


class _Builder:
    """Collects statements line by line: continuation across `\\\\`, conditions, tags."""

    def __init__(self, content: str) -> None:
        self.content = content
        self.statements: list[tuple[RawStatement, list[Item]]] = []
        self.open: tuple[RawStatement, list[Item]] | None = None
        self.pending_tags: list[Item] = []

    def start(self, items: list[Item], connective: str | None = None, cue: str | None = None) -> None:
        statement = RawStatement(connective=connective, cue=cue)
        self.open = (statement, list(self.pending_tags) + items)
        self.pending_tags = []
        self.statements.append(self.open)

    def extend(self, items: list[Item]) -> None:
        self.open[1].extend(items)

    def condition(self, items: list[Item]) -> None:
        side = _side(self.content, items, keep_prose=True)
        if side is not None and self.open is not None:
            self.open[0].conditions.append(side)

    def ends_with_relation(self) -> bool:
        if self.open is None:
            return False
        last = next((item for item in reversed(self.open[1]) if item.kind not in ("align", "space")), None)
        return last is not None and last.kind == "rel"

    def line(self, line: list[Item]) -> None:
        """Add one line (items between `\\\\`) to the statements."""
        contributed = False
        for position, (separator, items) in enumerate(_segments(line)):
            first = _first(items)
            tags = [item for item in items if item.kind in ("tag", "label")]
            if first is None:
                if tags:
                    (self.open[1] if self.open else self.pending_tags).extend(tags)
                continue
            relation = _has_relation(items)
            opens_with_relation = first.kind == "rel"
            operator = first.kind == "atom" and first.first in BINARY_OPERATORS and not relation
            if self.open is not None and opens_with_relation:
                rest = items[items.index(first) + 1 :]
                if first.value == r"\equiv" and _has_relation(rest):
                    self.start(rest, connective=r"\equiv")
                else:
                    self.extend(items)
                contributed = True
            elif self.open is not None and position == 0 and self.ends_with_relation():
                self.extend(items)
                contributed = True
            elif self.open is not None and operator:
                self.extend(items)
                contributed = True
            elif separator == "text:condition" or (first.kind == "atom" and first.first == "forall"):
                self.condition(items)
            elif not relation:
                side = _side(self.content, items)
                if side is not None and side.reference is not None and separator == "quad" and self.open:
                    self.open[0].tag = side.reference if self.open[0].tag is None else self.open[0].tag
                elif tags and self.open is not None:
                    self.extend(tags)
            else:
                connective = separator if separator not in (None, "quad", ",", "text:defining") else None
                self.start(items, connective=connective,
                           cue="\\text{where}" if separator == "text:defining" else None)
                contributed = True
        if not contributed and not self.ends_with_relation():
            self.open = None

    def finish(self) -> list[RawStatement]:
        return [_links(self.content, statement, items) for statement, items in self.statements]


def _links(content: str, statement: RawStatement, items: list[Item]) -> RawStatement:
    """Cut a statement's items at its relations into sides; empty sides are collapsed or reported."""
    sides: list[list[Item]] = [[]]
    relations: list[Item] = []
    for item in items:
        if item.kind == "rel":
            relations.append(item)
            sides.append([])
        elif item.kind == "tag":
            statement.tag = statement.tag or item.value
        elif item.kind == "label":
            statement.label = statement.label or item.value
        else:
            sides[-1].append(item)
    cleaned = [_side(content, side) for side in sides]
    kept_sides: list[RawSide | None] = [cleaned[0]]
    kept_relations: list[Item] = []
    for relation, side in zip(relations, cleaned[1:], strict=True):
        if kept_relations and kept_sides[-1] is None:
            if kept_relations[-1].value == relation.value:  # "a = \\ &= b": one relation split over a line break
                kept_sides[-1] = side
                continue
            statement.not_read = (f"nothing between '{content[kept_relations[-1].start:kept_relations[-1].end]}' "
                                  f"and '{content[relation.start:relation.end]}'")
        kept_relations.append(relation)
        kept_sides.append(side)
    spans = [item for item in items if item.kind in ("atom", "rel", "text", "punct", "comma")]
    statement.start = spans[0].start if spans else 0
    statement.end = spans[-1].end if spans else 0
    statement.relations = [RawRelation(item.value, item.start, item.end) for item in kept_relations]
    if len(kept_relations) > MAX_LINKS:
        statement.not_read = f"a chain of {len(kept_relations)} relations (more than {MAX_LINKS})"
    if kept_sides[0] is None:
        statement.continues = True
    if kept_sides[-1] is None and statement.not_read is None:
        last = kept_relations[-1]
        statement.not_read = f"nothing after '{content[last.start:last.end]}'"
    for side in kept_sides[1:-1]:
        if side is None and statement.not_read is None:
            statement.not_read = "an empty side between two relations"
    statement.sides = [side or RawSide(statement.start, statement.start, "") for side in kept_sides]
    return statement


def split_math(content: str, kind: str = "$") -> list[RawStatement]:
    """The statements of one math block's content (offsets relative to `content`): every top-level
    relation cuts a side; `\\\\` ends a line, and a line that starts with a relation (`&= ...`) or
    an operator, or follows a line ending in one, continues the statement before it."""
    if len(content) > MAX_MATH_CHARS:
        raise Unreadable(f"{len(content):,} characters of math in one block (more than {MAX_MATH_CHARS:,})")
    items = items_of(content, tokenize(content))
    lines: list[list[Item]] = [[]]
    one_line = kind.startswith("multline")
    for item in items:
        if item.kind == "break" and not one_line:
            lines.append([])
        elif item.kind != "break":
            lines[-1].append(item)
    builder = _Builder(content)
    for line in lines:
        builder.line(line)
    if builder.pending_tags and builder.statements:
        builder.statements[-1][1].extend(builder.pending_tags)
    return [statement for statement in builder.finish() if statement.relations or statement.not_read]
