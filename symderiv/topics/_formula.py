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

import re
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from ..errors import NotationError
from ..exact import parse_rational

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
TRANSPOSES = {"T", "\\top", "\\intercal", "\\mathsf", "\\mathrm"}


def tokenize(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) triples; spacing commands are dropped."""
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise NotationError(text, f"unexpected character {text[pos]!r}", pos)
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
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.scopes: list[dict[str, Any]] = [dict(names)]

    # -- token helpers -------------------------------------------------------------
    def peek(self, ahead: int = 0) -> tuple[str, str, int] | None:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else None

    def at(self, value: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok is not None and tok[1] == value

    def fail(self, message: str) -> NotationError:
        tok = self.peek()
        return NotationError(self.text, message, tok[2] if tok else len(self.text))

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
                self.take()
                value = _mul(value, _inverse(self.factor()))
            elif self.starts_factor():
                value = _mul(value, self.factor())
            else:
                return value

    def factor(self) -> Any:
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
                raise self.fail("primes (derivative marks) are not read here")
            self.take("^")
            if self.transpose_follows():
                base = base.T if isinstance(base, sp.MatrixBase) else base
                continue
            exponent = self.script()
            if isinstance(base, sp.MatrixBase):
                if exponent == -1:
                    base = base.inv()
                elif isinstance(exponent, sp.Integer) and exponent > 0:
                    base = base ** int(exponent)
                else:
                    raise self.fail("a matrix power must be a positive integer or -1")
            else:
                base = base**exponent
        return base

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
        tok = self.peek()
        if tok is None:
            raise self.fail("expected a number, a name or a bracket, reached the end")
        kind, value, _ = tok
        if kind == "num":
            self.take()
            return parse_rational(value)
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
            den = _scalar_if_1x1(self.group())
            return _mul(num, _inverse(den))
        if cmd == "sqrt":
            self.take()
            return sp.sqrt(self.group())
        if cmd in FUNCTIONS:
            self.take()
            power = None
            if self.at("^"):
                self.take()
                power = self.script()
            if self.at("(") or self.at("{") or self.at("["):
                arg = self.atom()
            else:
                arg = self.postfix(self.atom())
            value = FUNCTIONS[cmd](arg)
            return value if power is None else value**power
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
                raise self.fail(f"the words {words!r} are not bound to a value here")
            return bound
        if cmd == "begin":
            return self.matrix()
        if cmd in GREEK:
            return self.name(cmd)
        raise self.fail(f"\\{cmd} is not read here")

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
            raise self.fail(f"environment {env!r} is not read here")
        rows: list[list[Any]] = [[]]
        while True:
            if self.at("\\end"):
                self.take()
                self.raw_group()
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
        raise self.fail(f"the name {key!r} is not bound here")

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
                if len(idx) == 1 and 1 in bound.shape:
                    return bound[int(idx[0]) - 1]
                if len(idx) == 2:
                    return bound[int(idx[0]) - 1, int(idx[1]) - 1]
        raise self.fail(f"the name {key}_{sub_text} is not bound here")

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
            raise self.fail("a sum needs a one-letter index variable")
        if upper is None:
            upper = self.lookup("K")
            if upper is None:
                raise self.fail("a sum without an upper limit needs K bound")
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


def _mul(a: Any, b: Any) -> Any:
    return a * b


def _scalar_if_1x1(a: Any) -> Any:
    """A 1x1 matrix (such as g^T A u) as its entry, so that it can be divided."""
    return a[0, 0] if isinstance(a, sp.MatrixBase) and a.shape == (1, 1) else a


def _inverse(a: Any) -> Any:
    if isinstance(a, sp.MatrixBase):
        raise NotationError(str(a), "division by a matrix")
    return 1 / a


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
    """The SymPy value of a LaTeX formula with the given name bindings (this module's parser)."""
    return _Parser(clean(latex), names).parse()


def parse_formula(latex: str, names: Mapping[str, Any]) -> Any:
    """Parse with `symderiv.notation.parse_expression` when available, else this module.

    The notation layer is used for scalar bindings only (its planned API); when it is
    missing, or cannot read a formula that this module reads, this module's answer is used.
    """
    scalar = all(isinstance(v, sp.Expr) and not isinstance(v, sp.IndexedBase)
                 for v in names.values())
    if scalar:
        try:
            from ..notation import parse_expression  # type: ignore[attr-defined]
        except ImportError:
            parse_expression = None
        if parse_expression is not None:
            try:
                return parse_expression(clean(latex), dict(names))
            except Exception:  # the notation layer could not read it: fall back below
                pass
    return read_formula(latex, names)
