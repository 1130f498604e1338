"""Targets of the problem kinds without a notation table, recognised from a left side as written:
`\\nabla f(u)` is a gradient, `\\frac{\\partial E}{\\partial y_i}` the derivative of a loss."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import NotationError
from ..kinds.base import Problem
from ..notation import ast as A
from ..notation.parse import parse_one
from ..notation.reading import relation_of
from ..notation.sidetext import side_end, side_text
from ..notation.written import name_key
from .network import function_head

_STYLES = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathrm|mathit|vec|pmb|operatorname)\s*")
_SIZED = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)[lr]?\b\s*")
_SPACING = re.compile(r"\\[,;:! ]|\\(?:quad|qquad|displaystyle|textstyle)\b")
#: one name: a letter, a Greek letter, or \mathcal{L}; with an optional argument list
_NAME = r"(?:[A-Za-z]|\\[a-zA-Z]+)"
_ARGUMENT = r"(?:\([^()=]*\))?"
#: names a loss is written with (softmax cross-entropy)
LOSS_NAMES = {"E", "L", "J", "H", r"\ell", r"\mathcal{L}", r"\mathcal{E}", "CE", r"\mathcal{J}"}


def normalise(latex: str) -> str:
    """`latex` with font commands, sized delimiters, spacing and spaces removed, and braces
    around one character dropped (`\\mathbf{u}_{n+1}` -> `u_{n+1}`, `{E}` -> `E`)."""
    text = _SPACING.sub("", _SIZED.sub("", _STYLES.sub("", latex)))
    text = "".join(text.split())
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"(?<![\\a-zA-Z_^])\{(\\?[A-Za-z0-9]+)\}", r"\1", text)
        text = re.sub(r"([_^])\{([A-Za-z0-9])\}", r"\1\2", text)
    return text


_D = r"(?:\\partial|\\text\{d\}|d)"
_NUMERATOR = r"(?:[^{}]|\{[^{}]*\})*"  # one level of braces inside: \partial \text{Err}(y, z)
_DERIVATIVE = re.compile(r"\\(?:[dt]?frac\{" + _D + _NUMERATOR + r"\}\{?" + _D + "|nabla|partial)")


def is_derivative(latex: str) -> bool:
    """The side is a derivative as written: \\frac{\\partial ...}{\\partial ...}, \\frac{d ...}{d ...},
    \\nabla ..., \\partial ... (read after `normalise`: spaces out, braces around one token dropped)."""
    return _DERIVATIVE.match(normalise(latex)) is not None


def about_own_names(latex: str, definitions: dict[str, str]) -> bool:
    """The side applies a function the student defined (l_1(\\mathbf{x}) with l_1(\\mathbf{x}) defined),
    or is a derivative of a name the student defined (\\nabla_{\\mathbf{w}} L with L(\\mathbf{w}) defined,
    \\frac{\\partial \\mu_i}{\\partial \\mathbf{w}} with \\mu_i defined): a claim about the student's own
    names, judged as formulas, never a hypothesis."""
    if any(f"{function_head(name)}(" in latex for name in definitions if "(" in name):
        return True
    if not is_derivative(latex):
        return False
    try:
        written = {name_key(n) for n in A.walk(parse_one(latex))}
    except NotationError:
        return False
    for name in definitions:
        try:
            node = parse_one(name)
        except NotationError:
            continue
        head = node.items[0] if isinstance(node, A.Juxt) and len(node.items) == 2 else node
        if name_key(head) in written - {None}:
            return True
    return False


@dataclass(frozen=True)
class Recognised:
    """A target recognised from a left side, with the claim options its kind needs."""

    target: str
    options: dict[str, Any] = field(default_factory=dict)
    whole: bool = False  # the kind reads the whole statement (an interval `0 < \\eta < 1/6`), not one side
    restates: frozenset[str] = frozenset()  # sides (normalised) that write the target's own definition
    rewritten_bound: bool = False  # `0 < \\eta < b = c`: an interval whose bound is then rewritten


_BELOW = ("<", r"\le", r"\leq")  # the relations of an interval written from below: 0 < \eta \le c


def recognise(problem: Problem, sides: list[str], relations: tuple[str, ...],
              definitions: dict[str, str], eigenvalues: str | None = None, one_hot: bool = False) -> Recognised | None:
    """The target the left side of a chain (`sides[0]`; the chain's sides and `relations`) names in
    `problem` (a kind without a notation table), or None. `definitions`: the student's own names."""
    kind = problem.kind
    text = normalise(sides[0])
    if kind == "gradient_descent":
        rewritten = (len(relations) > 2 and relations[0] in _BELOW and relations[1] in _BELOW
                     and all(r == "=" for r in relations[2:]))  # 0 < \eta < 2/\lambda_max = 1/6
        found = _gradient_descent([normalise(side) for side in sides[:3] if rewritten] or
                                  [normalise(side) for side in sides], relations[:2] if rewritten else relations)
        if rewritten and (found is None or found.target != "interval"):
            return None
        if found is not None and found.target == "eigenvalue" and eigenvalues:
            found = Recognised("eigenvalue", {**found.options, "eigenvalues": eigenvalues})
        if found is not None and found.target == "interval" and any(r"\lambda" in side for side in sides):
            # whose eigenvalues the student's λ are: as the document's own values of λ say ("A" or "H"), or
            # both readings tried (None: the judge says undecided, naming both, where they disagree)
            found = Recognised("interval", {"eigenvalues": eigenvalues} if eigenvalues else {"eigenvalues": None},
                               whole=True)
        if found is not None and rewritten:
            found = Recognised(found.target, found.options, whole=True, rewritten_bound=True)
        return found
    if kind == "calculus":
        return _calculus(problem, text)
    if kind == "identity":
        found = _identity(problem, text)
        return Recognised("derivative_one_hot") if one_hot and found and found.target == "derivative" else found
    if kind == "matrix_calculus":
        return _matrix_calculus(problem, text, definitions)
    if kind == "regularisation":
        return _regularisation([normalise(side) for side in sides], relations)
    return None


def _regularisation(sides: list[str], relations: tuple[str, ...]) -> Recognised | None:
    """The first-order condition (`H(w - w^*) + \\mu w = 0`, a statement in w) and the optimum (`w = ...`)."""
    if relations == ("=",) and sides[1] == "0" and r"\mu" in sides[0]:
        return Recognised("stationarity", whole=True)
    if sides[0] in ("w", r"\tilde{w}", r"\hat{w}", r"\tildew", r"\hatw") and relations[:1] == ("=",):
        return Recognised("optimum")
    return None


def _gradient_descent(sides: list[str], relations: tuple[str, ...]) -> Recognised | None:
    """An interval of step sizes bounded on both sides (`0 < \\eta < c`, `\\eta \\in (a, b)`), an
    equation in the step (`... \\eta ... = 0`, solved for it), the step as a formula, the
    gradient, the Hessian, one iteration."""
    text = sides[0]
    if (relations in (("<", "<"), (r"\le", "<"), ("<", r"\le"), (r"\le", r"\le")) and sides[1] == r"\eta") or \
            (relations == (r"\in",) and text == r"\eta"):
        return Recognised("interval", whole=True)
    if relations == ("=",) and sides[1] == "0" and r"\eta" in text:
        return Recognised("line_search_step", whole=True)
    if text == r"\eta" and relations[:1] == ("=",) and re.search(r"[A-Za-z]_\{?[nkt]\}?", sides[1]):
        return Recognised("line_search_step")
    if re.fullmatch(r"\\nabla\^(?:2|\{2\})" + _NAME + _ARGUMENT, text) or text in ("H", r"\nabla\nabla^\topf"):
        return Recognised("hessian")
    if re.fullmatch(r"\\nabla" + _NAME + _ARGUMENT, text) or re.fullmatch(r"[A-Za-z]'" + _ARGUMENT, text):
        return Recognised("gradient")
    if re.fullmatch(r"[A-Za-z]_\{?[nkt]\+1\}?", text):
        return Recognised("iteration")
    eigenvalue = re.fullmatch(r"\\lambda_\{?(\d+|\\max|\\min|\\text\{max\}|\\text\{min\}|max|min)\}?", text)
    if eigenvalue and relations[:1] == ("=",):  # \lambda_1 = 12, \lambda_{\max} = 12 (a bare \lambda may be a rate)
        position = eigenvalue.group(1).replace("\\text{", "").strip("\\}")
        return Recognised("eigenvalue", {"position": position} if position in ("max", "min") else {})
    return None


def _calculus(problem: Problem, text: str) -> Recognised | None:
    if getattr(problem, "scalar", False) and re.fullmatch(r"\\nabla(?:_[A-Za-z])?" + _NAME + _ARGUMENT, text):
        return Recognised("gradient")
    if re.fullmatch(r"J(?:_\{?[A-Za-z]\}?)?" + _ARGUMENT, text) or \
            re.fullmatch(r"\\frac\{\\partial[A-Za-z]\}\{\\partial[A-Za-z]\}", text):
        return Recognised("jacobian")
    return None


def _identity(problem: Problem, text: str) -> Recognised | None:
    if getattr(problem, "name", "") != "softmax_cross_entropy":
        return None
    logits, index = re.escape(problem.logits), re.escape(problem.index)
    names = LOSS_NAMES | ({normalise(problem.loss_name)} if getattr(problem, "loss_name", "") else set())
    loss = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    argument = r"(?:\((?:[^()=]|\([^()=]*\))*\))?"  # Err(y, z(w)): one level of brackets inside
    if re.fullmatch(rf"(?:{loss}){argument}", text):
        return Recognised("loss")
    if re.fullmatch(rf"\\frac\{{\\partial(?:{loss}){argument}\}}\{{\\partial{logits}_\{{?{index}\}}?\}}", text):
        return Recognised("derivative")
    return None


def _matrix_calculus(problem: Problem, text: str, definitions: dict[str, str]) -> Recognised | None:
    name = re.escape(problem.input)
    function = _function_named(problem, definitions)
    options = {"function": function} if function else {}
    if re.fullmatch(rf"\\nabla f\({name}\)_\{{?ij\}}?".replace(" ", ""), text):
        return Recognised("gradient_entry", options)
    if re.fullmatch(rf"f\({name}\)", text):
        return Recognised("rewrite", options)
    vector = getattr(problem, "vector", None)
    if vector and re.fullmatch(rf"[A-Za-z]\({re.escape(vector)}\)", text) and not function:
        return Recognised("rewrite")  # g(a): the function of the vectorised input, as the problem's [function] says
    if vector and (entry := _inner_jacobian_entry(problem, text, vector, definitions)) is not None:
        return entry
    jacobian = re.fullmatch(rf"J_\{{?([A-Za-z])\}}?(?:\({name}\))?", text)
    if jacobian:  # J_g, J_g(v): the Jacobian of the student's g, defined as the problem's function (or another)
        found = _defined_as(problem, definitions, jacobian.group(1))
        if found is not None:
            return Recognised("jacobian", {"function": found} if found else {})
    return None


def _defined_as(problem: Problem, definitions: dict[str, str], head: str) -> str | None:
    """Which function of the problem the student's own definition of `head(...)` writes: '' for
    the problem's [function], the key of an alternative `[functions.NAME]`, None for neither (or
    no definition). The last definition of the name counts."""
    written = [normalise(value) for name, value in definitions.items() if normalise(name).startswith(f"{head}(")]
    if not written:
        return None
    if normalise(getattr(problem, "value", "") or "") == written[-1]:
        return ""
    for key, alternative in getattr(problem, "alts", {}).items():
        if normalise(alternative.value) == written[-1]:
            return key
    return None


def _function_named(problem: Problem, definitions: dict[str, str]) -> str | None:
    """The problem's alternative function (`[functions.NAME]`) whose value the student's own
    definition of f(...) writes, or None (the problem's [function])."""
    written = [normalise(value) for name, value in definitions.items() if normalise(name).startswith("f(")]
    if not written:
        return None
    for key, alternative in getattr(problem, "alts", {}).items():
        if normalise(alternative.value) == written[-1]:
            return key
    return None


def _inner_jacobian_entry(problem: Problem, text: str, vector: str, definitions: dict[str, str]) -> Recognised | None:
    """`J_{g_2}(a)_{ik'}`: an entry of the Jacobian of the inner function of a composition, when the
    student's own definition of g_2 is the one the problem's `inner` claim writes (same head, same
    row index, same value) and an `inner_jacobian` claim is about it; `\\frac{\\partial g_{2i}}
    {\\partial a_{k'}}` (and its other spellings) then restates the entry's definition."""
    found = re.fullmatch(rf"J_\{{([A-Za-z])(?:_\{{?([A-Za-z0-9]+)\}}?)?\}}\({re.escape(vector)}\)"
                         rf"_\{{([a-z])([a-z]'?)\}}", text)
    if not found:
        return None
    base, sub, row, col = found.groups()
    head = f"{base}_{sub}" if sub else base
    for inner in (claim for claim in problem.claims if claim.target == "inner"):
        if inner.options.get("index") != row or not any(
                claim.target == "inner_jacobian" and claim.options.get("of") == inner.id for claim in problem.claims):
            continue
        try:
            sides = side_texts(inner.latex)
        except NotationError:
            continue
        lhs, value = sides[0], sides[-1]
        if len(sides) != 2 or normalise(lhs) != f"{head}({vector})_{row}":
            continue
        entry, whole = normalise(lhs), f"{head}({vector})"  # g_2(a)_i = ..., or g_2(a) = [...]_i
        mine = [normalise(v) if normalise(name) == entry else normalise(v).removeprefix("[").removesuffix(f"]_{row}")
                for name, v in definitions.items() if normalise(name) in (entry, whole)]
        if not mine or mine[-1] != normalise(value):
            return None  # the student's g_2 is not the one the problem's claim writes: its Jacobian is unknown here
        spelled = [f"{base}_{{{sub}{row}}}", f"{base}_{{{sub},{row}}}", f"({head})_{{{row}}}",
                   f"{head}({vector})_{{{row}}}"] if sub else [f"{base}_{{{row}}}", f"{base}({vector})_{{{row}}}"]
        restates = frozenset(normalise(rf"\frac{{\partial {num}}}{{\partial {vector}_{{{col}}}}}") for num in spelled)
        return Recognised("inner_jacobian", {"of": inner.id, "index": col}, restates=restates)
    return None


def side_texts(latex: str) -> list[str]:
    """The text of each side of the relation `latex` writes, cut where its parse tree says."""
    text = latex.strip().strip("$").strip()
    chain = relation_of(latex)
    return [side_text(text[side.pos:side_end(text, chain, k)]) for k, side in enumerate(chain.sides)]


def states_one_hot(problem: Problem, sides: list[tuple[str, str]]) -> bool:
    """Whether one of the links (lhs, rhs) written so far is the one-hot hypothesis `\\sum_k t_k = 1`
    on the problem's targets (after it, the student's derivative is the one-hot one, p_i - t_i)."""
    targets = re.escape(getattr(problem, "target_name", "t"))
    hypothesis = rf"\\sum_(?:\{{)?([a-z])(?:=1)?(?:\}})?(?:\^\{{?\w+\}}?)?{targets}_\{{?\1\}}?"
    return any(re.fullmatch(hypothesis, normalise(lhs)) and normalise(rhs) == "1" for lhs, rhs in sides)
