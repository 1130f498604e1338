"""Grading outputs that stand without the audit: the [rubric] table (errors naming their place, a
part's score by outcome), Gradescope's results.json (validated by jsonschema against the format
Gradescope documents), and the CSV gradebook (read back by Python's csv reader)."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest

from symderiv.core.errors import ProblemFileError
from symderiv.core.tomlwrite import read
from symderiv.kinds import parse_text
from symderiv.kinds.base import Fields
from symderiv.kinds.rubric import FOR_A_PERSON, OUTCOMES, StudentScore, read_rubric
from symderiv.render.gradebook import gradebook_csv, results_json, results_json_text, safe_cell, score_text

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope-results.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

PROBLEM = (Path(__file__).resolve().parent.parent / "derivations" / "seed002-p1-network.toml").read_text()
RUBRIC = '''
[rubric]
[[rubric.parts]]
id = "loss"
name = "The loss L"
targets = ["L"]
points = 2

[[rubric.parts]]
id = "first-layer"
name = "Gradients of the first layer"
targets = ["dL/dW1", "dL/db1"]
points = 4
chain_points = 2.5

[[rubric.parts]]
id = "second-layer"
targets = ["dL/dw2", "dL/db2"]
points = "10/3"
chain_points = "1/3"
'''


def rubric(text: str = RUBRIC):
    full = PROBLEM + text
    return read_rubric(Fields(read(full), "p.toml"), parse_text(full, "p.toml"))


# ---------------------------------------------------------------------- the table

def test_the_rubric_reads_exactly():
    r = rubric()
    assert [p.id for p in r.parts] == ["loss", "first-layer", "second-layer"]
    assert r.part("second-layer").points == Fraction(10, 3) and r.part("first-layer").chain_points == Fraction(5, 2)
    assert r.part("second-layer").name == "second-layer"  # the id when no name is given
    assert r.total == Fraction(28, 3)


ERRORS = [  # (the [rubric] text, the place named, words of the reason)
    ("", "rubric", "missing table"),
    ("\n[rubric]\nparts = []\n", "rubric.parts", "at least one part"),
    ("\n[rubric]\nweight = 1\n", "rubric.weight", "unknown field"),
    (RUBRIC.replace('id = "second-layer"', 'id = "loss"'), "rubric.parts[2].id", "duplicate part id"),
    (RUBRIC.replace('id = "loss"', 'id = " "'), "rubric.parts[0].id", "must not be empty"),
    (RUBRIC.replace('targets = ["L"]', 'targets = ["dL/dW9"]'), "rubric.parts[0].targets", "unknown target"),
    (RUBRIC.replace('targets = ["L"]', 'targets = []'), "rubric.parts[0].targets", "at least one target"),
    (RUBRIC.replace('targets = ["L"]', 'targets = [1]'), "rubric.parts[0].targets", "expected text"),
    (RUBRIC.replace('["dL/dw2", "dL/db2"]', '["dL/dw2", "dL/db1"]'), "rubric.parts[2].targets",
     "graded by part 'first-layer' already"),
    (RUBRIC.replace("points = 2\n", "points = 0\n"), "rubric.parts[0].points", "must be positive"),
    (RUBRIC.replace("points = 2\n", "points = 'two'\n"), "rubric.parts[0].points", "expected a number"),
    (RUBRIC.replace("chain_points = 2.5", "chain_points = 4"), "rubric.parts[1].chain_points", "less than points"),
    (RUBRIC.replace("chain_points = 2.5", "chain_points = -1"), "rubric.parts[1].chain_points", "at least 0"),
    (RUBRIC.replace('name = "The loss L"', 'weight = 3'), "rubric.parts[0].weight", "unknown field"),
]


@pytest.mark.parametrize(("text", "place", "words"), ERRORS, ids=[f"{e[1]}:{e[2]}" for e in ERRORS])
def test_rubric_errors_name_their_place(text, place, words):
    with pytest.raises(ProblemFileError) as info:
        rubric(text)
    assert info.value.field == place and words in info.value.reason, str(info.value)


SCORES = [  # (part, outcome, score, for a person) - from the rubric's text above
    ("loss", "correct", Fraction(2), False),
    ("loss", "chain", Fraction(0), False),  # no chain points given: 0
    ("first-layer", "chain", Fraction(5, 2), False),
    ("first-layer", "incorrect", Fraction(0), False),
    ("first-layer", "missing", Fraction(0), False),
    ("second-layer", "correct", Fraction(10, 3), False),
    ("second-layer", "chain", Fraction(1, 3), False),
    ("second-layer", "unreadable", Fraction(0), True),
    ("second-layer", "undecided", Fraction(0), True),
]


@pytest.mark.parametrize(("part", "outcome", "score", "person"), SCORES)
def test_a_parts_score_by_outcome(part, outcome, score, person):
    got = rubric().score(part, outcome, "detail")
    assert (got.score, got.needs_person, got.detail) == (score, person, "detail")


def test_every_outcome_is_scored_and_unknown_ones_are_refused():
    assert FOR_A_PERSON <= set(OUTCOMES)
    with pytest.raises(ValueError, match="unknown outcome"):
        rubric().score("loss", "almost")
    with pytest.raises(KeyError):
        rubric().score("nope", "correct")


# ---------------------------------------------------------------------- results.json

def student(outcomes: dict[str, str], name: str = "ada", variant: str = "007") -> StudentScore:
    r = rubric()
    return StudentScore(name, tuple(r.score(k, v, f"{k} was {v}") for k, v in outcomes.items()), variant)


CLASS = [
    student({"loss": "correct", "first-layer": "correct", "second-layer": "correct"}, "ada"),
    student({"loss": "incorrect", "first-layer": "chain", "second-layer": "unreadable"}, "bob", "012"),
    student({"loss": "missing", "first-layer": "undecided", "second-layer": "chain"}, "=HYPERLINK(\"x\")", "003"),
]


@pytest.mark.parametrize("result", CLASS, ids=lambda r: r.student)
def test_results_json_validates_against_gradescopes_format(result):
    doc = json.loads(results_json_text(result, execution_time=1.5))
    VALIDATOR.validate(doc)
    assert [t["max_score"] for t in doc["tests"]] == [2.0, 4.0, 10 / 3]
    assert doc["score"] == pytest.approx(sum(t["score"] for t in doc["tests"]))
    for test, part in zip(doc["tests"], result.parts, strict=True):
        assert test["status"] == ("passed" if part.score == part.part.points else "failed")
        assert ("needs a person" in test["output"]) == part.needs_person
        assert test["extra_data"]["score_exact"] == str(part.score)


def test_the_schema_refuses_what_gradescope_does_not_document():
    """The schema can fail: each of these breaks the documented format."""
    good = results_json(CLASS[1])
    VALIDATOR.validate(good)
    broken = [
        {**good, "score": "5"},
        {**good, "visibility": "sometimes"},
        {**good, "tests": [{**good["tests"][0], "status": "partial"}]},
        {**good, "tests": [{**good["tests"][0], "number": 1}]},
        {**good, "grade": 1},
        {k: v for k, v in good.items() if k != "score"} | {"tests": [{"name": "no score"}]},
    ]
    for doc in broken:
        assert not VALIDATOR.is_valid(doc), doc


# ---------------------------------------------------------------------- the gradebook

def test_gradebook_rows_read_back():
    rows = list(csv.reader(io.StringIO(gradebook_csv(CLASS))))
    assert rows[0] == ["student", "variant", "total", "max_total", "loss", "first-layer", "second-layer",
                       "needs_person"]
    assert rows[1] == ["ada", "007", "9.333333", "9.333333", "2", "4", "3.333333", ""]
    assert rows[2] == ["bob", "012", "2.5", "9.333333", "0", "2.5", "0", "second-layer"]
    assert rows[3][0] == "'=HYPERLINK(\"x\")" and rows[3][2:] == ["0.333333", "9.333333", "0", "0", "0.333333",
                                                                 "first-layer"]


SCORE_TEXTS = [(Fraction(2), "2"), (Fraction(5, 2), "2.5"), (Fraction(1, 8), "0.125"), (Fraction(1, 3), "0.333333"),
               (Fraction(0), "0"), (Fraction(-3, 4), "-0.75"), (Fraction(28, 3), "9.333333")]


@pytest.mark.parametrize(("value", "text"), SCORE_TEXTS)
def test_score_text(value, text):
    assert score_text(value) == text


@pytest.mark.parametrize(("cell", "safe"), [("ada", "ada"), ("=1+1", "'=1+1"), ("+x", "'+x"), ("-2", "'-2"),
                                            ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("a=b", "a=b")])
def test_cells_a_spreadsheet_would_run_are_quoted(cell, safe):
    assert safe_cell(cell) == safe


def test_a_gradebook_of_mixed_rubrics_is_refused():
    other = StudentScore("eve", CLASS[0].parts[:2])
    with pytest.raises(ValueError, match="eve: graded by another rubric"):
        gradebook_csv([CLASS[0], other])
    with pytest.raises(ValueError):
        gradebook_csv([])
