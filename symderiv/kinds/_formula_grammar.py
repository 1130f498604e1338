"""The grammar of the safe formula reader (kinds/_formula): tokens, the token helpers and the
recursive descent over sums, products, powers, scripts and brackets, with its size limits."""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from ..core.errors import FormulaSyntaxError, LimitError, NotationError
from ..core.exact import NumberTooLarge, parse_rational

# The limits of the notation layer, applied here too (their values: symderiv/limits.py):
# a formula is untrusted input and reading or judging it must stay bounded.
from ..core.limits import FORMULA_MAX_DEPTH as MAX_DEPTH
from ..core.limits import FORMULA_MAX_LENGTH as MAX_LENGTH
from ..core.limits import FORMULA_MAX_NESTING as MAX_NESTING
from ..core.limits import POWER_MAX_DEGREE as MAX_DEGREE
from ..core.limits import POWER_MAX_DIGITS as MAX_DIGITS
from ..core.limits import POWER_MAX_EXPONENT as MAX_EXPONENT

_TOKEN = re.compile(
    r"(?P<ws>\s+|\\[,;:! ]|~|\\quad|\\qquad)"
    r"|(?P<rowsep>\\\\)"
    r"|(?P<cmd>\\[a-zA-Z]+)"
    r"|(?P<num>\d+(?:\.\d+)?|\.\d+)"
    r"|(?P<letter>[a-zA-Z])"
    r"|(?P<char>[-+*/^_(){}\[\],=&|<>'.:;!])"
)

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "varphi", "chi",
    "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Sigma", "Phi", "Psi", "Omega",
}
FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log,
    "ln": sp.log, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh,
}
WRAPPERS = {"mathbf", "boldsymbol", "bm", "mathrm", "mathit", "vec", "mathbb", "operatorname"}
IGNORED = {"left", "right", "big", "Big", "bigg", "Bigg", "displaystyle", "limits"}
STARS = {"*", "\\star", "\\ast"}


def tokenize(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) triples; spacing commands are dropped."""
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaSyntaxError(text, f"unexpected character {text[pos]!r}", pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            value = m.group()
            if kind == "cmd" and value[1:] in IGNORED:
                pass
            else:
                out.append((kind, value, pos))
        pos = m.end()
    return out


class _Grammar(ABC):
    """Tokens and the expression grammar; the reader (kinds/_formula._Parser) gives the commands,
    names and sums their meaning."""

    def __init__(self, text: str, names: Mapping[str, Any]) -> None:
        check_size(text)
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.depth = 0
        self.scopes: list[dict[str, Any]] = [dict(names)]

    # -- token helpers -------------------------------------------------------------
    def peek(self, ahead: int = 0) -> tuple[str, str, int] | None:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else None

    def at(self, value: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok is not None and tok[1] == value

    def mul(self, a: Any, b: Any) -> Any:
        """a b: numbers, a number and a matrix, or matrices whose inner sizes agree."""
        if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase) and a.cols != b.rows:
            raise self.fail(f"cannot multiply a {a.rows}x{a.cols} and a {b.rows}x{b.cols} matrix", semantic=True)
        return _mul(a, b)

    def fail(self, message: str, semantic: bool = False) -> NotationError:
        """An error at the current token: a syntax error (FormulaSyntaxError) unless
        `semantic` (readable text this reader does not give a meaning to: an unbound name,
        an unsupported command)."""
        tok = self.peek()
        cls = NotationError if semantic else FormulaSyntaxError
        return cls(self.text, message, tok[2] if tok else len(self.text))

    def limit(self, message: str, pos: int | None = None) -> LimitError:
        if pos is None:
            tok = self.peek()
            pos = tok[2] if tok else len(self.text)
        return LimitError(self.text, message, pos)

    def inverse(self, a: Any, pos: int) -> Any:
        """1/a; dividing by a matrix is not read, by zero is undefined."""
        if isinstance(a, sp.MatrixBase):
            raise NotationError(self.text, "division by a matrix", pos)
        if a == 0:
            raise self.limit("division by zero", pos)
        return 1 / a

    def nest(self) -> _Nesting:
        return _Nesting(self)

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise self.fail(f"expected {value!r}, reached the end" if value else "unexpected end")
        if value is not None and tok[1] != value:
            raise self.fail(f"expected {value!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def lookup(self, key: str) -> Any:
        for scope in reversed(self.scopes):
            if key in scope:
                return scope[key]
        return None

    # -- grammar ---------------------------------------------------------------
    def parse(self) -> Any:
        value = self.expr()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return value

    def expr(self) -> Any:
        if self.at("+") or self.at("-"):
            sign = -1 if self.take()[1] == "-" else 1
            value = sign * self.term()
        else:
            value = self.term()
        while self.at("+") or self.at("-"):
            _, op, pos = self.take()
            value = self.add(value, self.term(), op, pos)
        return value

    def add(self, a: Any, b: Any, op: str, pos: int) -> Any:
        """a + b or a - b: numbers, or matrices of one shape (a 1x1 matrix beside a number is its entry)."""
        if isinstance(a, sp.MatrixBase) != isinstance(b, sp.MatrixBase):
            a, b = _scalar_if_1x1(a), _scalar_if_1x1(b)
        am, bm = isinstance(a, sp.MatrixBase), isinstance(b, sp.MatrixBase)
        if am != bm:
            m = a if am else b
            raise NotationError(self.text, f"a {m.rows}x{m.cols} matrix {'plus' if op == '+' else 'minus'} a number",
                                pos)
        if am and a.shape != b.shape:
            raise NotationError(self.text, f"cannot add a {a.rows}x{a.cols} and a {b.rows}x{b.cols} matrix", pos)
        return a + b if op == "+" else a - b

    def starts_factor(self) -> bool:
        tok = self.peek()
        if tok is None:
            return False
        kind, value, _ = tok
        if kind in ("num", "letter"):
            return True
        if kind == "cmd":
            return value not in ("\\cdot", "\\times", "\\end", "\\right")
        return value in ("(", "{", "[")

    def term(self) -> Any:
        value = self.factor()
        while True:
            if self.at("\\cdot") or self.at("\\times") or self.at("*"):
                self.take()
                value = self.mul(value, self.factor())
            elif self.at("/"):
                pos = self.take()[2]
                value = self.mul(value, self.inverse(self.factor(), pos))
            elif self.starts_factor():
                value = self.mul(value, self.factor())
            else:
                return value

    def factor(self) -> Any:
        with self.nest():
            if self.at("-"):
                self.take()
                return -self.factor()
            if self.at("\\sum"):
                return self.summation()
            base = self.atom()
            return self.postfix(base)

    def postfix(self, base: Any) -> Any:
        while self.at("^") or self.at("'"):
            if self.at("'"):
                raise self.fail("primes (derivative marks) are not read here", semantic=True)
            self.take("^")
            if self.transpose_follows():
                base = base.T if isinstance(base, sp.MatrixBase) else base
                continue
            tok = self.peek()
            pos = tok[2] if tok else len(self.text)
            exponent = self.script()
            self.check_power(base, exponent, pos)
            if isinstance(base, sp.MatrixBase):
                if base.rows != base.cols:
                    raise self.fail("a power of a non-square matrix", semantic=True)
                if exponent == -1:
                    try:
                        base = base.inv()
                    except ValueError:  # sympy's NonInvertibleMatrixError
                        raise self.fail("the matrix is not invertible", semantic=True) from None
                elif isinstance(exponent, sp.Integer) and exponent > 0:
                    base = base ** int(exponent)
                else:
                    raise self.fail("a matrix power must be a positive integer or -1", semantic=True)
            else:
                base = base**exponent
        return base

    def check_power(self, base: Any, exponent: Any, pos: int) -> None:
        """Bound a power before it is computed: the exponent written, and (for powers of
        powers, whose exponents multiply) the digits of a number and the overall degree."""
        if isinstance(exponent, sp.MatrixBase):
            raise self.fail("an exponent must be a scalar", semantic=True)
        if not isinstance(exponent, sp.Expr) or not exponent.is_number:
            return
        size = _magnitude(exponent)
        if size is None or size > MAX_EXPONENT:
            shown = sp.sstr(exponent) if exponent.is_Rational and len(str(exponent)) < 40 else "a huge number"
            raise self.limit(f"exponent {shown} too large (at most {MAX_EXPONENT})", pos)
        if size == 0:
            return
        entries = _entries(base)
        for v in entries:
            if not isinstance(v, sp.Basic):
                continue
            if v.is_Rational and v != 0:
                digits = size * max(math.log10(abs(v.p)), math.log10(abs(v.q)))
                if digits > MAX_DIGITS:
                    raise self.limit(f"a power with about {int(digits)} digits (at most {MAX_DIGITS})", pos)
            inner = max([m for p in v.atoms(sp.Pow) if (m := _magnitude(p.exp)) is not None] or [1])
            if inner * size > MAX_DEGREE:
                raise self.limit(f"a power of a power with exponent about {int(inner * size)} "
                                 f"(at most {MAX_DEGREE})", pos)

    def transpose_follows(self) -> bool:
        """Consume ^\\top, ^T, ^{\\top}, ^{T}, ^{\\mathsf{T}} and report whether it was one."""
        start = self.i
        braced = self.at("{")
        if braced:
            self.take()
        tok = self.peek()
        if tok and tok[1] in ("\\top", "\\intercal", "T") and (not braced or self.at("}", 1)):
            self.take()
            if braced:
                self.take("}")
            return True
        if tok and tok[1] in ("\\mathsf", "\\mathrm") and self.at("{", 1) and self.at("T", 2):
            self.take(), self.take("{"), self.take("T"), self.take("}")
            if braced:
                self.take("}")
            return True
        self.i = start
        return False

    def script(self) -> Any:
        """A sub/superscript: a braced group or a single token."""
        if self.at("{"):
            self.take()
            value = self.expr()
            self.take("}")
            return value
        if self.at("-"):
            self.take()
            with self.nest():
                return -self.script()
        return self.atom()

    def group(self) -> Any:
        self.take("{")
        value = self.expr()
        self.take("}")
        return value

    def raw_group(self) -> str:
        """The text of a braced group (for subscripts and \\text), braces matched."""
        tok = self.take("{")
        depth, start = 1, tok[2] + 1
        while True:
            tok = self.take()
            if tok[1] == "{":
                depth += 1
            elif tok[1] == "}":
                depth -= 1
                if depth == 0:
                    return self.text[start:tok[2]]

    def atom(self) -> Any:
        with self.nest():
            return self._atom()

    def _atom(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise self.fail("expected a number, a name or a bracket, reached the end")
        kind, value, pos = tok
        if kind == "num":
            try:
                number = parse_rational(value)
            except NumberTooLarge as exc:
                raise self.limit(exc.message, pos) from None
            self.take()
            return number
        if value in ("(", "["):
            self.take()
            inner = self.expr()
            self.take(")" if value == "(" else "]")
            return inner
        if value == "{":
            return self.group()
        if kind == "letter":
            return self.name(value)
        if kind == "cmd":
            return self.command(value[1:])
        raise self.fail(f"unexpected {value!r}")

    @abstractmethod
    def command(self, cmd: str) -> Any:
        """The value of a command (\\frac, \\sin, \\mathbf, ...) at the current token."""

    @abstractmethod
    def name(self, base: str, consumed: bool = False) -> Any:
        """The value of a name with its optional subscript and star."""

    @abstractmethod
    def summation(self) -> Any:
        """A \\sum at the current token."""


class _Nesting:
    """Counts operators nested inside one another; past MAX_NESTING a LimitError."""

    def __init__(self, parser: _Grammar) -> None:
        self.parser = parser

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_NESTING:
            raise self.parser.limit(f"operators nested more than {MAX_NESTING} deep")

    def __exit__(self, *exc: object) -> None:
        self.parser.depth -= 1


def check_size(text: str) -> None:
    """The notation layer's size limits: length, and the depth of nested brackets."""
    if len(text) > MAX_LENGTH:
        raise LimitError(text[:80] + "...", f"formula too long ({len(text)} characters, at most {MAX_LENGTH})")
    depth = 0
    for i, ch in enumerate(text):
        if ch in "{([":
            depth += 1
            if depth > MAX_DEPTH:
                raise LimitError(text, f"brackets nested more than {MAX_DEPTH} deep", i)
        elif ch in "})]":
            depth = max(0, depth - 1)


def _magnitude(value: sp.Expr) -> float | None:
    """|value| of a number as a float; None when it cannot be evaluated (too large)."""
    try:
        if value.is_Rational:
            if abs(value.p) > 10**30 * abs(value.q):
                return None
            return abs(float(value))
        got = complex(sp.N(value, 15))
    except (OverflowError, ValueError, TypeError, ZeroDivisionError, RecursionError):
        return None
    size = abs(got)
    return size if math.isfinite(size) else None


def _entries(value: Any) -> list[Any]:
    """The entries of an explicit matrix, [value] for a scalar; [] for a matrix of symbolic
    size (an IndexMatrix, whose entries are formulas in its indices, not a finite list)."""
    if isinstance(value, sp.MatrixBase):
        if all(isinstance(d, int) for d in value.shape):
            return list(value)
        return []
    return [value]


_UNDEFINED = (sp.zoo, sp.oo, sp.nan)


def _undefined(value: Any) -> bool:
    """Whether a value is or contains ±oo, zoo (1/0, log 0) or nan."""
    if isinstance(value, sp.MatrixBase):
        return any(_undefined(v) for v in _entries(value))
    if not isinstance(value, sp.Basic):
        return False
    return value in _UNDEFINED or value == -sp.oo or value.has(*_UNDEFINED)


def check_value(text: str, value: Any) -> Any:
    """`value` when it is defined and real; a LimitError for an undefined value (1/0, log 0)
    and a NotationError for a complex constant (i in a formula about real numbers)."""
    if _undefined(value):
        raise LimitError(text, "the formula has an undefined value (a division by zero, log 0, ...)", None)
    entries = _entries(value)
    if any(isinstance(v, sp.Basic) and v.has(sp.I) for v in entries):
        raise LimitError(text, "the formula has a complex value (the square root or log of a negative number)",
                         None)
    return value


def _mul(a: Any, b: Any) -> Any:
    return a * b


def _scalar_if_1x1(a: Any) -> Any:
    """A 1x1 matrix (such as g^T A u) as its entry, so that it can be divided."""
    return a[0, 0] if isinstance(a, sp.MatrixBase) and a.shape == (1, 1) else a
