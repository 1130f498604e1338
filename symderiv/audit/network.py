"""The audit's reading of a network problem: parameter names bound from their `latex`, sides recognised
as the loss or a gradient, and the true values of a recognised target (tasks run in the problem's worker)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields, replace

import sympy as sp

from ..core.errors import NotationError, SymderivError
from ..kinds.network import NetworkProblem
from ..notation import NotationTable
from ..notation import ast as A
from ..notation.bind import name_key
from ..notation.evaluate import equal
from ..notation.judge import Judge, Side
from ..notation.parse import parse_one
from ..notation.points import point_values, sample_points
from ..notation.unparse import unparse
from ..notation.written import index_letter, is_index_formula
from .limits import MAX_SIDE_CHARS

#: Sample points at which a side's value is compared with the loss before the difference is expanded.
POINTS = 2


@dataclass(frozen=True)
class SideReading:
    """What a side names in a problem: `known` when it binds through the notation; `target` the
    canonical name ('L', 'dL/dW1') when it is the loss or the gradient of the loss by a parameter."""

    known: bool
    target: str | None = None
    reason: str = ""
    name: bool = False  # the side is one name (x, \\mathbf{a}_k, W^{(1)}): what a definition defines


def function_head(name: str) -> str:
    """The name a definition defines, without its argument: 'l_2(\\mathbf{w})' -> 'l_2'."""
    return " ".join(name.split("(", 1)[0].split())


def claims_where(problem: NetworkProblem) -> dict[str, str]:
    """The `where` definitions of the problem's own claims that mean one thing throughout the
    problem (a name two claims define differently is left out): the problem author's reading of
    the student's names (f(\\cdot) = f(W^{(1)} x_k + b^{(1)})), notation like the [notation] table."""
    seen: dict[str, set[str]] = {}
    for claim in problem.claims:
        where = claim.options.get("where")
        if isinstance(where, dict):
            for name, value in where.items():
                if isinstance(name, str) and isinstance(value, str):
                    seen.setdefault(name, set()).add(" ".join(value.split()))
    heads: dict[str, int] = {}  # functions (l_2(\\mathbf{w}), l_2(\\mathbf{c})) defined with two arguments
    for name in seen:
        if "(" in name:
            heads[function_head(name)] = heads.get(function_head(name), 0) + 1
    return {name: values.pop() for name, values in seen.items()
            if len(values) == 1 and heads.get(function_head(name), 0) <= 1}


def audit_view(problem: NetworkProblem) -> NetworkProblem:
    """A copy of `problem` whose notation also binds each parameter's `latex` to the parameter
    (the [notation] table wins where both name the same thing), so a document that writes
    W^{(1)} is read without a table entry for it; and the names its claims define consistently
    (`claims_where`), each kept only when it reads."""
    automatic = {}
    for key, spec in problem.net.params.items():
        if spec.latex and spec.latex != key:
            automatic[spec.latex] = key
    try:
        table = NotationTable.from_dict(automatic)
    except (SymderivError, ValueError, TypeError):
        table = NotationTable.from_dict({})
    own = problem.notation if problem.notation is not None else NotationTable.from_dict({})
    merged = own.with_where({})
    merged.names = {**table.names, **own.names}
    for name, value in claims_where(problem).items():
        try:
            merged = merged.with_where({name: value})
        except (SymderivError, ValueError, TypeError):
            continue
    view = copy.copy(problem)
    for cached in ("_formula_scope", "_data_values"):
        view.__dict__.pop(cached, None)
    view.notation = merged
    return view


def _bound(judge: Judge, latex: str):
    """The value of `latex` in the judge's scope at index 1 of every free index; NotationError
    (or a limit error) when it does not bind."""
    node = parse_one(latex)
    side = Side(node, False, latex)
    env = {letter: 1 for letter in judge.free_ranges([side])}
    return node, judge.evaluate(side, env)


def _is_name(node: A.Node) -> bool:
    """One name (x, \\mathbf{a}_k, W^{(1)}) or one named function of one name (l_2(\\mathbf{w})):
    what a definition can define."""
    if name_key(node) is not None:
        return True
    if isinstance(node, A.Juxt) and len(node.items) == 2:
        head, argument = node.items
        return (name_key(head) is not None and isinstance(argument, A.Group) and argument.kind == "("
                and len(argument.items) == 1 and name_key(argument.items[0]) is not None)
    return False


def entrywise(latex: str) -> tuple[str, str] | None:
    """`F(x)_i` (a function of one name, one index letter; parsed as F then `(x)_i`): the function
    `F(x)` and the letter, for a definition `F(x)_i = body` of F entry by entry; None otherwise."""
    try:
        node = parse_one(latex)
    except (NotationError, SymderivError):
        return None
    if not (isinstance(node, A.Juxt) and len(node.items) == 2 and isinstance(node.items[1], A.Sub)):
        return None
    head, scripted = node.items
    argument, index = scripted.body, scripted.index
    if not (len(index) == 1 and isinstance(index[0], A.Name) and len(index[0].text) == 1
            and index[0].text.isalpha() and isinstance(argument, A.Group)):
        return None
    function = A.Juxt(node.pos, (head, argument))
    if not _is_name(function) or name_key(function) is not None:
        return None
    return unparse(function), index[0].text


def as_definition(name: str, value: str) -> tuple[str, str]:
    """A definition as the notation takes it: `F(x)_i = body` becomes `F(x) = [body]_i` (the
    vector of its entries, the range of i found from the body); any other is kept."""
    found = entrywise(name)
    if found is None:
        return name, value
    function, letter = found
    return function, f"\\left[ {value} \\right]_{{{letter}}}"


def _matrix(value) -> sp.Matrix | None:
    if isinstance(value, sp.MatrixBase):
        return sp.Matrix(value)
    if isinstance(value, sp.Expr):
        return sp.Matrix([[value]])
    return None  # an array of more indices (a derivative of a matrix by a matrix): not L, not a parameter


def _same(a, b, scope=None) -> bool:
    """a and b are the same matrix (a vector in either orientation), entry by entry: proved by
    expanding each difference, after the entries are compared at the scope's points (exactly, or
    by intervals), where two that differ there are told apart without expanding them."""
    a, b = _matrix(a), _matrix(b)
    if a is None or b is None:
        return False
    if a.shape != b.shape and a.shape == b.shape[::-1] and 1 in a.shape:
        a = a.T
    if a.shape != b.shape:
        return False
    if scope is not None and _differ_at_points(scope, a, b):
        return False
    return all(sp.expand(x - y) == 0 for x, y in zip(a, b, strict=True))


def _differ_at_points(scope, a: sp.Matrix, b: sp.Matrix) -> bool:
    """Some entry of a and the same entry of b provably differ at one of the scope's sample points
    (the judge's own points and evaluator; False where it cannot tell)."""
    try:
        values = point_values(scope, sample_points(scope, POINTS))
        for x, y in zip(a, b, strict=True):
            if any(equal(u, v) is False for u, v in zip(values.values(x), values.values(y), strict=True)):
                return True
    except (ArithmeticError, TypeError, ValueError):
        return False
    return False


def read_sides(problem: NetworkProblem, sides: list[str], where: dict[str, str]) -> list[SideReading]:
    """For each side: whether it binds in the problem (with the student's definitions `where`),
    and the canonical target it names (the loss L, or dL/dKEY for a parameter KEY)."""
    found = problem._formula_scope
    if found is None:
        return [SideReading(False, None, "the network is too large to write out") for _ in sides]
    scope, table, _ = found
    if where:
        table = table.with_where(where)
    loss = scope.expand(scope.quantity("L"))
    params = {key: scope.expand(scope.quantity(key)) for key in problem.net.params}
    out: list[SideReading] = []
    for latex in sides:
        if not latex or len(latex) > MAX_SIDE_CHARS:
            out.append(SideReading(False, None, "empty or too long"))
            continue
        judge = Judge(scope, table, latex, points=1)
        try:
            name = _is_name(parse_one(latex)) or entrywise(latex) is not None
        except (NotationError, SymderivError):
            name = False
        try:
            node, value = _bound(judge, latex)
        except (NotationError, SymderivError) as exc:
            out.append(SideReading(False, None, getattr(exc, "message", str(exc)), name))
            continue
        target = None
        if _same(value, loss, scope):
            target = "L"
        elif isinstance(node, A.Deriv) and node.num is not None and len(node.wrt) == 1 and node.order == 1:
            try:
                _, numerator = _bound(judge, unparse(node.num))
                _, by = _bound(judge, unparse(node.wrt[0]))
            except (NotationError, SymderivError):  # a part that does not bind alone names no target
                numerator = by = None
            if numerator is not None and _same(numerator, loss, scope):
                target = next((f"dL/d{key}" for key, leaves in params.items() if _same(by, leaves, scope)), None)
        out.append(SideReading(True, target, "", name))
    return out


def _replaced(node: A.Node, names: dict[object, A.Node]) -> A.Node:
    """`node` with every subtree whose structure is a key of `names` replaced by its value."""
    found = names.get(node.key())
    if found is not None:
        return found
    changes: dict[str, object] = {}
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, A.Node):
            new = _replaced(value, names)
        elif isinstance(value, tuple):
            new = tuple(_replaced(v, names) if isinstance(v, A.Node) else
                        tuple(_replaced(x, names) if isinstance(x, A.Node) else x for x in v)
                        if isinstance(v, tuple) else v for v in value)
        else:
            continue
        if new != value:
            changes[f.name] = new
    return replace(node, **changes) if changes else node


def _formal(name_node: A.Node) -> object | None:
    """The key of the formal parameter of a function definition `F(v)`, else None."""
    if isinstance(name_node, A.Juxt) and len(name_node.items) == 2:
        argument = name_node.items[1]
        if isinstance(argument, A.Group) and len(argument.items) == 1:
            return argument.items[0].key()
    return None


#: letters an index definition is written in (with primes and stars): i = \\lfloor k'/n \\rfloor + 1
INDEX_LETTERS = frozenset("ijklmnpq")


def _index_definition(value: A.Node) -> bool:
    """`value` computes an index: an index formula (written.is_index_formula) in index letters only."""
    return is_index_formula(value) and all(index_letter(sub) is None or index_letter(sub)[0] in INDEX_LETTERS
                                           for sub in A.walk(value) if isinstance(sub, A.Name | A.Prime | A.Sup))


def _substitutable(name: str, node: A.Node, value: A.Node) -> bool:
    """A definition written into later ones: any but a bare lower-case letter defined as an index
    (`i = \\lfloor k'/n \\rfloor + 1` is the table's own, and sums bind such letters); `r = X w - y`,
    `e = y - t` are written out."""
    bare = isinstance(node, A.Name) and len(node.text) == 1 and node.text.islower()
    return not (bare and _index_definition(value))


def expand_definitions(definitions: dict[str, str]) -> dict[str, str]:
    """The student's definitions, each value written out in the names defined before it
    (`A = f(Z)` after `Z = W X^T + b` becomes `A = f((W X^T + b))`): a definition's value is
    read without the other definitions. A function's formal parameter and index letters are
    never replaced. A definition that does not parse is left out."""
    out: dict[str, str] = {}
    names: dict[object, A.Node] = {}
    for name, value in definitions.items():
        try:
            name_node, body = parse_one(name), parse_one(value)
        except (NotationError, SymderivError):
            continue
        formal = _formal(name_node)
        visible = {key: node for key, node in names.items() if key != formal}
        body = _replaced(body, visible) if visible else body
        if _substitutable(name, name_node, body) and formal is None:
            names[name_node.key()] = A.Group(body.pos, "(", (body,))
        out[name] = unparse(body)
    return out


def substitute(latex: str, definitions: dict[str, str]) -> str:
    """`latex` with the student's names written out (for a kind whose reader knows none of them):
    printed back from its tree when a name was replaced, else returned as it is."""
    if not definitions:
        return latex
    try:
        node = parse_one(latex)
        names = {parse_one(name).key(): A.Group(0, "(", (parse_one(value),)) for name, value in definitions.items()
                 if _substitutable(name, parse_one(name), parse_one(value)) and _formal(parse_one(name)) is None}
    except (NotationError, SymderivError):
        return latex
    replaced = _replaced(node, names)
    return latex if replaced is node else unparse(replaced)


def function_definition(latex: str) -> bool:
    """`latex` is a named function of one name, `g_1(\\mathbf{x})`: what a definition defines."""
    try:
        node = parse_one(latex)
    except (NotationError, SymderivError):
        return False
    return name_key(node) is None and _is_name(node)


def correct_value(problem: NetworkProblem, target: str) -> sp.Basic | None:
    """The truth of a canonical target: its exact value at the problem's data (a matrix; 1x1 for
    the loss) when the problem gives all of it, else the gradient's matrix formula; None if neither."""
    key = problem.resolve_target(target)
    if problem.given >= {"X", "T", *problem.net.params}:
        return sp.ImmutableMatrix(problem.truth(key))
    if key != "L":
        step = problem.matrix_form.gradients.get(key)
        if step is not None:
            return step.expr
    return None
