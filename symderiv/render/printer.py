"""A SymPy LatexPrinter for the matrix forms: display names, ⊙, 1_N, f(Z), ᵀ."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy import MatrixSymbol
from sympy.printing.latex import LatexPrinter

from ..core.numeric import exact_decimal
from ..core.texsafe import inert_leaf, text_math


class DerivPrinter(LatexPrinter):
    """LaTeX in the problem's own notation.

    `names` maps a MatrixSymbol (or Symbol) name to its LaTeX display name, e.g.
    W1 -> W^{(1)}.  Matrix operations print as people write them: transposes as
    ^{\\top}, the all-ones matrices as \\mathbf{1}_N, element-wise products as ⊙,
    element-wise functions applied to a matrix as f(Z) (the function's own `_latex`).
    """

    printmethod = "_latex"

    def __init__(self, names: Mapping[str, str] | None = None, **settings: Any) -> None:
        super().__init__(settings)
        self.names = dict(names or {})
        self._arg: dict[sp.Symbol, str] = {}
        self._elementwise = 0

    # ------------------------------------------------------------------ symbols
    def _print_MatrixSymbol(self, expr: MatrixSymbol) -> str:
        if expr.name in self.names:
            return _leaf(self.names[expr.name])
        return super()._print_MatrixSymbol(expr)

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if expr in self._arg:
            return self._arg[expr]
        if expr.name in self.names:
            return _leaf(self.names[expr.name])
        return super()._print_Symbol(expr, style)

    def _deal_with_super_sub(self, string: str, style: str = "plain") -> str:
        """A symbol's or function's name as SymPy writes it (x_1 -> x_{1}, alpha -> \\alpha),
        unless that is not inert LaTeX (a name from a problem file such as '\\input{f}'):
        then its text, escaped."""
        out = super()._deal_with_super_sub(string, style)
        return out if inert_leaf(out) else text_math(string)

    def _print_Str(self, s: Any) -> str:
        return _leaf(str(s.name))

    def _print_Dummy(self, expr: sp.Dummy) -> str:
        return self._arg.get(expr) or super()._print_Dummy(expr)

    # ------------------------------------------------------------------ matrices
    def _print_Transpose(self, expr: Any) -> str:
        arg = expr.arg
        inner = self._print(arg)
        if isinstance(arg, MatrixSymbol):
            merged = _merge_superscript(inner, r"\top")
            if merged is not None:
                return merged
            if "^" not in inner:
                return rf"{inner}^{{\top}}"
        return rf"\left({inner}\right)^{{\top}}"

    def _print_OneMatrix(self, expr: Any) -> str:
        r, c = expr.shape
        if c == 1:
            return rf"\mathbf{{1}}_{{{self._print(r)}}}"
        if r == 1:
            return rf"\mathbf{{1}}_{{{self._print(c)}}}^{{\top}}"
        return rf"\mathbf{{1}}_{{{self._print(r)} \times {self._print(c)}}}"

    def _print_HadamardProduct(self, expr: Any) -> str:
        return r" \odot ".join(self._factor(a) for a in expr.args)

    def _print_HadamardPower(self, expr: Any) -> str:
        return rf"{self._factor(expr.base)}^{{\circ\, {self._print(expr.exp)}}}"

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        """f(Z): the function's body printed with its variable replaced by the matrix."""
        fn = expr.function
        var = fn.variables[0]
        self._arg[var] = self._print(expr.expr)
        self._elementwise += 1
        try:
            return self._print(fn.expr)
        finally:
            self._elementwise -= 1
            del self._arg[var]

    def _print_Mul(self, expr: sp.Mul) -> str:
        """Inside an element-wise function a product of matrices is a Hadamard product."""
        if self._elementwise:
            coeff, factors = expr.as_coeff_mul()
            if len(factors) > 1:
                body = r" \odot ".join(self._factor(f) for f in factors)
                if coeff == -1:
                    return "-" + body
                return body if coeff == 1 else f"{self._print(coeff)} {body}"
        return super()._print_Mul(expr)

    def _print_exp(self, expr: Any, exp: Any = None) -> str:
        if self._elementwise:
            return rf"\exp\left({self._print(expr.args[0])}\right)"
        return self._print_ExpBase(expr, exp)

    def _factor(self, e: sp.Basic) -> str:
        s = self._print(e)
        if isinstance(e, (sp.Add, sp.MatAdd, sp.MatMul, sp.HadamardProduct)):
            return rf"\left({s}\right)"
        return s


def _leaf(tex: str) -> str:
    """A display name as it is when inert, else its text escaped."""
    return tex if inert_leaf(tex) else text_math(tex)


def transposed(tex: str) -> str:
    r"""{tex}^{\top}, except that the transpose of {X}^{\top} is X (no X^{\top\top})."""
    suffix = r"}^{\top}"
    if tex.startswith("{") and tex.endswith(suffix):
        inner, depth = tex[1 : -len(suffix)], 0
        for ch in inner:
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if depth < 0:
                break
        else:
            if depth == 0:
                return inner
    return rf"{{{tex}}}^{{\top}}"


def _merge_superscript(name: str, sup: str) -> str | None:
    """W^{(1)} and \\top -> W^{(1)\\top}, when the name ends in one superscript group."""
    start = name.rfind("^{")
    if start < 0 or not name.endswith("}"):
        return None
    depth = 0
    for pos in range(start + 1, len(name)):
        depth += {"{": 1, "}": -1}.get(name[pos], 0)
        if depth == 0 and pos != len(name) - 1:
            return None
    return f"{name[:-1]} {sup}}}"


def latex(expr: sp.Basic, names: Mapping[str, str] | None = None) -> str:
    """`expr` in LaTeX, MatrixSymbols and Symbols named by `names`."""
    return DerivPrinter(names).doprint(expr)


_RATIO = re.compile(r"-?\d+/\d+")
_SCIENTIFIC = re.compile(r"-?\d+(\.\d*)?e[-+]?\d+")
_DECIMAL = re.compile(r"-?(\d+(\.\d*)?|inf|nan)")


def number(value: Any) -> str:
    """One number as LaTeX: exact decimals stay exact, fractions become \\frac, else 6 digits."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (int, sp.Integer, sp.Rational)):
        text = exact_decimal(sp.Rational(value))
    elif isinstance(value, sp.Basic) and value.is_number:
        text = exact_decimal(value)
    else:
        text = f"{float(value):.6g}"
    if _RATIO.fullmatch(text):
        p, q = text.split("/", 1)
        sign = "-" if p.startswith("-") else ""
        return rf"{sign}\tfrac{{{p.lstrip('-')}}}{{{q}}}"
    if _SCIENTIFIC.fullmatch(text):
        mant, ex = text.split("e")
        return rf"{mant} \cdot 10^{{{int(ex)}}}"
    if _DECIMAL.fullmatch(text) or isinstance(value, str):
        return text
    return latex(value)  # a complex number, one beyond a float (exp(exp(10))): printed by SymPy


def number_matrix(rows: Any, env: str = "bmatrix") -> str:
    """A matrix of numbers (nested lists, SymPy or NumPy) as a bmatrix; 1x1 as a number."""
    if hasattr(rows, "tolist"):
        rows = rows.tolist()
    if not isinstance(rows, list):
        return number(rows)
    if rows and not isinstance(rows[0], list):
        return r"\left(" + ", ".join(number(v) for v in rows) + r"\right)"
    if len(rows) == 1 and len(rows[0]) == 1:
        return number(rows[0][0])
    body = r" \\ ".join(" & ".join(number(v) for v in row) for row in rows)
    return rf"\begin{{{env}}} {body} \end{{{env}}}"
