"""Issue 14, acceptance: 30 variants of each seed network problem with a fixed seed; every key
passes the solve's checks (element-wise = matrix form, finite differences), every variant meets the
constraints of its [variants] table (recomputed here from the file's text, in exact rationals,
without symderiv), and two runs with the same seed write the same bytes."""

from __future__ import annotations

import math
import os
import tomllib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from conftest import DERIVATIONS

import symderiv
from symderiv.cli import main

COUNT, SEED = 30, 7
SMALL = ["seed000-q1-network", "seed001-p4-network", "seed002-p1-network", "seed004-p2-network"]
LARGE = ["seed003-s4-mnist-network"]
KINKED = {"relu", "leaky_relu"}

# 30 variants of each seed network, generated twice and re-solved: ~10 min on an idle 2-core
# machine (seed 003's 784-100-10 files dominate), too long for `make test`; `make test-acceptance` runs it.
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.environ.get("SYMDERIV_ACCEPTANCE") != "1",
                                 reason="issue 14's variants acceptance run: make test-acceptance")]


def generate(stem: str, out: Path, count: int = COUNT, pdf: bool = False) -> None:
    args = ["variants", str(DERIVATIONS / f"{stem}.toml"), "--count", str(count), "--seed", str(SEED),
            "--out", str(out), "--jobs", "2"]
    assert main([*args] if pdf else [*args, "--no-pdf"]) == 0


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module", params=SMALL + LARGE)
def runs(request, tmp_path_factory):
    """The seed problem's name and its variants made twice, into two directories."""
    stem = request.param
    first, second = tmp_path_factory.mktemp(f"{stem}-a"), tmp_path_factory.mktemp(f"{stem}-b")
    generate(stem, first)
    generate(stem, second)
    return stem, first, second


def test_two_runs_write_the_same_bytes(runs):
    _, first, second = runs
    a, b = files(first), files(second)
    assert len(a) == 1 + 3 * COUNT  # the manifest, and each variant's problem.toml, sheet.tex, key.tex
    assert a.keys() == b.keys()
    different = [name for name in a if a[name] != b[name]]
    assert not different, different


def test_every_key_passes_the_solves_checks(runs):
    """Each variant's file, loaded by symderiv, solves with both checks passed (solve refuses
    otherwise), and its key is the document of that solve."""
    _, first, _ = runs
    for number in range(1, COUNT + 1):
        folder = first / f"v{number:03d}"
        problem = symderiv.load(folder / "problem.toml")
        checks = problem.solve(elementwise=False).data["checks"]
        assert [c["what"] for c in checks] == ["element-wise gradients = matrix (backprop) form",
                                              "gradients = finite differences of the loss"]
        assert all(c["passed"] for c in checks), (folder, checks)
        key = (folder / "key.tex").read_text()
        assert key.count("(passed)") == 2 and "FAILED" not in key


def test_every_variant_meets_its_constraints(runs):
    """Recomputed from each file's text (decimals read exactly, as Python's Decimal): the values lie
    on their grids in their ranges (one-hot rows where asked); every pre-activation of a kinked
    layer is at least kink_distance from 0; every hidden unit of a kinked layer is positive for
    some sample. In exact integers: every matrix scaled by a power of ten."""
    stem, first, _ = runs
    original = tomllib.loads((DERIVATIONS / f"{stem}.toml").read_text(), parse_float=Decimal)
    rules = original["variants"]
    for number in range(1, COUNT + 1):
        doc = tomllib.loads((first / f"v{number:03d}" / "problem.toml").read_text(), parse_float=Decimal)
        values = {k: t["value"] for k, t in doc["params"].items()} | doc["data"]
        decimals = {}
        for name, value in values.items():
            own = rules.get("values", {}).get(name, {})
            rows = _rows(value)
            if own.get("one_hot"):
                assert all(sorted(row) == [0] * (len(row) - 1) + [1] for row in rows), (number, name)
                continue
            lo, hi = (Decimal(v) for v in own.get("range", rules.get("range", [-1, 1])))
            decimals[name] = own.get("decimals", rules.get("decimals", 1))
            scale = 10 ** decimals[name]
            assert all(lo <= v <= hi and (v * scale) % 1 == 0 for row in rows for v in row), (number, name)
        layers = doc["model"]["layers"]
        if layers[0]["activation"] not in KINKED:
            assert "kink_distance" not in rules and "active_units" not in rules
            continue
        assert all(layer["activation"] not in KINKED for layer in layers[1:])  # these seeds: layer 1 only
        z, scale = _first_preactivations(doc, layers[0], decimals)  # z / scale: a unit a row, a sample a column
        assert (np.abs(z) >= int(Decimal(rules["kink_distance"]) * scale)).all(), number
        if rules.get("active_units"):
            assert (z > 0).any(axis=1).all(), number


def test_pdfs_of_two_runs_are_the_same_bytes(tmp_path):
    """Sheets and keys as PDF (pdflatex, dates fixed by SOURCE_DATE_EPOCH): two variants of seed 002."""
    pytest.importorskip("symderiv.render.pdf")
    from symderiv.render.pdf import engine

    if engine() is None:
        pytest.skip("pdflatex is not installed")
    generate("seed002-p1-network", tmp_path / "a", count=2, pdf=True)
    generate("seed002-p1-network", tmp_path / "b", count=2, pdf=True)
    a, b = files(tmp_path / "a"), files(tmp_path / "b")
    assert sum(name.endswith(".pdf") for name in a) == 4 and a == b
    assert all(a[name].startswith(b"%PDF") for name in a if name.endswith(".pdf"))


def test_a_large_networks_pdfs_name_its_matrices(tmp_path):
    """Seed 003 at 784-100-10: the key compiles, its matrices too large to print named by shape."""
    from symderiv.render.pdf import engine

    if engine() is None:
        pytest.skip("pdflatex is not installed")
    generate("seed003-s4-mnist-network", tmp_path, count=1, pdf=True)
    key = (tmp_path / "v001" / "key.tex").read_text()
    assert r"X \in \mathbb{R}^{64 \times 784}" in key and "too many to print" in key
    assert (tmp_path / "v001" / "key.pdf").read_bytes().startswith(b"%PDF")


def _rows(value) -> list[list]:
    """A value as written: a number, a flat list (a column) or a list of rows."""
    if not isinstance(value, list):
        return [[value]]
    return [row if isinstance(row, list) else [row] for row in value]


def _integers(value, decimals: int) -> np.ndarray:
    """A value's entries times 10^decimals, as int64 (exact: every entry is on that grid)."""
    return np.array([[int(v * 10**decimals) for v in row] for row in _rows(value)], dtype=np.int64)


def _first_preactivations(doc: dict, layer: dict, decimals: dict[str, int]) -> tuple[np.ndarray, int]:
    """z = W x + b of layer 1 for every sample (a unit per row) as integers z * scale, and the scale."""
    w_name, b_name = layer["weight"], layer["bias"]
    w = _integers(doc["params"][w_name]["value"], decimals[w_name])
    b = _integers(doc["params"][b_name]["value"], decimals[b_name]).reshape(-1, 1)
    x = _integers(doc["data"]["X"], decimals["X"])
    if doc["model"]["layout"] == "row":
        w = w.T  # z = x W + b: W is inputs x units
    assert np.abs(w).max() * np.abs(x).max() * x.shape[1] < 2**62
    wx_scale, b_scale = 10 ** (decimals[w_name] + decimals["X"]), 10 ** decimals[b_name]
    scale = math.lcm(wx_scale, b_scale)
    return (w @ x.T) * (scale // wx_scale) + b * (scale // b_scale), scale
