"""The indices pass: index letters and their values, entries of matrices, ranges, sums, comprehensions and cases.

An index is a number, a letter (k, k', i^*) or a formula of indices and size letters (the
table's index functions, o(i,j) = (i-1)d + j, brackets, floors, \\bmod).  A letter with no
value is free: see binder.py for how its range is found (`checked` records the axis a probe
indexes).  Sizes written in a formula are read at the size judged (a reduced copy of a model
maps its full widths to smaller ones: `NotationTable.at_sizes`).
"""

from __future__ import annotations

import sympy as sp

from ..core.errors import NotationError
from ..core.limits import SIZED_MAX_ENTRIES
from ..core.limits import SUM_MAX_TERMS as MAX_TERMS
from ..core.ops import relu_step
from . import ast as A
from .algebra import add, scalar, subtract
from .binder import IDLE, Binder, IndexRangeError, Op, Probe, Value, handles
from .written import MOD_WORDS, index_letter, index_uses, juxt, letters_in


def index_value(b: Binder, node: A.Node, env) -> int:
    """The value of an index: a number, a letter's value in `env` (or its definition in the
    table, k = o(i^*, j^*)), or a formula of indices and size letters, (i-1)n + j."""
    if isinstance(node, A.Num):
        return whole(b, node, "an index")
    letter = index_letter(node)
    if letter is not None:
        if letter in env:
            return env[letter]
        if letter in b.table.index_defs:  # k = o(i^*, j^*): free are i* and j*
            with b.unfolding("an index", node):
                return index_value(b, b.table.index_defs[letter], env)
        b.no_value(letter)  # an error, or what ends an attempt (then any index will do)
        return 1
    # inside a computed index, a size letter of the table is that size: a_{(i-1)n+j}
    inner = {**b.table.sizes, **env}
    if isinstance(node, A.BinOp) and node.op in "+-":
        left, right = index_value(b, node.left, inner), index_value(b, node.right, inner)
        return left + right if node.op == "+" else left - right
    return _index_formula(b, node, inner)


def _index_call(b: Binder, node: A.Node):
    """o(2, j) for an index function o(i,j) of the table: its definition and arguments."""
    if not (isinstance(node, A.Juxt) and len(node.items) == 2 and isinstance(node.items[0], A.Name)):
        return None
    definition = b.table.index_functions.get(node.items[0].text)
    args = node.items[1]
    if definition is None or not isinstance(args, A.Group) or args.kind != "(":
        return None
    if len(args.items) != len(definition[0]):
        raise b.error(f"{node.items[0].text} takes {len(definition[0])} indices", node)
    return definition, args.items


def _index_formula(b: Binder, node: A.Node, env) -> int:
    """An index the table or `where` defines, o(i,j) = (i-1)d + j, and the products,
    brackets and size letters its definition uses."""
    found = _index_call(b, node)
    if found is not None:
        (letters, body), args = found
        domain = b.table.index_domains.get(node.items[0].text)
        if domain is None:
            values = dict(zip(letters, (index_value(b, a, env) for a in args), strict=True))
        elif len(domain) != len(letters):
            raise b.error(f"domains: {node.items[0].text} takes {len(letters)} indices", node)
        else:  # the arguments' ranges are declared: a free letter there takes its range
            values = {x: checked(b, a, env, _domain_size(b, d, node), node)
                      for x, a, d in zip(letters, args, domain, strict=True)}
        with b.unfolding("an index", node):
            return index_value(b, body, {**b.table.sizes, **env, **values})  # d: a size letter
    if isinstance(node, A.Group) and node.kind in "(g" and len(node.items) == 1:
        return index_value(b, node.items[0], env)
    if isinstance(node, A.Group) and node.kind in ("floor", "ceil"):
        return _floor(b, node.items[0], env, node.kind == "ceil")
    if isinstance(node, A.Juxt):
        words = [n for n, x in enumerate(node.items) if isinstance(x, A.Name) and x.text in MOD_WORDS]
        if len(words) == 1 and 0 < words[0] < len(node.items) - 1:  # k' \bmod n
            a = index_value(b, juxt(node.items[: words[0]]), env)
            n = index_value(b, juxt(node.items[words[0] + 1 :]), env)
            if n == 0:
                raise b.error("modulo 0", node)
            return int(a) % int(n)
    if isinstance(node, A.Juxt) and all(isinstance(x, A.Group | A.Num) for x in node.items[:-1]):
        out = 1  # (i-1)d, 2(i-1): a product inside an index definition
        for item in node.items:
            out *= index_value(b, item, env)
        return out
    raise b.error("an index must be a letter or a number", node)


def _floor(b: Binder, node: A.Node, env, ceil: bool = False) -> int:
    """\\lfloor k'/n \\rfloor, \\lfloor \\frac{k'}{n} \\rfloor: integer division of indices (rounded up:
    \\lceil k'/n \\rceil)."""
    if isinstance(node, A.Frac):
        num, den = node.num, node.den
    elif isinstance(node, A.BinOp) and node.op == "/":
        num, den = node.left, node.right
    else:
        return index_value(b, node, env)
    d = int(index_value(b, den, env))
    if d == 0:
        raise b.limit_error("division by zero", node)
    n = int(index_value(b, num, env))
    return -(-n // d) if ceil else n // d


def _domain_size(b: Binder, size: int | str, node) -> int:
    """A declared range of an index function's argument: a number (at the size judged) or a size letter."""
    if isinstance(size, int):
        return width(b, size, node)
    if size not in b.table.sizes:
        raise b.error(f"the domain size {size} is no size letter of the [notation] table", node)
    return b.table.sizes[size]


def _full_misfit(b: Binder, sub: A.Node, n: int) -> str | None:
    """At a reduced size, a free index letter running past a vector's end is a wrong
    formula when it is so at full size too: its range and the vector's length both stand
    for one full width each, the range the larger (x_i for x_j, i over 784 inputs, on a
    vector of 100).  None when that cannot be told (a computed index, an ambiguous width)."""
    letter = index_letter(sub)
    if letter is None or letter not in b.ranges:
        return None
    full: dict[int, int | None] = {}
    for f, s in b.table.size_map.items():
        full[s] = f if full.get(s, f) == f and s is not None else None
    r, m = full.get(b.ranges[letter]), full.get(n)
    if r is None or m is None or r <= m:
        return None
    return f"index {letter} runs over 1..{r} at full size, past the {m} entries it indexes"


def checked(b: Binder, sub: A.Node, env, n: int, node) -> int:
    """The value of index `sub` on an axis of n entries, 1..n (a probe records n as its range)."""
    i = index_value(b, sub, env)
    if isinstance(i, Probe):
        b.found(i, n)
        return 1
    _natural_range(b, sub, env, n)
    if not 1 <= i <= n:  # the indices do not fit the shapes: a wrong formula
        if b.table.size_map:  # ... unless the sizes are reduced ones
            full = _full_misfit(b, sub, n)
            if full is not None:
                raise b.shape_error(full, node)
            raise b.error(f"index {i} out of range 1..{n} at the reduced size judged", node)
        pos = node.pos if node is not None and b.text and node.pos <= len(b.text) else None
        raise IndexRangeError(b.text, f"index {i} out of range 1..{n}", pos, i, n)
    return i


def _natural_range(b: Binder, sub: A.Node, env, n: int) -> None:
    """A probe written inside a computed index on an axis of n entries (i in a_{(i-1)n+j}): the
    largest K such that the index, increasing in the letter, stays in 1..n for the letter at 1..K
    (the other letters at their values here); the probe keeps the smallest K over its uses. None
    is kept when the index does not increase with the letter or starts off the axis."""
    if b._stopped:
        return
    letters = letters_in(sub)
    probes = [v for k, v in env.items() if isinstance(v, Probe) and v.size is None and k in letters]
    if len(probes) != 1:
        return
    probe, top, previous = probes[0], 0, None
    for k in range(1, n + 2):
        try:
            value = index_value(b, sub, {**env, probe.letter: k})
        except NotationError:
            return
        if (previous is not None and value <= previous) or value < 1:
            return
        if value > n:
            break
        top, previous = k, value
    if top:
        probe.natural = top if probe.natural is None else min(probe.natural, top)


def subscript(b: Binder, value: Value, subs: tuple[A.Node, ...], env, node) -> Value:
    """Entry `subs` of a matrix (J_{l_2}: the function of a Jacobian comes as its subscript)."""
    if isinstance(value, Op) and value.kind == "ones":
        return value
    if isinstance(value, Op) and value.kind == "jacobian" and value.node is None and len(subs) == 1:
        return Op("jacobian", subs[0])  # J_{l_2}: the function comes as the subscript
    if not isinstance(value, sp.MatrixBase):
        raise b.error("a subscript on a scalar", node)
    if any(isinstance(s, A.Colon) for s in subs):
        return _slice(b, value, subs, env, node)
    return value[entry(b, value.shape, subs, env, node)]


def _slice(b: Binder, value: sp.MatrixBase, subs: tuple[A.Node, ...], env, node) -> sp.ImmutableMatrix:
    """A_{i,:}, the i-th row (1 x n, as Goodfellow et al. section 2.1 writes it), and A_{:,j}, the
    j-th column (m x 1); A_{:,:} is A."""
    if len(subs) != 2:
        raise b.error("':' takes its place among two indices: A_{i,:} or A_{:,j}", node)
    rows, cols = (range(n) if isinstance(s, A.Colon) else [checked(b, s, env, n, node) - 1]
                  for s, n in zip(subs, value.shape, strict=True))
    return sp.ImmutableMatrix(value.extract(list(rows), list(cols)))


def entry(b: Binder, shape: tuple[int, int], subs: tuple[A.Node, ...], env, node) -> int:
    """The position (row by row) of the entry `subs` of a matrix of this shape."""
    r, c = shape
    if len(subs) == 1:
        if r != 1 and c != 1:
            raise b.error(f"one index on a {r}x{c} matrix: write two", node)
        n = max(r, c)
        i = checked(b, subs[0], env, n, node)
        return i - 1 if r * c > 1 else 0
    if len(subs) == 2:
        i = checked(b, subs[0], env, r, node)
        j = checked(b, subs[1], env, c, node)
        return (i - 1) * c + (j - 1)
    raise b.error("at most two indices", node)


def size_value(b: Binder, node, env, square: bool = False) -> int:
    """A size written as a number (at the size judged) or a size letter of the table: \\mathbf{1}_n,
    \\mathbf{I}_n (`square`: n x n entries), at most SIZED_MAX_ENTRIES entries."""
    if isinstance(node, A.Num):
        n = _literal_size(b, node)
    elif isinstance(node, A.Name) and node.text in b.table.sizes:
        n = b.table.sizes[node.text]
    else:
        raise b.error("a size must be a number or a size letter of the [notation] table", node)
    if (n * n if square else n) > SIZED_MAX_ENTRIES:
        raise b.limit_error(f"a constant of size {n}{f' x {n}' if square else ''}: at most {SIZED_MAX_ENTRIES} "
                            "entries", node)
    return n


def _literal_size(b: Binder, node: A.Num) -> int:
    """A number written as a size or a sum limit, at the size judged (see at_sizes)."""
    return width(b, whole(b, node, "a size or a sum limit"), node)


def whole(b: Binder, node: A.Num, what: str) -> int:
    """The value of a number literal that must be a whole number (an index, a size, a sum limit)."""
    if not node.text.isdecimal():
        raise b.error(f"{what} must be a whole number, not {node.text}", node)
    return int(node.text)


def width(b: Binder, n: int, node: A.Node) -> int:
    """A width of the model at the size judged (an error when the reduction makes it ambiguous)."""
    small = b.table.size(n)
    if small is None:
        raise b.error(f"{n} is a width of the full model that the reduction makes ambiguous", node)
    return small


MAX_OFFSET = 64  # k - 1, n + 2: the largest number added to a limit


def _limit(b: Binder, node, env) -> int:
    """A sum's limit: a size letter, a number (at the size judged), an index letter's value, or
    one of those plus or minus a whole number or another (\\sum_{r=0}^{k-1}: Cookbook (122))."""
    if isinstance(node, A.BinOp) and node.op in "+-":
        left = _limit(b, node.left, env)
        right = node.right
        if isinstance(right, A.Num) and right.text.isdigit() and int(right.text) <= MAX_OFFSET:
            offset = int(right.text)  # an offset, not a width of the model
        else:
            offset = _limit(b, right, env)
        return left + offset if node.op == "+" else left - offset
    if isinstance(node, A.Name) and node.text in b.table.sizes:
        return b.table.sizes[node.text]
    if isinstance(node, A.Num):
        return _literal_size(b, node)
    if isinstance(node, A.Name) and node.text in env:
        return env[node.text]
    raise b.error(
        "a sum limit must be a number or a size letter of the [notation] table", node
    )


def probe_range(b: Binder, body, letter, env, canonical=False) -> int:
    """The range of index `letter` in `body`: the size of the first axis it indexes (what
    follows in `body` is not evaluated for it)."""
    probe = Probe(letter)
    att = b.attempt(lambda: b.value(body, {**env, letter: probe}, canonical), until=probe)
    if att.unbound is not None:
        b.no_value(att.unbound)
        return 1
    if probe.size is None and probe.natural is not None:
        return probe.natural  # [\sum_j a_{(i-1)n+j} v_j]_i: the i for which every a_{(i-1)n+j} exists
    if probe.size is None:
        raise b.error(f"cannot tell the range of index {letter}: give the limits", body)
    return probe.size


def comprehension(b: Binder, body, letters, env, canonical, sizes: list[int] | None = None) -> sp.ImmutableMatrix:
    """[g_i]_i, the vector of the g_i (a row or a column by the layout), and [g_ij]_{ij}, the
    matrix of the g_ij, over the letters' ranges (`sizes`, else found by probing)."""
    if sizes is None:
        sizes = [probe_range(b, body, letter, env, canonical) for letter in letters]
    if len(letters) == 1:
        vals = [
            scalar(b, b.value(body, {**env, letters[0]: i + 1}, canonical), body)
            for i in range(sizes[0])
        ]
        m = sp.ImmutableMatrix(1, sizes[0], vals)
        return m if b.scope.layout == "row" else m.T
    if len(letters) == 2:
        return sp.ImmutableMatrix(
            sizes[0],
            sizes[1],
            lambda i, j: scalar(
                b, b.value(body, {**env, letters[0]: i + 1, letters[1]: j + 1}, canonical), body
            ),
        )
    raise b.error("at most two comprehension indices", body)


def ranged_comprehension(b: Binder, node: A.Sup, env, canonical) -> Value | None:
    """\\left[ g_i \\right]_{i=1}^{m}: the vector of the g_i, for i from 1 to m (a size)."""
    sub = node.body
    if not (isinstance(sub, A.Sub) and isinstance(sub.body, A.Group) and sub.body.kind == "["
            and len(sub.body.items) == 1 and len(sub.index) == 1):
        return None
    rel = sub.index[0]
    if not (isinstance(rel, A.Rel) and rel.op == "=" and index_letter(rel.left) is not None
            and isinstance(rel.right, A.Num) and rel.right.text == "1"):
        return None
    size = _limit(b, node.exponent, env)
    return comprehension(b, sub.body.items[0], [index_letter(rel.left)], env, canonical, [size])


def ones(b: Binder, node: A.Sub, env) -> Value:
    """\\mathbf{1}_n, the column of n ones; \\mathbf{1}_{a > b}, the indicator of a > b entry by
    entry (a step at 0: ReLU'(0) = 0)."""
    if len(node.index) != 1:
        raise b.error("\\mathbf{1} takes one subscript", node)
    sub = node.index[0]
    if isinstance(sub, A.Rel):
        return indicator(b, sub, env)
    n = size_value(b, sub, env)
    return sp.ImmutableMatrix(sp.ones(n, 1))


#: How an indicator is written before its bracket: \\mathbb{1}, \\mathbf{1}, \\mathbb{I}.
_INDICATOR_STYLES = frozenset({"mathbb", "mathbf", "boldsymbol", "bm"})


def bracketed_indicator(symbol: A.Node, bracket: A.Node) -> A.Rel | None:
    """The relation of an indicator written before its bracket, \\mathbb{1}[x > 0],
    \\mathbf{1}\\{z_i > 0\\}, \\mathbb{I}(a < b); None for anything else."""
    one = (isinstance(symbol, A.Styled) and symbol.style in _INDICATOR_STYLES
           and isinstance(symbol.body, A.Num) and symbol.body.text == "1")
    blackboard_i = isinstance(symbol, A.Name) and symbol.text == "I" and symbol.decor == "mathbb"
    if not (one or blackboard_i) or not isinstance(bracket, A.Group) or len(bracket.items) != 1:
        return None
    rel = bracket.items[0]
    return rel if isinstance(rel, A.Rel) and bracket.kind in ("[", "{", "(") else None


def indicator(b: Binder, rel: A.Rel, env) -> Value:
    """1 where a > b holds and 0 elsewhere, entry by entry (a step at 0: ReLU'(0) = 0)."""
    diff = subtract(b, b.value(rel.left, env), b.value(rel.right, env), rel)
    if rel.op in (">", ">="):
        f = relu_step
    elif rel.op in ("<", "<="):

        def f(v):
            return relu_step(-v)
    else:
        raise b.error("an indicator needs > or <", rel)
    return diff.applyfunc(f) if isinstance(diff, sp.MatrixBase) else f(diff)


@handles(A.Sum)
def _sum(b: Binder, node: A.Sum, env, canonical) -> Value:
    """\\sum_{k=lo}^{hi} a_k (without an upper limit: over the range k has in a_k); \\prod of numbers alike."""
    lo = 1 if node.lower is None else _limit(b, node.lower, env)
    if node.upper is None:
        hi = probe_range(b, node.body, node.index, env, canonical) + lo - 1
    else:
        hi = _limit(b, node.upper, env)
    if hi - lo > MAX_TERMS:
        raise b.limit_error(f"too many terms in a sum (at most {MAX_TERMS})", node)
    outer = b.sum_terms  # terms of the sums around this one: nested sums multiply
    if outer * max(hi - lo + 1, 1) > MAX_TERMS:
        raise b.limit_error(f"nested sums with too many terms together (at most {MAX_TERMS})", node)
    b.sum_terms = outer * max(hi - lo + 1, 1)
    total: Value = sp.Integer(1 if node.product else 0)
    try:
        for k in range(lo, hi + 1):
            term = b.value(node.body, {**env, node.index: k}, canonical)
            if node.product:
                total = total * scalar(b, term, node)  # \prod_i p_i: of numbers (a product of matrices is a Juxt)
            else:
                total = add(b, total, term, node)
    finally:
        b.sum_terms = outer
    return total


@handles(A.Cases)
def _cases(b: Binder, node: A.Cases, env, canonical) -> Value:
    """\\begin{cases}: a piecewise value by inequalities, or by equations between indices."""
    pieces = []
    for value, cond in node.rows:
        if isinstance(cond, A.Rel) and cond.op in ("=", "!="):
            pieces.append(_index_case(b, value, cond, env, canonical))
            continue
        v = scalar(b, b.value(value, env, canonical), value)
        if cond is None:
            pieces.append((v, True))
            continue
        if not isinstance(cond, A.Rel) or cond.op not in ("<", ">", "<=", ">="):
            raise b.error("a condition must be an inequality, or an equation between indices", cond)
        lhs = scalar(b, b.value(cond.left, env, canonical), cond.left)
        rhs = scalar(b, b.value(cond.right, env, canonical), cond.right)
        rel = {"<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge}[cond.op]
        pieces.append((v, rel(lhs, rhs)))
    if pieces[-1][1] is not True:
        pieces.append((sp.nan, True))
    return sp.Piecewise(*pieces)


def _index_case(b: Binder, value: A.Node, cond: A.Rel, env, canonical) -> tuple[sp.Expr, bool]:
    """A case whose condition is an equation between indices: s_i(1 - s_i) if i = j, or
    h'_j if o(i,j) = k.  A letter of the condition that has no value but is used in the
    case's value (j in h'_j, with i and k free) is bound by the condition: the case holds
    when exactly one j of its range satisfies it, and its value is taken at that j."""
    def holds(at: dict) -> bool:  # the condition at these index values
        equal = index_value(b, cond.left, at) == index_value(b, cond.right, at)
        return equal if cond.op == "=" else not equal

    att = b.attempt(lambda: holds(env))
    if att.unbound is None:
        return scalar(b, b.value(value, env, canonical), value), att.value
    letter = att.unbound
    if cond.op != "=" or letter not in index_uses(value):
        b.no_value(letter)
        return IDLE, False
    size = probe_range(b, value, letter, env, canonical)
    matches = [m for m in range(1, size + 1) if holds({**env, letter: m})]
    if len(matches) > 1:
        raise b.error(f"the condition does not determine {letter}: {len(matches)} values satisfy it", cond)
    if not matches:
        return sp.Integer(0), False
    return scalar(b, b.value(value, {**env, letter: matches[0]}, canonical), value), True
