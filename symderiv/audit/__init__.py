"""Audit a whole solution document: its equations extracted with their positions, each link judged."""

from __future__ import annotations

from .document import (
    Definition,
    Document,
    DocumentError,
    DocumentLimitError,
    Equation,
    Link,
    MathBlock,
    Section,
    Side,
)
from .extract import FORMATS, extract
from .judge import VERDICTS, Audit, Entry, audit, guess_format

__all__ = [
    "FORMATS",
    "VERDICTS",
    "Audit",
    "Definition",
    "Document",
    "DocumentError",
    "DocumentLimitError",
    "Entry",
    "Equation",
    "Link",
    "MathBlock",
    "Section",
    "Side",
    "audit",
    "extract",
    "guess_format",
]
