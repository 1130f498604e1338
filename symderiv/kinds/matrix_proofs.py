"""The proofs of matrix-calculus claims for every size, in index form: each derives the claimed
entry (or shape, or composition) with Kronecker deltas summed out and returns the printed steps,
or raises Undecided with the reason."""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..core import indexsum
from ..core.indexsum import IndexMatrix, Range, Undecided, index_symbol, normal_form, to_expr
from ..notation.indexform import Division, read_index_form, read_node
from .base import Claim
from .matrix_index import CaseMap, Symbolic, _decide, _step


class IndexFormProofs:
    """The provers of a MatrixCalculusProblem (mixed into it): `input`, `vector`, `by_id` and the
    problem's sizes are its own."""

    input: str
    vector: str | None
    by_id: dict[str, Claim]

    def _rhs_entry(self, S: Symbolic, claim: Claim, ranges: dict[sp.Symbol, Range], **bind: Any) -> Any:
        text = claim.options.get("reading") or claim.latex
        return S.resolve(read_index_form(text, S.names(False, **bind), dims=S.dims), ranges)

    def _prove_jacobian_shape(self, claim: Claim, got: list[str]) -> list[dict[str, str]]:
        S = Symbolic(self)
        rows = S.f.rows if isinstance(S.f, IndexMatrix) else sp.Integer(1)
        if isinstance(S.f, IndexMatrix) and S.f.cols != 1:
            raise Undecided("the function is a matrix, not a vector")
        cols = S.X.rows * S.X.cols
        said = [sp.Integer(g) if g.isdigit() else S.size[g] for g in got]
        if said != [rows, cols]:
            raise Undecided(f"claimed {said}, derived {rows} x {cols}")
        return [_step("outputs: the rows of the value (shapes multiply as (a x b)(b x c) = a x c)",
                      "outputs", rows),
                _step(f"inputs: the entries of {self.input}", "inputs", cols),
                {"say": "the Jacobian is outputs x inputs", "text": f"shape = {rows} x {cols} (claimed "
                 f"{' x '.join(got)})", "latex": f"{sp.latex(rows)} \\times {sp.latex(cols)}"}]

    def _prove_jacobian(self, claim: Claim, reading: str | None) -> list[dict[str, str]]:
        S = Symbolic(self)
        truth, steps, ranges, bind = S.jacobian()
        i, j = bind["i"], bind["j"]
        rows, cols = S.f.rows, S.X.rows  # type: ignore[union-attr]
        if reading == "identity":
            if rows != cols:
                raise Undecided("the Jacobian is not square for every size")
            got, said = sp.KroneckerDelta(i, j), "the claim read as the identity: I_ij = delta_ij"
        elif reading == "ones":
            got, said = sp.Integer(1), "the claim read as the all-ones matrix: 1_ij = 1"
        else:
            M = read_index_form(claim.latex, S.names(True), dims=S.dims)
            if not isinstance(M, IndexMatrix) or M.shape != (rows, cols):
                raise Undecided(f"the claimed Jacobian does not have the shape {rows} x {cols} for every size")
            got, said = S.resolve(M.entry(i, j), ranges), "the claim's (i, j) entry"
        _decide(truth - got, ranges)
        steps.append(_step(f"{said}; claim minus derived entry reduces to 0", "J_ij", truth, "J_{ij}",
                           S.show(got)))
        return steps

    def _prove_gradient_entry(self, claim: Claim) -> list[dict[str, str]]:
        S = Symbolic(self)
        truth, steps, ranges, bind = S.gradient()
        got = self._rhs_entry(S, claim, ranges, **bind)
        _decide(truth - got, ranges)
        read = f" (read as {claim.options['reading']})" if "reading" in claim.options else ""
        steps.append(_step(f"the claim{read} at the same entry; claim minus derived entry reduces to 0",
                           "grad f_ij", truth, "\\nabla f_{ij}", S.show(got)))
        return steps

    def _outer_symbolic(self, S: Symbolic, outer: Claim) -> tuple[sp.IndexedBase, sp.Symbol, sp.Expr]:
        """g_1 in index form with its argument x (an IndexedBase of length `length`)."""
        arg = outer.options["argument"]
        x, length = sp.IndexedBase(arg), S.size[outer.options["length"]]
        S.dims[arg] = (length,)
        g1 = read_index_form(outer.latex, S.names(False, **{arg: x}), dims=S.dims)
        indexsum.check_entries(g1, S.dims, {}, set(S.size.values()))
        return x, length, g1

    def _prove_composition(self, claim: Claim) -> list[dict[str, str]]:
        """g_1(g_2(a)) = f: g_2(a)_t read at a generic t in 1..length, put in for every x_e of g_1
        (e must lie in 1..length for every size), then compared with f in index form."""
        S = Symbolic(self)
        outer, inner = self._pair(claim)
        if isinstance(S.f, IndexMatrix):
            raise Undecided("the function is not scalar")
        x, _, g1 = self._outer_symbolic(S, outer)
        t, length = index_symbol(inner.options["index"]), S.size[inner.options["length"]]
        g2 = self._rhs_entry(S, inner, {t: (sp.Integer(1), length)}, **{inner.options["index"]: t})

        def put(ent: sp.Indexed, scope: dict[sp.Symbol, Range]) -> sp.Expr:
            if ent.base != x:
                return ent
            if len(ent.indices) != 1 or not indexsum.within(ent.indices[0], sp.Integer(1), length, scope):
                raise Undecided(f"cannot show that {sp.sstr(ent)} is an entry of g_2 (1..{length})")
            return g2.xreplace({t: ent.indices[0]})
        composed = S.resolve(indexsum.map_entries(g1, put, {}, set(S.size.values())), {})
        f = S.resolve(S.f, {})
        _decide(composed - f, {})
        return [_step(f"g_1 in index form ({S.describe()})", "g_1(x)", S.show(g1)),
                _step(f"g_2 in index form (entry {t} in 1..{length}, a as entries of {self.input})",
                      f"g_2(a)_{t}", S.show(g2)),
                _step("put x = g_2(a) into g_1", "g_1(g_2(a))", S.show(composed)),
                _step("distribute the sums, rename the bound indices, collect: g_1(g_2(a)) minus f "
                      "reduces to 0", "g_1(g_2(a))", to_expr(normal_form(composed, {})), None, S.show(f))]

    def _prove_outer_gradient(self, claim: Claim) -> list[dict[str, str]]:
        """(∇g_1)_i = ∂g_1/∂x_i at a generic i in 1..length, against the claim's i-th entry."""
        S = Symbolic(self)
        outer = self.by_id[claim.options["of"]]
        x, length, g1 = self._outer_symbolic(S, outer)
        i = index_symbol("i")
        ranges = {i: (sp.Integer(1), length)}
        truth, steps, _ = S._derive(g1, x[i], ranges, f"d g_1/d {x}_i",
                                    f"\\frac{{\\partial g_1}}{{\\partial {x}_i}}", "g_1(x)")
        M = read_index_form(claim.latex, S.names(True, **{str(x): IndexMatrix.variable(str(x), length, sp.Integer(1))}),
                            dims=S.dims)
        if not isinstance(M, IndexMatrix) or M.shape != (length, 1):
            raise Undecided(f"the claimed gradient is not a vector of length {length}")
        got = S.resolve(M.entry(i, sp.Integer(1)), ranges)
        _decide(truth - got, ranges)
        steps.append(_step("the claim's i-th entry; claim minus derived entry reduces to 0",
                           "(grad g_1)_i", truth, "(\\nabla g_1)_i", S.show(got)))
        return steps

    def _prove_rewrite(self, claim: Claim) -> list[dict[str, str]]:
        S = Symbolic(self)
        if isinstance(S.f, IndexMatrix):
            raise Undecided("the function is not scalar")
        f = S.resolve(S.f, {})
        got = self._rhs_entry(S, claim, {})
        _decide(f - got, {})
        steps = [_step(f"f in index form ({S.describe()})", "f", S.show(f))]
        if self.vector:
            steps.append({"say": f"the claim with {self.vector}_{{(r-1)c+s}} = {self.input}_{{rs}} "
                          "(row-major vectorisation)", "text": f"claim = {sp.sstr(S.show(got))}",
                          "latex": f"\\text{{claim}} = {sp.latex(S.show(got))}"})
        steps.append(_step("distribute the sums, rename the bound indices, collect: claim minus f "
                           "reduces to 0", "f", to_expr(normal_form(f, {})), None, S.show(got)))
        return steps

    def _prove_inner_jacobian(self, claim: Claim, parts: CaseMap, shift: int,
                              only: int | None) -> list[dict[str, str]]:
        """J_{g_2}(a)_{i k'} for every size: the column k' = k - shift of a_k = X_pq, k = (p-1)c + q,
        at generic i, p and q (c the column count). With u = q - shift in 0..c-1, ⌊k'/c⌋ = p - 1 and
        k' mod c = u; with u = c (q = c, shift 0), ⌊k'/c⌋ = p and k' mod c = 0. The case test
        'lhs = rhs' is 0 = 0 (holds), a nonzero constant (fails), or s = t + c0 for indices s, t
        (a Kronecker delta δ_{s, t+c0} selects the value)."""
        S = Symbolic(self)
        inner = self.by_id[claim.options["of"]]
        kp, row = claim.options["index"], inner.options["index"]
        if S.X.cols == 1 or S.X.rows == 1:
            raise Undecided("the index map is written for a matrix input")
        rows, cols, length = S.X.rows, S.X.cols, S.size[inner.options["length"]]
        for d in parts.divisors:
            if S.size.get(d) != cols:
                raise Undecided(f"the index map divides by {d}, not by the column count")
        i = index_symbol(row)
        p, q = (index_symbol(n) for n in [n for n in ("p", "q", "r", "s") if n != row][:2])
        base = sp.IndexedBase(self.input)
        g2 = self._rhs_entry(S, inner, {i: (sp.Integer(1), length)}, **{row: i})
        raw = sp.diff(g2, base[p, q])
        general = {i: (sp.Integer(1), length), p: (sp.Integer(1), rows), q: (sp.Integer(1), cols)}
        truth = to_expr(normal_form(raw, general))
        cases = [(f"{q} <= {cols - 1 + shift}", {q: (sp.Integer(1), cols - 1 + shift)}, p - 1, q - shift, q)]
        if shift == 0:
            cases.append((f"{q} = {cols} ({kp} a multiple of {cols})", {}, p, sp.Integer(0), cols))
        where = f"{kp} = ({p}-1){cols} + {q}" + (f" - {shift}" if shift else "")
        steps = [_step(f"g_2 in index form ({S.describe()})", f"g_2(a)_{i}", S.show(g2)),
                 _step(f"column {where} is a_k = {self.input}_{p}{q}: differentiate, sum out the deltas",
                       f"J_{i},{kp}", truth)]
        for number, (label, qrange, fl, md, qval) in enumerate(cases):
            if only is not None and number != only:
                continue
            ranges = {i: general[i], p: general[p], **(qrange or {})}
            exact = truth.xreplace({q: qval})
            col = (p - 1) * cols + qval - shift

            names = S.names(False, **{row: i, kp: col})
            division = Division(col, cols, fl, md)

            def read(node: Any, names: dict[str, Any] = names, division: Division = division) -> Any:
                return read_node(claim.latex, node, names, S.dims, division)
            try:
                holds = self._case_test(sp.expand(read(parts.test.left) - read(parts.test.right)), ranges)
                got = sp.Integer(0) if holds == 0 else holds * S.resolve(read(parts.value), ranges)
                if holds != 1:
                    got += (1 - holds) * S.resolve(read(parts.other), ranges)
                _decide(exact - got, ranges)
            except Undecided as exc:
                raise Undecided(f"case {label}: {exc}") from None
            steps.append(_step(f"case {label}: floor({kp}/{cols}) = {fl}, {kp} mod {cols} = {md}; the case "
                               "test and the claimed entry reduce to the derived one", f"J_{i},{kp}", exact,
                               None, S.show(got)))
            steps[-1]["case"] = label
        return steps

    @staticmethod
    def _case_test(test: sp.Expr, ranges: dict[sp.Symbol, Range]) -> sp.Expr:
        """1 when 'lhs = rhs' always holds (difference 0), 0 when never (a nonzero constant),
        δ_{s, t+c} when the difference is s - t - c for two indices s, t."""
        if test == 0:
            return sp.Integer(1)
        if test.is_number:
            return sp.Integer(0)
        syms = [s for s in test.free_symbols if s in ranges]
        if len(syms) == 2 and test.free_symbols == set(syms):
            a, b = syms
            c0 = test.subs({a: 0, b: 0})
            if sp.expand(test - c0) in (a - b, b - a):
                lead = a if sp.expand(test - c0) == a - b else b
                rest = b if lead is a else a
                return sp.KroneckerDelta(lead, rest - c0)
        raise Undecided(f"cannot decide the case test {sp.sstr(test)} = 0 for every size")
