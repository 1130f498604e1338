"""Solution documents: one section renderer per problem kind, chosen by a registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from ..core.matrixeval import ExactBackend
from ..core.texsafe import escape
from ..kinds.base import Problem, Solution
from ..kinds.identity_proofs import IDENTITIES
from ..kinds.matrix_calculus import Instance
from .blocks import Code, Document, Figure, Heading, Items, M, Math, Para, Table, to_latex, to_markdown
from .codegen import appendix_blocks
from .printer import latex, number, number_matrix
from .solution_text import solution_text
from .tikz import network_diagram

Renderer = Callable[[Problem, Solution, Document], None]

#: kind -> the function that writes that kind's sections.
SECTIONS: dict[str, Renderer] = {}


def section(kind: str) -> Callable[[Renderer], Renderer]:
    """Decorator: register the section renderer of problem kind `kind`."""

    def register(fn: Renderer) -> Renderer:
        SECTIONS[kind] = fn
        return fn

    return register


def build(problem: Problem, solution: Solution | None = None) -> Document:
    """The solution document of `problem` (solved here unless `solution` is given)."""
    solution = solution if solution is not None else problem.solve()
    sub = " ".join(x for x in (problem.source, problem.section) if x)
    doc = Document(problem.title, subtitle=f"symderiv solution{': ' + sub if sub else ''}")
    renderer = SECTIONS.get(problem.kind, _generic)
    renderer(problem, solution, doc)
    return doc


def solution_latex(problem: Problem, solution: Solution | None = None) -> str:
    """The complete, compilable .tex of the solution of `problem`."""
    return to_latex(build(problem, solution))


def solution_markdown(problem: Problem, solution: Solution | None = None) -> str:
    """The solution of `problem` as Markdown with $$ maths."""
    return to_markdown(build(problem, solution))


def _generic(problem: Problem, solution: Solution, doc: Document) -> None:
    doc.add(Heading("Solution"), Code(solution_text(problem, solution, ascii=True)))


# ---------------------------------------------------------------------- network


def _names(problem: Any) -> dict[str, str]:
    """Display names of every matrix the matrix form mentions."""
    mf = problem.matrix_form
    names = {k: spec.latex for k, spec in problem.net.params.items()}
    names.update({s.symbol.name: s.latex for s in mf.steps})
    names["G"] = r"\frac{\partial L}{\partial Y}" if len(problem.net.layers) else "G"
    return names


#: A matrix is printed when it has at most this many columns (amsmath's matrices allow 10) ...
PRINT_MAX_COLUMNS = 10
#: ... and at most this many entries; a larger one is named with its shape instead.
PRINT_MAX_ENTRIES = 120


def printable(value: Any) -> bool:
    """Whether a matrix (SymPy, or nested lists) is small enough to print entry by entry."""
    if isinstance(value, sp.MatrixBase):
        rows, cols = value.shape
    elif isinstance(value, list) and value and isinstance(value[0], list):
        rows, cols = len(value), len(value[0])
    else:
        return True
    return cols <= PRINT_MAX_COLUMNS and rows * cols <= PRINT_MAX_ENTRIES


def _sub(name: str, index: str) -> str:
    """A display name with an index subscript: W^{(1)} -> W^{(1)}_{ji}."""
    return f"{{{name}}}_{{{index}}}"


def network_statement(problem: Any, doc: Document) -> None:
    """The problem as posed: the network's equations and picture, its parameters' shapes, the data given."""
    net = problem.net
    names = _names(problem)
    col = net.layout == "column"
    L = len(net.layers)
    doc.add(Heading("The problem"))
    arch = ", ".join(f"{lay.units} ({lay.activation})" for lay in net.layers)
    doc.add(Para([f"A feed-forward network with {net.n_in} inputs and layers of {arch} units, "
                  f"N = {problem.batch} samples, in the {net.layout} layout ("
                  + ("each sample is a column vector" if col else "each sample is a row vector")
                  + "). For every layer l:"]))
    eqs = []
    for l, layer in enumerate(net.layers, start=1):
        w, b = net.layer_params(l)
        a_prev = r"\mathbf{x}_n" if l == 1 else rf"\mathbf{{a}}^{{({l - 1})}}_n"
        z = rf"\mathbf{{z}}^{{({l})}}_n"
        wi = w.latex if w.shape == w.internal else rf"{{{w.latex}}}^{{\top}}"
        rhs = f"{wi} {a_prev}" if col else f"{a_prev} {wi}"
        if b is not None:
            bi = b.latex if b.shape == b.internal else rf"{{{b.latex}}}^{{\top}}"
            rhs += f" + {bi}"
        eqs.append(rf"{z} &= {rhs}, & \mathbf{{a}}^{{({l})}}_n &= {layer.act.latex}\left({z}\right)")
    factor = net.gradient_factor(sp.Symbol("N"))
    scaled = "" if factor == 1 else latex(factor) + r"\,"
    penalties = "".join(rf" + \frac{{{latex(c)}}}{{2}}\left\lVert {net.params[p].latex} \right\rVert^2"
                        for p, c in net.l2)
    base = net.loss.latex
    if scaled and base.startswith("-"):
        base = rf"\left({base}\right)"
    loss_line = f"{scaled}{base}{penalties}"
    if net.sample_weights:  # weights s_n on the samples' terms l_n of the registered loss
        loss_line = rf"{scaled}\sum_{{n}} s_n \ell_n{penalties}, \quad \textstyle\sum_n \ell_n = {net.loss.latex}"
    eqs.append(rf"\mathbf{{y}}_n &= \mathbf{{a}}^{{({L})}}_n, & L &= {loss_line}")
    doc.add(Math(eqs, align=True))
    doc.add(Figure(network_diagram(net), "the network: layers, units and weights"))
    parts: list[str | M] = ["Parameters, in the shapes the problem uses: "]
    for i, spec in enumerate(net.params.values()):
        parts += [", " if i else "", M(rf"{spec.latex} \in \mathbb{{R}}^{{{spec.shape[0]} \times {spec.shape[1]}}}")]
    doc.add(Para([*parts, "."]))
    if problem.given:
        doc.add(Heading("Data", 2))
        lines, large = [], []
        for key in ("X", "T", *net.params):
            if key in problem.values:
                value = problem.values[key]
                if printable(value):
                    lines.append(f"{names.get(key, key)} &= {number_matrix(value)}")
                else:
                    large.append(M(rf"{names.get(key, key)} \in \mathbb{{R}}^{{{value.rows} \times {value.cols}}}"))
        doc.add(Para(["One sample per row of X and T."]))
        if lines:
            doc.add(Math(lines, align=True, label="data"))
        if large:
            doc.add(Para(["Given in the problem file, too large to print here: ",
                          *[part for i, m in enumerate(large) for part in ([", "] if i else []) + [m]], "."]))


@section("network")
def network_sections(problem: Any, solution: Solution, doc: Document) -> None:
    """Statement, forward pass, chain rule (index and matrix form), gradients, checks."""

    net, mf, data = problem.net, problem.matrix_form, solution.data
    names = _names(problem)
    col = net.layout == "column"
    network_statement(problem, doc)
    have_all = problem.given >= {"X", "T", *net.params}
    if not have_all:
        doc.add(Para(["Not every value is given, so no numbers are computed; the formulas below "
                      "hold for every value and were checked at seeded random points."]))

    env = None
    if have_all and problem.small:
        env = mf.run(problem._internal(problem.point()), problem.batch, ExactBackend())

    # -- forward pass
    doc.add(Heading("Forward pass"))
    a0 = r"A^{(0)} = X^{\top}" if col else r"A^{(0)} = X"
    doc.add(Para(["In matrix form, with ", M(a0), " and ", M(r"\mathbf{1}_N"),
                  " the vector of N ones" + (" (samples are columns):" if col else " (samples are rows):")]))
    fwd = [s for s in mf.steps if s.role == "forward"]
    doc.add(Math([_step_line(s, names, env) for s in fwd], align=True, label="forward"))
    if "loss_exact" in data:
        doc.add(Para(["The loss:"]), Math([rf"L = {number(data['loss_exact'])}"], label="loss"))
    elif "loss" in data:
        doc.add(Para(["The loss:"]), Math([rf"L = {number(data['loss'])}"], label="loss"))

    # -- chain rule in index form
    doc.add(Heading("The chain rule, index by index"))
    doc.add(Para(["Write ", M(r"\delta^{(l)}_{nj} = \partial L / \partial z^{(l)}_{nj}"),
                  " for sample n and unit j of layer l. Then, step by step:"]))
    doc.add(Math(_index_form(problem), align=True, label="index form"))

    # -- matrix (backprop) form
    doc.add(Heading("The chain rule in matrix form (backpropagation)"))
    doc.add(Para(["The same steps for the whole batch at once: first ", M(r"\partial L/\partial Y"),
                  ", then each ", M(r"\Delta^{(l)}"), " from the layer above, then each parameter."]))
    back = [s for s in mf.steps if s.role != "forward"]
    doc.add(Math([_step_line(s, names, env) for s in back if s.role != "gradient"], align=True,
                 label="backprop"))

    # -- gradients
    doc.add(Heading("The gradients"))
    exact = data.get("gradients_exact")
    floats = data.get("gradients")
    for key, step in mf.gradients.items():
        spec = net.params[key]
        doc.add(Heading(f"With respect to {key}", 2))
        lines = [rf"\frac{{\partial L}}{{\partial {spec.latex}}} &= {latex(step.expr, names)}"]
        doc.add(Math(lines, align=True))
        if exact is not None or floats is not None:
            value = exact[key] if exact is not None else floats[key]
            if printable(value):
                doc.add(Math([rf"\frac{{\partial L}}{{\partial {spec.latex}}} = {number_matrix(value)}"],
                             label=f"gradient {key}"))
            else:
                doc.add(Para([f"Its {spec.shape[0]} x {spec.shape[1]} entries are too many to print here; "
                              "`symderiv solve --json` gives them all."]))
        doc.add(Para([f"Shape {spec.shape[0]} x {spec.shape[1]}, the shape of ", M(spec.latex), "."]))

    # -- checks
    doc.add(Heading("How these results were checked"))
    doc.add(Items([Para([f"{c['what']}: {c['method']}; {c['detail']}"
                         + (" (passed)" if c["passed"] else " (FAILED)")]) for c in data.get("checks", [])]))
    doc.add(*appendix_blocks(problem))


def _step_line(step: Any, names: dict[str, str], env: dict[str, Any] | None) -> str:
    line = rf"{step.latex} &= {latex(step.expr, names)}"
    if env is not None:
        value = env[step.symbol.name]
        if isinstance(value, sp.MatrixBase) and value.rows * value.cols <= 24 and value.cols <= 8:
            line += rf" = {number_matrix(value)}"
        elif not isinstance(value, sp.MatrixBase):
            line += rf" = {number(value)}"
    return line


def _index_form(problem: Any) -> list[str]:
    """The chain rule written entry by entry, in the problem's layout and names."""
    net = problem.net
    col = net.layout == "column"
    L = len(net.layers)
    lines = [_output_gradient_line(net, problem.batch)]
    for l in range(L, 0, -1):
        layer = net.layers[l - 1]
        w, b = net.layer_params(l)
        dA = rf"\frac{{\partial L}}{{\partial a^{{({l})}}_{{nj}}}}" if l < L else r"\frac{\partial L}{\partial y_{nj}}"
        zsym = sp.Symbol(f"z^{{({l})}}_{{nj}}")
        if layer.act.elementwise:
            fprime = latex(layer.act.derivative(zsym, *layer.act_args))
            lines.append(rf"\delta^{{({l})}}_{{nj}} &= {dA}\, f_{l}'\bigl(z^{{({l})}}_{{nj}}\bigr)"
                         rf" = {dA} \cdot {fprime}")
        else:
            lines.append(rf"\delta^{{({l})}}_{{nj}} &= \sum_k \frac{{\partial L}}{{\partial a^{{({l})}}_{{nk}}}}"
                         rf"\frac{{\partial a^{{({l})}}_{{nk}}}}{{\partial z^{{({l})}}_{{nj}}}}")
        a_prev = r"x_{ni}" if l == 1 else rf"a^{{({l - 1})}}_{{ni}}"
        w_idx = "ji" if col else "ij"
        wij = _internal_entry(w, w_idx)
        reg = dict(net.l2)
        extra = rf" + {latex(reg[w.name])}\, {wij}" if w.name in reg else ""
        lines.append(rf"\frac{{\partial L}}{{\partial {wij}}} &= \sum_{{n=1}}^{{N}} "
                     rf"\frac{{\partial L}}{{\partial z^{{({l})}}_{{nj}}}}"
                     rf"\frac{{\partial z^{{({l})}}_{{nj}}}}{{\partial {wij}}}"
                     rf" = \sum_{{n=1}}^{{N}} \delta^{{({l})}}_{{nj}}\, {a_prev}{extra}")
        if b is not None:
            bj = _internal_entry(b, "j")
            extra = rf" + {latex(reg[b.name])}\, {bj}" if b.name in reg else ""
            lines.append(rf"\frac{{\partial L}}{{\partial {bj}}} &= \sum_{{n=1}}^{{N}} \delta^{{({l})}}_{{nj}}{extra}")
        if l > 1:
            lines.append(rf"\frac{{\partial L}}{{\partial a^{{({l - 1})}}_{{ni}}}} &= \sum_{{j}} "
                         rf"\delta^{{({l})}}_{{nj}}\, {_internal_entry(w, w_idx)}")
    return lines


def _internal_entry(spec: Any, idx: str) -> str:
    """The (idx) entry of a parameter in the layer's own orientation."""
    return _sub(spec.latex, idx if spec.shape == spec.internal else idx[::-1])


def _output_gradient_line(net: Any, batch: int) -> str:
    """∂L/∂y_{nk} by differentiating the registry's per-sample loss (when it separates)."""
    k = max(net.n_out, 1)
    ys = [sp.Symbol(f"y_{{n{j}}}") for j in range(1, k + 1)]
    ts = [sp.Symbol(f"t_{{n{j}}}") for j in range(1, k + 1)]
    ys[0], ts[0] = sp.Symbol("y_{nk}"), sp.Symbol("t_{nk}")
    d = sp.diff(net.loss.per_sample(ys, ts), ys[0]) * net.data_factor(sp.Symbol("N"))
    if d.free_symbols <= {ys[0], ts[0], sp.Symbol("N")}:
        return rf"\frac{{\partial L}}{{\partial y_{{nk}}}} &= {latex(sp.factor(d))}"
    return (r"\frac{\partial L}{\partial y_{nk}} &= \Bigl(\frac{\partial L}{\partial Y}\Bigr)_{nk}"
            r"\quad\text{(the matrix form below)}")


# ---------------------------------------------------------------------- other kinds


@section("identity")
def identity_sections(problem: Any, solution: Solution, doc: Document) -> None:
    """The proof for symbolic K, one equation per step with its reason."""
    proof = IDENTITIES[problem.name]()
    doc.add(Heading("The identity"), Para([proof.statement]))
    doc.add(Heading("Proof for a symbolic number of classes K" if proof.over == "symbolic K"
                    else f"Proof for {proof.over}"))
    lines = []
    for n, s in enumerate(proof.steps, start=1):
        lines.append(rf"{latex(s.lhs)} &= {latex(s.rhs)} && \text{{({n})}}")
    doc.add(Math(lines, align=True, label="proof"))
    doc.add(Para(["Why each step holds, and how that was checked mechanically:"]),
            Items([Para([f"({n}) {s.why} -- {s.status}: {s.check}"]) for n, s in enumerate(proof.steps, start=1)]))
    doc.add(Heading("Checked at concrete sizes" if proof.over == "symbolic K" else "Checked numerically"),
            Items([Para([c]) for c in proof.checks]))


@section("gradient_descent")
def stepsize_sections(problem: Any, solution: Solution, doc: Document) -> None:
    """Gradient, Hessian, its eigenvalues, and the step-size interval they give."""
    d = problem.derive()
    doc.add(Heading("The function"), Math([rf"f = {latex(d['f'])}"]))
    doc.add(Heading("Gradient and Hessian"))
    doc.add(Math([rf"\nabla f &= {latex(d['gradient'])}", rf"H &= {latex(d['hessian'])}"], align=True))
    ev = ", ".join(latex(e) for e in d["eigenvalues_hessian"])
    doc.add(Para(["The eigenvalues of H are ", M(ev), "."]))
    doc.add(Heading("Step sizes that converge"))
    doc.add(Para(["With error ", M(r"e_n = u_n - u^\ast"), ", a gradient step gives ",
                  M(r"e_{n+1} = (I - \eta H)\, e_n"), ", which tends to 0 from every start iff ",
                  M(r"|1 - \eta\lambda_i| < 1"), " for every eigenvalue, that is ",
                  M(r"0 < \eta < 2/\lambda_{\max}"), ":"]))
    doc.add(Math([rf"\eta \in {latex(d['interval'])}"], label="interval"))
    doc.add(Heading("Exact line search"))
    doc.add(Math([r"\eta^\ast(u) = \frac{g^{\top} g}{g^{\top} H g} = " + latex(d["line_search_step"])]))


@section("calculus")
def calculus_sections(problem: Any, solution: Solution, doc: Document) -> None:
    """Jacobian; for a scalar function gradient, Hessian and the critical points."""
    d = problem.derive()
    xs = ", ".join(latex(x) for x in problem.xs)
    fs = problem.fs[0] if problem.scalar else sp.Matrix(problem.fs)
    doc.add(Heading("The function"), Math([rf"f({xs}) = {latex(fs)}"]))
    J = d["jacobian"]
    doc.add(Heading("Jacobian"), Math([rf"J_f = {latex(J)} \in \mathbb{{R}}^{{{J.rows}\times{J.cols}}}"]))
    if problem.scalar:
        doc.add(Heading("Gradient and Hessian"),
                Math([rf"\nabla f &= J_f^{{\top}} = {latex(d['gradient'])}", rf"H_f &= {latex(d['hessian'])}"],
                     align=True))
        doc.add(Heading("Critical points"))
        if d["critical_points"] is None:
            doc.add(Para(["Not found: SymPy cannot solve the equation the gradient = 0."]))
        elif d["critical_points"]:
            rows = [[f"${latex(sp.Matrix(c['point']))}$", c["type"]] for c in d["critical_points"]]
            doc.add(Table(["point", "type (Hessian test)"], rows))
        else:
            doc.add(Para(["None: the gradient never vanishes."]))


@section("cnn")
def cnn_sections(problem: Any, solution: Solution, doc: Document) -> None:
    """The shape table and the formulas it comes from."""
    doc.add(Heading("Shapes and parameter counts"))
    doc.add(Para(["Each convolution or pooling layer maps an n x n map with kernel k, stride s and "
                  "padding p to size"]))
    doc.add(Math([r"n' = \frac{n + 2p - k}{s} + 1, \qquad "
                  r"\#\text{weights} = k_h k_w C_{\text{in}} F,\quad \#\text{biases} = F"]))
    s = problem.start
    rows = [["input", "", "", f"${s.height}\\times{s.width}\\times{s.channels}$", "", "", ""]]
    for r in problem.results:
        lay = r.layer
        kind = f"{lay.type} {lay.kernel[0]}x{lay.kernel[1]}"
        rows.append([escape(lay.name), kind, f"{lay.stride[0]}, {lay.padding[0]}",
                     f"${r.output.height}\\times{r.output.width}\\times{r.output.channels}$",
                     str(r.weights), str(r.biases), str(r.params)])
    t = problem.totals()
    rows.append([r"\textbf{total}", "", "", "", str(t["weights"]), str(t["biases"]), str(t["params"])])
    doc.add(Table(["layer", "type", "stride, pad", "output", "weights", "biases", "parameters"], rows,
                  align="lllcrrr"))


@section("regularisation")
def regularisation_sections(problem: Any, solution: Solution, doc: Document) -> None:
    """The derivation's steps with their reasons, and the checks made."""
    doc.add(Heading("Derivation"))
    doc.add(Items([Para([s["step"], " -- ", s["why"]]) for s in solution.data.get("steps", [])]))
    doc.add(Heading("Checked symbolically"), Items([Para([c]) for c in solution.data.get("checks", [])]))


@section("matrix_calculus")
def matrix_calculus_sections(problem: Any, solution: Solution, doc: Document) -> None:
    """For each function: the derivation for symbolic sizes in index form (each step with its
    reason), where it was instantiated and compared with SymPy, and the result at one small size."""
    functions = [("every size", "", problem)] + [(f"{key}, every size", f" ({key})", alt)
                                                 for key, alt in problem.alts.items()]
    for key, name, prob in functions:
        found = solution.data.get(key)
        if not found:
            doc.add(Heading(f"Function{name}"), Para(["No derivation for symbolic sizes; see the text below."]))
            continue
        steps, what = found["steps"], found["matrix"]
        doc.add(Heading(f"{'Jacobian' if what == 'jacobian' else 'Gradient'}{name} for every size"))
        doc.add(Para([f"In index form ({found['sizes']}), each step:"]))
        doc.add(Math([st["latex"].replace(" = ", " &= ", 1) for st in steps], align=True, label=f"derivation {key}"))
        doc.add(Items([Para([f"({n}) {st['say']}"]) for n, st in enumerate(steps, start=1)]))
        small = min(prob.sizes, key=lambda s: (min(s.values()) < 2, sum(s.values())))
        inst = Instance(prob, small)
        tag = ", ".join(f"{k}={v}" for k, v in small.items())
        doc.add(Heading(f"Cross-check at concrete sizes{name}", level=2),
                Para([f"The formula above, instantiated at {found['checked']}, equals SymPy's {what} "
                      f"computed there entry by entry. At {tag}:"]),
                Math([rf"{latex(prob.truth(inst)[what])}"], label=f"{what} {key} {tag}"))
    if any(not solution.data.get(key) for key, _, _ in functions):
        doc.add(Heading("Solver output"), Code(solution_text(problem, solution, ascii=True)))
