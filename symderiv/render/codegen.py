"""The generated NumPy evaluator of a problem's gradients, as source and as LaTeX via latexify.

The code is symderiv.compiled's, the very module numeric_gradients runs: three-address, one
NumPy call per line, so latexify-py (0.4.4) cannot misread precedence (it prints
`(y - t).T @ h` as `y - t.T h`).  latexify's codegen classes are extended (display names;
np.matmul as juxtaposition, np.multiply as ⊙, np.sum over an axis as a product with 1,
np.transpose as ᵀ, registry functions by their SymPy form; the workspace argument and the
`out=` buffers left out of the mathematics) rather than its output edited.  The LaTeX is made
from the source text through `ast`: no file is written and nothing is evaluated.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from types import ModuleType
from typing import Any

import sympy as sp
from latexify import codegen as lcodegen
from latexify import transformers

from ..core import ops
from ..core.compiled import load_source
from ..core.npgen import Program
from .blocks import Block, Code, Heading, M, Math, Para
from .printer import DerivPrinter, transposed


def program(problem: Any) -> Program:
    """The generated module of the problem's matrix form at its batch size."""
    return problem.matrix_form.compiled.program(problem.batch)


def gradient_sources(problem: Any) -> dict[str, str]:
    """Python source of one function per gradient, `grad_<key>(params..., X, T, work)`,
    computing ∂L/∂key (display shape) from inputs in the layout's internal shapes."""
    functions = program(problem).functions
    return {key: functions[f"grad_{key}"] for key in problem.matrix_form.gradients}


def all_gradients_source(problem: Any) -> str:
    """`gradients(params..., X, T, work)`: every gradient at once, the forward and backward
    pass computed once and shared (what numeric_gradients runs and the appendix prints)."""
    return program(problem).functions["gradients"]


def module_source(problem: Any) -> str:
    """The complete generated module: workspace, forward, gradients and every grad_<key>."""
    return program(problem).source


def load_module(source: str) -> ModuleType:
    """Import generated `source` from memory (no file is written)."""
    return load_source(source)


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
    """latexify's expression codegen, for the generated NumPy calls: matmul is juxtaposition,
    multiply ⊙ (or a scalar times a matrix), sum over axis 1 (0) is M 1 (1ᵀ M), transpose ᵀ,
    element-wise functions print by their SymPy form; keyword arguments (out=, axis=) are not
    mathematics."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self._identifier_converter = _Names(names)  # type: ignore[assignment]

    def visit_BinOp(self, node: ast.BinOp) -> str:
        lhs, rhs = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.MatMult):
            return f"{lhs} \\, {rhs}"
        if isinstance(node.op, ast.Mult):
            return _times(node.left, lhs, rhs)
        if isinstance(node.op, ast.Pow):
            return f"{{{lhs}}}^{{\\circ {rhs}}}"
        return super().visit_BinOp(node)

    def visit_Call(self, node: ast.Call) -> str:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        args = [self.visit(a) for a in node.args]
        keywords = {k.arg: k.value for k in node.keywords}
        binary = {"matmul": "{0} \\, {1}", "add": "{0} + {1}", "subtract": "{0} - {1}",
                  "power": "{{{0}}}^{{\\circ {1}}}"}
        unary = {"negative": "-{0}", "positive": "{0}", "reciprocal": "{{{0}}}^{{\\circ -1}}",
                 "square": "{{{0}}}^{{\\circ 2}}", "eye": "I_{{{0}}}"}
        if name in binary and len(args) == 2:
            return binary[name].format(*args)
        if name == "multiply" and len(args) == 2:
            return _times(node.args[0], *args)
        if name == "transpose":
            return transposed(args[0])
        if name in unary and len(args) == 1:
            return unary[name].format(*args)
        if name == "sum":
            axis = keywords.get("axis")
            if isinstance(axis, ast.Constant) and axis.value in (0, 1):
                return rf"\mathbf{{1}}^{{\top}} {args[0]}" if axis.value == 0 else rf"{args[0]} \mathbf{{1}}"
        fn = getattr(ops, name, None) or getattr(sp, name, None)
        if isinstance(fn, type) and issubclass(fn, sp.Function):
            xs = [sp.Dummy() for _ in node.args]
            printer = DerivPrinter()
            for x, a in zip(xs, args, strict=True):
                printer._arg[x] = a
            return printer.doprint(fn(*xs))
        return super().visit_Call(node)


def _times(left: ast.AST, lhs: str, rhs: str) -> str:
    """lhs ⊙ rhs, or the scalar product when the left factor is a number."""
    if _is_constant(left):
        return {"1.0": rhs, "-1.0": f"-{rhs}"}.get(lhs.replace(" ", ""), f"{lhs} {rhs}")
    return f"{lhs} \\odot {rhs}"


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
    python = program(problem).names
    names = {python["X"]: "X", python["T"]: "T"}
    for key, spec in problem.net.params.items():
        names[python[key]] = spec.latex if spec.shape == spec.internal else transposed(spec.latex)
    for s in problem.matrix_form.steps:
        names[python[s.symbol.name]] = s.latex
    for key, spec in problem.net.params.items():
        names[f"grad_{key}"] = rf"\frac{{\partial L}}{{\partial {spec.latex}}}"
    return names


def function_latex(fn: Callable[..., Any] | str, names: dict[str, str]) -> str:
    """latexify's LaTeX of a generated function (its source, or the function read back with
    inspect), through latexify's transformer and our codegen; the workspace argument is left out."""
    source = fn if isinstance(fn, str) else inspect.getsource(fn)
    tree = ast.parse(textwrap.dedent(source))
    function = tree.body[0]
    if not isinstance(function, ast.FunctionDef):
        raise ValueError("not a function")
    function.args.args = [a for a in function.args.args if a.arg != "work"]
    tree = transformers.AugAssignReplacer().visit(tree)
    return _FunctionCodegen(names).visit(tree)


def gradient_latex(problem: Any, module: ModuleType | None = None) -> dict[str, str]:
    """For each parameter key, the LaTeX latexify prints for grad_<key> (from `module`'s
    functions when given, else from the generated source)."""
    names = display_names(problem)
    if module is not None:
        return {key: function_latex(getattr(module, f"grad_{key}"), names) for key in problem.net.params}
    sources = gradient_sources(problem)
    return {key: function_latex(sources[key], names) for key in problem.net.params}


def appendix_blocks(problem: Any) -> list[Block]:
    """Appendix: the NumPy evaluator of all gradients (one shared forward and backward pass)
    as mathematics, and its source: the code numeric_gradients runs."""
    try:
        prog = program(problem)
        tex = function_latex(prog.functions["gradients"], display_names(problem))
    except (TypeError, ValueError, SyntaxError) as exc:
        return [Heading("Appendix: how to compute it"), Para([f"(no evaluator generated: {exc})"])]
    body = tex.removeprefix(r"\begin{array}{l} ").removesuffix(r" \end{array}")
    lines = [ln.replace(" = ", " &= ", 1) for ln in body.split(r" \\ ")]
    return [
        Heading("Appendix: how to compute it"),
        Para(["The NumPy code symderiv generates from the matrix form and runs for every numeric gradient "
              "(all gradients at once, inputs in the layer's own orientation), printed by latexify-py one "
              "operation per line. Juxtaposition is the matrix product, ", M(r"\odot"), " the element-wise "
              "product, ", M(r"M \mathbf{1}"), " and ", M(r"\mathbf{1}^{\top} M"), " the row and column sums; "
              "a column (row) vector added to or multiplied with a matrix is repeated over its columns (rows), "
              "as NumPy broadcasts. Each result is written into a buffer allocated once per batch size and "
              "dtype (work); the code itself follows."]),
        Math(lines, align=True, label="evaluator"),
        Code(prog.evaluator_source),
    ]
