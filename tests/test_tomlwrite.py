"""The TOML writer: every bundled problem file, and hostile strings, read back as written."""

from __future__ import annotations

import tomllib

import pytest
from conftest import DERIVATIONS

from symderiv.core.tomlwrite import TomlFloat, dumps, read, same


@pytest.mark.parametrize("path", sorted(DERIVATIONS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_bundled_file_reads_back_the_same(path):
    """Source: derivations/*.toml. tomllib (an independent reader) gives the same document, floats
    as the same text (read with parse_float=str)."""
    text = path.read_text(encoding="utf-8")
    out = dumps(read(text), "a header")
    assert tomllib.loads(out, parse_float=str) == tomllib.loads(text, parse_float=str)
    assert out.startswith("# a header\n")


STRINGS = [  # (text, why)
    (r"\frac{\partial L}{\partial W^{(1)}}", "LaTeX: backslashes, a literal string"),
    ("it's", "a single quote"),
    ("'''", "three single quotes"),
    ("a\nb'", "a line break and a quote at the end"),
    ('say "x" \\ y', "double quotes and a backslash"),
    ("tab\there\x01\x7f", "control characters"),
    ("line one\nline two\n", "a multi-line text"),
    ("", "empty"),
    ("ünïcode ∂", "non-ASCII"),
]


@pytest.mark.parametrize(("text", "why"), STRINGS, ids=[w for _, w in STRINGS])
def test_strings_and_keys_read_back(text, why):
    doc = {"value": text, "table": {text or "k": text}, "claims": [{"latex": text, "where": {text or "k": text}}]}
    out = dumps(doc)
    assert tomllib.loads(out) == doc


NUMBERS = [  # (TOML float text as written, its exact reading by tomllib as a string)
    ("0.10", "0.10"), ("-0.0", "-0.0"), ("1e-3", "1e-3"), ("1E+2", "1E+2"), ("3.14159265358979323846", None),
]


@pytest.mark.parametrize(("text", "_"), NUMBERS)
def test_floats_are_written_as_their_text(text, _):
    """A float's text survives: 0.10 stays 0.10 (no binary float on the way)."""
    out = dumps({"x": TomlFloat(text), "m": [[TomlFloat(text), 2], [3, TomlFloat(text)]]})
    assert tomllib.loads(out, parse_float=str)["x"] == text
    assert same(read(out), {"x": TomlFloat(text), "m": [[TomlFloat(text), 2], [3, TomlFloat(text)]]})


def test_types_are_kept_apart():
    """A float's text is not the string with the same text; a binary float is refused."""
    assert not same(read(dumps({"x": TomlFloat("0.5")})), {"x": "0.5"})
    assert not same({"x": True}, {"x": 1})
    with pytest.raises(ValueError):
        dumps({"x": 0.1})
    with pytest.raises(ValueError):
        TomlFloat("0.1; x = 2")
