"""The binder's core: a table of node handlers, the values they return, and how free index letters are found.

A formula is evaluated node by node: `Binder.value` looks up the handler registered for the
node's kind in `HANDLERS` and calls it as `handler(binder, node, env, canonical)`, where `env`
maps index letters to their values and `canonical` says the node is a canonical formula (over
the scope's own names) rather than the student's.  The passes register their handlers when
imported (symderiv.notation imports them all, through notation/bind.py):

    names.py      names through the [notation] table to the scope's quantities; scripts, primes
    indices.py    index letters, entries, ranges, sums, comprehensions, cases
    algebra.py    sums, products, transposes, powers, Hadamard products, lists and matrices
    calculus.py   derivatives, Jacobians, the chain rule, gradients and functions of an argument
    functions.py  juxtaposition: products and function application; the built-in functions

To add a node kind: define its node in ast.py (the grammar's owner does), then in the pass it
belongs to write ``@handles(A.NewKind) def _new_kind(b, node, env, canonical) -> Value`` (one
registration per kind: registering a kind twice is an error).  To add a built-in function see
functions.py (`FUNCTIONS` for element-wise ones, `@applies(...)` for operators).

Free index letters.  A letter with no value is information, not an error, while the judge
looks for the free letters of a formula and their ranges: `Binder.probe` evaluates a side
with every letter known so far at 1 and every letter still pending as a `Probe` (value 1, it
records the size of the first axis it indexes) and returns a `Probing` (the ranges found and
the first letter met that has no value).  Inside the passes the same question -- which letter
has no value here -- is asked by `Binder.attempt`: it evaluates, and the first letter met
without a value (or, for a local probe, its range found) ends what the attempt can show; from
there every value is idle (0) and whatever is raised is dropped, exactly as if the evaluation
had stopped there.  Outside any attempt such a letter is an error (`UnboundIndex`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sympy as sp

from ..core.errors import NotationError, ResourceLimitError, Timeout
from ..core.limits import FORMULA_MAX_UNFOLDING as MAX_UNFOLDING
from ..core.limits import FORMULA_MAX_WORK as MAX_WORK
from . import ast as A
from .table import BoundMacro, NotationTable, StudentMacro

Value = Any  # sp.Expr (scalar) | sp.ImmutableMatrix | Fn | Op | Stack | StudentFn
Handler = Callable[["Binder", Any, dict[str, int], bool], Value]
F = TypeVar("F", bound=Callable[..., Any])

IDLE = sp.S.Zero  # every value once an attempt has stopped (never used: see Binder.attempt)
PASS_THROUGH = (Timeout, ResourceLimitError, MemoryError)  # never dropped by an attempt

#: The handler of each node kind (see the module docstring).
HANDLERS: dict[type, Handler] = {}


def registrar(table: dict[Any, F]) -> Callable[..., Callable[[F], F]]:
    """The decorator that registers a function in `table` under each key it is given (one
    function per key: a second registration of a key is an error)."""

    def keys(*names: Any) -> Callable[[F], F]:
        def register(fn: F) -> F:
            for name in names:
                if name in table:
                    shown = getattr(name, "__name__", name)
                    raise ValueError(f"{shown} is registered already, to {getattr(table[name], '__name__', '?')}")
                table[name] = fn
            return fn

        return register

    return keys


#: ``@handles(A.Kind, ...)``: the decorated function is the handler of these node kinds.
handles = registrar(HANDLERS)


@dataclass(frozen=True)
class Op:
    """An operator waiting for its operand: a derivative \\frac{\\partial}{\\partial x}, D, \\nabla, diag, ..."""

    kind: str
    node: A.Node | None = None


@dataclass(frozen=True)
class Stack:
    """[A_1, ..., A_n] with equally shaped matrices A_k: a vector of matrices (three indices),
    as written in T = [T(x_1), ..., T(x_4)]^T. Under block-matrix rules such a product does
    not fit, so the one reading that does is taken: ^T turns the row into a column (the
    blocks are not transposed), and a row of n numbers times it is the sum c_1 A_1 + ... +
    c_n A_n."""

    items: tuple[sp.ImmutableMatrix, ...]
    column: bool = False


@dataclass(frozen=True)
class Choice:
    """A notation with several readings met in a formula: its text, the readings (the default
    first), and whether every reading must be tried (none is the default meaning)."""

    text: str
    options: tuple
    exhaustive: bool = False


class FormulaShapeError(NotationError):
    """Operands whose shapes do not fit: the formula is wrong, not unreadable."""


class IndexRangeError(FormulaShapeError):
    """An entry that does not exist: index `index` on an axis of `size` entries (v_0, A_{3,1} of a 2x2 A)."""

    def __init__(self, text: str, message: str, position: int | None = None, index: int = 0, size: int = 0) -> None:
        super().__init__(text, message, position)
        self.index, self.size = index, size

    def __reduce__(self):
        return (self.__class__, (self.text, self.message, self.position, self.index, self.size))


class FormulaLimitError(NotationError):
    """A formula that cannot be evaluated: past the limits that keep judging bounded (huge
    powers, too many terms) or undefined (division by zero). Bad input, reported as an
    error, never a verdict."""


class UnboundIndex(NotationError):
    """An index letter with no value where the formula is evaluated (free, but no range was found)."""


class Split(Exception):
    """A word that is no known name, to be read letter by letter (ReLU as R e L U) where it stands
    in a juxtaposition (names.py raises it, functions.py reads the letters)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class Probe(int):
    """An index value 1 that records the size of the first axis it indexes (its range); and,
    written only inside computed indices (a_{(i-1)n+j}), the values 1..natural for which every
    one of them stays on its axis (see indices.checked)."""

    letter: str
    size: int | None
    order: int
    natural: int | None

    def __new__(cls, letter: str) -> Probe:
        obj = super().__new__(cls, 1)
        obj.letter, obj.size, obj.order, obj.natural = letter, None, 0, None
        return obj


@dataclass
class Attempt:
    """An evaluation asking which index letter has no value: its value, or the first letter met
    without one (`unbound`); with `until`, it also ends when that probe has its range."""

    until: Probe | None = None
    value: Value = None
    unbound: str | None = None
    stopped: bool = False


@dataclass(frozen=True)
class Probing:
    """What evaluating a side with its pending letters as probes shows: the ranges found
    (letter -> size, in the order found), the first letter met with no value, and the error
    the side raised before either (None: none)."""

    ranges: dict[str, int] = field(default_factory=dict)
    unbound: str | None = None
    error: NotationError | None = None


class Binder:
    """Evaluates syntax trees to explicit SymPy values in a scope, under an index environment,
    by the handlers of the passes (HANDLERS); keeps what the passes remember for one formula."""

    def __init__(self, scope, table: NotationTable, text: str = "") -> None:
        self.scope, self.table, self.text = scope, table, text
        self.work = 0
        self.depth = 0
        self.sum_terms = 1  # the terms of the sums being expanded, multiplied (indices._sum)
        self.readings: set[str] = set()  # how notation with more than one reading was read
        self.remarks: set[str] = set()  # the conventions read (notation/conventions.py), as remarks
        self.plan: dict[object, Any] = dict(table.fixed)  # a notation with several readings -> the reading taken
        self.choices: dict[object, Choice] = {}  # the notations with several readings met
        self.ranges: dict[str, int] = {}  # the free index letters' ranges (an argument of top)
        self.locals: dict[str, Value] = {}  # formal parameters of a student's function
        self.derived: dict[object, Value] = {}  # \\nabla F(v), J_F(v) by what they depend on
        self.samples: dict[tuple[str, int | None], sp.ImmutableMatrix] = {}  # x_k, y, ... (per sample)
        self.vecs: dict[sp.ImmutableMatrix, sp.ImmutableMatrix] = {}  # vec(W) of the matrices met
        self.slices: dict[int, tuple[A.Juxt, list[A.Node]]] = {}  # a juxtaposition's items, macros read
        self.variables: dict[int, tuple[A.Node, list]] = {}  # the model quantity a name stands for
        self._attempts: list[Attempt] = []  # the attempts under way, innermost last
        self._stopped = 0  # how many of them have stopped: while any has, every value is idle
        self._found = 0  # ranges found so far (their order)

    # ------------------------------------------------------------------ errors
    def error(self, message: str, node: A.Node | None) -> NotationError:
        pos = node.pos if node is not None and self.text and node.pos < len(self.text) + 1 else None
        return NotationError(self.text, message, pos)

    def limit_error(self, message: str, node: A.Node | None) -> FormulaLimitError:
        pos = node.pos if node is not None and self.text and node.pos <= len(self.text) else None
        return FormulaLimitError(self.text, message, pos)

    def shape_error(self, message: str, node: A.Node | None) -> FormulaShapeError:
        pos = node.pos if node is not None and self.text and node.pos <= len(self.text) else None
        return FormulaShapeError(self.text, message, pos)

    @contextmanager
    def unfolding(self, what: str, node: A.Node) -> Iterator[None]:
        """One level of a definition unfolded (a name, an index, a function): a definition
        that reaches itself 40 levels down is an error, not a RecursionError."""
        self.depth += 1
        try:
            if self.depth > MAX_UNFOLDING:
                raise self.error(f"{what} defined in terms of itself", node)
            yield
        finally:
            self.depth -= 1

    def read(self, reading: str) -> None:
        """Record how notation with more than one reading was read (stated in the verdict)."""
        if not self._stopped:
            self.readings.add(reading)

    def choose(self, key: object, text: str, options: tuple, exhaustive: bool = False) -> Any:
        """The reading taken of a notation with several (`options`, the default first): the plan's,
        else the default; recorded, so the judge can try the others (readings.py). `exhaustive`: no
        reading is the default meaning (an unsized \\mathbf{I}): the judge tries every one."""
        if not self._stopped and key not in self.choices:
            self.choices[key] = Choice(text, options, exhaustive)
        return self.plan.get(key, options[0])

    def remark(self, text: str) -> None:
        """Record that a convention of course notation was read (a remark of the verdict)."""
        if not self._stopped:
            self.remarks.add(text)

    # ------------------------------------------------------------------ evaluation
    def top(self, node: A.Node, env: dict[str, int], canonical: bool = False,
            ranges: dict[str, int] | None = None) -> Value:
        """`value` for a whole formula side (`ranges`: its free letters' ranges, to tell a wrong
        index at a reduced size): a word that is no known name is an error."""
        self.ranges = dict(ranges or {})
        try:
            return self.value(node, env, canonical)
        except Split as split:
            raise self.error(f"unknown name {split.text!r}", node) from None

    def value(self, node: A.Node, env: dict[str, int], canonical: bool = False, spread: bool = True) -> Value:
        """The value of `node` under the index values `env`: a name of the student's table
        (a macro) unfolded, any other node by the handler of its kind. A word that is no known
        name (Ax, with A and x declared) is its letters side by side, as TeX sets them: with
        `spread` read here, else raised as `Split` for the juxtaposition holding it to spread."""
        if self._stopped:
            return IDLE
        self.work += 1
        if self.work > MAX_WORK:
            raise self.limit_error("the formula expands to too many terms", node)
        if not canonical:
            macro = self.table.macros.get(node.key())
            if macro is None and self.table.patterns:
                found = self.table.match(node)
                if found is not None:
                    macro = BoundMacro(node.pos, found[0], tuple(found[1].items()))
            if macro is not None:
                with self.unfolding("a name", node):
                    if isinstance(macro, StudentMacro):
                        return self.value(macro.body, env)
                    if isinstance(macro, BoundMacro):
                        return HANDLERS[BoundMacro](self, macro, env, canonical)
                    return self.value(macro, env, canonical=True)
        handler = HANDLERS.get(type(node))
        if handler is None:
            raise self.error(f"{type(node).__name__} cannot be evaluated here", node)
        if not spread or not isinstance(node, A.Name | A.Sub | A.Sup | A.Prime | A.Styled):
            return handler(self, node, env, canonical)
        try:
            return handler(self, node, env, canonical)
        except Split as split:
            if A.letters_of(node) != split.text:
                raise
            return self.value(A.Juxt(node.pos, tuple(A.spread_letters(node))), env, canonical)

    # ------------------------------------------------------------------ free index letters
    @property
    def idle(self) -> bool:
        """Whether an attempt under way has stopped (every value is idle until it returns)."""
        return self._stopped > 0

    def attempt(self, compute: Callable[[], Value], until: Probe | None = None) -> Attempt:
        """compute(), noting the first index letter met that has no value (the attempt's
        `unbound`), or with `until` also that probe's range found: either ends what the attempt
        shows, so from there every value is idle and an error raised is dropped (never a time
        or memory bound).  An error raised before is raised."""
        att = Attempt(until)
        self._attempts.append(att)
        try:
            att.value = compute()
        except PASS_THROUGH:
            raise
        except Exception:
            if not att.stopped:
                raise
        finally:
            self._attempts.pop()
            if att.stopped:
                self._stopped -= 1
        return att

    def _stop(self, att: Attempt) -> None:
        if not att.stopped:
            att.stopped = True
            self._stopped += 1

    def no_value(self, letter: str) -> None:
        """Index `letter` has no value here: outside an attempt an error, inside one what
        stops the innermost (its owner decides what the letter is: see attempt)."""
        if self._stopped:
            return
        if not self._attempts:
            raise UnboundIndex(self.text, f"index {letter} has no value or range")
        att = self._attempts[-1]
        att.unbound = letter
        self._stop(att)

    def found(self, probe: Probe, size: int) -> None:
        """`probe` indexes an axis of `size` entries: its range, when it is the first."""
        if self._stopped or probe.size is not None:
            return
        self._found += 1
        probe.size, probe.order = size, self._found
        for att in self._attempts:
            if att.until is probe:
                self._stop(att)

    def probe(self, node: A.Node, known: dict[str, int], pending: Iterable[str],
              canonical: bool = False) -> Probing:
        """A side evaluated with the letters `known` at 1 and those `pending` as probes: the
        ranges of pending letters found, the first letter met with no value, or its error."""
        probes = [Probe(letter) for letter in sorted(pending)]
        env = {**known, **{p.letter: p for p in probes}}
        error = None
        try:
            att = self.attempt(lambda: self.top(node, env, canonical))
        except NotationError as exc:
            att, error = Attempt(), exc
        ranges = {p.letter: p.size for p in sorted(probes, key=lambda p: p.order) if p.size is not None}
        return Probing(ranges, att.unbound, error)
