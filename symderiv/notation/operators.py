"""What an operator written before a product applies to, and other readings fixed while parsing.

Textbooks write operators without brackets and mean the whole product after them:
``\\frac{\\partial}{\\partial u}(u-s)^T W (u-s)`` is the derivative of the product, not of
its first factor; so are ``\\frac{d}{dv}``, ``\\nabla_v`` and ``\\nabla^2_v``. A named function
without brackets (``\\log \\det X``, ``\\ln 2\\pi\\sigma^2``) takes the product written side by
side after it. The operand ends at the next ``+`` or ``-`` of the same level; brackets override;
a derivative operator's operand also runs over ``\\cdot``, ``\\times``, ``/``, ``\\odot``, ``\\circ``
and ``\\otimes`` (a function's does not: ``\\log x \\cdot y`` is (log x) y).

Also here: the Leibniz forms ``\\frac{dy}{dx}``, ``\\frac{d^2 f}{dx^2}``, ``\\frac{d}{dx}``; the
names of operators as textbooks spell them (``\\operatorname{Tr}``, ``\\mathrm{Tr}``,
``\\text{tr}``); ``\\nabla`` with scripts; ``X^{-T}``; and the post-lexer that tells an opening
bar (``\\|``, ``|``) from a closing one.
"""

from __future__ import annotations

from lark import Token

from ..core.ops import ACTIVATIONS
from . import ast as A

#: Binary operators of a product (the `term` level of the grammar).
PRODUCT_OPS = frozenset({"cdot", "odot", "times", "/", "circ", "otimes"})

#: Operator names as textbooks spell them (\operatorname{Tr}, \mathrm{Tr}, \text{tr}) -> the
#: name the binder knows. A \text{...} or \mathrm{...} word not listed stays a name.
OPERATOR_NAMES = {
    "tr": "tr", "Tr": "tr", "trace": "tr", "Trace": "tr", "det": "det", "Det": "det",
    "diag": "diag", "Diag": "diag", "vec": "vec", "exp": "exp", "log": "log", "ln": "ln",
    "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh",
    # a vector activation of the registry (core/ops) is an operator, spelled as its LaTeX writes it
    **{spelling: a.name for a in ACTIVATIONS.values() if not a.elementwise
       for word in [a.latex.removeprefix("\\operatorname{").removesuffix("}")]
       for spelling in (word, word.capitalize())},
}
#: Named operators that always take an operand of their own (their bracket, or the product
#: after them): \det(X) X^{-T} is det(X) times X^{-T}.
MATRIX_FUNCTIONS = frozenset({"tr", "det"})


class SemanticError(Exception):
    """A reading that cannot be made (parse.py reports it as a NotationError at `pos`)."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message, self.pos = message, pos


def operator_name(text: str) -> str | None:
    """The bound name of an operator spelled `text` (Tr, trace, det, ...), or None."""
    return OPERATOR_NAMES.get(text.strip())


# ---------------------------------------------------------------------- operators and operands
def _func_of(node: A.Node) -> A.Func | None:
    """The named function of \\log or of a power of it written before the bracket (\\tanh^2)."""
    if isinstance(node, A.Func):
        return node
    if isinstance(node, A.Sup) and isinstance(node.body, A.Func) and _positive_integer(node.exponent):
        return node.body
    return None


def _positive_integer(node: A.Node) -> bool:
    return isinstance(node, A.Num) and node.text.isdigit() and int(node.text) >= 1


def is_derivative_operator(node: A.Node) -> bool:
    """\\frac{\\partial}{\\partial x}, \\frac{d}{dx}, \\nabla_x, \\nabla^2_x, \\nabla^2."""
    return (isinstance(node, A.Deriv) and node.num is None) or isinstance(node, A.Nabla)


def bracket_of(node: A.Node) -> tuple[A.Group, list[A.Node]] | None:
    """A bracket ((...), [...], \\{...\\}), possibly with scripts after it ((x)^2, (x)_i): (bracket, scripts
    innermost first); None for anything else."""
    wraps: list[A.Node] = []
    core = node
    while isinstance(core, A.Sub | A.Sup):
        wraps.append(core)
        core = core.body
    if isinstance(core, A.Group) and core.kind in ("(", "[", "{"):
        return core, list(reversed(wraps))
    return None


def scripted_bracket(node: A.Node) -> bool:
    """Whether `node` is a bracket of one value with scripts after it, (z)^2 or (z)_i: after a
    function, those scripts belong to the function's value."""
    found = bracket_of(node)
    return found is not None and bool(found[1]) and found[0].kind == "(" and len(found[0].items) == 1


def _rewrap(inner: A.Node, wraps: list[A.Node]) -> A.Node:
    """The scripts written after a bracket, now on the function's value: \\exp(x)^2 = (e^x)^2."""
    out = inner
    for w in wraps:
        out = A.Sub(inner.pos, out, w.index) if isinstance(w, A.Sub) else A.Sup(inner.pos, out, w.exponent)
    return out


def apply_operators(items: list[A.Node]) -> list[A.Node]:
    """Items written side by side, with every operator applied to its operand: a derivative
    operator or \\nabla to everything after it; a named function to its bracket (the
    scripts after the bracket then belong to the function's value) or, without a bracket, to
    everything after it up to the next named function (\\sin x \\cos x). A function followed by a
    plain bracket stays as written (the binder applies it); \\det and \\operatorname{tr} always
    become an Apply."""
    for k, item in enumerate(items[:-1]):
        func = _func_of(item)
        if func is None and not is_derivative_operator(item):
            continue
        nxt = items[k + 1]
        found = bracket_of(nxt) if func is not None else None
        if found is not None:
            bracket, wraps = found
            if wraps or func.name in MATRIX_FUNCTIONS or item is not func:
                applied = _rewrap(A.Apply(item.pos, item, bracket), wraps)
                return [*items[:k], applied, *apply_operators(items[k + 2 :])]
            continue  # \log(x) y: the binder applies \log to (x)
        # a named function's operand ends before the next named function (\sin x \cos x is
        # (\sin x)(\cos x)); one that starts the operand is inside it (\log \det X)
        first = next((j for j in range(k + 1, len(items)) if _func_of(items[j]) is None), len(items))
        stop = next((j for j in range(first + 1, len(items)) if _func_of(items[j]) is not None), len(items)) \
            if func is not None else len(items)
        rest = apply_operators(items[k + 1 : stop])
        arg = rest[0] if len(rest) == 1 else A.Juxt(rest[0].pos, tuple(rest))
        return [*items[:k], A.Apply(item.pos, item, arg), *apply_operators(items[stop:])]
    return items


def _open(node: A.Node) -> bool:
    """Whether `node` ends with a derivative operator whose operand reaches its end (so an
    explicit product operator after it continues that operand)."""
    while True:
        if isinstance(node, A.Apply):
            return is_derivative_operator(node.op) or _open(node.arg)
        if isinstance(node, A.Juxt):
            node = node.items[-1]
        elif isinstance(node, A.Neg):
            node = node.body
        elif isinstance(node, A.BinOp) and node.op in PRODUCT_OPS:
            node = node.right
        else:
            return False


def _extend(node: A.Node, op: str, right: A.Node) -> A.Node:
    """`node` (open) with `op right` added to the operand of its last open operator."""
    if isinstance(node, A.Apply):
        if _open(node.arg):
            return A.Apply(node.pos, node.op, _extend(node.arg, op, right))
        return A.Apply(node.pos, node.op, A.BinOp(node.arg.pos, op, node.arg, right))
    if isinstance(node, A.Juxt):
        return A.Juxt(node.pos, (*node.items[:-1], _extend(node.items[-1], op, right)))
    if isinstance(node, A.Neg):
        return A.Neg(node.pos, _extend(node.body, op, right))
    if isinstance(node, A.BinOp):
        return A.BinOp(node.pos, node.op, node.left, _extend(node.right, op, right))
    raise AssertionError("not open")  # pragma: no cover - callers check _open first


def product(op: str, left: A.Node, right: A.Node, pos: int) -> A.Node:
    """left op right, where a derivative operator that ends `left` takes `op right` into its
    operand: \\frac{\\partial}{\\partial x} f \\cdot g is the derivative of f g."""
    if _open(left):
        return _extend(left, op, right)
    if op == "/" and (num := _partial_of(left)) is not None and (wrt := _partial_of(right)) is not None:
        return A.Deriv(left.pos, num, (wrt,))  # \partial L / \partial w, typed inline: \frac{\partial L}{\partial w}
    return A.BinOp(pos, op, left, right)


def _partial_of(node: A.Node) -> A.Node | None:
    """X of `\\partial X` written side by side (one operand), else None."""
    if isinstance(node, A.Juxt) and len(node.items) == 2 and isinstance(node.items[0], A.Name) \
            and node.items[0].text == "\\partial" and not node.items[0].decor:
        return node.items[1]
    return None


def sum_over(pos: int, index: str, lower: A.Node | None, upper: A.Node | None, body: A.Node,
             product: bool = False) -> A.Node:
    """\\sum_{k} body; \\sum_{kl} (several index letters, the Cookbook's \\sum_{klmn}) is the sum
    over each letter in turn, every range from the context; \\prod alike, multiplying."""
    if len(index) == 1 or not index.isalpha():
        return A.Sum(pos, index, lower, upper, body, product)
    if lower is not None or upper is not None:
        raise SemanticError(f"a {'product' if product else 'sum'} over several indices ({index}) takes no limits", pos)
    for letter in reversed(index):
        body = A.Sum(pos, letter, None, None, body, product)
    return body


# ---------------------------------------------------------------------- scripts
BOLD = frozenset({"mathbf", "boldsymbol", "bm"})


def bold_run(body: A.Node, script) -> A.Node | None:
    """\\mathbf{a b}^T, \\mathbf{BX}^{-1}: bold type over several letters is typography over a
    product of letters (as printed in The Matrix Cookbook, a b^T), so the script belongs to the
    last letter, as in a b^T written without the bold: a product with `script` applied to its
    last factor (`script` makes the scripted node from it). None for anything else."""
    if not (isinstance(body, A.Styled) and body.style in BOLD):
        return None
    inner = body.body
    if isinstance(inner, A.Name) and not inner.decor and inner.text.isalpha() and 1 < len(inner.text) <= 6:
        letters = [A.Name(inner.pos + n, ch) for n, ch in enumerate(inner.text)]
    elif isinstance(inner, A.Juxt) and all(
            isinstance(x, A.Name) and not x.decor and len(x.text) == 1 and x.text.isalpha() for x in inner.items):
        letters = list(inner.items)
    else:
        return None
    factors: list[A.Node] = [A.Styled(x.pos, body.style, x) for x in letters]
    factors[-1] = script(factors[-1])
    return A.Juxt(body.pos, tuple(factors))


# ---------------------------------------------------------------------- scripts (continued)
def nabla_sub(body: A.Node, index: tuple[A.Node, ...], pos: int) -> A.Node | None:
    """\\nabla_x, \\nabla^2_x as a Nabla node (None when `body` is not \\nabla)."""
    if _is_nabla_name(body):
        return A.Nabla(pos, index, 1)
    if isinstance(body, A.Nabla) and not body.wrt:
        return A.Nabla(pos, index, body.order)
    return None


def nabla_sup(body: A.Node, exponent: A.Node, pos: int) -> A.Node | None:
    """\\nabla^2, \\nabla_x^2 as a Nabla node (None when `body` is not \\nabla)."""
    if not (isinstance(exponent, A.Num) and exponent.text == "2"):
        return None
    if _is_nabla_name(body):
        return A.Nabla(pos, (), 2)
    if isinstance(body, A.Nabla) and body.order == 1:
        return A.Nabla(pos, body.wrt, 2)
    return None


def _is_nabla_name(node: A.Node) -> bool:
    return isinstance(node, A.Name) and node.text == "\\nabla" and not node.decor


def norm_sub(body: A.Node, index: tuple[A.Node, ...]) -> A.Node | None:
    """\\|x\\|_2, \\|X\\|_F, \\|x\\|^2_2: the subscript of a norm names which norm."""
    inner, power = (body.body, body) if isinstance(body, A.Sup) else (body, None)
    if not (isinstance(inner, A.Norm) and not inner.kind and len(index) == 1):
        return None
    kind = _norm_kind(index[0])
    if kind is None:
        raise SemanticError("a norm's subscript is 1, 2, F or \\infty", index[0].pos)
    norm = A.Norm(inner.pos, inner.body, kind)
    return norm if power is None else A.Sup(power.pos, norm, power.exponent)


def _norm_kind(node: A.Node) -> str | None:
    if isinstance(node, A.Num) and node.text in ("1", "2"):
        return node.text
    if isinstance(node, A.Name) and node.text in ("F", "\\infty"):
        return node.text.lstrip("\\")
    if isinstance(node, A.Styled) and node.style == "mathrm":
        return _norm_kind(node.body)
    return None


def inverse_transpose(body: A.Node, exponent: A.Node, pos: int) -> A.Node | None:
    """X^{-T}, X^{-\\top}, X^{-\\mathsf{T}}: the transpose of the inverse, as {X^{-1}}^T."""
    mark = exponent.body if isinstance(exponent, A.Neg) else None
    while isinstance(mark, A.Styled) and mark.style in ("mathsf", "mathrm"):
        mark = mark.body
    if mark is not None and A.is_transpose_mark(mark):
        return A.Sup(pos, A.Sup(pos, body, A.Neg(exponent.pos, A.Num(exponent.pos + 1, "1"))), A.Transpose(pos))
    return None


# ---------------------------------------------------------------------- Leibniz d/dx
_DIFFERENTIALS = frozenset({"d"} | {"d" + c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"})


def _d_head(node: A.Node) -> tuple[int, A.Node | None] | None:
    """A Leibniz differential at the start of `node`: (order, what follows it). d -> (1, None);
    d^2 -> (2, None); dL -> (1, L); d\\mathbf{x} (written side by side) -> (1, x)."""
    if isinstance(node, A.Name) and not node.decor and node.text in _DIFFERENTIALS:
        if node.text == "d":
            return 1, None
        return 1, A.Name(node.pos + 1, node.text[1:])
    if isinstance(node, A.Sub) and isinstance(node.body, A.Name) and node.body.text in _DIFFERENTIALS \
            and node.body.text != "d" and not node.body.decor:  # dy_k: d of y_k
        return 1, A.Sub(node.pos + 1, A.Name(node.pos + 1, node.body.text[1:]), node.index)
    if isinstance(node, A.Styled) and node.style == "mathrm" and isinstance(node.body, A.Name) \
            and node.body.text == "d" and not node.body.decor:
        return 1, None
    if isinstance(node, A.Sup) and _positive_integer(node.exponent):
        head = _d_head(node.body)
        if head is not None and head[1] is None:
            return int(node.exponent.text), None
    if isinstance(node, A.Juxt):
        head = _d_head(node.items[0])
        if head is None:
            return None
        order, first = head
        rest = ([first] if first is not None else []) + list(node.items[1:])
        if not rest:
            return order, None
        return order, rest[0] if len(rest) == 1 else A.Juxt(rest[0].pos, tuple(rest))
    return None


def _d_variables(den: A.Node) -> list[A.Node] | None:
    """The variables of a Leibniz denominator: dx -> [x]; dx^2 -> [x^2]; d\\theta -> [θ];
    dx\\,dy -> [x, y]; None when `den` is not made of differentials."""
    if isinstance(den, A.Sup) and _positive_integer(den.exponent):
        inner = _d_variables(den.body)
        if inner is None or len(inner) != 1:
            return None
        return [A.Sup(den.pos, inner[0], den.exponent)]
    if not isinstance(den, A.Juxt):
        head = _d_head(den)
        return [head[1]] if head is not None and head[1] is not None else None
    groups: list[list[A.Node]] = []
    for item in den.items:
        head = _d_head(item)
        if head is not None and head[0] == 1 and (head[1] is not None or item is not den.items[-1]):
            groups.append([head[1]] if head[1] is not None else [])
        elif groups:
            groups[-1].append(item)
        else:
            return None
    out = []
    for g in groups:
        if len(g) != 1:
            return None
        out.append(g[0])
    return out


def leibniz(num: A.Node, den: A.Node, pos: int) -> A.Deriv | None:
    """\\frac{dy}{dx}, \\frac{d}{dx}, \\frac{d^2 f}{dx^2} as a derivative (None for any other
    fraction). The numerator's order must match the denominator's."""
    head = _d_head(num)
    wrt = _d_variables(den)
    if head is None or not wrt:
        return None
    order, body = head
    count = sum(int(w.exponent.text) if isinstance(w, A.Sup) and _positive_integer(w.exponent) else 1 for w in wrt)
    if order != count and not (order == 1 and count == 1):
        raise SemanticError(f"a derivative of order {order} with {count} differentials below", pos)
    return A.Deriv(pos, body, tuple(wrt), order, True)


# ---------------------------------------------------------------------- bars
#: Tokens after which a bar closes (they end an operand); after any other token it opens.
_ENDS_OPERAND = frozenset({
    "WORD", "NUMBER", "COMMAND", "TRANSPOSE", "TEXT", "DOTS", "SCRIPT_CHAR", "RPAR", "RSQB", "RBRACE",
    "RSET", "NORM_CLOSE", "BAR_CLOSE", "END_MATRIX", "END_CASES", "PRIME", "STAR", "PRIME_CMD", "RANGLE",
})


class Bars:
    """Post-lexer: a norm bar (\\| \\Vert ||, lexed as NORM_OPEN or NORM_CLOSE alike) and a bar
    (| \\vert, BAR_OPEN or BAR_CLOSE) are told apart here. \\lVert, \\lvert open and \\rVert,
    \\rvert close; a plain bar closes when one of its kind is open and the token before it ends an
    operand, else it opens (so \\|x\\| \\|y\\| is two norms; a norm inside a norm needs
    \\lVert ... \\rVert or brackets)."""

    always_accept = ()

    def process(self, stream):
        depth = {"NORM": 0, "BAR": 0}
        prev: Token | None = None
        for tok in stream:
            kind = tok.type.rsplit("_", 1)[0]
            if kind in depth and tok.type.endswith(("_OPEN", "_CLOSE")):
                value = tok.value
                if value.startswith("\\l"):
                    closes = False
                elif value.startswith("\\r"):
                    closes = True
                else:
                    closes = depth[kind] > 0 and prev is not None and prev.type in _ENDS_OPERAND
                depth[kind] += -1 if closes else 1
                tok = Token.new_borrow_pos(kind + ("_CLOSE" if closes else "_OPEN"), value, tok)
            prev = tok
            yield tok
