"""A proof that an expression is 0 by expanding it as a polynomial, within a fixed amount of work."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ..core.exact import as_sympy
from ..core.timebound import bounded

#: Products of terms one expansion may form (a bound on time and memory: past it, no answer).
MAX_WORK = 300_000

Monomial = tuple[tuple[int, int], ...]  # (atom number, exponent), by atom number
Polynomial = dict[Monomial, Fraction]


class _TooLarge(Exception):
    pass


class _Expander:
    """Expressions as polynomials with rational coefficients in atoms: symbols, and every
    subexpression that is not a sum, a product or a positive integer power (ReLU(z), e^{u},
    1/u, sqrt 2, ...), each atom a variable of its own (equal atoms, as SymPy compares them,
    are the same variable)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.atoms: dict[sp.Basic, int] = {}
        self.memo: dict[sp.Basic, Polynomial] = {}

    def _spend(self, work: int) -> None:
        self.budget -= work
        if self.budget < 0:
            raise _TooLarge

    def poly(self, e: sp.Basic) -> Polynomial:
        found = self.memo.get(e)
        if found is not None:
            return found
        if isinstance(e, sp.Rational):
            out: Polynomial = {(): Fraction(int(e.p), int(e.q))} if e != 0 else {}
        elif isinstance(e, sp.Add):
            out = {}
            for a in e.args:
                for m, c in self.poly(a).items():
                    self._spend(1)
                    total = out.get(m, 0) + c
                    if total:
                        out[m] = total
                    else:
                        out.pop(m, None)
        elif isinstance(e, sp.Mul):
            out = {(): Fraction(1)}
            for a in e.args:
                out = self._times(out, self.poly(a))
        elif isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0:
            base = self.poly(e.base)
            out = {(): Fraction(1)}
            for _ in range(int(e.exp)):
                out = self._times(out, base)
        else:
            n = self.atoms.setdefault(e, len(self.atoms))
            out = {((n, 1),): Fraction(1)}
        self.memo[e] = out
        return out

    def _times(self, a: Polynomial, b: Polynomial) -> Polynomial:
        self._spend(len(a) * len(b))
        out: Polynomial = {}
        for ma, ca in a.items():
            for mb, cb in b.items():
                m = _multiply(ma, mb)
                total = out.get(m, 0) + ca * cb
                if total:
                    out[m] = total
                else:
                    out.pop(m, None)
        return out


def _multiply(a: Monomial, b: Monomial) -> Monomial:
    if not a:
        return b
    if not b:
        return a
    powers = dict(a)
    for n, k in b:
        powers[n] = powers.get(n, 0) + k
    return tuple(sorted(powers.items()))


def is_zero_polynomial(exprs: list[sp.Basic], budget: int = MAX_WORK) -> bool | None:
    """True when every expression expands to the zero polynomial in its atoms: then each is 0
    for every value of its symbols (a proof).  False when one expands to a nonzero polynomial
    in symbols alone (then it is not 0 for every value: no proof exists).  None otherwise: past
    the budget, or a nonzero polynomial in atoms that may obey identities (e^{2u} = (e^u)^2,
    ReLU(u)^2 = u ReLU(u)), which other means must decide."""
    expander = _Expander(budget)
    try:
        for e in exprs:
            if expander.poly(as_sympy(e)):
                return False if all(isinstance(a, sp.Symbol) for a in expander.atoms) else None
    except (_TooLarge, RecursionError):
        return None
    return True


def all_zero(diffs: list[sp.Expr]) -> bool:
    """Every difference is 0: expanded as polynomials in their atoms (a bounded amount of work,
    in process), then so again with functions of an exponential form written in it (σ(u) as
    1/(1 + e^{-u}), so a σ and a student's 1/(1 + e^{-u}) are one atom), else by SymPy's simplify
    in a worker bounded in time.  A nonzero polynomial in symbols alone is no identity: simplify is
    not asked."""
    zero = is_zero_polynomial(diffs)
    if zero is not None:
        return zero
    if is_zero_polynomial([as_sympy(d).rewrite(sp.exp) for d in diffs]):  # σ(u) = 1/(1 + e^{-u}), tanh, ...
        return True
    return bounded(_simplified_to_zero, diffs, seconds=3.0)


def _simplified_to_zero(diffs: list[sp.Expr]) -> bool:
    return all(sp.simplify(d) == 0 for d in diffs)
