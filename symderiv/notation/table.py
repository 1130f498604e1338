"""The [notation] table: the student's names (LaTeX) for formulas over the quantities a scope declares.

    [notation]
    'W^{(1)}' = 'W1'        # a quantity by its canonical name; W^{(1)}_{ij} is then its entry (i, j)
    'b^2' = 'b2'            # the student's own spellings may all be listed
    Y = 'Y^T'               # any formula over canonical names
    "h'" = 'a1'             # a primed name the table binds is a name (h', y'), not f'
    sizes = { K = 3, h = 4 } # letters that stand for sizes (in sum limits)
    '\\mathbf{J}' = 'jacobian' # J_f(v): the Jacobian of f at v (rows: f's entries)
    'o(i,j)' = '(i-1)d + j' # an index computed from indices; domains = { o = [10, 'd'] }: their ranges

Keys are LaTeX, case kept, \\mathbf/\\boldsymbol ignored.  The canonical names are the quantities
the scope declares (a kind's scope: kinds/network_scope.py lists the network's), D (the
derivative operator, \\mathbf{D}\\phi) and jacobian.  A kind may declare entries of its own
(`options` of from_dict: the network kind's `reduce`).  A claim's `where` adds the student's own
names: formulas (parametrised by the index letters of their subscripts, T(x_k)), functions
l_1(\\mathbf{x}) = ... (the plain name x their formal parameter) and index definitions
k = o(i^*, j^*); its `free` names are its own free variables (with_free).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..core.errors import SymderivError
from . import ast as A
from .conventions import Conventions
from .parse import parse_one
from .written import formal_key, index_function, index_letter, is_index_formula, name_key


@dataclass
class NotationTable:
    """Student name key -> canonical formula (parsed), and size letters."""

    names: dict[str, A.Node] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    macros: dict[object, A.Node] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # entries a kind declares (networks: reduce)
    patterns: list[tuple[A.Node, frozenset[str], A.Node]] = field(default_factory=list)
    functions: dict[str, StudentFn] = field(default_factory=dict)
    size_map: dict[int, int | None] = field(default_factory=dict)
    index_functions: dict[str, tuple[tuple[str, ...], A.Node]] = field(default_factory=dict)
    index_defs: dict[str, A.Node] = field(default_factory=dict)  # k = o(i^*, j^*): an index from others
    index_domains: dict[str, tuple[int | str, ...]] = field(default_factory=dict)  # o: [1,10] x [1,d]
    conventions: Conventions = field(default_factory=Conventions)  # the problem's [conventions]
    fixed: dict[object, Any] = field(default_factory=dict)  # readings taken in advance (binder.plan)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: dict[str, str] | None = None,
                  options: Mapping[str, Callable[[Any], Any]] | None = None) -> NotationTable:
        """The table from its entries; `options` are the entries a kind declares beyond names
        and sizes (the network kind's `reduce`), each read by its reader into `table.options`."""
        table = cls()
        for key, value in data.items():
            if key == "sizes":
                table.sizes = {str(k): int(v) for k, v in dict(value).items()}
                continue
            if options and key in options:
                table.options[key] = options[key](value)
                continue
            if key == "domains":  # domains = { o = [10, 'd'] }: o(i,j) for i in 1..10, j in 1..d
                table.index_domains = _domains_spec(value)
                continue
            node = parse_one(key)
            canon = parse_one(str(value), canonical=True)
            index_fn = index_function(node)
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
        """A copy with a claim's `where` entries added."""
        out = NotationTable(
            dict(self.names), dict(self.sizes), dict(self.macros), dict(self.options),
            list(self.patterns), dict(self.functions), dict(self.size_map), dict(self.index_functions),
            dict(self.index_defs), dict(self.index_domains), self.conventions, dict(self.fixed),
        )
        for key, value in where.items():
            out._add_where(str(key), str(value))
        return out

    def _add_where(self, key: str, value: str) -> None:
        """A student's own name for a formula; index letters in its subscripts are parameters:
        'T(x_k)' also stands for T(x_1), T(x_2), ... with k bound to the index written."""
        node, body = parse_one(key), parse_one(value)
        index_fn = index_function(node)
        if index_fn is not None:
            self.index_functions[index_fn[0]] = (index_fn[1], body)
            return
        letter = index_letter(node)
        names_a_value = any(isinstance(n, A.Name) and name_key(n) in self.names for n in A.walk(body))
        if letter is not None and is_index_formula(body) and not names_a_value:
            self.index_defs[letter] = body  # 'k' = 'o(i^*, j^*)': k stands for o(i*, j*) ('p' = '\\sigma(z)' does not)
            return
        fn = _function_definition(node, body)
        if fn is not None:  # l_1(\mathbf{x}) = ...: a function of its argument
            self.functions[fn.name] = fn
            return
        self.macros[node.key()] = StudentMacro(0, body)
        letters = _pattern_letters(node)
        if letters:
            self.patterns.append((node, frozenset(letters), body))

    def with_conventions(self, conventions: Conventions) -> NotationTable:
        """A copy read under `conventions` (the problem file's [conventions])."""
        out = self.with_where({})
        out.conventions = conventions
        return out

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


def _pattern_letters(node: A.Node) -> list[str]:
    """The one-letter indices in the subscripts of a `where` name: its parameters (T(x_k): k)."""
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


def read_notation(fields, options: Mapping[str, Callable[[Any], Any]] | None = None) -> NotationTable:
    """The [notation] table of a problem file (a `Fields`), validated (`options`: see from_dict)."""
    data = fields.table("notation", {}).data
    try:
        return NotationTable.from_dict(data, options=options)
    except (SymderivError, ValueError, TypeError) as exc:
        raise fields.error("notation", str(exc)) from None


@dataclass(frozen=True)
class StudentMacro(A.Node):
    """A student's own name for a formula (a `where` entry): its body, read with the student's names."""

    body: A.Node


@dataclass(frozen=True)
class BoundMacro(A.Node):
    """A parametrised `where` name as used: its body and the index written for each letter."""

    body: A.Node
    binds: tuple[tuple[str, A.Node], ...]


@dataclass(frozen=True)
class StudentFn:
    """A function a claim's `where` defines, l_1(\\mathbf{x}) = \\sum_i (y_i - x_i)^2: its value
    at an argument is the body with the formal parameter bound to the argument's value."""

    name: str
    formal: str
    body: A.Node


def _function_definition(node: A.Node, body: A.Node) -> StudentFn | None:
    """`F(v) = body` with F a name and v a plain name (no index): a function definition."""
    if not (isinstance(node, A.Juxt) and len(node.items) == 2):
        return None
    fname, arg = node.items
    if not (isinstance(arg, A.Group) and arg.kind == "(" and len(arg.items) == 1):
        return None
    name, formal = name_key(fname), formal_key(arg.items[0])
    if name is None or formal is None:
        return None
    return StudentFn(name, formal, body)
