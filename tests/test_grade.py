"""`symderiv grade` end to end through the command: a small class (a clean solution whose worker is
killed mid-task, planted mistakes at known lines, a document that is not text, an empty one), then
a batch where one submission passes a tiny time bound; Gradescope's results.json validated by
jsonschema, the gradebook read back, the summary's files and plots, resuming and --force. The
planted truths come from the solution of seed 002 with its own planted mistakes put right (the
benchmark's reference, benchmarks/bench_grade.py)."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from symderiv.audit import audit
from symderiv.audit.grade import Graded, Mistake, find_submissions, grade_audit, mistake_kind, read_variant, safe_name
from symderiv.cli import main
from symderiv.core.tomlwrite import read
from symderiv.kinds import load
from symderiv.kinds.base import Fields
from symderiv.kinds.rubric import StudentScore, read_rubric
from symderiv.render.class_summary import write_summary
from symderiv.render.pdf import engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_grade import MUTATIONS, PROBLEM, reference  # noqa: E402

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope-results.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
PARTS = ["loss", "output-layer", "hidden-layer"]
PNG = b"\x89PNG\r\n\x1a\n"


def mutated(name: str) -> tuple[str, int]:
    """The reference with the benchmark's mutation `name` planted, and the line it changed."""
    m = next(m for m in MUTATIONS if m.name == name)
    text = reference().replace(m.old, m.new)
    at = text.index(m.new) + next(n for n, (a, b) in enumerate(zip(m.old, m.new, strict=False)) if a != b)
    return text, text.count("\n", 0, at) + 1


def grade_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "symderiv", "grade", str(PROBLEM), *args]


ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def run_killing_one_worker(command: list[str], after: float) -> tuple[int, str, bool]:
    """Run the command; `after` seconds after its first grading worker appears, SIGKILL it."""
    proc = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = False
    seen = None
    while proc.poll() is None and not killed:
        workers = children(proc.pid)
        if workers and seen is None:
            seen = time.monotonic()
        if workers and seen is not None and time.monotonic() - seen > after:
            os.kill(workers[0], signal.SIGKILL)
            killed = True
        time.sleep(0.05)
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out + err, killed


# (student file, its text, each part's expected outcome, the part and line of the planted mistake)
ALL_CORRECT = {"loss": "correct", "output-layer": "correct", "hidden-layer": "correct"}
CLASS = {
    "ada.md": (reference(), ALL_CORRECT, None),
    "bob.md": (mutated("db2 sign")[0], {**ALL_CORRECT, "output-layer": "incorrect"},
               ("output-layer", mutated("db2 sign")[1])),
    "cy.v2.md": (mutated("dW1 final number")[0], {**ALL_CORRECT, "hidden-layer": "chain"},
                 ("hidden-layer", mutated("dW1 final number")[1])),
    "dee.txt": (None, {p: "unreadable" for p in PARTS}, None),
    "ed.md": ("", {p: "missing" for p in PARTS}, None),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded once (one job, no PDF), its first worker killed 0.2 s into ada's audit."""
    base = tmp_path_factory.mktemp("grade")
    subs = base / "subs"
    subs.mkdir()
    for name, (text, _, _) in CLASS.items():
        (subs / name).write_bytes(b"\xff\xfe\x00 not text" if text is None else text.encode())
    status, output, killed = run_killing_one_worker(
        grade_command(str(subs), "--out", str(base / "out"), "--jobs", "1", "--no-pdf"), after=0.2)
    assert killed, output
    return base, status, output


def test_every_submission_is_graded_and_the_killed_one_retried(graded):
    _, status, output = graded
    assert status == 1, output  # dee waits for a person
    assert "5 submissions (5 graded, 0 already graded, 1 retried after a worker died)" in output, output
    assert "1 wait for a person (dee)" in output
    assert "[5/5" in output  # plain progress lines (stderr is not a terminal)


def test_parts_by_the_planted_truth(graded):
    base = graded[0]
    for name, (_, expected, planted) in CLASS.items():
        student = name.split(".")[0]
        grade = json.loads((base / "out" / student / ".done.json").read_text())["grade"]
        assert {p["id"]: p["outcome"] for p in grade["parts"]} == expected, (student, grade)
        if planted:
            part, line = planted
            assert [(m["part"], m["line"]) for m in grade["mistakes"]] == [(part, line)], grade["mistakes"]
    assert json.loads((base / "out" / "bob" / ".done.json").read_text())["grade"]["mistakes"][0]["kind"] == "sign"


def test_results_json_validates(graded):
    base = graded[0]
    for student, total in (("ada", 10.0), ("bob", 6.0), ("cy", 8.0), ("dee", 0.0), ("ed", 0.0)):
        doc = json.loads((base / "out" / student / "results.json").read_text())
        VALIDATOR.validate(doc)
        assert [t["tags"][0] for t in doc["tests"]] == PARTS
        assert doc["score"] == total, (student, doc)
        assert sum(t["max_score"] for t in doc["tests"]) == 10.0
    dee = json.loads((base / "out" / "dee" / "results.json").read_text())
    assert all("needs a person" in t["output"] for t in dee["tests"]) and "not UTF-8" in dee["tests"][0]["output"]
    assert (base / "out" / "ada" / "audit.html").read_text().startswith("<!DOCTYPE html>")


def test_gradebook_rows(graded):
    rows = list(csv.reader((graded[0] / "out" / "gradebook.csv").open()))
    assert rows[0] == ["student", "variant", "total", "max_total", *PARTS, "needs_person"]
    assert rows[1:] == [["ada", "", "10", "10", "2", "4", "4", ""], ["bob", "", "6", "10", "2", "0", "4", ""],
                        ["cy", "2", "8", "10", "2", "4", "2", ""],
                        ["dee", "", "0", "10", "0", "0", "0", "loss output-layer hidden-layer"],
                        ["ed", "", "0", "10", "0", "0", "0", ""]]


def test_summary_files_and_plots(graded):
    out = graded[0] / "out"
    page = (out / "summary.html").read_text()
    assert "Class summary" in page and page.count("data:image/png;base64,") == 3 and "Example (anonymised)" in page
    words = set(re.findall(r"[a-z]+", re.sub(r"base64,[A-Za-z0-9+/=]+", "", page)))
    assert not words & {"ada", "bob", "cy", "dee", "ed"}  # anonymised
    assert (out / "summary.pdf").read_bytes().startswith(b"%PDF")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for name in ("scores", "parts", "mistakes"):
        data = (out / f"summary-{name}.png").read_bytes()
        assert data.startswith(PNG)
        image = plt.imread(out / f"summary-{name}.png")
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


def test_a_submission_past_the_time_bound_waits_for_a_person_and_resume_and_force(tmp_path):
    """Half a second of wall time: the empty document is graded, the full solution written three times
    (seconds of CPU time to audit, over a second even on a quiet machine with warm caches) is not (the batch
    goes on); a rerun skips both; a changed document is graded again, and one a bound stopped when the
    bounds change; --force grades both."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    (subs / "ann.md").write_text("")
    (subs / "zed.md").write_text(reference() * 3)
    first = subprocess.run(grade_command(str(subs), "--out", str(out), "--jobs", "2", "--timeout", "0.5", "--no-pdf"),
                           env=ENV, capture_output=True, text=True, timeout=600)
    assert first.returncode == 1, first.stdout + first.stderr
    zed = json.loads((out / "zed" / "results.json").read_text())
    VALIDATOR.validate(zed)
    assert zed["score"] == 0 and all("needs a person" in t["output"] and "bound" in t["output"] for t in zed["tests"])
    assert json.loads((out / "ann" / "results.json").read_text())["tests"][0]["output"].startswith("missing")
    marker = (out / "ann" / ".done.json").stat().st_mtime_ns
    again = subprocess.run(grade_command(str(subs), "--out", str(out), "--timeout", "0.5", "--no-pdf"), env=ENV,
                           capture_output=True, text=True, timeout=600)
    assert "2 submissions (0 graded, 2 already graded" in again.stdout, again.stdout + again.stderr
    assert (out / "ann" / ".done.json").stat().st_mtime_ns == marker
    (subs / "ann.md").write_text("Nothing yet.\n")
    changed = subprocess.run(grade_command(str(subs), "--out", str(out), "--timeout", "0.5", "--no-pdf"), env=ENV,
                             capture_output=True, text=True, timeout=600)
    assert "2 submissions (1 graded, 1 already graded" in changed.stdout, changed.stdout + changed.stderr
    wider = subprocess.run(grade_command(str(subs), "--out", str(out), "--timeout", "300", "--no-pdf"), env=ENV,
                           capture_output=True, text=True, timeout=600)  # zed was stopped by the bound: again
    assert "2 submissions (1 graded, 1 already graded" in wider.stdout, wider.stdout + wider.stderr
    assert json.loads((out / "zed" / "results.json").read_text())["score"] == 10
    forced = subprocess.run(grade_command(str(subs), "--out", str(out), "--timeout", "0.5", "--no-pdf", "--force"),
                            env=ENV, capture_output=True, text=True, timeout=600)
    assert "2 submissions (2 graded, 0 already graded" in forced.stdout, forced.stdout + forced.stderr


# ---------------------------------------------------------------------- the pieces, without the pool

@pytest.mark.parametrize(("first_lines", "variant"), [  # (the document's start, the variant it names)
    ("variant: 17\n# Answer", "17"), ("---\nvariant: 007\n---\n", "7"), ("% variant: v3\n\\section{A}", "3"),
    ("<!-- variant: 12 -->\n", "12"), ("# Answer\nvariant: 4", None), ("no variant here", None)])
def test_read_variant(first_lines, variant):
    assert read_variant(first_lines) == variant


def test_find_submissions(tmp_path):
    (tmp_path / "al.v5.md").write_text("x")
    (tmp_path / "bo b.tex").write_text("variant: 9\n")
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "answer.txt").write_text("y")
    (tmp_path / "dan").mkdir()
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "bo b.md").write_text("again")
    found, problems = find_submissions(tmp_path)
    assert [(s.student, s.fmt, s.variant) for s in found] == [("al", "md", "5"), ("bo_b", "md", None),
                                                              ("cat", "txt", None)]
    assert any("dan" in p and "exactly one document" in p for p in problems)
    assert any("bo b.tex: a second document of student 'bo_b'" in p for p in problems)


@pytest.mark.parametrize(("name", "safe"), [("ada", "ada"), ("../../etc", "etc"), ("..", "student"),
                                            ("a b/c", "a_b_c"),
                                            ("gradebook.csv", "student-gradebook.csv"),
                                            ("Summary.PDF", "student-Summary.PDF")])
def test_safe_names(name, safe):
    assert safe_name(name) == safe


@pytest.mark.parametrize(("mistake", "kind"), [  # the judges' mistake names (notation/points.py, kinds/network.py)
    ("sign", "sign"), ("constant factor 1/2", "dropped or extra factor"),
    ("constant factor 2", "dropped or extra factor"), ("constant factor 691/679", "wrong value (no pattern named)"),
    ("missing f' factor or mask", "wrong activation derivative"),
    ("missing or extra transpose", "missing transpose"), ("swapped indices (the transpose)", "swapped indices"),
    ("shapes do not fit", "wrong shape"), (None, "wrong value (no pattern named)")])
def test_mistake_kinds(mistake, kind):
    assert mistake_kind(mistake) == kind


def test_each_submission_is_graded_against_the_variant_it_names(tmp_path):
    """Two variants of the problem (new data): the reference solution (the original's numbers) handed in
    for variant 1 is not correct there; a variant that was not made waits for a person."""
    made = subprocess.run([sys.executable, "-m", "symderiv", "variants", str(PROBLEM), "--count", "1", "--seed", "7",
                           "--out", str(tmp_path / "variants"), "--no-pdf"], env=ENV, capture_output=True, text=True,
                          timeout=600)
    assert made.returncode == 0, made.stderr
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ann.v1.md").write_text(reference())
    (subs / "bo.md").write_text("variant: 9\n\n" + reference())
    pdf = [] if engine() else ["--no-pdf"]
    run = subprocess.run(grade_command(str(subs), "--out", str(tmp_path / "out"), "--variants",
                                       str(tmp_path / "variants"), "--jobs", "1", *pdf),
                         env=ENV, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stdout + run.stderr
    rows = {row["student"]: row for row in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert rows["ann"]["variant"] == "1" and float(rows["ann"]["total"]) < 10 and rows["ann"]["needs_person"] == ""
    assert rows["bo"]["variant"] == "9" and rows["bo"]["needs_person"] == "loss output-layer hidden-layer"
    assert "variant 9 is not among the variants given" in (tmp_path / "out" / "bo" / "results.json").read_text()
    if not pdf:  # the audit report as PDF (pdflatex)
        assert (tmp_path / "out" / "ann" / "audit.pdf").read_bytes().startswith(b"%PDF")


DB2 = r"\frac{\partial L}{\partial b^{(2)}}"
CHAINS = [  # (a one-chain document about dL/db2 = -2.04, the output-layer part's outcome) - seed 002's numbers
    (f"$${DB2} = -2.04$$", "correct"),
    (f"$${DB2} = -2.05$$", "incorrect"),  # a bare wrong number: no chain to give points for
    (f"$${DB2} = \\sum_{{k=1}}^{{3}} (y_k - t_k) = -2.05$$", "chain"),
    (f"$${DB2} = \\sum_{{k=1}}^{{3}} (t_k - y_k) = -2.04$$", "incorrect"),
    (f"$${DB2} = \\sum_{{k=1}}^{{3}} (t_k - y_k) = 2.04$$", "incorrect"),
]


@pytest.mark.parametrize(("text", "outcome"), CHAINS)
def test_a_parts_outcome_from_its_chain(text, outcome):
    problem = load(PROBLEM)
    rubric = read_rubric(Fields(read(PROBLEM.read_text()), str(PROBLEM)), problem)
    graded = grade_audit(audit(problem, text, "md"), problem, rubric, "x")
    got = {p.part.id: p.outcome for p in graded.score.parts}
    # dL/dw2 is missing: the part's outcome is the worse of its two targets' (incorrect is worse than missing)
    assert got["output-layer"] == ("incorrect" if outcome == "incorrect" else "missing")
    part = next(p for p in graded.score.parts if p.part.id == "output-layer")
    assert part.detail.split("; ")[1].startswith("dL/db2: " + {"correct": "correct", "incorrect": "a wrong step",
                                                              "chain": "every step right"}[outcome]), part.detail


def test_the_summary_shows_a_students_text_as_written(tmp_path):
    """A mistake's text with `$` and unbalanced braces (the student's LaTeX) and a part id with `$`: the
    plots and the PDF are made (matplotlib's mathtext never reads them), the HTML escapes them."""
    problem = load(PROBLEM)
    text = PROBLEM.read_text().replace('id = "loss"', 'id = "lo$s"')
    rubric = read_rubric(Fields(read(text), "p.toml"), problem)
    hostile = Mistake("lo$s", 3, "sign", "sign", r"$\frac{1}{ <script>x</script> = \text{$$}")
    graded = [Graded(StudentScore(f"s{n}", tuple(rubric.score(p.id, o, "d") for p in rubric.parts)), m)
              for n, (o, m) in enumerate([("correct", []), ("incorrect", [hostile]), ("chain", [])])]
    written = write_summary(tmp_path, "T <b>", rubric, graded)
    assert [p.name for p in written] == ["summary-scores.png", "summary-parts.png", "summary-mistakes.png",
                                         "summary.html", "summary.pdf"]
    page = (tmp_path / "summary.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page and "T &lt;b&gt;" in page
    assert (tmp_path / "summary.pdf").read_bytes().startswith(b"%PDF")


def test_a_submission_past_the_memory_bound_waits_for_a_person(tmp_path):
    """One MiB of address space over what a worker inherits (RLIMIT_AS): the audit cannot run; the
    submission waits for a person, named as past the memory bound (not as a bug)."""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ann.md").write_text(reference())
    run = subprocess.run(grade_command(str(subs), "--out", str(tmp_path / "out"), "--memory", "1", "--no-pdf"),
                         env=ENV, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1 and "1 wait for a person (ann)" in run.stdout, run.stdout + run.stderr
    doc = json.loads((tmp_path / "out" / "ann" / "results.json").read_text())
    VALIDATOR.validate(doc)
    assert doc["score"] == 0 and all("memory bound" in t["output"] for t in doc["tests"]), doc


ERRORS = [  # (arguments after `grade`, words of the one-line error) - each refused before any grading
    (["derivations/seed002-p1-network.toml", "SUBS"], "rubric: missing table"),
    ([str(PROBLEM), "MISSING"], "not a folder of submissions"),
    ([str(PROBLEM), "SUBS"], "no submissions"),
    ([str(PROBLEM), "SUBS", "--jobs", "0"], "--jobs must be from 1 to 64"),
    ([str(PROBLEM), "SUBS", "--timeout", "0"], "--timeout must be more than 0"),
    ([str(PROBLEM), "SUBS", "--memory", "-5"], "--memory must be more than 0"),
    ([str(PROBLEM), "SUBS", "--variants", "SUBS"], "no variant problem files"),
]


@pytest.mark.parametrize(("args", "words"), ERRORS, ids=[e[1] for e in ERRORS])
def test_bad_input_is_one_line_naming_it(tmp_path, capsys, args, words):
    (tmp_path / "subs").mkdir()
    argv = ["grade", *[str(ROOT / a) if a.startswith("derivations") else a for a in args], "--out",
            str(tmp_path / "out"), "--no-pdf"]
    argv = [str(tmp_path / "subs") if a == "SUBS" else str(tmp_path / "missing") if a == "MISSING" else a
            for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1, err
