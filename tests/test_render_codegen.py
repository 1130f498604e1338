"""Generated NumPy evaluators: equal to the matrix form, and what latexify prints means
the same as the code (read back by an independent interpreter and evaluated); no file is written."""

from __future__ import annotations

import ast
import inspect
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest

from symderiv.core.ops import NUMPY_FUNCTIONS
from symderiv.kinds import load
from symderiv.render.codegen import (
    all_gradients_source,
    appendix_blocks,
    display_names,
    function_latex,
    gradient_latex,
    gradient_sources,
    load_module,
    module_source,
)
from symderiv.render.printer import transposed

ROOT = Path(__file__).resolve().parent.parent
DERIVATIONS = ROOT / "derivations"
NETWORKS = [p for p in sorted(DERIVATIONS.glob("*.toml")) if 'kind = "network"' in p.read_text()]


def _interpret(tex: str, names: dict[str, str], values: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate the restricted LaTeX the evaluator prints: one operation per line."""
    env = {names[k]: v for k, v in values.items()}
    for k, v in values.items():  # a name shown transposed ({W}^T): W is its transpose
        env.setdefault(transposed(names[k]), np.transpose(v))
    body = tex.removeprefix(r"\begin{array}{l} ").removesuffix(r" \end{array}")
    lines = body.split(r" \\ ")
    known = sorted(set(names.values()) | set(env), key=len, reverse=True)
    name_re = "|".join(re.escape(n) for n in known) + r"|t_\{\d+\}"
    operand = rf"(?:{name_re}|-?\d+\.\d+)"
    one = r"\\mathbf\{1\}"

    def val(tok: str) -> np.ndarray | float:
        return float(tok) if re.fullmatch(r"-?\d+\.\d+", tok) else env[tok]

    rules = [
        (rf"\{{({operand})\}}\^\{{\\top\}}", lambda a: np.transpose(val(a))),
        (r"\\mathbf\{1\}_\{(\d+) \\times (\d+)\}", lambda r, c: np.ones((int(r), int(c)))),
        (rf"({operand}) \\, ({operand})", lambda a, b: val(a) @ val(b)),
        (rf"({operand}) \\odot ({operand})", lambda a, b: val(a) * val(b)),
        (rf"({operand}) \+ ({operand})", lambda a, b: val(a) + val(b)),
        (rf"({operand}) - ({operand})", lambda a, b: val(a) - val(b)),
        (rf"({operand}) {one}", lambda a: np.sum(val(a), axis=1, keepdims=True)),
        (rf"{one}\^\{{\\top\}} ({operand})", lambda a: np.sum(val(a), axis=0, keepdims=True)),
        (rf"-({operand})", lambda a: -val(a)),
        (rf"(-?\d+\.\d+) ({operand})", lambda c, a: float(c) * val(a)),
        (rf"\{{({operand})\}}\^\{{\\circ (-?\d+(?:\.\d+)?)\}}", lambda a, p: val(a) ** float(p)),
        (rf"\\operatorname\{{ReLU\}}\\left\(({operand})\\right\)", lambda a: NUMPY_FUNCTIONS["relu"](val(a))),
        (rf"\\mathbf\{{1\}}_\{{({operand}) > 0\}}", lambda a: NUMPY_FUNCTIONS["relu_step"](val(a))),
        (rf"\\sigma\\left\(({operand})\\right\)", lambda a: NUMPY_FUNCTIONS["sigmoid"](val(a))),
        (rf"\\operatorname\{{LReLU\}}_\{{(\d+\.\d+)\}}\\left\(({operand})\\right\)",
         lambda alpha, a: NUMPY_FUNCTIONS["leaky_relu"](val(a), float(alpha))),
        (rf"\\operatorname\{{LReLU\}}_\{{(\d+\.\d+)\}}'\\left\(({operand})\\right\)",
         lambda alpha, a: NUMPY_FUNCTIONS["leaky_step"](val(a), float(alpha))),
        (rf"\\tanh\{{\\left\(({operand}) \\right\)\}}", lambda a: np.tanh(val(a))),
        (rf"e\^\{{({operand})\}}", lambda a: np.exp(val(a))),
        (rf"({operand})", lambda a: val(a)),
        (r"\\mathopen\{\}\\left\( (.*) \\mathclose\{\}\\right\)",
         lambda inner: tuple(val(t) for t in re.findall(operand, inner))),
    ]
    result = None
    for line in lines:
        lhs, rhs = line.split(" = ", 1)
        for pattern, fn in rules:
            m = re.fullmatch(pattern, rhs)
            if m:
                result = fn(*m.groups())
                break
        else:
            raise AssertionError(f"cannot read line {line!r}")
        env[lhs] = result
    return result


@pytest.mark.parametrize("path", NETWORKS, ids=lambda p: p.stem)
def test_generated_code_and_its_latex_match_the_matrix_form(path):
    problem = load(path)
    module = load_module(module_source(problem))
    inputs = problem.numeric_point()
    truth = problem.matrix_form.numeric_gradients(inputs)
    names = display_names(problem)
    printed = gradient_latex(problem, module)
    args = {k: inputs[k] for k in [*problem.net.params, "X", "T"]}
    for key in problem.net.params:
        code = getattr(module, f"grad_{key}")(**args, work=module.workspace(np.float64))
        np.testing.assert_allclose(code, truth[key], rtol=1e-10, atol=1e-12)
        read_back = _interpret(printed[key], names, args)  # the last line is "f(args) = rhs"
        np.testing.assert_allclose(read_back, truth[key], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("path", NETWORKS, ids=lambda p: p.stem)
def test_all_gradients_at_once_and_its_latex(path):
    """`gradients(...)` (the appendix's evaluator: one shared forward and backward pass)
    returns every gradient, and so does its LaTeX read back line by line."""
    problem = load(path)
    module = load_module(module_source(problem))
    inputs = problem.numeric_point()
    truth = problem.matrix_form.numeric_gradients(inputs)
    args = {k: inputs[k] for k in [*problem.net.params, "X", "T"]}
    keys = list(problem.matrix_form.gradients)
    tex = function_latex(module.gradients, display_names(problem))
    for values in (module.gradients(**args, work=module.workspace(np.float64)),
                   _interpret(tex, display_names(problem), args)):
        assert len(values) == len(keys)
        for key, value in zip(keys, values, strict=True):
            np.testing.assert_allclose(value, truth[key], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("path", NETWORKS[:3], ids=lambda p: p.stem)
def test_code_is_one_operation_per_line(path):
    """No line of the generated code needs parentheses; no method or attribute such as .T or
    .sum() (latexify misreads them): only np.<function> calls and the out=work.<buffer> argument."""
    problem = load(path)
    for source in [*gradient_sources(problem).values(), all_gradients_source(problem)]:
        fn = ast.parse(source).body[0]
        for stmt in fn.body:
            value = stmt.value
            ops = [n for n in ast.walk(value) if isinstance(n, (ast.BinOp, ast.Call))]
            assert len(ops) <= 1, ast.unparse(stmt)
            buffers = [k.value for n in ast.walk(value) if isinstance(n, ast.Call) for k in n.keywords
                       if k.arg == "out"]
            for node in ast.walk(value):
                if isinstance(node, ast.Attribute):
                    assert isinstance(node.value, ast.Name), ast.unparse(stmt)
                    assert node.value.id == "np" or (node.value.id == "work" and node in buffers), ast.unparse(stmt)


def test_latexify_pitfalls_are_real():
    """latexify-py 0.4.4 prints `(y - t).T @ h` without its parentheses: why the code is
    three-address.  If this starts failing, latexify has been fixed."""
    import latexify

    src = "def f(y, t, h):\n    return (y - t).T @ h\n"
    mod = load_module(src)
    assert "(" not in latexify.get_latex(mod.f).split("=", 1)[1]


def test_no_eval_or_exec_in_render():
    generator = [ROOT / "symderiv" / "core" / "npgen.py", ROOT / "symderiv" / "core" / "compiled.py"]
    for path in [*(ROOT / "symderiv" / "render").glob("*.py"), *generator]:
        text = path.read_text()
        for word in ("eval(", "exec(", "sympify(", "parse_expr("):
            assert word not in text.replace("exec_module(", ""), (path.name, word)


def test_generated_code_leaves_no_file(tmp_path: Path, monkeypatch):
    """Issue 10: the module is imported from memory (every --pdf/--latex run left a
    /tmp/symderiv-gen-*/symderiv_generated_*.py behind); inspect still reads its source."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    problem = load(NETWORKS[0])
    module = load_module(module_source(problem))
    appendix_blocks(problem)
    problem.matrix_form.numeric_gradients(problem.numeric_point())
    assert list(tmp_path.iterdir()) == []
    assert inspect.getsource(module.gradients) == all_gradients_source(problem)
