"""Problem sheets: a problem as a student gets it, its data and its questions, never an answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from ..kinds.base import Problem
from .blocks import Document, Heading, Items, M, Math, Para, to_latex
from .document import network_statement
from .printer import latex, number_matrix

Writer = Callable[[Any, Document], None]

#: kind -> the function that writes that kind's statement and questions.
SHEETS: dict[str, Writer] = {}


def sheet_kind(kind: str) -> Callable[[Writer], Writer]:
    """Decorator: register the problem-sheet writer of problem kind `kind`."""

    def register(fn: Writer) -> Writer:
        SHEETS[kind] = fn
        return fn

    return register


def build_sheet(problem: Problem) -> Document:
    """The problem sheet of `problem`: nothing on it is solved (no loss, gradient or interval)."""
    sub = " ".join(x for x in (problem.source, problem.section) if x)
    doc = Document(problem.title, subtitle=f"Problem sheet{': ' + sub if sub else ''}")
    writer = SHEETS.get(problem.kind)
    if writer is None:
        raise ValueError(f"no problem sheet for {problem.kind} problems")
    writer(problem, doc)
    return doc


def sheet_latex(problem: Problem) -> str:
    """The complete, compilable .tex of the problem sheet of `problem`."""
    return to_latex(build_sheet(problem))


def _questions(doc: Document, items: list[list[str | M]]) -> None:
    doc.add(Heading("Questions"), Items([Para(parts) for parts in items]))


@sheet_kind("network")
def network_sheet(problem: Any, doc: Document) -> None:
    """The network, its data, and: the loss, and the gradient of the loss in every parameter."""
    net = problem.net
    network_statement(problem, doc)
    numbers = problem.given >= {"X", "T", *net.params}
    items: list[list[str | M]] = []
    if numbers:
        items.append(["Compute the forward pass and the loss ", M("L"), " for the data above."])
    grads: list[str | M] = []
    for i, spec in enumerate(net.params.values()):
        grads += [", " if i else "", M(rf"\frac{{\partial L}}{{\partial {spec.latex}}}")]
    items.append(["The gradient of the loss in every parameter, ", *grads, ", by the chain rule: entry by entry "
                  "and in matrix form" + (", then its value for the data above." if numbers else ".")])
    _questions(doc, items)


@sheet_kind("gradient_descent")
def quadratic_sheet(problem: Any, doc: Document) -> None:
    """The quadratic, and: gradient, Hessian, the step sizes that converge, the line-search step."""
    q = problem.q
    u = r"\mathbf{u}" if len(q.variables) > 1 else latex(q.variables[0])
    doc.add(Heading("The problem"),
            Para(["Gradient descent ", M(rf"{u}_{{n+1}} = {u}_n - \eta \nabla f({u}_n)"), " on"]),
            Math([rf"f({', '.join(latex(v) for v in q.variables)}) = {latex(q.value())}"]))
    lines = [rf"A &= {number_matrix(q.A)}"]
    if any(q.b):
        lines.append(rf"\mathbf{{b}} &= {number_matrix(q.b)}")
    if q.c != 0:
        lines.append(rf"c &= {latex(q.c)}")
    doc.add(Para(["that is ", M(rf"f = {u}^\top A {u} + \mathbf{{b}}^\top {u} + c"), " with"]),
            Math(lines, align=True, label="data"))
    _questions(doc, [["The gradient ", M(r"\nabla f"), " and the Hessian ", M(r"\nabla^2 f"), "."],
                     ["The step sizes ", M(r"\eta"), " for which gradient descent converges from every start."],
                     ["The exact line-search step ", M(r"\eta^\ast"), " at a point ", M(rf"{u}_n"), "."]])


@sheet_kind("regularisation")
def regularisation_sheet(problem: Any, doc: Document) -> None:
    """The regularised quadratic model, and: the first-order condition, the optimum, the shrinkage."""
    doc.add(Heading("The problem"),
            Para(["Minimise over ", M(r"\mathbf{w}")]),
            Math([r"L(\mathbf{w}^\star) + \tfrac{1}{2}(\mathbf{w} - \mathbf{w}^\star)^\top H (\mathbf{w} - "
                  r"\mathbf{w}^\star) + \tfrac{\mu}{2}\lVert \mathbf{w} \rVert^2"]))
    model = problem.model
    if model is not None:
        doc.add(Para(["with"]), Math([rf"H &= {number_matrix(model['H'])}",
                                     rf"\mathbf{{w}}^\star &= {number_matrix(model['w_star'])}",
                                     rf"\mu &= {latex(model['mu'])}"], align=True, label="data"))
    _questions(doc, [["The first-order condition for the optimum."],
                     ["The optimum ", M(r"\mathbf{w}"), " as a formula in H, ", M(r"\mu"), " and ",
                      M(r"\mathbf{w}^\star"), " (and its value for the data above)." if model is not None else "."],
                     ["With ", M(r"H = Q \Lambda Q^\top"), ", the factor by which the regularisation shrinks the "
                      "component along the i-th eigenvector."]])


@sheet_kind("calculus")
def calculus_sheet(problem: Any, doc: Document) -> None:
    """The function (constants in place), and: Jacobian or gradient, Hessian, critical points."""
    xs = ", ".join(latex(x) for x in problem.xs)
    f = problem.fs[0] if problem.scalar else sp.Matrix(problem.fs)
    doc.add(Heading("The problem"), Math([rf"f({xs}) = {latex(f)}"]))
    if problem.scalar:
        _questions(doc, [["The gradient ", M(r"\nabla f"), " and the Hessian ", M(r"\nabla^2 f"), "."],
                         ["Every critical point of f, and its type."]])
    else:
        _questions(doc, [["The Jacobian ", M("J_f"), " and its shape."]])
