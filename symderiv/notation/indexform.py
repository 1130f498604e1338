"""Read a formula in index form at symbolic sizes: the notation's parse tree valued over IndexMatrix
variables and IndexedBase entries (core/indexsum), for the proofs that hold for every size.

The binder (binder.py and its passes) values a formula at concrete sizes: every entry a number
or a symbol, every sum unrolled.  A proof for every size needs the same formula with its sizes
as symbols: ``\\sum_{j=1}^n A_{ij} v_j`` as ``Sum(A[i, j] v[j], (j, 1, n))`` and ``\\mathbf{v}^\\top
\\mathbf{A}\\mathbf{v}`` as an IndexMatrix whose entries are such sums.  This module is that second
interpretation of the one grammar (parse.py): it walks the same tree by a table of readers, one
per node kind (``@reads(A.Kind)``, as the binder's ``@handles``), and gives only the meanings that
index form has -- numbers, the names its caller binds, entries, sums with limits (or the range of
the entries they index), products and sums of matrices, transposes, fractions, powers, the
built-in scalar functions, ``\\delta_{ij}``, floor and ``\\bmod`` of a known division, and the
pieces of a ``cases``.  Anything else is a NotationError naming the construct, so a proof that
cannot read a formula says so and the claim stays checked at concrete sizes.

Names: `names` maps a name as its table key is written (``'A'``, ``'v'``, ``'n'``, ``"k'"``,
``'\\lambda'``, ``'x_{1}'``) to a SymPy value (a Symbol, an IndexedBase, an IndexMatrix, a number).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..core.errors import LimitError, NotationError
from ..core.exact import NumberTooLarge, parse_rational
from ..core.indexsum import IndexMatrix
from ..core.limits import EXP_MAX_ARGUMENT, POWER_MAX_EXPONENT, SUM_MAX_TERMS
from . import ast as A
from .binder import registrar
from .calculus import magnitude
from .functions import FUNCTIONS as BUILTIN_FUNCTIONS
from .reading import checked_value, relation_of
from .written import MOD_WORDS, STARS, name_key

__all__ = ["Division", "IndexForm", "cases_of", "read_index_form"]

Reader = Callable[["IndexForm", Any], Any]

#: The reader of each node kind in index form (see the module docstring).
READERS: dict[type, Reader] = {}
reads = registrar(READERS)

#: Scalar functions of one argument, by their command name: the binder's built-in functions.
FUNCTIONS: dict[str, Callable[[Any], Any]] = {name.lstrip("\\"): fn.f for name, fn in BUILTIN_FUNCTIONS.items()}


@dataclass(frozen=True)
class Division:
    """A division the caller has worked out: ⌊dividend / divisor⌋ is `floor` and dividend mod divisor
    is `mod` (for a symbolic dividend, e.g. k' = (p-1)n + q - 1 with q in 1..n: floor p - 1, mod q - 1)."""

    dividend: sp.Expr
    divisor: sp.Expr
    floor: sp.Expr
    mod: sp.Expr


class IndexForm:
    """One reading of a formula in index form: its text (for error positions), its names, the
    axes of the indexed names (`dims`, for a sum without limits) and a known `division`."""

    def __init__(self, text: str, names: Mapping[str, Any], dims: Mapping[str, tuple[Any, ...]] | None = None,
                 division: Division | None = None) -> None:
        self.text = text
        self.names = dict(names)
        self.dims = dict(dims or {})
        self.division = division
        self.bound: list[dict[str, sp.Symbol]] = []

    # -- the walk ------------------------------------------------------------------------------
    def value(self, node: A.Node) -> Any:
        reader = READERS.get(type(node))
        if reader is None:
            raise self.error(f"{type(node).__name__.lower()} is not read in index form", node)
        return reader(self, node)

    def scalar(self, node: A.Node) -> Any:
        """A value that must be one number or formula (a 1x1 matrix is its entry)."""
        v = self.value(node)
        if isinstance(v, sp.MatrixBase):
            if v.shape != (1, 1):
                raise self.error(f"expected a number here, found a {v.rows}x{v.cols} matrix", node)
            return v.entry(sp.Integer(1), sp.Integer(1)) if isinstance(v, IndexMatrix) else v[0, 0]
        return v

    def lookup(self, key: str | None) -> Any:
        """The value of a name: a bound sum index, else the caller's (a Greek name as '\\lambda' or 'lambda')."""
        if key is None:
            return None
        for scope in reversed(self.bound):
            if key in scope:
                return scope[key]
        if key in self.names:
            return self.names[key]
        return self.names.get(key[1:]) if key.startswith("\\") else None

    def error(self, message: str, node: A.Node | None) -> NotationError:
        return NotationError(self.text, message, node.pos if node is not None else None)

    def limit(self, message: str, node: A.Node | None) -> LimitError:
        return LimitError(self.text, message, node.pos if node is not None else None)

    # -- arithmetic with shapes ----------------------------------------------------------------
    def add(self, a: Any, b: Any, node: A.Node) -> Any:
        am, bm = isinstance(a, sp.MatrixBase), isinstance(b, sp.MatrixBase)
        if am != bm:
            a, b = (_entry_if_1x1(a), _entry_if_1x1(b))
            am, bm = isinstance(a, sp.MatrixBase), isinstance(b, sp.MatrixBase)
        if am != bm:
            raise self.error("a matrix plus a number", node)
        if am and (sp.expand(a.rows - b.rows) != 0 or sp.expand(a.cols - b.cols) != 0):
            raise self.error(f"cannot add a {a.rows}x{a.cols} and a {b.rows}x{b.cols} matrix", node)
        return a + b

    def mul(self, a: Any, b: Any, node: A.Node) -> Any:
        if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase):
            if a.shape == (1, 1) or b.shape == (1, 1):
                a, b = _entry_if_1x1(a), _entry_if_1x1(b)
            elif sp.expand(a.cols - b.rows) != 0:
                raise self.error(f"cannot multiply a {a.rows}x{a.cols} by a {b.rows}x{b.cols} matrix", node)
        return a * b

    def divide(self, a: Any, b: Any, node: A.Node) -> Any:
        b = _entry_if_1x1(b)
        if isinstance(b, sp.MatrixBase):
            raise self.error("a division by a matrix", node)
        if b == 0:
            raise self.limit("a division by zero", node)
        a = _entry_if_1x1(a)
        return a * (1 / b) if isinstance(a, sp.MatrixBase) else a / b

    def power(self, base: Any, exponent: Any, node: A.Node) -> Any:
        if isinstance(exponent, sp.MatrixBase):
            raise self.error("an exponent must be a number", node)
        if exponent.is_number:
            size = magnitude(exponent)
            if size is None or size > POWER_MAX_EXPONENT:
                raise self.limit(f"exponent too large (at most {POWER_MAX_EXPONENT})", node)
        base = _entry_if_1x1(base)
        if isinstance(base, sp.MatrixBase):
            raise self.error("a power of a matrix is not read in index form", node)
        return base**exponent

    def apply(self, name: str, arg: Any, node: A.Node) -> Any:
        arg = _entry_if_1x1(arg)
        if isinstance(arg, sp.MatrixBase):
            raise self.error(f"\\{name} of a matrix is not read in index form", node)
        if name in ("exp", "sinh", "cosh") and arg.is_number:
            size = magnitude(arg)
            if size is None or size > EXP_MAX_ARGUMENT:
                raise self.limit(f"\\{name} of a number too large (at most {EXP_MAX_ARGUMENT} in magnitude)", node)
        return FUNCTIONS[name](arg)


def _entry_if_1x1(v: Any) -> Any:
    """A 1x1 matrix (such as v^T A v) as its entry."""
    if isinstance(v, sp.MatrixBase) and v.shape == (1, 1):
        return v.entry(sp.Integer(1), sp.Integer(1)) if isinstance(v, IndexMatrix) else v[0, 0]
    return v


def _function(node: A.Node) -> tuple[str, A.Node | None] | None:
    """(name, power node) when `node` is a built-in function waiting for its argument: \\exp,
    \\sqrt, \\sin^2."""
    if isinstance(node, A.Func) and node.name in FUNCTIONS:
        return node.name, None
    if isinstance(node, A.Name) and node.text == "\\sqrt":
        return "sqrt", None
    if isinstance(node, A.Sup) and (inner := _function(node.body)) is not None and inner[1] is None:
        return inner[0], node.exponent
    return None


def _applied(r: IndexForm, fn: tuple[str, A.Node | None], arg: A.Node, node: A.Node) -> Any:
    name, power = fn
    value = r.apply(name, r.value(arg), node)
    return value if power is None else r.power(value, r.scalar(power), power)


# -- readers ---------------------------------------------------------------------------------------

@reads(A.Num)
def _number(r: IndexForm, node: A.Num) -> Any:
    try:
        return parse_rational(node.text)
    except NumberTooLarge as exc:
        raise r.limit(exc.message, node) from None


@reads(A.Name, A.Styled, A.Prime)
def _name(r: IndexForm, node: A.Node) -> Any:
    key = name_key(node)
    bound = r.lookup(key)
    if bound is not None:
        return bound
    if key == "e":
        return sp.E
    if key == "\\pi":
        return sp.pi
    raise r.error(f"the name {key or 'written here'} is not bound here", node)


@reads(A.Sub)
def _entry(r: IndexForm, node: A.Sub) -> Any:
    """A_{ij}, v_j, a_{(i-1)n+j}: an entry of an indexed name; x_1 when the caller binds it whole;
    \\delta_{ij} (unbound) the Kronecker delta; a^2_i the square of a_i."""
    bound = r.lookup(name_key(node))
    if bound is not None:
        return bound
    if isinstance(node.body, A.Sup) and not A.is_transpose_mark(node.body.exponent):
        return r.power(_entry(r, A.Sub(node.pos, node.body.body, node.index)), r.scalar(node.body.exponent), node)
    key = name_key(node.body)
    base = r.lookup(key)
    idx = [r.scalar(i) for i in node.index]
    if base is None and key == "\\delta" and len(idx) == 2:
        return sp.KroneckerDelta(*idx)
    if isinstance(base, sp.IndexedBase):
        return base[tuple(idx)]
    if isinstance(base, sp.MatrixBase):
        if len(idx) == 2:
            return base.entry(*idx) if isinstance(base, IndexMatrix) else base[idx[0] - 1, idx[1] - 1]
        if len(idx) == 1 and (base.cols == 1 or base.rows == 1):
            one = sp.Integer(1)
            if isinstance(base, IndexMatrix):
                return base.entry(idx[0], one) if base.cols == 1 else base.entry(one, idx[0])
            return base[idx[0] - 1]
    raise r.error(f"{key or 'this name'} with indices is not bound here", node)


@reads(A.Sup)
def _script(r: IndexForm, node: A.Sup) -> Any:
    """v^T (transpose), e^{x} (exponential), w^* (a starred name), x^2 (power)."""
    if A.is_transpose_mark(node.exponent):
        v = r.value(node.body)
        return v.T if isinstance(v, sp.MatrixBase) else v
    if isinstance(node.exponent, A.Name) and node.exponent.text in STARS:
        return _name(r, node)
    if isinstance(node.body, A.Name) and node.body.text == "e" and r.lookup("e") is None:
        return r.apply("exp", r.value(node.exponent), node)
    if _function(node) is not None:
        raise r.error("a function without its argument", node)
    return r.power(r.value(node.body), r.scalar(node.exponent), node.exponent)


@reads(A.Group)
def _group(r: IndexForm, node: A.Group) -> Any:
    """(a), [a], {a}; ⌊a⌋ (a number, or the floor of the known division); ⌈a⌉ of a number."""
    if len(node.items) != 1:
        raise r.error("a list is not read in index form", node)
    if node.kind in ("floor", "ceil"):
        inner = node.items[0]
        if node.kind == "floor" and isinstance(inner, A.Frac):
            return _divided(r, r.scalar(inner.num), r.scalar(inner.den), "floor", node)
        if node.kind == "floor" and isinstance(inner, A.BinOp) and inner.op == "/":
            return _divided(r, r.scalar(inner.left), r.scalar(inner.right), "floor", node)
        value = r.scalar(inner)
        if value.is_number:
            return sp.floor(value) if node.kind == "floor" else sp.ceiling(value)
        raise r.error(f"the {'floor' if node.kind == 'floor' else 'ceiling'} of a formula is not read in index form",
                      node)
    if node.kind not in ("(", "[", "{"):
        raise r.error(f"{node.kind} brackets are not read in index form", node)
    return r.value(node.items[0])


def _divided(r: IndexForm, dividend: Any, divisor: Any, part: str, node: A.Node) -> Any:
    """⌊dividend/divisor⌋ or dividend mod divisor: exact for numbers, else the caller's Division."""
    if dividend.is_number and divisor.is_number:
        if not (dividend.is_Integer and divisor.is_Integer) or divisor == 0:
            raise r.error("floor and mod of whole numbers only (the divisor not 0)", node)
        return sp.floor(dividend / divisor) if part == "floor" else sp.Mod(dividend, divisor)
    d = r.division
    if d is not None and sp.expand(dividend - d.dividend) == 0 and sp.expand(divisor - d.divisor) == 0:
        return d.floor if part == "floor" else d.mod
    raise r.error(f"the {part} of {sp.sstr(dividend)} by {sp.sstr(divisor)} is not known for every size", node)


@reads(A.Neg)
def _negative(r: IndexForm, node: A.Neg) -> Any:
    return -r.value(node.body)


@reads(A.BinOp)
def _binary(r: IndexForm, node: A.BinOp) -> Any:
    if node.op in ("+", "-"):
        right = r.value(node.right)
        return r.add(r.value(node.left), right if node.op == "+" else -right, node)
    if node.op in ("cdot", "times", "*"):
        return r.mul(r.value(node.left), r.value(node.right), node)
    if node.op == "/":
        return r.divide(r.value(node.left), r.value(node.right), node)
    raise r.error(f"the operator {node.op} is not read in index form", node)


@reads(A.Juxt)
def _juxtaposed(r: IndexForm, node: A.Juxt) -> Any:
    """Factors side by side: products, a built-in function applied to the factor after it, and
    k \\bmod n."""
    items = list(node.items)
    value: Any = None
    i = 0
    while i < len(items):
        item = items[i]
        if (fn := _function(item)) is not None:
            if i + 1 == len(items):
                raise r.error("a function without its argument", item)
            factor = _applied(r, fn, items[i + 1], item)
            i += 2
        elif isinstance(item, A.Name) and item.text in MOD_WORDS:
            if value is None or i + 1 == len(items):
                raise r.error("\\bmod needs a number on each side", item)
            value = _divided(r, _entry_if_1x1(value), r.scalar(items[i + 1]), "mod", item)
            i += 2
            continue
        else:
            factor = r.value(item)
            i += 1
        value = factor if value is None else r.mul(value, factor, item)
    return value


@reads(A.Apply)
def _application(r: IndexForm, node: A.Apply) -> Any:
    fn = _function(node.op)
    if fn is None:
        raise r.error("only the built-in scalar functions are applied in index form", node)
    return _applied(r, fn, node.arg, node)


@reads(A.Func)
def _bare_function(r: IndexForm, node: A.Func) -> Any:
    raise r.error(f"\\{node.name} without its argument", node)


@reads(A.Frac)
def _fraction(r: IndexForm, node: A.Frac) -> Any:
    return r.divide(r.value(node.num), r.value(node.den), node)


@reads(A.Sum)
def _sum(r: IndexForm, node: A.Sum) -> Any:
    """\\sum_{j=1}^{n} body as Sum(body, (j, 1, n)); without limits, j runs over the axis of the
    first entry of a known name it indexes (\\sum_j A_{ij} v_j: the length of v)."""
    lower = sp.Integer(1) if node.lower is None else r.scalar(node.lower)
    upper = r.scalar(node.upper) if node.upper is not None else _axis_of(r, node.index, node.body)
    if upper is None:
        raise r.error(f"a sum over {node.index} without limits, and no entry it indexes gives its range", node)
    terms = upper - lower
    if terms.is_number:
        size = magnitude(terms)
        if size is None or size > SUM_MAX_TERMS:
            raise r.limit(f"too many terms in a sum (at most {SUM_MAX_TERMS})", node)
    dummy = sp.Dummy(node.index, integer=True, positive=True)
    r.bound.append({node.index: dummy})
    try:
        body = r.value(node.body)
    finally:
        r.bound.pop()
    if isinstance(body, sp.MatrixBase):
        raise r.error("a sum of matrices is not read in index form", node)
    return (sp.Product if node.product else sp.Sum)(body, (dummy, lower, upper))


def _axis_of(r: IndexForm, letter: str, body: A.Node) -> Any:
    for sub in A.walk(body):
        if not isinstance(sub, A.Sub):
            continue
        dims = r.dims.get(name_key(sub.body) or "")
        if dims is None or len(dims) != len(sub.index):
            continue
        for axis, item in zip(dims, sub.index, strict=True):
            if isinstance(item, A.Name) and item.text == letter:
                return axis
    return None


# -- entry points -----------------------------------------------------------------------------

def read_index_form(latex: str, names: Mapping[str, Any], side: int = -1,
                    dims: Mapping[str, tuple[Any, ...]] | None = None, division: Division | None = None) -> Any:
    """The index-form value of one side of the relation `latex` writes (by default the last), with
    `names` its only names (see the module docstring). Raises FormulaSyntaxError for text that does
    not parse, LimitError past a limit (or for an undefined value), NotationError for what index
    form gives no meaning to."""
    chain = relation_of(latex)
    return read_node(latex, chain.sides[side], names, dims, division)


def read_node(latex: str, node: A.Node, names: Mapping[str, Any], dims: Mapping[str, tuple[Any, ...]] | None = None,
              division: Division | None = None) -> Any:
    """The index-form value of one node of `latex`'s parse tree (see read_index_form)."""
    try:
        value = IndexForm(latex, names, dims, division).value(node)
    except RecursionError:
        raise LimitError(latex, "formula nested too deeply", None) from None
    if isinstance(value, IndexMatrix):
        return value
    return checked_value(latex, value)


def cases_of(latex: str) -> tuple[A.Cases, tuple[tuple[A.Node, A.Node | None], ...]]:
    """The ``\\begin{cases}`` that ends the relation `latex` writes and its rows (value, condition);
    a NotationError when the last side is not a cases."""
    last = relation_of(latex).sides[-1]
    if not isinstance(last, A.Cases):
        raise NotationError(latex, "expected a \\begin{cases} ... \\end{cases} as the last side", last.pos)
    return last, tuple(last.rows)
