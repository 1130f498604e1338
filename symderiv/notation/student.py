"""A student's own function (`where`: l_1(\\mathbf{x}) = ...) at an argument, and written without one."""

from __future__ import annotations

from . import ast as A
from .binder import Binder, Value
from .table import StudentFn


def call(b: Binder, fn: StudentFn, arg: Value, node: A.Node) -> Value:
    """The body of a student's function with its formal parameter bound to `arg` (the body
    has no index letters of its own: one there is an error)."""
    saved = b.locals
    try:
        with b.unfolding("a function", node):
            b.locals = {**saved, fn.formal: arg}
            att = b.attempt(lambda: b.value(fn.body, {}))
    finally:
        b.locals = saved
    if att.unbound is not None:
        raise b.error(f"index {att.unbound} in the definition of {fn.name} has no value", node)
    return att.value


def at_its_variable(b: Binder, value: Value, node: A.Node) -> Value:
    """A student's function written without its argument, L(\\mathbf{w}) defined and \\nabla_{\\mathbf{w}} L
    written: its value at its formal parameter where that is a variable of the problem (the reading
    stated); anything else as it is."""
    if not isinstance(value, StudentFn) or value.formal not in b.table.names:
        return value
    b.read(f"{value.name} without its argument read as {value.name}({value.formal}), the function of the "
           f"problem's {value.formal}")
    return call(b, value, b.value(b.table.names[value.formal], {}, canonical=True), node)

