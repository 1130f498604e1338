"""The notation's syntax tree printed back to LaTeX by symderiv itself: the only way a
student's formula (or a name from a problem file) reaches a TeX document.

Every node class of `ast` has one rule that emits only known commands; names are letters,
commands from a fixed list of symbols, or escaped text; scripts are braced unless they are
one letter or digit. Printing a parsed formula and parsing the result gives the same tree.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from ..core.errors import NotationError
from ..core.texsafe import inert, text_math
from . import ast as A
from .parse import parse

#: Commands a name may be: Greek letters and symbols (a name written as any other command
#: is shown as its text, \mathtt{\backslash name}).
NAME_COMMANDS = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi
rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
infty nabla partial ell imath jmath lfloor rfloor lceil rceil langle rangle lVert rVert lvert rvert Vert vert
mid backslash cdot times odot otimes oplus circ ast star div pm mp bullet setminus cup cap wedge vee neg
le leq ge geq ne neq ll gg in notin subset subseteq supset supseteq equiv approx sim simeq propto to
mapsto rightarrow leftarrow Rightarrow iff forall exists emptyset varnothing top bot perp prime
ldots cdots vdots ddots dots quad qquad colon bmod sqrt overline underline widetilde dot ddot
prod int lim sup inf arg
""".split())
#: Named operators LaTeX knows as commands (others print as \operatorname{...}).
FUNCTIONS = frozenset("exp log ln sin cos tan tanh sinh cosh sec csc cot coth arcsin arccos arctan max min det arg sup "
                      "inf gcd".split())
STYLES = {"mathbf": "mathbf", "boldsymbol": "boldsymbol", "bm": "boldsymbol", "mathit": "mathit",
          "mathsf": "mathsf", "pmb": "pmb", "mathrm": "mathrm", "vec": "vec", "underline": "underline"}
DECORATIONS = frozenset({"mathcal", "hat", "tilde", "bar", "widehat", "mathbb"})
RELATIONS = {"=": "=", "<": "<", ">": ">", "<=": r"\le", ">=": r"\ge", "!=": r"\ne", "in": r"\in",
             "equiv": r"\equiv", "approx": r"\approx", ":=": ":="}
BINARY = {"+": " + ", "-": " - ", "cdot": r" \cdot ", "odot": r" \odot ", "times": r" \times ", "/": " / ",
          "circ": r" \circ ", "otimes": r" \otimes "}
NORM_KINDS = {"": "", "1": "_{1}", "2": "_{2}", "F": "_{F}", "infty": r"_{\infty}"}
#: Nodes printed as several tokens: a script on one needs braces around it ({-x}^2 is not -x^2).
_COMPOUND = A.Neg | A.BinOp | A.Juxt | A.Sum | A.Apply | A.Rel | A.Eval
_MATRIX_ENV = re.compile(r"\\begin\{([bpvBV]?matrix)\}")
_DOTS = re.compile(r"\\([lcv]?dots)(?![a-zA-Z])")
_TEXT = re.compile(r"\\(text|textrm|textit)\{")


#: Commands of NAME_COMMANDS that take an argument in TeX (\sqrt{x}): never printed bare.
ARGUMENT_COMMANDS = frozenset({"sqrt", "overline", "underline", "widetilde", "dot", "ddot"})


def _takes_argument(node: A.Node) -> bool:
    return isinstance(node, A.Name) and not node.decor and node.text.lstrip("\\") in ARGUMENT_COMMANDS


class Unparser:
    """Prints one parsed formula; `source` is the text it was parsed from (the positions
    of its nodes point into it), consulted only for how a construct was spelled (which
    matrix brackets, \\left or not, \\text or a letter run), never copied to the output."""

    def __init__(self, source: str = "", explicit: bool = False) -> None:
        self.source, self.explicit = source, explicit

    def print(self, node: A.Node) -> str:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise TypeError(f"no LaTeX rule for {type(node).__name__}")
        return method(node)

    # ------------------------------------------------------------------ leaves
    def _Num(self, node: A.Num) -> str:
        return node.text if re.fullmatch(r"\d*\.?\d+", node.text) else text_math(node.text)

    def _Name(self, node: A.Name) -> str:
        if _TEXT.match(self.source, node.pos):
            return text_math(node.text)
        body = name_latex(node.text)
        if _takes_argument(node):  # \sqrt with nothing after it: an empty argument (TeX needs one)
            return body + "{}"
        decor = node.decor if node.decor in DECORATIONS else ""
        return rf"\{decor}{{{body}}}" if decor else body

    def _Func(self, node: A.Func) -> str:
        if node.name in FUNCTIONS:
            return "\\" + node.name
        if re.fullmatch(r"[A-Za-z]+", node.name):
            return rf"\operatorname{{{node.name}}}"
        return text_math(node.name)

    def _Canon(self, node: A.Canon) -> str:
        return rf"\mathrm{{{node.name}}}" if re.fullmatch(r"[A-Za-z0-9]+", node.name) else text_math(node.name)

    def _Transpose(self, node: A.Transpose) -> str:
        return r"\top"

    def _Placeholder(self, node: A.Placeholder) -> str:
        return r"(\cdot)"

    def _Colon(self, node: A.Colon) -> str:
        return ":"

    def _Dots(self, node: A.Dots) -> str:
        m = _DOTS.match(self.source, node.pos)
        return "\\" + (m.group(1) if m else "dots")

    # ------------------------------------------------------------------ scripts
    def _Styled(self, node: A.Styled) -> str:
        style = node.style if node.style in DECORATIONS else STYLES.get(node.style, "mathrm")  # \mathbb{1}
        return rf"\{style}{{{self._inner(node.body)}}}"

    def _Sub(self, node: A.Sub) -> str:
        body = self.print(node.body)
        if isinstance(node.body, A.Sub) or _compound(node.body) or (
                isinstance(node.body, A.Sup) and isinstance(node.body.body, A.Sub)):
            body = f"{{{body}}}"
        return f"{body}_{self._index(node.index)}"

    def _Sup(self, node: A.Sup) -> str:
        body = self.print(node.body)
        if isinstance(node.body, (A.Sup, A.Prime)) or _compound(node.body) or (
                isinstance(node.body, A.Sub) and isinstance(node.body.body, (A.Sup, A.Prime))):
            body = f"{{{body}}}"
        return f"{body}^{self._script(node.exponent)}"

    def _Prime(self, node: A.Prime) -> str:
        body = self.print(node.body)
        inner = node.body
        while isinstance(inner, A.Sub | A.Sup):  # f(x)_i': the prime would not reach f's value
            inner = inner.body
        if isinstance(node.body, A.Sup | _COMPOUND) or isinstance(inner, _COMPOUND) or (
                isinstance(node.body, A.Sub) and isinstance(node.body.body, A.Sup)):
            body = f"{{{body}}}"
        return f"{body}'"

    def _script(self, node: A.Node) -> str:
        """A sub- or superscript: one letter or digit bare, anything else in braces."""
        if isinstance(node, A.Num) and re.fullmatch(r"\d", node.text):
            return node.text
        if isinstance(node, A.Name) and node.text == "*":
            return "*"
        if (isinstance(node, A.Name) and re.fullmatch(r"[A-Za-z]", node.text) and not node.decor
                and not _TEXT.match(self.source, node.pos)):
            return node.text
        if isinstance(node, A.Group) and node.kind == "s":
            return "{" + ", ".join(self.print(x) for x in node.items) + "}"
        return f"{{{self.print(node)}}}"

    def _index(self, items: tuple[A.Node, ...]) -> str:
        """A subscript's indices: letters written side by side (W_{nm}) stay side by side,
        others are separated by commas (w_{i,j})."""
        if len(items) == 1:
            return self._script(items[0])
        letters = all(_letter(x) for x in items)
        adjacent = all(b.pos - a.pos == 1 for a, b in itertools.pairwise(items))
        sep = "" if letters and adjacent else ", "
        return "{" + sep.join(self.print(x) for x in items) + "}"

    # ------------------------------------------------------------------ brackets
    def _Group(self, node: A.Group) -> str:
        inner = ", ".join(self.print(x) for x in node.items)
        if node.kind in ("floor", "ceil"):
            return rf"\left\l{node.kind} {inner} \right\r{node.kind}"
        if node.kind in ("g", "s"):
            return f"{{{inner}}}"
        left, right = {"(": ("(", ")"), "[": ("[", "]"), "{": (r"\{", r"\}")}.get(node.kind, ("(", ")"))
        if self._sized(node.pos):
            return rf"\left{left}{inner}\right{right}"
        return f"{left}{inner}{right}"

    def _Interval(self, node: A.Interval) -> str:
        left = "(" if node.left_open else "["
        right = ")" if node.right_open else "]"
        inner = f"{self.print(node.lo)}, {self.print(node.hi)}"
        if self._sized(node.pos):
            return rf"\left{left}{inner}\right{right}"
        return f"{left}{inner}{right}"

    def _sized(self, pos: int) -> bool:
        """Whether the bracket at `pos` was written with \\left."""
        return self.source[max(0, pos - 40):pos].rstrip().endswith("\\left")

    def _inner(self, node: A.Node) -> str:
        """The body of a command argument: a bare group's items without their braces."""
        if isinstance(node, A.Group) and node.kind == "g":
            return ", ".join(self.print(x) for x in node.items)
        return self.print(node)

    # ------------------------------------------------------------------ operators
    def _operand(self, node: A.Node, level: int, last: bool = True, product: bool = False) -> str:
        """`node` printed where the grammar reads only `level` or tighter (see _level); in braces
        (an invisible TeX group, read back as the same tree) where it would be read otherwise.
        Not `last`: something follows side by side (or, with `product`, after \\cdot ...), so a
        sum or an operator whose operand would take it needs braces too."""
        out = self.print(node)
        if _level(node) < level or (not last and _runs_on(node, product)):
            return f"{{{out}}}"
        return out

    def _Neg(self, node: A.Neg) -> str:
        body = self._operand(node.body, 3)
        return f"-{body}" if isinstance(node.body, A.Num) else f"- {body}"

    def _BinOp(self, node: A.BinOp) -> str:
        op = BINARY.get(node.op)
        if op is None:
            raise TypeError(f"unknown operator {node.op!r}")
        additive = node.op in ("+", "-")
        left = self._operand(node.left, 1 if additive else 2, last=additive, product=True)
        return f"{left}{op}{self._operand(node.right, 2 if additive else 3)}"

    def _Juxt(self, node: A.Juxt) -> str:
        n, out, k = len(node.items), [], 0
        while k < n:
            x = node.items[k]
            if _takes_argument(x) and k + 1 < n:  # \sqrt x: the command over the item after it
                out.append(rf"{name_latex(x.text)}{{{self._inner(node.items[k + 1])}}}")
                k += 2
                continue
            out.append(self._operand(x, 5 if k < n - 1 else 4, last=k == n - 1))
            k += 1
        return " ".join(out)

    def _Sum(self, node: A.Sum) -> str:
        index = name_latex(node.index)
        below = index if node.lower is None else f"{index}={self.print(node.lower)}"
        out = rf"\{'prod' if node.product else 'sum'}_{{{below}}}"
        if node.upper is not None:
            out += f"^{self._script(node.upper)}"
        if self.explicit and not isinstance(node.body, A.Group):
            return rf"{out} \left[ {self.print(node.body)} \right]"
        return f"{out} {self._operand(node.body, 2)}"

    def _Frac(self, node: A.Frac) -> str:
        return rf"\frac{{{self._inner(node.num)}}}{{{self._inner(node.den)}}}"

    def _Deriv(self, node: A.Deriv) -> str:
        d = "d" if node.total else r"\partial"
        top = d if node.order == 1 else rf"{d}^{{{node.order}}}"
        if node.num is not None:
            top += " " + self._operand(node.num, 4)
        bottom = " ".join(rf"{d} {self._operand(w, 4)}" for w in node.wrt)
        return rf"\frac{{{top}}}{{{bottom}}}"

    def _Apply(self, node: A.Apply) -> str:
        if self.explicit and not isinstance(node.arg, A.Group):  # the operand as read
            return rf"{self.print(node.op)} \left[ {self.print(node.arg)} \right]"
        derivative = isinstance(node.op, A.Deriv | A.Nabla)  # takes products; a function, juxtaposed ones
        return f"{self.print(node.op)} {self._operand(node.arg, 2 if derivative else 4)}"

    def _Nabla(self, node: A.Nabla) -> str:
        out = r"\nabla" if node.order == 1 else rf"\nabla^{{{node.order}}}"
        return out + (f"_{self._index(node.wrt)}" if node.wrt else "")

    def _Norm(self, node: A.Norm) -> str:
        return rf"\lVert {self.print(node.body)} \rVert{NORM_KINDS.get(node.kind, '')}"

    def _Bars(self, node: A.Bars) -> str:
        return rf"\lvert {self.print(node.body)} \rvert"

    def _Inner(self, node: A.Inner) -> str:
        return rf"\langle {self.print(node.left)}, {self.print(node.right)} \rangle"

    def _Eval(self, node: A.Eval) -> str:
        at = ", ".join(self.print(r) for r in node.at)
        return rf"\left. {self.print(node.body)} \right|_{{{at}}}"

    def _Matrix(self, node: A.Matrix) -> str:
        m = _MATRIX_ENV.match(self.source, node.pos)
        env = m.group(1) if m else "bmatrix"
        rows = r" \\ ".join(" & ".join(self.print(x) for x in row) for row in node.rows)
        return rf"\begin{{{env}}} {rows} \end{{{env}}}"

    def _Cases(self, node: A.Cases) -> str:
        rows = []
        for value, cond in node.rows:
            rows.append(f"{self.print(value)} & " + (r"\text{otherwise}" if cond is None
                                                     else rf"\text{{if }} {self.print(cond)}"))
        return r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"

    # ------------------------------------------------------------------ relations
    def _Rel(self, node: A.Rel) -> str:
        return f"{self.print(node.left)} {relation(node.op)} {self.print(node.right)}"

    def _Chain(self, node: A.Chain, align: bool = False) -> str:
        out = self.print(node.sides[0])
        for n, (op, side) in enumerate(zip(node.ops, node.sides[1:], strict=True)):
            out += f" {'&' if align and n == 0 else ''}{relation(op)} {self.print(side)}"
        return out

    def _Document(self, node: A.Document) -> str:
        if len(node.chains) == 1:
            return self._Chain(node.chains[0])
        lines = [self._Chain(c, align=len(c.sides) > 1) for c in node.chains]
        return r"\begin{aligned} " + r" \\ ".join(lines) + r" \end{aligned}"


def _level(node: A.Node) -> int:
    """How tightly the grammar binds `node`: 1 a sum or difference, 2 a product with an operator
    (\\cdot ...), 3 a negation, 4 items side by side, 5 one item."""
    if isinstance(node, A.BinOp):
        return 1 if node.op in ("+", "-") else 2
    if isinstance(node, A.Neg):
        return 3
    if isinstance(node, A.Juxt):
        return 4
    return 5


def _runs_on(node: A.Node, product: bool) -> bool:
    """A \\sum or a derivative operator, whose operand runs to the end of the product (over
    \\cdot too), or a function without a bracket, whose operand runs over what is written side
    by side (`product` False): it can only be the last factor there."""
    if isinstance(node, A.Sum):
        return True
    if isinstance(node, A.Apply):
        if isinstance(node.op, A.Deriv | A.Nabla):
            return True
        closed = isinstance(node.arg, A.Group) and isinstance(node.op, A.Func | A.Sup)
        return not closed and not product
    return False


def _compound(node: A.Node) -> bool:
    """Printed as several tokens, so a script on it needs braces; a function's bracket is not
    (\\exp (x)^2: the script belongs to the function's value when read back)."""
    if isinstance(node, A.Apply) and isinstance(node.arg, A.Group) and node.arg.kind in ("(", "[", "{"):
        return not isinstance(node.op, A.Func | A.Sup)
    return isinstance(node, _COMPOUND)


def _letter(node: A.Node) -> bool:
    return isinstance(node, A.Name) and len(node.text) == 1 and node.text.isalpha() and not node.decor


def relation(op: str) -> str:
    """A relation of the tree (=, <=, in, ...) as LaTeX."""
    return RELATIONS.get(op) or text_math(op)


def name_latex(text: str) -> str:
    """A name as LaTeX: letters as they are, a listed command (\\alpha, \\infty) as itself,
    ' as \\prime, any other command as its text (\\mathtt{\\backslash name}), anything else
    as escaped text."""
    if re.fullmatch(r"[A-Za-z]+", text) or text == "*":
        return text
    if text == "'":
        return r"\prime"
    m = re.fullmatch(r"\\([A-Za-z]+)", text)
    if m:
        return text if m.group(1) in NAME_COMMANDS else rf"\mathtt{{\backslash {m.group(1)}}}"
    return text_math(text)


def unparse(node: A.Node, source: str = "") -> str:
    """`node` as LaTeX (see Unparser); `source` is the text it was parsed from, if any."""
    return Unparser(source).print(node)


def reading(text: str) -> str:
    """How `text` is read: its parsed tree printed with a bracket \\left[ ... \\right] around
    every operand an operator or a \\sum takes that was written without one."""
    source = text.strip().strip("$").strip()
    return Unparser(source, explicit=True).print(parse(source))


@lru_cache(maxsize=4096)
def formula_latex(text: str) -> str | None:
    """The formula `text` printed from its parsed tree, or None when it does not parse (the
    caller then shows it as escaped text). The result is checked inert (texsafe.inert)."""
    source = text.strip().strip("$").strip()
    try:
        out = unparse(parse(source), source)
    except (NotationError, TypeError, RecursionError):
        return None
    return out if inert(out) else None


def display_name(text: str) -> str:
    """A name from a problem file (a parameter's `latex`) printed from its parsed tree;
    NotationError when it is not one expression."""
    source = text.strip().strip("$").strip()
    doc = parse(source)
    if len(doc.chains) != 1 or len(doc.chains[0].sides) != 1:
        raise NotationError(text, "expected a name such as W^{(1)}, not an equation", 0)
    out = unparse(doc, source)
    if not inert(out):  # pragma: no cover - the printer emits only listed commands
        raise NotationError(text, "cannot be typeset safely", None)
    return out
