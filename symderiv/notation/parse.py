"""LaTeX text to the notation's syntax tree: lark (LALR) grammar, then one Transformer."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..core.errors import NotationError
from ..core.limits import FUNCTION_MAX_NESTING
from ..core.netproof import cache_dir
from . import ast as A
from . import operators as O
from .inputcheck import TEX_PROGRAMMING, check_braces, check_colons, check_connectives, check_input, check_size

__all__ = ["TEX_PROGRAMMING", "check_braces", "check_input", "parse", "parse_one"]

_GRAMMAR = (Path(__file__).with_name("grammar.lark")).read_text(encoding="utf-8")

_TOKEN_NAMES = {
    "RBRACE": "'}'",
    "LBRACE": "'{'",
    "RPAR": "')'",
    "LPAR": "'('",
    "RSQB": "']'",
    "LSQB": "'['",
    "REL": "a relation (=, <, \\leq, \\in)",
    "NUMBER": "a number",
    "WORD": "a name",
    "SCRIPT_CHAR": "a letter or digit",
    "COMMAND": "a command",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "CDOT": "\\cdot",
    "AMP": "'&'",
    "ROWSEP": "'\\\\'",
    "END_MATRIX": "\\end{...matrix}",
    "END_CASES": "\\end{cases}",
    "RSET": "'\\}'",
    "END_ALIGNED": "\\end{aligned}",
    "PARTIAL": "\\partial",
    "COMMA": "','",
    "$END": "end of input",
    "FRAC": "\\frac",
    "SUM": "\\sum",
    "PRIME": "'",
    "STAR": "'*'",
    "NORM_OPEN": "\\|",
    "NORM_CLOSE": "a closing \\|",
    "BAR_OPEN": "'|'",
    "BAR_CLOSE": "a closing '|'",
    "EVALBAR": "an evaluation bar |_{...}",
    "LANGLE": "\\langle",
    "RANGLE": "\\rangle",
    "RFLOOR": "\\rfloor",
    "RCEIL": "\\rceil",
    "CIRC": "\\circ",
    "OTIMES": "\\otimes",
}


def _tables_file(canonical: bool) -> str | bool:
    """Where lark keeps the parser's LALR tables between runs (building them takes 0.3 s of CPU, the
    first formula of every command): the user's own symderiv cache (core.netproof.cache_dir); lark
    checks the file against the grammar's digest and rebuilds it on a mismatch. False (no cache)
    when that folder cannot be made."""
    folder = cache_dir() / "parser"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return False
    return str(folder / f"notation-{'canonical' if canonical else 'plain'}.lark")


@cache
def _parser(canonical: bool) -> Lark:
    grammar = _GRAMMAR
    if canonical:  # canonical names in a [notation] table may carry digits: W1, z1, A2
        grammar = grammar.replace("WORD: /[A-Za-z]+/", "WORD: /[A-Za-z][A-Za-z0-9]*/")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=O.Bars(),
        cache=_tables_file(canonical),
    )


def _pos(meta_or_token: object) -> int:
    if isinstance(meta_or_token, Token):
        return meta_or_token.start_pos or 0
    return getattr(meta_or_token, "start_pos", 0) or 0


def _strip_cmd(text: str) -> str:
    return text.lstrip("\\")


@v_args(meta=True)
class _Brackets(Transformer):
    """_ToAst's rules for brackets, fractions and derivatives, matrices and cases (a mixin: the
    methods take lark's meta)."""

    def paren(self, meta, items):
        return A.Group(_pos(meta), "(", tuple(items[0]))

    def placeholder(self, meta, items):
        return A.Placeholder(_pos(meta))

    def bracket(self, meta, items):
        return A.Group(_pos(meta), "[", tuple(items[0]))

    def floor(self, meta, items):  # \lfloor a \rfloor, \lceil a \rceil: one bracketed expression
        return A.Group(_pos(meta), "floor", (items[1],))

    def ceil(self, meta, items):
        return A.Group(_pos(meta), "ceil", (items[1],))

    def interval_co(self, meta, items):
        return _interval(items[0], _pos(meta), False, True)

    def interval_oc(self, meta, items):
        return _interval(items[0], _pos(meta), True, False)

    def setbraces(self, meta, items):
        return A.Group(_pos(meta), "{", tuple(items[1]))

    def group(self, meta, items):
        return _single(items[0], _pos(meta))

    def frac_chars(self, meta, items):
        """\\frac12, \\tfrac1n: TeX's fraction of two single characters, \\frac{1}{2}."""
        return A.Frac(_pos(meta), self.script_char(meta, [items[1]]), self.script_char(meta, [items[2]]))

    def frac(self, meta, items):
        _, num, den = items
        if num[0] == "partial":
            if den[0] != "partial":
                raise _SemanticError("a derivative needs \\partial in the denominator", _pos(meta))
            parts = num[1]
            if len(parts) != 1:
                raise _SemanticError("one \\partial expected in the numerator", _pos(meta))
            order, body = parts[0]
            wrt = tuple(b for _, b in den[1])
            if any(b is None for b in wrt):
                raise _SemanticError("\\partial in a denominator needs a variable", _pos(meta))
            return A.Deriv(_pos(meta), body, wrt, max(order, len(wrt)))
        if den[0] == "partial":
            raise _SemanticError("\\partial in the denominator only", _pos(meta))
        return O.leibniz(num[1], den[1], _pos(meta)) or A.Frac(_pos(meta), num[1], den[1])

    def fpart_expr(self, meta, items):
        return ("expr", items[0])

    def fpart_partial(self, meta, items):
        return ("partial", list(items))

    def dpart(self, meta, items):
        order = 1
        body = items[-1]
        if len(items) == 3 and isinstance(items[1], A.Num):
            order = int(items[1].text)
        return (order, body)

    def matrix(self, meta, items):
        begin, end = items[0], items[-1]
        if isinstance(begin, Token) and isinstance(end, Token) and begin[len("\\begin"):] != end[len("\\end"):]:
            raise _SemanticError(f"{begin} ends with {end}", end.start_pos if end.start_pos is not None else _pos(meta))
        rows = tuple(r for r in items if isinstance(r, tuple))
        if len({len(r) for r in rows}) > 1:
            raise _SemanticError("matrix rows of different lengths", _pos(meta))
        return A.Matrix(_pos(meta), rows)

    def mrow(self, meta, items):
        return tuple(x for x in items if not isinstance(x, Token))

    def cases(self, meta, items):
        return A.Cases(_pos(meta), tuple(r for r in items if isinstance(r, tuple)))

    def crow(self, meta, items):
        value = items[0]
        cond = items[-1] if not isinstance(items[-1], Token) and len(items) > 1 else None
        return (value, cond)


@v_args(meta=True)
class _ToAst(_Brackets):
    """Lark tree to frozen dataclasses; every rule of grammar.lark has one method."""

    def start(self, meta, items):
        for it in items:
            if isinstance(it, A.Document):
                return it
        raise AssertionError("no document")

    def alines(self, meta, items):
        chains: list[A.Chain] = []
        dangling = False  # the previous line ended with a relation: "a = \\\\ &= b"
        for line in items:
            if isinstance(line, Token):
                continue
            sides, ops = line
            ends_open = len(sides) > 1 and sides[-1] is None
            if ends_open:
                sides = sides[:-1]
            if any(s is None for s in sides[1:]):
                raise _SemanticError("a relation without a right-hand side", _pos(meta))
            if not sides or (sides[0] is None and not ops):
                dangling = dangling or ends_open
                continue
            if sides[0] is None and chains:  # a line that continues the chain: "&= ..."
                if dangling:
                    ops = ops[1:]
                prev = chains[-1]
                chains[-1] = A.Chain(prev.pos, prev.sides + tuple(sides[1:]), prev.ops + tuple(ops))
            elif dangling and chains:  # "a = \\\\ b": this line is the right-hand side of that relation
                prev = chains[-1]
                chains[-1] = A.Chain(prev.pos, prev.sides + tuple(sides), prev.ops + tuple(ops))
            else:
                if sides[0] is None:
                    sides, ops = sides[1:], ops[1:]
                if not sides:
                    continue
                chains.append(A.Chain(sides[0].pos, tuple(sides), tuple(ops)))
            dangling = ends_open
        if chains and len(chains[-1].ops) >= len(chains[-1].sides):
            last = chains[-1]
            chains[-1] = A.Chain(last.pos, last.sides, last.ops[: len(last.sides) - 1])
        return A.Document(chains[0].pos if chains else 0, tuple(chains))

    def aline(self, meta, items):
        sides: list[A.Node | None] = []
        ops: list[str] = []
        for it in items:
            if isinstance(it, Token):
                if it.type == "REL":
                    if len(sides) > 1 and sides[-1] is None:
                        raise _SemanticError("a relation without a right-hand side", _pos(it))
                    ops.append(_rel(it))
                continue
            sides.append(it)
        return sides, ops

    def content(self, meta, items):
        return tuple(items)

    def chain(self, meta, items):
        sides = [x for x in items if not isinstance(x, Token)]
        ops = [_rel(x) for x in items if isinstance(x, Token)]
        node = sides[0]
        for op, right in zip(ops, sides[1:], strict=True):
            node = A.Rel(_pos(meta), op, node, right)
        return node

    def add(self, meta, items):
        return A.BinOp(_pos(meta), "+", items[0], items[2])

    def sub(self, meta, items):
        return A.BinOp(_pos(meta), "-", items[0], items[2])

    def dot(self, meta, items):
        return O.product("cdot", items[0], items[2], _pos(meta))

    def odot(self, meta, items):
        return O.product("odot", items[0], items[2], _pos(meta))

    def times(self, meta, items):
        return O.product("times", items[0], items[2], _pos(meta))

    def div(self, meta, items):
        return O.product("/", items[0], items[2], _pos(meta))

    def circ(self, meta, items):
        return O.product("circ", items[0], items[2], _pos(meta))

    def otimes(self, meta, items):
        return O.product("otimes", items[0], items[2], _pos(meta))

    def norm(self, meta, items):
        return A.Norm(_pos(meta), _single(items[1], _pos(meta)))

    def bars(self, meta, items):
        return A.Bars(_pos(meta), _single(items[1], _pos(meta)))

    def inner(self, meta, items):
        if len(items[1]) != 2:
            raise _SemanticError("\\langle a, b \\rangle takes two entries", _pos(meta))
        return A.Inner(_pos(meta), items[1][0], items[1][1])

    def evalbar(self, meta, items):
        body, _bar, *at = items
        return A.Eval(_pos(meta), body, tuple(at))

    def evalpoint(self, meta, items):
        return A.Rel(_pos(meta), _rel(items[1]), items[0], items[2])  # binding checks it is x = x_0

    def neg(self, meta, items):
        return A.Neg(_pos(meta), items[1])

    def pos(self, meta, items):
        return items[1]

    def juxt(self, meta, items):
        flat = [y for x in items for y in (x.items if isinstance(x, A.Juxt) else (x,))]  # \mathbf{a b}^T
        items = O.apply_operators(flat)
        if len(items) == 1:
            return items[0]
        return A.Juxt(_pos(meta), tuple(items))

    def bigsum(self, meta, items):
        big, (index, lower, upper), body = items
        return O.sum_over(_pos(meta), index, lower, upper, body, product=big.value == "\\prod")

    def limits(self, meta, items):
        sub, sup = ([*items, None, None])[:2]
        return _limits(sub, sup, _pos(meta))

    def limits_rev(self, meta, items):
        return _limits(items[1], items[0], _pos(meta))

    def subscr(self, meta, items):
        body, script = items
        idx = script.items if isinstance(script, A.Group) and script.kind == "s" else (script,)
        if (
            len(idx) == 1
            and isinstance(idx[0], A.Name)
            and not idx[0].decor
            and idx[0].text.isalpha()
            and len(idx[0].text) > 1
        ):  # W_{nm}: two index letters
            idx = tuple(A.Name(idx[0].pos + n, ch) for n, ch in enumerate(idx[0].text))
        elif len(idx) == 1 and isinstance(idx[0], A.Juxt) and all(
            isinstance(x, A.Name) and not x.decor and len(x.text) == 1 and x.text.isalpha() for x in idx[0].items
        ):  # X_{k l}: index letters written apart, as W_{kl}
            idx = idx[0].items
        elif (
            len(idx) == 1
            and isinstance(idx[0], A.Prime)
            and isinstance(idx[0].body, A.Name)
            and not idx[0].body.decor
            and idx[0].body.text.isalpha()
            and len(idx[0].body.text) > 1
        ):  # J_{ik'}: two index letters, the last one primed
            run = idx[0].body
            *first, last = (A.Name(run.pos + n, ch) for n, ch in enumerate(run.text))
            idx = (*first, A.Prime(idx[0].pos, last))
        return (O.nabla_sub(body, idx, _pos(meta)) or O.norm_sub(body, idx)
                or O.bold_run(body, lambda last: A.Sub(last.pos, last, idx)) or A.Sub(_pos(meta), body, idx))

    def supscr(self, meta, items):
        body, script = items
        exponent = _unwrap(script)
        if (isinstance(exponent, A.Styled) and exponent.style in ("mathrm", "mathsf")
                and isinstance(exponent.body, A.Name) and exponent.body.text == "T"):
            exponent = A.Transpose(exponent.pos)  # w^{\mathrm{T}}: Bishop's transpose, in braces
        scripted = O.bold_run(body, lambda last: self.supscr(meta, [last, script]))
        return (O.nabla_sup(body, exponent, _pos(meta)) or scripted
                or O.inverse_transpose(body, exponent, _pos(meta)) or A.Sup(_pos(meta), body, exponent))

    def prime(self, meta, items):
        return A.Prime(_pos(meta), items[0])

    def script_char(self, meta, items):
        tok = items[0]
        if tok.value.isdigit():
            return A.Num(_pos(tok), tok.value)
        return A.Name(_pos(tok), tok.value)

    def script_group(self, meta, items):
        return A.Group(_pos(meta), "s", tuple(items[0]))

    def script_empty(self, meta, items):
        return A.Group(_pos(meta), "s", ())

    def script_cmd(self, meta, items):
        tok = items[0]
        if tok.type == "TRANSPOSE" or tok.value == "\\T":
            return A.Transpose(_pos(tok))
        if tok.type == "PRIME_CMD":
            return A.Name(_pos(tok), "'")
        return A.Name(_pos(tok), tok.value)

    def number(self, meta, items):
        return A.Num(_pos(items[0]), items[0].value)

    def word(self, meta, items):
        return A.Name(_pos(items[0]), items[0].value)

    def command(self, meta, items):
        tok = items[0]
        if tok.type == "TRANSPOSE":
            return A.Transpose(_pos(tok))
        return A.Name(_pos(tok), tok.value)

    def func(self, meta, items):
        text = _strip_cmd(items[0].value)
        if text.startswith("operatorname{"):
            text = text[len("operatorname{") : -1]
        return A.Func(_pos(items[0]), O.operator_name(text) or text)

    def text(self, meta, items):
        raw = items[0].value
        inner = raw[raw.index("{") + 1 : -1].strip()
        name = O.operator_name(inner)
        if (name and len(inner) > 1) or inner in ("max", "min"):  # \text{tr}, \text{softmax}: as \operatorname
            return A.Func(_pos(items[0]), name or inner)
        if len(inner) > 1:  # a word: one label (\lambda_{\text{opt}}), never index letters o, p, t
            return A.Name(_pos(items[0]), inner, "text")
        return A.Name(_pos(items[0]), inner)

    def dots(self, meta, items):
        return A.Dots(_pos(items[0]))

    def partial_sub(self, meta, items):
        """\\partial_x f: the operator \\frac{\\partial}{\\partial x} applied to what follows."""
        script = items[1]
        wrt = script.items if isinstance(script, A.Group) and script.kind == "s" else (script,)
        if len(wrt) != 1:
            raise _SemanticError("\\partial_{x} takes one variable (write \\partial_x \\partial_y for two)", _pos(meta))
        return A.Deriv(_pos(meta), None, tuple(wrt), 1)

    def colon(self, meta, items):
        return A.Colon(_pos(items[0]))

    def styled(self, meta, items):
        style, body = _strip_cmd(items[0].value), _single(items[1], _pos(meta))
        if style == "mathrm" and isinstance(body, A.Name) and not body.decor and len(body.text) > 1 \
                and O.operator_name(body.text):
            return A.Func(_pos(meta), O.operator_name(body.text))  # \mathrm{Tr}, \mathrm{softmax}: the operator
        return A.Styled(_pos(meta), style, body)

    def styled_char(self, meta, items):
        return A.Styled(_pos(meta), _strip_cmd(items[0].value), self.script_char(meta, [items[1]]))

    def decorated(self, meta, items):
        body = _single(items[1], _pos(meta))
        if isinstance(body, A.Name) and not body.decor:
            return A.Name(_pos(meta), body.text, _strip_cmd(items[0].value))
        return A.Styled(_pos(meta), _strip_cmd(items[0].value), body)

    def decorated_char(self, meta, items):
        return A.Name(_pos(meta), items[1].value, _strip_cmd(items[0].value))


class _SemanticError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message, self.pos = message, pos


def _rel(tok: Token) -> str:
    table = {
        "\\leq": "<=",
        "\\le": "<=",
        "\\geq": ">=",
        "\\ge": ">=",
        "\\neq": "!=",
        "\\ne": "!=",
        "\\in": "in",
        "\\equiv": "equiv",
        "\\approx": "approx",
        "\\coloneqq": ":=",
        "\\lt": "<",
        "\\gt": ">",
    }
    return table.get(tok.value, tok.value)


def _unwrap(script: A.Node) -> A.Node:
    if isinstance(script, A.Group) and script.kind == "s":
        if len(script.items) == 1:
            return script.items[0]
        return A.Group(script.pos, "s", script.items)
    return script


def _single(items: tuple[A.Node, ...], pos: int) -> A.Node:
    if len(items) != 1:
        return A.Group(pos, "g", tuple(items))
    return items[0]


def _interval(items: tuple[A.Node, ...], pos: int, lo_open: bool, hi_open: bool) -> A.Node:
    if len(items) != 2:
        raise _SemanticError("an interval has two ends", pos)
    return A.Interval(pos, items[0], items[1], lo_open, hi_open)


def _limits(
    sub: A.Node | None, sup: A.Node | None, pos: int
) -> tuple[str, A.Node | None, A.Node | None]:
    if sub is None:
        raise _SemanticError("a \\sum needs its index: \\sum_k or \\sum_{k=1}^{n}", pos)
    sub = _unwrap(sub)
    sup = _unwrap(sup) if sup is not None else None
    if isinstance(sub, A.Rel) and sub.op == "=" and isinstance(sub.left, A.Name):
        return sub.left.text, sub.right, sup
    if isinstance(sub, A.Name):
        return sub.text, None, sup
    if isinstance(sub, A.Juxt) and all(isinstance(x, A.Name) and len(x.text) == 1 and x.text.isalpha()
                                       for x in sub.items):  # \sum_{k l}: over k and l
        return "".join(x.text for x in sub.items), None, sup
    if isinstance(sub, A.Group) and sub.kind == "s" and len(sub.items) > 1 and all(
            isinstance(x, A.Name) and len(x.text) == 1 and x.text.isalpha() for x in sub.items):
        return "".join(x.text for x in sub.items), None, sup  # \sum_{i,j}: over i and j
    raise _SemanticError("a \\sum's index must be a letter, as in \\sum_{k=1}^{n}", pos)


def parse(latex: str, canonical: bool = False) -> A.Document:
    """Parse a formula (one line, a chain a = b = c, or an aligned block) into a Document.

    Raises NotationError with the offending character marked and what was expected there.
    """
    if not isinstance(latex, str):
        raise NotationError(str(latex), "a formula must be text", None)
    text = latex.strip().strip("$").strip()
    if not text:
        raise NotationError(latex, "empty formula", 0)
    check_size(text)
    check_input(text)
    try:
        tree = _parser(canonical).parse(text)
        doc = _ToAst().transform(tree)
        if A.function_depth(doc) > FUNCTION_MAX_NESTING:
            raise NotationError(text, f"functions nested more than {FUNCTION_MAX_NESTING} deep", 0)
    except UnexpectedCharacters as exc:
        raise NotationError(
            text,
            f"unexpected character {text[exc.pos_in_stream]!r}{_expected(exc)}",
            exc.pos_in_stream,
        ) from None
    except UnexpectedEOF as exc:
        raise NotationError(
            text, f"the formula ends too early{_expected(exc)}", len(text)
        ) from None
    except UnexpectedToken as exc:
        pos = exc.token.start_pos if exc.token.start_pos is not None else len(text)
        if exc.token.type == "$END":
            pos = len(text)
        what = "end of input" if exc.token.type == "$END" else repr(exc.token.value)
        raise NotationError(text, f"unexpected {what}{_expected(exc)}", pos) from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark input errors
        raise NotationError(
            text, f"cannot read the formula: {exc}", getattr(exc, "pos_in_stream", None)
        ) from None
    except Exception as exc:  # lark wraps transformer errors in VisitError
        inner = getattr(exc, "orig_exc", exc)
        if isinstance(inner, _SemanticError | O.SemanticError):
            raise NotationError(text, inner.message, inner.pos) from None
        if isinstance(inner, RecursionError):
            raise NotationError(text, "formula nested too deeply", None) from None
        raise
    if not doc.chains:
        raise NotationError(text, "no formula found", 0)
    check_colons(text, doc)
    check_connectives(text, doc)
    return doc


def _expected(exc: UnexpectedInput) -> str:
    names = sorted(
        {
            _TOKEN_NAMES.get(t, t.lower())
            for t in (getattr(exc, "expected", None) or getattr(exc, "allowed", None) or [])
        }
    )
    if not names:
        return ""
    if len(names) > 8:
        names = [*names[:8], "..."]
    return "; expected " + ", ".join(names)


def parse_one(latex: str, canonical: bool = False) -> A.Node:
    """A formula that must be a single expression (no relation, one line)."""
    doc = parse(latex, canonical)
    if len(doc.chains) != 1 or len(doc.chains[0].sides) != 1:
        raise NotationError(latex, "expected one expression, not an equation", 0)
    return doc.chains[0].sides[0]
