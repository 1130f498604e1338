"""The meanings of matrix calculus vocabulary: operators applied to products, trace, determinant,
norms, bars, inner products, Hadamard and Kronecker products, Hessians, evaluation bars.

Each rule takes the binder (notation.bind.Binder: `value`, `error`, `shape_error`, `scope`,
`_variable`, `_diff`, `_derivative`, `_apply`, `_hadamard`, `readings`), a node, the index
environment and the canonical flag, and returns an explicit SymPy value: a scalar or an
ImmutableMatrix of entries in the scope's symbols. `rule_for(node)` is the one entry point the
binder calls before its own rules.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import sympy as sp
import sympy.combinatorics

from . import ast as A
from .operators import MATRIX_FUNCTIONS, bracket_of

Rule = Callable[[Any, Any, dict, bool], Any]


def rule_for(node: A.Node) -> Rule | None:
    """The vocabulary rule that evaluates `node`, or None when the binder's own rules apply."""
    kind = type(node)
    if kind is A.BinOp:
        return _kronecker if node.op == "otimes" else _hadamard if node.op == "circ" else None
    if kind is A.Deriv:
        return _higher_derivative if node.order > 1 else None
    if kind is A.Sup or kind is A.Sub:
        return _scripted_name
    return RULES.get(kind)


def has_quantity(scope: Any, name: str) -> bool:
    """Whether `scope` holds a quantity called `name` (a declared variable x is that variable,
    never a network's per-sample input)."""
    try:
        scope.quantity(name)
    except KeyError:
        return False
    return True


def scripted_bracket(node: A.Node) -> bool:
    """Whether `node` is a bracket of one value with scripts after it, (z)^2 or (z)_i: after a
    function, those scripts belong to the function's value."""
    found = bracket_of(node)
    return found is not None and bool(found[1]) and found[0].kind == "(" and len(found[0].items) == 1


# ---------------------------------------------------------------------- helpers
def _entries(v: Any) -> list[sp.Expr]:
    return list(v) if isinstance(v, sp.MatrixBase) else [v]


def _is_vector(v: Any) -> bool:
    return isinstance(v, sp.MatrixBase) and 1 in v.shape


def _scalar_value(b: Any, v: Any, node: A.Node, what: str) -> sp.Expr:
    if isinstance(v, sp.MatrixBase):
        if v.shape == (1, 1):
            return v[0]
        raise b.shape_error(f"{what} needs a number, got a {v.rows}x{v.cols} matrix", node)
    if not isinstance(v, sp.Basic):
        raise b.error(f"{what} needs a value, got a function", node)
    return v


def _symbols(b: Any, wrt: A.Node, env: dict, canonical: bool) -> tuple[Any, list[sp.Symbol]]:
    """The variable `wrt` stands for, and its symbols in order."""
    v = b._variable(b.value(wrt, env, canonical), wrt)
    return v, _entries(v)


# ---------------------------------------------------------------------- names a claim defines
_STYLES = frozenset({"mathbf", "boldsymbol", "bm", "mathit", "mathsf", "pmb", "mathrm"})


def _scripted_name(b: Any, node: A.Node, env: dict, canonical: bool) -> Any:
    """Y^{-1}, s^T, Y_{ij} where a `where` definition names Y (or \\mathbf{Y}): the scripts apply
    to Y's value, as to a bracket (Y)^{-1}. Any other scripted node: the binder's own rule."""
    inner, chain = node, []
    while isinstance(inner, A.Sub | A.Sup):
        chain.append(inner)
        inner = inner.body
    plain = inner
    while isinstance(plain, A.Styled) and plain.style in _STYLES:
        plain = plain.body
    macro = None if canonical else b.table.macros.get(inner.key(), b.table.macros.get(plain.key()))
    if macro is not None and all(isinstance(w, A.Sub) or _power_or_transpose(w.exponent) for w in chain) \
            and not _written_in(node, getattr(macro, "body", macro)):
        rebuilt: A.Node = A.Group(inner.pos, "(", (inner,))
        for w in reversed(chain):
            rebuilt = A.Sub(w.pos, rebuilt, w.index) if isinstance(w, A.Sub) else A.Sup(w.pos, rebuilt, w.exponent)
        return b.value(rebuilt, env, canonical)
    return getattr(b, "_v_" + type(node).__name__)(node, env, canonical)


def _written_in(node: A.Node, body: A.Node) -> bool:
    """Whether `node` is written in a definition's body: '\\mathbf{I}' = '\\mathbf{I}_q' defines
    I by the built-in \\mathbf{I}_q, which is then read as the built-in."""
    key = node.key()
    return any(n.key() == key for n in A.walk(body))


def _power_or_transpose(exponent: A.Node) -> bool:
    """A superscript that is a power or a transpose, not a layer mark (W^{(1)})."""
    return not (isinstance(exponent, A.Juxt) or (isinstance(exponent, A.Group) and exponent.kind == "("))


# ---------------------------------------------------------------------- operators applied
def _apply(b: Any, node: A.Apply, env: dict, canonical: bool) -> Any:
    """An operator applied to its operand (see notation.operators for what the operand is)."""
    op = node.op
    if isinstance(op, A.Deriv):
        if op.order > 1:
            return _derivatives(b, node.arg, op, env, canonical)
        return b._derivative(node.arg, op.wrt, env, canonical, op)
    if isinstance(op, A.Nabla):
        return _nabla(b, op, node.arg, env, canonical)
    power = None
    if isinstance(op, A.Sup):  # \tanh^2(z): the function's value to that power
        power, op = int(op.exponent.text), op.body
    if not isinstance(op, A.Func):
        raise b.error("an operator without a meaning here", node)
    if op.name in MATRIX_FUNCTIONS:
        value = _matrix_function(b, op.name, b.value(node.arg, env, canonical), node.arg)
    else:
        value = b._apply(b.value(op, env, canonical), node.arg, env, canonical)
    if power is None:
        return value
    if isinstance(value, sp.MatrixBase):
        return sp.ImmutableMatrix(value.applyfunc(lambda e: e**power))
    return _scalar_value(b, value, node, "a power") ** power


def _matrix_function(b: Any, name: str, v: Any, node: A.Node) -> sp.Expr:
    """tr(X) = Σ_i X_ii and det(X) of a square matrix (of a number: the number)."""
    if not isinstance(v, sp.MatrixBase):
        return _scalar_value(b, v, node, f"\\{name}")
    if v.rows != v.cols:
        raise b.shape_error(f"\\{'operatorname{tr}' if name == 'tr' else 'det'} of a {v.rows}x{v.cols} "
                            "matrix: it needs a square one", node)
    return v.trace() if name == "tr" else determinant(sp.ImmutableMatrix(v))


#: Up to this size a determinant is the Leibniz sum over permutations (n! products of entries,
#: nothing expanded or simplified); beyond it SymPy's Berkowitz algorithm.
LEIBNIZ_MAX = 4


@lru_cache(maxsize=256)
def determinant(m: sp.ImmutableMatrix) -> sp.Expr:
    """det(M) = Σ_σ sgn(σ) Π_i M[i, σ(i)] for a square matrix (remembered per matrix: a claim's
    sides are bound more than once)."""
    n = m.rows
    if n > LEIBNIZ_MAX or not m.free_symbols:
        return m.det(method="berkowitz")
    terms = []
    for perm in itertools.permutations(range(n)):
        sign = sp.combinatorics.Permutation(list(perm)).signature()
        terms.append(sign * sp.Mul(*[m[i, perm[i]] for i in range(n)]))
    return sp.Add(*terms)


@lru_cache(maxsize=256)
def inverse(m: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
    """M^{-1} = adj(M) / det(M) (cofactors by `determinant`) for a square matrix of symbols; a
    matrix of numbers by SymPy's exact inverse. ValueError when det(M) is 0."""
    n = m.rows
    if n > LEIBNIZ_MAX or not m.free_symbols:
        return sp.ImmutableMatrix(m.inv())
    d = determinant(m)
    if d == 0:
        raise ValueError("Matrix det == 0; not invertible.")
    if n == 1:
        return sp.ImmutableMatrix([[1 / m[0, 0]]])
    def cofactor(i: int, j: int) -> sp.Expr:
        minor = m.minor_submatrix(i, j)
        return (-1) ** (i + j) * determinant(sp.ImmutableMatrix(minor))
    return sp.ImmutableMatrix(n, n, lambda i, j: cofactor(j, i) / d)


def _nabla(b: Any, op: A.Nabla, arg: A.Node, env: dict, canonical: bool) -> Any:
    """\\nabla_x f: the gradient of a scalar f in x, shaped like x; \\nabla^2_x f: its Hessian
    (x a vector); \\nabla^2 F(v): the Hessian of F in its argument v (a variable)."""
    if not op.wrt:
        wrt = _call_argument(b, arg)
    elif len(op.wrt) == 1:
        wrt = op.wrt[0]
    else:
        raise b.error("\\nabla_{...} takes one variable", op)
    if op.order == 1:
        if not _is_scalar(b.value(arg, env, canonical)):
            raise b.shape_error("\\nabla_x of a function with several values: write its Jacobian "
                                "\\frac{\\partial f}{\\partial x} (rows: the function's entries)", op)
        return b._derivative(arg, (wrt,), env, canonical, op)
    return _hessian(b, arg, wrt, wrt, env, canonical, op)


def _call_argument(b: Any, arg: A.Node) -> A.Node:
    """The v of \\nabla^2 F(v): F applied to one bracketed variable."""
    if isinstance(arg, A.Juxt) and len(arg.items) == 2 and isinstance(arg.items[1], A.Group) \
            and arg.items[1].kind == "(" and len(arg.items[1].items) == 1:
        return arg.items[1].items[0]
    raise b.error("\\nabla^2 without a subscript needs F(v), the function at a variable: "
                  "\\nabla^2 f(\\mathbf{u}); or name the variable, \\nabla^2_{\\mathbf{u}} f", arg)


def _is_scalar(v: Any) -> bool:
    return not isinstance(v, sp.MatrixBase) or v.shape == (1, 1)


def _hessian(b: Any, num: A.Node, rows: A.Node, cols: A.Node, env: dict, canonical: bool, node: A.Node) -> Any:
    """H_ij = ∂²f / ∂r_i ∂c_j for a scalar f: a matrix for vectors r, c; a number for scalars."""
    r, rs = _symbols(b, rows, env, canonical)
    c, cs = _symbols(b, cols, env, canonical)
    if (isinstance(r, sp.MatrixBase) and not _is_vector(r)) or (isinstance(c, sp.MatrixBase) and not _is_vector(c)):
        raise b.error("second derivatives in a matrix (four indices) are not supported; "
                      "take them entry by entry", node)
    f = b.scope.expand(b.value(num, env, canonical), frozenset(rs + cs))
    f = _scalar_value(b, f, num, "a second derivative")
    first = [b._diff(f, s) for s in rs]
    if not isinstance(r, sp.MatrixBase) and not isinstance(c, sp.MatrixBase):
        return b._diff(first[0], cs[0])
    return sp.ImmutableMatrix(len(rs), len(cs), lambda i, j: b._diff(first[i], cs[j]))


def _higher_derivative(b: Any, node: A.Deriv, env: dict, canonical: bool) -> Any:
    if node.num is None:
        raise b.error("a derivative operator without what it differentiates", node)
    return _derivatives(b, node.num, node, env, canonical)


def _derivatives(b: Any, num: A.Node, node: A.Deriv, env: dict, canonical: bool) -> Any:
    """∂^n f / ∂x ∂y ... (each x^k in the denominator counts k times): repeated derivatives of
    a scalar f in scalars; the Hessian for ∂²f/∂x∂x^T (and ∂²f/∂x², the reading stated)."""
    wrt: list[A.Node] = []
    for w in node.wrt:
        if isinstance(w, A.Sup) and isinstance(w.exponent, A.Num) and w.exponent.text.isdigit():
            wrt += [w.body] * int(w.exponent.text)
        else:
            wrt.append(w)
    if len(wrt) != node.order:
        raise b.error(f"a derivative of order {node.order} with {len(wrt)} variables below", node)
    values = [b._variable(b.value(w, env, canonical), w) for w in wrt]
    if node.order == 2 and any(isinstance(v, sp.MatrixBase) and v.shape != (1, 1) for v in values):
        if len(node.wrt) == 1:
            b.readings.add("\\partial^2 f / \\partial x^2 of a vector x read as the Hessian of f")
        return _hessian(b, num, wrt[0], wrt[1], env, canonical, node)
    symbols = []
    for w, v in zip(wrt, values, strict=True):
        if isinstance(v, sp.MatrixBase):
            if v.shape != (1, 1):
                raise b.error("derivatives of order above 2 in vectors or matrices are not supported", w)
            v = v[0]
        symbols.append(v)
    f = _scalar_value(b, b.scope.expand(b.value(num, env, canonical), frozenset(symbols)), num, "a derivative")
    for s in symbols:
        f = b._diff(f, s)
    return f


# ---------------------------------------------------------------------- norms, bars, products
def _norm(b: Any, node: A.Norm, env: dict, canonical: bool) -> Any:
    """‖x‖ = ‖x‖_2 = sqrt(Σ x_i²), ‖x‖_1 = Σ|x_i|, ‖x‖_∞ = max|x_i| for a vector; ‖X‖_F =
    sqrt(Σ X_ij²) for a matrix; ‖a‖ = |a| for a number."""
    v = b.value(node.body, env, canonical)
    if not isinstance(v, sp.MatrixBase) or v.shape == (1, 1):
        return sp.Abs(_scalar_value(b, v, node, "a norm"))
    xs = list(v)
    if not _is_vector(v) and node.kind != "F":
        raise b.error(f"\\|X\\|{'_' + node.kind if node.kind else ''} of a {v.rows}x{v.cols} matrix: write "
                      "\\|X\\|_F for the Frobenius norm (the spectral and induced norms are not supported)", node)
    if node.kind in ("", "2", "F"):
        return sp.sqrt(sp.Add(*[x**2 for x in xs]))
    if node.kind == "1":
        return sp.Add(*[sp.Abs(x) for x in xs])
    return sp.Max(*[sp.Abs(x) for x in xs])


def _bars(b: Any, node: A.Bars, env: dict, canonical: bool) -> Any:
    """|a| of a number; |X| of a square matrix is its determinant (the Cookbook's notation,
    stated as a reading)."""
    v = b.value(node.body, env, canonical)
    if not isinstance(v, sp.MatrixBase) or v.shape == (1, 1):
        return sp.Abs(_scalar_value(b, v, node, "|...|"))
    if v.rows == v.cols:
        b.readings.add("|X| of a square matrix read as its determinant det(X)")
        return _matrix_function(b, "det", v, node)
    raise b.error(f"|...| of a {v.rows}x{v.cols} matrix: a norm \\|x\\| or entry-wise absolute values? "
                  "write which", node)


def _inner(b: Any, node: A.Inner, env: dict, canonical: bool) -> Any:
    """⟨a, b⟩ = Σ a_ij b_ij (= tr(AᵀB)); two vectors of one length may differ in orientation."""
    x, y = b.value(node.left, env, canonical), b.value(node.right, env, canonical)
    xs, ys = _entries(x), _entries(y)
    same = (_is_vector(x) and _is_vector(y)) or (
        isinstance(x, sp.MatrixBase) and isinstance(y, sp.MatrixBase) and x.shape == y.shape) or (
        _is_scalar(x) and _is_scalar(y))
    if not same or len(xs) != len(ys):
        raise b.shape_error(f"\\langle a, b \\rangle of a {_shape_text(x)} and a {_shape_text(y)}", node)
    return sp.Add(*[p * q for p, q in zip(xs, ys, strict=True)])


def _shape_text(v: Any) -> str:
    return f"{v.rows}x{v.cols}" if isinstance(v, sp.MatrixBase) else "1x1"


def _hadamard(b: Any, node: A.BinOp, env: dict, canonical: bool) -> Any:
    """A ∘ B: the entry-wise (Hadamard) product, as \\odot."""
    return b._hadamard(b.value(node.left, env, canonical), b.value(node.right, env, canonical), node)


def _kronecker(b: Any, node: A.BinOp, env: dict, canonical: bool) -> Any:
    """A ⊗ B: the Kronecker product, blocks a_ij B."""
    x, y = b.value(node.left, env, canonical), b.value(node.right, env, canonical)
    if not isinstance(x, sp.MatrixBase) or not isinstance(y, sp.MatrixBase):
        return b._mul(x, y, node)
    return sp.ImmutableMatrix(sp.kronecker_product(sp.Matrix(x), sp.Matrix(y)))


def _eval(b: Any, node: A.Eval, env: dict, canonical: bool) -> Any:
    """body |_{x = a}: the body with the variable x replaced by the value a."""
    rule: dict[sp.Symbol, sp.Expr] = {}
    for rel in node.at:
        _, xs = _symbols(b, rel.left, env, canonical)
        at = b.value(rel.right, env, canonical)
        ats = _entries(at)
        if len(ats) != len(xs):
            raise b.shape_error(f"the point has {len(ats)} entries, the variable {len(xs)}", rel)
        rule.update(zip(xs, ats, strict=True))
    value = b.scope.expand(b.value(node.body, env, canonical))
    if isinstance(value, sp.MatrixBase):
        return sp.ImmutableMatrix(value.xreplace(rule))
    return _scalar_value(b, value, node, "an evaluation bar").xreplace(rule)


def _lone_nabla(b: Any, node: A.Nabla, env: dict, canonical: bool) -> Any:
    raise b.error("\\nabla_x without what it differentiates", node)


RULES: dict[type, Rule] = {
    A.Apply: _apply,
    A.Nabla: _lone_nabla,
    A.Norm: _norm,
    A.Bars: _bars,
    A.Inner: _inner,
    A.Eval: _eval,
}
