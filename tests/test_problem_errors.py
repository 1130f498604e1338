"""Malformed problem files: one-line errors naming the file and field, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from symderiv import ProblemFileError, load
from symderiv.cli import main

SEED002 = (Path(__file__).resolve().parent.parent / "derivations" / "seed002-p1-network.toml").read_text()

# (what is broken, how to break seed 002's file, field named, words of the reason)
CASES = [
    ("missing field", lambda s: s.replace('loss = "half_sse"\n', ""), "model.loss", "missing field"),
    ("unknown activation", lambda s: s.replace('"relu"', '"relux"'), "model.layers[0].activation",
     "unknown value 'relux'"),
    ("wrong shape", lambda s: s.replace("value = [[-0.6, 0.7, 0.9, -0.3], [0.4, 0.5, -1.0, 0.1]]",
                                        "value = [[-0.6, 0.7, 0.9], [0.4, 0.5, -1.0]]"),
     "params.W1.value", "expected shape 2x4, got 2x3"),
    ("text for a number", lambda s: s.replace("value = -0.7", 'value = "minus 0.7"'),
     "params.b2.value", "not a number"),
    ("typo in a field", lambda s: s.replace('activation = "relu"', 'activaton = "relu"'),
     "model.layers[0].activaton", "unknown field"),
    ("samples of wrong width", lambda s: s.replace("[0.2, -0.4, 0.1, 0.5]", "[0.2, -0.4, 0.1]"),
     "data.X", "rows must be"),
    ("unknown kind", lambda s: s.replace('kind = "network"', 'kind = "netwerk"'), "kind", "unknown value"),
    ("bad TOML", lambda s: s + "\n[model\n", "(toml)", ""),
    ("negative width", lambda s: s.replace("units = 2", "units = -2"), "model.layers[0].units",
     "at least 1"),
    ("unknown parameter in params", lambda s: s + '\n[params.W9]\nlatex = "x"\n', "params.W9",
     "no layer has this parameter"),
    ("l2 on an unknown parameter", lambda s: s.replace('loss = "half_sse"',
                                                       'loss = "half_sse"\nl2 = { coef = 0.1, params = ["Q"] }'),
     "model.l2.params", "unknown parameter"),
]


@pytest.mark.parametrize("label,mutate,field,reason", CASES, ids=[c[0] for c in CASES])
def test_malformed_file_names_file_and_field(tmp_path: Path, label: str, mutate, field: str,
                                             reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(mutate(SEED002))
    with pytest.raises(ProblemFileError) as info:
        load(path)
    assert info.value.field == field and reason in info.value.reason
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and field in err and "Traceback" not in err


def test_missing_file_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", "/nonexistent/problem.toml"]) == 2
    assert "/nonexistent/problem.toml: (file)" in capsys.readouterr().err
