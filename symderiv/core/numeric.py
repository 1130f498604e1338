"""Numbers: random exact points, central finite differences, exact decimal display."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import sympy as sp


def random_rational_matrix(rng: np.random.Generator, rows: int, cols: int, denominator: int = 10) -> sp.Matrix:
    """Entries k/denominator with k uniform in [-denominator, denominator]: hand-checkable."""
    ks = rng.integers(-denominator, denominator + 1, size=(rows, cols))
    return sp.Matrix(rows, cols, lambda i, j: sp.Rational(int(ks[i, j]), denominator))


def central_differences(
    f: Callable[[dict[str, np.ndarray]], float], point: dict[str, np.ndarray], key: str, h: float = 1e-6
) -> np.ndarray:
    """∂f/∂p_ij ≈ (f(p + h e_ij) - f(p - h e_ij)) / 2h for every entry of point[key]."""
    base = point[key]
    out = np.zeros_like(base, dtype=float)
    for idx in np.ndindex(base.shape):
        plus, minus = base.copy(), base.copy()
        plus[idx] += h
        minus[idx] -= h
        out[idx] = (f({**point, key: plus}) - f({**point, key: minus})) / (2 * h)
    return out


def directional_difference(
    f: Callable[[dict[str, np.ndarray]], float],
    point: dict[str, np.ndarray],
    direction: dict[str, np.ndarray],
    h: float = 1e-5,
) -> float:
    """d/dε f(p + ε v) at ε = 0 by central differences: equals Σ_P <∂f/∂P, v_P>."""
    plus = {k: v + h * direction[k] if k in direction else v for k, v in point.items()}
    minus = {k: v - h * direction[k] if k in direction else v for k, v in point.items()}
    return (f(plus) - f(minus)) / (2 * h)


FLOAT_MAX_EXP = 709.0  # e^709.78 is the largest float64


def beyond_float(value: sp.Expr) -> bool:
    """Whether an exponential inside `value` has an argument past FLOAT_MAX_EXP (e^{e^{e^{e^{e^x}}}} at
    x = 1/3), found innermost first so that each argument evaluated is itself a small number: SymPy's
    evalf of such a tower takes minutes, so its value is printed as written instead."""
    growing = [a for a in value.atoms(sp.exp, sp.sinh, sp.cosh) if a.args[0].is_number]
    for atom in sorted(growing, key=sp.count_ops):
        try:
            size = abs(complex(sp.N(atom.args[0], 5)))
        except (OverflowError, ValueError, TypeError):
            return True
        if not math.isfinite(size) or size > FLOAT_MAX_EXP:
            return True
    return False


def exact_decimal(value: sp.Expr) -> str:
    """'1.0185' for 2037/2000 (terminating decimals exactly), '1/3' otherwise, or a float (a complex
    value as SymPy prints it to 12 digits)."""
    if isinstance(value, sp.Integer):
        return str(value)
    if isinstance(value, sp.Rational):
        q = int(value.q)
        twos = fives = 0
        while q % 2 == 0:
            q //= 2
            twos += 1
        while q % 5 == 0:
            q //= 5
            fives += 1
        if q == 1:
            digits = max(twos, fives)
            scaled = int(value * 10**digits)
            sign = "-" if scaled < 0 else ""
            whole, frac = divmod(abs(scaled), 10**digits)
            return f"{sign}{whole}.{frac:0{digits}d}"
        return f"{value.p}/{value.q}"
    try:
        if not beyond_float(value):
            approx = sp.N(value, 17)
            if approx.is_Float and math.isfinite(float(approx)):
                return f"{float(approx):.12g}"
    except (OverflowError, ValueError, TypeError):  # too large for a float: as SymPy prints it
        pass
    shown = sp.sstr(value)  # a complex value ((-8)^{1/3}), one with symbols or beyond a float
    return shown if len(shown) <= 80 else shown[:77] + "..."


def to_nested(m: sp.Matrix | np.ndarray, convert: Callable[[object], object] = float) -> list[list[object]]:
    """A matrix as nested lists (rows of entries), entries converted by `convert`."""
    arr = m.tolist() if isinstance(m, sp.MatrixBase) else np.asarray(m).tolist()
    return [[convert(v) for v in row] for row in arr]
