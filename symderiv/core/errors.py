"""Error types: every user-facing failure is one of these, never a bare exception."""

from __future__ import annotations


class SymderivError(Exception):
    """Base class of every error symderiv reports to a user (exit status 2)."""


class ProblemFileError(SymderivError):
    """A problem file is malformed: names the file, the field and the reason."""

    def __init__(self, path: str, field: str, reason: str) -> None:
        self.path, self.field, self.reason = str(path), field, reason
        super().__init__(f"{self.path}: {field}: {reason}")

    def __reduce__(self):
        return (self.__class__, (self.path, self.field, self.reason))


class NotationError(SymderivError):
    """A formula cannot be read or bound; `position` is a 0-based character offset."""

    def __init__(self, text: str, message: str, position: int | None = None) -> None:
        self.text, self.message, self.position = text, message, position
        super().__init__(self.render())

    def __reduce__(self):  # picklable with its fields (bounded computations send errors back)
        return (self.__class__, (self.text, self.message, self.position))

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


class FormulaSyntaxError(NotationError):
    """The text of a formula cannot be parsed at all (not a question of meaning): bad input,
    reported as a verdict `error` with the caret, never `undecided`."""


class LimitError(NotationError):
    """A formula or number past the limits that keep reading and judging bounded (length,
    nesting, exponent and digit counts, sizes of computed powers) or with an undefined value
    (division by zero, log 0): bad input, reported as an error, never a verdict."""


class InputTypeError(SymderivError, TypeError):
    """An argument of the Python API of the wrong type (a claim's latex that is not text)."""


class EnvironmentSettingError(SymderivError):
    """An environment variable of symderiv (SYMDERIV_TIME_LIMIT, ...) has a value that cannot be used."""


class ResourceLimitError(SymderivError):
    """A computation ran past its memory bound (SYMDERIV_MEMORY_LIMIT), or its worker was killed."""


class OutputError(SymderivError):
    """An output file (--latex, --pdf, --markdown) cannot be written: names the path and why."""


class InternalError(Exception):
    """An unexpected exception (a bug in symderiv, never bad input): `summary` is its type and
    message on one line, `report` its traceback as text. Not a SymderivError: exit status 3."""

    def __init__(self, summary: str, report: str = "") -> None:
        self.summary, self.report = summary, report
        super().__init__(summary)

    def __reduce__(self):
        return (self.__class__, (self.summary, self.report))
