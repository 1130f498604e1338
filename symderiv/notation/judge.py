"""Judge a bound formula: shapes, exact evaluation at random points, every link of a chain."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass

import sympy as sp

from ..core.errors import NotationError, SymderivError, Timeout
from ..core.exact import too_many_digits
from ..core.limits import VALUE_MAX_DIGITS
from ..core.verdict import Verdict
from . import ast as A
from .bind import Binder, FormulaLimitError, FormulaShapeError, NotationTable, Stack
from .decimals import agrees, rounded, tolerance_text, written_decimals
from .evaluate import to_float
from .inputcheck import UnjudgedStatement
from .parse import parse, parse_one
from .points import (
    PointChecks,
    Undefined,
    _as_matrix,
    _equal,
    _legibility,
    _legibility_floats,
    _num,
    _shape,
    sample_points,
)
from .polynomial import all_zero
from .readings import column_of_rows, implicit_sums, judge_with_dot_readings, remarks_of
from .scope import Fn, as_basic
from .sidetext import prints_shorter, side_end, side_text

POINTS = 6
MAX_ASSIGNMENTS = 48
MAX_LOG_MAGNITUDE = 10_000  # e^{10000}: the largest value compared (exp of more is a limit error)


@dataclass
class Side:
    node: A.Node
    canonical: bool
    text: str


def target_node(target: str) -> tuple[A.Node, bool]:
    """'dL/dW1' (canonical names) or LaTeX such as \\frac{\\partial L}{\\partial W^{(1)}}."""
    t = target.strip()
    if t.startswith("d") and "/d" in t and "\\" not in t and "{" not in t:
        num, den = t[1:].split("/d", 1)
        return A.Deriv(0, A.Name(0, num), (A.Name(0, den),)), True
    return parse_one(t), False


def _shape_text(shape: tuple[int, ...]) -> str:
    """'2x3' for a matrix; 'a 2x1-by-2x4 array' for the derivative of a matrix by a matrix."""
    if len(shape) == 4:
        return f"{shape[0]}x{shape[1]}-by-{shape[2]}x{shape[3]} array (4 indices)"
    return "x".join(map(str, shape))


class Judge(PointChecks):
    """Checks every link of every chain of one formula against a scope."""

    def __init__(
        self, scope, table: NotationTable, text: str, points: int = POINTS, seed: int = 0,
        at: dict[sp.Symbol, sp.Rational] | None = None,
    ) -> None:
        self.scope, self.table, self.text = scope, table, text
        self.binder = Binder(scope, table, text)
        self.points = [at] if at is not None else sample_points(scope, points, seed)
        self.data: dict[sp.Symbol, sp.Rational] | None = None  # the problem's values, when it has them
        self.at_data = at is not None
        self._point_values, self._points_valued = None, None  # see PointChecks._values
        self.rounded = False  # a side of decimals was compared to its written precision
        self._readings: set[str] = set()  # the judge's own readings (the binder keeps its own)
        self.remarks_made: set[str] = set()  # the conventions the judge read (the binder keeps its own)

    @property
    def readings(self) -> set[str]:
        """How notation with more than one reading was read, by the binder and by the judge."""
        return self.binder.readings | self._readings

    def free_ranges(self, sides: list[Side], unreadable: dict | None = None) -> dict[str, int]:
        """The free index letters of the sides and their ranges, found by probing.

        With `unreadable` (a dict), a side that cannot be read is recorded there (index ->
        message) instead of failing the whole chain; a shape error always fails it."""
        ranges: dict[str, int] = {}
        failed: dict[int, NotationError] = {}
        for n, side in enumerate(sides):
            try:
                self._side_ranges(side, ranges)
            except (FormulaShapeError, FormulaLimitError):
                raise
            except NotationError as exc:
                failed[n] = exc
        # a side may need a range only a later side shows (an index used in a condition or a delta)
        for n in list(failed):
            try:
                self._side_ranges(sides[n], ranges)
                del failed[n]
            except (FormulaShapeError, FormulaLimitError):
                raise
            except NotationError as exc:
                failed[n] = exc
        if failed and unreadable is None:
            raise next(iter(failed.values()))
        if unreadable is not None:
            unreadable.update({n: exc.message for n, exc in failed.items()})
        return ranges

    def _side_ranges(self, side: Side, ranges: dict[str, int]) -> None:
        """The free letters of one side and their ranges, added to `ranges`: the side is probed
        with the letters found so far at 1 and those pending (met with no value) as probes, until
        no letter without a value is met; each pending letter's range is the first axis it indexes."""
        env = {k: 1 for k in ranges}
        pending: set[str] = set()
        for _ in range(24):
            found = self.binder.probe(side.node, env, pending, side.canonical)
            for letter, size in found.ranges.items():
                if letter in ranges and ranges[letter] != size:
                    raise FormulaShapeError(
                        self.text,
                        f"index {letter} ranges over 1..{ranges[letter]} in one place and 1..{size} in another",
                        side.node.pos,
                    )
                ranges[letter] = size
                env[letter] = 1
                pending.discard(letter)
            if found.error is not None:
                raise found.error
            if found.unbound is not None:
                pending.add(found.unbound)
                continue
            if pending:
                raise NotationError(
                    self.text,
                    f"cannot tell the range of index {', '.join(sorted(pending))}",
                    side.node.pos,
                )
            break

    def evaluate(self, side: Side, env: dict[str, int], ranges: dict[str, int] | None = None):
        """The value of a side at the index values `env` (`ranges`: the free letters' ranges)."""
        v = self.binder.top(side.node, env, side.canonical, ranges)
        if isinstance(v, Stack):
            raise NotationError(self.text, "a vector of matrices is not a value to compare", side.node.pos)
        if isinstance(v, Fn) or not isinstance(v, sp.Basic):
            raise NotationError(self.text, "a function without its argument", side.node.pos)
        return self.scope.expand(v)

    def judge_chain(self, sides: list[Side], ops: list[str]) -> dict:
        """_judge_chain_once under the well-typed reading of its \\cdot (readings.py); {'undecided': why}."""
        return judge_with_dot_readings(self, sides, ops, self._judge_chain_once)

    def _judge_chain_once(self, sides: list[Side], ops: list[str]) -> dict:
        """{'ok': bool, 'link': i, 'message', 'counterexample', 'mistake', values, unreadable};
        'untyped' when a side is not well-typed (a shape error inside it).

        A side that cannot be read (notation the layer does not know) is skipped: its
        neighbours are compared with each other (a = b = c implies a = c), and the chain is
        at best undecided."""
        unreadable: dict[int, str] = {}
        try:
            ranges = self.free_ranges(sides, unreadable)
        except FormulaShapeError as exc:
            return {
                "ok": False,
                "link": 0,
                "left": sides[0].text,
                "right": sides[-1].text,
                "message": f"shape: {exc.message}",
                "mistake": "shapes do not fit",
                "ranges": {},
                "untyped": True,
                "within": True,
            }
        letters = sorted(ranges)
        envs = [
            dict(zip(letters, combo, strict=True))
            for combo in itertools.product(*[range(1, ranges[x] + 1) for x in letters])
        ]
        if len(envs) > MAX_ASSIGNMENTS:
            envs = random.Random(1).sample(envs, MAX_ASSIGNMENTS)
        values: list = []
        for n, s in enumerate(sides):
            if n in unreadable:
                values.append(None)
                continue
            try:
                values.append([self.evaluate(s, env, ranges) for env in envs])
            except FormulaShapeError as exc:  # the link into side n (out of side 0 for n = 0)
                lo = max(n - 1, 0)
                return {
                    "ok": False,
                    "link": lo,
                    "left": sides[lo].text,
                    "right": sides[min(lo + 1, len(sides) - 1)].text,
                    "message": f"shape: {exc.message}",
                    "mistake": "shapes do not fit",
                    "ranges": ranges,
                    "untyped": True,
                    "within": True,  # a side that cannot be evaluated, not two sides of different shapes
                }
            except FormulaLimitError:
                raise
            except NotationError as exc:
                unreadable[n] = exc.message
                values.append(None)
        readable = [n for n in range(len(sides)) if values[n] is not None]
        self._numbers_are_about_data(values, readable)
        checked = 0
        skipped = []  # links that are not equalities: never checked, so never called correct
        for p, q in itertools.pairwise(readable):
            if any(op not in ("=", ":=", "equiv") for op in ops[p:q]):
                skipped.append(f"{sides[p].text} {' '.join(ops[p:q])} {sides[q].text}")
                continue
            result = self._link(sides, values, envs, p, q)
            if result is not None:
                result["ranges"] = ranges
                return result
            checked += 1
        return {
            "ok": True,
            "checked": checked,
            "skipped": skipped,
            "ranges": ranges,
            "values": values,
            "envs": envs,
            "unreadable": {sides[n].text: m for n, m in sorted(unreadable.items())},
        }

    def _written(self, sides, i: int, j: int, a, b) -> tuple[list[int | None], bool] | None:
        """(decimals per entry, whether side j is the written one) when one side of the link is
        numbers only with a decimal among them: compared to the written precision (the reading
        stated); None otherwise (exact)."""
        for node, value, right in ((sides[j].node, b, True), (sides[i].node, a, False)):
            decimals = written_decimals(node)
            if rounded(decimals) and len(decimals) == len(_as_matrix(value)):
                self._readings.add(tolerance_text(decimals))
                self.rounded = True
                return decimals, right
        return None

    def _link(self, sides, values, envs, i, j=None):
        j = i + 1 if j is None else j
        a_vals, b_vals = values[i], values[j]
        sa, sb = _shape(a_vals[0]), _shape(b_vals[0])
        base = {"ok": False, "link": i, "left": sides[i].text, "right": sides[j].text}
        if sa != sb:
            mistake = "missing or extra transpose" if sa == (sb[1], sb[0]) else None
            return {
                **base,
                "message": f"shape: {sides[i].text} is {_shape_text(sa)} but "
                f"{sides[j].text} is {_shape_text(sb)}",
                "mistake": mistake or self._diagonal_mistake(a_vals, b_vals),
                "untyped": True,
            }
        failures, singular = [], set()
        written = self._written(sides, i, j, a_vals[0], b_vals[0])
        pv = self._values()
        a_entries = [[as_basic(e) for e in _as_matrix(a)] for a in a_vals]
        b_entries = [[as_basic(e) for e in _as_matrix(b)] for b in b_vals]
        for p, pt in enumerate(self.points):
            for k, (a, b) in enumerate(zip(a_vals, b_vals, strict=True)):
                xs = [pv.values(e)[p] for e in a_entries[k]]
                ys = [pv.values(e)[p] for e in b_entries[k]]
                if any(v is None or isinstance(v, bool) for v in xs + ys):
                    # not decided by the evaluator: substitute exactly, as SymPy does
                    am, bm = _as_matrix(a), _as_matrix(b)
                    an = am.applyfunc(lambda e, pt=pt: _num(e, pt))
                    bn = bm.applyfunc(lambda e, pt=pt: _num(e, pt))
                    if len(singular) < len(self.points) // 2 and any(
                            as_basic(x).has(sp.zoo, sp.nan, sp.oo, -sp.oo) for x in list(an) + list(bn)):
                        singular.add(p)  # a point where a side has no value (det X = 0): not in the
                        continue         # claim's domain; most points must remain
                    for side, vals in ((sides[i], an), (sides[j], bn)):
                        self._finite(side, vals)
                    if not all(_as_written(x, y, written, e)
                               for e, (x, y) in enumerate(zip(an, bn, strict=True))):
                        failures.append((_legibility(an, bn), p, k, an, bn))
                    continue
                # every value finite and of bounded size (the evaluator declines anything else)
                try:
                    same = all(self._same(x, y, ea, eb, pt) if written is None
                               else _as_written(_num(ea, pt), _num(eb, pt), written, e)
                               for e, (x, y, ea, eb) in enumerate(zip(xs, ys, a_entries[k], b_entries[k],
                                                                      strict=True)))
                except Undefined as exc:  # 0/0 found by exact substitution: as a singular point above
                    if len(singular) >= len(self.points) // 2:
                        raise NotationError(self.text, f"no finite value at a checked point ({exc})", None) from None
                    singular.add(p)
                    continue
                if not same:
                    failures.append((_legibility_floats([to_float(x) for x in xs], [to_float(y) for y in ys]),
                                     p, k, None, None))
        if not failures:
            return None
        _, p, k, an, bn = max(failures, key=lambda f: f[0])
        pt, env = self.points[p], envs[k]
        am, bm = _as_matrix(a_vals[k]), _as_matrix(b_vals[k])
        if an is None:  # shown as before: the exact values (rationals from the evaluator)
            an, bn = self._exact_matrix(am, p), self._exact_matrix(bm, p)
        symbols_of = getattr(self.scope, "symbols_of", lambda e: as_basic(e).free_symbols)
        used = set().union(*[symbols_of(e) for e in list(am) + list(bm)])
        return {
            **base,
            "message": "the two sides differ (see the counterexample)",
            "counterexample": {
                "indices": env,
                "values": _group({s: pt[s] for s in used if s in pt}),
                "expected": _value(an),
                "claimed": _value(bn),
            },
            "mistake": self._mistake(a_vals, b_vals, envs),
        }

    def _numbers_are_about_data(self, values: list, readable: list[int]) -> None:
        """A side that is a number with a fraction (L = 1.0185, Y = [-0.7, ...]) can only be
        about the problem's data: when the problem gives its values, the chain is judged
        exactly there instead of at random points, and the verdict says so.  Whole numbers
        (dy_k/db = 1) keep the reading of an identity, judged at random points."""
        if self.data is None or self.at_data:
            return
        entries = {n: [as_basic(e) for v in values[n] for e in _as_matrix(v)] for n in readable}
        constant = [n for n, es in entries.items() if all(not e.free_symbols for e in es)]
        fractional = any(not e.is_Integer for n in constant for e in entries[n])
        if constant and fractional and len(constant) < len(readable):
            self.points, self.at_data = [self.data], True
            self._readings.add("a side is a number, so the chain is about the problem's data")

    def _finite(self, side: Side, vals: sp.MatrixBase) -> None:
        """Every entry a finite real number of a size that can be compared: 1/0, log 0,
        log(-1) or exp(exp(exp(60))) at a checked point make the formula an error, never a
        verdict (oo = oo must not pass for equality)."""
        for x in vals:
            x = as_basic(x)
            if x.is_Rational:
                if too_many_digits(x):
                    raise FormulaLimitError(self.text, f"{side.text}: a value of more than {VALUE_MAX_DIGITS} digits "
                                                       "at a checked point", side.node.pos)
                continue
            if x.has(sp.zoo, sp.oo, sp.S.NegativeInfinity, sp.nan, sp.I):
                raise NotationError(self.text, f"{side.text}: no finite real value at a checked point "
                                               f"({sp.sstr(x)[:60]})", side.node.pos)
            for node in sp.postorder_traversal(x):  # innermost first: each argument is already safe
                arg = node.args[0] if isinstance(node, sp.exp) else None
                if isinstance(node, sp.Pow) and not node.exp.is_Integer:
                    arg = node.exp * sp.log(abs(node.base)) if node.base.is_number else None
                if arg is None or not arg.is_number or (arg.is_Rational and abs(arg) <= MAX_LOG_MAGNITUDE):
                    continue
                if abs(float(sp.N(arg, 15))) > MAX_LOG_MAGNITUDE:
                    raise FormulaLimitError(self.text, f"{side.text}: a value too large to compare "
                                                       f"(e to the {sp.N(arg, 3)})", side.node.pos)
            if x.is_number and x.is_extended_real is False:  # (-3/2)^{1/3}: complex, without an I written
                raise NotationError(self.text, f"{side.text}: no finite real value at a checked point "
                                               f"({sp.sstr(x)[:60]})", side.node.pos)


def _as_written(x, y, written: tuple[list[int | None], bool] | None, e: int) -> bool:
    """Exact values x, y of entry e agree: equal, or (a written decimal) the computed value
    rounds to the written number."""
    if written is None or written[0][e] is None:
        return _equal(as_basic(x), as_basic(y))
    decimals, right = written
    value, number = (x, y) if right else (y, x)
    return agrees(as_basic(value), as_basic(number), decimals[e])


def _group(values: dict[sp.Symbol, sp.Rational]) -> dict[str, dict[str, sp.Rational]]:
    """A point by quantity: {'W1': {'W1[1,1]': 1/2, ...}, 'X': {...}}."""
    out: dict[str, dict[str, sp.Rational]] = {}
    for s in sorted(values, key=lambda s: _natural(s.name)):
        out.setdefault(s.name.split("[")[0], {})[s.name] = values[s]
    return out


def _natural(name: str):
    return [
        int(t) if t.isdigit() else t
        for t in name.replace("[", " [ ").replace(",", " , ").replace("]", " ] ").split()
    ]


def _value(m: sp.MatrixBase):
    """A side's value at the counterexample: a 1x1 matrix as its entry."""
    return m[0, 0] if m.shape == (1, 1) else m


def _whole_numbers_at_data(judge: Judge, scope, table: NotationTable, latex: str, sides: list[Side],
                           ops: list[str], claim_id: str, target: str) -> Verdict | None:
    """A chain with a side of whole numbers (z_2 = [1, 1], dy/db = 1) read as an identity and found
    wrong there, when the problem has data: judged at the data too. Wrong there as well: None (the
    identity's counterexample stands). Right there: a chain of values (no derivative in it) is about
    the data, `correct` with that reading; a chain with a derivative has two readings (an identity,
    wrong; a value at the data, right), so it is `undecided`, naming both."""
    if judge.data is None or judge.at_data or not any(
            (d := written_decimals(side.node)) is not None and not rounded(d) for side in sides):
        return None
    at_data = Judge(scope, table, latex, at=judge.data)
    result = at_data.judge_chain(sides, ops)
    if not result.get("ok") or result.get("skipped") or result.get("unreadable"):
        return None
    derivative = any(isinstance(node, A.Deriv | A.Nabla | A.Prime) for side in sides for node in A.walk(side.node))
    if not derivative:
        return Verdict(claim_id, target, latex, "correct", message="equal at the problem's data, exactly; a side is "
                       "whole numbers and the others are values of the model, so the chain is about the data",
                       details={"proved": False, "points": 1}, remarks=remarks_of(at_data))
    return Verdict(claim_id, target, latex, "undecided", message="two readings: as an identity (for every value of "
                   "the parameters) it is wrong, at the problem's data it holds; say which is meant (a claim's "
                   "`at = \"data\"` asks for the data)",
                   details={"readings": ["identity: wrong", "at the data: holds"]}, remarks=remarks_of(at_data))


def judge_formula(
    scope,
    table: NotationTable,
    latex: str,
    target: str = "",
    claim_id: str = "",
    points: int = POINTS,
    seed: int = 0,
    at: dict[sp.Symbol, sp.Rational] | None = None,
    data: dict[sp.Symbol, sp.Rational] | None = None,
) -> Verdict:
    """The verdict on a formula (a chain a = b = c, aligned lines) about `target`.

    The target, when given and not already the first side, is put in front: every link
    of the chain is checked, and the first wrong one is reported with a counterexample.
    With `at` (a value for every leaf: the problem's data) the chain is a statement about
    those values, compared exactly there and nowhere else (no symbolic proof). With `data`
    (the problem's values) a chain with a side that is a number is judged at the data.
    """
    doc = parse(latex)
    judge = Judge(scope, table, latex, points, seed, at)
    judge.data = data
    chains = []
    starts = sorted(s.pos for c in doc.chains for s in c.sides)
    for n, chain in enumerate(doc.chains):
        sides = [
            Side(s, False, side_text(latex[s.pos : side_end(latex, chain, k, starts)]))
            for k, s in enumerate(chain.sides)
        ]
        ops = list(chain.ops)
        if target and n == 0:
            tnode, canon = target_node(target)
            if not (not canon and tnode.key() == chain.sides[0].key()):
                sides.insert(0, Side(tnode, canon, target))
                ops.insert(0, "=")
        chains.append((implicit_sums(judge, sides), ops))
    expected = None
    unreadable: dict[str, str] = {}
    not_judged: list[str] = []
    checked = 0
    for sides, ops in chains:
        result = judge.judge_chain(sides, ops)
        if not result.get("ok", True) and not result.get("untyped") and (
                settled := _whole_numbers_at_data(judge, scope, table, latex, sides, ops, claim_id, target)):
            return settled
        if result.get("undecided"):
            return Verdict(claim_id, target, latex, "undecided", message=result["undecided"],
                           details={"ranges": result["ranges"]}, remarks=remarks_of(judge))
        if not result["ok"]:
            ce = result.get("counterexample")
            link = f"{result['left']}  =  {result['right']}"
            readings = "".join(f"; {r}" for r in sorted(judge.readings))
            return Verdict(
                claim_id,
                target,
                latex,
                "incorrect",
                message=f"wrong link: {link}: {result['message']}{readings}",
                expected=ce["expected"] if ce else None,
                claimed=ce["claimed"] if ce else None,
                counterexample=ce,
                mistake=result.get("mistake"),
                details={"link": result["link"], "ranges": result["ranges"]},
                remarks=remarks_of(judge),
            )
        unreadable.update(result.get("unreadable", {}))
        not_judged.extend(result.get("skipped", []))
        checked += result["checked"]
        if expected is None and result["values"] and result["values"][0]:
            first = result["values"][0][0]
            expected = first if prints_shorter(first, 400) else None
    if unreadable:
        what = "; ".join(f"{t}: {m}" for t, m in unreadable.items())
        return Verdict(
            claim_id,
            target,
            latex,
            "undecided",
            message=(
                f"every link that could be read holds, but not every side: {what}"
                if checked
                else f"nothing could be checked (no two sides could be read): {what}"
            ),
            expected=expected,
            details={"unreadable": unreadable, "points": len(judge.points)},
            remarks=remarks_of(judge),
        )
    if not_judged:  # x < 0 was 'correct': a relation other than = is not judged here
        held = f"{checked} equalit{'y holds' if checked == 1 else 'ies hold'}; " if checked else ""
        return Verdict(claim_id, target, latex, "undecided",
                       message=f"{held}not judged (only =, := and \\equiv are): {'; '.join(not_judged)}",
                       expected=expected, details={"not_judged": not_judged, "points": len(judge.points)})
    proved = None
    try:
        if judge.at_data:
            raise Timeout("a statement about the data: nothing to prove")
        diffs = []
        for sides, _ops in chains:
            vals = [judge.evaluate(s, {}) for s in sides] if not judge.free_ranges(sides) else []
            for a, b in itertools.pairwise(vals):
                a, b = _as_matrix(a), _as_matrix(b)
                if a.shape != b.shape:  # x < 1 with x a matrix: compared entry by entry; no equality to prove
                    raise FormulaShapeError(latex, "sides of two shapes: nothing to prove", None)
                diffs.extend(list(a - b))
        proved = all_zero(diffs) if diffs else None
    except (Timeout, SymderivError):
        proved = None
    exactly = "to the written precision" if judge.rounded else "exactly"
    how = (f"equal at the problem's data, {exactly}" if judge.at_data else
           "proved symbolically" if proved else f"equal at {len(judge.points)} random exact points"
           + ("" if not judge.rounded else " (to the written precision)"))
    if judge.readings:
        how += "; " + "; ".join(sorted(judge.readings))
    return Verdict(
        claim_id,
        target,
        latex,
        "correct",
        message=how,
        expected=expected,
        details={"proved": bool(proved), "points": len(judge.points)},
        remarks=remarks_of(judge),
    )


def judge_claim(scope, table: NotationTable, claim, at: dict[sp.Symbol, sp.Rational] | None = None,
                data: dict[sp.Symbol, sp.Rational] | None = None) -> Verdict:
    """A `Claim` (id, target, latex, options['where'] macros) judged in `scope` (`at` and
    `data`: see judge_formula)."""
    where = claim.options.get("where") if hasattr(claim, "options") else None
    if where:
        table = table.with_where(dict(where))
    try:
        return judge_formula(scope, table, claim.latex, claim.target, claim.id, at=at, data=data)
    except NotationError as exc:
        kind = "undecided" if isinstance(exc, UnjudgedStatement) else "error"  # a \\iff b: nothing to judge
        return Verdict(claim.id, claim.target, claim.latex, kind, message=exc.render())


_SHAPE_WORDS = re.compile(
    r"^\s*(?:a\s+)?(?:(?P<kind>row|column)\s+vector(?:\s+of\s+size\s+(?P<size>\d+))?"
    r"|(?P<r>\d+)\s*(?:x|\\times|×)\s*(?P<c>\d+)(?:\s+matrix)?|(?P<scalar>scalar|number))\s*\.?\s*$",
    re.IGNORECASE,
)


def judge_shape(scope, table: NotationTable, claim, of: str) -> Verdict:
    """A claim about the shape of a quantity: `of` is its LaTeX ('f(Z)', 'x_k^T \\cdot f'(z_k)'),
    the claim says 'row vector', 'column vector (of size n)', 'r x c matrix' or 'scalar'.
    Free index letters (x_k) are taken at 1: every k gives the same shape."""
    def verdict(kind: str, message: str, **extra) -> Verdict:
        return Verdict(claim.id, claim.target, claim.latex, kind, message=message, **extra)  # type: ignore[arg-type]

    words = re.sub(r"\\text\{([^{}]*)\}", r"\1", claim.latex).replace("$", "")
    m = _SHAPE_WORDS.match(words)
    if m is None:
        return verdict("error", "a shape is 'row vector', 'column vector (of size n)', 'r x c (matrix)' or 'scalar'")
    try:
        node = parse(of).chains[0].sides[0]
        judge = Judge(scope, table, of, points=1)
        side = Side(node, False, of)
        env = {x: 1 for x in judge.free_ranges([side])}
        value = judge.evaluate(side, env)
    except NotationError as exc:
        return verdict("error", f"of: {exc.message}")
    r, c = _as_matrix(value).shape
    said = None
    if m["scalar"]:
        ok = (r, c) == (1, 1)
    elif m["kind"]:
        n = int(m["size"]) if m["size"] else None
        ok = (r == 1 if m["kind"].lower() == "row" else c == 1) and (n is None or max(r, c) == n)
        said = None if ok or m["kind"].lower() != "column" else column_of_rows(scope, table, of, _as_matrix(value), n)
        ok = ok or said is not None
    else:
        ok = (r, c) == (int(m["r"]), int(m["c"]))
    what = f"{of} is {_shape_text((r, c))}"
    return verdict("correct" if ok else "incorrect", what, expected=_shape_text((r, c)),
                   mistake=None if ok else "wrong shape", remarks=(said,) if said else ())
