"""Problem files: TOML documents, validated field by field, dispatched on their `kind`."""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import sympy as sp

from ..core.errors import InputTypeError, InternalError, ProblemFileError, SymderivError, Timeout
from ..core.exact import NumberTooLarge, to_number
from ..core.limits import FREE_MAX_ENTRIES, MATRIX_MAX_ENTRIES
from ..core.timebound import run_bounded
from ..core.verdict import Verdict
from ..notation.conventions import Conventions
from ..notation.parse import check_braces, check_input

OptionSpec = type | tuple[str, ...]  # a claim option's TOML type, or its allowed texts

FLOAT_MAX = sp.Rational(int(sys.float_info.max))
FLOAT_MAX_TEXT = "1.8e308"


class Fields:
    """A table of a problem file that knows where it is, for error messages.

    Every accessor raises ProblemFileError naming the file and the dotted field path.
    """

    def __init__(self, data: dict[str, Any], path: str, where: str = "") -> None:
        self.data, self.path, self.where = data, path, where

    def _name(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.where}[{key}]"
        return f"{self.where}.{key}" if self.where else key

    def error(self, key: str | int, reason: str) -> ProblemFileError:
        """A ProblemFileError for field `key` of this table."""
        return ProblemFileError(self.path, self._name(key), reason)

    def has(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        """The value of `key`, which must be of `kind`; missing is an error without default."""
        if key not in self.data:
            if default is ...:
                raise self.error(key, "missing field")
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _tuple(kind)):
            raise self.error(key, f"expected {_kind_name(kind)}, got {_describe(value)}")
        return value

    def text(self, key: str, default: Any = ...) -> str:
        return self.get(key, str, default)

    def integer(self, key: str, default: Any = ..., minimum: int | None = None) -> int:
        value = self.get(key, int, default)
        if minimum is not None and isinstance(value, int) and value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value}")
        return value

    def choice(self, key: str, options: Iterator[str] | list[str], default: Any = ...) -> str:
        options = list(options)
        value = self.text(key, default)
        if value not in options:
            raise self.error(key, f"unknown value {value!r}; known: {', '.join(options)}")
        return value

    def table(self, key: str, default: Any = ...) -> Fields:
        value = self.get(key, dict, {} if default is not ... else ...)
        return Fields(value, self.path, self._name(key))

    def tables(self, key: str, default: Any = ...) -> list[Fields]:
        items = self.get(key, list, default)
        out = []
        for i, item in enumerate(items or []):
            where = f"{self._name(key)}[{i}]"
            if not isinstance(item, dict):
                raise ProblemFileError(self.path, where, f"expected a table, got {_describe(item)}")
            out.append(Fields(item, self.path, where))
        return out

    def number(self, key: str, default: Any = ...) -> sp.Rational:
        """An exact rational: TOML decimals are read from their text, never via float."""
        value = self.get(key, (int, str), default)
        if value is default and default is not ...:
            return value
        try:
            number = to_number(value)
        except NumberTooLarge as exc:
            raise self.error(key, exc.message) from None
        except ValueError:
            raise self.error(key, f"expected a number, got {_describe(value)}") from None
        self._check_float(key, [number])
        return number

    def matrix(self, key: str, shape: tuple[int, int] | None = None, default: Any = ...,
               max_entries: int | None = None, why: str = "") -> sp.Matrix:
        """A matrix given as a list of rows (or a flat list = one column, or a number = 1x1).

        Its entries are counted as written before any is converted: more than
        MATRIX_MAX_ENTRIES, than `max_entries` (`why` says why) or than `shape` holds is an error.
        """
        value = self.get(key, (list, int, str), default)
        if value is default and default is not ...:
            return value
        rows = _as_rows(value)
        if rows is None:
            raise self.error(key, "expected a number, a list of numbers or a list of rows")
        written = sum(len(r) for r in rows)
        if written > MATRIX_MAX_ENTRIES:
            raise self.error(key, f"{written} entries (at most {MATRIX_MAX_ENTRIES} in one matrix)")
        if shape is not None and written > shape[0] * shape[1]:
            raise self.error(key, f"{written} entries, more than a {shape[0]}x{shape[1]} matrix holds")
        if max_entries is not None and written > max_entries:
            raise self.error(key, f"{written} entries, more than the {max_entries} expected{why}")
        width = len(rows[0]) if rows else 0
        if any(len(r) != width for r in rows) or width == 0:
            raise self.error(key, "rows must be non-empty and of equal length")
        try:
            m = sp.Matrix([[to_number(v) for v in r] for r in rows])
        except NumberTooLarge as exc:
            raise self.error(key, exc.message) from None
        except ValueError as exc:
            raise self.error(key, f"{exc}") from None
        self._check_float(key, list(m))
        if shape is not None and m.shape != tuple(shape):
            if m.shape == (shape[1], shape[0]) and 1 in shape:
                m = m.T  # a vector written as a row where a column is meant, or back
            else:
                raise self.error(key, f"expected shape {shape[0]}x{shape[1]}, got {m.rows}x{m.cols}")
        return m

    def _check_float(self, key: str, numbers: list[sp.Rational]) -> None:
        """Every number of a problem file is also evaluated in float64: reject what overflows it."""
        for v in numbers:
            if abs(int(v.p)) > FLOAT_MAX.p * int(v.q):  # |p/q| > max, in integers (a SymPy comparison is slow)
                raise self.error(key, f"number too large to evaluate in float64 (at most {FLOAT_MAX_TEXT} "
                                      "in magnitude)")

    def check_keys(self, allowed: set[str]) -> None:
        """Reject unknown keys, naming them (catches typos such as `activaton`)."""
        for key in self.data:
            if key not in allowed:
                raise self.error(key, f"unknown field; allowed: {', '.join(sorted(allowed))}")


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "an integer", float: "a number", list: "a list", dict: "a table",
             bool: "true/false"}
    return " or ".join(names.get(k, k.__name__) for k in _tuple(kind))


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, bool):
        return f"boolean {value}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _as_rows(value: Any) -> list[list[Any]] | None:
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return [[value]]
    if isinstance(value, list) and value and all(isinstance(r, list) for r in value):
        return value
    if isinstance(value, list) and value and all(not isinstance(r, (list, dict)) for r in value):
        return [[v] for v in value]
    return None


@dataclass
class Claim:
    """One statement of a student: `target` says what it is about, `latex` is verbatim."""

    id: str
    target: str
    latex: str
    note: str = ""
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Solution:
    """What `solve` found: `data`, JSON-ready, and `values`, the SymPy objects behind it that are
    not in the JSON (symderiv.render prints both: the terminal's text, documents, Jupyter)."""

    title: str
    data: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)


class Problem(ABC):
    """A problem file of one `kind`; subclasses register themselves with `@problem_kind`."""

    kind: ClassVar[str]
    #: The options a claim of this kind may carry besides id, target, latex and note: name -> the
    #: TOML type of its value, or the tuple of its allowed texts. Any other option is a problem-file
    #: error naming it (a typo or an option of another kind would otherwise be ignored silently).
    claim_options: ClassVar[dict[str, OptionSpec]] = {}

    def __init__(self, header: Fields, claims: list[Claim]) -> None:
        self.path = header.path
        self.title = header.text("title")
        self.source = header.text("source", "")
        self.section = header.text("section", "")
        self.claims = claims
        self.conventions = read_conventions(header)

    @classmethod
    @abstractmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> Problem:
        """Validate the kind-specific tables of `doc` and build the problem."""

    @abstractmethod
    def solve(self, elementwise: bool | None = None) -> Solution:
        """Derive the true answers (every printed result checked first). `elementwise` asks for
        (True) or leaves out (False) per-entry formulas where a kind has them (default: its own
        choice by size); kinds without such formulas ignore it."""

    @abstractmethod
    def judge(self, claim: Claim) -> Verdict:
        """The verdict on one claim."""

    def targets(self) -> list[str]:
        """Names a claim's `target` may take in this problem (for error messages)."""
        return []

    def check(self, claims: list[Claim] | None = None) -> list[Verdict]:
        """A verdict for every claim, each judged under its CPU budget (SYMDERIV_TIME_LIMIT) in this
        problem's worker process: a claim past its budget is `undecided` (time bound), one past the
        memory bound or one that cannot be read is `error`, and one that hits a bug in symderiv is
        `error` with details['internal_error'] (its traceback); no claim loses the others."""
        chosen = list(self.claims if claims is None else claims)
        for claim in chosen:
            for name in ("id", "target", "latex"):
                value = getattr(claim, name)
                if not isinstance(value, str):
                    raise InputTypeError(f"a claim's {name} must be text (str), got {type(value).__name__}")
        return [self.check_one(claim) for claim in chosen]

    def check_one(self, claim: Claim, seconds: float | None = None) -> Verdict:
        """The verdict on one claim, judged under its budget (`seconds`, default the time limit) in
        this problem's worker (see check)."""
        try:
            return run_bounded(self, _judge, claim, seconds=seconds)
        except Timeout as exc:
            return Verdict(claim.id, claim.target, claim.latex, "undecided", message=str(exc))
        except SymderivError as exc:
            return Verdict(claim.id, claim.target, claim.latex, "error", message=str(exc))
        except InternalError as exc:
            return Verdict(claim.id, claim.target, claim.latex, "error",
                           message=f"internal error (a bug in symderiv): {exc.summary}",
                           details={"internal_error": {"error": exc.summary, "traceback": exc.report}})


def _judge(problem: Problem, claim: Claim) -> Verdict:
    """One claim's verdict (a task run in the problem's worker). ^^, \\def, nan are an error in
    every kind; braces that do not balance are one even where a kind's reader skipped them."""
    check_input(claim.latex)
    verdict = problem.judge(claim)
    if verdict.verdict != "error":
        check_braces(claim.latex)  # '{{{1' is not 1
    return verdict


KINDS: dict[str, type[Problem]] = {}

# [variants] and [rubric] are read by symderiv.variants and symderiv.rubric (solve and check leave them alone);
# [conventions] by every kind (read_conventions): the readings of course notation a strict grader switches off
HEADER_KEYS = {"title", "source", "section", "kind", "claims", "description", "variants", "rubric", "conventions"}


def read_conventions(header: Fields) -> Conventions:
    """The `[conventions]` table (notation/conventions.py): each key a known convention, true or
    false; an unknown key is an error naming it."""
    table = header.table("conventions", {})
    try:
        return Conventions.from_mapping(table.data)
    except ValueError as exc:
        raise header.error("conventions", str(exc)) from None


def problem_kind(name: str) -> Callable[[type[Problem]], type[Problem]]:
    """Class decorator: register a Problem subclass for `kind = name` in problem files."""

    def register(cls: type[Problem]) -> type[Problem]:
        cls.kind = name
        KINDS[name] = cls
        return cls

    return register


CLAIM_FIELDS = {"id", "target", "latex", "note"}


def read_claims(doc: Fields, options: dict[str, OptionSpec] | None = None,
                kind: str = "") -> list[Claim]:
    """The `[[claims]]` array: id, target and latex (verbatim), optional note, and the options of
    the kind (`options`, see Problem.claim_options; None accepts any)."""
    claims, seen = [], set()
    for item in doc.tables("claims", []):
        claim = Claim(
            id=item.text("id"),
            target=item.text("target"),
            latex=item.text("latex"),
            note=item.text("note", ""),
            options={k: v for k, v in item.data.items() if k not in CLAIM_FIELDS},
        )
        if claim.id in seen:
            raise item.error("id", f"duplicate claim id {claim.id!r}")
        if options is not None:
            _check_options(item, claim.options, options, kind)
        _check_where(item)
        _check_free(item)
        seen.add(claim.id)
        claims.append(claim)
    return claims


def _check_options(item: Fields, given: dict[str, Any], options: dict[str, OptionSpec],
                   kind: str) -> None:
    """Every option of a claim is one its kind reads, with a value of the right type."""
    for key, value in given.items():
        spec = options.get(key)
        if spec is None:
            known = ", ".join(sorted(options)) or "none"
            raise item.error(key, f"unknown claim option; the options of a {kind or 'claim'} claim: {known}")
        if isinstance(spec, tuple):
            if not isinstance(value, str) or value not in spec:
                raise item.error(key, f"expected one of {', '.join(map(repr, spec))}, got {_describe(value)}")
        elif key not in ("where", "free") and (not isinstance(value, spec) or isinstance(value, bool)):
            raise item.error(key, f"expected {_kind_name(spec)}, got {_describe(value)}")


MAX_FREE_ENTRIES = FREE_MAX_ENTRIES  # entries of one claim's free variable (symderiv.limits)


def _check_where(item: Fields) -> None:
    """`where`: a table of LaTeX definitions, name as written = formula (both text)."""
    if not item.has("where"):
        return
    where = item.data["where"]
    if not isinstance(where, dict) or not all(isinstance(v, str) for v in where.values()):
        raise item.error("where", "expected a table of LaTeX definitions (text = text), e.g. "
                                  "{ 'f(\\cdot)' = 'f(W^{(1)} \\mathbf{x}_k)' }"
                                  + ("" if isinstance(where, dict) else f", got {_describe(where)}"))


def _check_free(item: Fields) -> None:
    """`free`: a table of names to a size n or a shape [rows, cols] (positive integers)."""
    if not item.has("free"):
        return
    free = item.data["free"]
    if not isinstance(free, dict):
        raise item.error("free", f"expected a table of names to sizes, e.g. {{ '\\mathbf{{x}}' = 10 }}, "
                                 f"got {_describe(free)}")
    for key, spec in free.items():
        dims = [spec] if isinstance(spec, int) else spec
        if (not isinstance(dims, list) or not 1 <= len(dims) <= 2
                or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in dims)):
            raise item.error("free", f"{key!r}: expected a size n or a shape [rows, cols] of positive "
                                     f"integers, got {_describe(spec)}")
        entries = dims[0] * (dims[1] if len(dims) == 2 else 1)
        if entries > MAX_FREE_ENTRIES:
            raise item.error("free", f"{key!r}: {entries} entries (at most {MAX_FREE_ENTRIES})")
