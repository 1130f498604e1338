"""Bind a parsed formula to a scope: names through the [notation] table, to explicit SymPy.

The ``[notation]`` table of a problem file maps the student's names (LaTeX, case kept,
\\mathbf/\\boldsymbol ignored) to canonical formulas over the model's quantities:

    [notation]
    'W^{(1)}' = 'W1'        # a parameter by key; W^{(1)}_{ij} is then its entry (i, j)
    'b^2' = 'b2'            # the student's own spellings may all be listed
    x = 'x'                 # per-sample vector: x_k is sample k (row or column by layout)
    y = 'Y'                 # batch matrix N x K (one sample per row): y_k is entry k
    Y = 'Y^T'               # any formula over canonical names
    f = 'act1'              # the activation of layer 1 (f' is its derivative)
    '\\mathcal{L}' = 'L'
    '\\delta^{(2)}' = '\frac{\\partial L}{\\partial z2}'
    sizes = { K = 3, h = 4 } # letters that stand for sizes (in sum limits)
    "h'" = 'a1'             # a primed name the table binds is a name (h', y'), not f'
    '\\mathbf{J}' = 'jacobian' # J_f(v): the Jacobian of f at v (rows: f's entries)
    reduce = { inputs = 3, units = [4, 10], batch = 1 }  # judge on a smaller copy (networks)

Canonical names: parameter keys, X T Y Z1 A1 ... L (batch, sample rows), x t y z1 a1 ...
(per sample; without a sample index and N > 1, the batch in the layout's orientation),
act1 act2 ... (activations), D (the derivative operator, as in \\mathbf{D}\\phi), jacobian.
Built in: \\exp \\log \\sin \\cos \\tanh \\max \\min, \\text{diag}, e, \\pi, \\delta_{ij}
(Kronecker), \\mathbf{1}_n (ones), \\mathbf{1}_{z>0} (indicator), \\mathbf{I}_n (identity),
^T / ^\\top (transpose), \\nabla F(v) (the gradient of a scalar F in its argument, shaped like
v; \\nabla L(\\mathbf{W})_{ij} its entry): F the loss L (L(v) is the loss as a function of the
model quantity v) or a function a claim's `where` defines, l_1(\\mathbf{x}) = ... with the
plain name x as its formal parameter. A claim's `free` names are its own free variables.
Index letters not bound by a \\sum are free: the judge checks every value in their range.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..core.errors import NotationError, SymderivError
from ..core.exact import parse_rational
from ..core.ops import relu_step
from . import ast as A
from .parse import parse, parse_one
from .scope import Fn, as_basic
from .vocabulary import has_quantity, inverse, rule_for, scripted_bracket

MAX_EXPONENT = 64
MAX_TERMS = 4096

Value = Any  # sp.Expr (scalar) | sp.ImmutableMatrix | Fn | _Op


@dataclass
class NotationTable:
    """Student name key -> canonical formula (parsed), and size letters."""

    names: dict[str, A.Node] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    macros: dict[object, A.Node] = field(default_factory=dict)
    reduce: dict[str, Any] = field(default_factory=dict)
    patterns: list[tuple[A.Node, frozenset[str], A.Node]] = field(default_factory=list)
    functions: dict[str, StudentFn] = field(default_factory=dict)
    size_map: dict[int, int | None] = field(default_factory=dict)
    index_functions: dict[str, tuple[tuple[str, ...], A.Node]] = field(default_factory=dict)
    index_defs: dict[str, A.Node] = field(default_factory=dict)  # k = o(i^*, j^*): an index from others
    index_domains: dict[str, tuple[int | str, ...]] = field(default_factory=dict)  # o: [1,10] x [1,d]

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: dict[str, str] | None = None) -> NotationTable:
        table = cls()
        for key, value in data.items():
            if key == "sizes":
                table.sizes = {str(k): int(v) for k, v in dict(value).items()}
                continue
            if key == "reduce":
                table.reduce = _reduce_spec(value)
                continue
            if key == "domains":  # domains = { o = [10, 'd'] }: o(i,j) for i in 1..10, j in 1..d
                table.index_domains = _domains_spec(value)
                continue
            node = parse_one(key)
            canon = parse_one(str(value), canonical=True)
            index_fn = _index_function(node)
            if index_fn is not None:  # 'o(i,j)' = '(i-1)d + j': an index computed from indices
                table.index_functions[index_fn[0]] = (index_fn[1], canon)
                continue
            nk = name_key(node)
            if nk is None:
                table.macros[node.key()] = canon
            else:
                table.names[nk] = canon
        for key, value in (where or {}).items():
            table._add_where(key, value)
        return table

    def with_where(self, where: dict[str, str]) -> NotationTable:
        out = NotationTable(
            dict(self.names), dict(self.sizes), dict(self.macros), dict(self.reduce),
            list(self.patterns), dict(self.functions), dict(self.size_map), dict(self.index_functions),
            dict(self.index_defs), dict(self.index_domains),
        )
        for key, value in where.items():
            out._add_where(str(key), str(value))
        return out

    def _add_where(self, key: str, value: str) -> None:
        """A student's own name for a formula; index letters in its subscripts are parameters:
        'T(x_k)' also stands for T(x_1), T(x_2), ... with k bound to the index written."""
        node, body = parse_one(key), parse_one(value)
        index_fn = _index_function(node)
        if index_fn is not None:
            self.index_functions[index_fn[0]] = (index_fn[1], body)
            return
        letter = index_letter(node)
        if letter is not None and _is_index_formula(body):  # 'k' = 'o(i^*, j^*)': k stands for o(i*, j*)
            self.index_defs[letter] = body
            return
        fn = _function_definition(node, body)
        if fn is not None:  # l_1(\mathbf{x}) = ...: a function of its argument
            self.functions[fn.name] = fn
            return
        self.macros[node.key()] = _StudentMacro(0, body)
        letters = _index_letters(node)
        if letters:
            self.patterns.append((node, frozenset(letters), body))

    def at_sizes(self, pairs: list[tuple[int, int]]) -> NotationTable:
        """The table for a reduced copy of the model, from (full width, reduced width) pairs:
        size letters and literal sizes that are widths of the full model (784, 100, 64) stand
        for the reduced widths. A full width that two reduced widths come from is ambiguous
        (mapped to None: a formula that writes it is not read)."""
        out = self.with_where({})
        merged: dict[int, int | None] = {}
        for full, small in pairs:
            merged[full] = small if merged.get(full, small) == small else None
        out.size_map = merged
        out.sizes = {k: merged.get(v, v) for k, v in self.sizes.items() if merged.get(v, v) is not None}
        return out

    def with_free(self, scope, free: dict[str, Any]) -> tuple[Any, NotationTable]:
        """A claim's own variables (`free = { '\\mathbf{x}' = 10 }`: a vector of 10 free
        entries, or [rows, cols]): new leaves of a copy of the scope, bound by name here.
        They shadow the table's meaning of the name for this claim only."""
        out = self.with_where({})
        taken = {str(s) for s in scope.leaves()}
        leaves: dict[str, sp.ImmutableMatrix] = {}
        for key, spec in free.items():
            nk = name_key(parse_one(str(key)))
            if nk is None:
                raise ValueError(f"free: {key!r} is not a name")
            dims = [spec] if isinstance(spec, int) else list(spec)
            if not dims or len(dims) > 2 or not all(isinstance(d, int) and d > 0 for d in dims):
                raise ValueError(f"free: {key!r} needs a size n or a shape [rows, cols]")
            sizes = [self.size(d) or d for d in dims]
            r, c = (sizes[0], 1) if len(sizes) == 1 else (sizes[0], sizes[1])
            if len(sizes) == 1 and scope.layout == "row":
                r, c = c, r
            label = nk.replace("\\", "")
            if any(t == label or t.startswith(label + "[") for t in taken):
                label += "(free)"
            qname = f"free:{nk}"
            leaves[qname] = sp.ImmutableMatrix(
                r, c, lambda i, j, label=label, r=r, c=c: sp.Symbol(
                    label if r * c == 1 else f"{label}[{max(i, j) + 1}]" if 1 in (r, c)
                    else f"{label}[{i + 1},{j + 1}]", real=True)
            )
            out.names[nk] = A.Canon(0, qname)
        return scope.with_leaves(leaves), out

    def size(self, n: int) -> int | None:
        """A literal size of the formula at the size judged (None: ambiguous after a reduction)."""
        return self.size_map.get(n, n) if self.size_map else n

    def match(self, node: A.Node) -> tuple[A.Node, dict[str, A.Node]] | None:
        """The body of a parametrised `where` name matching `node`, with its index bindings."""
        nk = node.key()
        for pattern, letters, body in self.patterns:
            pk = pattern.key()
            if isinstance(pk, tuple) and isinstance(nk, tuple) and pk[:1] != nk[:1] \
                    and not (pk[:1] == ("Name",) and pk[1] in letters):
                continue  # different constructs (a parameter letter alone may match a number)
            binds: dict[str, A.Node] = {}
            if _match(pk, nk, letters, binds, node):
                return body, binds
        return None


def _reduce_spec(value: Any) -> dict[str, Any]:
    """`reduce = { inputs = 3, units = [4, 3], batch = 1 }`: judge formulas on a smaller copy
    of the network (formulas about a 784-100-10 network with a batch of 64 are generic in
    the sizes; the explicit expansion is not feasible at full size)."""
    spec = dict(value)
    unknown = set(spec) - {"inputs", "units", "batch"}
    if unknown:
        raise ValueError(f"reduce: unknown keys {sorted(unknown)}; known: inputs, units, batch")
    out: dict[str, Any] = {}
    if "inputs" in spec:
        out["inputs"] = int(spec["inputs"])
    if "batch" in spec:
        out["batch"] = int(spec["batch"])
    if "units" in spec:
        out["units"] = tuple(int(u) for u in spec["units"])
    if any(v < 1 for v in [out.get("inputs", 1), out.get("batch", 1), *out.get("units", ())]):
        raise ValueError("reduce: sizes must be positive")
    return out


def _domains_spec(value: Any) -> dict[str, tuple[int | str, ...]]:
    """`domains = { o = [10, 'd'] }`: the range of each argument of an index function, a
    number or a size letter."""
    if not isinstance(value, dict):
        raise ValueError("domains must be a table: { o = [10, 'd'] }")
    out: dict[str, tuple[int | str, ...]] = {}
    for name, spec in value.items():
        if not isinstance(spec, list) or not spec or not all(
            (isinstance(x, int) and not isinstance(x, bool) and x > 0) or (isinstance(x, str) and x.isalpha())
            for x in spec
        ):
            raise ValueError(f"domains.{name}: a list of sizes, each a positive number or a size letter")
        out[str(name)] = tuple(spec)
    return out


def _index_letters(node: A.Node) -> list[str]:
    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, A.Sub):
            for i in n.index:  # x_k, and l_{2i} (entry i of l_2)
                parts = i.items if isinstance(i, A.Juxt) else (i,)
                out.extend(p.text for p in parts if isinstance(p, A.Name) and len(p.text) == 1)
        stack.extend(n.children())
    return out


def _match(pk, nk, letters, binds, node) -> bool:
    """Structural match of keys; a parameter letter matches one index (a letter or a number)."""
    if (
        isinstance(pk, tuple)
        and len(pk) == 3
        and pk[0] == "Name"
        and pk[1] in letters
        and isinstance(nk, tuple)
        and nk[:1] in (("Name",), ("Num",))
    ):
        prev = binds.get(pk[1])
        if prev is not None:
            return prev.key() == nk
        binds[pk[1]] = A.Name(0, nk[1]) if nk[0] == "Name" else A.Num(0, nk[1])
        return True
    if isinstance(pk, tuple) and isinstance(nk, tuple):
        return len(pk) == len(nk) and all(
            _match(a, b, letters, binds, node) for a, b in zip(pk, nk, strict=True)
        )
    return pk == nk


def read_notation(fields) -> NotationTable:
    """The [notation] table of a problem file (a `Fields`), validated."""
    data = fields.table("notation", {}).data
    try:
        return NotationTable.from_dict(data)
    except (SymderivError, ValueError, TypeError) as exc:
        raise fields.error("notation", str(exc)) from None


@dataclass(frozen=True)
class _StudentMacro(A.Node):
    body: A.Node


@dataclass(frozen=True)
class _BoundMacro(A.Node):
    """A parametrised `where` name as used: its body and the index written for each letter."""

    body: A.Node
    binds: tuple[tuple[str, A.Node], ...]


@dataclass(frozen=True)
class Stack:
    """[A_1, ..., A_n] with equally shaped matrices A_k: a vector of matrices (three indices),
    as written in T = [T(x_1), ..., T(x_4)]^T. Under block-matrix rules such a product does
    not fit, so the one reading that does is taken: ^T turns the row into a column (the
    blocks are not transposed), and a row of n numbers times it is the sum c_1 A_1 + ... +
    c_n A_n."""

    items: tuple[sp.ImmutableMatrix, ...]
    column: bool = False


@dataclass(frozen=True)
class _ChainRule(A.Node):
    """Juxtaposed derivatives ∂a/∂u ∂u/∂v ... whose variables link up (the chain rule)."""

    factors: tuple[A.Deriv, ...]


@dataclass(frozen=True)
class StudentFn:
    """A function a claim's `where` defines, l_1(\\mathbf{x}) = \\sum_i (y_i - x_i)^2: its value
    at an argument is the body with the formal parameter bound to the argument's value."""

    name: str
    formal: str
    body: A.Node


def _dims(v: Value) -> tuple[int, int]:
    """The shape of a value (a scalar is 1x1)."""
    return v.shape if isinstance(v, sp.MatrixBase) else (1, 1)


def _formal_key(node: A.Node) -> str | None:
    """The key of a formal parameter: a plain name, primes kept (x, \\mathbf{h}')."""
    parts = decompose(node)
    if parts is None or parts.subs is not None or parts.sup is not None or isinstance(parts.base, A.Func):
        return None
    return _base_text(parts.base) + "'" * parts.primes


def _index_function(node: A.Node) -> tuple[str, tuple[str, ...]] | None:
    """`o(i,j)`: a one-letter name applied to two or more index letters (name, letters)."""
    if not (isinstance(node, A.Juxt) and len(node.items) == 2):
        return None
    fname, args = node.items
    if not (isinstance(fname, A.Name) and len(fname.text) == 1 and isinstance(args, A.Group)):
        return None
    letters = tuple(a.text for a in args.items if isinstance(a, A.Name) and len(a.text) == 1)
    if args.kind != "(" or len(args.items) < 2 or len(set(letters)) != len(args.items):
        return None
    return fname.text, letters


def _function_definition(node: A.Node, body: A.Node) -> StudentFn | None:
    """`F(v) = body` with F a name and v a plain name (no index): a function definition."""
    if not (isinstance(node, A.Juxt) and len(node.items) == 2):
        return None
    fname, arg = node.items
    if not (isinstance(arg, A.Group) and arg.kind == "(" and len(arg.items) == 1):
        return None
    name, formal = name_key(fname), _formal_key(arg.items[0])
    if name is None or formal is None:
        return None
    return StudentFn(name, formal, body)


@dataclass(frozen=True)
class _Op:
    """An operator waiting for its operand: a derivative \\frac{\\partial}{\\partial x}, or D."""

    kind: str
    node: A.Node | None = None


class FormulaShapeError(NotationError):
    """Operands whose shapes do not fit: the formula is wrong, not unreadable."""


class FormulaLimitError(NotationError):
    """A formula that cannot be evaluated: past the limits that keep judging bounded (huge
    powers, too many terms) or undefined (division by zero). Bad input, reported as an
    error, never a verdict."""


class Unbound(Exception):
    """An index letter with no value: free in the formula (the judge will range over it)."""

    def __init__(self, letter: str) -> None:
        super().__init__(letter)
        self.letter = letter


class Probe(int):
    """An index value that records the size of the axis it is used on (value 1)."""

    def __new__(cls, letter: str):
        obj = super().__new__(cls, 1)
        obj.letter = letter
        return obj


class RangeFound(Exception):
    def __init__(self, letter: str, size: int) -> None:
        super().__init__(letter)
        self.letter, self.size = letter, size


def _style_strip(node: A.Node) -> A.Node:
    while isinstance(node, A.Styled) and node.style in (
        "mathbf",
        "boldsymbol",
        "bm",
        "mathit",
        "mathsf",
        "pmb",
        "mathrm",
    ):
        node = node.body
    return node


@dataclass
class Parts:
    base: A.Node
    subs: tuple[A.Node, ...] | None = None
    sup: A.Node | None = None
    primes: int = 0


def decompose(node: A.Node) -> Parts | None:
    """W_{ij}^{(1)}' -> base W, subs (i, j), sup (1), one prime (None if not a named atom)."""
    subs = sup = None
    primes = 0
    while True:
        if isinstance(node, A.Sub) and subs is None:
            subs, node = node.index, node.body
        elif isinstance(node, A.Sup) and sup is None:
            sup, node = node.exponent, node.body
        elif isinstance(node, A.Prime):
            primes, node = primes + 1, node.body
        else:
            break
    base = _style_strip(node)
    if not isinstance(base, A.Name | A.Func):
        return None
    return Parts(base, subs, sup, primes)


def _layer_of(sup: A.Node | None) -> tuple[int | None, bool, A.Node | None]:
    """A superscript as (layer, transposed, remaining power)."""
    if sup is None:
        return None, False, None
    if isinstance(sup, A.Transpose) or (isinstance(sup, A.Name) and sup.text == "T"):
        return None, True, None
    if (
        isinstance(sup, A.Group)
        and sup.kind == "("
        and len(sup.items) == 1
        and isinstance(sup.items[0], A.Num)
    ):
        return int(sup.items[0].text), False, None
    if isinstance(sup, A.Juxt) and len(sup.items) == 2:
        layer, _, _ = _layer_of(sup.items[0])
        _, t, _ = _layer_of(sup.items[1])
        if layer is not None and t:
            return layer, True, None
    return None, False, sup


def _base_text(base: A.Node) -> str:
    if isinstance(base, A.Name):
        return f"\\{base.decor}{{{base.text}}}" if base.decor else base.text
    return f"\\{base.name}"  # Func


def name_key(node: A.Node) -> str | None:
    """The table key of a name as written in a [notation] key: 'W^{(1)}', 'W_{2}', 'x'."""
    parts = decompose(node)
    if parts is None:
        return None
    layer, t, power = _layer_of(parts.sup)
    if t or power is not None:
        return None
    key = _base_text(parts.base)
    if layer is not None:
        key += f"^{{({layer})}}"
    key += "'" * parts.primes  # h', y': a name of its own when the table binds it
    if parts.subs is not None:
        if not all(isinstance(s, A.Num | A.Name) for s in parts.subs):
            return None
        key += "_{" + ",".join(s.text for s in parts.subs) + "}"
    return key


_FUNCS = {
    "exp": Fn("exp", sp.exp, sp.exp),
    "log": Fn("log", sp.log, lambda v: 1 / v),
    "ln": Fn("ln", sp.log, lambda v: 1 / v),
    "sin": Fn("sin", sp.sin, sp.cos),
    "cos": Fn("cos", sp.cos, lambda v: -sp.sin(v)),
    "tanh": Fn("tanh", sp.tanh, lambda v: 1 - sp.tanh(v) ** 2),
    "tan": Fn("tan", sp.tan, lambda v: 1 + sp.tan(v) ** 2),
}


class Binder:
    """Evaluate syntax trees to explicit SymPy values in a scope, under an index environment."""

    def __init__(self, scope, table: NotationTable, text: str = "") -> None:
        self.scope, self.table, self.text = scope, table, text
        self.work = 0
        self.depth = 0
        self.readings: set[str] = set()  # how notation with more than one reading was read
        self.ranges: dict[str, int] = {}  # the free index letters' ranges, set by the judge
        self.locals: dict[str, Value] = {}  # formal parameters of a student's function
        self._derived: dict[object, Value] = {}  # \\nabla F(v), J_F(v) by what they depend on
        self._samples: dict[tuple[str, int | None], sp.ImmutableMatrix] = {}  # x_k, y, ... (per sample)
        self._vecs: dict[sp.ImmutableMatrix, sp.ImmutableMatrix] = {}  # vec(W) of the matrices met
        self._slices: dict[int, tuple[A.Juxt, list[A.Node]]] = {}  # a juxtaposition's items, macros read
        self._variables: dict[int, tuple[A.Node, list]] = {}  # the model quantity a name stands for

    # ------------------------------------------------------------------ errors
    def error(self, message: str, node: A.Node | None) -> NotationError:
        pos = node.pos if node is not None and self.text and node.pos < len(self.text) + 1 else None
        return NotationError(self.text, message, pos)

    @contextmanager
    def _unfolding(self, what: str, node: A.Node) -> Iterator[None]:
        """One level of a definition unfolded (a name, an index, a function): a definition
        that reaches itself 40 levels down is an error, not a RecursionError."""
        self.depth += 1
        try:
            if self.depth > 40:
                raise self.error(f"{what} defined in terms of itself", node)
            yield
        finally:
            self.depth -= 1

    def limit_error(self, message: str, node: A.Node | None) -> FormulaLimitError:
        pos = node.pos if node is not None and self.text and node.pos <= len(self.text) else None
        return FormulaLimitError(self.text, message, pos)

    def shape_error(self, message: str, node: A.Node | None) -> FormulaShapeError:
        pos = node.pos if node is not None and self.text and node.pos <= len(self.text) else None
        return FormulaShapeError(self.text, message, pos)

    def _tick(self, node: A.Node) -> None:
        self.work += 1
        if self.work > 200_000:
            raise self.limit_error("the formula expands to too many terms", node)

    # ------------------------------------------------------------------ entry
    def top(self, node: A.Node, env: dict[str, int], canonical: bool = False) -> Value:
        """`value` for a whole formula side: a word that is no known name is an error."""
        try:
            return self.value(node, env, canonical)
        except _Split as split:
            raise self.error(f"unknown name {split.text!r}", node) from None

    def value(self, node: A.Node, env: dict[str, int], canonical: bool = False) -> Value:
        self._tick(node)
        macro = self.table.macros.get(node.key()) if not canonical else None
        if macro is None and not canonical and self.table.patterns:
            found = self.table.match(node)
            if found is not None:
                macro = _BoundMacro(node.pos, found[0], tuple(found[1].items()))
        if macro is not None:
            with self._unfolding("a name", node):
                if isinstance(macro, _StudentMacro):
                    return self.value(macro.body, env)
                if isinstance(macro, _BoundMacro):
                    return self._v__BoundMacro(macro, env, canonical)
                return self.value(macro, env, canonical=True)
        vocabulary = rule_for(node)  # notation.vocabulary: trace, det, norms, operators applied, ...
        if vocabulary is not None:
            return vocabulary(self, node, env, canonical)
        method = getattr(self, "_v_" + type(node).__name__, None)
        if method is None:
            raise self.error(f"{type(node).__name__} cannot be evaluated here", node)
        return method(node, env, canonical)

    # ------------------------------------------------------------------ atoms
    def _v_Num(self, node: A.Num, env, canonical) -> Value:
        if len(node.text) > 40:
            raise self.error("number too long", node)
        return parse_rational(node.text)

    def _v_Name(self, node, env, canonical) -> Value:
        return self._named(node, env, canonical)

    def _v_Func(self, node, env, canonical) -> Value:
        return self._named(node, env, canonical)

    def _v_Sub(self, node, env, canonical) -> Value:
        return self._named(node, env, canonical)

    def _v_Sup(self, node, env, canonical) -> Value:
        return self._named(node, env, canonical)

    def _v_Prime(self, node, env, canonical) -> Value:
        return self._named(node, env, canonical)

    def _v_Styled(self, node, env, canonical) -> Value:
        if (
            node.style in ("mathbf", "boldsymbol", "bm")
            and isinstance(node.body, A.Num)
            and node.body.text == "1"
        ):
            raise self.error(
                "\\mathbf{1} needs a size or a condition: \\mathbf{1}_4, \\mathbf{1}_{z>0}", node
            )
        body = _style_strip(node)
        if body is node:
            raise self.error(f"\\{node.style} is not understood here", node)
        return self.value(body, env, canonical)

    def _v_Placeholder(self, node, env, canonical) -> Value:
        raise self.error("f(\\cdot) must be bound in the [notation] table", node)

    def _v_Dots(self, node, env, canonical) -> Value:
        raise self.error("'...' cannot be evaluated; write the formula out", node)

    def _v_Canon(self, node, env, canonical) -> Value:
        return self._canonical(node.name, node)

    def _v__StudentMacro(self, node, env, canonical) -> Value:
        return self.value(node.body, env)

    def _v__BoundMacro(self, node, env, canonical) -> Value:
        inner = {letter: self._index(idx, env) for letter, idx in node.binds}
        return self.value(node.body, {**env, **inner})

    # ------------------------------------------------------------------ names
    def _named(self, node: A.Node, env, canonical) -> Value:
        parts = decompose(node)
        if parts is None:  # (expr)_i, [z_k]_m, (expr)^T, (expr)^2, f'(...)
            return self._scripted(node, env, canonical)
        base = parts.base
        layer, transposed, power = _layer_of(parts.sup)
        subs = parts.subs
        # special forms
        if isinstance(base, A.Name) and not canonical:
            text = base.text
            if (
                text == "\\delta"
                and subs is not None
                and len(subs) == 2
                and layer is None
                and not self._known(base, layer)
            ):
                i, j = (self._index(s, env) for s in subs)
                return _finish(self, sp.Integer(int(i == j)), transposed, power, env, node)
        own = None if canonical else self._own_name(base, layer, subs, parts.primes, env, node)
        primes = parts.primes
        if own is None:
            value, consumed = self._lookup(base, layer, subs, env, canonical, node)
        else:
            value, consumed, primes = own
        if not consumed and subs is not None:
            value = self._subscript(value, subs, env, node)
        for _ in range(primes):
            if not isinstance(value, Fn):
                raise self.error("a prime marks a derivative of a function (f', \\phi')", node)
            value = value.derivative()
        return _finish(self, value, transposed, power, env, node)

    def _own_name(self, base, layer, subs, primes, env, node) -> tuple[Value, bool, int] | None:
        """A formal parameter, a student's function, a primed name the table binds (h', y':
        names, not derivatives), or a built-in operator: (value, subscript consumed, primes
        left). None when the ordinary lookup applies."""
        key = _base_text(base) + (f"^{{({layer})}}" if layer is not None else "")
        pkey = key + "'" * primes
        full = None
        if subs is not None and all(isinstance(s, A.Num | A.Name) for s in subs):
            full = "_{" + ",".join(s.text for s in subs) + "}"
        if pkey in self.locals:
            return self.locals[pkey], False, 0
        if full is not None and key + full in self.table.functions:
            return self.table.functions[key + full], True, primes
        if subs is None and key in self.table.functions:
            return self.table.functions[key], False, primes
        if primes and full is not None and pkey + full in self.table.names:
            return self.value(self.table.names[pkey + full], env, canonical=True), True, 0
        if primes and pkey in self.table.names:
            value, consumed = self._lookup_key(pkey, subs, env, node)
            return value, consumed, 0
        if key in self.table.names or not isinstance(base, A.Name):
            return None
        if base.text == "\\nabla":
            return _Op("nabla"), False, primes
        if base.text == "I" and subs is not None and len(subs) == 1:  # \mathbf{I}_n
            n = self._size(subs[0], env)
            return sp.ImmutableMatrix(sp.eye(n)), True, primes
        return None

    def _lookup_key(self, key: str, subs, env, node) -> tuple[Value, bool]:
        target = self.table.names[key]
        if (
            subs is not None
            and isinstance(target, A.Name)
            and self._is_per_sample(target.text)
            and self.scope.n_samples > 1
        ):
            return self._lookup(target, None, subs, env, True, node)
        return self.value(target, env, canonical=True), False

    def _known(self, base: A.Node, layer: int | None) -> bool:
        key = _base_text(base) + (f"^{{({layer})}}" if layer is not None else "")
        return key in self.table.names

    def _lookup(self, base, layer, subs, env, canonical, node) -> tuple[Value, bool]:
        """The value of a name; True when the subscript was part of the name (\\mathbf{W}_2)."""
        if canonical:
            if isinstance(base, A.Func):
                return self._builtin_func(base.name, node), False
            name = base.text
            if subs is not None and self._is_per_sample(name) and self.scope.n_samples > 1:
                if len(subs) < 1:
                    raise self.error("missing sample index", node)
                k = self._checked(subs[0], env, self.scope.n_samples, node)
                v = self._per_sample(name, k, node)
                if len(subs) > 1:
                    v = self._subscript(v, subs[1:], env, node)
                return v, True
            return self._canonical(name, node), False
        key = _base_text(base) + (f"^{{({layer})}}" if layer is not None else "")
        if subs is not None:
            full = key + "_{" + ",".join(getattr(s, "text", "?") for s in subs) + "}"
            if full in self.table.names:
                return self.value(self.table.names[full], env, canonical=True), True
        if key in self.table.names:
            target = self.table.names[key]
            if (
                subs is not None
                and isinstance(target, A.Name)
                and self._is_per_sample(target.text)
                and self.scope.n_samples > 1
            ):
                return self._lookup(target, None, subs, env, True, node)
            return self.value(target, env, canonical=True), False
        if isinstance(base, A.Func):
            return self._builtin_func(base.name, node), False
        text = base.text
        if text in _FUNCS or text in ("diag", "max", "min"):
            return self._builtin_func(text, node), False
        if text == "e" and layer is None:
            return sp.E, False
        if text == "D" and layer is None and subs is None:
            return _Op("D"), False  # \mathbf{D}\phi: the derivative operator
        if text == "\\pi":
            return sp.pi, False
        if (
            isinstance(base, A.Name)
            and len(text) > 1
            and text.isalpha()
            and not text.startswith("\\")
        ):
            raise _Split(text)
        known = sorted(self.table.names)
        raise self.error(f"unknown name {key!r}; known: {', '.join(known) or '(none)'}", node)

    def _is_per_sample(self, name: str) -> bool:
        return (name in ("x", "t", "y") or (name[:1] in "za" and name[1:].isdigit())) \
            and not has_quantity(self.scope, name)  # a declared variable x is itself

    def _batch_name(self, name: str) -> str:
        return {"x": "X", "t": "T", "y": "Y"}.get(name, name.upper())

    def _per_sample(self, name: str, k: int | None, node) -> sp.ImmutableMatrix:
        key = (name, k)
        found = self._samples.get(key)
        if found is None:
            found = self._samples[key] = self._sample_of(name, k, node)
        return found

    def _sample_of(self, name: str, k: int | None, node) -> sp.ImmutableMatrix:
        batch = self._canonical(self._batch_name(name), node)
        if k is None:
            return batch if self.scope.layout == "row" else batch.T
        row = batch[k - 1, :]
        return sp.ImmutableMatrix(row if self.scope.layout == "row" else row.T)

    def _canonical(self, name: str, node) -> Value:
        if name.startswith("act") and name[3:].isdigit():
            try:
                return self.scope.activation(int(name[3:]))
            except KeyError:
                raise self.error(f"layer {name[3:]} has no element-wise activation", node) from None
        if name == "D" and not has_quantity(self.scope, name):  # a declared matrix D is itself
            return _Op("D")
        if name == "jacobian":  # '\mathbf{J}' = 'jacobian': J_f(v), the Jacobian of f at v
            return _Op("jacobian")
        if self._is_per_sample(name):
            if self.scope.n_samples == 1:
                return self._per_sample(name, 1, node)
            return self._per_sample(name, None, node)
        try:
            return self.scope.quantity(name)
        except KeyError:
            raise self.error(
                f"unknown quantity {name!r}; known: {', '.join(self.scope.names())}", node
            ) from None

    def _builtin_func(self, name: str, node) -> Value:
        if name in _FUNCS:
            return _FUNCS[name]
        if name in ("diag", "max", "min", "det", "tr", "vec"):
            return _Op(name)
        raise self.error(f"unknown function \\{name}", node)

    def _index(self, node: A.Node, env, size: int | None = None) -> int:
        if isinstance(node, A.Num):
            return int(node.text)
        letter = index_letter(node)
        if letter is not None:
            if letter in env:
                return env[letter]
            if letter in self.table.index_defs:  # k = o(i^*, j^*): free are i* and j*
                with self._unfolding("an index", node):
                    return self._index(self.table.index_defs[letter], env)
            raise Unbound(letter)
        # inside a computed index, a size letter of the table is that size: a_{(i-1)n+j}
        inner = {**self.table.sizes, **env}
        if isinstance(node, A.BinOp) and node.op in "+-":
            a, b = self._index(node.left, inner), self._index(node.right, inner)
            return a + b if node.op == "+" else a - b
        return self._index_formula(node, inner)

    def _index_call(self, node: A.Node):
        """o(2, j) for an index function o(i,j) of the table: its definition and arguments."""
        if not (isinstance(node, A.Juxt) and len(node.items) == 2 and isinstance(node.items[0], A.Name)):
            return None
        definition = self.table.index_functions.get(node.items[0].text)
        args = node.items[1]
        if definition is None or not isinstance(args, A.Group) or args.kind != "(":
            return None
        if len(args.items) != len(definition[0]):
            raise self.error(f"{node.items[0].text} takes {len(definition[0])} indices", node)
        return definition, args.items

    def _index_formula(self, node: A.Node, env) -> int:
        """An index the table or `where` defines, o(i,j) = (i-1)d + j, and the products,
        brackets and size letters its definition uses."""
        found = self._index_call(node)
        if found is not None:
            (letters, body), args = found
            domain = self.table.index_domains.get(node.items[0].text)
            if domain is None:
                values = dict(zip(letters, (self._index(a, env) for a in args), strict=True))
            elif len(domain) != len(letters):
                raise self.error(f"domains: {node.items[0].text} takes {len(letters)} indices", node)
            else:  # the arguments' ranges are declared: a free letter there takes its range
                values = {x: self._checked(a, env, self._domain_size(d, node), node)
                          for x, a, d in zip(letters, args, domain, strict=True)}
            with self._unfolding("an index", node):
                return self._index(body, {**self.table.sizes, **env, **values})  # d: a size letter
        if isinstance(node, A.Group) and node.kind in "(g" and len(node.items) == 1:
            return self._index(node.items[0], env)
        if isinstance(node, A.Group) and node.kind == "floor":
            return self._floor(node.items[0], env)
        if isinstance(node, A.Juxt):
            words = [n for n, x in enumerate(node.items) if isinstance(x, A.Name) and x.text in MOD_WORDS]
            if len(words) == 1 and 0 < words[0] < len(node.items) - 1:  # k' \bmod n
                a = self._index(_juxt(node.items[: words[0]]), env)
                n = self._index(_juxt(node.items[words[0] + 1 :]), env)
                if n == 0:
                    raise self.error("modulo 0", node)
                return int(a) % int(n)
        if isinstance(node, A.Juxt) and all(isinstance(x, A.Group | A.Num) for x in node.items[:-1]):
            out = 1  # (i-1)d, 2(i-1): a product inside an index definition
            for item in node.items:
                out *= self._index(item, env)
            return out
        raise self.error("an index must be a letter or a number", node)

    def _full_misfit(self, sub: A.Node, n: int) -> str | None:
        """At a reduced size, a free index letter running past a vector's end is a wrong
        formula when it is so at full size too: its range and the vector's length both stand
        for one full width each, the range the larger (x_i for x_j, i over 784 inputs, on a
        vector of 100).  None when that cannot be told (a computed index, an ambiguous width)."""
        letter = index_letter(sub)
        if letter is None or letter not in self.ranges:
            return None
        full: dict[int, int | None] = {}
        for f, s in self.table.size_map.items():
            full[s] = f if full.get(s, f) == f and s is not None else None
        r, m = full.get(self.ranges[letter]), full.get(n)
        if r is None or m is None or r <= m:
            return None
        return f"index {letter} runs over 1..{r} at full size, past the {m} entries it indexes"

    def _floor(self, node: A.Node, env) -> int:
        """\\lfloor k'/n \\rfloor, \\lfloor \\frac{k'}{n} \\rfloor: integer division of indices."""
        if isinstance(node, A.Frac):
            num, den = node.num, node.den
        elif isinstance(node, A.BinOp) and node.op == "/":
            num, den = node.left, node.right
        else:
            return self._index(node, env)
        d = int(self._index(den, env))
        if d == 0:
            raise self.limit_error("division by zero", node)
        return int(self._index(num, env)) // d

    def _domain_size(self, size: int | str, node) -> int:
        if isinstance(size, int):
            return self._width(size, node)
        if size not in self.table.sizes:
            raise self.error(f"the domain size {size} is no size letter of the [notation] table", node)
        return self.table.sizes[size]

    def _subscript(self, value: Value, subs: tuple[A.Node, ...], env, node) -> Value:
        if isinstance(value, _Op) and value.kind == "ones":
            return value
        if isinstance(value, _Op) and value.kind == "jacobian" and value.node is None and len(subs) == 1:
            return _Op("jacobian", subs[0])  # J_{l_2}: the function comes as the subscript
        if not isinstance(value, sp.MatrixBase):
            raise self.error("a subscript on a scalar", node)
        return value[self._entry(value.shape, subs, env, node)]

    def _entry(self, shape: tuple[int, int], subs: tuple[A.Node, ...], env, node) -> int:
        """The position (row by row) of the entry `subs` of a matrix of this shape."""
        r, c = shape
        if len(subs) == 1:
            if r != 1 and c != 1:
                raise self.error(f"one index on a {r}x{c} matrix: write two", node)
            n = max(r, c)
            i = self._checked(subs[0], env, n, node)
            return i - 1 if r * c > 1 else 0
        if len(subs) == 2:
            i = self._checked(subs[0], env, r, node)
            j = self._checked(subs[1], env, c, node)
            return (i - 1) * c + (j - 1)
        raise self.error("at most two indices", node)

    def _checked(self, sub: A.Node, env, n: int, node) -> int:
        i = self._index(sub, env)
        if isinstance(i, Probe):
            raise RangeFound(i.letter, n)
        if not 1 <= i <= n:  # the indices do not fit the shapes: a wrong formula
            if self.table.size_map:  # ... unless the sizes are reduced ones
                full = self._full_misfit(sub, n)
                if full is not None:
                    raise self.shape_error(full, node)
                raise self.error(f"index {i} out of range 1..{n} at the reduced size judged", node)
            raise self.shape_error(f"index {i} out of range 1..{n}", node)
        return i

    # ------------------------------------------------------------------ scripts on expressions
    def _scripted(self, node, env, canonical) -> Value:
        if isinstance(node, A.Sub):
            body = node.body
            if (
                isinstance(body, A.Styled)
                and isinstance(body.body, A.Num)
                and body.body.text == "1"
            ):
                return self._ones(node, env)
            if isinstance(body, A.Group) and body.kind == "[" and len(body.items) == 1:
                letters = [s.text for s in node.index if isinstance(s, A.Name)]
                try:
                    inner = self.value(body.items[0], env, canonical)
                except Unbound as exc:
                    if exc.letter in letters and len(letters) == len(node.index):
                        return self._comprehension(body.items[0], letters, env, canonical)
                    raise
                return self._subscript(inner, node.index, env, node)
            return self._subscript(self.value(body, env, canonical), node.index, env, node)
        if isinstance(node, A.Sup) and (ranged := self._ranged_comprehension(node, env, canonical)) is not None:
            return ranged
        if isinstance(node, A.Sup):
            _layer, transposed, power = _layer_of(node.exponent)
            return _finish(
                self, self.value(node.body, env, canonical), transposed, power, env, node
            )
        if isinstance(node, A.Prime):
            v = self.value(node.body, env, canonical)
            if isinstance(v, Fn):
                return v.derivative()
        raise self.error("cannot read this combination of scripts", node)

    def _ranged_comprehension(self, node: A.Sup, env, canonical) -> Value | None:
        """\\left[ g_i \\right]_{i=1}^{m}: the vector of the g_i, for i from 1 to m (a size)."""
        sub = node.body
        if not (isinstance(sub, A.Sub) and isinstance(sub.body, A.Group) and sub.body.kind == "["
                and len(sub.body.items) == 1 and len(sub.index) == 1):
            return None
        rel = sub.index[0]
        if not (isinstance(rel, A.Rel) and rel.op == "=" and index_letter(rel.left) is not None
                and isinstance(rel.right, A.Num) and rel.right.text == "1"):
            return None
        size = self._limit(node.exponent, env)
        return self._comprehension(sub.body.items[0], [index_letter(rel.left)], env, canonical, [size])

    def _comprehension(self, body, letters, env, canonical, sizes: list[int] | None = None) -> sp.ImmutableMatrix:
        if sizes is None:
            sizes = [self.probe_range(body, letter, env, canonical) for letter in letters]
        if len(letters) == 1:
            vals = [
                self._scalar(self.value(body, {**env, letters[0]: i + 1}, canonical), body)
                for i in range(sizes[0])
            ]
            m = sp.ImmutableMatrix(1, sizes[0], vals)
            return m if self.scope.layout == "row" else m.T
        if len(letters) == 2:
            return sp.ImmutableMatrix(
                sizes[0],
                sizes[1],
                lambda i, j: self._scalar(
                    self.value(body, {**env, letters[0]: i + 1, letters[1]: j + 1}, canonical), body
                ),
            )
        raise self.error("at most two comprehension indices", body)

    def probe_range(self, body, letter, env, canonical=False) -> int:
        try:
            self.value(body, {**env, letter: Probe(letter)}, canonical)
        except RangeFound as exc:
            if exc.letter == letter:
                return exc.size
            raise
        raise self.error(f"cannot tell the range of index {letter}: give the limits", body)

    def _ones(self, node: A.Sub, env) -> Value:
        if len(node.index) != 1:
            raise self.error("\\mathbf{1} takes one subscript", node)
        sub = node.index[0]
        if isinstance(sub, A.Rel):
            diff = self._sub(self.value(sub.left, env), self.value(sub.right, env), sub)
            if sub.op in (">", ">="):
                f = relu_step
            elif sub.op in ("<", "<="):

                def f(v):
                    return relu_step(-v)
            else:
                raise self.error("an indicator needs > or <", sub)
            return diff.applyfunc(f) if isinstance(diff, sp.MatrixBase) else f(diff)
        n = self._size(sub, env)
        return sp.ImmutableMatrix(sp.ones(n, 1))

    def _size(self, node, env) -> int:
        if isinstance(node, A.Num):
            return self._literal_size(node)
        if isinstance(node, A.Name) and node.text in self.table.sizes:
            return self.table.sizes[node.text]
        raise self.error("a size must be a number or a size letter of the [notation] table", node)

    # ------------------------------------------------------------------ structure
    def _v_Group(self, node: A.Group, env, canonical) -> Value:
        if node.kind in ("(", "g", "s") and len(node.items) == 1:
            return self.value(node.items[0], env, canonical)
        if node.kind == "[" and len(node.items) == 1:
            return self.value(node.items[0], env, canonical)
        if node.kind == "[" and len(node.items) > 1:
            vals = [self.value(x, env, canonical) for x in node.items]
            if (
                all(isinstance(v, sp.MatrixBase) and v.rows == 1 for v in vals)
                and len({v.cols for v in vals}) == 1
            ):
                return sp.ImmutableMatrix.vstack(*vals)
            if all(isinstance(v, sp.MatrixBase) and min(v.shape) > 1 for v in vals) and len(
                {v.shape for v in vals}
            ) == 1:
                r, c = vals[0].shape
                self.readings.add(
                    f"a list of {r}x{c} matrices read as a vector of matrices: a row of numbers c "
                    "times its transpose is the sum of c_k A_k (block-matrix rules would not fit)"
                )
                return Stack(tuple(vals))
            return sp.ImmutableMatrix(1, len(vals), [self._scalar(v, node) for v in vals])
        if node.kind == "floor":
            raise self.error("\\lfloor \\rfloor is read in indices only", node)
        raise self.error("a list here cannot be evaluated", node)

    def _v_Matrix(self, node: A.Matrix, env, canonical) -> Value:
        rows = [[self._scalar(self.value(x, env, canonical), x) for x in row] for row in node.rows]
        return sp.ImmutableMatrix(rows)

    def _v_Neg(self, node, env, canonical) -> Value:
        v = self.value(node.body, env, canonical)
        return self._mul(sp.Integer(-1), v, node)

    def _v_BinOp(self, node: A.BinOp, env, canonical) -> Value:
        if node.op in "+-":
            extended = self._sum_extent(node, env)
            if extended is not None:
                return self.value(extended, env, canonical)
        a = self.value(node.left, env, canonical)
        b = self.value(node.right, env, canonical)
        if node.op == "+":
            return self._add(a, b, node)
        if node.op == "-":
            return self._sub(a, b, node)
        if node.op in ("cdot", "times"):
            return self._mul(a, b, node, hadamard_fallback=True)
        if node.op == "odot":
            return self._hadamard(a, b, node)
        if node.op == "/":
            den = self._scalar(b, node)
            if den == 0:
                raise self.limit_error("division by zero", node)
            return self._mul(a, sp.Integer(1) / den, node)
        raise self.error(f"unknown operator {node.op}", node)

    def _sum_extent(self, node: A.BinOp, env: dict[str, int]) -> A.Node | None:
        """\\sum_i a_i - b_i: by precedence the sum's body ends at the first + or -, which
        leaves the i of b_i outside it.  When i has no value there (no enclosing sum and no
        free index i of the claim binds it), that reading means nothing, and the one that
        does is forced: the sum of the whole, \\sum_i (a_i - b_i); it is returned, and the
        verdict states the reading.  When i does have a value both readings mean something:
        ambiguous, so not read (never judged by either reading).  None: nothing to extend."""
        ops: list[str] = []
        terms: list[A.Node] = []
        n: A.Node = node
        while isinstance(n, A.BinOp) and n.op in "+-":
            ops.append(n.op)
            terms.append(n.right)
            n = n.left
        terms, ops = [n, *reversed(terms)], list(reversed(ops))
        for k, term in enumerate(terms[:-1]):
            s = _trailing_sum(term)
            if s is None or not any(s.index in _index_uses(t) for t in terms[k + 1 :]):
                continue
            if s.index in env:
                raise self.error(
                    f"ambiguous sum: its body ends at the next + or -, but its index {s.index} "
                    "is used after it; write brackets around what is summed",
                    term,
                )
            body = s.body
            for op, t in zip(ops[k:], terms[k + 1 :], strict=True):
                body = A.BinOp(t.pos, op, body, t)
            self.readings.add(
                f"the sum over {s.index} read as the sum of every term after it: {s.index} is used "
                "after the next + or - and is no free index, so only that reading means something"
            )
            out = _replace_node(term, s, A.Sum(s.pos, s.index, s.lower, s.upper, body))
            if k:  # the terms before the sum keep their own reading: t_0 + ... + t_{k-1} + (sum)
                before = terms[0]
                for op, t in zip(ops[: k - 1], terms[1:k], strict=True):
                    before = A.BinOp(t.pos, op, before, t)
                out = A.BinOp(node.pos, ops[k - 1], before, out)
            return out
        return None

    def _v_Frac(self, node: A.Frac, env, canonical) -> Value:
        num = self.value(node.num, env, canonical)
        den = self._scalar(self.value(node.den, env, canonical), node.den)
        if den == 0:
            raise self.limit_error("division by zero", node)
        return self._mul(num, 1 / den, node)

    def _v_Sum(self, node: A.Sum, env, canonical) -> Value:
        lo = 1 if node.lower is None else self._limit(node.lower, env)
        if node.upper is None:
            hi = self.probe_range(node.body, node.index, env, canonical) + lo - 1
        else:
            hi = self._limit(node.upper, env)
        if hi - lo > MAX_TERMS:
            raise self.limit_error(f"too many terms in a sum (at most {MAX_TERMS})", node)
        total: Value = sp.Integer(0)
        for k in range(lo, hi + 1):
            total = self._add(total, self.value(node.body, {**env, node.index: k}, canonical), node)
        return total

    def _literal_size(self, node: A.Num) -> int:
        """A number written as a size or a sum limit, at the size judged (see at_sizes)."""
        return self._width(int(node.text), node)

    def _width(self, n: int, node: A.Node) -> int:
        small = self.table.size(n)
        if small is None:
            raise self.error(f"{n} is a width of the full model that the reduction makes ambiguous", node)
        return small

    def _limit(self, node, env) -> int:
        if isinstance(node, A.Name) and node.text in self.table.sizes:
            return self.table.sizes[node.text]
        if isinstance(node, A.Num):
            return self._literal_size(node)
        if isinstance(node, A.Name) and node.text in env:
            return env[node.text]
        raise self.error(
            "a sum limit must be a number or a size letter of the [notation] table", node
        )

    def _v_Juxt(self, node: A.Juxt, env, canonical) -> Value:
        items = list(node.items)
        if not canonical:  # the student's names that span several items: once per node and table
            found = self._slices.get(id(node))
            if found is None or found[0] is not node:
                found = self._slices[id(node)] = (node, self._macro_slices(items))
            items = list(found[1])
        items = _chain_rule_runs(items)
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
            if not canonical and i + 1 < len(items) and self._is_loss_call(items[i], items[i + 1]):
                vals.append(self._quantity_at(items[i], items[i + 1].items[0], env))
                i += 2
                continue
            try:
                v = self.value(items[i], env, canonical)
            except _Split as split:
                letters = [A.Name(items[i].pos + n, ch) for n, ch in enumerate(split.text)]
                items[i : i + 1] = _respread(items[i], letters)
                continue
            i += 1
            while isinstance(v, Fn | _Op | StudentFn) and i < len(items):
                arg_node = items[i]
                i += 1
                if isinstance(v, _Op) and v.kind == "D":
                    nxt = self.value(arg_node, env, canonical)
                    if not isinstance(nxt, Fn):
                        raise self.error("\\mathbf{D} must be followed by a function", arg_node)
                    v = nxt.derivative()
                    continue
                if (
                    isinstance(v, Fn)
                    and isinstance(arg_node, A.Group)
                    and arg_node.kind == "("
                    and len(arg_node.items) > 1
                ):
                    raise self.error(f"{v.name} takes one argument", arg_node)
                v = self._apply(v, arg_node, env, canonical)
            if isinstance(v, Fn | _Op | StudentFn):
                raise self.error("a function without its argument", items[i - 1])
            if (
                vals
                and isinstance(items[i - 1], A.Group)
                and len(items[i - 1].items) > 1
                and items[i - 1].kind == "("
            ):
                continue  # Err(y, z): the arguments only name what the quantity depends on
            vals.append(v)
        out = vals[0]
        for v in vals[1:]:
            out = self._mul(out, v, node, hadamard_fallback=False)
        return out

    def _macro_slices(self, items: list[A.Node]) -> list[A.Node]:
        if not self.table.macros:
            return items
        out, i = [], 0
        while i < len(items):
            for j in range(len(items), i + 1, -1):
                piece = A.Juxt(0, tuple(items[i:j]))
                key = piece.key()
                if key in self.table.macros:
                    m = self.table.macros[key]
                    out.append(
                        m if isinstance(m, _StudentMacro) else _StudentMacro(items[i].pos, m)
                    )
                    i = j
                    break
                found = self.table.match(piece) if self.table.patterns else None
                if found is not None:
                    out.append(_BoundMacro(items[i].pos, found[0], tuple(found[1].items())))
                    i = j
                    break
            else:
                out.append(items[i])
                i += 1
        return out

    def _apply(self, f: Value, arg_node: A.Node, env, canonical) -> Value:
        if isinstance(f, _Op) and f.kind == "nabla":
            return _Op("grad", arg_node)  # \nabla F: waits for F's argument
        if isinstance(f, StudentFn) or (isinstance(f, _Op) and f.kind in ("grad", "jacobian") and f.node) \
                or (isinstance(f, Fn) and scripted_bracket(arg_node)):  # f(z)^2 = (f(z))^2, not f(z^2)
            return self._call_scripted(f, arg_node, env)
        if isinstance(f, _Op) and f.kind == "deriv":
            return self._derivative(arg_node, f.node.wrt, env, canonical, f.node)
        if isinstance(f, _Op) and f.kind in ("max", "min"):
            items = arg_node.items if isinstance(arg_node, A.Group) else (arg_node,)
            vals = [self.value(x, env, canonical) for x in items]
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
        arg = self.value(arg_node, env, canonical)
        if isinstance(f, _Op) and f.kind == "vec":  # row by row, as seed 003 section 3 defines it
            if not isinstance(arg, sp.MatrixBase):
                raise self.error("vec takes a matrix", arg_node)
            found = self._vecs.get(arg) if isinstance(arg, sp.ImmutableMatrix) else None
            if found is None:
                col = sp.ImmutableMatrix(len(arg), 1, list(arg))
                found = col if self.scope.layout == "column" else sp.ImmutableMatrix(col.T)
                if isinstance(arg, sp.ImmutableMatrix):
                    self._vecs[arg] = found
            return found
        if isinstance(f, _Op) and f.kind == "diag":
            if not isinstance(arg, sp.MatrixBase) or 1 not in arg.shape:
                raise self.error("diag takes a vector", arg_node)
            return sp.ImmutableMatrix(sp.diag(*list(arg)))
        if isinstance(f, _Op):
            raise self.error(f"{f.kind} is not supported", arg_node)
        if isinstance(arg, Fn | _Op):
            raise self.error("a function applied to a function", arg_node)
        return f(arg)

    # ------------------------------------------------------------------ functions of an argument
    def _call_scripted(self, f: Value, arg_node: A.Node, env) -> Value:
        """F(v), \\nabla F(v), J_F(v), with scripts after the parenthesis belonging to the result:
        \\nabla L(\\mathbf{W})_{ij} is entry (i, j) of the gradient, J_F(v)^\\top its transpose."""
        wraps: list[A.Node] = []
        core = arg_node
        while isinstance(core, A.Sub | A.Sup):
            wraps.append(core)
            core = core.body
        if not (isinstance(core, A.Group) and core.kind == "(" and len(core.items) == 1):
            raise self.error("a function's argument goes in parentheses: l_1(\\mathbf{x})", arg_node)
        inner = core.items[0]
        if isinstance(f, StudentFn):
            value = self._cached(
                ("call", f), (inner,), env, lambda: self._call(f, self._argument(inner, env), arg_node)
            )
        elif isinstance(f, Fn):
            value = f(self._argument(inner, env))
        else:
            jac = f.kind == "jacobian"
            entry = None
            if not jac and wraps and isinstance(wraps[-1], A.Sub):
                entry = self._loss_gradient_entry(f.node, inner, env, wraps[-1])
            if entry is not None:  # \nabla L(\mathbf{W})_{ij}: that entry alone
                value, wraps = entry, wraps[:-1]
            else:
                value = self._cached(
                    ("derive", jac), (f.node, inner), env, lambda: self._derive_at(f.node, inner, env, jac, arg_node)
                )
        for w in reversed(wraps):
            if isinstance(w, A.Sub):
                value = self._subscript(value, w.index, env, w)
            else:
                _layer, transposed, power = _layer_of(w.exponent)
                value = _finish(self, value, transposed, power, env, w)
        return value

    def _cached(self, tag: tuple, nodes: tuple[A.Node, ...], env, compute) -> Value:
        """compute() once per value of the index letters `nodes` use (a gradient or a student's
        function at an argument is the same at every other index value); not inside a
        function body, whose formal parameters change, nor while an index range is probed."""
        letters = {n.text for t in nodes for n in A.walk(t) if isinstance(n, A.Name) and len(n.text) == 1}
        used = tuple(sorted((k, env[k]) for k in letters if k in env))
        if self.locals or any(isinstance(v, Probe) for _, v in used):
            return compute()
        key = (tag, tuple(t.key() for t in nodes), used)
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def _argument(self, node: A.Node, env) -> Value:
        v = self.value(node, env)
        if isinstance(v, Fn | _Op | StudentFn) or not isinstance(v, sp.Basic):
            raise self.error("a function's argument must be a value", node)
        return v

    def _call(self, fn: StudentFn, arg: Value, node: A.Node) -> Value:
        """The body of a student's function with its formal parameter bound to `arg`."""
        saved = self.locals
        try:
            with self._unfolding("a function", node):
                self.locals = {**saved, fn.formal: arg}
                return self.value(fn.body, {})
        except Unbound as exc:
            raise self.error(f"index {exc.letter} in the definition of {fn.name} has no value", node) from None
        finally:
            self.locals = saved

    def _model_variable(self, node: A.Node) -> list[sp.Symbol]:
        """The symbols of the model quantity a name stands for (formal parameters ignored; the
        same for every index value, so found once per node)."""
        found = self._variables.get(id(node))
        if found is not None and found[0] is node:
            return list(found[1])
        saved = self.locals
        self.locals = {}
        try:
            v = self._variable(self.value(node, {}), node)
        finally:
            self.locals = saved
        out = list(v) if isinstance(v, sp.MatrixBase) else [v]
        self._variables[id(node)] = (node, out)
        return list(out)

    def _is_loss_call(self, name: A.Node, arg: A.Node) -> bool:
        """L(\\mathbf{y}'): the loss written as a function of a quantity of the model."""
        if not (isinstance(arg, A.Group) and arg.kind == "(" and len(arg.items) == 1):
            return False
        parts = decompose(name)
        if parts is None or parts.subs is not None or parts.sup is not None or parts.primes:
            return False
        target = self.table.names.get(_base_text(parts.base))
        return isinstance(target, A.Name) and target.text == "L"

    def _quantity_at(self, qnode: A.Node, arg: A.Node, env) -> Value:
        """Q(v): Q written through the model quantity v (every other quantity expanded), with v
        replaced by the argument's value (v itself, or a formal parameter's value)."""
        var = self._model_variable(arg)
        at = self._argument(arg, env)
        ats = list(at) if isinstance(at, sp.MatrixBase) else [at]
        if len(ats) != len(var):
            raise self.shape_error(f"the argument has {len(ats)} entries, the quantity {len(var)}", arg)
        q = self.scope.expand(self.value(qnode, env), frozenset(var))
        return self._substitute(q, dict(zip(var, ats, strict=True)))

    def _loss_gradient_entry(self, fnode: A.Node, inner: A.Node, env, sub: A.Sub) -> Value | None:
        """Entry `sub` of \\nabla F(v) when F is the loss and v the model quantity itself: the
        derivative of the loss in that one symbol, the entry `_derive_at` then `_subscript` give
        (the same checks, in the same order), without the rest of the gradient.  None when F or
        v is anything else (the general path applies)."""
        if self.locals:
            return None
        at = self._argument(inner, env)
        f = self.value(fnode, env)
        if isinstance(f, StudentFn | Fn) or not isinstance(f, sp.Basic) or _dims(f) != (1, 1) \
                or not isinstance(at, sp.MatrixBase):
            return None
        var = self._model_variable(inner)
        if list(at) != var:
            return None
        position = self._entry(at.shape, sub.index, env, sub)
        q = self.scope.expand(f, frozenset(var))
        return self._diff(q[0] if isinstance(q, sp.MatrixBase) else q, var[position])

    def _derive_at(self, fnode: A.Node, inner: A.Node, env, jacobian: bool, node: A.Node) -> Value:
        """\\nabla F(v) (F scalar: the gradient, shaped like v) or J_F(v) (the Jacobian, rows:
        F's entries), F's derivative in its argument evaluated at v. F is a student's function,
        an element-wise function, or the loss as a function of the model quantity v."""
        at = self._argument(inner, env)
        f = self.value(fnode, env)
        if isinstance(f, StudentFn):

            def g(s):
                return self._call(f, s, node)
        elif isinstance(f, Fn):
            g = f
        elif isinstance(f, sp.Basic) and _dims(f) == (1, 1):
            var = self._model_variable(inner)
            q = self.scope.expand(f, frozenset(var))

            def g(s):
                entries = list(s) if isinstance(s, sp.MatrixBase) else [s]
                return self._substitute(q, dict(zip(var, entries, strict=True)))
        else:
            raise self.error("\\nabla and J take a function: the loss or a function defined in `where`", fnode)
        shape = _dims(at)
        if isinstance(f, sp.Basic) and (not jacobian or 1 in shape) \
                and (list(at) if isinstance(at, sp.MatrixBase) else [at]) == var:
            # the loss at the model quantity itself: its derivative in those symbols (the scope
            # keeps it for every claim), the expression the detour through dummies gives
            loss = q[0] if isinstance(q, sp.MatrixBase) else q
            if jacobian:
                return sp.ImmutableMatrix(1, len(var), [self._diff(loss, v) for v in var])
            if not isinstance(at, sp.MatrixBase):
                return self._diff(loss, var[0])
            return sp.ImmutableMatrix(*shape, [self._diff(loss, v) for v in var])
        syms = sp.ImmutableMatrix(*shape, lambda i, j: sp.Dummy(f"s{i}_{j}", real=True))
        out = g(syms if isinstance(at, sp.MatrixBase) else syms[0])
        if isinstance(out, Fn | _Op | StudentFn) or not isinstance(out, sp.Basic):
            raise self.error("the function has no value at this argument", node)
        outs = list(out) if isinstance(out, sp.MatrixBase) else [out]
        if jacobian:
            if 1 not in shape or (isinstance(out, sp.MatrixBase) and 1 not in out.shape):
                raise self.error("a Jacobian needs a vector function of a vector", node)
        elif len(outs) != 1:
            raise self.shape_error(f"\\nabla of a function with {len(outs)} values (a Jacobian?)", node)
        ats = list(at) if isinstance(at, sp.MatrixBase) else [at]
        wrt, direct = list(syms), self._free_of(outs, ats)
        if direct:  # at distinct symbols the function does not otherwise involve: d/d(at) of f(at),
            rule = dict(zip(syms, ats, strict=True))  # the same as d/ds f(s) at s = at (and kept)
            outs, wrt = [self._substitute(o, rule) for o in outs], ats
        if jacobian:
            result = sp.ImmutableMatrix(len(outs), len(wrt), lambda i, j: self._diff(outs[i], wrt[j]))
        else:
            result = sp.ImmutableMatrix(*shape, [self._diff(outs[0], w) for w in wrt])
            if not isinstance(at, sp.MatrixBase):
                result = result[0]
        return result if direct else self._substitute(result, dict(zip(syms, ats, strict=True)))

    def _free_of(self, outs: list[sp.Basic], ats: list[sp.Basic]) -> bool:
        """Whether the ats are distinct symbols none of the outs has."""
        symbols_of = getattr(self.scope, "symbols_of", None)
        if symbols_of is None or not all(isinstance(a, sp.Symbol) for a in ats) or len(set(ats)) != len(ats):
            return False
        names = set(ats)
        return not any(symbols_of(o) & names for o in outs)

    def _substitute(self, e: Value, rule: dict[sp.Symbol, sp.Basic]) -> Value:
        """e.xreplace(rule) (by the scope's faster substitution, when it has one)."""
        substitute = getattr(self.scope, "substitute", None)
        return substitute(e, rule) if substitute is not None else e.xreplace(rule)

    def _diff(self, e: sp.Expr, v: sp.Symbol) -> sp.Expr:
        """d e / d v as SymPy's diff gives it (by the scope's faster Differentiator, when it has one)."""
        derivative = getattr(self.scope, "derivative", None)
        return derivative(e, v) if derivative is not None else sp.diff(e, v)

    def _v_Deriv(self, node: A.Deriv, env, canonical) -> Value:
        if node.num is None:
            return _Op("deriv", node)
        return self._derivative(node.num, node.wrt, env, canonical, node)

    def _derivative(self, num_node, wrt_nodes, env, canonical, node) -> Value:
        if len(wrt_nodes) == 1:
            return _layout(*self._jacobian(num_node, wrt_nodes[0], env, canonical))
        wrts = [self._variable(self.value(w, env, canonical), w) for w in wrt_nodes]
        if any(isinstance(w, sp.MatrixBase) for w in wrts):
            raise self.error("mixed derivatives of matrices are not supported", node)
        num = self.scope.expand(self.value(num_node, env, canonical), frozenset(wrts))
        if isinstance(num, sp.MatrixBase):
            if num.shape != (1, 1):
                raise self.error("mixed derivatives of matrices are not supported", node)
            num = num[0]
        return sp.diff(num, *wrts)

    def _jacobian(
        self, num_node, wrt_node, env, canonical
    ) -> tuple[sp.ImmutableMatrix, Shape | None, Shape | None]:
        """d vec(num) / d vec(wrt) (row-major vec) with the shapes of num and wrt."""
        w = self._variable(self.value(wrt_node, env, canonical), wrt_node)
        ws = list(w) if isinstance(w, sp.MatrixBase) else [w]
        num = self.scope.expand(self.value(num_node, env, canonical), frozenset(ws))
        if isinstance(num, Fn | _Op) or not isinstance(num, sp.Basic):
            raise self.error("a function without its argument", num_node)
        ns = list(num) if isinstance(num, sp.MatrixBase) else [num]
        diff = self._diff
        jac = sp.ImmutableMatrix(len(ns), len(ws), lambda i, j: diff(ns[i], ws[j]))
        return jac, _shape_of(num), _shape_of(w)

    def _v__ChainRule(self, node: _ChainRule, env, canonical) -> Value:
        """∂a/∂u ∂u/∂v ...: the chain rule contracts over the entries of every u, whatever the
        layout each factor alone would have (gradient, Jacobian or 4-index array)."""
        jac, num_shape, inner = self._jacobian(node.factors[0].num, node.factors[0].wrt[0], env, canonical)
        for f in node.factors[1:]:
            nxt, _, wrt_shape = self._jacobian(f.num, f.wrt[0], env, canonical)
            if jac.cols != nxt.rows:
                raise self.shape_error(
                    f"the chain rule needs the same variable: {jac.cols} entries then {nxt.rows}", f
                )
            jac, inner = sp.ImmutableMatrix(jac * nxt), wrt_shape
        return _layout(jac, num_shape, inner)

    def _variable(self, v: Value, node) -> Value:
        def one(e):
            if isinstance(e, sp.Symbol):
                return e
            s = self.scope.symbol_for(e)
            if s is None:
                raise self.error(
                    "can only differentiate with respect to a variable of the model", node
                )
            return s

        if isinstance(v, sp.MatrixBase):
            return sp.ImmutableMatrix(v.applyfunc(one))
        return one(v)

    def _v_Cases(self, node: A.Cases, env, canonical) -> Value:
        pieces = []
        for value, cond in node.rows:
            if isinstance(cond, A.Rel) and cond.op in ("=", "!="):
                pieces.append(self._index_case(value, cond, env, canonical))
                continue
            v = self._scalar(self.value(value, env, canonical), value)
            if cond is None:
                pieces.append((v, True))
                continue
            if not isinstance(cond, A.Rel) or cond.op not in ("<", ">", "<=", ">="):
                raise self.error("a condition must be an inequality, or an equation between indices", cond)
            lhs = self._scalar(self.value(cond.left, env, canonical), cond.left)
            rhs = self._scalar(self.value(cond.right, env, canonical), cond.right)
            rel = {"<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge}[cond.op]
            pieces.append((v, rel(lhs, rhs)))
        if pieces[-1][1] is not True:
            pieces.append((sp.nan, True))
        return sp.Piecewise(*pieces)

    def _index_case(self, value: A.Node, cond: A.Rel, env, canonical) -> tuple[sp.Expr, bool]:
        """A case whose condition is an equation between indices: s_i(1 - s_i) if i = j, or
        h'_j if o(i,j) = k.  A letter of the condition that has no value but is used in the
        case's value (j in h'_j, with i and k free) is bound by the condition: the case holds
        when exactly one j of its range satisfies it, and its value is taken at that j."""
        def holds(at: dict) -> bool:
            equal = self._index(cond.left, at) == self._index(cond.right, at)
            return equal if cond.op == "=" else not equal

        try:
            truth = holds(env)
        except Unbound as exc:
            letter = exc.letter
            if cond.op != "=" or letter not in _index_uses(value):
                raise
            size = self.probe_range(value, letter, env, canonical)
            matches = [m for m in range(1, size + 1) if holds({**env, letter: m})]
            if len(matches) > 1:
                raise self.error(
                    f"the condition does not determine {letter}: {len(matches)} values satisfy it", cond
                ) from None
            if not matches:
                return sp.Integer(0), False
            return self._scalar(self.value(value, {**env, letter: matches[0]}, canonical), value), True
        return self._scalar(self.value(value, env, canonical), value), truth

    def _v_Rel(self, node, env, canonical) -> Value:
        raise self.error("a relation cannot be evaluated as a value", node)

    def _v_Interval(self, node, env, canonical) -> Value:
        raise self.error("an interval is not a value", node)

    def _v_Transpose(self, node, env, canonical) -> Value:
        raise self.error("a transpose mark without a matrix", node)

    # ------------------------------------------------------------------ algebra
    def _scalar(self, v: Value, node) -> sp.Expr:
        if isinstance(v, sp.MatrixBase):
            if v.shape == (1, 1):
                return v[0]
            raise self.error(f"expected a number, got a {v.rows}x{v.cols} matrix", node)
        if isinstance(v, Fn | _Op):
            raise self.error("expected a number, got a function", node)
        return v

    def _add(self, a, b, node, sign=1):
        am, bm = isinstance(a, sp.MatrixBase), isinstance(b, sp.MatrixBase)
        if am and bm:
            if a.shape != b.shape:
                if a.shape == (1, 1) or b.shape == (1, 1):
                    return self._add(
                        self._scalar(a, node) if a.shape == (1, 1) else a,
                        self._scalar(b, node) if b.shape == (1, 1) else b,
                        node,
                        sign,
                    )
                a, b = self._broadcast(a, b, node)
            return sp.ImmutableMatrix(a + sign * b)
        if am or bm:
            m, s = (a, b) if am else (b, a)
            if m.shape == (1, 1):
                return a[0] + sign * b if am else a + sign * b[0]
            if s == 0:
                return sp.ImmutableMatrix(a if am else sign * b)
            self.readings.add(f"a number added to every entry of a {m.rows}x{m.cols} matrix (broadcast, as in NumPy)")
            ones = sp.ones(m.rows, m.cols)
            return sp.ImmutableMatrix(a + sign * b * ones if am else a * ones + sign * b)
        return a + sign * b

    def _broadcast(self, a: sp.MatrixBase, b: sp.MatrixBase, node) -> tuple[sp.MatrixBase, sp.MatrixBase]:
        """x W + b with a bias b: a column added to every column of a matrix with as many
        rows, or a row to every row (broadcast, as in NumPy; the verdict states the reading).
        Any other difference of shapes is a shape error."""
        for m, v in ((a, b), (b, a)):
            if v.cols == 1 and v.rows == m.rows and m.cols > 1:
                self.readings.add(f"a column of {v.rows} added to every column of a {m.rows}x{m.cols} matrix "
                                  "(broadcast, as in NumPy)")
                wide = v * sp.ones(1, m.cols)
                return (m, wide) if m is a else (wide, m)
            if v.rows == 1 and v.cols == m.cols and m.rows > 1:
                self.readings.add(f"a row of {v.cols} added to every row of a {m.rows}x{m.cols} matrix "
                                  "(broadcast, as in NumPy)")
                tall = sp.ones(m.rows, 1) * v
                return (m, tall) if m is a else (tall, m)
        raise self.shape_error(f"cannot add a {a.rows}x{a.cols} and a {b.rows}x{b.cols} matrix", node)

    def _sub(self, a, b, node):
        return self._add(a, b, node, sign=-1)

    def _mul(self, a, b, node, hadamard_fallback: bool = False):
        if isinstance(a, Fn | _Op) or isinstance(b, Fn | _Op):
            raise self.error("a function without its argument", node)
        if isinstance(a, Stack) or isinstance(b, Stack):
            return self._stack_product(a, b, node)
        am, bm = isinstance(a, sp.MatrixBase), isinstance(b, sp.MatrixBase)
        if am and bm:
            if a.cols == b.rows:
                return sp.ImmutableMatrix(a * b)
            if a.shape == (1, 1) or b.shape == (1, 1):
                return (
                    sp.ImmutableMatrix(a[0] * b)
                    if a.shape == (1, 1)
                    else sp.ImmutableMatrix(b[0] * a)
                )
            if hadamard_fallback:
                return self._hadamard(a, b, node)
            raise self.shape_error(
                f"cannot multiply a {a.rows}x{a.cols} by a {b.rows}x{b.cols} matrix", node
            )
        if am or bm:
            return sp.ImmutableMatrix(a * b) if am else sp.ImmutableMatrix(b * a)
        return a * b

    def _stack_product(self, a, b, node) -> Value:
        """A number times a stack; a row of n numbers times a column of n matrices (or a row of
        matrices times a column of numbers): the sum of c_k A_k."""
        stack, other = (a, b) if isinstance(a, Stack) else (b, a)
        if isinstance(other, Stack):
            raise self.shape_error("cannot multiply two vectors of matrices", node)
        if not isinstance(other, sp.MatrixBase) or other.shape == (1, 1):
            c = other[0] if isinstance(other, sp.MatrixBase) else other
            return Stack(tuple(sp.ImmutableMatrix(c * m) for m in stack.items), stack.column)
        n = len(stack.items)
        if b is stack:
            fits = other.shape == (1, n) and stack.column
        else:
            fits = other.shape == (n, 1) and not stack.column
        if not fits:
            r, c = stack.items[0].shape
            raise self.shape_error(
                f"cannot multiply a {other.rows}x{other.cols} matrix and a "
                f"{'column' if stack.column else 'row'} of {n} {r}x{c} matrices",
                node,
            )
        total = sp.zeros(*stack.items[0].shape)
        for coeff, m in zip(other, stack.items, strict=True):
            total += coeff * m
        return sp.ImmutableMatrix(total)

    def _hadamard(self, a, b, node):
        """Element-wise product, with a vector broadcast along a matrix of matching side."""
        if not (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase)):
            return self._mul(a, b, node)
        if a.shape == b.shape:
            return sp.ImmutableMatrix(a.multiply_elementwise(b))
        for x, y in ((a, b), (b, a)):
            if x.cols == 1 and x.rows == y.rows:
                return sp.ImmutableMatrix(y.rows, y.cols, lambda i, j, x=x, y=y: x[i, 0] * y[i, j])
            if x.rows == 1 and x.cols == y.cols:
                return sp.ImmutableMatrix(y.rows, y.cols, lambda i, j, x=x, y=y: x[0, j] * y[i, j])
        raise self.shape_error(
            f"cannot multiply a {a.rows}x{a.cols} by a {b.rows}x{b.cols} matrix", node
        )


Shape = tuple[int, int]


def _shape_of(v: Value) -> Shape | None:
    """A matrix's shape; None for a scalar."""
    return v.shape if isinstance(v, sp.MatrixBase) else None


def _layout(jac: sp.ImmutableMatrix, num_shape: Shape | None, wrt_shape: Shape | None) -> Value:
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


def _links(a: A.Node, b: A.Node) -> bool:
    return (
        isinstance(a, A.Deriv) and isinstance(b, A.Deriv)
        and a.num is not None and b.num is not None and a.order == b.order == 1
        and len(a.wrt) == len(b.wrt) == 1
        and _style_strip(a.wrt[0]).key() == _style_strip(b.num).key()
    )


def _chain_rule_runs(items: list[A.Node]) -> list[A.Node]:
    """Replace each run of linked derivatives (∂a/∂u ∂u/∂v) by one chain-rule node."""
    out: list[A.Node] = []
    for item in items:
        prev = out[-1] if out else None
        last = prev.factors[-1] if isinstance(prev, _ChainRule) else prev
        if last is not None and _links(last, item):
            factors = prev.factors if isinstance(prev, _ChainRule) else (prev,)
            out[-1] = _ChainRule(prev.pos, (*factors, item))
        else:
            out.append(item)
    return out


def _trailing_sum(node: A.Node) -> A.Sum | None:
    """The \\sum a term ends with (\\sum_i ..., 2\\sum_i ..., -\\sum_i ...), if any."""
    while isinstance(node, A.Neg | A.Juxt):
        node = node.body if isinstance(node, A.Neg) else node.items[-1]
    return node if isinstance(node, A.Sum) else None


STARS = frozenset({"*", "\\star", "\\ast"})
MOD_WORDS = frozenset({"\\bmod", "\\mod", "mod"})


def _juxt(items: tuple[A.Node, ...]) -> A.Node:
    return items[0] if len(items) == 1 else A.Juxt(items[0].pos, items)


def index_letter(node: A.Node) -> str | None:
    """The index letter a node names: k, k' (as "k'") or i^* (as 'i*'); None for anything else."""
    if isinstance(node, A.Name) and len(node.text) == 1 and node.text.isalpha():
        return node.text
    if isinstance(node, A.Prime) and isinstance(node.body, A.Name) and len(node.body.text) == 1 \
            and node.body.text.isalpha():
        return node.body.text + "'"
    if (
        isinstance(node, A.Sup)
        and isinstance(node.body, A.Name)
        and len(node.body.text) == 1
        and node.body.text.isalpha()
        and isinstance(node.exponent, A.Name)
        and node.exponent.text in STARS
    ):
        return node.body.text + "*"
    return None


def _letters_in(node: A.Node) -> set[str]:
    """The index letters written in an index (i^* counts once, as 'i*', not also as i)."""
    letter = index_letter(node)
    if letter is not None:
        return {letter}
    return set().union(*(_letters_in(c) for c in node.children()))


def _is_index_formula(node: A.Node) -> bool:
    """Only index letters, numbers, + - and products, brackets and calls: o(i^*, j^*), (i-1)d + j."""
    if isinstance(node, A.Num) or index_letter(node) is not None:
        return True
    if isinstance(node, A.Name):  # k' \bmod n
        return node.text in MOD_WORDS
    if isinstance(node, A.Frac):
        return _is_index_formula(node.num) and _is_index_formula(node.den)
    if isinstance(node, A.BinOp) and node.op in "+-/":
        return _is_index_formula(node.left) and _is_index_formula(node.right)
    if isinstance(node, A.Group) and node.kind in ("(", "g", "floor"):
        return all(_is_index_formula(x) for x in node.items)
    if isinstance(node, A.Juxt):
        head = node.items[0]
        call = isinstance(head, A.Name) and len(node.items) == 2 and isinstance(node.items[1], A.Group)
        return (call and _is_index_formula(node.items[1])) or all(_is_index_formula(x) for x in node.items)
    return False


def _replace_node(node: A.Node, old: A.Node, new: A.Node) -> A.Node:
    """`node` with its trailing sum `old` (found by `_trailing_sum`) replaced by `new`."""
    if node is old:
        return new
    if isinstance(node, A.Neg):
        return A.Neg(node.pos, _replace_node(node.body, old, new))
    if isinstance(node, A.Juxt):
        return A.Juxt(node.pos, (*node.items[:-1], _replace_node(node.items[-1], old, new)))
    raise ValueError("the sum to replace is not at the end of the term")


def _index_uses(node: A.Node, bound: frozenset[str] = frozenset()) -> set[str]:
    """The index letters a formula uses in subscripts and no \\sum inside it binds."""
    if isinstance(node, A.Sum):
        return _index_uses(node.body, bound | {node.index})
    out: set[str] = set()
    if isinstance(node, A.Sub):
        for idx in node.index:
            out.update(_letters_in(idx) - bound)
    for child in node.children():
        out |= _index_uses(child, bound)
    return out


class _Split(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _respread(node: A.Node, letters: list[A.Name]) -> list[A.Node]:
    """ReLU_k unknown as a word: R e L U_k, the scripts staying on the last letter."""
    if isinstance(node, A.Name):
        return list(letters)
    if isinstance(node, A.Sub | A.Sup | A.Prime):
        inner = _respread(node.body, letters)
        last = inner[-1]
        if isinstance(node, A.Sub):
            inner[-1] = A.Sub(node.pos, last, node.index)
        elif isinstance(node, A.Sup):
            inner[-1] = A.Sup(node.pos, last, node.exponent)
        else:
            inner[-1] = A.Prime(node.pos, last)
        return inner
    return list(letters)


def _finish(binder: Binder, value: Value, transposed: bool, power, env, node) -> Value:
    if transposed:
        if isinstance(value, sp.MatrixBase):
            value = sp.ImmutableMatrix(value.T)
        elif isinstance(value, Stack):
            value = Stack(value.items, not value.column)
        elif isinstance(value, Fn | _Op):
            raise binder.error("a transpose of a function", node)
    if power is not None:
        e = binder._scalar(binder.value(power, env), power)
        if e.is_Number and abs(e) > MAX_EXPONENT:
            raise binder.limit_error(f"exponent {e} too large (at most {MAX_EXPONENT})", power)
        _check_power(binder, value, e, power)
        if isinstance(value, sp.MatrixBase):
            if value.shape == (1, 1):
                return value[0] ** e
            if e == -1 and value.rows == value.cols:
                return inverse(sp.ImmutableMatrix(value))
            if value.rows == value.cols and e.is_Integer and e > 0:
                return sp.ImmutableMatrix(value**e)
            raise binder.error("a power of a non-square matrix", node)
        if isinstance(value, Fn):
            raise binder.error("a power of a function needs its argument first", node)
        return value**e
    return value


MAX_DEGREE = 4096  # x^{64} to the 64th: a power of a power, at most this exponent overall
MAX_DIGITS = 2000  # a number raised to a power: at most this many digits


def _check_power(binder: Binder, value: Value, e: sp.Expr, node: A.Node) -> None:
    """Powers of powers multiply their exponents ((10^{64})^{64})^{64}: bound the result
    before it is computed, in digits for a number and in degree for an expression."""
    if not e.is_Number or e == 0:
        return
    entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
    for v in entries:
        v = as_basic(v)
        if v.is_Rational and v != 0:
            digits = abs(e) * max(math.log10(abs(v.p)), math.log10(abs(v.q)))
            if digits > MAX_DIGITS:
                raise binder.limit_error(f"a power with about {int(digits)} digits (at most {MAX_DIGITS})", node)
        inner = max([abs(p.exp) for p in v.atoms(sp.Pow) if p.exp.is_Number] or [1])
        if inner * abs(e) > MAX_DEGREE:
            raise binder.limit_error(f"a power of a power with exponent {inner * abs(e)} (at most {MAX_DEGREE})",
                                     node)


def bind(latex: str, scope, table: NotationTable, env: dict[str, int] | None = None) -> Value:
    """The explicit SymPy value of a single-expression formula in `scope` (placeholders kept)."""
    node = parse_one(latex)
    return Binder(scope, table, latex).top(node, dict(env or {}))


def parse_expression(latex: str, names: dict[str, sp.Basic]) -> sp.Basic:
    """A plain scalar (or matrix) formula over the given names, as SymPy: no eval, no sympify.

    `names` maps LaTeX names as written ('x_1', '\\eta', '\\lambda') to SymPy objects.
    """
    doc = parse(latex)
    if len(doc.chains) != 1 or len(doc.chains[0].sides) != 1:
        raise NotationError(latex, "expected one expression, not an equation", 0)
    return _plain(latex, doc.chains[0].sides[0], names)


def parse_relation(latex: str, names: dict[str, sp.Basic]) -> sp.Basic:
    """An inequality chain or interval membership (0 < \\eta < 1/6, \\eta \\in (0, 1/5))."""
    doc = parse(latex)
    if len(doc.chains) != 1:
        raise NotationError(latex, "expected one relation", 0)
    chain = doc.chains[0]
    sides = chain.sides
    if len(chain.ops) == 1 and chain.ops[0] == "in":
        var = _plain(latex, sides[0], names)
        iv = sides[1]
        if isinstance(iv, A.Group) and len(iv.items) == 2:
            lo, hi = (_plain(latex, x, names) for x in iv.items)
            return sp.Interval(lo, hi, iv.kind == "(", iv.kind == "(").as_relational(var)
        if isinstance(iv, A.Interval):
            lo, hi = _plain(latex, iv.lo, names), _plain(latex, iv.hi, names)
            return sp.Interval(lo, hi, iv.left_open, iv.right_open).as_relational(var)
        raise NotationError(latex, "expected an interval after \\in", iv.pos)
    rels = {"<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge, "=": sp.Eq, "!=": sp.Ne}
    vals = [_plain(latex, s, names) for s in sides]
    parts = []
    for op, a, b in zip(chain.ops, vals, vals[1:], strict=False):
        if op not in rels:
            raise NotationError(latex, f"unsupported relation {op}", chain.pos)
        parts.append(rels[op](a, b))
    return sp.And(*parts) if len(parts) > 1 else parts[0]


class _PlainScope:
    layout, n_samples = "column", 1

    def names(self):
        return []

    def quantity(self, name):
        raise KeyError(name)

    def expand(self, expr, keep=frozenset()):
        return expr

    def symbol_for(self, expr):
        return None


def _plain(latex: str, node: A.Node, names: dict[str, sp.Basic]) -> sp.Basic:
    table = NotationTable()
    canon_names: dict[str, sp.Basic] = {}
    for key, value in names.items():
        nk = name_key(parse_one(key))
        if nk is None:
            raise NotationError(key, "not a name", 0)
        cname = f"q{len(canon_names)}"
        canon_names[cname] = value
        table.names[nk] = A.Name(0, cname)

    class Scope(_PlainScope):
        def names(self):
            return list(names)

        def quantity(self, name):
            v = canon_names[name]
            return sp.ImmutableMatrix(v) if isinstance(v, sp.MatrixBase) else v

    v = Binder(Scope(), table, latex).value(node, {})
    if isinstance(v, Fn | _Op):
        raise NotationError(latex, "a function without its argument", 0)
    return v
