"""Exercise variants: the [variants] table's errors, exact draws, the bias choice against brute
force, the exact forward pass against SymPy's, the other kinds' constraints, sheets without answers."""

from __future__ import annotations

import itertools
import tomllib
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from symderiv.cli import main
from symderiv.core.errors import ProblemFileError
from symderiv.core.matrixeval import ExactBackend
from symderiv.kinds import parse_text
from symderiv.kinds.netconstraints import Grid, forward, pick
from symderiv.kinds.stepsize import hessian
from symderiv.kinds.variants import VariantError, make_variant, prepare, variant_seed
from symderiv.render.document import solution_latex
from symderiv.render.sheet import sheet_latex
from symderiv.render.solution_text import solution_text

NETWORK = '''title = "a 2-3-1 ReLU network"
kind = "network"
[model]
layout = "row"
inputs = 2
loss = "half_sse"
layers = [{ units = 3, activation = "relu" }, { units = 1, activation = "identity" }]
[params.W1]
value = [[0.5, -0.2, 0.1], [0.3, 0.4, -0.6]]
[params.b1]
value = [[0.1, 0.2, 0.3]]
[params.W2]
value = [0.2, -0.3, 0.4]
[params.b2]
value = 0.1
[data]
X = [[0.6, -1.0], [0.8, -1.0], [-0.4, 0.9]]
T = [-0.8, -0.1, 0.9]
'''

SIGMOID = NETWORK.replace('activation = "relu"', 'activation = "sigmoid"')

QUADRATIC = '''title = "step sizes"
kind = "gradient_descent"
[quadratic]
A = [[5, 2], [2, 2]]
'''

REGULARISATION = '''title = "L2"
kind = "regularisation"
[model]
H = [[2, 0], [0, 1]]
w_star = [1, 1]
mu = 0.5
'''

CALCULUS = '''title = "a quadratic form"
kind = "calculus"
[function]
variables = ["x_1", "x_2"]
scalar = '\\mathbf{x}^{\\top} M \\mathbf{x}'
[constants]
M = [[2, 1], [1, 3]]
'''

IDENTITY = "identity-sigmoid.toml"  # a kind without values


def source(text: str, rules: str):
    full = text + "\n[variants]\n" + rules
    return prepare(full, "p.toml", parse_text(full, "p.toml"))


# ---------------------------------------------------------------------- the table's errors

ERRORS = [  # (problem, [variants] body, the place named, words of the reason)
    (NETWORK, "colour = 1", "variants.colour", "unknown field"),
    (NETWORK, 'vary = ["W9"]', "variants.vary", "unknown value 'W9'"),
    (NETWORK, "vary = [1]", "variants.vary", "expected names"),
    (NETWORK, "range = [1, -1]", "variants.range", "low <= high"),
    (NETWORK, "range = [0.01, 0.02]", "variants.range", "no value with 1 decimals"),
    (NETWORK, "decimals = 1\ndenominator = 3", "variants.denominator", "not both"),
    (NETWORK, "decimals = 9", "variants.decimals", "past the limit"),
    (NETWORK, "denominator = 0", "variants.denominator", "at least 1"),
    (NETWORK, "range = [-1e9, 1]", "variants.range", "past the limit"),
    (NETWORK, "range = ['a', 1]", "variants.range", "not a number"),
    (NETWORK, "tries = 0", "variants.tries", "at least 1"),
    (NETWORK, "tries = 1000000", "variants.tries", "past the limit"),
    (NETWORK, "kink_distance = -0.1", "variants.kink_distance", "at least 0"),
    (NETWORK, "hessian_positive_definite = true", "variants.hessian_positive_definite", "not to network"),
    (NETWORK, "active_units = 1", "variants.active_units", "true/false"),
    (NETWORK, "[variants.values.W9]", "variants.values.W9", "unknown value"),
    (NETWORK, 'vary = ["X"]\n[variants.values.T]\none_hot = true', "variants.values.T", "does not vary"),
    (NETWORK, "[variants.values.T]\none_hot = true", "variants.values.T.one_hot", "at least 2"),
    (NETWORK, "[variants.values.W1]\nsymmetric = true", "variants.values.W1.symmetric", "not a square"),
    (NETWORK, "[variants.values.W1]\ndiagonal = [0, 1]", "variants.values.W1.diagonal", "not a square"),
    (NETWORK, "[variants.values.W1]\nsize = 3", "variants.values.W1.size", "unknown field"),
    (SIGMOID, "kink_distance = 0.05", "variants.kink_distance", "no layer"),
    (SIGMOID, "active_units = true", "variants.active_units", "no hidden layer"),
    (NETWORK.replace("[data]\nX = [[0.6, -1.0], [0.8, -1.0], [-0.4, 0.9]]", "[data]").replace(
        'loss = "half_sse"', 'loss = "half_sse"\nbatch = 3'),
     'vary = ["T"]\nkink_distance = 0.05', "variants.kink_distance", "needs the values of X"),
    (QUADRATIC, "kink_distance = 0.05", "variants.kink_distance", "applies to network problems"),
    (QUADRATIC, '[variants.values.A]\none_hot = true\nrange = [0, 1]', "variants.values.A.range", "one-hot"),
    (REGULARISATION.split("[model]")[0], "", "variants.vary", "needs a [model]"),
    (CALCULUS.replace("\\mathbf{x}^{\\top} M \\mathbf{x}", "\\sin(x_1) + x_2^2"),
     "hessian_positive_definite = true", "variants.hessian_positive_definite", "depends on the variables"),
]


@pytest.mark.parametrize(("text", "rules", "place", "words"), ERRORS, ids=[f"{e[2]}:{e[3]}" for e in ERRORS])
def test_table_errors_name_their_place(text, rules, place, words):
    with pytest.raises(ProblemFileError) as info:
        source(text, rules)
    assert info.value.field == place and words in info.value.reason, str(info.value)


def test_a_kind_without_values_is_an_error():
    from conftest import DERIVATIONS

    text = (DERIVATIONS / IDENTITY).read_text() + "\n[variants]\n"
    with pytest.raises(ProblemFileError, match=r"variants\.vary: a identity problem has no values to vary"):
        prepare(text, "p.toml", parse_text(text, "p.toml"))


def test_a_file_without_the_table_is_an_error():
    with pytest.raises(ProblemFileError, match=r"variants: missing table"):
        prepare(NETWORK, "p.toml", parse_text(NETWORK, "p.toml"))


# ---------------------------------------------------------------------- draws

def test_draws_are_exact_values_on_their_grids():
    """Every value written is on its grid, in its range, with the decimals asked for (read back
    from the file's text by tomllib, independently of symderiv)."""
    src = source(NETWORK, 'range = ["-1/2", 0.5]\ndecimals = 2\n[variants.values.X]\ndenominator = 3\nrange = [-1, 1]')
    for number in range(1, 6):
        variant = make_variant(src, number, 11)
        doc = tomllib.loads(variant.text, parse_float=Fraction)
        w1 = [v for row in doc["params"]["W1"]["value"] for v in row]
        assert all(-Fraction(1, 2) <= v <= Fraction(1, 2) and (v * 100).denominator == 1 for v in w1)
        x = [Fraction(v) for row in doc["data"]["X"] for v in row]
        assert all(-1 <= v <= 1 and (v * 3).denominator == 1 for v in x)
        assert all(isinstance(v, str) or isinstance(v, int) for row in doc["data"]["X"] for v in row)


def test_same_seed_same_variant_other_seed_other_variant():
    src = source(NETWORK, "")
    assert make_variant(src, 3, 7).text == make_variant(src, 3, 7).text
    assert make_variant(src, 3, 7).text != make_variant(src, 3, 8).text
    assert make_variant(src, 3, 7).text != make_variant(src, 4, 7).text
    # NumPy's SeedSequence([7, 1]): the same 64 bits on every machine (a regression value)
    assert variant_seed(7, 1) == 6635463128224577688


def test_one_hot_symmetric_and_diagonal_rules():
    net = source(NETWORK.replace('{ units = 1, activation = "identity" }', '{ units = 3, activation = "identity" }')
                 .replace("value = [0.2, -0.3, 0.4]", "").replace("value = 0.1", "").replace(
                     "T = [-0.8, -0.1, 0.9]", ""), '[variants.values.T]\none_hot = true')
    for number in range(1, 4):
        t = tomllib.loads(make_variant(net, number, 5).text)["data"]["T"]
        assert all(sorted(row) == [0, 0, 1] for row in t)
    quad = source(QUADRATIC, "range = [-3, 3]\ndecimals = 0\n[variants.values.A]\ndiagonal = [4, 6]")
    for number in range(1, 6):
        a = tomllib.loads(make_variant(quad, number, 5).text)["quadratic"]["A"]
        assert a[0][1] == a[1][0] and 4 <= a[0][0] <= 6 and 4 <= a[1][1] <= 6 and -3 <= a[0][1] <= 3


def test_constraints_that_cannot_be_met_are_an_error_naming_the_variant():
    src = source(NETWORK, 'vary = ["X", "T"]\nkink_distance = 5\ntries = 7')  # |z| <= 1.6 here: never 5 away
    with pytest.raises(VariantError, match=r"p\.toml: variant 001: no draw met the constraints of \[variants\] in 7 "
                                           r"tries \(the last: the pre-activation of unit \d+ of layer 1"):
        make_variant(src, 1, 7)


# ---------------------------------------------------------------------- the bias of a kinked layer

TENTHS = Grid(Fraction(-1), Fraction(1), 10, 1)
THREE = [Fraction(1, 10), Fraction(-3, 10), Fraction(7, 20)]
PICKS = [  # (pre-activations without the bias, grid, distance, active) - checked against brute force
    ([Fraction(0)], TENTHS, Fraction(1, 20), False),
    (THREE, TENTHS, Fraction(1, 20), True),
    (THREE, TENTHS, Fraction(0), False),
    ([Fraction(-2)], TENTHS, Fraction(1, 20), True),  # never active: none
    ([Fraction(1, 3), Fraction(-1, 7)], Grid(Fraction(-1, 2), Fraction(1, 2), 3, None), Fraction(1, 6), True),
    ([Fraction(k, 100) for k in range(-100, 101, 7)], Grid(Fraction(-1), Fraction(1), 100, 2), Fraction(1, 50), True),
]


@pytest.mark.parametrize(("unit", "grid", "distance", "active"), PICKS)
def test_bias_choice_is_uniform_over_exactly_the_allowed_values(unit, grid, distance, active):
    """Brute force over the grid decides which biases are allowed; _pick returns only those, and
    (over many seeds) every one of them."""
    allowed = {k for k in range(grid.kmin, grid.kmax + 1)
               if all(abs(c + Fraction(k, grid.q)) >= distance and c + Fraction(k, grid.q) != 0 for c in unit)
               and (not active or any(c + Fraction(k, grid.q) > 0 for c in unit))}
    rng = np.random.default_rng(0)
    seen = {pick(unit, grid, distance, active, rng) for _ in range(60 * max(1, len(allowed)))}
    assert seen == (allowed or {None})


# ---------------------------------------------------------------------- the exact forward pass

LAYOUTS = [("row", "relu", "relu"), ("column", "relu", "leaky_relu"), ("column", "leaky_relu", "identity"),
           ("row", "sigmoid", "relu")]


@pytest.mark.parametrize(("layout", "first", "second"), LAYOUTS)
def test_forward_pass_equals_sympys(layout, first, second):
    """The integer forward pass (or, past a sigmoid, SymPy's) gives exactly the pre-activations of
    symderiv's own exact back end (matrixeval.ExactBackend) at the same rationals."""
    text = f'''title = "t"
kind = "network"
[model]
layout = "{layout}"
inputs = 3
loss = "half_sse"
batch = 4
layers = [{{ units = 4, activation = "{first}" }}, {{ units = 2, activation = "{second}" }},
          {{ units = 1, activation = "identity" }}]
'''
    problem = parse_text(text, "t.toml")
    rng = np.random.default_rng(3)
    values = {}
    for key, spec in problem.net.params.items():
        values[key] = [[Fraction(int(k), 7) for k in rng.integers(-9, 10, spec.shape[1])] for _ in range(spec.shape[0])]
    values["X"] = [[Fraction(int(k), 10) for k in rng.integers(-10, 11, 3)] for _ in range(4)]
    env, exact = forward(problem, values, 2)
    assert exact == ("sigmoid" not in (first, second))
    internal = {k: problem.net.params[k].to_internal(sp.Matrix(v)) if k in problem.net.params else sp.Matrix(v)
                for k, v in values.items()}
    truth = problem.matrix_form.run(internal, 4, ExactBackend(), frozenset({"forward"}))
    for name in ("Z1", "Z2"):
        value = env[name]
        got = sp.Matrix(value.num.tolist()) / value.den if exact else value
        assert (got - truth[name]).applyfunc(sp.simplify) == sp.zeros(*got.shape)


# ---------------------------------------------------------------------- the other kinds

def test_quadratic_variants_have_a_positive_definite_hessian():
    """Sylvester's criterion, recomputed here from the file's A: every leading minor of A + Aᵀ > 0."""
    src = source(QUADRATIC, "range = [-3, 3]\ndecimals = 0\nhessian_positive_definite = true\n"
                            '[variants.values.A]\ndiagonal = [-1, 6]')
    for number in range(1, 9):
        problem = parse_text(make_variant(src, number, 2).text, "v.toml")
        H = hessian(problem.q)
        assert H[0, 0] > 0 and H.det() > 0
        assert "(variant 00" in problem.title


def test_regularisation_variants_load_with_a_positive_definite_h():
    src = source(REGULARISATION, "range = [-2, 3]\nhessian_positive_definite = true\n"
                                 "[variants.values.mu]\nrange = [0.1, 1]")
    for number in range(1, 6):
        problem = parse_text(make_variant(src, number, 2).text, "v.toml")
        H = problem.model["H"]
        assert H == H.T and all(H[:k, :k].det() > 0 for k in (1, 2)) and problem.model["mu"] > 0


def test_calculus_variants_of_a_quadratic_form():
    src = source(CALCULUS, "range = [-2, 4]\ndecimals = 0\nhessian_positive_definite = true")
    for number in range(1, 6):
        problem = parse_text(make_variant(src, number, 2).text, "v.toml")
        M = problem.names["M"]
        assert M == M.T and M[0, 0] > 0 and M.det() > 0
        assert sp.hessian(problem.fs[0], problem.xs) == 2 * M


# ---------------------------------------------------------------------- sheets and keys

@pytest.mark.parametrize("text", [NETWORK, QUADRATIC, REGULARISATION, CALCULUS])
def test_the_sheet_states_the_data_and_gives_no_answer(text):
    """The key holds the answers (the loss, an interval, the optimum); the sheet holds the data
    and none of those."""
    problem = parse_text(make_variant(source(text, "hessian_positive_definite = true" if text is not NETWORK
                                             else "kink_distance = 0.05"), 1, 9).text, "v.toml")
    solution = problem.solve(elementwise=False)
    sheet, key = sheet_latex(problem), solution_latex(problem, solution)
    assert "Questions" in sheet and r"\begin{document}" in sheet
    if text is NETWORK:
        loss = solution.data["loss_exact"]
        assert loss in key and loss not in sheet and "% symderiv: data" in sheet
        assert "symderiv: gradient" in key and "symderiv: gradient" not in sheet
    elif text is QUADRATIC:
        assert "% symderiv: interval" in key and "interval" not in sheet.split("Questions")[0]
        assert r"\eta \in" not in sheet
    elif text is REGULARISATION:
        text_out = solution_text(problem, solution)
        assert solution.data["optimum"][0] in text_out and "optimum" not in sheet.split("Questions")[0]
    else:
        assert "Hessian" in key and "Critical points" in key and "Critical points" not in sheet


# ---------------------------------------------------------------------- the command

def test_command_errors_exit_2(tmp_path, capsys):
    problem = tmp_path / "p.toml"
    problem.write_text(NETWORK, encoding="utf-8")
    cases = [  # (arguments, words of the one-line error)
        (["--count", "0"], "--count must be from 1"),
        (["--count", "2", "--seed", "-1"], "--seed must be at least 0"),
        (["--count", "2", "--jobs", "0"], "--jobs must be from 1"),
        (["--count", "2"], "variants: missing table"),
    ]
    for extra, words in cases:
        status = main(["variants", str(problem), "--out", str(tmp_path / "out"), "--no-pdf", *extra])
        err = capsys.readouterr().err
        assert status == 2 and words in err and err.count("\n") == 1, err
    (tmp_path / "file").write_text("")
    status = main(["variants", str(problem), "--out", str(tmp_path / "file"), "--count", "1", "--no-pdf"])
    assert status == 2 and "not a directory" in capsys.readouterr().err


def test_command_writes_a_manifest_and_stops_at_a_variant_that_fails(tmp_path, capsys):
    problem = tmp_path / "p.toml"
    problem.write_text(NETWORK + '\n[variants]\nvary = ["X", "T"]\nkink_distance = 0.05\n', encoding="utf-8")
    out = str(tmp_path / "o")
    assert main(["variants", str(problem), "--count", "3", "--seed", "4", "--out", out, "--no-pdf"]) == 0
    manifest = (tmp_path / "o" / "manifest.json").read_text()
    assert '"id": "003"' in manifest and '"v002/key.tex"' in manifest
    assert sorted(p.name for p in (tmp_path / "o" / "v001").iterdir()) == ["key.tex", "problem.toml", "sheet.tex"]
    capsys.readouterr()
    problem.write_text(NETWORK + '\n[variants]\nvary = ["X", "T"]\nkink_distance = 9\ntries = 3\n', encoding="utf-8")
    assert main(["variants", str(problem), "--count", "3", "--out", str(tmp_path / "bad"), "--no-pdf",
                 "--jobs", "2"]) == 2
    err = capsys.readouterr().err
    assert "variant 001: no draw met the constraints" in err and not (tmp_path / "bad" / "manifest.json").exists()


def test_all_combinations_of_grid_ends_round_trip():
    """Values written as decimals or fractions read back as the same rationals (symderiv's reader)."""
    for decimals, (lo, hi) in itertools.product((0, 1, 3), ((-2, 2), (0, 1))):
        src = source(NETWORK, f"decimals = {decimals}\nrange = [{lo}, {hi}]")
        variant = make_variant(src, 1, decimals)
        problem = parse_text(variant.text, "v.toml")
        for name, rows in variant.values.items():
            got = problem.values[name]
            spec = problem.net.params.get(name)
            want = sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in rows])
            assert got == (want if spec is None or want.shape == got.shape else want.T)
