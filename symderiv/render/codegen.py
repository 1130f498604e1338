"""NumPy source for each gradient, from the MatrixForm steps, and its LaTeX via latexify.

The source is three-address code: every line applies one operation to names or
constants, so no line needs parentheses and latexify-py (0.4.4) cannot misread
precedence (it prints `(y - t).T @ h` as `y - t.T h`); sums are products with ones
vectors, never `.sum()` (which it prints as `\\sum()`).  latexify's own codegen classes
are extended (names, ⊙ for `*`, juxtaposition for `@`, ᵀ, 1_N) rather than its output
edited.  The module is written to a file and imported with importlib: no eval/exec.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import sympy as sp
from latexify import codegen as lcodegen

from .. import registry
from ..matrixeval import Backend, evaluate
from .blocks import Block, Code, Heading, Math, Para
from .printer import DerivPrinter, transposed

#: Element-wise NumPy functions the generated module may call, by name.
ELEMENTWISE = {"exp": "np.exp", "log": "np.log", "tanh": "np.tanh"}


class SourceBackend(Backend):
    """A back end whose values are variable names: each operation appends one line."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []  # (target, expression)
        self.count = 0
        self.seen: dict[str, str] = {}  # expression -> the name already holding it

    def _emit(self, expr: str) -> str:
        if expr in self.seen:
            return self.seen[expr]
        self.count += 1
        name = f"t{self.count}"
        self.lines.append((name, expr))
        self.seen[expr] = name
        return name

    def rename_last(self, name: str) -> None:
        """The last line's target becomes `name` (a step's own symbol)."""
        expr = self.lines[-1][1]
        self.lines[-1] = (name, expr)
        self.seen[expr] = name

    def const(self, value: sp.Expr) -> str:
        return repr(float(value))

    def ones(self, rows: int, cols: int) -> str:
        return self._emit(f"ones({rows}, {cols})")

    def eye(self, n: int) -> str:
        return self._emit(f"np.eye({n})")

    def zeros(self, rows: int, cols: int) -> str:
        return self._emit(f"np.zeros(({rows}, {cols}))")

    def add(self, terms: list[str]) -> str:
        out = terms[0]
        for t in terms[1:]:
            out = self._emit(f"{out} + {t}")
        return out

    def matmul(self, a: str, b: str) -> str:
        return self._emit(f"{a} @ {b}")

    def scale(self, c: str, a: str) -> str:
        return self._emit(f"{c} * {a}")

    def transpose(self, a: str) -> str:
        return self._emit(f"np.transpose({a})")

    def hadamard(self, a: str, b: str) -> str:
        return self._emit(f"{a} * {b}")

    def power(self, a: str, p: sp.Expr) -> str:
        return self._emit(f"{a} ** {float(p)!r}")

    def apply(self, fn: sp.Lambda, a: str) -> str:
        var = fn.variables[0]

        def walk(e: sp.Basic) -> str:
            if e == var:
                return a
            if e.is_Number:
                return repr(float(e))
            if isinstance(e, sp.Add):
                return self.add([walk(t) for t in e.args])
            if isinstance(e, sp.Mul):
                coeff, factors = e.as_coeff_mul()
                out = walk(factors[0])
                for f in factors[1:]:
                    out = self.hadamard(out, walk(f))
                return out if coeff == 1 else self.scale(repr(float(coeff)), out)
            if isinstance(e, sp.Pow) and e.exp.is_Number:
                return self.power(walk(e.base), e.exp)
            if isinstance(e, sp.Function):
                name = type(e).__name__
                if name not in registry.NUMPY_FUNCTIONS and name not in ELEMENTWISE:
                    raise TypeError(f"no NumPy form for {name}")
                args = [walk(x) for x in e.args]
                return self._emit(f"{name}({', '.join(args)})")
            raise TypeError(f"no NumPy source for {type(e).__name__}")

        return walk(fn.expr)


def _live(lines: list[tuple[str, str]], result: str) -> list[tuple[str, str]]:
    """The lines `result` depends on, in order."""
    need, keep = {result}, []
    for target, expr in reversed(lines):
        if target in need:
            keep.append((target, expr))
            need |= {n.id for n in ast.walk(ast.parse(expr)) if isinstance(n, ast.Name)}
    return keep[::-1]


def _program(problem: Any) -> tuple[list[tuple[str, str]], str]:
    """Every step of the matrix form as three-address lines (target, expression), and the
    argument list `params..., X, T`."""
    mf = problem.matrix_form
    backend = SourceBackend()
    env: dict[str, str] = {name: name for name in mf.inputs}
    dims = mf.dims(problem.batch)
    for step in mf.steps:
        start = len(backend.lines)
        result = evaluate(step.expr, env, dims, backend)
        if len(backend.lines) > start and backend.lines[-1][0] == result:
            backend.rename_last(step.symbol.name)
        else:
            backend.lines.append((step.symbol.name, result))
        env[step.symbol.name] = step.symbol.name
    lines = backend.lines
    return lines, ", ".join([*problem.net.params, "X", "T"])


def gradient_sources(problem: Any) -> dict[str, str]:
    """Python source of one function per gradient, `grad_<key>(params..., X, T)`,
    computing ∂L/∂key (display shape) from inputs in the layout's internal shapes."""
    lines, args = _program(problem)
    out = {}
    for key, step in problem.matrix_form.gradients.items():
        body = _live(lines, step.symbol.name)
        text = [f"def grad_{key}({args}):"]
        text += [f"    {t} = {e}" for t, e in body[:-1]]
        text.append(f"    return {body[-1][1]}")
        out[key] = "\n".join(text) + "\n"
    return out


def all_gradients_source(problem: Any) -> str:
    """`gradients(params..., X, T)`: every gradient at once, the forward and backward pass
    computed once and shared (what the appendix prints)."""
    lines, args = _program(problem)
    results = [step.symbol.name for step in problem.matrix_form.gradients.values()]
    need = {t for r in results for t, _ in _live(lines, r)}
    text = [f"def gradients({args}):"] + [f"    {t} = {e}" for t, e in lines if t in need]
    text.append(f"    return ({', '.join(results)},)" if len(results) == 1 else f"    return ({', '.join(results)})")
    return "\n".join(text) + "\n"


def module_source(problem: Any) -> str:
    """A complete Python module defining every grad_<key> function."""
    head = ['"""Generated by symderiv: NumPy evaluators of the gradients."""', "",
            "import numpy as np", "", "from symderiv.registry import NUMPY_FUNCTIONS", ""]
    head += [f"{name} = NUMPY_FUNCTIONS[{name!r}]" for name in registry.NUMPY_FUNCTIONS]
    head += [f"{name} = {fn}" for name, fn in ELEMENTWISE.items()]
    head += ["", "", "def ones(rows, cols):", "    return np.ones((rows, cols))", ""]
    functions = [*gradient_sources(problem).values(), all_gradients_source(problem)]
    return "\n".join(head) + "\n\n" + "\n\n".join(functions)


def load_module(source: str, directory: str | Path | None = None) -> ModuleType:
    """Import generated `source` from a file (kept, so latexify can read the functions)."""
    folder = Path(directory or tempfile.mkdtemp(prefix="symderiv-gen-"))
    name = f"symderiv_generated_{abs(hash(source)) % 10**12}"
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------------- latexify


class _Names:
    """An identifier converter (latexify's interface) that knows the display names."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def convert(self, name: str) -> tuple[str, bool]:
        if name in self.names:
            return self.names[name], False
        if name[:1] == "t" and name[1:].isdigit():
            return f"t_{{{name[1:]}}}", False
        return rf"\mathrm{{{name}}}", False


class _ExpressionCodegen(lcodegen.ExpressionCodegen):
    """latexify's expression codegen, for matrix code: `*` is ⊙, `@` is juxtaposition,
    np.transpose is ᵀ, ones(r, c) is 1, element-wise functions print by their SymPy form."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self._identifier_converter = _Names(names)  # type: ignore[assignment]

    def visit_BinOp(self, node: ast.BinOp) -> str:
        lhs, rhs = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.MatMult):
            return f"{lhs} \\, {rhs}"
        if isinstance(node.op, ast.Mult):
            if _is_constant(node.left):
                return {"1.0": rhs, "-1.0": f"-{rhs}"}.get(lhs.replace(" ", ""), f"{lhs} {rhs}")
            return f"{lhs} \\odot {rhs}"
        if isinstance(node.op, ast.Pow):
            return f"{{{lhs}}}^{{\\circ {rhs}}}"
        return super().visit_BinOp(node)

    def visit_Call(self, node: ast.Call) -> str:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        args = [self.visit(a) for a in node.args]
        if name == "transpose":
            return transposed(args[0])
        if name == "ones":
            r, c = (a.value for a in node.args)  # type: ignore[attr-defined]
            return rf"\mathbf{{1}}_{{{r} \times {c}}}"
        fn = getattr(registry, name, None) or getattr(sp, name, None)
        if isinstance(fn, type) and issubclass(fn, sp.Function):
            xs = [sp.Dummy() for _ in node.args]
            printer = DerivPrinter()
            for x, a in zip(xs, args, strict=True):
                printer._arg[x] = a
            return printer.doprint(fn(*xs))
        return super().visit_Call(node)


def _is_constant(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant)


class _FunctionCodegen(lcodegen.FunctionCodegen):
    def __init__(self, names: dict[str, str]) -> None:
        super().__init__(use_signature=True)
        self._expression_codegen = _ExpressionCodegen(names)  # type: ignore[assignment]
        self._identifier_converter = _Names(names)  # type: ignore[assignment]


def display_names(problem: Any) -> dict[str, str]:
    """Python name -> LaTeX name for the generated code (internal shapes shown with ᵀ)."""
    names = {"X": "X", "T": "T"}
    for key, spec in problem.net.params.items():
        names[key] = spec.latex if spec.shape == spec.internal else transposed(spec.latex)
    for s in problem.matrix_form.steps:
        names[s.symbol.name] = s.latex
    for key, spec in problem.net.params.items():
        names[f"grad_{key}"] = rf"\frac{{\partial L}}{{\partial {spec.latex}}}"
    return names


def function_latex(fn: Callable[..., Any], names: dict[str, str]) -> str:
    """latexify's LaTeX of a generated function, through its parser and our codegen."""
    from latexify import parser, transformers

    tree = parser.parse_function(fn)
    tree = transformers.AugAssignReplacer().visit(tree)
    return _FunctionCodegen(names).visit(tree)


def gradient_latex(problem: Any, module: ModuleType | None = None) -> dict[str, str]:
    """For each parameter key, the LaTeX latexify prints for grad_<key>."""
    module = module or load_module(module_source(problem))
    names = display_names(problem)
    return {key: function_latex(getattr(module, f"grad_{key}"), names) for key in problem.net.params}


def appendix_blocks(problem: Any) -> list[Block]:
    """Appendix: the NumPy evaluator of all gradients (one shared forward and backward pass)
    as mathematics, and its source."""
    try:
        module = load_module(module_source(problem))
        tex = function_latex(module.gradients, display_names(problem))
    except (TypeError, ValueError, SyntaxError) as exc:
        return [Heading("Appendix: how to compute it"), Para([f"(no evaluator generated: {exc})"])]
    body = tex.removeprefix(r"\begin{array}{l} ").removesuffix(r" \end{array}")
    lines = [ln.replace(" = ", " &= ", 1) for ln in body.split(r" \\ ")]
    return [
        Heading("Appendix: how to compute it"),
        Para(["Generated NumPy code for all gradients at once (inputs in the layer's own orientation), "
              "printed by latexify-py one operation per line; the code itself follows."]),
        Math(lines, align=True, label="evaluator"),
        Code(all_gradients_source(problem)),
    ]
