"""Problem files past the size limits (symderiv/limits.py, issue 10): each is a one-line error
naming the file and the field, exit status 2, found before anything of that size is built
(the peak memory of reading it stays small); sizes inside the limits still load."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import pytest

from symderiv import ProblemFileError, load
from symderiv.cli import main
from symderiv.core import limits
from symderiv.kinds import parse_text

ROOT = Path(__file__).resolve().parent.parent

NETWORK = """title = "limits"
kind = "network"
[model]
layout = "row"
inputs = {inputs}
loss = "half_sse"
{batch}layers = [{layers}]
{extra}"""


def network(inputs: object = 2, layers: str = '{ units = 1, activation = "identity" }', batch: str = "",
            extra: str = "") -> str:
    return NETWORK.format(inputs=inputs, layers=layers, batch=batch, extra=extra)


def relu_layers(n: int, units: int = 2) -> str:
    return ", ".join(f'{{ units = {units}, activation = "relu" }}' for _ in range(n))


def rows(n_rows: int, n_cols: int) -> str:
    return "[" + ", ".join("[" + ", ".join(["1"] * n_cols) + "]" for _ in range(n_rows)) + "]"


STEPSIZE = 'title = "q"\nkind = "gradient_descent"\n[quadratic]\nA = {A}\n'
CALCULUS = 'title = "c"\nkind = "calculus"\n[function]\nvariables = {names}\nscalar = "x_1"\n'

# (label from issue 10's list or the limit tested, file text, field named, words of the reason)
CASES = [
    ("1e5 x 1e5 weights (issue 10)", network(100_000, '{ units = 100000, activation = "identity" }'),
     "model.inputs", "at most 4096"),
    ("1e18 inputs (issue 10)", network(10**18), "model.inputs", "at most 4096"),
    ("a batch of 1e9 (issue 10)", network(batch="batch = 1000000000\n"), "model.batch", "at most 65536"),
    ("300 layers (issue 10)", network(layers=relu_layers(300)), "model.layers", "300 layers (at most 64)"),
    ("a width past the limit", network(layers='{ units = 5000, activation = "identity" }'),
     "model.layers[0].units", "at most 4096"),
    ("a [sizes] width past the limit", network(layers='{ units = "d", activation = "identity" }',
                                               extra="[sizes]\nd = 100000000\n"), "sizes.d", "at most 4096"),
    ("total entries: 4000-2000 at batch 4000", network(4000, '{ units = 2000, activation = "identity" }',
                                                       batch="batch = 4000\n"), "model.layers", "at most 1e+07"),
    ("rows of X past the batch limit", network(extra="[data]\nX = " + rows(70_000, 1) + "\n"),
     "data.X", "at most 65536"),
    ("X wider than the inputs", network(extra="[data]\nX = " + rows(3, 50) + "\n"), "data.X",
     "150 entries, more than the 6 expected"),
    ("a parameter value larger than its layer", network(extra="[params.W1]\nvalue = " + rows(400, 400) + "\n"),
     "params.W1.value", "more than a 2x1 matrix holds"),
    ("a 9x9 quadratic (8 variables at most)", STEPSIZE.format(A=rows(9, 9)), "quadratic.A",
     "8 variables at most"),
    ("13 calculus variables", CALCULUS.format(names=[f"x_{i}" for i in range(1, 14)]), "function.variables",
     "at most 8"),
]


@pytest.mark.parametrize("label,text,field,reason", CASES, ids=[c[0] for c in CASES])
def test_past_a_limit_is_a_one_line_error(tmp_path: Path, label: str, text: str, field: str, reason: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.toml"
    path.write_text(text)
    tracemalloc.start()
    try:
        with pytest.raises(ProblemFileError) as info:
            load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.field == field and reason in info.value.reason, str(info.value)
    file_size = len(text)
    assert peak < 64 * 2**20 + 40 * file_size, f"reading allocated {peak / 2**20:.0f} MB"
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and field in err and "Traceback" not in err


def test_the_largest_network_issue_9_asks_for_loads() -> None:
    """A 1000-1000-10 network with a batch of 1024 (issue 9) is inside every limit."""
    text = network(1000, '{ units = 1000, activation = "relu" }, { units = 10, activation = "identity" }',
                   batch="batch = 1024\n")
    problem = parse_text(text)
    assert problem.net.widths == [1000, 1000, 10] and problem.batch == 1024


def test_limits_are_documented_in_the_readme() -> None:
    """Every limit of symderiv/limits.py is named, with its value, in README.md's Limits section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Limits", 1)[1].split("\n## ", 1)[0]
    digits = re.sub(r"(?<=\d)[,_ ](?=\d{3})", "", section)
    names = [n for n in dir(limits) if n.isupper()]
    assert len(names) >= 15
    for name in names:
        value = getattr(limits, name)
        assert name in section and re.search(rf"(?<![\d.]){value}(?![\d.])", digits), name
