"""SymPy's derivative, step for step, with every subexpression's free symbols found once."""

from __future__ import annotations

import sympy as sp
from sympy.core.function import Function

from ..core.exact import as_sympy

MAX_REMEMBERED = 200_000  # free-symbol sets kept by one Differentiator


class Differentiator:
    """d e / d v as `sp.diff(e, v)` computes it, for the expressions SymPy differentiates by
    the sum, product, power and chain rules (Add, Mul, Pow, functions without their own rule):
    the same rules applied in the same order to the same arguments, so the same expression
    comes out.  What differs is the cost: SymPy asks every subexpression for its free symbols
    at every level of every derivative (quadratic in the depth, and again for each variable of
    a gradient); here each subexpression's free symbols are found once and kept.  Anything
    else (Piecewise, Abs, Max, Derivative, ...) is left to `sp.diff` itself."""

    def __init__(self) -> None:
        self._free: dict[sp.Basic, frozenset[sp.Basic]] = {}
        self._derivatives: dict[tuple[sp.Basic, sp.Symbol], sp.Basic] = {}

    def free_symbols(self, e: sp.Basic) -> frozenset[sp.Basic]:
        """e.free_symbols, computed bottom-up once per subexpression."""
        memo = self._free
        found = memo.get(e)
        if found is not None:
            return found
        if len(memo) > MAX_REMEMBERED:
            memo.clear()
        stack: list[tuple[sp.Basic, bool]] = [(e, False)]
        while stack:
            node, ready = stack.pop()
            if node in memo:
                continue
            if not _plain(node):
                memo[node] = frozenset(node.free_symbols)
                continue
            if not ready:
                stack.append((node, True))
                stack.extend((a, False) for a in node.args if a not in memo)
                continue
            out: frozenset[sp.Basic] = frozenset()
            for a in node.args:
                out |= memo[a]
            memo[node] = out
        return memo[e]

    def xreplace(self, e: sp.Basic, rule: dict[sp.Symbol, sp.Basic],
                 done: dict[sp.Basic, tuple[sp.Basic, bool]] | None = None) -> sp.Basic:
        """e.xreplace(rule) for a rule that replaces symbols: the same expression, rebuilt the
        same way, but without visiting a subexpression that has none of the symbols.  `done`
        (results by subexpression, for this rule only) may be kept from call to call."""
        keys = frozenset(rule)
        if done is None:
            done = {}

        def visit(node: sp.Basic) -> tuple[sp.Basic, bool]:  # as Basic._xreplace: (result, changed)
            found = done.get(node)
            if found is not None:
                return found
            if node in rule:
                out = rule[node], True
            elif not _plain(node):  # atoms, and nodes that may bind variables: SymPy itself
                out = node._xreplace(rule)
            elif not (self.free_symbols(node) & keys):
                out = node, False
            else:
                results = [visit(a) for a in node.args]
                changed = any(c for _, c in results)
                out = (node.func(*[r for r, _ in results]), True) if changed else (node, False)
            done[node] = out
            return out

        return visit(e)[0]

    def diff(self, e: sp.Basic, v: sp.Symbol) -> sp.Basic:
        """d e / d v (v a symbol): the expression sp.diff(e, v) gives."""
        if not isinstance(v, sp.Symbol):
            return sp.diff(e, v)
        return self._diff(as_sympy(e), v)

    def _diff(self, e: sp.Basic, v: sp.Symbol) -> sp.Basic:
        if v not in self.free_symbols(e):  # Derivative.__new__'s quick exit
            return sp.S.Zero
        key = (e, v)  # a subexpression met again (ReLU(z_j) in every output): its derivative once
        found = self._derivatives.get(key)
        if found is None:
            if len(self._derivatives) > MAX_REMEMBERED:
                self._derivatives.clear()
            found = self._derivatives[key] = self._rule(e, v)
        return found

    def _rule(self, e: sp.Basic, v: sp.Symbol) -> sp.Basic:
        if e == v:
            return sp.S.One
        t = type(e)
        if t is sp.Add:  # Add._eval_derivative
            out = e.func(*[self._diff(a, v) for a in e.args])
        elif t is sp.Mul:  # Mul._eval_derivative_n_times(v, 1): the Leibniz rule, one factor at a time
            args = e.args
            terms = []
            for i in range(len(args)):
                factors = [self._diff(a, v) if k == i else a for k, a in enumerate(args)]
                terms.append(sp.S.One * sp.Mul(*factors))
            out = sp.Add(*terms)
        elif t is sp.Pow:  # Pow._eval_derivative
            dbase = self._diff(e.base, v)
            dexp = self._diff(e.exp, v)
            out = e * (dexp * sp.log(e.base) + dbase * e.exp / e.base)
        elif isinstance(e, Function) and type(e)._eval_derivative is Function._eval_derivative \
                and type(e)._eval_derivative_n_times is sp.Basic._eval_derivative_n_times:
            out = self._chain(e, v)  # Function._eval_derivative
        else:
            return sp.diff(e, v)
        return out

    def _chain(self, e: sp.Basic, v: sp.Symbol) -> sp.Basic:
        from sympy.core.function import ArgumentIndexError

        terms = []
        for i, a in enumerate(e.args, start=1):
            da = self._diff(a, v)
            if da.is_zero:
                continue
            try:
                df = e.fdiff(i)
            except ArgumentIndexError:
                df = Function.fdiff(e, i)
            terms.append(df * da)
        return sp.Add(*terms)


def _plain(node: sp.Basic) -> bool:
    """A node whose free symbols are those of its arguments (no bound variables)."""
    return type(node) in (sp.Add, sp.Mul, sp.Pow) or (
        isinstance(node, Function) and not isinstance(node, sp.Derivative | sp.Subs)
    )
