"""Gradient descent on a quadratic: gradient, Hessian, the convergent step sizes, line search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import sympy as sp

from ..core.errors import NotationError
from ..core.limits import SYMBOLIC_MAX_VARIABLES
from ..core.verdict import Verdict
from ..notation import ast as A
from ..notation.reading import node_value, relation_of
from ..notation.written import index_letter
from ._readers import cannot_read, read_interval, read_number, read_number_list, unknown_target, verdict
from .base import HEADER_KEYS, Claim, Fields, OptionSpec, Problem, Solution, problem_kind

TARGETS = ["gradient", "hessian", "eigenvalues_hessian", "eigenvalues_A", "eigenvalue", "interval",
           "line_search_step", "iteration"]
ETA = sp.Symbol("eta")


class _Results(dict):
    """A problem's results by name, each built by its builder when first asked for."""

    def __init__(self, builders: dict[str, Any]) -> None:
        super().__init__()
        self.builders = builders

    def __missing__(self, key: str) -> Any:
        value = self[key] = self.builders[key]()
        return value

    def everything(self) -> dict[str, Any]:
        """Every result, in the builders' order."""
        return {key: self[key] for key in self.builders}


@dataclass(frozen=True)
class Quadratic:
    """f(u) = uᵀAu + bᵀu + c on ℝⁿ, with exact rational A (n×n), b (n) and c."""

    A: sp.Matrix
    b: sp.Matrix
    c: sp.Expr
    variables: tuple[sp.Symbol, ...]

    @property
    def u(self) -> sp.Matrix:
        return sp.Matrix(self.variables)

    def value(self) -> sp.Expr:
        """f(u) as a polynomial in the variables."""
        return sp.expand((self.u.T * self.A * self.u)[0, 0] + (self.b.T * self.u)[0, 0] + self.c)


def gradient(q: Quadratic) -> sp.Matrix:
    """∇f(u) = (A + Aᵀ)u + b (= 2Au + b for symmetric A), checked against differentiation."""
    g = (q.A + q.A.T) * q.u + q.b
    f = q.value()
    assert all(sp.expand(g[i] - sp.diff(f, v)) == 0 for i, v in enumerate(q.variables))
    return sp.Matrix([sp.expand(e) for e in g])


def hessian(q: Quadratic) -> sp.Matrix:
    """∇²f = A + Aᵀ (= 2A for symmetric A), constant in u."""
    H = q.A + q.A.T
    assert H == sp.hessian(q.value(), q.variables)
    return H


def eigenvalues(M: sp.Matrix) -> list[sp.Expr]:
    """Exact eigenvalues of a symmetric matrix, with multiplicity, in increasing order."""
    lam = sp.Dummy("lambda")
    # real roots of the characteristic polynomial, as radicals or CRootOf (never cubic
    # formulas with complex radicals); a symmetric matrix has only real eigenvalues
    roots = M.charpoly(lam).real_roots()
    assert len(roots) == M.rows, "a symmetric matrix has real eigenvalues"
    return sorted(roots, key=lambda e: float(e))


def positive_definite(M: sp.Matrix) -> bool:
    """Sylvester's criterion, exact: every leading principal minor of the symmetric M is > 0."""
    return all(M[:k, :k].det() > 0 for k in range(1, M.rows + 1))


def convergence_interval(H: sp.Matrix, b: sp.Matrix | None = None) -> sp.Set:
    """The step sizes η for which u_{n+1} = u_n − η∇f(u_n) converges from every start, for the
    gradient ∇f(u) = Hu + b.

    With u* a minimiser, e_n = u_n − u* obeys e_{n+1} = (I − ηH)e_n; in the eigenbasis of the
    symmetric H each component is multiplied by 1 − ηλ_i each step, so convergence from every start
    holds iff |1 − ηλ_i| < 1 for every λ_i > 0, i.e. η ∈ (0, 2/λ_max(H)); a component of λ_i = 0
    does not move, so the iterates still converge (to the minimiser nearest the start) when H is
    only positive semi-definite and b lies in its range (a minimiser exists). With a λ_i < 0, or b
    outside the range of a singular H (f unbounded below), the set is empty.
    """
    if positive_definite(H):
        return sp.Interval.open(0, 2 / eigenvalues(H)[-1])
    lams = eigenvalues(H)
    if any(lam < 0 for lam in lams) or all(lam == 0 for lam in lams):
        return sp.S.EmptySet
    if b is not None and H.rank() != H.row_join(b).rank():
        return sp.S.EmptySet
    return sp.Interval.open(0, 2 / lams[-1])


def line_search_step(q: Quadratic) -> sp.Expr:
    """The exact line-search step η*(u) = gᵀg / (gᵀHg), g = ∇f(u), where gᵀHg ≠ 0 (nan when
    gᵀHg is identically 0).

    φ(η) = f(u − ηg) is a parabola in η with φ'(η) = −gᵀ∇f(u − ηg) = −gᵀg + η gᵀHg.
    """
    g, H = gradient(q), hessian(q)
    eta = sp.Symbol("eta")
    phi = q.value().subs(dict(zip(q.variables, q.u - eta * g, strict=True)), simultaneous=True)
    curvature = sp.expand((g.T * H * g)[0, 0])
    if curvature == 0:  # f is linear along every gradient ray: no minimiser on it
        return sp.nan
    step = sp.cancel((g.T * g)[0, 0] / curvature)
    assert sp.cancel(sp.together(sp.diff(phi, eta).subs(eta, step))) == 0  # rational in u: exact
    return step


def iteration_map(q: Quadratic) -> sp.Matrix:
    """One gradient-descent step as a map of u: u − η∇f(u) = (I − ηH)u − ηb, H = A + Aᵀ.

    Built from the derived gradient and checked against the matrix form entry by entry
    (both are polynomials in u and η, so expand decides).
    """
    step = q.u - ETA * gradient(q)
    matrix_form = (sp.eye(len(q.variables)) - ETA * hessian(q)) * q.u - ETA * q.b
    assert all(sp.expand(a - b) == 0 for a, b in zip(step, matrix_form, strict=True))
    return step.applyfunc(sp.expand)


def iterate(q: Quadratic, eta: Any, start: sp.Matrix, steps: int) -> list[sp.Matrix]:
    """Exact gradient-descent iterates u_0..u_steps (for counterexamples)."""
    H = hessian(q)
    out = [start]
    for _ in range(steps):
        u = out[-1]
        out.append(u - eta * (H * u + q.b))
    return out


_RELATIONS = {"<": sp.StrictLessThan, "<=": sp.LessThan, ">": sp.StrictGreaterThan,
              ">=": sp.GreaterThan}
_EIGEN_NAMES = ("\\lambda_{\\max}", "\\lambda_{\\text{max}}")  # \lambda_{max} is read as \lambda_{\text{max}}


def _for_every_i(side: A.Node) -> A.Node | None:
    """The side without a trailing '\\forall i' ('\\frac{1}{\\lambda_i} \\quad \\forall i'), None if it has none."""
    if not (isinstance(side, A.Juxt) and len(side.items) >= 3):
        return None
    mark, letter = side.items[-2:]
    if not (isinstance(mark, A.Name) and mark.text == "\\forall" and index_letter(letter) == "i"):
        return None
    rest = side.items[:-2]
    return rest[0] if len(rest) == 1 else A.Juxt(side.pos, rest)


def read_condition(latex: str, lambdas: list[sp.Expr] | None = None) -> sp.Set:
    """The real η satisfying a condition written as one or two inequalities in η, solved
    exactly: '100\\eta(\\eta - \\frac{1}{5}) < 0' -> (0, 1/5); a side may be |...|.

    With `lambdas` (eigenvalues named by the claim's `eigenvalues` option), λ_max is the
    largest, and a condition on λ_i must end in '\\forall i': it is then required for every
    λ_i (the intersection). Any other name, or λ_i without ∀i, is a NotationError.
    """
    chain = relation_of(latex)
    nodes = list(chain.sides)
    last = _for_every_i(nodes[-1])
    every = last is not None
    if every:
        nodes[-1] = last
    if len(chain.ops) not in (1, 2) or any(op not in _RELATIONS for op in chain.ops):
        raise NotationError(latex, "expected one or two inequalities in eta")
    lam = sp.Dummy("lambda_i")
    names: dict[str, Any] = {"\\eta": ETA}
    if lambdas is not None:
        names["\\lambda_i"] = lam
        names.update({key: max(lambdas, key=float) for key in _EIGEN_NAMES})

    def side(node: A.Node) -> sp.Expr:
        value = node_value(latex, node, names)
        if isinstance(value, sp.MatrixBase) or not value.free_symbols <= {ETA, lam}:
            raise NotationError(latex, "expected a condition on eta alone", node.pos)
        return value

    sides = [side(node) for node in nodes]
    if any(lam in e.free_symbols for e in sides) and not every:
        raise NotationError(latex, "a condition on lambda_i must say for which i (\\forall i)")
    real = sp.Dummy("eta", real=True)
    out: sp.Set = sp.S.Reals
    for value in (lambdas or [None]) if every else [None]:
        at = {ETA: real} | ({lam: value} if value is not None else {})
        for k in range(len(sides) - 1):
            relation = _RELATIONS[chain.ops[k]](sides[k].subs(at), sides[k + 1].subs(at))
            out = out & sp.solve_univariate_inequality(relation, real, relational=False)
    return out


def _mistake_for_bound(q: Quadratic, claimed: sp.Interval, true: sp.Interval) -> str | None:
    H = hessian(q)
    lam_h = eigenvalues(H)[-1]
    lam_a = eigenvalues((q.A + q.A.T) / 2)[-1]
    hi = claimed.sup
    if hi == 1 / lam_h:
        return "used 1/λ_max(H) instead of 2/λ_max(H)"
    if hi == 2 / lam_a and H != (q.A + q.A.T) / 2:
        return "used the eigenvalues of A instead of those of the Hessian H = A + Aᵀ"
    if hi == true.sup and claimed.sup in claimed:
        return ("included the end point η = 2/λ_max: there the component along the top "
                "eigenvector flips sign each step and never shrinks")
    if claimed.inf == 0 and 0 in claimed:
        return "included η = 0, where gradient descent does not move"
    return None


@problem_kind("gradient_descent")
class GradientDescentProblem(Problem):
    """`[quadratic]` A (n×n rows), optional b (n), c and variables (names of u's entries).

    An `interval` claim is an interval or a condition on η (inequalities, solved exactly);
    its optional `eigenvalues` = "A" or "H" binds λ_i (with '\\forall i') and λ_max to the
    eigenvalues of A's symmetric part or of the Hessian. A `line_search_step` claim is
    'η = ...' or an equation linear in η, read as its root. An `eigenvalue` claim is one number
    (`\\lambda_1 = 12`: the claim is 12), one of the eigenvalues of the Hessian or of A (option
    `eigenvalues`; unset, of either, the verdict naming which); `position` = "max" or "min" asks
    for the largest or the smallest."""

    claim_options: ClassVar[dict[str, OptionSpec]] = {"eigenvalues": ("A", "H"), "position": ("max", "min")}

    def __init__(self, header: Fields, claims: list[Claim], q: Quadratic) -> None:
        super().__init__(header, claims)
        self.q = q
        self._derived: _Results | None = None

    @classmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> GradientDescentProblem:
        doc.check_keys(HEADER_KEYS | {"quadratic"})
        t = doc.table("quadratic")
        t.check_keys({"A", "b", "c", "variables"})
        A = t.matrix("A", max_entries=SYMBOLIC_MAX_VARIABLES**2, why=f" ({SYMBOLIC_MAX_VARIABLES} variables at most)")
        if A.rows != A.cols:
            raise t.error("A", f"must be square, got {A.rows}x{A.cols}")
        n = A.rows
        b = t.matrix("b", shape=(n, 1), default=sp.zeros(n, 1))
        c = t.number("c", default=sp.Integer(0))
        names = t.get("variables", list, [f"x_{i + 1}" for i in range(n)] if n > 1 else ["x"])
        if len(names) != n or not all(isinstance(v, str) and v for v in names):
            raise t.error("variables", f"expected {n} names")
        q = Quadratic(A, b, c, tuple(sp.Symbol(v, real=True) for v in names))
        return cls(doc, claims, q)

    def targets(self) -> list[str]:
        return TARGETS

    def derive(self) -> _Results:
        """The results of this problem, exact, each computed when first asked for (a claim on the
        interval of an 8-variable quadratic does not wait for the exact line-search step)."""
        if self._derived is None:
            q = self.q
            self._derived = _Results({
                "f": q.value, "gradient": lambda: gradient(q), "hessian": lambda: hessian(q),
                "eigenvalues_hessian": lambda: eigenvalues(self._derived["hessian"]),
                "eigenvalues_A": lambda: eigenvalues((q.A + q.A.T) / 2),
                "interval": lambda: convergence_interval(self._derived["hessian"], q.b),
                "line_search_step": lambda: line_search_step(q),
                "iteration": lambda: iteration_map(q),
            })
        return self._derived

    def solve(self, elementwise: bool | None = None) -> Solution:
        d = self.derive().everything()
        data = {k: sp.sstr(v.tolist() if isinstance(v, sp.MatrixBase) else v)
                for k, v in d.items()}
        data["latex"] = {k: sp.latex(v) for k, v in d.items()}
        return Solution(self.title, data, dict(d))

    def names(self) -> dict[str, Any]:
        """The names a claim may use; for n = 1 every one is a scalar (u, A, I, b, ∇f)."""
        u = self.q.u
        out: dict[str, Any] = {v.name: v for v in self.q.variables}
        out.update({"A": self.q.A, "I": sp.eye(self.q.A.rows), "b": self.q.b, "\\eta": ETA})
        if len(u) == 1:
            out.update({key: out[key][0, 0] for key in ("A", "I", "b")})
        for key in ("u", "u_n", "x", "x_n", "u_k", "x_k"):
            out.setdefault(key, u if len(u) > 1 else u[0])
        return out

    def functions(self) -> dict[str, str]:
        """f as the problem defines it, a function of its argument: \\nabla f(u_n), f'(x), \\nabla^2 f(u)."""
        c = f"({sp.latex(self.q.c)})"  # an exact rational, written by SymPy
        if len(self.q.variables) == 1:
            return {"f(v)": f"A v^2 + b v + {c}"}
        return {"f(v)": f"v^T A v + b^T v + {c}"}

    def value(self, latex: str, node: A.Node) -> Any:
        """The value of one side of a claim (a 1x1 matrix as its entry)."""
        value = node_value(latex, node, self.names(), defined=self.functions())
        if isinstance(value, sp.MatrixBase) and value.shape == (1, 1):
            return value[0, 0]
        return value

    def read(self, latex: str) -> Any:
        """The value of the last side of a claim."""
        return self.value(latex, relation_of(latex).sides[-1])

    def read_step(self, latex: str) -> Any:
        """A claimed step size: the right side of 'η = ...', or the one η solving an equation
        linear in η, such as the line search's '-2 ∇f(u_n)ᵀAu_n + 2η ∇f(u_n)ᵀA∇f(u_n) = 0'."""
        sides = relation_of(latex).sides
        if len(sides) == 1:
            return self.read(latex)
        left = self.value(latex, sides[-2])
        if left == ETA:
            return self.value(latex, sides[-1])
        other = self.value(latex, sides[-1])
        if isinstance(left, sp.MatrixBase) or isinstance(other, sp.MatrixBase):
            raise NotationError(latex, "expected an equation between numbers")
        equation = sp.expand(left - other)
        if not equation.is_polynomial(ETA) or sp.degree(equation, ETA) != 1:
            raise NotationError(latex, "expected eta = ... or an equation linear in eta")
        return sp.cancel(-equation.coeff(ETA, 0) / equation.coeff(ETA, 1))

    def judge(self, claim: Claim) -> Verdict:
        if claim.target not in TARGETS:
            return unknown_target(claim, TARGETS)
        d = self.derive()
        if claim.target == "eigenvalue":
            try:
                return self.judge_eigenvalue(claim, d)
            except NotationError as exc:
                return cannot_read(claim, exc)
        true = d[claim.target]
        try:
            if claim.target == "interval":
                return self.judge_interval(claim, true)
            if claim.target == "iteration":
                return self.judge_iteration(claim, self.read(claim.latex), true)
            if claim.target == "line_search_step":
                return self.compare(claim, self.read_step(claim.latex), true)
            if claim.target.startswith("eigenvalues"):
                got = sorted(read_number_list(claim.latex), key=lambda e: float(sp.re(sp.N(e))))
                ok = len(got) == len(true) and all(sp.simplify(a - b) == 0
                                                   for a, b in zip(got, true, strict=True))
                which = "H" if claim.target.endswith("hessian") else \
                    "A" if self.q.A == self.q.A.T else "A's symmetric part (A + Aᵀ)/2 (A is not symmetric)"
                return verdict(claim, "correct" if ok else "incorrect",
                               f"the eigenvalues of {which} are {sp.sstr(true)}",
                               expected=sp.Tuple(*true), claimed=sp.Tuple(*got))
            got = self.read(claim.latex)
        except NotationError as exc:
            return cannot_read(claim, exc, expected=true)
        return self.compare(claim, got, true)

    def compare(self, claim: Claim, got: Any, true: Any) -> Verdict:
        if isinstance(true, sp.MatrixBase) and true.shape[1] == 1 and true.shape[0] == 1:
            true = true[0, 0]
        if isinstance(got, sp.MatrixBase) != isinstance(true, sp.MatrixBase) or (
                isinstance(got, sp.MatrixBase) and got.shape != true.shape):
            return verdict(claim, "incorrect", "the claim has the wrong shape",
                           expected=true, claimed=got)
        diff = sp.simplify(got - true)
        zero = diff.is_zero_matrix if isinstance(diff, sp.MatrixBase) else diff == 0
        if zero:
            return verdict(claim, "correct", f"equals {_show(true)}",
                           expected=true, claimed=got)
        point = {v: sp.Integer(i + 1) for i, v in enumerate(self.q.variables)}
        return verdict(claim, "incorrect", f"differs from {_show(true)}",
                       expected=true, claimed=got,
                       counterexample={"at": {str(k): v for k, v in point.items()},
                                       "expected": (_at(true, point)),
                                       "claimed": (_at(got, point))})

    def judge_iteration(self, claim: Claim, got: Any, true: sp.Matrix) -> Verdict:
        """A claimed map u_n ↦ u_{n+1} against the derived step u − η∇f(u).

        Correct when the two are the same polynomial in u and η (expand of the difference is
        0) and agree at sample points; incorrect with the first sample point (u, η) where
        one step of the claim and of gradient descent land in different places.
        """
        n = len(self.q.variables)
        got = got if isinstance(got, sp.MatrixBase) else sp.Matrix([got])
        shown = {"expected": true, "claimed": got}
        if got.shape != true.shape:
            return verdict(claim, "incorrect", f"the claim is {got.rows}x{got.cols}, a step of u is "
                           f"{n}x1", **shown)
        unknown = got.free_symbols - set(self.q.variables) - {ETA}
        if unknown:
            return verdict(claim, "undecided", "the claim uses unknown names: "
                           + ", ".join(sorted(map(str, unknown))), **shown)
        points = [([sp.Integer(m + 1) for m in range(n)], sp.Rational(1, 10)),
                  ([sp.Integer((-1) ** m * (m + 2)) for m in range(n)], sp.Rational(1, 3)),
                  ([sp.Integer(3 - m) for m in range(n)], sp.Integer(2))]
        for u, eta in points:
            at = dict(zip(self.q.variables, u, strict=True)) | {ETA: eta}
            want, have = true.subs(at), got.subs(at)
            if all(abs(sp.N(e, 50)) < 1e-30 for e in want - have):
                continue
            mistake = None
            dropped = (sp.eye(n) - ETA * hessian(self.q)) * self.q.u
            if self.q.b != sp.zeros(n, 1) and (got - dropped).applyfunc(sp.expand).is_zero_matrix:
                mistake = ("dropped the linear term: ∇f(u) = (A + Aᵀ)u + b, so the step is "
                           "(I − ηH)u − ηb, not (I − ηH)u")
            return verdict(claim, "incorrect", f"one step from u = {sp.sstr(u)} with η = {eta} differs",
                           counterexample={"u_n": sp.Matrix(u), "eta": eta, "expected u_(n+1)": want,
                                           "claimed u_(n+1)": have},
                           mistake=mistake, **shown)
        if (got - true).applyfunc(sp.expand).is_zero_matrix:
            return verdict(claim, "correct", f"equals one gradient step u − η∇f(u) = {_show(true)} "
                           "(identical polynomials in u and η)", **shown)
        return verdict(claim, "undecided", "agrees at the sample points but is not decided exactly",
                       **shown)

    def judge_eigenvalue(self, claim: Claim, d: dict[str, Any]) -> Verdict:
        """One number among the eigenvalues of H (or of A's symmetric part), the largest or the
        smallest with `position`; without `eigenvalues`, among either's (the verdict says which)."""
        got = read_number_list(claim.latex)
        if len(got) != 1:
            raise NotationError(claim.latex, f"expected one number, got {len(got)}")
        value, decimals = read_number(claim.latex)
        position, written = claim.options.get("position"), _extreme_written(claim.latex)
        if written and position and written != position:
            return verdict(claim, "error", f"the claim writes λ_{written} but its option position is {position!r}")
        position = position or written
        tolerance = sp.Rational(1, 2) / 10**decimals if decimals else 0
        spectra = {"H": d["eigenvalues_hessian"], "A": d["eigenvalues_A"]}
        names = {"H": "the Hessian H", "A": "A's symmetric part"}
        readings = [claim.options["eigenvalues"]] if claim.options.get("eigenvalues") else ["H", "A"]
        what = {"max": "the largest eigenvalue", "min": "the smallest eigenvalue"}.get(position, "an eigenvalue")

        def among(spectrum: list[sp.Expr]) -> bool:
            chosen = spectrum[-1:] if position == "max" else spectrum[:1] if position == "min" else spectrum
            if tolerance:  # 10.92 for 10.92101...: right to the digits written
                return any(abs(sp.N(value - e, 30)) <= tolerance for e in chosen)
            return any(sp.simplify(value - e) == 0 for e in chosen)

        fitting = [name for name in readings if among(spectra[name])]
        said = "; ".join(f"the eigenvalues of {names[name]} are {sp.sstr(spectra[name])}" for name in readings)
        digits = f", to the {decimals} decimals written" if tolerance else ""
        if fitting:
            return verdict(claim, "correct", f"{sp.sstr(value)} is {what} of {names[fitting[0]]}{digits} ({said})",
                           expected=sp.Tuple(*spectra[fitting[0]]), claimed=value)
        return verdict(claim, "incorrect", f"{sp.sstr(value)} is not {what} of "
                       f"{' or of '.join(names[name] for name in readings)}{digits} ({said})",
                       expected=sp.Tuple(*spectra[readings[0]]), claimed=value)

    def judge_interval(self, claim: Claim, true: sp.Set) -> Verdict:
        """The claimed set of step sizes against the convergence interval: an interval, or a
        condition on η (see read_condition; option `eigenvalues` = "A" or "H" names λ_i)."""
        whose = claim.options.get("eigenvalues")
        if whose not in (None, "A", "H"):
            return verdict(claim, "error", f"eigenvalues: unknown value {whose!r}; known: A, H")
        try:
            claimed = read_interval(claim.latex) if whose is None else None
        except NotationError:
            claimed = None
        if claimed is None:
            d = self.derive()
            claimed = read_condition(claim.latex, None if whose is None else
                                     d["eigenvalues_A" if whose == "A" else "eigenvalues_hessian"])
        if _same_set(claimed, true):
            return verdict(claim, "correct",
                           f"gradient descent converges from every start exactly for η ∈ {true}",
                           expected=true, claimed=claimed)
        H = hessian(self.q)
        lams = eigenvalues(H)
        extra = sp.Complement(claimed, true)
        missing = sp.Complement(true, claimed)
        bad = extra if extra is not sp.S.EmptySet else missing
        eta = _inside(bad)
        top = _eigvec(H, lams[-1])
        start = sp.Matrix(top)
        factor = 1 - eta * lams[-1]
        centre = _minimiser(self.q)
        steps = iterate(self.q, eta, start + centre, 3) if centre is not None else []
        ce = {"eta": eta, "start": steps[0] if steps else None, "first iterates": steps,
              "factor per step along the top eigenvector (1 - eta*lambda_max)": factor,
              "converges": bool(abs(factor) < 1)}
        what = ("claimed to converge but diverges or stalls" if extra is not sp.S.EmptySet
                else "excluded but converges")
        return verdict(claim, "incorrect",
                       f"η = {eta} is {what}: the true interval is {true}",
                       expected=true, claimed=claimed, counterexample=ce,
                       mistake=_mistake_for_bound(self.q, claimed, true)
                       if isinstance(claimed, sp.Interval) and true is not sp.S.EmptySet
                       else None)


def _show(value: Any) -> str:
    return sp.sstr(value.tolist() if isinstance(value, sp.MatrixBase) else value)


def _at(value: Any, point: dict[sp.Symbol, sp.Expr]) -> Any:
    return value.subs(point) if hasattr(value, "subs") else value


def _extreme_written(latex: str) -> str | None:
    """'max' or 'min' when the claim's first side is λ_max or λ_min (\\lambda_{\\max}, \\lambda_{\\min}(H),
    \\lambda_{max}): which eigenvalue the claim is about, as it writes it."""
    side = relation_of(latex).sides[0]
    if isinstance(side, A.Juxt) and side.items:
        side = side.items[0]
    if not (isinstance(side, A.Sub) and isinstance(side.body, A.Name) and side.body.text == "\\lambda"):
        return None
    index = side.index
    words = "".join(getattr(w, "name", None) or getattr(w, "text", "").lstrip("\\") for w in index)
    return words if words in ("max", "min") else None


def _same_set(a: sp.Set, b: sp.Set) -> bool:
    """Two sets of step sizes are equal: as written, or intervals whose ends are equal numbers
    ((3 - √5)/2 and 2/(3 + √5)) and equally open."""
    if a == b:
        return True
    if not (isinstance(a, sp.Interval) and isinstance(b, sp.Interval)):
        return False
    return (a.left_open, a.right_open) == (b.left_open, b.right_open) and all(
        sp.simplify(sp.radsimp(u - v)) == 0 for u, v in ((a.start, b.start), (a.end, b.end)))


def _inside(s: sp.Set) -> sp.Expr:
    """A simple number inside a non-empty set of reals (the middle of its first piece)."""
    piece = s.args[0] if isinstance(s, sp.Union) else s
    if isinstance(piece, sp.FiniteSet):
        return piece.args[0]
    lo, hi = piece.inf, piece.sup
    if hi is sp.oo:
        return lo + 1
    if lo is -sp.oo:
        return hi - 1
    return (lo + hi) / 2 if lo != hi else lo


def _eigvec(H: sp.Matrix, lam: sp.Expr) -> sp.Matrix:
    vecs = (H - lam * sp.eye(H.rows)).nullspace()
    v = vecs[0]
    return v / max(abs(x) for x in v if x != 0)


def _minimiser(q: Quadratic) -> sp.Matrix | None:
    H = hessian(q)
    return None if H.det() == 0 else -H.inv() * q.b
