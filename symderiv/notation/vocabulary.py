"""The vocabulary pass: operators applied to what they take (notation/operators.py), trace and
determinant, norms, bars, inner products, \\nabla with a subscript, Hessians, evaluation bars.

Handlers of the node kinds the parser makes for textbook notation (Apply, Nabla, Norm, Bars,
Inner, Eval) and the applications of the operators \\det and \\operatorname{tr}; higher
derivatives and Hessians are calculus.py's, \\circ and \\otimes algebra.py's.
"""

from __future__ import annotations

import sympy as sp

from . import ast as A
from .binder import Binder, Op, Value, handles
from .calculus import derivative, hessian, number_value, variable
from .functions import applies, apply
from .linalg import determinant
from .operators import MATRIX_FUNCTIONS, bracket_of


def _entries(v: Value) -> list[sp.Expr]:
    return list(v) if isinstance(v, sp.MatrixBase) else [v]


def _is_vector(v: Value) -> bool:
    return isinstance(v, sp.MatrixBase) and 1 in v.shape


def _is_number(v: Value) -> bool:
    return not isinstance(v, sp.MatrixBase) or v.shape == (1, 1)


def _shape_text(v: Value) -> str:
    return f"{v.rows}x{v.cols}" if isinstance(v, sp.MatrixBase) else "1x1"


# ---------------------------------------------------------------------- operators applied
@handles(A.Apply)
def _applied(b: Binder, node: A.Apply, env, canonical) -> Value:
    """An operator applied to its operand: a derivative operator (\\frac{\\partial}{\\partial v},
    \\frac{d}{dv}) to the product after it; \\nabla_v, \\nabla^2_v; a named function to its
    bracket or the product after it; \\tanh^2(z): the function's value to that power."""
    op = node.op
    if isinstance(op, A.Deriv):
        return derivative(b, node.arg, op.wrt, env, canonical, op)
    if isinstance(op, A.Nabla):
        return _nabla(b, op, node.arg, env, canonical)
    power = None
    if isinstance(op, A.Sup):
        power, op = int(op.exponent.text), op.body
    if not isinstance(op, A.Func):
        raise b.error("an operator without a meaning here", node)
    arg = node.arg
    cut = _operand_cut(b, node, op) if isinstance(arg, A.Juxt) and len(arg.items) > 1 else None
    if cut is not None:
        operand = arg.items[0] if cut == 1 else A.Juxt(arg.items[0].pos, arg.items[:cut])
        return b.value(A.Juxt(node.pos, (A.Apply(node.pos, node.op, operand), *arg.items[cut:])), env, canonical)
    value = apply(b, b.value(op, env, canonical), arg, env, canonical)
    if power is None:
        return value
    if isinstance(value, sp.MatrixBase):  # an element-wise function's power: entry by entry
        return sp.ImmutableMatrix(value.applyfunc(lambda e: e**power))
    return number_value(b, value, node, "a power") ** power


#: The operand of \det or \operatorname{tr} written without brackets before a product: the whole product
#: (the default, \det AB), or its first factor where only that is well-typed (\det X\, X^{-T}).
OPERAND_READINGS = ("the whole product after it", "its first factor")
#: ... and before a product with a bracket after its first factors (\tanh x (1 - \tanh^2 x)): no default.
BRACKET_READINGS = ("the whole product after it", "the factors before the bracket")


def _operand_cut(b: Binder, node: A.Apply, op: A.Func) -> int | None:
    r"""Where the operand of a function written without brackets ends in the product after it, when the
    reading taken cuts it (choose): before a bracket that follows its first factors (both readings
    tried: \tanh x (1 - \tanh^2 x)), or after its first factor (only where the whole product is not
    well-typed: \det X\, X^{-T}); None for the whole product."""
    items = node.arg.items
    bracket = next((j for j in range(1, len(items)) if bracket_of(items[j]) is not None), None)
    if bracket is not None:
        if b.choose(("operand before a bracket", node.pos), f"\\{op.name} x (...)", BRACKET_READINGS, exhaustive=True) \
                == BRACKET_READINGS[0]:
            return None
        b.read(f"\\{op.name} without brackets applied to the factors before the bracket after them")
        return bracket
    if op.name not in MATRIX_FUNCTIONS or \
            b.choose(("operand", node.pos), f"\\{op.name} before a product", OPERAND_READINGS) == OPERAND_READINGS[0]:
        return None
    b.read(f"\\{op.name} without brackets applied to its first factor only, the reading that is well-typed")
    return 1


@applies(*sorted(MATRIX_FUNCTIONS))
def _matrix_function(b: Binder, f: Op, arg_node: A.Node, env, canonical) -> Value:
    """tr(X) = Σ_i X_ii and det(X) (Leibniz sum, linalg.determinant) of a square matrix; of a
    number, the number."""
    v = b.value(arg_node, env, canonical)
    if not isinstance(v, sp.MatrixBase):
        return number_value(b, v, arg_node, f"\\{f.kind}")
    if v.rows != v.cols:
        name = "\\operatorname{tr}" if f.kind == "tr" else "\\det"
        raise b.shape_error(f"{name} of a {v.rows}x{v.cols} matrix: it needs a square one", arg_node)
    return v.trace() if f.kind == "tr" else determinant(sp.ImmutableMatrix(v))


def _nabla(b: Binder, op: A.Nabla, arg: A.Node, env, canonical) -> Value:
    """\\nabla_x f: the gradient of a number f in x, shaped like x; \\nabla^2_x f: its Hessian
    (x a vector); \\nabla^2 F(v): the Hessian of F in its argument v (a variable)."""
    if not op.wrt:
        wrt = _call_argument(b, arg)
    elif len(op.wrt) == 1:
        wrt = op.wrt[0]
    else:
        raise b.error("\\nabla_{...} takes one variable", op)
    if op.order == 2:
        return hessian(b, arg, wrt, wrt, env, canonical, op)
    if not _is_number(b.value(arg, env, canonical)):
        raise b.shape_error("\\nabla_x of a function with several values: write its Jacobian "
                            "\\frac{\\partial f}{\\partial x} (rows: the function's entries)", op)
    return derivative(b, arg, (wrt,), env, canonical, op)


def _call_argument(b: Binder, arg: A.Node) -> A.Node:
    """The v of \\nabla^2 F(v): F applied to one bracketed variable."""
    if isinstance(arg, A.Juxt) and len(arg.items) == 2 and isinstance(arg.items[1], A.Group) \
            and arg.items[1].kind == "(" and len(arg.items[1].items) == 1:
        return arg.items[1].items[0]
    raise b.error("\\nabla^2 without a subscript needs F(v), the function at a variable: "
                  "\\nabla^2 f(\\mathbf{u}); or name the variable, \\nabla^2_{\\mathbf{u}} f", arg)


@handles(A.Nabla)
def _lone_nabla(b: Binder, node: A.Nabla, env, canonical) -> Value:
    raise b.error("\\nabla_x without what it differentiates", node)


# ---------------------------------------------------------------------- norms, bars, products
@handles(A.Norm)
def _norm(b: Binder, node: A.Norm, env, canonical) -> Value:
    """‖x‖ = ‖x‖_2 = sqrt(Σ x_i²), ‖x‖_1 = Σ|x_i|, ‖x‖_∞ = max|x_i| for a vector; ‖X‖_F =
    sqrt(Σ X_ij²) for a matrix (‖X‖ alone is ambiguous there: an error); ‖a‖ = |a| for a number."""
    v = b.value(node.body, env, canonical)
    if _is_number(v):
        return sp.Abs(number_value(b, v, node, "a norm"))
    xs = list(v)
    if not _is_vector(v) and node.kind != "F":
        raise b.error(f"\\|X\\|{'_' + node.kind if node.kind else ''} of a {v.rows}x{v.cols} matrix: write "
                      "\\|X\\|_F for the Frobenius norm (the spectral and induced norms are not supported)", node)
    if node.kind in ("", "2", "F"):
        return sp.sqrt(sp.Add(*[x**2 for x in xs]))
    if node.kind == "1":
        return sp.Add(*[sp.Abs(x) for x in xs])
    return sp.Max(*[sp.Abs(x) for x in xs])


@handles(A.Bars)
def _bars(b: Binder, node: A.Bars, env, canonical) -> Value:
    """|a| of a number; |X| of a square matrix is its determinant (the Cookbook's notation,
    stated as a reading); of any other matrix, an error naming the readings."""
    v = b.value(node.body, env, canonical)
    if _is_number(v):
        return sp.Abs(number_value(b, v, node, "|...|"))
    if v.rows == v.cols:
        b.read("|X| of a square matrix read as its determinant det(X)")
        return determinant(sp.ImmutableMatrix(v))
    raise b.error(f"|...| of a {v.rows}x{v.cols} matrix: a norm \\|x\\| or entry-wise absolute values? "
                  "write which", node)


@handles(A.Inner)
def _inner(b: Binder, node: A.Inner, env, canonical) -> Value:
    """⟨a, b⟩ = Σ a_ij b_ij (= tr(AᵀB)); two vectors of one length may differ in orientation."""
    x, y = b.value(node.left, env, canonical), b.value(node.right, env, canonical)
    xs, ys = _entries(x), _entries(y)
    fits = (_is_vector(x) and _is_vector(y)) or (_is_number(x) and _is_number(y)) or (
        isinstance(x, sp.MatrixBase) and isinstance(y, sp.MatrixBase) and x.shape == y.shape)
    if not fits or len(xs) != len(ys):
        raise b.shape_error(f"\\langle a, b \\rangle of a {_shape_text(x)} and a {_shape_text(y)}", node)
    return sp.Add(*[p * q for p, q in zip(xs, ys, strict=True)])


@handles(A.Eval)
def _evaluation_bar(b: Binder, node: A.Eval, env, canonical) -> Value:
    """body |_{x = a}: the body with the variable x replaced by the value a."""
    rule: dict[sp.Symbol, sp.Expr] = {}
    for rel in node.at:
        if rel.op != "=":
            raise b.error("an evaluation bar names its point: |_{x = x_0}", rel)
        xs = _entries(variable(b, b.value(rel.left, env, canonical), rel.left))
        ats = _entries(b.value(rel.right, env, canonical))
        if len(ats) != len(xs):
            raise b.shape_error(f"the point has {len(ats)} entries, the variable {len(xs)}", rel)
        rule.update(zip(xs, ats, strict=True))
    value = b.scope.expand(b.value(node.body, env, canonical))
    if isinstance(value, sp.MatrixBase):
        return sp.ImmutableMatrix(value.xreplace(rule))
    return number_value(b, value, node, "an evaluation bar").xreplace(rule)
