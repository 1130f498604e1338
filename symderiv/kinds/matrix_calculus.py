"""Jacobians and matrix gradients with symbolic sizes: proved for every size in index form, checked at sizes.

A problem names its sizes (`[sizes] names = ["n", "d"]`, `check = [[2, 3], [3, 2], [3, 3]]`),
its variables with shapes in those sizes (`[variables] A = ["n", "d"]`, `v = ["d", 1]`),
and the function (`[function] input = "v"`, `value = '\\mathbf{A}\\mathbf{v}'`, optional
`vector = "a"`: the row-major vectorisation a_{(i-1)n+j} = A_{ij} of a matrix input).

Claims are the students' formulas verbatim. At every checked size the entries of every
variable are fresh symbols, so a claim is compared with the truth exactly (as polynomials);
a wrong claim gets a counterexample at random rational entries. A claim holding at every
checked size is then proved for every size (`Symbolic`, module `_indexsum`): the function in
index form with symbolic sizes (v^T A v = Σ_i Σ_j v_i A_ij v_j), differentiated at a generic
entry A_ij (Kronecker deltas), the deltas summed out, and claim minus derivation reduced to 0;
the verdict then says "proved for every size" and `details["proof"]` holds the printed steps,
which end in derived = claimed. When the prover cannot decide (or runs past PROOF_SECONDS)
the verdict says the claim was checked at those sizes only, and why there is no proof.

Targets:
  jacobian_shape   'n \\times d'
  jacobian         J = formula in the matrix variables (e.g. '\\mathbf{A}')
  gradient_entry   ∇f(X)_{ij} = formula in indexed entries and i, j (option `reading`:
                   the formula as read when the written notation, e.g. A_i^T v, is not readable)
  rewrite          f = a formula in indexed entries, sums allowed (a_{(i-1)n+j}, A_{ij}, v_j)
  outer / inner    g = g_1 ∘ g_2: g_1(x) with option `argument` (x) and `length` (a size),
                   g_2(a)_i with option `index` (i) and `length`; both name the other with
                   option `pair`, and are judged together: g_1(g_2(a)) = f
  outer_gradient   ∇g_1(x) = formula in x; option `of` names the outer claim
  chain            a step of the derivation, an equality chain in the notation layer's LaTeX
                   (symderiv.notation: \\nabla, J_{g_2}(a)_{ik'}, sums, cases, k' \\bmod n,
                   \\lfloor k'/n \\rfloor), with the student's own functions in option `where`
                   (g_1(\\mathbf{x}) = ...); every link is compared with the next at every checked
                   size, exactly at random rational points (checked at sizes, not proved)
  inner_jacobian   J_{g_2}(a)_{ik'} as \\begin{cases} value & \\text{if } cond \\\\ 0 & ... \\end{cases};
                   option `of` names the inner claim, `index` the column index (k'), which
                   runs over 1..length(of the vector); \\lfloor\\frac{k'}{n}\\rfloor and
                   k' \\bmod n are computed before reading
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, ClassVar

import sympy as sp

from ..core.errors import NotationError, Timeout
from ..core.indexsum import IndexMatrix, Undecided
from ..core.limits import MATRIX_CALCULUS_MAX_DIMENSION
from ..core.timebound import bounded
from ..core.verdict import Verdict
from ..notation.reading import read_value
from ..notation.structures import STRUCTURES
from ._readers import cannot_read, unknown_target, verdict
from .base import HEADER_KEYS, Claim, Fields, OptionSpec, Problem, Solution, problem_kind
from .matrix_checks import SizeChecks, WrongStep
from .matrix_index import PROOF_SECONDS, IndexOutOfRange, Instance, Symbolic, _attempt, _zero, printed
from .matrix_proofs import IndexFormProofs

TARGETS = ["jacobian_shape", "jacobian", "gradient_entry", "rewrite", "outer", "inner",
           "outer_gradient", "inner_jacobian", "chain"]
OPTIONS = {"jacobian_shape": set(), "jacobian": set(), "gradient_entry": {"reading"},
           "rewrite": set(), "outer": {"argument", "length", "pair"},
           "inner": {"index", "length", "pair"}, "outer_gradient": {"of"},
           "inner_jacobian": {"of", "index"}, "chain": {"where"}}
OPTIONAL = {"reading", "where"}
#: The option of a target that names another claim, and the target that claim must have.
REFERENCES = {("outer", "pair"): "inner", ("inner", "pair"): "outer", ("outer_gradient", "of"): "outer",
              ("inner_jacobian", "of"): "inner"}


def _wrong_reference(claim: Claim, by_id: dict[str, Claim], size_names: list[str]) -> tuple[str, str] | None:
    """(option, reason) when an option of `claim` names no claim of the target it needs (`pair`, `of`)
    or no size (`length`); None when they all fit."""
    for (target, key), wanted in REFERENCES.items():
        if claim.target == target and key in claim.options:
            other = by_id.get(claim.options[key])
            if other is None:
                return key, f"no claim with id {claim.options[key]!r}"
            if other.target != wanted:
                return key, (f"claim {other.id!r} is about {other.target!r}; target {target!r} needs a claim "
                             f"about {wanted!r}")
    if "length" in claim.options and claim.options["length"] not in size_names:
        return "length", f"expected a size name ({', '.join(size_names)})"
    return None


@problem_kind("matrix_calculus")
class MatrixCalculusProblem(SizeChecks, IndexFormProofs, Problem):
    """Jacobians and gradients of functions of vectors and matrices with symbolic sizes."""

    symmetric: frozenset[str] = frozenset()  # variables declared ["n", "n", "symmetric"] (or positive_definite)

    claim_options: ClassVar[dict[str, OptionSpec]] = {
        **{key: str for key in set().union(*OPTIONS.values()) - {"where"}}, "where": dict, "function": str}

    def __init__(self, header: Fields, claims: list[Claim], size_names: list[str],
                 sizes: list[list[int]], shapes: dict[str, tuple[str | int, str | int]],
                 input_name: str, value: str, vector: str | None) -> None:
        super().__init__(header, claims)
        self.declared: dict[str, str] = {}  # variables declared diagonal, positive_definite, invertible, orthogonal
        self.size_names, self.shapes, self.input, self.value = size_names, shapes, input_name, value
        self.sizes = [dict(zip(size_names, s, strict=True)) for s in sizes]
        self.vector = vector
        self.by_id = {c.id: c for c in claims}
        self.alts: dict[str, MatrixCalculusProblem] = {}

    @staticmethod
    def _read_function(f: Fields, shapes: dict[str, Any]) -> tuple[str, str, str | None]:
        f.check_keys({"input", "value", "vector", "check"})
        input_name = f.text("input")
        if input_name not in shapes:
            raise f.error("input", f"{input_name!r} is not one of the variables {sorted(shapes)}")
        vector = f.text("vector", None)
        if vector is not None and (vector in shapes or not re.fullmatch(r"[A-Za-z]", vector)):
            raise f.error("vector", "expected a new one-letter name for the vectorised input")
        return input_name, f.text("value"), vector

    @classmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> MatrixCalculusProblem:
        doc.check_keys(HEADER_KEYS | {"sizes", "variables", "function", "functions"})
        s = doc.table("sizes")
        s.check_keys({"names", "check"})
        names = s.get("names", list)
        if not names or not all(isinstance(n, str) and re.fullmatch(r"[A-Za-z]", n) for n in names) \
                or len(set(names)) != len(names):
            raise s.error("names", "expected a list of distinct one-letter size names such as ['n', 'd'] or ['N', 'd']")
        check = s.get("check", list)
        if doc.table("function").has("check"):
            raise doc.table("function").error("check", "the main function uses [sizes].check")
        if not check or not all(isinstance(c, list) and len(c) == len(names) and all(
                isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 6 for k in c)
                for c in check):
            raise s.error("check", f"expected a list of size tuples of {len(names)} whole "
                                   "numbers from 1 to 6, e.g. [[2, 3], [3, 2]]")
        v = doc.table("variables")
        shapes: dict[str, tuple[str | int, str | int]] = {}
        symmetric: set[str] = set()
        declared: dict[str, str] = {}  # diagonal, positive_definite, invertible, orthogonal (structures.py)
        for key, shape in v.data.items():
            if not re.fullmatch(r"[A-Za-z]|\\[A-Za-z]+", key):
                raise v.error(key, "a variable name is one letter or a Greek letter such as \\lambda")
            if isinstance(shape, list) and len(shape) == 3 and shape[2] in STRUCTURES and shape[0] == shape[1]:
                if shape[2] in ("symmetric", "positive_definite"):
                    symmetric.add(key)
                if shape[2] != "symmetric":
                    declared[key] = shape[2]
                shape = shape[:2]
            if not (isinstance(shape, list) and len(shape) == 2 and all(
                    (isinstance(d, int) and not isinstance(d, bool) and d >= 1) or d in names
                    for d in shape)):
                raise v.error(key, f"expected [rows, cols], each a size name ({', '.join(names)}) "
                                   "or a positive whole number (a square one may add its structure: "
                                   f"{', '.join(map(repr, STRUCTURES))})")
            if any(isinstance(d, int) and d > MATRIX_CALCULUS_MAX_DIMENSION for d in shape):
                raise v.error(key, f"a fixed dimension of at most {MATRIX_CALCULUS_MAX_DIMENSION} "
                                   "(name a larger size in [sizes].names)")
            shapes[key] = (shape[0], shape[1])
        if not shapes:
            raise v.error("", "give at least one variable")
        if clash := sorted(set(shapes) & set(names)):
            raise v.error(clash[0], f"{clash[0]} is a size name in [sizes].names and a variable: one name, one meaning")
        f = doc.table("function")
        input_name, value, vector = cls._read_function(f, shapes)
        alts = {}
        others = doc.table("functions", {})
        for key in others.data:
            if not re.fullmatch(r"[A-Za-z]\w*", key):
                raise others.error(key, "a function name is a word such as 'h'")
            alts[key] = (others.table(key), cls._read_function(others.table(key), shapes))
            own = others.table(key).get("check", list, check)
            if not own or not all(isinstance(c, list) and c in check for c in own):
                raise others.table(key).error("check", "expected a non-empty list of sizes taken "
                                                       "from [sizes].check")
            alts[key] = (alts[key][0], alts[key][1], own)
        by_id = {c.id: c for c in claims}
        for item, claim in zip(doc.tables("claims", []), claims, strict=True):
            if claim.target in OPTIONS:
                extra = set(claim.options) - OPTIONS[claim.target] - {"function"}
                if extra:
                    raise item.error(sorted(extra)[0], f"not an option of target {claim.target!r}; "
                                     f"known: {sorted(OPTIONS[claim.target]) or 'none'}")
                if "function" in claim.options and claim.options["function"] not in alts:
                    raise item.error("function", f"no [functions.{claim.options['function']}] table")
                wrong = _wrong_reference(claim, by_id, names)
                if wrong is not None:
                    raise item.error(*wrong)
                where = claim.options.get("where", {})
                if not isinstance(where, dict) or not all(isinstance(v, str) for v in where.values()):
                    raise item.error("where", "expected a table of LaTeX definitions, e.g. "
                                              "{ 'g_1(\\mathbf{x})' = '\\sum_i x_i^2' }")
                for key in OPTIONS[claim.target] - OPTIONAL:
                    if key not in claim.options:
                        raise item.error(key, f"missing field (target {claim.target!r} needs it)")
                    if not isinstance(claim.options[key], str):
                        raise item.error(key, "expected text")
        problem = cls(doc, claims, names, check, shapes, input_name, value, vector)
        problem.symmetric = frozenset(symmetric)
        problem.declared = dict(declared)
        problem.validate(f)
        for key, (table, (inp, val, vec), own) in alts.items():
            problem.alts[key] = cls(doc, claims, names, own, shapes, inp, val, vec)
            problem.alts[key].symmetric = problem.symmetric
            problem.alts[key].declared = problem.declared
            problem.alts[key].validate(table)
        return problem

    def validate(self, f: Fields) -> None:
        try:
            for size in self.sizes:
                self.truth(Instance(self, size))
        except (NotationError, IndexOutOfRange, ValueError, sp.ShapeError) as exc:
            raise f.error("value", f"cannot read {self.value!r}: {exc}") from None

    def targets(self) -> list[str]:
        return TARGETS

    # --- the truth at one size -------------------------------------------------------------

    def truth(self, inst: Instance) -> dict[str, Any]:
        f = read_value(self.value, inst.names(True), sizes=dict(inst.size))
        if isinstance(f, sp.MatrixBase) and f.shape == (1, 1):
            f = f[0, 0]
        X = inst.mats[self.input]
        col = f if isinstance(f, sp.MatrixBase) else sp.Matrix([f])
        out: dict[str, Any] = {"f": f, "jacobian": col.jacobian(inst.vec)}
        if not isinstance(f, sp.MatrixBase):
            out["gradient"] = X.applyfunc(lambda x: sp.expand(sp.diff(f, x)))
        return out

    def derivation(self) -> dict[str, Any]:
        """The gradient (scalar f) or Jacobian (vector f of a vector) at a generic entry, for
        every size: index form, derivative with Kronecker deltas, deltas summed out; then the
        result instantiated at every checked size and compared with SymPy's derivative there."""
        S = Symbolic(self)
        jac = isinstance(S.f, IndexMatrix)
        result, steps, _, bind = S.jacobian() if jac else S.gradient()
        steps[-1]["say"] += f": the {'Jacobian' if jac else 'gradient'} entry for every size"
        for size in self.sizes:
            inst = Instance(self, size)
            want = self.truth(inst)["jacobian" if jac else "gradient"]
            for r in range(want.rows):
                for c in range(want.cols):
                    at = {S.size[k]: sp.Integer(v) for k, v in size.items()}
                    at.update({bind["i"]: sp.Integer(r + 1), **({bind["j"]: sp.Integer(c + 1)} if "j" in bind else {})})
                    if not _zero(inst.resolve(result.xreplace(at).doit()) - want[r, c]):
                        raise Undecided(f"the derived entry differs from SymPy's at {size}, entry {(r + 1, c + 1)}")
        return {"steps": steps, "checked": self._sizes_text(), "result": steps[-1]["text"],
                "matrix": "jacobian" if jac else "gradient", "sizes": S.describe()}

    def _derivation_or_reason(self) -> dict[str, Any] | str:
        """`derivation()` within PROOF_SECONDS, or why there is none."""
        try:
            return bounded(_attempt, lambda _: self.derivation(), None, seconds=PROOF_SECONDS)
        except Timeout:
            return f"gave up after {PROOF_SECONDS:g} s"
        except Undecided as exc:
            return str(exc)

    def solve(self, elementwise: bool | None = None) -> Solution:
        """For the function and each of `[functions]`: the derivation for every size (data: its
        steps; values: the same, or why there is none), then the truth at every checked size."""
        data: dict[str, Any] = {}
        values: dict[str, Any] = {"derivations": {}, "sizes": {}}
        for key, prob in [("every size", self)] + [(f"{k}, every size", alt) for k, alt in self.alts.items()]:
            found = prob._derivation_or_reason()
            values["derivations"][key] = found
            if not isinstance(found, str):
                data[key] = {**found, "steps": printed(found["steps"])}
        for size in self.sizes:
            t = self.truth(Instance(self, size))
            tag = ", ".join(f"{k}={v}" for k, v in size.items())
            values["sizes"][tag] = t
            data[tag] = {k: sp.sstr(v.tolist() if isinstance(v, sp.MatrixBase) else v) for k, v in t.items()}
        return Solution(self.title, data, values)

    # --- judging ---------------------------------------------------------------------------

    def judge(self, claim: Claim) -> Verdict:
        if claim.target not in TARGETS:
            return unknown_target(claim, TARGETS)
        if claim.options.get("function") in self.alts:
            return self.alts[claim.options["function"]].judge(claim)
        missing = sorted(OPTIONS.get(claim.target, set()) - OPTIONAL - set(claim.options))
        if missing:  # a claim given on the command line has no options: say so, never a KeyError
            return verdict(claim, "error", f"target {claim.target!r} needs the option(s) {', '.join(missing)}; "
                           "give the claim in the problem file")
        wrong = _wrong_reference(claim, self.by_id, self.size_names)  # a claim made in Python, not read from a file
        if wrong is not None:
            return verdict(claim, "error", f"{wrong[0]}: {wrong[1]}")
        try:
            found = getattr(self, f"_judge_{claim.target}")(claim)
            if found.verdict == "correct" and "unproved" in found.details:
                found = self._at_one_more_size(claim, found)
            return found
        except NotationError as exc:
            return cannot_read(claim, exc)
        except IndexOutOfRange as exc:  # an entry past the end where no check of the target catches it
            return verdict(claim, "error", f"{exc} (at every size checked: {self._sizes_text()})")
        except WrongStep as exc:
            return self._wrong_step(claim, exc)

    def _at_one_more_size(self, claim: Claim, found: Verdict) -> Verdict:
        """A claim that held at the checked sizes but is unproved for every size, judged again at one
        more size (each letter one more than its largest checked value): n/3 is 1 at n = 3 only, and
        \\sum_{i=1}^{2} is \\sum_{i=1}^{m} at m = 2 only."""
        extra = {k: max(s[k] for s in self.sizes) + 1 for k in self.size_names}
        checked = self.sizes
        self.sizes = [*checked, extra]
        try:
            again = getattr(self, f"_judge_{claim.target}")(claim)
        finally:
            self.sizes = checked
        return found if again.verdict == "correct" else again

    def _sizes_text(self) -> str:
        return "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) for s in self.sizes)

    def _checked(self, claim: Claim, what: str, **extra: Any) -> Verdict:
        return verdict(claim, "correct", f"{what}: holds exactly (entries as symbols) at every "
                       f"checked size ({self._sizes_text()}); the sizes are symbolic, so this is a "
                       "check at these sizes, not a proof for all sizes", **extra)

    def _finish(self, claim: Claim, what: str, prove: Any, *args: Any, **extra: Any) -> Verdict:
        """A claim that held at every checked size: proved for every size when the prover (run
        with a time limit) derives it in index form, else `correct` as checked at sizes only."""
        try:
            steps = bounded(_attempt, prove, claim, *args, seconds=PROOF_SECONDS)
        except Timeout:
            reason = f"the symbolic proof gave up after {PROOF_SECONDS:g} s"
        except Undecided as exc:
            reason = str(exc)
        else:
            details = dict(extra.pop("details", {}))
            details["proof"] = printed(steps)
            return verdict(claim, "correct", f"{what}: proved for every size ({Symbolic(self).describe()}): "
                           f"{steps[-1]['text']}; cross-checked exactly at {self._sizes_text()}",
                           details=details, **extra)
        v = self._checked(claim, what, **extra)
        return replace(v, message=f"{v.message} (no proof for every size: {reason})",
                       details={**v.details, "unproved": reason})
