"""A small safe reader of LaTeX formulas to SymPy (temporary, until `symderiv.notation` lands).

This is a recursive-descent parser over tokens: no text is ever run as code;
it only builds the SymPy objects its grammar names. It reads what the
seed problems write: numbers, + - \\cdot \\times and juxtaposition, ^, \\frac, \\sqrt,
\\sin \\cos \\tan \\exp \\log \\ln, e^{...}, \\pi, subscripted names (x_1, v_i, A_{ij},
a_{(i-1)n+j}), starred names (w^\\star), \\mathbf/\\boldsymbol wrappers, Greek letters,
^\\top and ^{-1}, \\sum with or without limits, \\delta_{ik}, bmatrix/pmatrix
environments (as sympy Matrices), \\text{...} words bound by the caller, and
\\frac{\\partial a}{\\partial b} as an opaque unknown factor.

Names are bound by the caller: `names` maps a name as written ("x_1", "w^*", "H",
"lambda_i", "mu") to a SymPy value (a Symbol, an IndexedBase, a Matrix, a number).
A subscripted name whose base is bound to an IndexedBase becomes an Indexed entry.

`parse_formula` prefers `symderiv.notation.parse_expression` when that module exists
and the formula is scalar; this module is the fallback and may be removed later.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from ..core.errors import FormulaSyntaxError, LimitError, NotationError
from ..core.exact import NumberTooLarge, parse_rational

# The limits of the notation layer, applied here too (their values: symderiv/limits.py):
# a formula is untrusted input and reading or judging it must stay bounded.
from ..core.limits import EXP_MAX_ARGUMENT as MAX_EXP_ARGUMENT
from ..core.limits import FORMULA_MAX_DEPTH as MAX_DEPTH
from ..core.limits import FORMULA_MAX_LENGTH as MAX_LENGTH
from ..core.limits import FORMULA_MAX_NESTING as MAX_NESTING
from ..core.limits import POWER_MAX_DEGREE as MAX_DEGREE
from ..core.limits import POWER_MAX_DIGITS as MAX_DIGITS
from ..core.limits import POWER_MAX_EXPONENT as MAX_EXPONENT
from ..core.limits import SUM_MAX_TERMS as MAX_TERMS
from ..notation import parse_expression
from ..notation.bind import FormulaLimitError

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


class _Parser:
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
            op = self.take()[1]
            rhs = self.term()
            value = value + rhs if op == "+" else value - rhs
        return value

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
                value = _mul(value, self.factor())
            elif self.at("/"):
                pos = self.take()[2]
                value = _mul(value, self.inverse(self.factor(), pos))
            elif self.starts_factor():
                value = _mul(value, self.factor())
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

    def command(self, cmd: str) -> Any:
        if cmd in ("frac", "dfrac", "tfrac"):
            self.take()
            if self.at("{") and self.at("\\partial", 1):
                return self.partial()
            num = _scalar_if_1x1(self.group())
            tok = self.peek()
            den = _scalar_if_1x1(self.group())
            return _mul(num, self.inverse(den, tok[2] if tok else len(self.text)))
        if cmd == "sqrt":
            self.take()
            return sp.sqrt(self.group())
        if cmd in FUNCTIONS:
            start = self.take()[2]
            power = None
            if self.at("^"):
                self.take()
                tok = self.peek()
                power_pos = tok[2] if tok else len(self.text)
                power = self.script()
            arg_tok = self.peek()
            arg_pos = arg_tok[2] if arg_tok else len(self.text)
            if self.at("(") or self.at("{") or self.at("["):
                arg = self.atom()
            else:
                arg = self.postfix(self.atom())
            if isinstance(arg, sp.MatrixBase):
                raise NotationError(self.text, f"\\{cmd} of a matrix", start)
            if cmd in ("exp", "sinh", "cosh") and isinstance(arg, sp.Expr) and arg.is_number:
                size = _magnitude(arg)
                if size is None or size > MAX_EXP_ARGUMENT:
                    raise self.limit(f"\\{cmd} of a number too large (at most {MAX_EXP_ARGUMENT} in magnitude)",
                                     arg_pos)
            value = FUNCTIONS[cmd](arg)
            if _undefined(value):
                raise self.limit(f"\\{cmd} is undefined here (its argument is {sp.sstr(arg)})", arg_pos)
            if power is None:
                return value
            self.check_power(value, power, power_pos)
            return value**power
        if cmd == "pi":
            self.take()
            bound = self.lookup("pi")
            return sp.pi if bound is None else bound
        if cmd in WRAPPERS:
            self.take()
            inner = self.raw_group().strip()
            return self.name(inner.lstrip("\\"), consumed=True)
        if cmd == "text":
            self.take()
            words = " ".join(self.raw_group().split()).lower()
            bound = self.lookup(words)
            if bound is None:
                raise self.fail(f"the words {words!r} are not bound to a value here", semantic=True)
            return bound
        if cmd == "begin":
            return self.matrix()
        if cmd in GREEK:
            return self.name(cmd)
        raise self.fail(f"\\{cmd} is not read here", semantic=True)

    def partial(self) -> Any:
        """\\frac{\\partial a}{\\partial b}: an opaque unknown factor, named by its text."""
        num = self.raw_group()
        den = self.raw_group()
        label = "d(" + " ".join(num.replace("\\partial", "").split()) + ")/d("
        label += " ".join(den.replace("\\partial", "").split()) + ")"
        return sp.Symbol(label)

    def matrix(self) -> sp.Matrix:
        self.take("\\begin")
        env = self.raw_group().strip()
        if env not in ("bmatrix", "pmatrix", "matrix", "vmatrix", "Bmatrix"):
            raise self.fail(f"environment {env!r} is not read here", semantic=True)
        rows: list[list[Any]] = [[]]
        while True:
            if self.at("\\end"):
                self.take()
                end = self.raw_group().strip()
                if end != env:
                    raise self.fail(f"\\begin{{{env}}} ends with \\end{{{end}}}")
                break
            rows[-1].append(self.expr())
            if self.at("&"):
                self.take()
            elif self.at("\\\\"):
                self.take()
                if not self.at("\\end"):
                    rows.append([])
            elif not self.at("\\end"):
                raise self.fail("expected &, \\\\ or \\end in a matrix")
        if any(len(r) != len(rows[0]) for r in rows):
            raise self.fail("matrix rows of different lengths")
        if not rows[0]:
            raise self.fail("a matrix without entries")
        return sp.Matrix(rows)

    def name(self, base: str, consumed: bool = False) -> Any:
        """A letter or Greek name with an optional subscript and star superscript."""
        if not consumed:
            self.take()
        sub_text = None
        if self.at("_"):
            self.take()
            if self.at("{"):
                sub_text = self.raw_group().strip()
            else:
                sub_text = self.take()[1]
        star = False
        if self.at("^") and self.peek(1) and self.peek(1)[1] in STARS:  # type: ignore[index]
            self.take(), self.take()
            star = True
        elif (self.at("^") and self.at("{", 1) and self.peek(2)
              and self.peek(2)[1] in STARS and self.at("}", 3)):  # type: ignore[index]
            for _ in range(4):
                self.take()
            star = True
        key = base + ("^*" if star else "")
        if sub_text is not None:
            full = f"{key}_{sub_text.replace(' ', '')}"
            bound = self.lookup(full)
            if bound is not None:
                return bound
            return self.indexed(key, sub_text)
        bound = self.lookup(key)
        if bound is not None:
            return bound
        if key == "e":
            return sp.E
        if key == "pi":
            return sp.pi
        raise self.fail(f"the name {key!r} is not bound here", semantic=True)

    def indexed(self, key: str, sub_text: str) -> Any:
        bound = self.lookup(key)
        if key == "delta" and bound is None:
            idx = self.indices(sub_text)
            if len(idx) == 2:
                return sp.KroneckerDelta(*idx)
        if isinstance(bound, sp.IndexedBase):
            return bound[tuple(self.indices(sub_text))]
        if isinstance(bound, sp.MatrixBase):
            idx = self.indices(sub_text)
            if all(isinstance(v, sp.Integer) for v in idx):
                sizes = [len(bound)] if len(idx) == 1 and 1 in bound.shape else list(bound.shape)
                if len(idx) == len(sizes) and not all(1 <= v <= n for v, n in zip(idx, sizes, strict=True)):
                    raise self.fail(f"the index {key}_{sub_text} is out of range (1..{'x'.join(map(str, sizes))})",
                                    semantic=True)
                if len(idx) == 1 and 1 in bound.shape:
                    return bound[int(idx[0]) - 1]
                if len(idx) == 2:
                    return bound[int(idx[0]) - 1, int(idx[1]) - 1]
        raise self.fail(f"the name {key}_{sub_text} is not bound here", semantic=True)

    def indices(self, sub_text: str) -> list[Any]:
        """'i' -> [i]; 'ij' -> [i, j]; 'i,j' -> [i, j]; '(i-1)n+j' -> [(i-1)n+j]."""
        compact = sub_text.replace(" ", "")
        if "," in compact:
            parts = compact.split(",")
        elif compact.isalpha() and len(compact) > 1:
            parts = list(compact)
        else:
            parts = [sub_text]
        return [_Parser(p, self.merged()).parse() for p in parts]

    def merged(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for scope in self.scopes:
            out.update(scope)
        return out

    def summation(self) -> Any:
        """\\sum_{i=1}^{K} body or \\sum_i body (range 1..K with K bound by the caller)."""
        self.take("\\sum")
        var, lower, upper = None, sp.Integer(1), None
        if self.at("_"):
            self.take()
            text = self.raw_group() if self.at("{") else self.take()[1]
            if "=" in text:
                var, low_text = text.split("=", 1)
                lower = _Parser(low_text, self.merged()).parse()
            else:
                var = text
            var = var.strip()
        if self.at("^"):
            self.take()
            upper = self.script()
        if var is None or not re.fullmatch(r"[a-zA-Z]", var):
            raise self.fail("a sum needs a one-letter index variable", semantic=True)
        if upper is None:
            upper = self.lookup("K")
            if upper is None:
                raise self.fail("a sum without an upper limit needs K bound", semantic=True)
        terms = upper - lower
        if isinstance(terms, sp.Expr) and terms.is_number:
            size = _magnitude(terms)
            if size is None or size > MAX_TERMS:
                raise self.limit(f"too many terms in a sum (at most {MAX_TERMS})")
        dummy = sp.Dummy(var, integer=True, positive=True)
        self.scopes.append({var: dummy})
        try:
            body = self.factor()
            while self.starts_factor() or self.at("\\cdot"):
                if self.at("\\cdot"):
                    self.take()
                body = _mul(body, self.factor())
        finally:
            self.scopes.pop()
        return sp.Sum(body, (dummy, lower, upper))


class _Nesting:
    """Counts operators nested inside one another; past MAX_NESTING a LimitError."""

    def __init__(self, parser: _Parser) -> None:
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


def replace_call(latex: str, head: str, name: str) -> str:
    """Replace `head(...)` (balanced brackets, \\left( allowed) by `name` in the text.

    Used to bind written calls such as `\\nabla f(\\mathbf{u}_n)` to one value.
    """
    out, pos = [], 0
    pattern = re.compile(re.escape(head) + r"\s*(\\left)?\s*\(")
    while (m := pattern.search(latex, pos)) is not None:
        depth, j = 1, m.end()
        while j < len(latex) and depth:
            depth += {"(": 1, ")": -1}.get(latex[j], 0)
            j += 1
        out.append(latex[pos:m.start()] + " " + name + " ")
        pos = j
    out.append(latex[pos:])
    return "".join(out)


def right_side(latex: str) -> str:
    """The text after the last top-level '=' ("f'(x) = 10x" -> "10x")."""
    depth, cut = 0, -1
    for pos, ch in enumerate(latex):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch == "=" and depth == 0:
            cut = pos
    return latex[cut + 1:] if cut >= 0 else latex


def clean(latex: str) -> str:
    """Drop math-mode dollars, a trailing full stop or comma, and surrounding space."""
    text = latex.strip().strip("$").strip()
    return text.rstrip(".,").strip()


def read_formula(latex: str, names: Mapping[str, Any]) -> Any:
    """The SymPy value of a LaTeX formula with the given name bindings (this module's parser).

    Raises FormulaSyntaxError for text that does not parse, LimitError past the size
    limits (or for an undefined or complex value), NotationError for readable text this
    reader gives no meaning to (an unbound name)."""
    if not isinstance(latex, str):
        raise FormulaSyntaxError(str(latex), f"a formula must be text, got {type(latex).__name__}", None)
    text = clean(latex)
    try:
        return check_value(text, _Parser(text, names).parse())
    except RecursionError:
        raise LimitError(text, "formula nested too deeply", None) from None


def parse_formula(latex: str, names: Mapping[str, Any]) -> Any:
    """Parse with `symderiv.notation.parse_expression` when available, else this module.

    The notation layer is used for scalar bindings only (its planned API); when it is
    missing, or cannot read a formula that this module reads, this module's answer is used.
    """
    if not isinstance(latex, str):
        raise FormulaSyntaxError(str(latex), f"a formula must be text, got {type(latex).__name__}", None)
    check_size(clean(latex))  # the limits first: never handed on, never fallen back from
    scalar = all(isinstance(v, sp.Expr) and not isinstance(v, sp.IndexedBase)
                 for v in names.values())
    if scalar:
        try:
            value = parse_expression(clean(latex), dict(names))
        except RecursionError:
            raise LimitError(clean(latex), "formula nested too deeply", None) from None
        except Exception as exc:  # the notation layer could not read it: fall back below
            if is_limit(exc):
                raise
        else:
            return check_value(clean(latex), value)
    return read_formula(latex, names)


def is_limit(exc: BaseException) -> bool:
    """Whether `exc` is a limit error (of this module, exact numbers or the notation layer)."""
    return isinstance(exc, (LimitError, FormulaLimitError))


def is_input_error(exc: BaseException) -> bool:
    """Whether a NotationError says the text is bad input (it does not parse, or is past a
    limit), rather than readable text that a kind cannot decide."""
    return isinstance(exc, FormulaSyntaxError) or is_limit(exc)
