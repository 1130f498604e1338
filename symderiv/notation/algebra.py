"""The algebra pass: sums, products (matrix, scalar, Hadamard, of a vector of matrices), transposes,
powers, fractions, lists and matrices, as NumPy-free SymPy values with their shapes checked."""

from __future__ import annotations

import math

import sympy as sp

from ..core.limits import MATRIX_POWER_MAX_EXPONENT
from ..core.limits import POWER_MAX_DEGREE as MAX_DEGREE
from ..core.limits import POWER_MAX_DIGITS as MAX_DIGITS
from ..core.limits import POWER_MAX_EXPONENT as MAX_EXPONENT
from . import ast as A
from .binder import Binder, Op, Stack, Value, handles
from .conventions import remark
from .linalg import inverse, kronecker
from .scope import Fn, as_basic
from .student import at_its_variable
from .table import StudentFn
from .unparse import unparse
from .written import index_uses, replace_node, trailing_sum


def scalar(b: Binder, v: Value, node) -> sp.Expr:
    """v as a number (a 1x1 matrix is its entry); anything else an error."""
    if isinstance(v, sp.MatrixBase):
        if v.shape == (1, 1):
            return v[0]
        raise b.error(f"expected a number, got a {v.rows}x{v.cols} matrix", node)
    if isinstance(v, Fn | Op | StudentFn):
        raise b.error("expected a number, got a function", node)
    if isinstance(v, Stack):
        raise b.error("expected a number, got a vector of matrices", node)
    return v


def operand(b: Binder, v: Value, node) -> None:
    """A term of a sum, or an argument of max, min or a function, is a number or a matrix."""
    if isinstance(v, Fn | Op | StudentFn):
        raise b.error("a function without its argument", node)
    if isinstance(v, Stack):
        raise b.error("a vector of matrices is not read in a sum or as an argument", node)


def larger_than(value: object, bound: float) -> bool:
    """Whether `value` is a constant (a number, or an expression without symbols such as
    exp(exp(10))) of magnitude above `bound`, decided at 15 digits; one too large to evaluate
    counts as above. An expression with symbols is not: its points are bounded where computed."""
    if not isinstance(value, sp.Expr) or value.free_symbols:
        return False
    if value.is_Number:
        return bool(abs(value) > bound)
    try:
        approx = sp.N(value, 15)
    except (OverflowError, ValueError, ArithmeticError):
        return True
    if approx.is_finite is False:
        return True
    return bool(approx.is_number and approx.is_comparable and abs(approx) > bound)


def add(binder: Binder, a, b, node, sign=1):
    """a + sign b: matrices of one shape entry by entry, 1x1 as numbers, a number added to every
    entry of a matrix and a row or column to every row or column (broadcast, the reading stated)."""
    operand(binder, a, node)
    operand(binder, b, node)
    am, bm = isinstance(a, sp.MatrixBase), isinstance(b, sp.MatrixBase)
    if am and bm:
        if a.shape != b.shape:
            if a.shape == (1, 1) or b.shape == (1, 1):
                return add(
                    binder,
                    scalar(binder, a, node) if a.shape == (1, 1) else a,
                    scalar(binder, b, node) if b.shape == (1, 1) else b,
                    node,
                    sign,
                )
            a, b = _broadcast(binder, a, b, node)
        return sp.ImmutableMatrix(a + sign * b)
    if am or bm:
        m, s = (a, b) if am else (b, a)
        if m.shape == (1, 1):
            return a[0] + sign * b if am else a + sign * b[0]
        if s == 0:
            return sp.ImmutableMatrix(a if am else sign * b)
        binder.read(f"a number added to every entry of a {m.rows}x{m.cols} matrix (broadcast, as in NumPy)")
        ones = sp.ones(m.rows, m.cols)
        return sp.ImmutableMatrix(a + sign * b * ones if am else a * ones + sign * b)
    return a + sign * b


def _broadcast(binder: Binder, a: sp.MatrixBase, b: sp.MatrixBase, node) -> tuple[sp.MatrixBase, sp.MatrixBase]:
    """x W + b with a bias b: a column added to every column of a matrix with as many
    rows, or a row to every row (broadcast, as in NumPy; the verdict states the reading).
    Any other difference of shapes is a shape error."""
    for m, v in ((a, b), (b, a)):
        if v.cols == 1 and v.rows == m.rows and m.cols > 1:
            binder.read(f"a column of {v.rows} added to every column of a {m.rows}x{m.cols} matrix "
                              "(broadcast, as in NumPy)")
            wide = v * sp.ones(1, m.cols)
            return (m, wide) if m is a else (wide, m)
        if v.rows == 1 and v.cols == m.cols and m.rows > 1:
            binder.read(f"a row of {v.cols} added to every row of a {m.rows}x{m.cols} matrix "
                              "(broadcast, as in NumPy)")
            tall = sp.ones(m.rows, 1) * v
            return (m, tall) if m is a else (tall, m)
    raise binder.shape_error(f"cannot add a {a.rows}x{a.cols} and a {b.rows}x{b.cols} matrix", node)


def subtract(binder: Binder, a, b, node):
    """a - b (see add)."""
    return add(binder, a, b, node, sign=-1)


def mul(binder: Binder, a, b, node, hadamard_fallback: bool = False):
    """a b: the matrix product when the inner sizes fit, a 1x1 matrix as a number, a number times
    anything; with `hadamard_fallback` (a written \\cdot) equal shapes that do not fit are multiplied
    entry by entry."""
    if isinstance(a, Fn | Op | StudentFn) or isinstance(b, Fn | Op | StudentFn):
        raise binder.error("a function without its argument", node)
    if isinstance(a, Stack) or isinstance(b, Stack):
        return _stack_product(binder, a, b, node)
    am, bm = isinstance(a, sp.MatrixBase), isinstance(b, sp.MatrixBase)
    if am and bm and hadamard_fallback and (1, 1) not in (a.shape, b.shape):
        return _dot(binder, a, b, node)
    if am and bm:
        if a.cols == b.rows:
            return sp.ImmutableMatrix(a * b)
        if a.shape == (1, 1) or b.shape == (1, 1):
            return (
                sp.ImmutableMatrix(a[0] * b)
                if a.shape == (1, 1)
                else sp.ImmutableMatrix(b[0] * a)
            )
        if hadamard_fallback:
            return hadamard(binder, a, b, node)
        raise binder.shape_error(
            f"cannot multiply a {a.rows}x{a.cols} by a {b.rows}x{b.cols} matrix", node
        )
    if am or bm:
        return sp.ImmutableMatrix(a * b) if am else sp.ImmutableMatrix(b * a)
    return a * b


def _dot(binder: Binder, a: sp.MatrixBase, b: sp.MatrixBase, node) -> Value:
    """a \\cdot b of two matrices (neither 1x1): the matrix product where the inner sizes fit; where
    they do not, the element-wise product (the convention elementwise_dot, stated in the remarks).
    Where both fit, the reading the binder's plan names (the matrix product by default): the judge
    tries the other when the formula is well-typed only so (see conventions.py)."""
    matrix = a.cols == b.rows
    convention = binder.table.conventions.elementwise_dot
    if a.shape == b.shape and 1 in a.shape:  # x \cdot y of two vectors: the inner product first
        options = ("dot", "elementwise") if convention else ("dot",)
        if binder.choose(("cdot", node.pos, node.key()), _written(binder, node), options) == "dot":
            binder.read(f"{_written(binder, node)} of two vectors of {len(a)} entries read as their inner product")
            return sp.Add(*[x * y for x, y in zip(a, b, strict=True)])
    entrywise = _entrywise(a, b) if convention else None
    if matrix and entrywise is not None:
        key = ("cdot", node.pos, node.key())
        if binder.choose(key, _written(binder, node), ("matrix", "elementwise")) == "matrix":
            return sp.ImmutableMatrix(a * b)
    elif matrix:
        return sp.ImmutableMatrix(a * b)
    if entrywise is None:
        raise binder.shape_error(f"cannot multiply a {a.rows}x{a.cols} by a {b.rows}x{b.cols} matrix"
                                 + ("" if convention else " (the convention elementwise_dot is off)"), node)
    value, how = entrywise
    binder.remark(remark("elementwise_dot", f"a {a.rows}x{a.cols} \\cdot a {b.rows}x{b.cols} read entry by entry"
                                            + (f" ({how})" if how else "")))
    return value


def _written(binder: Binder, node: A.BinOp) -> str:
    """A product a \\cdot b as written, for a verdict naming its readings."""
    try:
        return unparse(node, binder.text)
    except (TypeError, ValueError):
        return "a \\cdot"


def _entrywise(a: sp.MatrixBase, b: sp.MatrixBase) -> tuple[sp.ImmutableMatrix, str] | None:
    """The element-wise product of a and b and how the shapes were matched, or None where they
    do not fit entry by entry: equal shapes; a column along the rows (a row along the columns) of
    a matrix; a vector of n entries whose orientation fits neither, along the one side of n
    entries of a matrix (as NumPy broadcasts a 1-D vector). Two vectors only of equal shapes."""
    if a.shape == b.shape:
        return sp.ImmutableMatrix(a.multiply_elementwise(b)), ""
    for x, y in ((a, b), (b, a)):
        if min(y.shape) == 1:
            continue
        if x.cols == 1 and x.rows == y.rows:
            return sp.ImmutableMatrix(y.rows, y.cols, lambda i, j, x=x, y=y: x[i, 0] * y[i, j]), \
                f"the column of {x.rows} multiplies every column"
        if x.rows == 1 and x.cols == y.cols:
            return sp.ImmutableMatrix(y.rows, y.cols, lambda i, j, x=x, y=y: x[0, j] * y[i, j]), \
                f"the row of {x.cols} multiplies every row"
    for x, y in ((a, b), (b, a)):
        if min(y.shape) == 1 or min(x.shape) != 1 or y.rows == y.cols:
            continue
        n = max(x.shape)
        entries = list(x)
        if y.cols == n:
            return sp.ImmutableMatrix(y.rows, y.cols, lambda i, j, e=entries, y=y: e[j] * y[i, j]), \
                f"the {'column' if x.cols == 1 else 'row'} of {n} read as a vector along the {n} columns, " \
                "as NumPy broadcasts a 1-D vector"
        if y.rows == n:
            return sp.ImmutableMatrix(y.rows, y.cols, lambda i, j, e=entries, y=y: e[i] * y[i, j]), \
                f"the {'column' if x.cols == 1 else 'row'} of {n} read as a vector along the {n} rows"
    return None


def _stack_product(binder: Binder, a, b, node) -> Value:
    """A number times a stack; a row of n numbers times a column of n matrices (or a row of
    matrices times a column of numbers): the sum of c_k A_k."""
    stack, other = (a, b) if isinstance(a, Stack) else (b, a)
    if isinstance(other, Stack):
        raise binder.shape_error("cannot multiply two vectors of matrices", node)
    if not isinstance(other, sp.MatrixBase) or other.shape == (1, 1):
        c = other[0] if isinstance(other, sp.MatrixBase) else other
        return Stack(tuple(sp.ImmutableMatrix(c * m) for m in stack.items), stack.column)
    n = len(stack.items)
    if b is stack:
        fits = other.shape == (1, n) and stack.column
    else:
        fits = other.shape == (n, 1) and not stack.column
    if not fits:
        r, c = stack.items[0].shape
        raise binder.shape_error(
            f"cannot multiply a {other.rows}x{other.cols} matrix and a "
            f"{'column' if stack.column else 'row'} of {n} {r}x{c} matrices",
            node,
        )
    total = sp.zeros(*stack.items[0].shape)
    for coeff, m in zip(other, stack.items, strict=True):
        total += coeff * m
    return sp.ImmutableMatrix(total)


def hadamard(binder: Binder, a, b, node):
    """Element-wise product, with a vector broadcast along a matrix of matching side."""
    if not (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase)):
        return mul(binder, a, b, node)
    if a.shape == b.shape:
        return sp.ImmutableMatrix(a.multiply_elementwise(b))
    for x, y in ((a, b), (b, a)):
        if x.cols == 1 and x.rows == y.rows:
            binder.read(f"an entry-wise product of a {x.rows}x1 column and a {y.rows}x{y.cols} matrix read with the "
                        "column repeated along the matrix's columns (broadcast)")
            return sp.ImmutableMatrix(y.rows, y.cols, lambda i, j, x=x, y=y: x[i, 0] * y[i, j])
        if x.rows == 1 and x.cols == y.cols:
            binder.read(f"an entry-wise product of a 1x{x.cols} row and a {y.rows}x{y.cols} matrix read with the row "
                        "repeated along the matrix's rows (broadcast)")
            return sp.ImmutableMatrix(y.rows, y.cols, lambda i, j, x=x, y=y: x[0, j] * y[i, j])
    raise binder.shape_error(
        f"cannot multiply a {a.rows}x{a.cols} by a {b.rows}x{b.cols} matrix", node
    )


def finish(b: Binder, value: Value, transposed: bool, power, env, node) -> Value:
    """A superscript applied: the transpose (a vector of matrices turns, its blocks do not), then a
    power (a number's, a 1x1 matrix's, a square matrix's positive integer power or inverse)."""
    if transposed:
        if isinstance(value, sp.MatrixBase):
            value = sp.ImmutableMatrix(value.T)
        elif isinstance(value, Stack):
            value = Stack(value.items, not value.column)
        elif isinstance(value, Fn | Op):
            raise b.error("a transpose of a function", node)
    if power is not None:
        exponent = b.value(power, env)
        if value == sp.E and isinstance(exponent, sp.MatrixBase) and exponent.rows != exponent.cols:
            b.read("e to a vector read entry by entry, the exponential of each entry (e^{z} in a softmax)")
            return sp.ImmutableMatrix(exponent.applyfunc(sp.exp))  # a square exponent would be ambiguous
        e = scalar(b, exponent, power)
        if larger_than(e, MAX_EXPONENT):  # 10^{65}, and e^{e^{e^{10}}} (an exponent that is a constant)
            shown = e if e.is_Number else sp.sstr(e)[:40]
            raise b.limit_error(f"exponent {shown} too large (at most {MAX_EXPONENT})", power)
        if isinstance(value, Fn | Op | StudentFn):  # \tanh^{-1}: the inverse function or 1/tanh?
            raise b.error("a power of a function before its argument is read only for a positive whole power "
                          "(\tanh^2(x)); write (\tanh(x))^{-1} or the inverse function's name", node)
        _check_power(b, value, e, power)
        if isinstance(value, sp.MatrixBase) and value.shape != (1, 1) and e.is_Integer and e != 0 and \
                abs(int(e)) * _written_degree(node.body) > MATRIX_POWER_MAX_EXPONENT:
            raise b.limit_error(f"a power of a matrix with exponent {int(e) * _written_degree(node.body)} (powers of "
                                f"powers multiplied; at most {MATRIX_POWER_MAX_EXPONENT} in magnitude)", power)
        if isinstance(value, sp.MatrixBase):
            if value.shape == (1, 1):
                return value[0] ** e
            if value.rows != value.cols:
                raise b.error(f"a power of a non-square ({value.rows}x{value.cols}) matrix", node)
            if e.is_Integer and e < 0:  # X^{-k} = (X^{-1})^k
                try:
                    inv = inverse(sp.ImmutableMatrix(value))
                except ValueError:  # det 0 for every value of its entries: (x x^T)^{-1}, (A - A)^{-1}
                    raise b.limit_error("the inverse of a matrix whose determinant is 0: undefined", node) from None
                return matrix_power(inv, int(-e))
            if e.is_Integer:  # X^0 = I
                return matrix_power(sp.ImmutableMatrix(value), int(e))
            raise b.error(f"a power {sp.sstr(e)} of a matrix (a whole number is read)", node)
        return value**e
    return value




def matrix_power(m: sp.ImmutableMatrix, k: int) -> sp.ImmutableMatrix:
    """m^k (k >= 0) by repeated squaring of plain products: SymPy's own power simplifies every
    product (dotprodsimp), which expands the entries of a symbolic inverse for minutes."""
    out, base = sp.ImmutableMatrix(sp.eye(m.rows)), m
    while k:
        if k & 1:
            out = sp.ImmutableMatrix(out * base)
        k >>= 1
        if k:
            base = sp.ImmutableMatrix(base * base)
    return out


def _written_degree(node: A.Node) -> int:
    """The exponent a nest of written powers has already raised its base to: {{X^2}^2} is 4."""
    while isinstance(node, A.Group) and len(node.items) == 1:
        node = node.items[0]
    if isinstance(node, A.Sup) and isinstance(node.exponent, A.Num) and node.exponent.text.isdigit() \
            and len(node.exponent.text) <= 4:
        return int(node.exponent.text) * _written_degree(node.body)
    return 1


def _check_power(b: Binder, value: Value, e: sp.Expr, node: A.Node) -> None:
    """Powers of powers multiply their exponents ((10^{64})^{64})^{64}: bound the result
    before it is computed, in digits for a number and in degree for an expression."""
    if not e.is_Number or e == 0:
        return
    entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
    for v in entries:
        v = as_basic(v)
        if v.is_Rational and v != 0:
            digits = abs(e) * max(math.log10(abs(v.p)), math.log10(abs(v.q)))
            if digits > MAX_DIGITS:
                raise b.limit_error(f"a power with about {int(digits)} digits (at most {MAX_DIGITS})", node)
        inner = max([abs(p.exp) for p in v.atoms(sp.Pow) if p.exp.is_Number] or [1])
        if inner * abs(e) > MAX_DEGREE:
            raise b.limit_error(f"a power of a power with exponent {inner * abs(e)} (at most {MAX_DEGREE})",
                                     node)


@handles(A.Group)
def _group(b: Binder, node: A.Group, env, canonical) -> Value:
    """(a), [a], \\{a\\}: a's value; [a, b, ...]: the rows stacked, a row of numbers, or a vector of
    equally shaped matrices (the reading stated); a tuple (a, b, ...) as [a, b, ...] (stated: Bishop's
    (x_1, ..., x_D)^T is a column)."""
    if node.kind in ("(", "g", "s", "{") and len(node.items) == 1:  # \{y_n - t_n\}^2: Bishop's brackets
        return b.value(node.items[0], env, canonical)
    if node.kind == "[" and len(node.items) == 1:
        return b.value(node.items[0], env, canonical)
    if node.kind == "(" and len(node.items) > 1:
        b.read("a tuple (a, b, ...) read as the row [a, b, ...]")
    if node.kind in ("[", "(") and len(node.items) > 1:
        vals = [b.value(x, env, canonical) for x in node.items]
        if (
            all(isinstance(v, sp.MatrixBase) and v.rows == 1 for v in vals)
            and len({v.cols for v in vals}) == 1 and vals[0].cols > 1  # numbers (1x1 too) make a row
        ):
            return sp.ImmutableMatrix.vstack(*vals)
        if all(isinstance(v, sp.MatrixBase) and min(v.shape) > 1 for v in vals) and len(
            {v.shape for v in vals}
        ) == 1:
            r, c = vals[0].shape
            b.read(
                f"a list of {r}x{c} matrices read as a vector of matrices: a row of numbers c "
                "times its transpose is the sum of c_k A_k (block-matrix rules would not fit)"
            )
            return Stack(tuple(vals))
        return sp.ImmutableMatrix(1, len(vals), [scalar(b, v, node) for v in vals])
    if node.kind in ("floor", "ceil"):
        raise b.error(f"\\l{node.kind} \\r{node.kind} is read in indices only", node)
    raise b.error("a list here cannot be evaluated", node)


@handles(A.Matrix)
def _matrix(b: Binder, node: A.Matrix, env, canonical) -> Value:
    """\\begin{bmatrix} ... \\end{bmatrix}: a matrix of numbers."""
    rows = [[scalar(b, b.value(x, env, canonical), x) for x in row] for row in node.rows]
    return sp.ImmutableMatrix(rows)


@handles(A.Neg)
def _negation(b: Binder, node, env, canonical) -> Value:
    """-a."""
    v = b.value(node.body, env, canonical)
    return mul(b, sp.Integer(-1), v, node)


@handles(A.BinOp)
def _binary(b: Binder, node: A.BinOp, env, canonical) -> Value:
    """a + b, a - b (a sum's extent read first), a \\cdot b, a \\times b, a \\odot b (or a \\circ b:
    entry-wise), a \\otimes b (Kronecker), a / b."""
    if node.op in "+-":
        extended = _sum_extent(b, node, env)
        if extended is not None:
            return b.value(extended, env, canonical)
    left = b.value(node.left, env, canonical)
    if node.op == "/" and isinstance(node.right, A.Juxt) and len(node.right.items) > 1:
        read = b.choose(("/", node.pos, node.key()), unparse(node), SLASH_READINGS, exhaustive=True)
        head = b.value(node.right.items[0], env, canonical) if read == SLASH_READINGS[1] else None
        if head is not None and not isinstance(head, Fn | Op | StudentFn):  # 1/2 x^T x: (1/2) x^T x
            rest = node.right.items[1:]
            tail = rest[0] if len(rest) == 1 else A.Juxt(rest[0].pos, tuple(rest))
            return mul(b, _quotient(b, left, head, node), b.value(tail, env, canonical), node)
    right = b.value(node.right, env, canonical)
    if node.op in "+-":  # L + \frac{\lambda}{2}\|w\|^2 with L(\mathbf{w}) defined: L at w (never in g_1 \circ g_2)
        left, right = at_its_variable(b, left, node.left), at_its_variable(b, right, node.right)
    if node.op == "+":
        return add(b, left, right, node)
    if node.op == "-":
        return subtract(b, left, right, node)
    if node.op in ("cdot", "times"):
        return mul(b, left, right, node, hadamard_fallback=True)
    if node.op in ("odot", "circ"):
        return hadamard(b, left, right, node)
    if node.op == "otimes":
        if isinstance(left, sp.MatrixBase) and isinstance(right, sp.MatrixBase):
            return kronecker(left, right)
        return mul(b, left, right, node)
    if node.op == "/":
        return _quotient(b, left, right, node)
    raise b.error(f"unknown operator {node.op}", node)


#: The two readings of a slash before a product written side by side, a / b c (1/2 x^T x, x/2a): every
#: claim with one is judged under both (readings.py); where they disagree it is undecided, naming both.
SLASH_READINGS = ("a / (b c), the quotient by the whole product", "(a / b) c, the quotient by its first factor")


def _quotient(b: Binder, left: Value, right: Value, node: A.Node) -> Value:
    """left / right, right a number (a 1x1 matrix is its entry)."""
    den = scalar(b, right, node)
    if den == 0:
        raise b.limit_error("division by zero", node)
    return mul(b, left, sp.Integer(1) / den, node)


def _sum_extent(b: Binder, node: A.BinOp, env: dict[str, int]) -> A.Node | None:
    """\\sum_i a_i - b_i: by precedence the sum's body ends at the first + or -, which
    leaves the i of b_i outside it.  When i has no value there (no enclosing sum and no
    free index i of the claim binds it), that reading means nothing, and the one that
    does is forced: the sum of the whole, \\sum_i (a_i - b_i); it is returned, and the
    verdict states the reading.  When i does have a value both readings mean something:
    ambiguous, so not read (never judged by either reading).  None: nothing to extend."""
    ops: list[str] = []
    terms: list[A.Node] = []
    n: A.Node = node
    while isinstance(n, A.BinOp) and n.op in "+-":
        ops.append(n.op)
        terms.append(n.right)
        n = n.left
    terms, ops = [n, *reversed(terms)], list(reversed(ops))
    for k, term in enumerate(terms[:-1]):
        s = trailing_sum(term)
        if s is None or not any(s.index in index_uses(t) for t in terms[k + 1 :]):
            continue
        if s.index in env:
            raise b.error(
                f"ambiguous sum: its body ends at the next + or -, but its index {s.index} "
                "is used after it; write brackets around what is summed",
                term,
            )
        body = s.body
        for op, t in zip(ops[k:], terms[k + 1 :], strict=True):
            body = A.BinOp(t.pos, op, body, t)
        b.read(
            f"the sum over {s.index} read as the sum of every term after it: {s.index} is used "
            "after the next + or - and is no free index, so only that reading means something"
        )
        out = replace_node(term, s, A.Sum(s.pos, s.index, s.lower, s.upper, body, s.product))
        if k:  # the terms before the sum keep their own reading: t_0 + ... + t_{k-1} + (sum)
            before = terms[0]
            for op, t in zip(ops[: k - 1], terms[1:k], strict=True):
                before = A.BinOp(t.pos, op, before, t)
            out = A.BinOp(node.pos, ops[k - 1], before, out)
        return out
    return None


@handles(A.Frac)
def _fraction(b: Binder, node: A.Frac, env, canonical) -> Value:
    """\\frac{a}{b}: a over a number b (b = 0 is an error)."""
    num = b.value(node.num, env, canonical)
    den = scalar(b, b.value(node.den, env, canonical), node.den)
    if den == 0:
        raise b.limit_error("division by zero", node)
    return mul(b, num, 1 / den, node)


#: Nodes that stand only inside other constructs, and why each is no value by itself.
NOT_VALUES: dict[type, str] = {
    A.Rel: "a relation cannot be evaluated as a value",  # a < b: in conditions and indicators
    A.Interval: "an interval is not a value",  # in relations (parse_relation)
    A.Transpose: "a transpose mark without a matrix",
    A.Placeholder: "f(\\cdot) must be bound in the [notation] table",
    A.Dots: "'...' cannot be evaluated; write the formula out",
}


@handles(*NOT_VALUES)
def _not_a_value(b: Binder, node, env, canonical) -> Value:
    """A relation, an interval, a transpose mark, f(\\cdot) or '...' alone: an error saying why."""
    raise b.error(NOT_VALUES[type(node)], node)
