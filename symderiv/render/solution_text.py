"""What `solve` prints on a terminal: one text renderer per problem kind, its maths by the pretty printer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from ..kinds.base import Problem, Solution
from .pretty import UnicodePrinter

TextRenderer = Callable[[Problem, Solution, UnicodePrinter], list[str]]

def solution_text(problem: Problem, solution: Solution, ascii: bool = False) -> str:
    """The solution of `problem` as the terminal shows it (`ascii`: for a terminal that cannot
    show Unicode: σ as sigma, Z₁ as Z1, ⊙ as (.))."""
    printer = UnicodePrinter(ascii=ascii)
    return "\n".join(TEXTS.get(problem.kind, _generic)(problem, solution, printer))


def _generic(problem: Problem, solution: Solution, p: UnicodePrinter) -> list[str]:
    """A kind without its own renderer: its data, key by key."""
    return [f"{key}: {value}" for key, value in solution.data.items()]


def _list(p: UnicodePrinter, values: Any) -> str:
    """A vector or a list of values as [a, b, c]."""
    return "[" + ", ".join(p.doprint(v) for v in values) + "]"


# ---------------------------------------------------------------------- network


def network_text(problem: Any, solution: Solution, p: UnicodePrinter) -> list[str]:
    """Architecture, loss, each gradient (matrix form and numbers), the backprop steps, the checks."""
    net, data = problem.net, solution.data
    lines = [problem.title, "=" * len(problem.title)]
    if problem.source:
        lines.append(f"source: {problem.source} {problem.section}".rstrip())
    arch = " -> ".join([str(net.n_in)] + [f"{layer.units} ({layer.activation})" for layer in net.layers])
    lines.append(f"network: {arch}; layout {net.layout} "
                 f"({'z = W x + b' if net.layout == 'column' else 'z = x W + b'}); loss {net.loss_summary}; "
                 f"N = {problem.batch}")
    if "loss_exact" in data:
        lines.append(f"L = {data['loss_exact']}")
    elif "loss" in data:
        lines.append(f"L = {data['loss']:.10g}")
    d = "d" if p.ascii else "∂"
    for k, spec in net.params.items():
        lines.append("")
        lines.append(f"{d}L/{d}{p.name(k)}  (shape {spec.shape[0]}x{spec.shape[1]})")
        lines.append(f"  matrix form: {p.doprint(problem.matrix_form.gradients[k].expr)}")
        if "gradients_exact" in data:
            for row in data["gradients_exact"][k]:
                lines.append("  [" + "  ".join(f"{v:>10}" for v in row) + " ]")
        elif "gradients" in data:
            g = np.asarray(data["gradients"][k])
            lines.append(f"  (float, {g.shape[0]}x{g.shape[1]}; --json for all entries) "
                         f"first entries: {np.array2string(g.ravel()[:4], precision=6)}")
    lines.append("")
    lines.append("backprop steps:")
    for s in problem.matrix_form.steps:
        lines.append(f"  {p.name(s.symbol.name)} = {p.doprint(s.expr)}")
    lines.append("")
    lines.append("verified before printing:")
    for c in data["checks"]:
        lines.append(f"  [{'ok' if c['passed'] else 'FAILED'}] {c['what']}: {c['method']}; {c['detail']}")
    return lines


# ---------------------------------------------------------------------- the other kinds


def identity_text(problem: Any, solution: Solution, p: UnicodePrinter) -> list[str]:
    """The proof, one step a line with its reason and how it was checked; then the concrete checks."""
    proof = solution.values["proof"]
    open_steps = [f"{n + 1} {s.status}" for n, s in enumerate(proof.steps) if s.status != "checked"]
    head = (f"proof for {proof.over}, every step checked mechanically:" if proof.proved else
            f"NOT proved for {proof.over}: step {', '.join(open_steps)}; the steps:")
    lines = [f"identity: {proof.statement}", head]
    for n, s in enumerate(proof.steps):
        lines += [f"  {n + 1}. {p.doprint(s.lhs)} = {p.doprint(s.rhs)}    [{s.why}]", f"     {s.status}: {s.check}"]
    where = "at concrete sizes" if proof.over == "symbolic K" else "numerically"
    return lines + [f"checked {where}:"] + [f"  - {c}" for c in proof.checks]


def stepsize_text(problem: Any, solution: Solution, p: UnicodePrinter) -> list[str]:
    """f, its gradient and Hessian, the eigenvalues, the step sizes that converge, the line
    search and one gradient step."""
    d = solution.values
    eta = p.name("eta")
    return [
        f"f(u) = {p.doprint(d['f'])}",
        f"gradient: {_list(p, d['gradient'])}",
        f"Hessian H: {p.doprint(d['hessian'])}",
        f"eigenvalues of H: {_list(p, d['eigenvalues_hessian'])}  (of the symmetric part of A: "
        f"{_list(p, d['eigenvalues_A'])})",
        f"iteration: e{p.sub('n+1')} = (I - {eta} H) e{p.sub('n')}, converges from every start iff "
        f"|1 - {eta} {p.name('lambda_i')}| < 1 for all i",
        f"step sizes that converge from every start: {eta} {'in' if p.ascii else '∈'} {p.doprint(d['interval'])}",
        f"exact line-search step: {eta}*(u) = {p.doprint(d['line_search_step'])} = "
        f"g{p.sup('T')}g / (g{p.sup('T')}H g), g = gradient",
        f"one gradient step: u{p.sub('n+1')} = u{p.sub('n')} - {eta} {'grad ' if p.ascii else '∇'}f(u{p.sub('n')}) "
        f"= (I - {eta} H) u{p.sub('n')} - {eta} b = {_list(p, d['iteration'])}",
    ]


def calculus_text(problem: Any, solution: Solution, p: UnicodePrinter) -> list[str]:
    """The function, its Jacobian; for a scalar function gradient, Hessian and critical points."""
    d = solution.values
    J = d["jacobian"]
    lines = [f"f = {p.doprint(problem.fs[0]) if problem.scalar else _list(p, problem.fs)}",
             f"Jacobian ({J.rows}x{J.cols}): {p.doprint(J)}"]
    if problem.scalar:
        lines += [f"gradient: {_list(p, d['gradient'])}", f"Hessian: {p.doprint(d['hessian'])}"]
        if d["critical_points"] is None:
            lines.append("critical points not found: SymPy cannot solve grad f = 0")
        elif d["critical_points"]:
            for c in d["critical_points"]:
                lines.append(f"critical point {_list(p, c['point'])}: {c['type']}")
            if any(e.has(sp.sin, sp.cos, sp.tan) for e in problem.fs):
                lines.append("(the function is periodic: these repeat with the period)")
        else:
            lines.append("no critical points: the gradient never vanishes")
    return lines


def cnn_text(problem: Any, solution: Solution, p: UnicodePrinter) -> list[str]:
    """Each layer's output shape and parameter counts, the totals, the size formula."""
    lines = [f"input: {problem.start}"]
    for r in problem.results:
        layer = r.layer
        desc = f"{layer.type} {layer.kernel[0]}x{layer.kernel[1]}, stride {layer.stride[0]}x{layer.stride[1]}"
        desc += f", padding {layer.padding[0]}x{layer.padding[1]}"
        if layer.type == "conv":
            desc += f", {r.input.channels} -> {layer.filters} channels"
        lines.append(f"{layer.name}: {desc} -> {r.output}; weights {r.weights}, biases {r.biases}, "
                     f"parameters {r.params}")
    t = solution.data["total"]
    lines.append(f"total: weights {t['weights']}, biases {t['biases']}, parameters {t['params']}")
    lines.append("output size per axis: (n + 2p - k)/s + 1, with s dividing n + 2p - k")
    return lines


def regularisation_text(problem: Any, solution: Solution, p: UnicodePrinter) -> list[str]:
    """The derivation's steps with their reasons, the checks, the optimum for the given model."""
    lines = [f"{i + 1}. {s['step']}    [{s['why']}]" for i, s in enumerate(solution.data["steps"])]
    lines += ["checked symbolically:"] + [f"  - {c}" for c in solution.data["checks"]]
    if "optimum" in solution.values:
        lines.append(f"for the given H, w*, {p.name('mu')}: w = {_list(p, solution.values['optimum'])}")
    return lines


def matrix_calculus_text(problem: Any, solution: Solution, p: UnicodePrinter) -> list[str]:
    """Each derivation for every size, step by step (or why there is none), then the Jacobian
    and gradient at every checked size."""
    lines = []
    for label, found in solution.values["derivations"].items():
        if isinstance(found, str):
            lines.append(f"[{label}] no derivation for every size: {found}")
            continue
        for st in found["steps"]:
            lines.append(f"[{label}] {st['say']}:\n    {_chain(p, st)}")
        lines.append(f"[{label}] instantiated at {found['checked']}: equal to SymPy's {found['matrix']} "
                     "there, entry by entry")
    for tag, t in solution.values["sizes"].items():
        J = t["jacobian"]
        lines.append(f"[{tag}] Jacobian wrt {problem.input} ({J.rows}x{J.cols}): {p.doprint(J)}")
        if "gradient" in t:
            lines.append(f"[{tag}] gradient wrt {problem.input}: {p.doprint(t['gradient'])}")
    return lines


def _chain(p: UnicodePrinter, step: dict[str, Any]) -> str:
    """A derivation step's line, lhs = value (= value ...), its values pretty-printed."""
    if "chain" not in step:
        return step["text"]
    lhs, values = step["chain"]
    return " = ".join([lhs, *(p.doprint(v) for v in values)])


#: kind -> the function that writes that kind's lines (any other kind: its data, key by key).
TEXTS: dict[str, TextRenderer] = {
    "network": network_text, "identity": identity_text, "gradient_descent": stepsize_text,
    "calculus": calculus_text, "cnn": cnn_text, "regularisation": regularisation_text,
    "matrix_calculus": matrix_calculus_text,
}
