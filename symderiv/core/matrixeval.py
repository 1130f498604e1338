"""One walker over SymPy matrix expressions and its exact back end (NumPy code: symderiv.compiled)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce
from typing import Any

import sympy as sp
from sympy import (
    HadamardPower,
    HadamardProduct,
    Identity,
    MatAdd,
    MatMul,
    MatrixSymbol,
    OneMatrix,
    Transpose,
    ZeroMatrix,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction


class Backend:
    """The operations a back end supplies; values are whatever it computes with."""

    def const(self, value: sp.Expr) -> Any: ...
    def ones(self, rows: int, cols: int) -> Any: ...
    def eye(self, n: int) -> Any: ...
    def zeros(self, rows: int, cols: int) -> Any: ...
    def add(self, terms: list[Any]) -> Any: ...
    def matmul(self, a: Any, b: Any) -> Any: ...
    def scale(self, c: Any, a: Any) -> Any: ...
    def transpose(self, a: Any) -> Any: ...
    def hadamard(self, a: Any, b: Any) -> Any: ...
    def power(self, a: Any, p: sp.Expr) -> Any: ...
    def apply(self, fn: sp.Lambda, a: Any) -> Any: ...


class ExactBackend(Backend):
    """Explicit SymPy matrices: exact rationals or expressions in entry symbols."""

    def const(self, value: sp.Expr) -> Any:
        return value

    def ones(self, rows: int, cols: int) -> Any:
        return sp.ones(rows, cols)

    def eye(self, n: int) -> Any:
        return sp.eye(n)

    def zeros(self, rows: int, cols: int) -> Any:
        return sp.zeros(rows, cols)

    def add(self, terms: list[Any]) -> Any:
        return reduce(lambda a, b: a + b, terms)

    def matmul(self, a: Any, b: Any) -> Any:
        return a * b

    def scale(self, c: Any, a: Any) -> Any:
        return c * a

    def transpose(self, a: Any) -> Any:
        return a.T

    def hadamard(self, a: Any, b: Any) -> Any:
        return a.multiply_elementwise(b)

    def power(self, a: Any, p: sp.Expr) -> Any:
        return a.applyfunc(lambda e: e**p)

    def apply(self, fn: sp.Lambda, a: Any) -> Any:
        return a.applyfunc(fn)


def evaluate(
    expr: sp.Basic, env: Mapping[str, Any], dims: Mapping[sp.Symbol, int], backend: Backend
) -> Any:
    """Value of a matrix (or scalar) expression with MatrixSymbols taken from `env`.

    `dims` gives the concrete value of every size symbol (N, n_0, ...).
    """

    def size(d: sp.Expr) -> int:
        return int(sp.Integer(d.subs(dims)) if not isinstance(d, int) else d)

    def walk(e: sp.Basic) -> Any:
        if isinstance(e, MatrixSymbol):
            return env[e.name]
        if isinstance(e, MatAdd):
            return backend.add([walk(a) for a in e.args])
        if isinstance(e, MatMul):
            scalars = [a for a in e.args if not a.is_Matrix]
            mats = [walk(a) for a in e.args if a.is_Matrix]
            out = reduce(backend.matmul, mats)
            if scalars:
                out = backend.scale(backend.const(sp.Mul(*scalars).subs(dims)), out)
            return out
        if isinstance(e, Transpose):
            return backend.transpose(walk(e.arg))
        if isinstance(e, HadamardProduct):
            return reduce(backend.hadamard, [walk(a) for a in e.args])
        if isinstance(e, HadamardPower):
            return backend.power(walk(e.base), e.exp)
        if isinstance(e, ElementwiseApplyFunction):
            return backend.apply(e.function, walk(e.expr))
        if isinstance(e, OneMatrix):
            return backend.ones(size(e.rows), size(e.cols))
        if isinstance(e, Identity):
            return backend.eye(size(e.rows))
        if isinstance(e, ZeroMatrix):
            return backend.zeros(size(e.rows), size(e.cols))
        if not e.is_Matrix:
            return backend.const(e.subs(dims))
        raise TypeError(f"no rule to evaluate {type(e).__name__}")

    return walk(expr)
