"""How names, index letters and scripts are written: pure functions of the syntax tree (no values)."""

from __future__ import annotations

from dataclasses import dataclass

from . import ast as A


def style_strip(node: A.Node) -> A.Node:
    """The node inside typography (\\mathbf, \\boldsymbol, \\mathrm, ...): \\mathbf{W} is W."""
    while isinstance(node, A.Styled) and node.style in (
        "mathbf",
        "boldsymbol",
        "bm",
        "mathit",
        "mathsf",
        "pmb",
        "mathrm",
        "vec",  # \\vec{x}, \\underline{x}: the vector x, as \\mathbf{x}
        "underline",
    ):
        node = node.body
    return node


@dataclass
class Parts:
    """A named atom taken apart: its base name, subscripts, superscript and primes."""

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
    base = style_strip(node)
    if not isinstance(base, A.Name | A.Func):
        return None
    if (isinstance(base, A.Name) and isinstance(sup, A.Name) and sup.text in STARS
            and (len(base.text) == 1 or base.text.startswith("\\"))):
        base, sup = A.Name(base.pos, base.text + "^*", base.decor), None  # w^\star: a name of its own
    return Parts(base, subs, sup, primes)


def layer_of(sup: A.Node | None) -> tuple[int | None, bool, A.Node | None]:
    """A superscript as (label, transposed, remaining power): W^{(1)} has label 1 (part of the
    name, a layer number in the seeds), W^T and W^{(1)T} are transposed, anything else a power."""
    if sup is None:
        return None, False, None
    if isinstance(sup, A.Transpose) or (isinstance(sup, A.Name) and sup.text == "T"):
        return None, True, None
    if (
        isinstance(sup, A.Group)
        and sup.kind == "("
        and len(sup.items) == 1
        and isinstance(sup.items[0], A.Num)
        and sup.items[0].text.isdecimal()  # W^{(2)} is layer 2; w^{(1.5)} is a power
    ):
        return int(sup.items[0].text), False, None
    if isinstance(sup, A.Juxt) and len(sup.items) == 2:
        layer, _, _ = layer_of(sup.items[0])
        _, t, _ = layer_of(sup.items[1])
        if layer is not None and t:
            return layer, True, None
    return None, False, sup


def base_text(base: A.Node) -> str:
    """The table key of a base name: W, \\hat{y} as '\\hat{y}', \\exp as '\\exp'."""
    if isinstance(base, A.Name):
        return f"\\{base.decor}{{{base.text}}}" if base.decor else base.text
    return f"\\{base.name}"  # Func


def name_key(node: A.Node) -> str | None:
    """The table key of a name as written in a [notation] key: 'W^{(1)}', 'W_{2}', 'x'."""
    parts = decompose(node)
    if parts is None:
        return None
    layer, t, power = layer_of(parts.sup)
    if t or power is not None:
        return None
    key = base_text(parts.base)
    if layer is not None:
        key += f"^{{({layer})}}"
    key += "'" * parts.primes  # h', y': a name of its own when the table binds it
    if parts.subs is not None:
        if not all(isinstance(s, A.Num | A.Name | A.Func) for s in parts.subs):
            return None
        key += "_{" + ",".join(script_text(s) for s in parts.subs) + "}"
    return key


def script_text(node: A.Node) -> str:
    """How a one-item subscript is written in a table key: 2, i, \\max (\\lambda_{\\max}); '?' otherwise."""
    if isinstance(node, A.Func):
        return f"\\{node.name}"
    return getattr(node, "text", "?")


STARS = frozenset({"*", "\\star", "\\ast"})  # i^*: an index letter of its own
MOD_WORDS = frozenset({"\\bmod", "\\mod", "mod"})


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


def letters_in(node: A.Node) -> set[str]:
    """The index letters written in an index (i^* counts once, as 'i*', not also as i)."""
    letter = index_letter(node)
    if letter is not None:
        return {letter}
    return set().union(*(letters_in(c) for c in node.children()))


def is_index_formula(node: A.Node) -> bool:
    """Only index letters, numbers, + - and products, brackets and calls: o(i^*, j^*), (i-1)d + j."""
    if isinstance(node, A.Num) or index_letter(node) is not None:
        return True
    if isinstance(node, A.Name):  # k' \bmod n
        return node.text in MOD_WORDS
    if isinstance(node, A.Frac):
        return is_index_formula(node.num) and is_index_formula(node.den)
    if isinstance(node, A.BinOp) and node.op in "+-/":
        return is_index_formula(node.left) and is_index_formula(node.right)
    if isinstance(node, A.Group) and node.kind in ("(", "g", "floor", "ceil"):
        return all(is_index_formula(x) for x in node.items)
    if isinstance(node, A.Juxt):
        head = node.items[0]
        call = isinstance(head, A.Name) and len(node.items) == 2 and isinstance(node.items[1], A.Group)
        return (call and is_index_formula(node.items[1])) or all(is_index_formula(x) for x in node.items)
    return False


def index_uses(node: A.Node, bound: frozenset[str] = frozenset()) -> set[str]:
    """The index letters a formula uses in subscripts and no \\sum inside it binds."""
    if isinstance(node, A.Sum):
        return index_uses(node.body, bound | {node.index})
    out: set[str] = set()
    if isinstance(node, A.Sub):
        for idx in node.index:
            out.update(letters_in(idx) - bound)
    for child in node.children():
        out |= index_uses(child, bound)
    return out


def trailing_sum(node: A.Node) -> A.Sum | None:
    """The \\sum a term ends with (\\sum_i ..., 2\\sum_i ..., -\\sum_i ...), if any."""
    while isinstance(node, A.Neg | A.Juxt):
        node = node.body if isinstance(node, A.Neg) else node.items[-1]
    return node if isinstance(node, A.Sum) else None


def replace_node(node: A.Node, old: A.Node, new: A.Node) -> A.Node:
    """`node` with its trailing sum `old` (found by `trailing_sum`) replaced by `new`."""
    if node is old:
        return new
    if isinstance(node, A.Neg):
        return A.Neg(node.pos, replace_node(node.body, old, new))
    if isinstance(node, A.Juxt):
        return A.Juxt(node.pos, (*node.items[:-1], replace_node(node.items[-1], old, new)))
    raise ValueError("the sum to replace is not at the end of the term")


def juxt(items: tuple[A.Node, ...]) -> A.Node:
    """The juxtaposition of the items (one item: itself)."""
    return items[0] if len(items) == 1 else A.Juxt(items[0].pos, items)


def formal_key(node: A.Node) -> str | None:
    """The key of a formal parameter: a plain name, primes kept (x, \\mathbf{h}')."""
    parts = decompose(node)
    if parts is None or parts.subs is not None or parts.sup is not None or isinstance(parts.base, A.Func):
        return None
    return base_text(parts.base) + "'" * parts.primes


def index_function(node: A.Node) -> tuple[str, tuple[str, ...]] | None:
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
