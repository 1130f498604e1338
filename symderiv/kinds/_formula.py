"""The index-form reader of the matrix-calculus proofs: LaTeX to SymPy at SYMBOLIC sizes.

Since issue 12 every kind reads its formulas through `symderiv.notation` (notation/reading.py);
what is left here is the one reading the notation layer does not do yet: a formula over
IndexedBase entries and IndexMatrix values whose sizes are symbols (sums to m, entries A_{ij} with
i, j symbolic), used by kinds/matrix_index.Symbolic, kinds/matrix_proofs and the case reading of
`inner_jacobian` in kinds/matrix_checks. Its limits are core/limits.py's.

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
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..core.errors import FormulaSyntaxError, LimitError, NotationError
from ..core.limits import EXP_MAX_ARGUMENT as MAX_EXP_ARGUMENT
from ..core.limits import SUM_MAX_TERMS as MAX_TERMS
from ._formula_grammar import (
    FUNCTIONS,
    GREEK,
    STARS,
    WRAPPERS,
    _Grammar,
    _magnitude,
    _scalar_if_1x1,
    _undefined,
    check_value,
)


class _Parser(_Grammar):
    """The reader: the grammar's commands, names, matrices and sums given their SymPy values."""

    def command(self, cmd: str) -> Any:
        if cmd in ("frac", "dfrac", "tfrac"):
            self.take()
            if self.at("{") and self.at("\\partial", 1):
                return self.partial()
            num = _scalar_if_1x1(self.group())
            tok = self.peek()
            den = _scalar_if_1x1(self.group())
            return self.mul(num, self.inverse(den, tok[2] if tok else len(self.text)))
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
                body = self.mul(body, self.factor())
        finally:
            self.scopes.pop()
        return sp.Sum(body, (dummy, lower, upper))



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
