"""A SymPy StrPrinter for the terminal: σ(Z₁), G ⊙ σ'(Z₂), Wᵀ, Σ and subscripts, or plain ASCII."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy as sp
from sympy import MatrixSymbol
from sympy.core.function import FunctionClass
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..core.ops import ACTIVATIONS

GREEK = {name: chr(code) for name, code in (
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3B5),
    ("zeta", 0x3B6), ("eta", 0x3B7), ("theta", 0x3B8), ("iota", 0x3B9), ("kappa", 0x3BA),
    ("lambda", 0x3BB), ("mu", 0x3BC), ("nu", 0x3BD), ("xi", 0x3BE), ("pi", 0x3C0), ("rho", 0x3C1),
    ("sigma", 0x3C3), ("tau", 0x3C4), ("phi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8), ("omega", 0x3C9),
    ("Gamma", 0x393), ("Delta", 0x394), ("Theta", 0x398), ("Lambda", 0x39B), ("Xi", 0x39E), ("Pi", 0x3A0),
    ("Sigma", 0x3A3), ("Phi", 0x3A6), ("Psi", 0x3A8), ("Omega", 0x3A9))}
_GREEK_WORD = re.compile(r"(?<![A-Za-z])(" + "|".join(sorted(GREEK, key=len, reverse=True)) + r")(?![A-Za-z])")
SUBSCRIPT = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
SUPERSCRIPT = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
                       "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ", strict=True))
def subscript(text: str) -> str | None:
    """`text` in Unicode subscript characters, or None when one of them has no subscript form."""
    out = [SUBSCRIPT.get(ch) for ch in text]
    return None if None in out or not text else "".join(out)  # type: ignore[arg-type]


def superscript(text: str) -> str | None:
    """`text` in Unicode superscript characters, or None when one of them has none."""
    out = [SUPERSCRIPT.get(ch) for ch in text]
    return None if None in out or not text else "".join(out)  # type: ignore[arg-type]


def _latex_name(tex: str) -> str:
    r"""A registry entry's LaTeX name as plain text: \sigma -> sigma, \operatorname{ReLU} -> ReLU."""
    m = re.fullmatch(r"\\operatorname\{([A-Za-z]+)\}", tex)
    return m.group(1) if m else tex.lstrip("\\")


def _function_names() -> tuple[dict[FunctionClass, str], list[tuple[Callable[[sp.Symbol], sp.Expr], str]]]:
    """From the registry: each element-wise activation's SymPy function class -> its name, each
    derivative class -> name' (ReLU'), and the derivatives given as formulas (σ' = σ(1 - σ))."""
    classes: dict[FunctionClass, str] = {}
    formulas: list[tuple[Callable[[sp.Symbol], sp.Expr], str]] = []
    for act in ACTIVATIONS.values():
        if not act.elementwise:
            continue
        name = _latex_name(act.latex)
        for rule, shown in ((act.function, name), (act.derivative, name + "'")):
            if isinstance(rule, FunctionClass):
                classes.setdefault(rule, shown)
            elif not act.parameters and rule is act.derivative:
                formulas.append((rule, shown))
    return classes, formulas


FUNCTION_NAMES, DERIVATIVE_FORMULAS = _function_names()


class UnicodePrinter(StrPrinter):
    """One line of mathematics as people write it on a terminal.

    Matrix names such as Z1, Delta2, W1 print as Z₁, Δ₂, W₁; a transpose as ᵀ; an element-wise
    product as ⊙; an activation applied entry by entry as σ(Z₁), its derivative as σ'(Z₂) (names
    from the registry); sums as Σ with their bounds; x_1, A[i, k], δ(i, j) as x₁, Aᵢₖ, δᵢⱼ; small
    integer powers as superscripts. With `ascii=True` the same structure in ASCII (Z1, ^T, (.),
    sigma, sum_{k=1}^{d}) for a terminal that cannot show Unicode.
    """

    printmethod = "_unicodestr"

    def __init__(self, ascii: bool = False, **settings: Any) -> None:
        super().__init__(settings)
        self.ascii = ascii
        self._arg: dict[sp.Symbol, str] = {}
        self._elementwise = 0

    # ------------------------------------------------------------------ pieces
    def sub(self, text: str) -> str:
        """A subscript: x₁ (Unicode), else x_1 / x_{ik}."""
        if not self.ascii:
            shown = subscript(text)
            if shown is not None:
                return shown
        return f"_{text}" if len(text) == 1 else f"_{{{text}}}"

    def sup(self, text: str) -> str:
        """A superscript: x² (Unicode), else x^2 / x^(k+1)."""
        if not self.ascii:
            shown = superscript(text)
            if shown is not None:
                return shown
        return f"^{text}" if re.fullmatch(r"\w", text) else f"^({text})"

    def name(self, name: str) -> str:
        """A symbol's name: Greek words as letters, a trailing _i or a number after letters as a
        subscript (x_1 -> x₁, W1 -> W₁, Delta2 -> Δ₂, softmax(z)_i -> softmax(z)ᵢ)."""
        if self.ascii:
            return name
        m = re.fullmatch(r"([A-Za-z]+)(\d+)(\[[\d,]+\])?", name)
        if m:
            return self._word(m.group(1)) + self.sub(m.group(2)) + (m.group(3) or "")
        m = re.fullmatch(r"(.+)_(\{\w+\}|\w+)", name)
        if m:
            head, tail = m.group(1), m.group(2).strip("{}")
            shown = subscript(tail)
            if shown is not None and (len(tail) <= 2 or tail.isdigit()) and not head.endswith("_"):
                return self._greek(head) + shown
        return self._greek(name)

    @staticmethod
    def _greek(text: str) -> str:
        return _GREEK_WORD.sub(lambda g: GREEK[g.group(1)], text)

    def _word(self, word: str) -> str:
        return word if self.ascii else GREEK.get(word, word)

    def _paren(self, expr: sp.Basic) -> str:
        text = self._print(expr)
        if isinstance(expr, (sp.Add, sp.MatAdd, sp.MatMul, sp.HadamardProduct, sp.Mul, sp.Pow)) and len(expr.args) > 1:
            return f"({text})"
        if text.startswith("-"):
            return f"({text})"
        return text

    # ------------------------------------------------------------------ symbols
    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr in self._arg:
            return self._arg[expr]
        return self.name(expr.name)

    _print_Dummy = _print_Symbol

    def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
        return self.name(str(expr.name))

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        base = self._print(expr.base)
        idx = [self._print(i) for i in expr.indices]
        if all(len(i) == 1 for i in idx) or len(idx) == 1:
            return base + self.sub("".join(idx))
        return f"{base}[{', '.join(idx)}]"

    def _print_IndexedBase(self, expr: sp.IndexedBase) -> str:
        return self._print(expr.label)

    def _print_KroneckerDelta(self, expr: sp.KroneckerDelta) -> str:
        i, j = (self._print(a) for a in expr.args)
        if len(i) == 1 and len(j) == 1:
            return self._word("delta") + self.sub(i + j)
        return f"{self._word('delta')}({i}, {j})"

    # ------------------------------------------------------------------ arithmetic
    def _print_Mul(self, expr: sp.Mul) -> str:
        """Factors side by side (a space; '*' in ASCII), a quotient with '/'."""
        coeff, rest = expr.as_coeff_Mul()
        sign = "-" if coeff < 0 else ""
        coeff = abs(coeff)
        numer: list[sp.Basic] = [sp.Integer(coeff.p)] if coeff.is_Rational and coeff.p != 1 else []
        denom: list[sp.Basic] = [sp.Integer(coeff.q)] if coeff.is_Rational and coeff.q != 1 else []
        if not coeff.is_Rational:
            numer.append(coeff)
        for factor in (rest.as_ordered_factors() if isinstance(rest, sp.Mul) else [rest]):
            if factor.is_commutative and isinstance(factor, sp.Pow) and factor.exp.is_Rational and factor.exp < 0:
                denom.append(sp.Pow(factor.base, -factor.exp) if factor.exp != -1 else factor.base)
            elif factor is not sp.S.One:
                numer.append(factor)
        times = "*" if self.ascii else " "
        top = times.join(self._factor(f, last=n == len(numer) - 1 and not denom) for n, f in enumerate(numer)) or "1"
        if not denom:
            return sign + top
        bottom = times.join(self._factor(f, last=False) for f in denom)
        if len(denom) > 1 or isinstance(denom[0], sp.Mul):
            bottom = f"({bottom})"
        return f"{sign}{top}/{bottom}"

    def _factor(self, factor: sp.Basic, last: bool) -> str:
        """A factor of a product; a sum Σ in parentheses unless it is the last factor (its body
        would otherwise swallow what follows)."""
        if isinstance(factor, sp.Sum) and not last:
            return f"({self._print(factor)})"
        return self.parenthesize(factor, PRECEDENCE["Mul"], strict=False)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exp = expr.as_base_exp()
        if exp is sp.S.Half:
            return f"sqrt({self._print(base)})"
        if exp.is_Rational and exp < 0:
            return self._print_Mul(sp.Mul(sp.S.One, expr, evaluate=False))
        shown = self.parenthesize(base, PRECEDENCE["Pow"], strict=False)
        if exp.is_Integer:
            return shown + self.sup(str(exp))
        return f"{shown}^({self._print(exp)})"

    def _print_exp(self, expr: sp.exp) -> str:
        return f"exp({self._print(expr.args[0])})"

    def _print_Function(self, expr: sp.Function) -> str:
        name = FUNCTION_NAMES.get(type(expr))
        args = [self._print(a) for a in expr.args]
        if name is None:
            name = self.name(expr.func.__name__)
            return f"{name}({', '.join(args)})"
        if len(args) > 1:  # a parameter of the activation (LReLU's alpha) as a subscript
            name += self.sub(", ".join(args[1:]))
        return f"{self.name(name)}({args[0]})"

    def _print_Sum(self, expr: sp.Sum) -> str:
        body = self._print(expr.function)
        if isinstance(expr.function, sp.Add):
            body = f"({body})"
        for var, lo, hi in reversed(expr.limits):
            bounds = self.sub(f"{self._print(var)}={self._print(lo)}") + self.sup(self._print(hi))
            body = f"{'sum' if self.ascii else 'Σ'}{bounds} {body}"
        return body

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        op = {"==": "=", "<=": "≤", ">=": "≥", "!=": "≠"}.get(expr.rel_op, expr.rel_op)
        if self.ascii:
            op = {"≤": "<=", "≥": ">=", "≠": "!="}.get(op, op)
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        parts = [f"{self._print(e)} if {self._print(c)}" if c is not sp.true else f"{self._print(e)} otherwise"
                 for e, c in expr.args]
        return "{" + "; ".join(parts) + "}"

    # ------------------------------------------------------------------ matrices
    def _print_Transpose(self, expr: Any) -> str:
        arg = expr.arg
        inner = self._print(arg)
        if not isinstance(arg, (MatrixSymbol, sp.OneMatrix)):
            inner = f"({inner})"
        return inner + ("^T" if self.ascii else "ᵀ")

    def _print_MatMul(self, expr: Any) -> str:
        coeff, factors = expr.as_coeff_mmul()
        sign = ""
        if coeff.is_number and coeff.is_negative:
            sign, coeff = "-", -coeff
        parts = ([] if coeff == 1 else [self._print(coeff)]) + [
            self._paren(f) if isinstance(f, (sp.MatAdd, sp.HadamardProduct)) else self._print(f)
            for f in factors.args]
        return sign + ("*" if self.ascii else " ").join(parts)

    def _print_MatAdd(self, expr: Any) -> str:
        return self._print_Add(expr)

    def _print_Inverse(self, expr: Any) -> str:
        return self._paren(expr.arg) + self.sup("-1")

    def _print_OneMatrix(self, expr: Any) -> str:
        one = "1" if self.ascii else "𝟏"
        rows, cols = expr.shape
        return one + (("^T" if self.ascii else "ᵀ") if rows == 1 and cols != 1 else "")

    def _print_Identity(self, expr: Any) -> str:
        return "I"

    def _print_ZeroMatrix(self, expr: Any) -> str:
        return "0"

    def _print_HadamardProduct(self, expr: Any) -> str:
        return (" (.) " if self.ascii else " ⊙ ").join(self._paren(a) for a in expr.args)

    def _print_HadamardPower(self, expr: Any) -> str:
        return f"{self._paren(expr.base)}^({'o' if self.ascii else '∘'}{self._print(expr.exp)})"

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        """f(Z) for an activation of the registry (σ(Z₁), ReLU'(Z₁), σ'(Z₂)); any other function
        as its body with the matrix put in for the variable, products as ⊙."""
        fn = expr.function
        var, body = fn.variables[0], fn.expr
        arg = self._print(expr.expr)
        for rule, shown in DERIVATIVE_FORMULAS:
            if body == rule(var):
                return f"{self.name(shown.removesuffix(chr(39)))}'({arg})"
        self._arg[var] = arg
        self._elementwise += 1
        try:
            return self._print(body)
        finally:
            self._elementwise -= 1
            del self._arg[var]

    def _print_MatrixBase(self, expr: sp.MatrixBase) -> str:
        rows = ["[" + ", ".join(self._print(e) for e in expr.row(r)) + "]" for r in range(expr.rows)]
        return "[" + ", ".join(rows) + "]"

    _print_ImmutableMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase
    _print_ImmutableDenseMatrix = _print_MatrixBase

    # ------------------------------------------------------------------ sets and tuples
    def _print_Interval(self, expr: sp.Interval) -> str:
        left = "(" if expr.left_open else "["
        right = ")" if expr.right_open else "]"
        return f"{left}{self._print(expr.start)}, {self._print(expr.end)}{right}"

    def _print_Union(self, expr: sp.Union) -> str:
        return (" U " if self.ascii else " ∪ ").join(self._print(a) for a in expr.args)

    def _print_EmptySet(self, expr: Any) -> str:
        return "{}" if self.ascii else "∅"

    def _print_Tuple(self, expr: sp.Tuple) -> str:
        return "(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_list(self, expr: list[Any]) -> str:
        return "[" + ", ".join(self._print(a) for a in expr) + "]"

    def _print_Pi(self, expr: Any) -> str:
        return "pi" if self.ascii else "π"

    def _print_Exp1(self, expr: Any) -> str:
        return "E" if self.ascii else "e"

    def _print_Infinity(self, expr: Any) -> str:
        return "oo" if self.ascii else "∞"

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return "-oo" if self.ascii else "-∞"


def pretty(expr: Any, ascii: bool = False) -> str:
    """`expr` on one line for a terminal (see UnicodePrinter)."""
    return UnicodePrinter(ascii=ascii).doprint(expr)
