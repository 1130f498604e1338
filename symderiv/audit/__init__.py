"""Audit a whole solution document: its equations extracted with their positions (judging comes later)."""

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

__all__ = [
    "FORMATS",
    "Definition",
    "Document",
    "DocumentError",
    "DocumentLimitError",
    "Equation",
    "Link",
    "MathBlock",
    "Section",
    "Side",
    "extract",
]
