"""Error types: every user-facing failure is one of these, never a bare exception."""

from __future__ import annotations


class SymderivError(Exception):
    """Base class of every error symderiv reports to a user (exit status 2)."""


class ProblemFileError(SymderivError):
    """A problem file is malformed: names the file, the field and the reason."""

    def __init__(self, path: str, field: str, reason: str) -> None:
        self.path, self.field, self.reason = str(path), field, reason
        super().__init__(f"{self.path}: {field}: {reason}")


class NotationError(SymderivError):
    """A formula cannot be read or bound; `position` is a 0-based character offset."""

    def __init__(self, text: str, message: str, position: int | None = None) -> None:
        self.text, self.message, self.position = text, message, position
        super().__init__(self.render())

    def render(self) -> str:
        """The message, with the input and a caret under the offending character."""
        if self.position is None:
            return self.message
        line = self.text.replace("\n", " ")
        return f"{self.message}\n  {line}\n  {' ' * self.position}^"


class ShapeError(SymderivError):
    """Shapes of operands do not fit (in a model, a claim or a CNN layer list)."""


class Timeout(SymderivError):
    """A bounded computation (simplification, a proof) ran past its time limit."""
