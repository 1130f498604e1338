"""NumPy source generated from a MatrixForm's SymPy steps, one module per batch size: sizes bound once.

For a batch size, every step of the matrix form becomes three-address NumPy code: one call per
line, every array written into a buffer of a workspace allocated once per (batch, dtype)
(`out=work.NAME`), sums over samples by `np.sum(axis=...)` and never by a product with a ones
matrix, a row or column repeated along an axis (b 1ᵀ, 1 1ᵀ M) kept as a NumPy broadcast, a
temporary read once overwritten in place by the operation that reads it, and a 0/1 factor of a
Hadamard product multiplied in as a boolean mask.  Element-wise functions are the registry's
NumPy forms (by the SymPy function's name) or NumPy's ufuncs for SymPy's exp, log and tanh;
no operation is special-cased by name.  A buffer whose values are dead is reused by a later
result of its shape.  The module is generated from the SymPy trees only: every Python name is a
step's or parameter's identifier (renamed if it would clash), every constant a float literal.
symderiv.compiled imports and runs it.
"""

from __future__ import annotations

import keyword
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import reduce
from typing import Any, Protocol

import numpy as np
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

from .ops import NUMPY_FUNCTIONS, NUMPY_MASKS


class MatrixForm(Protocol):
    """What the generator reads of a backprop.MatrixForm (named here, so that backprop, which
    runs the generated code, is not imported by it)."""

    net: Any
    inputs: Mapping[str, Any]
    steps: Sequence[Any]
    gradients: Mapping[str, Any]

    def dims(self, batch: int) -> dict[Any, int]: ...

#: SymPy's own element-wise functions, by class name, and the NumPy ufunc computing each.
UFUNCS = {"exp": "np.exp", "log": "np.log", "tanh": "np.tanh"}

#: Module-level names of the generated module that no input or step may shadow.
RESERVED = frozenset({"np", "work", "dtype", "workspace", "forward", "gradients", "SimpleNamespace",
                      "NUMPY_FUNCTIONS", *NUMPY_FUNCTIONS})

Shape = tuple[int, int]

_VAR = sp.Symbol("_symderiv_z")  # the variable of element-wise functions, when comparing them


@dataclass(frozen=True)
class Operand:
    """A value of the generated code: a Python name (or a float literal when `const` is set).

    `shape` is the matrix's shape; `phys` the array's, 1 on an axis along which the value is
    repeated (a NumPy broadcast).  `buffer` names the workspace buffer holding a temporary
    that nothing else reads, so the operation reading it may overwrite it; `mask` marks a
    boolean 0/1 array.
    """

    code: str
    shape: Shape
    phys: Shape
    buffer: str | None = None
    const: float | None = None
    mask: bool = False

    @property
    def full(self) -> bool:
        return self.phys == self.shape and self.const is None and not self.mask


@dataclass
class Line:
    """`target = func(args..., kwargs..., out=work.buffer)`; an alias `target = args[0]` when func is None."""

    target: str
    func: str | None
    args: list[str]
    kwargs: tuple[tuple[str, str], ...] = ()
    buffer: str | None = None

    def render(self, buffer_names: Mapping[str, str]) -> str:
        if self.func is None:
            return f"{self.target} = {self.args[0]}"
        parts = [*self.args, *(f"{k}={v}" for k, v in self.kwargs)]
        if self.buffer is not None:
            parts.append(f"out=work.{buffer_names.get(self.buffer, self.buffer)}")
        return f"{self.target} = {self.func}({', '.join(parts)})"


def _literal(value: float) -> str:
    if not np.isfinite(value):
        raise ValueError(f"a constant of the matrix form is not finite: {value}")
    return repr(float(value))


def _const(value: float, shape: Shape) -> Operand:
    return Operand(_literal(value), shape, (1, 1), const=float(value))


def _broadcast(a: Shape, b: Shape) -> Shape:
    return (max(a[0], b[0]), max(a[1], b[1]))


class _Generator:
    """Emits the lines of every step; `buffers` maps each buffer it opens to its shape."""

    def __init__(self, dims: Mapping[sp.Symbol, int], taken: set[str]) -> None:
        self.dims = dims
        self.lines: list[Line] = []
        self.buffers: dict[str, Shape] = {}
        self.buffer_names: dict[str, str] = {}  # a buffer renamed after the step it ends up holding
        self.taken = set(taken)
        self.count = 0
        self.transposes: dict[str, Operand] = {}
        # f(a) for a scalar expression f (in the variable _VAR) and a value a never overwritten:
        # e.g. sigma(Z) in the derivative sigma(z)(1 - sigma(z)) is the forward step A = sigma(Z)
        self.elementwise: dict[tuple[sp.Expr, str], Operand] = {}

    # ------------------------------------------------------------------ names, sizes, lines
    def fresh(self) -> str:
        while True:
            self.count += 1
            name = f"t{self.count}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def size(self, d: Any) -> int:
        return int(d.subs(self.dims) if isinstance(d, sp.Basic) else d)

    def shape(self, e: sp.MatrixExpr) -> Shape:
        return (self.size(e.rows), self.size(e.cols))

    def scalar(self, e: sp.Expr) -> float:
        value = e.subs(self.dims)
        if not value.is_number:
            raise TypeError(f"no NumPy value for the scalar {e}")
        return float(value)

    def emit(self, func: str, args: list[Operand | str], shape: Shape, phys: Shape,
             kwargs: tuple[tuple[str, str], ...] = (), reuse: Iterable[Operand] = (), out: bool = True,
             mask: bool = False) -> Operand:
        """One line; the result goes into the buffer of an operand in `reuse` that may be overwritten
        and has the result's array shape, else into a new buffer (none when `out` is false: a view,
        or a mask)."""
        target = self.fresh()
        buffer = None
        if out:
            buffer = next((o.buffer for o in reuse if o.buffer is not None and o.phys == phys and not o.mask), None)
            if buffer is None:
                buffer = target
                self.buffers[buffer] = phys
        codes = [a.code if isinstance(a, Operand) else a for a in args]
        self.lines.append(Line(target, func, codes, kwargs, buffer))
        return Operand(target, shape, phys, buffer=buffer, mask=mask)

    # ------------------------------------------------------------------ matrix expressions
    def step(self, name: str, expr: sp.Basic, env: dict[str, Operand]) -> Operand:
        """Lines computing one step, its value bound to `name` as a full array."""
        self.env, self.memo, self.uses = env, {}, Counter()
        self._count(expr)
        value = self.full(self.walk(expr))
        last = self.lines[-1] if self.lines else None
        if value.buffer is not None and last is not None and last.target == value.code:
            last.target = name  # a temporary read by nothing yet: the step's own line
            self.buffer_names[value.buffer] = name
        else:
            self.lines.append(Line(name, None, [value.code]))
        bound = Operand(name, value.shape, value.phys)
        if isinstance(expr, ElementwiseApplyFunction):
            arg = self.memo.get((expr.expr, False))
            if arg is not None and arg.buffer is None:
                (var,) = expr.function.variables
                self.elementwise[(expr.function.expr.xreplace({var: _VAR}), arg.code)] = bound
        return bound

    def full(self, v: Operand) -> Operand:
        """v as an array of its own shape and the workspace's dtype (a broadcast, constant or mask copied out)."""
        if v.full:
            return v
        return self.emit("np.multiply", ["1.0", v], v.shape, v.shape) if v.mask else \
            self.emit("np.positive", [v], v.shape, v.shape)

    def _count(self, e: sp.Basic) -> None:
        self.uses[e] += 1
        if self.uses[e] == 1:
            for a in e.args:
                if getattr(a, "is_Matrix", False):
                    self._count(a)

    def walk(self, e: sp.Basic, mask: bool = False) -> Operand:
        """The value of e (memoised within the step; a value read more than once is never
        overwritten).  Where `mask`, a 0/1 value may come as a boolean mask."""
        for key in ([(e, True), (e, False)] if mask else [(e, False)]):
            if key in self.memo:
                return self.memo[key]
        v = self._walk(e, mask)
        if self.uses[e] > 1:
            v = replace(v, buffer=None)
        self.memo[(e, v.mask)] = v
        return v

    def _walk(self, e: sp.Basic, mask: bool) -> Operand:
        if isinstance(e, MatrixSymbol):
            return self.env[e.name]
        if isinstance(e, MatAdd):
            return self.add([self.term(a) for a in e.args], self.shape(e))
        if isinstance(e, MatMul):
            coeff, value = self.term(e)
            return self.scale(coeff, value)
        if isinstance(e, Transpose):
            return self.transpose(self.walk(e.arg))
        if isinstance(e, HadamardProduct):
            return self.product([self.walk(a, mask=True) for a in e.args], self.shape(e), mask)
        if isinstance(e, HadamardPower):
            return self.power(self.walk(e.base), self.scalar(e.exp))
        if isinstance(e, ElementwiseApplyFunction):
            return self.apply(e.function, self.walk(e.expr), mask)
        if isinstance(e, OneMatrix):
            return _const(1.0, self.shape(e))
        if isinstance(e, ZeroMatrix):
            return _const(0.0, self.shape(e))
        if isinstance(e, Identity):
            n = self.size(e.rows)
            return self.emit("np.eye", [str(n)], (n, n), (n, n), (("dtype", "work.dtype"),), out=False)  # a new array
        raise TypeError(f"no NumPy code for {type(e).__name__}")

    def term(self, e: sp.Basic) -> tuple[float, Operand]:
        """(coefficient, value) of a term: the scalar factors of a product apart."""
        if not isinstance(e, MatMul):
            return 1.0, self.walk(e)
        scalars = [a for a in e.args if not a.is_Matrix]
        mats = [self.walk(a) for a in e.args if a.is_Matrix]
        return (self.scalar(sp.Mul(*scalars)) if scalars else 1.0), reduce(self.matmul, mats)

    def matmul(self, a: Operand, b: Operand) -> Operand:
        """a b, where a repeated row or column turns the product into sums and broadcasts:
        A (1_k bᵀ) = (A 1_k) bᵀ and (a 1_kᵀ) B = a (1_kᵀ B)."""
        (r, k), (_, c) = a.shape, b.shape
        if b.const is not None or (k > 1 and b.phys[0] == 1):  # every row of b is the same row: sum a's rows
            return self.product([self.row_sums(a), replace(b, shape=(1, c))], (r, c))
        if a.const is not None or (k > 1 and a.phys[1] == 1):  # every column of a is the same: sum b's columns
            return self.product([replace(a, shape=(r, 1)), self.column_sums(b)], (r, c))
        return self.emit("np.matmul", [a, b], (r, c), (a.phys[0], b.phys[1]))

    def row_sums(self, a: Operand) -> Operand:
        """a 1: the sum of each row of a, as a column."""
        (r, k) = a.shape
        if k == 1:
            return a
        if a.phys[1] == 1:  # each row is one repeated value
            return self.scale(float(k), replace(a, shape=(r, 1)))
        return self.emit("np.sum", [a], (r, 1), (a.phys[0], 1), (("axis", "1"), ("keepdims", "True")))

    def column_sums(self, b: Operand) -> Operand:
        """1ᵀ b: the sum of each column of b, as a row."""
        (k, c) = b.shape
        if k == 1:
            return b
        if b.phys[0] == 1:
            return self.scale(float(k), replace(b, shape=(1, c)))
        return self.emit("np.sum", [b], (1, c), (1, b.phys[1]), (("axis", "0"), ("keepdims", "True")))

    def transpose(self, a: Operand) -> Operand:
        shape, phys = (a.shape[1], a.shape[0]), (a.phys[1], a.phys[0])
        if a.const is not None:
            return replace(a, shape=shape, phys=phys)
        if a.buffer is None and a.code in self.transposes:
            return self.transposes[a.code]
        view = self.emit("np.transpose", [a], shape, phys, out=False, mask=a.mask)
        if a.buffer is None:
            self.transposes[a.code] = view
        return view

    def scale(self, c: float, a: Operand) -> Operand:
        if c == 1.0:
            return a
        if a.const is not None:
            return _const(c * a.const, a.shape)
        if c == -1.0:
            return self.emit("np.negative", [a], a.shape, a.phys, reuse=[a])
        return self.emit("np.multiply", [_literal(c), a], a.shape, a.phys, reuse=[a])

    def binary(self, func: str, a: Operand, b: Operand, shape: Shape) -> Operand:
        return self.emit(func, [a, b], shape, _broadcast(a.phys, b.phys), reuse=[a, b])

    def add(self, terms: list[tuple[float, Operand]], shape: Shape) -> Operand:
        """Σ c_i v_i: a coefficient shared by every term applied once, after the sum; minus
        signs as subtractions."""
        constant = sum(c * v.const for c, v in terms if v.const is not None)
        arrays = [(c, v) for c, v in terms if v.const is None]
        if not arrays:
            return _const(constant, shape)
        sizes = {abs(c) for c, _ in arrays}
        common = sizes.pop() if len(sizes) == 1 else 1.0
        arrays = [(c / common, v) for c, v in arrays]
        constant /= common
        arrays = [(c, v) if abs(c) == 1.0 else (1.0, self.scale(c, v)) for c, v in arrays]
        if all(c < 0 for c, _ in arrays) and constant == 0.0:
            arrays, common = [(-c, v) for c, v in arrays], -common
        arrays.sort(key=lambda cv: cv[0] < 0)  # a term with a plus sign first
        if arrays[0][0] > 0:
            total = replace(arrays[0][1], shape=shape)
            rest = arrays[1:]
        else:  # constant - v - ...
            total, rest = self.binary("np.subtract", _const(constant, shape), arrays[0][1], shape), arrays[1:]
            constant = 0.0
        for c, v in rest:
            total = self.binary("np.add" if c > 0 else "np.subtract", total, v, shape)
        if constant != 0.0:
            total = self.binary("np.add", total, _const(constant, shape), shape)
        return self.scale(common, total)

    def product(self, factors: list[Operand], shape: Shape, mask: bool = False) -> Operand:
        """The element-wise product (with broadcasting); constant factors applied once at the end.
        A lone mask factor stays a mask only where `mask` allows it (a factor of a further product)."""
        coeff = float(np.prod([f.const for f in factors if f.const is not None]))
        arrays = sorted((f for f in factors if f.const is None), key=lambda f: f.mask)  # an array first
        if not arrays:
            return _const(coeff, shape)
        total = arrays[0]
        for f in arrays[1:]:
            total = self.binary("np.multiply", total, f, shape)
        total = self.scale(coeff, replace(total, shape=shape))
        return total if mask or not total.mask else self.full(total)

    def power(self, a: Operand, p: float) -> Operand:
        if a.const is not None:
            return _const(a.const**p, a.shape)
        if p == 1.0:
            return a
        if p == -1.0:
            return self.emit("np.reciprocal", [a], a.shape, a.phys, reuse=[a])
        if p == 2.0:
            return self.emit("np.square", [a], a.shape, a.phys, reuse=[a])
        return self.emit("np.power", [a, _literal(p)], a.shape, a.phys, reuse=[a])

    # ------------------------------------------------------------------ element-wise functions
    def apply(self, fn: sp.Lambda, a: Operand, mask: bool) -> Operand:
        """f∘(a) for a SymPy Lambda f of one variable, walked as a scalar expression."""
        (var,) = fn.variables
        if a.const is not None:
            return _const(self.scalar(fn.expr.subs(var, a.const)), a.shape)
        scalar_uses: Counter[sp.Basic] = Counter()
        for node in sp.preorder_traversal(fn.expr):
            scalar_uses[node] += 1
        memo: dict[tuple[sp.Basic, bool], Operand] = {}
        stable = a.buffer is None  # a is never overwritten: f(a) may be shared with other steps

        def walk(e: sp.Expr, mask: bool = False) -> Operand:
            if e == var:
                return a
            if not e.has(var):
                return _const(self.scalar(e), a.shape)
            for key in ([(e, True), (e, False)] if mask else [(e, False)]):
                if key in memo:
                    return memo[key]
            shared = (e.xreplace({var: _VAR}), a.code)
            if stable and shared in self.elementwise:
                return self.elementwise[shared]
            v = scalar_walk(e, mask)
            if scalar_uses[e] > 1:
                v = replace(v, buffer=None)
            memo[(e, v.mask)] = v
            if stable and v.buffer is None and not v.mask and v.const is None:
                self.elementwise[shared] = v
            return v

        def scalar_walk(e: sp.Expr, mask: bool) -> Operand:
            if isinstance(e, sp.Add):
                return self.add([(float(c), walk(r)) for c, r in (t.as_coeff_Mul() for t in e.args)], a.shape)
            if isinstance(e, sp.Mul):
                c, factors = e.as_coeff_mul()
                return self.scale(float(c), self.product([walk(f, mask=True) for f in factors], a.shape, mask))
            if isinstance(e, sp.Pow) and not e.exp.has(var):
                return self.power(walk(e.base), self.scalar(e.exp))
            if isinstance(e, sp.Function):
                return self.function(e, [walk(x) for x in e.args], mask)
            raise TypeError(f"no NumPy code for {type(e).__name__} in {fn.expr}")

        return walk(fn.expr, mask)

    def function(self, e: sp.Function, args: list[Operand], mask: bool) -> Operand:
        name = type(e).__name__
        if name in NUMPY_FUNCTIONS:
            func = name
        elif name in UFUNCS:
            func = UFUNCS[name]
        else:
            raise TypeError(f"no NumPy form for the function {name}: add it to symderiv.core.ops.NUMPY_FUNCTIONS")
        arrays = [x for x in args if x.const is None]
        phys = reduce(_broadcast, [x.phys for x in arrays])
        if mask and name in NUMPY_MASKS:
            return self.emit(func, list(args), arrays[0].shape, phys, out=False, mask=True)
        return self.emit(func, list(args), arrays[0].shape, phys, reuse=arrays)


# ---------------------------------------------------------------------------- the program


@dataclass(frozen=True)
class Program:
    """The generated module for one batch size.

    `names` maps each matrix symbol (parameter, X, T, step) to its Python name; `inputs`
    lists the parameter keys then X and T, with their shapes in `shapes`; `functions` holds
    the source of each function: `forward` (the forward steps), `gradients` (every
    gradient, in `gradients`' order) and `grad_<key>` (one gradient each).
    """

    batch: int
    source: str
    header: str
    functions: dict[str, str]
    names: dict[str, str]
    inputs: tuple[str, ...]
    shapes: dict[str, Shape]
    forward_steps: tuple[str, ...]
    gradients: tuple[str, ...]

    @property
    def evaluator_source(self) -> str:
        """The imports, the workspace and `gradients`: what numeric_gradients runs."""
        return "\n\n\n".join([self.header, self.functions["workspace"], self.functions["gradients"]])


def python_names(symbols: Iterable[str]) -> dict[str, str]:
    """Each symbol's Python name: itself, or with '_' appended while it would be a keyword, a
    name of the generated module or a temporary (t1, t2, ...), or clash with another."""
    out: dict[str, str] = {}
    for s in symbols:
        if not s.isidentifier():
            raise ValueError(f"{s!r} is not a Python identifier")
        name = s
        while keyword.iskeyword(name) or name in RESERVED or re.fullmatch(r"t\d+", name) or name in out.values():
            name += "_"
        out[s] = name
    return out


def _live(lines: list[Line], results: Iterable[str]) -> list[Line]:
    """The lines the named results depend on, in order."""
    need, keep = set(results), []
    for line in reversed(lines):
        if line.target in need:
            keep.append(line)
            need |= set(line.args)
    return keep[::-1]


def _function(name: str, args: list[str], lines: list[Line], results: list[str], renames: Mapping[str, str],
              one: bool = False) -> str:
    """def name(args..., work): the live lines; returns the one result, or the tuple of results."""
    body = [f"    {line.render(renames)}" for line in _live(lines, results)]
    value = results[0] if one else f"({', '.join(results)},)" if len(results) == 1 else f"({', '.join(results)})"
    return "\n".join([f"def {name}({', '.join([*args, 'work'])}):", *body, f"    return {value}"]) + "\n"


#: Operations computed entry by entry: their result may be written over an input of its own shape.
ELEMENTWISE = frozenset({"np.add", "np.subtract", "np.multiply", "np.negative", "np.positive", "np.reciprocal",
                         "np.square", "np.power", *UFUNCS.values(), *NUMPY_FUNCTIONS})


def share_buffers(lines: list[Line], shapes: Mapping[str, Shape], keep: Iterable[str]) -> dict[str, str]:
    """Buffer -> the buffer it is placed in: a new buffer takes one of its shape whose every value
    is dead, read by no later line and returned by no function (`keep`), or dies as an input
    (not a transposed view) of this very element-wise line.  Aliases and views (A2 = Z2,
    np.transpose) live in their source's buffer; lines writing into a buffer already placed
    follow it.  Each function runs a subsequence of `lines`, where values die no later."""
    last = {name: i for i, line in enumerate(lines) for name in line.args}
    last.update({name: len(lines) for name in keep})
    storage: dict[str, tuple[str, bool]] = {}  # name -> (placed buffer, transposed)
    holders: dict[str, list[str]] = {}  # placed buffer -> the names ever stored in it
    placed: dict[str, str] = {}
    for i, line in enumerate(lines):
        if line.buffer is None:
            source = storage.get(line.args[0]) if line.func in (None, "np.transpose") else None
            if source is not None:
                storage[line.target] = (source[0], source[1] != (line.func == "np.transpose"))
                holders[source[0]].append(line.target)
            continue
        if line.buffer not in placed:
            inputs = [storage.get(a) for a in line.args]

            def free(buffer: str, i: int = i, line: Line = line, inputs: list[Any] = inputs) -> bool:
                if shapes[buffer] != shapes[line.buffer]:
                    return False
                if any(s is not None and s[0] == buffer and s[1] for s in inputs):
                    return False  # a transposed view of it is read here
                dying = line.func in ELEMENTWISE
                return all(last.get(n, -1) < i or (dying and last.get(n, -1) == i) for n in holders[buffer])

            placed[line.buffer] = next((b for b in holders if free(b)), line.buffer)
        buffer = placed[line.buffer]
        storage[line.target] = (buffer, False)
        holders.setdefault(buffer, []).append(line.target)
    return placed


def generate(mf: MatrixForm, batch: int) -> Program:
    """The NumPy module of matrix form `mf` at `batch` samples (see the module docstring)."""
    dims = mf.dims(batch)
    keys = list(mf.net.params)
    targets = ["T", "S"] if "S" in mf.inputs else ["T"]  # targets and per-sample weights: not in the forward pass
    names = python_names([*keys, "X", *targets, *(s.symbol.name for s in mf.steps)])
    gen = _Generator(dims, set(names.values()))
    env: dict[str, Operand] = {}
    shapes: dict[str, Shape] = {}
    for key in [*keys, "X", *targets]:
        shapes[key] = gen.shape(mf.inputs[key])
        env[key] = Operand(names[key], shapes[key], shapes[key])
    for s in mf.steps:
        env[s.symbol.name] = gen.step(names[s.symbol.name], s.expr, env)
    forward_steps = tuple(s.symbol.name for s in mf.steps if s.role == "forward")
    grads = tuple(mf.gradients)
    params = [names[k] for k in keys]
    data = [*params, names["X"], *(names[t] for t in targets)]
    forward_out = [names[s] for s in forward_steps]
    gradient_out = [names[mf.gradients[k].symbol.name] for k in grads]
    placed = share_buffers(gen.lines, gen.buffers, [*forward_out, *gradient_out])
    # a placed buffer is named after the first step it holds (else its first temporary)
    shown = {b: next((gen.buffer_names[o] for o in gen.buffers if placed[o] == b and o in gen.buffer_names), b)
             for b in dict.fromkeys(placed.values())}
    renames = {b: shown[placed[b]] for b in gen.buffers}
    functions = {
        "forward": _function("forward", [*params, names["X"]], gen.lines, forward_out, renames),
        "gradients": _function("gradients", data, gen.lines, gradient_out, renames),
    }
    for k, out in zip(grads, gradient_out, strict=True):
        functions[f"grad_{k}"] = _function(f"grad_{k}", data, gen.lines, [out], renames, one=True)
    fields = [f"        {name}=np.empty({gen.buffers[b]}, dtype)," for b, name in shown.items()]
    functions["workspace"] = "\n".join([
        "def workspace(dtype):",
        f'    """Every intermediate\'s buffer at batch {batch}, in dtype (float32 or float64)."""',
        "    return SimpleNamespace(",
        "        dtype=np.dtype(dtype),",
        *fields,
        "    )",
    ]) + "\n"
    used = {line.func for line in gen.lines}
    header = "\n".join([
        f'"""Generated by symderiv from the matrix form: {"-".join(map(str, mf.net.widths))} network, '
        f'batch {batch}."""',
        "",
        "from types import SimpleNamespace",
        "",
        "import numpy as np",
        "",
        "from symderiv.core.ops import NUMPY_FUNCTIONS",
        "",
        *(f"{f} = NUMPY_FUNCTIONS[{f!r}]" for f in NUMPY_FUNCTIONS if f in used),
    ])
    order = ["workspace", "forward", "gradients", *(f"grad_{k}" for k in grads)]
    source = header + "\n\n\n" + "\n\n".join(functions[f] for f in order)
    return Program(batch, source, header, functions, names, (*keys, "X", *targets), shapes, forward_steps, grads)
