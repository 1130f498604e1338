"""The calculus pass: derivatives, Jacobians and the chain rule; gradients and functions of an argument.

\\frac{\\partial a}{\\partial v} is the derivative of the value of a in the entries of v (a
variable of the model: a leaf, or a placeholder the scope defines), laid out as the notation
has it (gradient shaped like v, Jacobian rows the outputs, otherwise a 4-index array);
juxtaposed derivatives whose variables link up are one chain rule.  F(v), \\nabla F(v) and
J_F(v) take a student's function (`where`), an element-wise function or a quantity the scope
lets a formula write as a function of another (the network's loss L) at an argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from ..core.limits import EXP_MAX_ARGUMENT
from . import ast as A
from .algebra import finish
from .binder import Binder, Op, Probe, Value, handles
from .conventions import remark
from .indices import entry, subscript
from .scope import Fn
from .student import at_its_variable, call
from .table import StudentFn
from .written import base_text, decompose, layer_of, style_strip


@dataclass(frozen=True)
class ChainRule(A.Node):
    """Juxtaposed derivatives ∂a/∂u ∂u/∂v ... whose variables link up (the chain rule)."""

    factors: tuple[A.Deriv, ...]


def _links(a: A.Node, b: A.Node) -> bool:
    """Whether ∂?/∂u then ∂u/∂? link up (the variable of one is the numerator of the next)."""
    return (
        isinstance(a, A.Deriv) and isinstance(b, A.Deriv)
        and a.num is not None and b.num is not None and a.order == b.order == 1
        and len(a.wrt) == len(b.wrt) == 1
        and style_strip(a.wrt[0]).key() == style_strip(b.num).key()
    )


def chain_rule_runs(items: list[A.Node]) -> list[A.Node]:
    """Replace each run of linked derivatives (∂a/∂u ∂u/∂v) by one chain-rule node."""
    out: list[A.Node] = []
    for item in items:
        prev = out[-1] if out else None
        last = prev.factors[-1] if isinstance(prev, ChainRule) else prev
        if last is not None and _links(last, item):
            factors = prev.factors if isinstance(prev, ChainRule) else (prev,)
            out[-1] = ChainRule(prev.pos, (*factors, item))
        else:
            out.append(item)
    return out


Shape = tuple[int, int]


def shape_of(v: Value) -> Shape | None:
    """A matrix's shape; None for a scalar."""
    return v.shape if isinstance(v, sp.MatrixBase) else None


def layout(jac: sp.ImmutableMatrix, num_shape: Shape | None, wrt_shape: Shape | None) -> Value:
    """A derivative in the notation's layout: d(scalar)/d(scalar) a number; a scalar by a
    matrix, the matrix's shape (the gradient); a matrix by a scalar, the matrix's shape; a
    vector by a vector, the Jacobian (rows: outputs); otherwise a 4-index array
    [i, j, k, l] = d num_ij / d wrt_kl."""
    p, q = jac.shape
    if p == 1:
        return sp.ImmutableMatrix(*wrt_shape, list(jac)) if wrt_shape else jac[0]
    if q == 1:
        return sp.ImmutableMatrix(*num_shape, list(jac))
    if 1 in num_shape and 1 in wrt_shape:
        return jac
    return sp.ImmutableDenseNDimArray(list(jac), (*num_shape, *wrt_shape))


#: The two layouts a derivative written \\frac{\\partial y}{\\partial x} may be read in: the Cookbook's
#: (a scalar by x in x's shape, a vector by a vector the Jacobian) and the other, where it differs.
LAYOUTS = ("the Cookbook's layout", "the other layout")


def _in_the_claims_layout(b: Binder, value: Value, jac: sp.ImmutableMatrix, num_shape: Shape | None,
                          wrt_shape: Shape | None) -> Value:
    """`value` (in `layout`'s layout) or, when the binder's plan reads the claim's derivatives in the
    other layout (convention either_layout), its transpose: a scalar by a vector as a row (numerator
    layout: d(x^T x)/dx = 2x^T), a vector by a vector as the transposed Jacobian (denominator layout:
    d(Ax)/dx = A^T). Offered only where the two shapes differ, so that a claim is read in the other
    layout only where that alone makes it well-typed (or where the table fixes the layout the claim
    was so read in at another size). Never by a matrix (a gradient has the shape of
    what it updates: a transposed one is the mistake) nor for a network's derivatives."""
    fixed = b.table.fixed.get(("layout",))  # the layout a claim was read in at another size
    if not b.table.conventions.either_layout or b.scope.has_activations or not isinstance(value, sp.MatrixBase) \
            or (value.rows == value.cols and fixed is None):
        return value
    if jac.rows == 1 and 1 in value.shape:
        other = "numerator layout (the derivative of a number by a column is a row)"
    elif jac.rows > 1 and jac.cols > 1 and num_shape and wrt_shape and 1 in num_shape and 1 in wrt_shape:
        other = "denominator layout (the derivative of a vector by a vector is the transposed Jacobian)"
    else:
        return value
    if b.choose(("layout",), "the derivatives", LAYOUTS) == LAYOUTS[0]:
        return value
    b.remark(remark("either_layout", f"the derivatives read in {other}"))
    return sp.ImmutableMatrix(value.T)


def dims(v: Value) -> tuple[int, int]:
    """The shape of a value (a scalar is 1x1)."""
    return v.shape if isinstance(v, sp.MatrixBase) else (1, 1)


@handles(A.Deriv)
def _deriv(b: Binder, node: A.Deriv, env, canonical) -> Value:
    """\\frac{\\partial a}{\\partial v}; without its numerator an operator waiting for its operand."""
    if node.num is None:
        return Op("deriv", node)
    return derivative(b, node.num, node.wrt, env, canonical, node)


def derivative(b: Binder, num_node, wrt_nodes, env, canonical, node) -> Value:
    """d num / d wrt in the notation's layout (see `layout`); a mixed derivative of a number;
    of order 2 and more, `higher_derivative`."""
    if isinstance(node, A.Deriv) and node.order > 1:
        return higher_derivative(b, num_node, node, env, canonical)
    if len(wrt_nodes) == 1:
        jac, num_shape, wrt_shape = _jacobian(b, num_node, wrt_nodes[0], env, canonical)
        value = layout(jac, num_shape, wrt_shape)
        if canonical or isinstance(node, A.Nabla):  # \nabla_x f is shaped like x, by definition
            return value
        return _in_the_claims_layout(b, value, jac, num_shape, wrt_shape)
    wrts = [variable(b, b.value(w, env, canonical), w) for w in wrt_nodes]
    if any(isinstance(w, sp.MatrixBase) for w in wrts):
        raise b.error("mixed derivatives of matrices are not supported", node)
    num = numerator(b, num_node, env, canonical, wrts)
    if isinstance(num, sp.MatrixBase):
        if num.shape != (1, 1):
            raise b.error("mixed derivatives of matrices are not supported", node)
        num = num[0]
    return sp.diff(num, *wrts)


def numerator(b: Binder, num_node: A.Node, env, canonical, wrts) -> Value:
    """The value of a derivative's numerator, expanded in the variables `wrts`: a number or a matrix;
    a function without its argument (df/dx with f an activation) is an error, checked first."""
    num = at_its_variable(b, b.value(num_node, env, canonical), num_node)
    if isinstance(num, Fn | Op | StudentFn) or not isinstance(num, sp.Basic):
        raise b.error("a function without its argument", num_node)
    return b.scope.expand(num, frozenset(wrts))


def _jacobian(b: Binder, num_node, wrt_node, env, canonical) -> tuple[sp.ImmutableMatrix, Shape | None, Shape | None]:
    """d vec(num) / d vec(wrt) (row-major vec) with the shapes of num and wrt."""
    w = variable(b, b.value(wrt_node, env, canonical), wrt_node)
    ws = list(w) if isinstance(w, sp.MatrixBase) else [w]
    num = numerator(b, num_node, env, canonical, ws)
    ns = list(num) if isinstance(num, sp.MatrixBase) else [num]
    jac = sp.ImmutableMatrix(len(ns), len(ws), lambda i, j: _diff(b, ns[i], ws[j]))
    return jac, shape_of(num), shape_of(w)


@handles(ChainRule)
def _chain_rule(b: Binder, node: ChainRule, env, canonical) -> Value:
    """∂a/∂u ∂u/∂v ...: the chain rule contracts over the entries of every u, whatever the
    layout each factor alone would have (gradient, Jacobian or 4-index array)."""
    jac, num_shape, inner = _jacobian(b, node.factors[0].num, node.factors[0].wrt[0], env, canonical)
    for f in node.factors[1:]:
        nxt, _, wrt_shape = _jacobian(b, f.num, f.wrt[0], env, canonical)
        if jac.cols != nxt.rows:
            raise b.shape_error(
                f"the chain rule needs the same variable: {jac.cols} entries then {nxt.rows}", f
            )
        jac, inner = sp.ImmutableMatrix(jac * nxt), wrt_shape
    return layout(jac, num_shape, inner)


def higher_derivative(b: Binder, num: A.Node, node: A.Deriv, env, canonical) -> Value:
    """∂^n f / ∂x ∂y ... (each x^k in the denominator counts k times): repeated derivatives of
    a number f in scalars; the Hessian for ∂²f/∂x∂x^T (and ∂²f/∂x², the reading stated)."""
    wrt: list[A.Node] = []
    for w in node.wrt:
        if isinstance(w, A.Sup) and isinstance(w.exponent, A.Num) and w.exponent.text.isdigit():
            wrt += [w.body] * int(w.exponent.text)
        else:
            wrt.append(w)
    if len(wrt) != node.order:
        raise b.error(f"a derivative of order {node.order} with {len(wrt)} variables below", node)
    values = [variable(b, b.value(w, env, canonical), w) for w in wrt]
    if node.order == 2 and any(isinstance(v, sp.MatrixBase) and v.shape != (1, 1) for v in values):
        if len(node.wrt) == 1:
            b.read("\\partial^2 f / \\partial x^2 of a vector x read as the Hessian of f")
        return hessian(b, num, wrt[0], wrt[1], env, canonical, node)
    symbols = []
    for w, v in zip(wrt, values, strict=True):
        if isinstance(v, sp.MatrixBase):
            if v.shape != (1, 1):
                raise b.error("derivatives of order above 2 in vectors or matrices are not supported", w)
            v = v[0]
        symbols.append(v)
    f = number_value(b, numerator(b, num, env, canonical, symbols), num, "a derivative")
    for s in symbols:
        f = _diff(b, f, s)
    return f


def hessian(b: Binder, num: A.Node, rows: A.Node, cols: A.Node, env, canonical, node: A.Node) -> Value:
    """H_ij = ∂²f / ∂r_i ∂c_j for a number f: a matrix for vectors r and c; a number for scalars."""
    r = variable(b, b.value(rows, env, canonical), rows)
    c = variable(b, b.value(cols, env, canonical), cols)
    rs = list(r) if isinstance(r, sp.MatrixBase) else [r]
    cs = list(c) if isinstance(c, sp.MatrixBase) else [c]
    if any(isinstance(v, sp.MatrixBase) and 1 not in v.shape for v in (r, c)):
        raise b.error("second derivatives in a matrix (four indices) are not supported; take them entry by entry",
                      node)
    f = number_value(b, numerator(b, num, env, canonical, rs + cs), num, "a second derivative")
    first = [_diff(b, f, s) for s in rs]
    if not isinstance(r, sp.MatrixBase) and not isinstance(c, sp.MatrixBase):
        return _diff(b, first[0], cs[0])
    return sp.ImmutableMatrix(len(rs), len(cs), lambda i, j: _diff(b, first[i], cs[j]))


def number_value(b: Binder, v: Value, node: A.Node, what: str) -> sp.Expr:
    """A value that must be one number (a 1x1 matrix is one)."""
    if isinstance(v, sp.MatrixBase):
        if v.shape == (1, 1):
            return v[0]
        raise b.shape_error(f"{what} needs a number, got a {v.rows}x{v.cols} matrix", node)
    if not isinstance(v, sp.Basic):
        raise b.error(f"{what} needs a value, got a function", node)
    return v


def variable(b: Binder, v: Value, node) -> Value:
    """The variables of the model a value stands for, entry by entry: a leaf symbol, or the
    placeholder the scope defines as that expression (f(z) for a)."""

    def one(e):
        if isinstance(e, sp.Symbol):
            return e
        s = b.scope.symbol_for(e)
        if s is None:
            raise b.error(
                "can only differentiate with respect to a variable of the model", node
            )
        return s

    if isinstance(v, sp.MatrixBase):
        return sp.ImmutableMatrix(v.applyfunc(one))
    if not isinstance(v, sp.Basic):  # \min, \nabla, a student's function, a vector of matrices
        raise b.error("can only differentiate with respect to a variable of the model, not a function", node)
    return one(v)


def call_scripted(b: Binder, f: Value, arg_node: A.Node, env) -> Value:
    """F(v), \\nabla F(v), J_F(v), with scripts after the parenthesis belonging to the result:
    \\nabla L(\\mathbf{W})_{ij} is entry (i, j) of the gradient, J_F(v)^\\top its transpose."""
    wraps: list[A.Node] = []
    core = arg_node
    while isinstance(core, A.Sub | A.Sup):
        wraps.append(core)
        core = core.body
    if not (isinstance(core, A.Group) and core.kind == "(" and len(core.items) == 1):
        raise b.error("a function's argument goes in parentheses: l_1(\\mathbf{x})", arg_node)
    inner = core.items[0]
    if isinstance(f, StudentFn):
        value = _cached(b, ("call", f), (inner,), env, lambda: call(b, f, argument(b, inner, env), arg_node))
    elif isinstance(f, Fn):  # f(z)^2 = (f(z))^2 for an element-wise f too
        value = apply_function(b, f, argument(b, inner, env), arg_node)
    else:
        jac = f.kind == "jacobian"
        one_entry = None
        if not jac and wraps and isinstance(wraps[-1], A.Sub):
            one_entry = _loss_gradient_entry(b, f.node, inner, env, wraps[-1])
        if one_entry is not None:  # \nabla L(\mathbf{W})_{ij}: that entry alone
            value, wraps = one_entry, wraps[:-1]
        else:
            value = _cached(
                b, ("derive", jac), (f.node, inner), env, lambda: _derive_at(b, f.node, inner, env, jac, arg_node)
            )
    return with_scripts(b, value, wraps, env)


def with_scripts(b: Binder, value: Value, wraps: list[A.Node], env) -> Value:
    """`value` with the scripts written after its bracket (`wraps`, outermost first): F(v)_{ij}, F(v)^T."""
    for w in reversed(wraps):
        if isinstance(w, A.Sub):
            value = subscript(b, value, w.index, env, w)
        else:
            _layer, transposed, power = layer_of(w.exponent)
            value = finish(b, value, transposed, power, env, w)
    return value


GROWING = frozenset({"exp", "sinh", "cosh"})  # functions whose value at a large number is too large to hold


def apply_function(b: Binder, f: Fn, arg: Value, node: A.Node) -> Value:
    """f(arg), entry by entry; \\exp (\\sinh, \\cosh) of a number past EXP_MAX_ARGUMENT in magnitude,
    or a value f does not have there (\\log 0), is a limit error at `node`."""
    if f.name in GROWING:
        for e in list(arg) if isinstance(arg, sp.MatrixBase) else [arg]:
            if isinstance(e, sp.Expr) and e.is_number:
                size = magnitude(e)
                if size is None or size > EXP_MAX_ARGUMENT:
                    raise b.limit_error(f"\\{f.name} of a number too large to compare (at most "
                                        f"{EXP_MAX_ARGUMENT} in magnitude)", node)
    value = f(arg)
    if any(isinstance(e, sp.Basic) and e.has(sp.zoo, sp.nan, sp.oo, -sp.oo)
           for e in (list(value) if isinstance(value, sp.MatrixBase) else [value])):
        raise b.limit_error(f"\\{f.name} has no finite real value here (undefined: log 0, ...)", node)
    return value


def magnitude(value: sp.Expr) -> float | None:
    """|value| of a number as a float; None when it cannot be evaluated (too large)."""
    try:
        if value.is_Rational:
            return None if abs(value.p) > 10**30 * abs(value.q) else abs(float(value))
        size = abs(complex(sp.N(value, 15)))
    except (OverflowError, ValueError, TypeError, ZeroDivisionError, RecursionError):
        return None
    return size if math.isfinite(size) else None


def _cached(b: Binder, tag: tuple, nodes: tuple[A.Node, ...], env, compute) -> Value:
    """compute() once per value of the index letters `nodes` use (a gradient or a student's
    function at an argument is the same at every other index value); not inside a
    function body, whose formal parameters change, nor while an index range is probed, nor
    what an attempt that stopped left idle (see binder.py)."""
    letters = {n.text for t in nodes for n in A.walk(t) if isinstance(n, A.Name) and len(n.text) == 1}
    used = tuple(sorted((k, env[k]) for k in letters if k in env))
    if b.locals or any(isinstance(v, Probe) for _, v in used):
        return compute()
    key = (tag, tuple(t.key() for t in nodes), used)
    if key not in b.derived:
        value = compute()
        if b.idle:
            return value
        b.derived[key] = value
    return b.derived[key]


def argument(b: Binder, node: A.Node, env) -> Value:
    """The value of a function's argument (a function is no argument)."""
    v = b.value(node, env)
    if isinstance(v, Fn | Op | StudentFn) or not isinstance(v, sp.Basic):
        raise b.error("a function's argument must be a value", node)
    return v


def _model_variable(b: Binder, node: A.Node) -> list[sp.Symbol]:
    """The symbols of the model quantity a name stands for (formal parameters ignored; the
    same for every index value, so found once per node)."""
    found = b.variables.get(id(node))
    if found is not None and found[0] is node:
        return list(found[1])
    saved = b.locals
    b.locals = {}
    try:
        v = variable(b, b.value(node, {}), node)
    finally:
        b.locals = saved
    out = list(v) if isinstance(v, sp.MatrixBase) else [v]
    if not b.idle:
        b.variables[id(node)] = (node, out)
    return list(out)


def is_quantity_call(b: Binder, name: A.Node, arg: A.Node) -> bool:
    """Q(v), L(\\mathbf{y}'): a quantity the scope lets a formula write as a function of another
    quantity of the model (the network's loss), applied to one argument."""
    if not (isinstance(arg, A.Group) and arg.kind == "(" and len(arg.items) == 1):
        return False
    parts = decompose(name)
    if parts is None or parts.subs is not None or parts.sup is not None or parts.primes:
        return False
    target = b.table.names.get(base_text(parts.base))
    return isinstance(target, A.Name) and b.scope.callable_quantity(target.text)


def quantity_at(b: Binder, qnode: A.Node, arg: A.Node, env) -> Value:
    """Q(v): Q written through the model quantity v (every other quantity expanded), with v
    replaced by the argument's value (v itself, or a formal parameter's value)."""
    var = _model_variable(b, arg)
    at = argument(b, arg, env)
    ats = list(at) if isinstance(at, sp.MatrixBase) else [at]
    if len(ats) != len(var):
        raise b.shape_error(f"the argument has {len(ats)} entries, the quantity {len(var)}", arg)
    q = b.scope.expand(b.value(qnode, env), frozenset(var))
    return _substitute(b, q, dict(zip(var, ats, strict=True)))


def _loss_gradient_entry(b: Binder, fnode: A.Node, inner: A.Node, env, sub: A.Sub) -> Value | None:
    """Entry `sub` of \\nabla F(v) when F is the loss and v the model quantity itself: the
    derivative of the loss in that one symbol, the entry `_derive_at` then `_subscript` give
    (the same checks, in the same order), without the rest of the gradient.  None when F or
    v is anything else (the general path applies)."""
    if b.locals:
        return None
    at = argument(b, inner, env)
    f = b.value(fnode, env)
    if isinstance(f, StudentFn | Fn) or not isinstance(f, sp.Basic) or dims(f) != (1, 1) \
            or not isinstance(at, sp.MatrixBase):
        return None
    var = _model_variable(b, inner)
    if list(at) != var:
        return None
    position = entry(b, at.shape, sub.index, env, sub)
    q = b.scope.expand(f, frozenset(var))
    return _diff(b, q[0] if isinstance(q, sp.MatrixBase) else q, var[position])


def _derive_at(b: Binder, fnode: A.Node, inner: A.Node, env, jacobian: bool, node: A.Node) -> Value:
    """\\nabla F(v) (F scalar: the gradient, shaped like v) or J_F(v) (the Jacobian, rows:
    F's entries), F's derivative in its argument evaluated at v. F is a student's function,
    an element-wise function, or the loss as a function of the model quantity v."""
    at = argument(b, inner, env)
    f = b.value(fnode, env)
    if isinstance(f, StudentFn):

        def g(s):
            return call(b, f, s, node)
    elif isinstance(f, Fn):
        g = f
    elif isinstance(f, sp.Basic) and dims(f) == (1, 1):
        var = _model_variable(b, inner)
        q = b.scope.expand(f, frozenset(var))

        def g(s):
            entries = list(s) if isinstance(s, sp.MatrixBase) else [s]
            return _substitute(b, q, dict(zip(var, entries, strict=True)))
    else:
        raise b.error("\\nabla and J take a function: the loss or a function defined in `where`", fnode)
    shape = dims(at)
    if isinstance(f, sp.Basic) and (not jacobian or 1 in shape) \
            and (list(at) if isinstance(at, sp.MatrixBase) else [at]) == var:
        # the loss at the model quantity itself: its derivative in those symbols (the scope
        # keeps it for every claim), the expression the detour through dummies gives
        loss = q[0] if isinstance(q, sp.MatrixBase) else q
        if jacobian:
            return sp.ImmutableMatrix(1, len(var), [_diff(b, loss, v) for v in var])
        if not isinstance(at, sp.MatrixBase):
            return _diff(b, loss, var[0])
        return sp.ImmutableMatrix(*shape, [_diff(b, loss, v) for v in var])
    syms = sp.ImmutableMatrix(*shape, lambda i, j: sp.Dummy(f"s{i}_{j}", real=True))
    out = g(syms if isinstance(at, sp.MatrixBase) else syms[0])
    if isinstance(out, Fn | Op | StudentFn) or not isinstance(out, sp.Basic):
        raise b.error("the function has no value at this argument", node)
    outs = list(out) if isinstance(out, sp.MatrixBase) else [out]
    if jacobian:
        if 1 not in shape or (isinstance(out, sp.MatrixBase) and 1 not in out.shape):
            raise b.error("a Jacobian needs a vector function of a vector", node)
    elif len(outs) != 1:
        raise b.shape_error(f"\\nabla of a function with {len(outs)} values (a Jacobian?)", node)
    ats = list(at) if isinstance(at, sp.MatrixBase) else [at]
    wrt, direct = list(syms), _free_of(b, outs, ats)
    if direct:  # at distinct symbols the function does not otherwise involve: d/d(at) of f(at),
        rule = dict(zip(syms, ats, strict=True))  # the same as d/ds f(s) at s = at (and kept)
        outs, wrt = [_substitute(b, o, rule) for o in outs], ats
    if jacobian:
        result = sp.ImmutableMatrix(len(outs), len(wrt), lambda i, j: _diff(b, outs[i], wrt[j]))
    else:
        result = sp.ImmutableMatrix(*shape, [_diff(b, outs[0], w) for w in wrt])
        if not isinstance(at, sp.MatrixBase):
            result = result[0]
    return result if direct else _substitute(b, result, dict(zip(syms, ats, strict=True)))


def _free_of(b: Binder, outs: list[sp.Basic], ats: list[sp.Basic]) -> bool:
    """Whether the ats are distinct symbols none of the outs has."""
    symbols_of = getattr(b.scope, "symbols_of", None)
    if symbols_of is None or not all(isinstance(a, sp.Symbol) for a in ats) or len(set(ats)) != len(ats):
        return False
    names = set(ats)
    return not any(symbols_of(o) & names for o in outs)


def _substitute(b: Binder, e: Value, rule: dict[sp.Symbol, sp.Basic]) -> Value:
    """e.xreplace(rule) (by the scope's faster substitution, when it has one)."""
    substitute = getattr(b.scope, "substitute", None)
    return substitute(e, rule) if substitute is not None else e.xreplace(rule)


def _diff(b: Binder, e: sp.Expr, v: sp.Symbol) -> sp.Expr:
    """d e / d v as SymPy's diff gives it (by the scope's faster Differentiator, when it has one)."""
    differentiate = getattr(b.scope, "derivative", None)
    return differentiate(e, v) if differentiate is not None else sp.diff(e, v)
