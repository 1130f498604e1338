"""What a document reader yields, in document order: headings, prose and math blocks with their offsets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    start: int


@dataclass(frozen=True)
class Prose:
    """Text between math blocks (for definition cues); `reset` marks a boundary no cue crosses."""

    text: str
    reset: bool = False


@dataclass(frozen=True)
class RawMath:
    """A math block: `content` is what is tokenized; `offsets[i]` is the document offset of
    content[i] (None when content is the document's text from `content_start` on)."""

    kind: str
    display: bool
    start: int
    end: int
    content: str
    content_start: int
    offsets: tuple[int, ...] | None = None
    not_read: str | None = None
    tag: str | None = None

    def offset(self, index: int) -> int:
        """The document offset of content[index] (index may be len(content): one past the end)."""
        if self.offsets is None:
            return self.content_start + index
        if index < len(self.offsets):
            return self.offsets[index]
        return (self.offsets[-1] + 1) if self.offsets else self.content_start

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Document offsets of content[start:end]."""
        if end <= start:
            return self.offset(start), self.offset(start)
        return self.offset(start), self.offset(end - 1) + 1


def align(fragment: str, text: str, start: int, end: int) -> list[int] | None:
    """Document offsets of each character of `fragment`, found in order in text[start:end]: a
    Markdown parser hands over text with line prefixes (indentation, '>') removed and tabs made
    spaces; every other character is matched to the same character. None when it is not there."""
    offsets: list[int] = []
    position = start
    last_space = start
    for character in fragment:
        if character.isspace():
            if position < end and text[position].isspace():
                last_space = position
                offsets.append(position)
                position += 1
            else:
                offsets.append(last_space)
            continue
        found = text.find(character, position, end)
        if found < 0:
            return None
        offsets.append(found)
        position = found + 1
    return offsets
