"""Matrix-calculus claims checked at every size of the problem, exactly (entries as symbols): the
first wrong size gives the counterexample; a claim that holds is handed to its prover (`_finish`)."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from typing import Any

import sympy as sp

from ..core.errors import LimitError, NotationError, Timeout
from ..core.exact import MAX_DIGITS
from ..core.indexsum import Undecided
from ..core.timebound import bounded
from ..core.verdict import Verdict
from ..notation import FreeScope, NotationTable, judge_formula, parse
from ..notation import ast as A
from ..notation.binder import IndexRangeError
from ..notation.calculus import LAYOUTS
from ..notation.indexform import read_node
from ..notation.inputcheck import UnjudgedStatement
from ..notation.reading import last_side_text, node_value, relation_of
from ._readers import value_sides, verdict
from .base import Claim
from .matrix_index import PROOF_SECONDS, CaseMap, IndexOutOfRange, Instance, _attempt, _same, _zero, case_map

ONE_STYLES = {"mathbf", "mathbb", "boldsymbol"}  # \mathbf{1}: the all-ones matrix or the identity


def _is_one(node: A.Node) -> bool:
    """1, \\mathbf{1}, \\mathbb{1}, \\boldsymbol{1}."""
    if isinstance(node, A.Styled) and node.style in ONE_STYLES:
        node = node.body
    return isinstance(node, A.Num) and node.text == "1"


def _shown(value: Any) -> str:
    return sp.sstr(value.tolist() if isinstance(value, sp.MatrixBase) else value)


class WrongStep(Exception):
    """A side of a claim's chain that differs from its last side, at one instance."""

    def __init__(self, step: str, value: Any, last: Any, inst: Instance) -> None:
        super().__init__(step)
        self.step, self.value, self.last, self.inst = step, value, last, inst


class SizeChecks:
    """The checks at sizes of a MatrixCalculusProblem (mixed into it)."""

    sizes: list[dict[str, int]]
    input: str
    vector: str | None
    by_id: dict[str, Claim]

    def _wrong(self, claim: Claim, inst: Instance, what: str, expected: Any, claimed: Any,
               where: str = "") -> Verdict:
        pt = _random_point(inst)
        ce: dict[str, Any] = {"size": dict(inst.size)}
        ce["values"] = {str(k): v for k, v in pt.items()}
        ev = (lambda e: e.subs(pt)) if pt else (lambda e: e)
        ce["expected"] = ev(expected)
        ce["claimed"] = ev(claimed)
        if where:
            ce["where"] = where
        tag = ", ".join(f"{k}={v}" for k, v in inst.size.items())
        return verdict(claim, "incorrect", f"{what} fails at {tag}{' ' + where if where else ''}: "
                       f"expected {sp.sstr(expected)}, claimed {sp.sstr(claimed)} "
                       "(counterexample at random rational entries)",
                       expected=expected, claimed=claimed, counterexample=ce)

    def _wrong_step(self, claim: Claim, exc: WrongStep) -> Verdict:
        tag = ", ".join(f"{k}={v}" for k, v in exc.inst.size.items())
        return verdict(claim, "incorrect", f"{exc.step}differs from the last side at {tag}: "
                       f"{_shown(exc.value)} against {_shown(exc.last)} (a wrong step of the chain)",
                       expected=exc.last, claimed=exc.value)

    def _read(self, inst: Instance, latex: str, node: A.Node | None = None, env: dict[str, int] | None = None,
              **extra: Any) -> Any:
        """The value of the last side of `latex` (or of `node` in it) at this size: the variables'
        entries as symbols, the sizes as size letters, `env` the values of index letters. Every other
        side of the chain that is a value (_readers.value_sides) must equal it: else WrongStep."""
        names, sizes = inst.names(True, **extra), dict(inst.size)
        try:
            if node is not None:
                return node_value(latex, node, names, env, sizes)
            sides = value_sides(latex, lambda side: node_value(latex, side, names, env, sizes))
        except IndexRangeError as exc:
            raise IndexOutOfRange(_missing_entry(latex, exc)) from None
        last = sides[-1][1]
        for step, value in sides[:-1]:  # every side of a chain, not only the last, is what is claimed
            if not _same(value, last):
                raise WrongStep(step, value, last, inst)
        return last

    def _judge_chain(self, claim: Claim) -> Verdict:
        """Every link of a derivation step, at every checked size, by the notation layer: the
        variables are the problem's (their entries fresh symbols), the vectorised input is
        vec(X) row by row (as `vector` is, unless [conventions] vec declares otherwise), J is the
        Jacobian, and `where` holds the student's own functions."""
        try:
            doc = parse(claim.latex)
        except UnjudgedStatement as exc:  # a \\iff b: no equality to judge
            return verdict(claim, "undecided", exc.message)
        except NotationError as exc:  # the text does not parse (or is past a limit): bad input
            return verdict(claim, "error", exc.render())
        if not any(len(chain.sides) >= 2 for chain in doc.chains):
            return verdict(claim, "undecided", "a derivation step needs at least one '=' (a link): "
                           "a single expression states nothing to check")
        found = [chain_at(self, claim, size, {}) for size in self.sizes]
        if any(v.verdict != "correct" for _, v in found) and any(
                v.verdict == "correct" and any("either_layout" in r for r in v.remarks) for _, v in found):
            # read in the other layout at one size (where only it is well-typed): so at every size
            found = [chain_at(self, claim, size, {("layout",): LAYOUTS[1]}) for size in self.sizes]
        how: list[str] = []
        remarks: list[str] = []
        for (tag, v), size in zip(found, self.sizes, strict=True):
            if v.verdict != "correct":
                return replace(v, target=claim.target, message=f"at {tag}: {v.message}",
                               counterexample=None if v.counterexample is None
                               else {"size": dict(size), **v.counterexample})
            how.append(f"{tag}: {v.message}")
            remarks.extend(r for r in v.remarks if r not in remarks)
        return verdict(claim, "correct", f"every link holds at every checked size ({'; '.join(how)}); the sizes "
                       "are symbolic, so this is a check at these sizes, not a proof for all sizes",
                       remarks=tuple(remarks))

    def _judge_jacobian_shape(self, claim: Claim) -> Verdict:
        long_number = re.search(rf"\d{{{MAX_DIGITS + 1},}}", claim.latex)
        if long_number:  # the size a number this long would be is past the limit before it is read
            raise LimitError(claim.latex, f"a size of more than {MAX_DIGITS} digits", long_number.start())
        last = relation_of(claim.latex).sides[-1]
        parts = (last.left, last.right) if isinstance(last, A.BinOp) and last.op == "times" else ()
        words = [p.text for p in parts if isinstance(p, A.Num) or (isinstance(p, A.Name) and p.text.isalnum())]
        if len(words) != 2:
            raise NotationError(claim.latex, "expected a shape such as 'n \\times d'")
        for size in self.sizes:
            inst = Instance(self, size)
            J = self.truth(inst)["jacobian"]
            got = [int(g) if g.isdigit() else size.get(g) for g in words]
            if None in got:
                raise NotationError(claim.latex, f"unknown size name in {' x '.join(words)!r}")
            if got != [J.rows, J.cols]:
                return self._wrong(claim, inst, "the Jacobian shape", sp.Tuple(J.rows, J.cols),
                                   sp.Tuple(*got))
        return self._finish(claim, "the Jacobian shape (rows: outputs, columns: inputs)",
                            self._prove_jacobian_shape, words)

    def _judge_jacobian(self, claim: Claim) -> Verdict:
        last = relation_of(claim.latex).sides[-1]
        rhs = last_side_text(claim.latex)
        if _is_one(last):
            ones_ok = ident_ok = True
            for size in self.sizes:
                J = self.truth(Instance(self, size))["jacobian"]
                ones_ok &= J == sp.ones(*J.shape)
                ident_ok &= J.is_square and J == sp.eye(J.rows)
            if ones_ok and ident_ok:
                return self._finish(claim, f"{rhs} read as all-ones or as identity (the same here)",
                                    self._prove_jacobian, "identity")
            if ones_ok == ident_ok:
                return verdict(claim, "incorrect", f"{rhs} read as all-ones or as identity: wrong either way "
                               f"(checked at {self._sizes_text()})")
            right, wrong = ("the identity matrix I", "the all-ones matrix") if ident_ok else \
                ("the all-ones matrix", "the identity matrix I")
            shown = self._finish(claim, f"read as {right}", self._prove_jacobian,
                                 "identity" if ident_ok else "ones")
            return verdict(claim, "undecided",
                           f"ambiguous notation {rhs}: read as {right} it is correct ({shown.message}), "
                           f"read as {wrong} it is wrong (they differ whenever the dimension is > 1; checked "
                           f"at {self._sizes_text()}); the written answer does not say which is meant",
                           expected=_square(self, "identity" if ident_ok else "ones"), details=shown.details)
        for size in self.sizes:
            inst = Instance(self, size)
            J = self.truth(inst)["jacobian"]
            got = self._read(inst, claim.latex)
            got = got if isinstance(got, sp.MatrixBase) else sp.Matrix([got])
            if got.shape != J.shape or not all(_zero(a - b) for a, b in zip(got, J, strict=True)):
                return self._wrong(claim, inst, "the Jacobian", J, got)
        return self._finish(claim, "the Jacobian", self._prove_jacobian, None)

    def _judge_gradient_entry(self, claim: Claim) -> Verdict:
        text = claim.options.get("reading") or claim.latex
        missing = None  # the first size where the claim names an entry that does not exist
        for size in self.sizes:
            inst = Instance(self, size)
            G = self.truth(inst).get("gradient")
            if G is None:
                return verdict(claim, "error", "the function is not scalar: no gradient")
            try:
                for r in range(G.rows):
                    for c in range(G.cols):
                        where = f"at entry (i, j) = ({r + 1}, {c + 1})"
                        got = self._read(inst, text, env={"i": r + 1, "j": c + 1})
                        if not _same(got, G[r, c]):
                            return self._wrong(claim, inst, "the gradient entry", G[r, c], got, where)
            except IndexOutOfRange as exc:
                missing = missing or _no_entry(claim, inst, "the gradient entry", exc, where)
        if missing is not None:
            return missing
        read = f" (read as {claim.options['reading']})" if "reading" in claim.options else ""
        return self._finish(claim, f"the gradient entry{read}", self._prove_gradient_entry)

    def _judge_rewrite(self, claim: Claim) -> Verdict:
        missing = None  # the first size where the claim names an entry that does not exist
        for size in self.sizes:
            inst = Instance(self, size)
            f = self.truth(inst)["f"]
            try:
                got = self._read(inst, claim.latex)
            except IndexOutOfRange as exc:
                missing = missing or _no_entry(claim, inst, "the rewritten function", exc)
                continue
            if not _same(got, f):
                return self._wrong(claim, inst, "the rewritten function", f, got)
        if missing is not None:
            return missing
        return self._finish(claim, "the rewritten function", self._prove_rewrite)

    def _outer_fn(self, claim: Claim, inst: Instance, x: sp.Matrix) -> Any:
        return self._read(inst, claim.latex, **{claim.options["argument"]: x})

    def _inner_vec(self, claim: Claim, inst: Instance) -> sp.Matrix:
        idx, n = claim.options["index"], inst.size[claim.options["length"]]
        last = relation_of(claim.latex).sides[-1]
        return sp.Matrix([self._read(inst, claim.latex, last, {idx: k}) for k in range(1, n + 1)])

    def _pair(self, claim: Claim) -> tuple[Claim, Claim]:
        other = self.by_id[claim.options["pair"]]
        return (claim, other) if claim.target == "outer" else (other, claim)

    def _judge_outer(self, claim: Claim) -> Verdict:
        outer, inner = self._pair(claim)
        missing = None  # the first size where a claim names an entry that does not exist
        for size in self.sizes:
            inst = Instance(self, size)
            f = self.truth(inst)["f"]
            try:
                got = self._outer_fn(outer, inst, self._inner_vec(inner, inst))
            except IndexOutOfRange as exc:
                missing = missing or _no_entry(claim, inst, "g_1(g_2(a))", exc)
                continue
            if not _same(got, f):
                return self._wrong(claim, inst, f"g_1(g_2(a)) with claims {outer.id}, {inner.id}",
                                   f, got)
        if missing is not None:
            return missing
        return self._finish(claim, f"g_1(g_2(a)) = f (claims {outer.id} and {inner.id} together)",
                            self._prove_composition)

    _judge_inner = _judge_outer

    def _judge_outer_gradient(self, claim: Claim) -> Verdict:
        outer = self.by_id[claim.options["of"]]
        arg, ln = outer.options["argument"], outer.options["length"]
        for size in self.sizes:
            inst = Instance(self, size)
            x = sp.Matrix([sp.Symbol(f"{arg}_{k + 1}", real=True) for k in range(size[ln])])
            g1 = self._outer_fn(outer, inst, x)
            true = sp.Matrix([sp.diff(g1, s) for s in x])
            got = self._read(inst, claim.latex, **{arg: x})
            got = got if isinstance(got, sp.MatrixBase) else sp.Matrix([got])
            if got.shape != true.shape or not all(_zero(a - b) for a, b in zip(got, true, strict=True)):
                return self._wrong(claim, inst, f"the gradient of g_1 (claim {outer.id})", true, got)
        return self._finish(claim, f"the gradient of g_1 as written in claim {outer.id}",
                            self._prove_outer_gradient)

    def _judge_inner_jacobian(self, claim: Claim) -> Verdict:
        inner = self.by_id[claim.options["of"]]
        kp = claim.options["index"]
        row = inner.options["index"]
        parts = case_map(claim.latex)
        found = self._inner_jacobian_at(claim, inner, kp, row, parts, 0)
        if found is None:
            return self._finish(claim, f"the Jacobian of g_2 (claim {inner.id}), with {kp} 1-based "
                                       "as a_k is indexed", self._prove_inner_jacobian, parts, 0, None)
        message = found.message + self._index_map_cases(claim, parts)
        zero_based = self._inner_jacobian_at(claim, inner, kp, row, parts, 1)
        at, size = found.details["index"], found.details["size"]
        if not any(at % size[d] == 0 for d in parts.divisors if d in size):
            return replace(found, message=message)
        message += (f"; the written index map is off by one at {kp} = multiples of n: with "
                    f"{kp} 1-based (as a_k, k = (i-1)n + j, is defined) the case test moves "
                    f"{kp} = n, 2n, ... to the next row and {kp} mod n gives 0 instead of n")
        details = dict(found.details)
        if zero_based is None:
            shown = self._finish(claim, "read 0-based", self._prove_inner_jacobian, parts, 1, None)
            message += f"; read with {kp} 0-based (a_{{{kp}+1}}) it is right ({shown.message})"
            details["zero_based"] = shown.details
        else:
            message += (f"; read with {kp} 0-based (a_{{{kp}+1}}) the row test is right but it "
                        f"still fails: {zero_based.message}")
        return replace(found, message=message, details=details,
                       mistake="off-by-one index map (0-based floor/mod used with 1-based indices)")

    def _index_map_cases(self, claim: Claim, parts: CaseMap) -> str:
        """For a wrong index map: the cases of k' = (p-1)n + q that are still proved for every size."""
        held = []
        for case in range(2):
            try:
                steps = bounded(_attempt, self._prove_inner_jacobian, claim, parts, 0, case, seconds=PROOF_SECONDS)
            except (Undecided, Timeout):
                continue
            held.append(steps[-1]["case"])
        if not held:
            return ""
        kp = claim.options["index"]
        return (f"; in index form ({kp} = (p-1)n + q, column a_{{{kp}}} = A_pq) the claimed entry is proved "
                f"right for every size in the case {' and '.join(held)}")

    def _inner_jacobian_at(self, claim: Claim, inner: Claim, kp: str, row: str, parts: CaseMap,
                           shift: int) -> Verdict | None:
        """The first wrong entry with the column index written as k' = k - shift, or None."""
        base = "0-based" if shift else "1-based as a_k is indexed"
        for size in self.sizes:
            inst = Instance(self, size)
            g2 = self._inner_vec(inner, inst)
            J = g2.jacobian(inst.vec)
            for col in range(1, J.cols + 1):
                kv = col - shift
                for r in range(1, J.rows + 1):
                    where = f"at ({row}, {kp}) = ({r}, {kv}), {kp} {base} (column a_{col})"
                    names = inst.names(False, **{row: sp.Integer(r), kp: sp.Integer(kv)})

                    def read(node: A.Node, names: dict[str, Any] = names, inst: Instance = inst) -> Any:
                        return inst.resolve(read_node(claim.latex, node, names))
                    try:
                        holds = _same(read(parts.test.left), read(parts.test.right))
                        got = read(parts.value if holds else parts.other)
                    except IndexOutOfRange as exc:
                        bad = self._wrong(claim, inst, f"the Jacobian entry ({exc})",
                                          J[r - 1, col - 1], sp.nan, where)
                    else:
                        if _same(got, J[r - 1, col - 1]):
                            continue
                        bad = self._wrong(claim, inst, "the Jacobian entry", J[r - 1, col - 1],
                                          got, where)
                    return replace(bad, details={"index": kv, "size": dict(size)})
        return None


def _no_entry(claim: Claim, inst: Instance, what: str, exc: IndexOutOfRange, where: str = "") -> Verdict:
    """A claim naming an entry that does not exist (v_0, A_{3,1} of a 2x2 A): an error naming the
    index and the size, not a wrong value (there is no value to compare)."""
    tag = ", ".join(f"{k}={v}" for k, v in inst.size.items())
    return verdict(claim, "error", f"{what} names an entry that does not exist at {tag}"
                   f"{' ' + where if where else ''}: {exc}")


def _missing_entry(latex: str, exc: IndexRangeError) -> str:
    """'a_7 does not exist (a has entries 1..6)': the entry the range error is about, named by the
    name written where it points."""
    name = "an entry"
    if exc.position is not None:
        for side in relation_of(latex).sides:
            for node in A.walk(side):
                if isinstance(node, A.Sub) and node.pos == exc.position:
                    body = node.body.body if isinstance(node.body, A.Styled) else node.body
                    name = getattr(body, "text", name)
    return f"{name}_{exc.index} does not exist (index {exc.index} on an axis of entries 1..{exc.size})"


def _square(problem: Any, reading: str) -> sp.MatrixExpr:
    """The identity I or the all-ones matrix 1 1ᵀ, as square as the Jacobian of a vector input
    (its size symbolic: the input's length)."""
    d = problem.shapes[problem.input][0]
    n = sp.Symbol(d, integer=True, positive=True) if isinstance(d, str) else sp.Integer(d)
    return sp.Identity(n) if reading == "identity" else sp.OneMatrix(n, n)


def _random_point(inst: Instance, seed: int = 3) -> dict[sp.Symbol, sp.Rational]:
    rng = random.Random(seed)
    syms = sorted({s for M in inst.mats.values() for s in M.free_symbols}, key=str)
    return {s: sp.Rational(rng.choice([-1, 1]) * rng.randint(1, 9), rng.randint(1, 4)) for s in syms}


def chain_at(problem: Any, claim: Claim, size: dict[str, int], fixed: dict) -> tuple[str, Verdict]:
    """A chain claim of `problem` judged at one size (its tag and verdict), with `fixed` readings
    taken in advance (SizeChecks._judge_chain)."""
    inst = Instance(problem, size)
    scope = FreeScope({name: M.shape for name, M in inst.mats.items()}, symmetric=problem.symmetric,
                      declared=problem.declared)
    data: dict[str, Any] = {name: name for name in inst.mats}
    if problem.vector:
        data[problem.vector] = f"\\operatorname{{vec}}({problem.input})"
    data.update({"J": "jacobian", "\\mathbf{J}": "jacobian", "sizes": dict(size)})
    tag = ", ".join(f"{k}={v}" for k, v in size.items())
    try:
        table = NotationTable.from_dict(data).with_where(dict(claim.options.get("where", {})))
    except NotationError as exc:
        return tag, verdict(claim, "error", f"where: {exc.message}")
    table = table.with_conventions(problem.conventions if not problem.vector or problem.conventions.vec else
                                   replace(problem.conventions, vec="rows"))  # `vector`: row-major
    table.fixed = dict(fixed)
    return tag, judge_formula(scope, table, claim.latex, claim_id=claim.id)
