"""The names pass: a written name, W^{(1)}_{ij}', resolved to the quantity the problem declares.

A student's name goes through the [notation] table (table.py) to a canonical formula over the
names the scope declares (a kind's scope: the network's are listed in kinds/network_scope.py);
a claim's `where` adds the student's own names and functions.  Built in: e, \\pi,
\\delta_{ij} (Kronecker), \\mathbf{I}_n (identity), \\mathbf{1}_n (ones), \\mathbf{1}_{z>0}
(indicator), ^T / ^\\top (transpose), \\nabla, D (the derivative operator, \\mathbf{D}\\phi)
and the functions of functions.py.  A word that is no name is read letter by letter where it
stands in a juxtaposition (ReLU_k as R e L U_k: see functions.py).
"""

from __future__ import annotations

import sympy as sp

from ..core.exact import parse_rational
from ..core.limits import LITERAL_MAX_DIGITS
from . import ast as A
from .algebra import finish
from .binder import IDLE, Binder, Op, Split, Value, handles
from .functions import FUNCTIONS, WORD_OPERATORS, builtin_function, standard_function
from .indices import checked, comprehension, index_value, ones, ranged_comprehension, size_value, subscript
from .scope import Fn
from .sized import identity, ones_column, single_entry, single_entry_indices, zeros
from .table import BoundMacro, StudentFn, StudentMacro
from .written import base_text, decompose, layer_of, script_text, style_strip


@handles(A.Num)
def _number(b: Binder, node: A.Num, env, canonical) -> Value:
    """A number written in decimal, exactly (at most LITERAL_MAX_DIGITS digits: core/limits.py)."""
    digits = sum(ch.isdigit() for ch in node.text)
    if digits > LITERAL_MAX_DIGITS:
        raise b.limit_error(f"number with {digits} digits (at most {LITERAL_MAX_DIGITS})", node)
    return parse_rational(node.text)


@handles(A.Styled)
def _styled(b: Binder, node, env, canonical) -> Value:
    """Typography is no meaning: \\mathbf{W} is W (\\mathbf{1} alone needs its size)."""
    if (
        node.style in ("mathbf", "boldsymbol", "bm")
        and isinstance(node.body, A.Num)
        and node.body.text == "1"
    ):
        return ones_column(b, node)  # a column of ones, its size from the formula (sized.py)
    if node.style in ("mathbf", "boldsymbol", "bm") and isinstance(node.body, A.Num) and node.body.text == "0":
        return zeros(b, node)  # a zero vector or matrix, its shape from the formula (sized.py)
    body = style_strip(node)
    if body is node:
        raise b.error(f"\\{node.style} is not understood here", node)
    return b.value(body, env, canonical)


@handles(A.Canon)
def _canon(b: Binder, node, env, canonical) -> Value:
    """A canonical name bound by the claim (its own free variables)."""
    return canonical_value(b, node.name, node)


@handles(StudentMacro)
def _student_macro(b: Binder, node, env, canonical) -> Value:
    """A student's own name (`where`): its formula, read with the student's names."""
    return b.value(node.body, env)


@handles(BoundMacro)
def bound_macro(b: Binder, node, env, canonical) -> Value:
    """A parametrised `where` name as used, T(x_2): its formula with k bound to the index written."""
    inner = {letter: index_value(b, idx, env) for letter, idx in node.binds}
    return b.value(node.body, {**env, **inner})


@handles(A.Name, A.Func, A.Sub, A.Sup, A.Prime)
def named(b: Binder, node: A.Node, env, canonical) -> Value:
    """A name with its scripts, W^{(1)}_{ij}', through the table (or the scope's own names when
    canonical): \\delta_{ij} (Kronecker), a student's function or formal parameter, a
    built-in; then its entry, derivatives (primes), transpose and power.  Anything else with
    scripts, (expr)_i or [expr]_i, (expr)^T, f'(...), is read by `_scripted`."""
    defined = None if canonical else _defined_with_scripts(b, node)
    if defined is not None:  # Y^{-1} with Y a `where` name: its definition, then the scripts
        return b.value(defined, env, canonical)
    parts = decompose(node)
    if parts is None:  # (expr)_i, [z_k]_m, (expr)^T, (expr)^2, f'(...)
        return _scripted(b, node, env, canonical)
    base = parts.base
    layer, transposed, power = layer_of(parts.sup)
    subs = parts.subs
    # special forms
    if isinstance(base, A.Name) and not canonical:
        text = base.text
        if (
            text == "\\delta"
            and subs is not None
            and len(subs) == 2
            and layer is None
            and not _known(b, base, layer)
        ):
            i, j = (index_value(b, s, env) for s in subs)
            return finish(b, sp.Integer(int(i == j)), transposed, power, env, node)
    entry = single_entry_indices(power) if isinstance(base, A.Name) and base.text == "J" else None
    if entry is not None and not canonical and subs is None and base.key() not in b.table.macros:
        return finish(b, single_entry(b, node, entry, env), transposed, None, env, node)  # J^{ij}
    own = None if canonical else _own_name(b, base, layer, subs, parts.primes, env, node)
    primes = parts.primes
    if own is None:
        value, consumed = _lookup(b, base, layer, subs, env, canonical, node)
    else:
        value, consumed, primes = own
    if not consumed and subs is not None:
        value = subscript(b, value, subs, env, node)
    if primes == 1 and isinstance(value, StudentFn):  # f'(x), f a student's (or a kind's) function: ∇f at x
        return Op("grad", base)
    for _ in range(primes):
        if not isinstance(value, Fn):
            raise b.error("a prime marks a derivative of a function (f', \\phi')", node)
        value = value.derivative()
    return finish(b, value, transposed, power, env, node)


def _defined_with_scripts(b: Binder, node: A.Node) -> A.Node | None:
    """Y^{-1}, s^T, Y_{ij} where a `where` definition names Y (or \\mathbf{Y}), and x_i^T where one
    defines x_i for every i: the node with Y in a bracket, (Y)^{-1}, so the scripts apply to Y's
    value. None for anything else: a layer mark W^{(1)} (part of a name), and a name written in its
    own definition ('\\mathbf{I}' = '\\mathbf{I}_q' defines I by the built-in \\mathbf{I}_q)."""
    if isinstance(node, A.Sup) and b.table.patterns and not _layer_mark(node.exponent) \
            and isinstance(node.body, A.Sub) and b.table.match(node.body) is not None:
        return A.Sup(node.pos, A.Group(node.body.pos, "(", (node.body,)), node.exponent)  # x_i^T, x_i a `where` name
    if not isinstance(node, A.Sub | A.Sup) or not b.table.macros:
        return None
    inner, chain = node, []
    while isinstance(inner, A.Sub | A.Sup):
        chain.append(inner)
        inner = inner.body
    macro = b.table.macros.get(inner.key(), b.table.macros.get(style_strip(inner).key()))
    if macro is None or any(isinstance(w, A.Sup) and _layer_mark(w.exponent) for w in chain):
        return None
    key = node.key()
    if any(n.key() == key for n in A.walk(getattr(macro, "body", macro))):
        return None
    rebuilt: A.Node = A.Group(inner.pos, "(", (inner,))
    for w in reversed(chain):
        rebuilt = A.Sub(w.pos, rebuilt, w.index) if isinstance(w, A.Sub) else A.Sup(w.pos, rebuilt, w.exponent)
    return rebuilt


def _layer_mark(exponent: A.Node) -> bool:
    """A superscript that is part of a name (W^{(1)}, W^{(1)T}), not a power or a transpose."""
    return isinstance(exponent, A.Juxt) or (isinstance(exponent, A.Group) and exponent.kind == "(")


def _own_name(b: Binder, base, layer, subs, primes, env, node) -> tuple[Value, bool, int] | None:
    """A formal parameter, a student's function, a primed name the table binds (h', y':
    names, not derivatives), or a built-in operator: (value, subscript consumed, primes
    left). None when the ordinary lookup applies."""
    key = base_text(base) + (f"^{{({layer})}}" if layer is not None else "")
    pkey = key + "'" * primes
    full = None
    if subs is not None and all(isinstance(s, A.Num | A.Name) for s in subs):
        full = "_{" + ",".join(s.text for s in subs) + "}"
    if pkey in b.locals:
        return b.locals[pkey], False, 0
    if full is not None and key + full in b.table.functions:
        return b.table.functions[key + full], True, primes
    if subs is None and key in b.table.functions:
        return b.table.functions[key], False, primes
    if primes and full is not None and pkey + full in b.table.names:
        return b.value(b.table.names[pkey + full], env, canonical=True), True, 0
    if primes and pkey in b.table.names:
        value, consumed = _lookup_key(b, pkey, subs, env, node)
        return value, consumed, 0
    if key in b.table.names or not isinstance(base, A.Name):
        return None
    if base.text == "\\nabla":
        return Op("nabla"), False, primes
    if base.text == "I" and subs is not None and len(subs) == 1:  # \mathbf{I}_n
        n = size_value(b, subs[0], env, square=True)
        return sp.ImmutableMatrix(sp.eye(n)), True, primes
    if base.text == "I" and subs is None and not primes:  # \mathbf{I}: its size from the formula
        return identity(b, node), False, 0
    return None


def _lookup_key(b: Binder, key: str, subs, env, node) -> tuple[Value, bool]:
    """The value of table key `key`; a per-sample name's subscript is its sample (consumed)."""
    target = b.table.names[key]
    if (
        subs is not None
        and isinstance(target, A.Name)
        and b.scope.per_sample(target.text) is not None
        and b.scope.n_samples > 1
    ):
        return _lookup(b, target, None, subs, env, True, node)
    return b.value(target, env, canonical=True), False


def _known(b: Binder, base: A.Node, layer: int | None) -> bool:
    """Whether the table binds this name."""
    key = base_text(base) + (f"^{{({layer})}}" if layer is not None else "")
    return key in b.table.names


def _lookup(b: Binder, base, layer, subs, env, canonical, node) -> tuple[Value, bool]:
    """The value of a name; True when the subscript was part of the name (\\mathbf{W}_2)."""
    if canonical:
        if isinstance(base, A.Func):
            return builtin_function(b, base.name, node), False
        name = base.text
        if subs is not None and b.scope.per_sample(name) is not None and b.scope.n_samples > 1:
            if len(subs) < 1:
                raise b.error("missing sample index", node)
            k = checked(b, subs[0], env, b.scope.n_samples, node)
            v = _per_sample(b, name, k, node)
            if len(subs) > 1:
                v = subscript(b, v, subs[1:], env, node)
            return v, True
        return canonical_value(b, name, node), False
    key = base_text(base) + (f"^{{({layer})}}" if layer is not None else "")
    if subs is not None:
        full = key + "_{" + ",".join(script_text(s) for s in subs) + "}"
        if full in b.table.names:
            return b.value(b.table.names[full], env, canonical=True), True
    if key in b.table.names:
        return _lookup_key(b, key, subs, env, node)
    if isinstance(base, A.Func):
        return builtin_function(b, base.name, node), False
    text = base.text
    if text in FUNCTIONS or text in WORD_OPERATORS:
        return builtin_function(b, text, node), False
    if text == "e" and layer is None:
        return sp.E, False
    if text == "D" and layer is None and subs is None:
        return Op("D"), False  # \mathbf{D}\phi: the derivative operator
    if text == "\\pi":
        return sp.pi, False
    if text in env and layer is None and subs is None and len(text) == 1:
        return sp.Integer(int(env[text])), False  # an index letter as a number: X^r in \\sum_{r=0}^{k-1}
    if text in b.table.sizes and layer is None and subs is None and text not in env:
        b.read(f"the size letter {text} read as its value {b.table.sizes[text]} at the size judged")
        return sp.Integer(b.table.sizes[text]), False  # X^k, k X^{k-1} with k a size of the problem
    if layer is None and (standard := standard_function(b, text)) is not None:
        return standard, False
    if (
        isinstance(base, A.Name)
        and len(text) > 1
        and text.isalpha()
        and not text.startswith("\\")
    ):
        raise Split(text)
    known = sorted(b.table.names)
    raise b.error(f"unknown name {key!r}; known: {', '.join(known) or '(none)'}", node)


def canonical_value(b: Binder, name: str, node) -> Value:
    """The value of a canonical name: a function or a per-sample name the scope declares (one
    sample with N = 1, else the batch in the layout's orientation), the operators D and
    jacobian, or a quantity of the scope."""
    try:
        fn = b.scope.function(name)
    except LookupError as exc:
        raise b.error(str(exc.args[0]), node) from None
    if fn is not None:
        return fn
    if name == "D" and name not in b.scope.names():  # a declared matrix D is itself
        return Op("D")
    if name == "jacobian":  # '\mathbf{J}' = 'jacobian': J_f(v), the Jacobian of f at v
        return Op("jacobian")
    if b.scope.per_sample(name) is not None:
        if b.scope.n_samples == 1:
            return _per_sample(b, name, 1, node)
        return _per_sample(b, name, None, node)
    try:
        return b.scope.quantity(name)
    except KeyError:
        raise b.error(
            f"unknown quantity {name!r}; known: {', '.join(b.scope.names())}", node
        ) from None


def _per_sample(b: Binder, name: str, k: int | None, node) -> sp.ImmutableMatrix:
    """Sample k of a per-sample name (None: every sample), kept per formula."""
    key = (name, k)
    found = b.samples.get(key)
    if found is None:
        found = b.samples[key] = _sample_of(b, name, k, node)
    return found


def _sample_of(b: Binder, name: str, k: int | None, node) -> sp.ImmutableMatrix:
    """Row k of the batch quantity as a vector in the layout (None: the batch, transposed in
    the column layout)."""
    batch = canonical_value(b, b.scope.per_sample(name), node)
    if k is None:
        return batch if b.scope.layout == "row" else batch.T
    row = batch[k - 1, :]
    return sp.ImmutableMatrix(row if b.scope.layout == "row" else row.T)


def _scripted(b: Binder, node, env, canonical) -> Value:
    """Scripts on an expression: \\mathbf{1}_n and \\mathbf{1}_{z>0}; [g]_i (entry i of g, or the
    vector of the g_i when i has no value and g uses it); \\left[g_i\\right]_{i=1}^m; (expr)^T,
    (expr)^2; f' of a function."""
    if isinstance(node, A.Sub):
        body = node.body
        if (
            isinstance(body, A.Styled)
            and isinstance(body.body, A.Num)
            and body.body.text == "1"
        ):
            return ones(b, node, env)
        if isinstance(body, A.Group) and body.kind == "[" and len(body.items) == 1:
            letters = [s.text for s in node.index if isinstance(s, A.Name)]
            att = b.attempt(lambda: b.value(body.items[0], env, canonical))
            if att.unbound is None:  # [z_k]_m: entry m of the value
                return subscript(b, att.value, node.index, env, node)
            if att.unbound in letters and len(letters) == len(node.index):  # [x_i^2]_i: the vector
                return comprehension(b, body.items[0], letters, env, canonical)
            b.no_value(att.unbound)
            return IDLE
        return subscript(b, b.value(body, env, canonical), node.index, env, node)
    if isinstance(node, A.Sup) and (ranged := ranged_comprehension(b, node, env, canonical)) is not None:
        return ranged
    if isinstance(node, A.Sup):
        _layer, transposed, power = layer_of(node.exponent)
        return finish(
            b, b.value(node.body, env, canonical), transposed, power, env, node
        )
    if isinstance(node, A.Prime):
        v = b.value(node.body, env, canonical)
        if isinstance(v, Fn):
            return v.derivative()
    raise b.error("cannot read this combination of scripts", node)
