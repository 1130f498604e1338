"""The functions pass: juxtaposition (products, and functions applied to their arguments) and the built-in functions.

Element-wise functions live in `FUNCTIONS` (written \\exp or exp; f' is their derivative):
add one as ``FUNCTIONS["name"] = Fn("name", f, df)`` with SymPy callables for f and f'.
Operators (diag, max, min, vec, \\nabla, a derivative waiting for its operand, ...) are `Op`
values applied by the function registered for their kind: add one by naming it in `OPERATORS`
(and in `WORD_OPERATORS` when it may be written as a plain word) and registering
``@applies("name") def _name(b, op, arg_node, env, canonical) -> Value``.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from ..core.ops import ACTIVATIONS
from . import ast as A
from .algebra import mul, operand
from .binder import Binder, Op, Split, Value, handles, registrar
from .calculus import (
    apply_function,
    call_scripted,
    chain_rule_runs,
    derivative,
    is_quantity_call,
    quantity_at,
    with_scripts,
)
from .conventions import remark
from .indices import bracketed_indicator, indicator
from .operators import scripted_bracket
from .scope import Fn
from .student import at_its_variable
from .table import BoundMacro, StudentFn, StudentMacro

Applier = Callable[[Binder, Op, A.Node, dict[str, int], bool], Value]

FUNCTIONS: dict[str, Fn] = {
    "exp": Fn("exp", sp.exp, sp.exp),
    "log": Fn("log", sp.log, lambda v: 1 / v),
    "ln": Fn("ln", sp.log, lambda v: 1 / v),
    "sin": Fn("sin", sp.sin, sp.cos),
    "cos": Fn("cos", sp.cos, lambda v: -sp.sin(v)),
    "tanh": Fn("tanh", sp.tanh, lambda v: 1 - sp.tanh(v) ** 2),
    "tan": Fn("tan", sp.tan, lambda v: 1 + sp.tan(v) ** 2),
    "sinh": Fn("sinh", sp.sinh, sp.cosh),
    "cosh": Fn("cosh", sp.cosh, sp.sinh),
    "\\sqrt": Fn("sqrt", sp.sqrt, lambda v: 1 / (2 * sp.sqrt(v))),  # \sqrt{x} (\sqrt[n]{x} is not read)
    "sec": Fn("sec", sp.sec, lambda v: sp.sec(v) * sp.tan(v)),
    "csc": Fn("csc", sp.csc, lambda v: -sp.csc(v) * sp.cot(v)),
    "cot": Fn("cot", sp.cot, lambda v: -1 - sp.cot(v) ** 2),
    "sech": Fn("sech", sp.sech, lambda v: -sp.sech(v) * sp.tanh(v)),  # \operatorname{sech}: tanh' = sech^2
    "csch": Fn("csch", sp.csch, lambda v: -sp.csch(v) * sp.coth(v)),
    "coth": Fn("coth", sp.coth, lambda v: 1 - sp.coth(v) ** 2),
    "arcsin": Fn("arcsin", sp.asin, lambda v: 1 / sp.sqrt(1 - v**2)),
    "arccos": Fn("arccos", sp.acos, lambda v: -1 / sp.sqrt(1 - v**2)),
    "arctan": Fn("arctan", sp.atan, lambda v: 1 / (1 + v**2)),
    "sign": Fn("sign", sp.sign, lambda v: sp.S.Zero),  # \operatorname{sign}: |x|' away from 0
    "sgn": Fn("sign", sp.sign, lambda v: sp.S.Zero),
}
#: Element-wise functions that are also matrix functions of a square matrix (\\sin X, \\exp X, \\log X):
#: two readings (the exponential and the logarithm entry by entry in a network's formulas, where the
#: softmax's e^{Z} of a batch is meant so whatever its shape).
MATRIX_FUNCTIONS = frozenset({"sin", "cos", "tan", "exp", "log", "ln"})
ENTRYWISE_IN_NETWORKS = frozenset({"exp", "log", "ln"})
#: The registry's vector activations (core/ops: the softmax), each an operator of a vector.
VECTOR_ACTIVATIONS = {a.name: a for a in ACTIVATIONS.values() if not a.elementwise}
OPERATORS = frozenset({"diag", "max", "min", "det", "tr", "vec", *VECTOR_ACTIVATIONS})  # \\det, \\operatorname{tr}
WORD_OPERATORS = frozenset({"diag", "max", "min", *VECTOR_ACTIVATIONS})  # also written as plain words

#: How each kind of operator applies to its argument (see the module docstring).
APPLIERS: dict[str, Applier] = {}

#: ``@applies("name", ...)``: the decorated function applies these kinds of operator.
applies = registrar(APPLIERS)


def _spellings(latex: str) -> tuple[str, ...]:
    """How a registered activation's LaTeX is written as a name: \\sigma; ReLU and relu."""
    word = latex.removeprefix("\\operatorname{").removesuffix("}")
    return (word,) if word.startswith("\\") else (word, word.lower())


#: The registry's element-wise activations without parameters (core/ops) by how they are written
#: (\\sigma, \\operatorname{ReLU}): what such a name the problem leaves undeclared means before its
#: argument (convention standard_functions), in a problem without layer activations of its own.
STANDARD_FUNCTIONS = {
    spelling: act for act in ACTIVATIONS.values() if act.elementwise and not act.parameters
    and act.name != "identity" for spelling in (*_spellings(act.latex), act.name)
    if spelling.removeprefix("\\") not in FUNCTIONS
}


def standard_function(b: Binder, spelled: str) -> Fn | None:
    """The activation an undeclared name `spelled` stands for (\\sigma: the logistic sigmoid),
    noted as a remark; None where the name is no activation's, the convention is off, or the
    problem's model has activations of its own (a network's \\sigma is what its table says)."""
    act = STANDARD_FUNCTIONS.get(spelled)
    if act is None or not b.table.conventions.standard_functions or b.scope.has_activations:
        return None
    formula = sp.latex(act.explicit(sp.Symbol("z")))
    b.remark(remark("standard_functions", f"{spelled} read as the {act.name} activation, {act.latex}(z) = {formula}, "
                                          "which the problem does not declare"))
    return Fn(act.name, act.function, act.derivative)


def builtin_function(b: Binder, name: str, node) -> Value:
    """The built-in function or operator named `name`."""
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    if name in OPERATORS:
        return Op(name)
    if (standard := standard_function(b, name)) is not None:
        return standard
    raise b.error(f"unknown function \\{name}", node)


@handles(A.Juxt)
def _juxtaposition(b: Binder, node: A.Juxt, env, canonical) -> Value:
    """Items written side by side: the student's names spanning several items first, linked
    derivatives as one chain rule, Q(v) for a quantity of the model, functions applied to the
    items after them (D\\phi: the derivative), the values multiplied (matrix products)."""
    items = list(node.items)
    if not canonical:  # the student's names that span several items: once per node and table
        found = b.slices.get(id(node))
        if found is None or found[0] is not node:
            found = b.slices[id(node)] = (node, _macro_slices(b, items))
        items = list(found[1])
    items = chain_rule_runs(items)
    vals: list[Value] = []
    i = 0
    while i < len(items):
        if (
            vals
            and isinstance(items[i], A.Group)
            and items[i].kind == "("
            and len(items[i].items) > 1
        ):
            i += 1  # Err(y, z): the arguments only name what the quantity depends on
            continue
        if i + 1 < len(items) and (rel := bracketed_indicator(items[i], items[i + 1])) is not None:
            vals.append(indicator(b, rel, env))  # \mathbb{1}[z > 0]
            i += 2
            continue
        if not canonical and i + 1 < len(items) and is_quantity_call(b, items[i], items[i + 1]):
            vals.append(quantity_at(b, items[i], items[i + 1].items[0], env))
            i += 2
            continue
        try:
            v = b.value(items[i], env, canonical, spread=False)
        except Split as split:
            if A.letters_of(items[i]) != split.text:
                raise
            items[i : i + 1] = A.spread_letters(items[i])  # fx(y): its letters, then the argument
            continue
        i += 1
        while isinstance(v, Fn | Op | StudentFn) and i < len(items):
            arg_node = items[i]
            i += 1
            if isinstance(v, Op) and v.kind == "D":
                nxt = b.value(arg_node, env, canonical)
                if not isinstance(nxt, Fn):
                    raise b.error("\\mathbf{D} must be followed by a function", arg_node)
                v = nxt.derivative()
                continue
            if (
                isinstance(v, Fn)
                and isinstance(arg_node, A.Group)
                and arg_node.kind == "("
                and len(arg_node.items) > 1
            ):
                raise b.error(f"{v.name} takes one argument", arg_node)
            if (isinstance(v, Op) and v.kind == "deriv" and i < len(items) and isinstance(items[i], A.Group)
                    and isinstance(b.value(arg_node, env, canonical), Fn | StudentFn)):
                arg_node = A.Juxt(arg_node.pos, (arg_node, items[i]))  # d/dy log(...): f with its argument
                i += 1
            v = apply(b, v, arg_node, env, canonical)
        v = at_its_variable(b, v, items[i - 1])  # L for L(\mathbf{w}), w a variable of the problem
        if isinstance(v, Fn | Op | StudentFn):
            raise b.error("a function without its argument", items[i - 1])
        vals.append(v)  # 2\max(0, a): a function's value after a factor is a factor too
    out = vals[0]
    for v in vals[1:]:
        out = mul(b, out, v, node, hadamard_fallback=False)
    return out


def _macro_slices(b: Binder, items: list[A.Node]) -> list[A.Node]:
    """The items with each longest run the table names (a macro or a `where` pattern) made one item."""
    if not b.table.macros:
        return items
    longest = _longest_macro(b)  # no longer run can match: x'x'x'... of 1000 items tried n^2 slices
    out, i = [], 0
    while i < len(items):
        for j in range(min(len(items), i + longest), i + 1, -1):
            piece = A.Juxt(0, tuple(items[i:j]))
            key = piece.key()
            if key in b.table.macros:
                m = b.table.macros[key]
                out.append(
                    m if isinstance(m, StudentMacro) else StudentMacro(items[i].pos, m)
                )
                i = j
                break
            found = b.table.match(piece) if b.table.patterns else None
            if found is not None:
                out.append(BoundMacro(items[i].pos, found[0], tuple(found[1].items())))
                i = j
                break
        else:
            out.append(items[i])
            i += 1
    return out


def _longest_macro(b: Binder) -> int:
    """The most juxtaposed items one `where` name of the table spans (a macro or a pattern):
    a longer run of items matches none of them."""
    keys = [*b.table.macros, *(pattern.key() for pattern, _, _ in b.table.patterns)]
    return max((len(k[1]) for k in keys if isinstance(k, tuple) and k[:1] == ("Juxt",)), default=1)


def apply(b: Binder, f: Value, arg_node: A.Node, env, canonical) -> Value:
    """f applied to the node written after it: an operator by its application, a student's
    function at its argument, an element-wise function to the argument's value."""
    if isinstance(f, Op):
        applier = APPLIERS.get(f.kind)
        if applier is None:
            return _unsupported(b, f, arg_node, env, canonical)
        return applier(b, f, arg_node, env, canonical)
    if isinstance(f, StudentFn) or (isinstance(f, Fn) and scripted_bracket(arg_node)):
        return call_scripted(b, f, arg_node, env)  # f(z)^2: (f(z))^2, the scripts on its value
    arg = b.value(arg_node, env, canonical)
    if isinstance(arg, Fn | Op):
        raise b.error("a function applied to a function", arg_node)
    operand(b, arg, arg_node)
    if (isinstance(f, Fn) and f.name in MATRIX_FUNCTIONS and FUNCTIONS.get(f.name) is f
            and isinstance(arg, sp.MatrixBase) and arg.rows == arg.cols > 1
            and not (f.name in ENTRYWISE_IN_NETWORKS and b.scope.has_activations)):
        _matrix_function_reading(b, f, arg, arg_node)
    return apply_function(b, f, arg, arg_node)


def _matrix_function_reading(b: Binder, f: Fn, arg: sp.MatrixBase, node: A.Node) -> None:
    """\\sin X of a square matrix X: entry by entry when the problem declares so (the verdict says
    it); undeclared it has two readings, and as the matrix function (a power series) it is not
    evaluated here: either way an error that leaves the side unread (the verdict undecided)."""
    n = arg.rows
    declared = b.table.conventions.matrix_functions
    if declared == "elementwise":
        b.read(f"\\{f.name} of the {n}x{n} matrix read entry by entry, as the problem declares")
        return
    if declared == "matrix":
        raise b.error(f"\\{f.name} of a {n}x{n} matrix as the matrix function (its power series), as the "
                      "problem declares: not evaluated by symderiv", node)
    raise b.error(f"\\{f.name} of a {n}x{n} matrix has two readings: entry by entry, or the matrix function "
                  f"(its power series); declare one: [conventions] matrix_functions = \"elementwise\" "
                  f"or \"matrix\"", node)


def _unsupported(b: Binder, f: Op, arg_node: A.Node, env, canonical) -> Value:
    """An operator that has no application: an error (after what its argument raises)."""
    b.value(arg_node, env, canonical)  # what the argument raises comes first
    raise b.error(f"{f.kind} is not supported", arg_node)


@applies("nabla")
def _nabla(b: Binder, f: Op, arg_node: A.Node, env, canonical) -> Value:
    """\\nabla F: the gradient operator waits for F's argument."""
    return Op("grad", arg_node)


@applies("grad", "jacobian")
def _at_argument(b: Binder, f: Op, arg_node: A.Node, env, canonical) -> Value:
    """\\nabla F(v), J_F(v): F's derivative at the argument (J without its F: not supported)."""
    if not f.node:
        return _unsupported(b, f, arg_node, env, canonical)
    return call_scripted(b, f, arg_node, env)


@applies("deriv")
def _derivative_of(b: Binder, f: Op, arg_node: A.Node, env, canonical) -> Value:
    """\\frac{\\partial}{\\partial v} a: the derivative of its operand."""
    return derivative(b, arg_node, f.node.wrt, env, canonical, f.node)


@applies("max", "min")
def _extremum(b: Binder, f: Op, arg_node: A.Node, env, canonical) -> Value:
    """\\max(a, b, ...), \\min: of numbers, or entry by entry (a number broadcast to a matrix)."""
    items = arg_node.items if isinstance(arg_node, A.Group) else (arg_node,)
    vals = [b.value(x, env, canonical) for x in items]
    for v in vals:
        operand(b, v, arg_node)
    op = sp.Max if f.kind == "max" else sp.Min
    if any(isinstance(v, sp.MatrixBase) for v in vals):
        shape = next(v.shape for v in vals if isinstance(v, sp.MatrixBase))
        vals = [
            v
            if isinstance(v, sp.MatrixBase)
            else sp.ImmutableMatrix(*shape, [v] * (shape[0] * shape[1]))
            for v in vals
        ]
        return sp.ImmutableMatrix(*shape, [op(*xs) for xs in zip(*vals, strict=True)])
    return op(*vals)


@applies("vec")
def _vec(b: Binder, f: Op, arg_node: A.Node, env, canonical) -> Value:
    """vec(W): the entries column by column (the Cookbook's vec), or row by row where the problem
    declares so ([conventions] vec = "rows", as seed 003 vectorises W); a vector in the layout."""
    arg = b.value(arg_node, env, canonical)
    if not isinstance(arg, sp.MatrixBase):
        raise b.error("vec takes a matrix", arg_node)
    by_rows = b.table.conventions.vec == "rows"
    if by_rows and min(arg.shape) > 1:
        b.read("vec stacks the rows of a matrix, as the problem declares")
    found = b.vecs.get(arg) if isinstance(arg, sp.ImmutableMatrix) else None
    if found is None:
        col = sp.ImmutableMatrix(len(arg), 1, list(arg) if by_rows else list(arg.T))
        found = col if b.scope.layout == "column" else sp.ImmutableMatrix(col.T)
        if isinstance(arg, sp.ImmutableMatrix):
            b.vecs[arg] = found
    return found


@applies(*VECTOR_ACTIVATIONS)
def _vector_activation(b: Binder, f: Op, arg_node: A.Node, env, canonical) -> Value:
    """A vector activation of the registry of a vector (a row or a column), softmax(v)_i = e^{v_i} /
    \\sum_j e^{v_j}: of a matrix the direction, by rows or by columns, is not written, so it is not read.
    Scripts after its bracket belong to its value: softmax(z)_i is the i-th entry."""
    wraps: list[A.Node] = []
    core = arg_node
    while scripted_bracket(core):
        wraps.append(core)
        core = core.body
    arg = b.value(core, env, canonical)
    if not isinstance(arg, sp.MatrixBase):
        arg = sp.ImmutableMatrix([[arg]])
    if 1 not in arg.shape:
        raise b.error(f"{f.kind} of a {arg.rows}x{arg.cols} matrix: by rows or by columns is not written; "
                      "write it for a vector", arg_node)
    apply_function(b, FUNCTIONS["exp"], arg, core)  # exp of a number too large to compare: a limit error
    value = VECTOR_ACTIVATIONS[f.kind].apply(list(arg))
    return with_scripts(b, sp.ImmutableMatrix(arg.rows, arg.cols, value), wraps, env)


@applies("diag")
def _diag(b: Binder, f: Op, arg_node: A.Node, env, canonical) -> Value:
    """diag(v): the diagonal matrix of a vector's entries."""
    arg = b.value(arg_node, env, canonical)
    if not isinstance(arg, sp.MatrixBase) or 1 not in arg.shape:
        raise b.error("diag takes a vector", arg_node)
    return sp.ImmutableMatrix(sp.diag(*list(arg)))
