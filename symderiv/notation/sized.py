"""Matrices sized from the formula around them: \\mathbf{I}, \\mathbf{1}, \\mathbf{0}, J^{ij} written without a size.

Textbooks write I, \\mathbf{1} and J^{ij} (The Matrix Cookbook 9.7: the matrix with a 1 at (i, j)
and 0 elsewhere) without their size: it is whatever makes the formula well-typed. Each is a
notation with several readings (Binder.choose), one per size the problem's quantities have (every
dimension above 1); none is the default, so the judge tries every one (readings.py): exactly one
well-typed reading is taken and stated, several that disagree leave the claim undecided.
"""

from __future__ import annotations

import sympy as sp

from . import ast as A
from .binder import Binder
from .indices import checked


def context_sizes(b: Binder) -> tuple[int, ...]:
    """The sizes a matrix written without one may have: every dimension above 1 of the scope's
    quantities and every size of the [notation] table, in increasing order."""
    found = {v for v in b.table.sizes.values() if isinstance(v, int) and v > 1}
    for name in b.scope.names():
        try:
            value = b.scope.quantity(name)
        except KeyError:
            continue
        if isinstance(value, sp.MatrixBase):
            found.update(d for d in value.shape if d > 1)
    return tuple(sorted(found))


def _size(b: Binder, node: A.Node, what: str) -> int:
    sizes = context_sizes(b)
    if not sizes:
        raise b.error(f"{what} needs its size here (no quantity of the problem gives one): write it, "
                      f"e.g. {what}_3", node)
    n = b.choose((what, node.pos, node.key()), f"the size of {what}", sizes, exhaustive=True)
    b.read(f"{what} written without a size read at size {n}, the one that makes the formula well-typed")
    return n


def identity(b: Binder, node: A.Node) -> sp.ImmutableMatrix:
    """\\mathbf{I} (or I) without a size: the n x n identity, n from the formula around it."""
    n = _size(b, node, "\\mathbf{I}")
    return sp.ImmutableMatrix(sp.eye(n))


ONES_READINGS = ("column of ones", "all-ones matrix", "identity matrix")


def ones_column(b: Binder, node: A.Node) -> sp.ImmutableMatrix:
    """\\mathbf{1} without a size: a column of n ones (1^T x), or, as courses also write it, the
    n x n all-ones matrix or the identity (one reading for every \\mathbf{1} of a claim, each its own
    size); every reading at every size is tried (readings.py)."""
    sizes = context_sizes(b)
    if not sizes:
        raise b.error("\\mathbf{1} needs a size or a condition: \\mathbf{1}_4, \\mathbf{1}_{z>0}", node)
    kind = b.choose(("\\mathbf{1}", "reading"), "\\mathbf{1}", ONES_READINGS, exhaustive=True)  # one per claim
    n = b.choose(("\\mathbf{1}", node.pos, node.key()), "the size of \\mathbf{1}", sizes, exhaustive=True)
    b.read(f"\\mathbf{{1}} written without a size read as the {kind} of size {n}, the reading that makes "
           "the formula well-typed")
    if kind == "column of ones":
        return sp.ImmutableMatrix(sp.ones(n, 1))
    return sp.ImmutableMatrix(sp.ones(n, n) if kind == "all-ones matrix" else sp.eye(n))


def zeros(b: Binder, node: A.Node) -> sp.ImmutableMatrix:
    """\\mathbf{0} without a size: the zero column or matrix of the shape that makes the formula
    well-typed (every shape of the problem's sizes is tried; their values agree, all entries 0)."""
    sizes = context_sizes(b)
    if not sizes:
        raise b.error("\\mathbf{0} needs its size here (no quantity of the problem gives one): write 0", node)
    shapes = [f"{n}x1" for n in sizes] + [f"{n}x{m}" for n in sizes for m in sizes]
    shape = b.choose(("\\mathbf{0}", node.pos, node.key()), "the shape of \\mathbf{0}", tuple(shapes),
                     exhaustive=True)
    b.read(f"\\mathbf{{0}} written without a size read as the {shape} zero matrix, the shape that makes the "
           "formula well-typed")
    rows, cols = map(int, shape.split("x"))
    return sp.ImmutableMatrix(sp.zeros(rows, cols))


def single_entry_indices(sup: A.Node | None) -> tuple[A.Node, A.Node] | None:
    """The two indices of a superscript J^{ij}, J^{mn}, J^{12} (letters or digits), or None."""
    if isinstance(sup, A.Juxt) and len(sup.items) == 2 and all(
            (isinstance(x, A.Name) and len(x.text) == 1 and x.text.isalpha()) or isinstance(x, A.Num)
            for x in sup.items):
        return sup.items[0], sup.items[1]
    if isinstance(sup, A.Name) and len(sup.text) == 2 and sup.text.isalpha() and not sup.decor:
        return A.Name(sup.pos, sup.text[0]), A.Name(sup.pos + 1, sup.text[1])
    if isinstance(sup, A.Num) and len(sup.text) == 2 and sup.text.isdigit():
        return A.Num(sup.pos, sup.text[0]), A.Num(sup.pos + 1, sup.text[1])
    return None


def single_entry(b: Binder, node: A.Node, indices: tuple[A.Node, A.Node], env) -> sp.ImmutableMatrix:
    """J^{ij} (The Matrix Cookbook 9.7): the n x n matrix with 1 at (i, j) and 0 elsewhere, n from
    the formula around it."""
    n = _size(b, node, "J^{ij}")
    i, j = (checked(b, x, env, n, node) for x in indices)
    return sp.ImmutableMatrix(n, n, lambda r, c: sp.Integer(int(r == i - 1 and c == j - 1)))
