"""The notation's syntax tree: small frozen dataclasses, one per construct, with source offsets."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Union


@dataclass(frozen=True)
class Node:
    """Base of every node; `pos` is the 0-based offset of the node's first character."""

    pos: int

    def children(self) -> tuple[Node, ...]:
        cached = self.__dict__.get("_children")
        if cached is None:
            cached = self._children_of()
            object.__setattr__(self, "_children", cached)  # a frozen node: computed once
        return cached

    def _children_of(self) -> tuple[Node, ...]:
        out: list[Node] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Node):
                out.append(value)
            elif isinstance(value, tuple):
                for v in value:
                    if isinstance(v, Node):
                        out.append(v)
                    elif isinstance(v, tuple):
                        out.extend(x for x in v if isinstance(x, Node))
        return tuple(out)

    def key(self) -> object:
        """A structural key ignoring positions (for comparing trees; computed once per node)."""
        cached = self.__dict__.get("_key")
        if cached is None:
            parts: list[object] = [type(self).__name__]
            for f in fields(self):
                if f.name == "pos":
                    continue
                parts.append(_key(getattr(self, f.name)))
            cached = tuple(parts)
            object.__setattr__(self, "_key", cached)
        return cached


def _key(value: object) -> object:
    if isinstance(value, Node):
        return value.key()
    if isinstance(value, tuple):
        return tuple(_key(v) for v in value)
    return value


@dataclass(frozen=True)
class Num(Node):
    text: str


@dataclass(frozen=True)
class Name(Node):
    """A letter run, Greek letter or \\text word; `decor` is \\hat, \\mathcal... ('' if none)."""

    text: str
    decor: str = ""


@dataclass(frozen=True)
class Func(Node):
    """A named operator such as \\exp, \\log, \\max, \\operatorname{diag}."""

    name: str


@dataclass(frozen=True)
class Styled(Node):
    """\\mathbf{...}, \\boldsymbol{...}: typography only, except \\mathbf{1} (ones, indicator)."""

    style: str
    body: Node


@dataclass(frozen=True)
class Sub(Node):
    body: Node
    index: tuple[Node, ...]


@dataclass(frozen=True)
class Sup(Node):
    body: Node
    exponent: Node


@dataclass(frozen=True)
class Transpose(Node):
    """A superscript that is only a transpose mark (T, \\top, \\intercal)."""


@dataclass(frozen=True)
class Prime(Node):
    body: Node


@dataclass(frozen=True)
class Group(Node):
    """Bracketed items: `kind` is '(', '[', '{' (\\{...\\}) or 'g' (a bare TeX group)."""

    kind: str
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Interval(Node):
    lo: Node
    hi: Node
    left_open: bool
    right_open: bool


@dataclass(frozen=True)
class Placeholder(Node):
    """The argument dot of f(\\cdot)."""


@dataclass(frozen=True)
class Dots(Node):
    pass


@dataclass(frozen=True)
class Colon(Node):
    """`:` as an index, every entry of that axis: A_{i,:} the i-th row, A_{:,j} the j-th column."""


@dataclass(frozen=True)
class Neg(Node):
    body: Node


@dataclass(frozen=True)
class BinOp(Node):
    """`op` is one of + - cdot odot times / circ otimes."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Juxt(Node):
    """Items written side by side: a product, or a function applied to its argument."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Sum(Node):
    """\\sum_{index=lower}^{upper} body; lower and upper may be None (range from the notation);
    with `product`, \\prod: the terms multiplied (scalars)."""

    index: str
    lower: Node | None
    upper: Node | None
    body: Node
    product: bool = False


@dataclass(frozen=True)
class Frac(Node):
    num: Node
    den: Node


@dataclass(frozen=True)
class Deriv(Node):
    """A derivative: num None for the operator form (d/dx applied to what follows); `total`
    when written with d (Leibniz, \\frac{dy}{dx}) rather than \\partial. A denominator entry
    v^k (\\partial x^2) counts k times when the orders add up to `order`."""

    num: Node | None
    wrt: tuple[Node, ...]
    order: int = 1
    total: bool = False


@dataclass(frozen=True)
class Apply(Node):
    """An operator applied to its operand: \\frac{\\partial}{\\partial x}, \\nabla_x, \\det, \\log
    without brackets... applied to the whole product after it (up to the next + or - at the
    same level), or a named operator (\\det, \\operatorname{tr}) applied to its bracket."""

    op: Node
    arg: Node


@dataclass(frozen=True)
class Nabla(Node):
    """\\nabla_{x} (order 1, the gradient in x), \\nabla^2_{x} (the Hessian); `wrt` empty for
    \\nabla^2 F(v), the Hessian of F in its argument."""

    wrt: tuple[Node, ...]
    order: int = 1


@dataclass(frozen=True)
class Norm(Node):
    """\\|body\\| with its subscript: `kind` '' (none written), '1', '2', 'F' or 'infty'."""

    body: Node
    kind: str = ""


@dataclass(frozen=True)
class Bars(Node):
    """|body|: the absolute value of a number, the determinant of a square matrix."""

    body: Node


@dataclass(frozen=True)
class Inner(Node):
    """\\langle a, b \\rangle: the sum of the entrywise products (Frobenius inner product)."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Eval(Node):
    """An evaluation bar: body \\Big|_{x = x_0}; `at` holds the relations v = value."""

    body: Node
    at: tuple[Node, ...]


@dataclass(frozen=True)
class Matrix(Node):
    rows: tuple[tuple[Node, ...], ...]


@dataclass(frozen=True)
class Cases(Node):
    """Rows of (value, condition); condition None means 'otherwise'."""

    rows: tuple[tuple[Node, Node | None], ...]


@dataclass(frozen=True)
class Rel(Node):
    """A relation inside an expression (a condition, a sum's lower limit): a op b."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Chain(Node):
    """sides[0] ops[0] sides[1] ops[1] ...: an equality chain or an inequality."""

    sides: tuple[Node, ...]
    ops: tuple[str, ...]


@dataclass(frozen=True)
class Document(Node):
    """Everything a formula states: one chain per line that starts afresh."""

    chains: tuple[Chain, ...]


@dataclass(frozen=True)
class Canon(Node):
    """A reference to a canonical model quantity (from the [notation] table), e.g. 'W1'."""

    name: str


Expr = Union[Node]  # noqa: UP007 - alias kept for readability in signatures


def letters_of(node: Node) -> str | None:
    """The letter run a name is written with under its scripts and style (Ax in \\mathbf{Ax}_k^2'),
    else None."""
    while isinstance(node, Sub | Sup | Prime | Styled):
        node = node.body
    return node.text if isinstance(node, Name) else None


def spread_letters(node: Node) -> list[Node]:
    """A word as its letters side by side (ReLU_k: R e L U_k), the scripts on the last letter and
    the style on each (\\mathbf{Ax}: \\mathbf{A} \\mathbf{x})."""
    if isinstance(node, Styled):
        return [Styled(n.pos, node.style, n) for n in spread_letters(node.body)]
    if isinstance(node, Sub | Sup | Prime):
        *letters, last = spread_letters(node.body)
        if isinstance(node, Sub):
            return [*letters, Sub(node.pos, last, node.index)]
        if isinstance(node, Sup):
            return [*letters, Sup(node.pos, last, node.exponent)]
        return [*letters, Prime(node.pos, last)]
    assert isinstance(node, Name), node
    return [Name(node.pos + n, ch) for n, ch in enumerate(node.text)]


def walk(node: Node):
    """Every node of the tree, depth first."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children()))


def function_depth(node: Node) -> int:
    """The most functions applied one inside another in `node` (\\log \\exp x: 2; \\log(x) + \\exp(y): 1): a
    node with a function among its direct children (an operator applied, a function before its
    bracket) adds one to the deepest of its children."""
    depth: dict[int, int] = {}
    order = list(walk(node))
    for n in reversed(order):  # children before their parents
        kids = n.children()
        here = max((depth[id(k)] for k in kids), default=0)
        depth[id(n)] = here + (1 if any(isinstance(k, Func) for k in kids) else 0)
    return depth[id(node)]


def is_transpose_mark(node: Node) -> bool:
    """An exponent that marks a transpose: T, \\top, \\intercal (a Transpose), or the letter T."""
    return isinstance(node, Transpose) or (isinstance(node, Name) and node.text == "T" and not node.decor)
