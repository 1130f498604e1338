"""`symderiv grade`: a class's submissions audited and scored in a pool of bounded workers, resumably.

One grading worker per job (a forked `core.timebound.Worker`, the problem inherited at the fork): each
submission is one task under a CPU budget and a memory bound (RLIMIT_AS), and a watchdog ends a task
past its wall-clock bound. A task past a bound, or a document that cannot be read, is a "needs a
person" entry and the batch goes on; a worker that dies for another reason (killed) is forked again
and its submission retried once, then reported. In OUT/<student>/ each task writes the audit report
(audit.html, audit.pdf), Gradescope's results.json and, last, its done marker (.done.json: the
document's SHA-256, the problem's, symderiv's version and the grade), each by temporary file and
rename; a rerun skips a student whose marker matches (unless `force`). Then OUT/gradebook.csv and
the class summary (summary.html, summary.pdf, the plots as PNG).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .audit import audit as audit_document
from .audit.document import DocumentError
from .audit.grade import (
    Graded,
    Submission,
    find_submissions,
    grade_audit,
    read_submission,
    score_from_json,
    score_json,
    unreadable,
    variant_problems,
)
from .core.errors import InternalError, ResourceLimitError, SymderivError, Timeout
from .core.timebound import MEMORY_VARIABLE, Worker, bounded, memory_limit
from .core.tomlwrite import read
from .core.version import __version__
from .kinds import load
from .kinds.base import Fields, Problem
from .kinds.rubric import Rubric, StudentScore, read_rubric
from .render.audit_report import audit_html, audit_latex
from .render.class_summary import write_summary
from .render.gradebook import gradebook_csv, results_json_text
from .render.pdf import LatexError, compile_pdf
from .render.terminal import unicode_ok, write_output, write_text_output

#: Wall-clock seconds one submission may take by default (its CPU budget is the same).
DEFAULT_SECONDS = 300.0
#: The done marker in OUT/<student>/.
MARKER = ".done.json"
#: What a worker's failure says when it ran out of address space outside Python's MemoryError (a shared
#: library imported late cannot be mapped under RLIMIT_AS).
MEMORY_SIGNS = ("MemoryError", "failed to map segment", "Cannot allocate memory", "cannot allocate memory")
#: How often (s) the watchdog looks at the running tasks.
WATCH_EVERY = 0.1


@dataclass
class Setup:
    """What every grading worker inherits: the problem (and its variants), the rubric, where to write."""

    problem: Problem
    problem_path: str
    problem_sha256: str
    rubric: Rubric
    out: str
    pdf: bool
    variants: dict[str, Path] = field(default_factory=dict)
    loaded: dict[str, Problem] = field(default_factory=dict)  # variant problems, loaded in the worker
    bounds: str = ""  # the bounds of this run ("300 s, 4096 MiB"), kept by the marker of a submission they stopped


@dataclass
class Outcome:
    """One submission's grade, how it went (graded, skipped, needs a person, retried) and its seconds."""

    submission: Submission
    graded: Graded
    status: str
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)


@dataclass
class GradeRun:
    """A whole batch: every submission's outcome (by student), the problems met, the files written."""

    outcomes: list[Outcome]
    problems: list[str]
    out: Path
    seconds: float
    retried: int = 0

    @property
    def graded(self) -> int:
        return sum(1 for o in self.outcomes if o.status != "skipped")


# ---------------------------------------------------------------------- one submission (in a worker)

def _problem_for(setup: Setup, submission: Submission) -> Problem:
    if submission.variant is None or not setup.variants:
        return setup.problem
    path = setup.variants.get(submission.variant)
    if path is None:
        raise SymderivError(f"variant {submission.variant} is not among the variants given "
                            f"({len(setup.variants)} found)")
    if submission.variant not in setup.loaded:
        setup.loaded[submission.variant] = load(path)
    return setup.loaded[submission.variant]


def grade_task(setup: Setup, submission: Submission) -> tuple[dict[str, Any], dict[str, float]]:
    """Audit one submission, score it by the rubric, write its files and its done marker (last); the
    grade as JSON and the seconds of each stage (a task run in a grading worker)."""
    stages: dict[str, float] = {}
    start = time.perf_counter()
    folder = Path(setup.out) / submission.student
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("audit.html", "audit.pdf"):  # an earlier run's report of another document, or with a PDF
        (folder / stale).unlink(missing_ok=True)
    variant = submission.variant or ""
    audit = None
    try:
        problem = _problem_for(setup, submission)
        text = read_submission(submission)
        audit = audit_document(problem, text, submission.fmt)
        stages["audit"] = time.perf_counter() - start
        graded = grade_audit(audit, problem, setup.rubric, submission.student, variant)
    except (DocumentError, SymderivError) as exc:
        if isinstance(exc, Timeout):
            raise
        graded = unreadable(setup.rubric, submission.student, variant, f"the document could not be read: {exc}")
    stages["score"] = time.perf_counter() - start - sum(stages.values())
    mark = time.perf_counter()
    title = f"{submission.student}: {Path(submission.path).name}"
    if audit is not None:
        write_text_output(str(folder / "audit.html"), audit_html(audit, title))
        if setup.pdf:
            tex = audit_latex(audit, title)
            try:
                write_output(str(folder / "audit.pdf"), lambda part: compile_pdf(tex, part))
            except LatexError as exc:
                graded.score = _noted(graded, f"audit.pdf not made: {str(exc).splitlines()[0]}")
    stages["report"] = time.perf_counter() - mark
    mark = time.perf_counter()
    write_text_output(str(folder / "results.json"), results_json_text(graded.score, time.perf_counter() - start))
    stages["write"] = time.perf_counter() - mark
    write_marker(setup, submission, graded, stages)
    return score_json(graded), stages


def _noted(graded: Graded, note: str) -> StudentScore:
    """The score of `graded` with one more note (shown in results.json's output)."""
    score = graded.score
    return StudentScore(score.student, score.parts, score.variant, (*score.notes, note))


def marker_key(setup: Setup, submission: Submission) -> dict[str, str]:
    """What a done marker must match for a rerun to skip the submission."""
    variant = setup.variants.get(submission.variant or "")
    return {"sha256": submission.sha256, "problem_sha256": setup.problem_sha256, "version": __version__,
            "variant": submission.variant or "",
            "variant_sha256": hashlib.sha256(variant.read_bytes()).hexdigest() if variant else ""}


def write_marker(setup: Setup, submission: Submission, graded: Graded, stages: dict[str, float] | None = None,
                 bound: bool = False) -> None:
    """The student's done marker (written last, atomically): the key, the grade and the seconds of each
    stage; for a submission stopped by a bound, the bounds too (a rerun with other bounds grades it again)."""
    data = {**marker_key(setup, submission), "grade": score_json(graded), "stages": stages or {}}
    if bound:
        data["bounds"] = setup.bounds
    write_text_output(str(Path(setup.out) / submission.student / MARKER), json.dumps(data, indent=1) + "\n")


def read_marker(setup: Setup, submission: Submission) -> Graded | None:
    """The grade kept by a matching done marker, or None (no marker, another document, problem or version)."""
    path = Path(setup.out) / submission.student / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if any(data.get(k) != v for k, v in marker_key(setup, submission).items()):
            return None
        if "bounds" in data and data["bounds"] != setup.bounds:
            return None
        return score_from_json(data["grade"], setup.rubric)
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ---------------------------------------------------------------------- the pool

class _Slot:
    """One grading worker and the task it runs (for the watchdog)."""

    def __init__(self, setup: Setup) -> None:
        self.worker = Worker(setup)
        self.deadline: float | None = None
        self.walled = False
        self.lock = threading.Lock()

    def watch(self) -> None:
        """SIGKILL the worker if its task is past the wall-clock deadline."""
        with self.lock:
            if self.deadline is not None and time.monotonic() > self.deadline and self.worker.pid is not None:
                self.walled = True
                try:
                    os.kill(self.worker.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def run(self, submission: Submission, seconds: float) -> tuple[dict[str, Any], dict[str, float]]:
        with self.lock:
            self.walled = False
            self.deadline = time.monotonic() + seconds
        try:
            return self.worker.run(grade_task, submission, seconds=seconds)
        finally:
            with self.lock:
                self.deadline = None


def _grade_one(slot: _Slot, setup: Setup, submission: Submission, seconds: float) -> Outcome:
    """A submission graded in `slot`'s worker: retried once after an unexplained death of the worker;
    past a bound (or dead twice), a "needs a person" grade (its marker written, so a rerun keeps it)."""
    start = time.monotonic()
    variant = submission.variant or ""
    why = ""
    for attempt in (1, 2):
        try:
            data, stages = slot.run(submission, seconds)
            return Outcome(submission, score_from_json(data, setup.rubric), "retried" if attempt == 2 else "graded",
                           time.monotonic() - start, stages)
        except Timeout as exc:
            why = f"past the wall-clock bound of {seconds:g} s" if slot.walled else \
                f"past the time bound ({seconds:g} s of CPU time): {exc}"
            break
        except ResourceLimitError as exc:
            if slot.walled:
                why = f"past the wall-clock bound of {seconds:g} s"
                break
            if "memory bound" in str(exc):
                why = str(exc)
                break
            why = f"the grading worker died twice ({exc})"
        except InternalError as exc:
            if any(sign in exc.summary for sign in MEMORY_SIGNS):
                why = f"past the memory bound: {exc.summary}"
                break
            why = f"internal error, a bug in symderiv: {exc.summary} (the worker failed twice)"
        except SymderivError as exc:
            why = f"cannot be graded: {exc}"
            break
        slot.worker.close()
    graded = unreadable(setup.rubric, submission.student, variant, why)
    folder = Path(setup.out) / submission.student
    folder.mkdir(parents=True, exist_ok=True)
    write_text_output(str(folder / "results.json"), results_json_text(graded.score, time.monotonic() - start))
    write_marker(setup, submission, graded, bound=True)
    return Outcome(submission, graded, "needs a person", time.monotonic() - start)


def _pool(setup: Setup, todo: list[Submission], jobs: int, seconds: float) -> Iterator[Outcome]:
    """The outcome of every submission of `todo` as each finishes: `jobs` threads, each feeding its
    own grading worker, and a watchdog thread for the wall-clock bound."""
    slots = [_Slot(setup) for _ in range(max(1, min(jobs, len(todo))))]
    queue = list(reversed(todo))
    results: list[Outcome] = []
    ready = threading.Condition()
    done = threading.Event()
    failures: list[BaseException] = []

    def feed(slot: _Slot) -> None:
        try:
            while True:
                with ready:
                    if not queue or failures:
                        return
                    submission = queue.pop()
                outcome = _grade_one(slot, setup, submission, seconds)
                with ready:
                    results.append(outcome)
                    ready.notify()
        except BaseException as exc:  # reported by the main thread
            with ready:
                failures.append(exc)
                ready.notify()
        finally:
            slot.worker.close()

    def watchdog() -> None:
        while not done.wait(WATCH_EVERY):
            for slot in slots:
                slot.watch()

    threads = [threading.Thread(target=feed, args=(slot,), daemon=True) for slot in slots]
    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    for thread in threads:
        thread.start()
    try:
        for _ in range(len(todo)):
            with ready:
                while not results and not failures:
                    ready.wait()
                if failures:
                    raise failures[0]
                outcome = results.pop(0)
            yield outcome
    finally:
        with ready:
            queue.clear()
        for slot in slots:
            slot.worker.close()
        done.set()


# ---------------------------------------------------------------------- the batch

def prepare(problem_path: str, out: str | Path, pdf: bool = True, variants: str | Path | None = None) -> Setup:
    """Load the problem and its [rubric] (and the variants' problem files), checked before any grading."""
    try:
        text = Path(problem_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SymderivError(f"{problem_path}: cannot read the problem file ({exc})") from None
    problem = bounded(load, problem_path)
    rubric = bounded(read_rubric, Fields(read(text), problem_path), problem)
    found = variant_problems(variants) if variants is not None else {}
    if variants is not None and not found:
        raise SymderivError(f"{variants}: no variant problem files (vNNN/problem.toml, from `symderiv variants --out`)")
    return Setup(problem, problem_path, hashlib.sha256(text.encode()).hexdigest(), rubric, str(out), pdf, found)


def grade(problem: str | Path, submissions: str | Path, out: str | Path, jobs: int | None = None,
          force: bool = False, seconds: float = DEFAULT_SECONDS, memory_mib: float | None = None,
          pdf: bool = True, variants: str | Path | None = None,
          progress: Callable[[Outcome, int, int, float | None], None] | None = None, bar: bool = False) -> GradeRun:
    """Grade every submission in the folder `submissions` against the problem file `problem` (its
    [rubric]) into `out`: `jobs` workers (default one per core), each submission bounded by `seconds`
    (wall clock and CPU) and `memory_mib` MiB more address space (default $SYMDERIV_MEMORY_LIMIT);
    finished submissions skipped unless `force`. `progress(outcome, done, total, ETA seconds or None)`
    is told of each submission; `bar` shows tqdm's progress bar on stderr. Writes OUT/<student>/ files,
    OUT/gradebook.csv and the class summary; returns the run."""
    begun = time.monotonic()
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    setup = prepare(str(problem), out_dir, pdf, variants)
    mib = memory_mib if memory_mib is not None else (memory_limit() or 0) / 2**20
    setup.bounds = f"{seconds:g} s, {mib:g} MiB"
    found, problems = find_submissions(submissions)
    if not found:
        raise SymderivError(f"{submissions}: no submissions (.md, .tex or .txt files, or a folder per student)")
    outcomes: list[Outcome] = []
    todo: list[Submission] = []
    for submission in found:
        kept = None if force else read_marker(setup, submission)
        if kept is None:
            todo.append(submission)
        else:
            outcomes.append(Outcome(submission, kept, "skipped"))
    if progress is not None:
        for n, outcome in enumerate(outcomes, start=1):
            progress(outcome, n, len(found), None)
    before = os.environ.get(MEMORY_VARIABLE)
    if memory_mib is not None:
        os.environ[MEMORY_VARIABLE] = f"{memory_mib:g}"  # read by each worker at its fork (RLIMIT_AS)
    size = shutil.get_terminal_size((100, 20))  # a terminal that reports 0 columns or rows shows no bar
    shown = tqdm(total=len(todo), unit="submission", disable=not bar, file=sys.stderr,
                 ncols=size.columns or 100, nrows=size.lines or 20, ascii=not unicode_ok())
    started, finished = time.monotonic(), 0
    try:
        for outcome in _pool(setup, todo, jobs or os.cpu_count() or 1, seconds):
            outcomes.append(outcome)
            finished += 1
            shown.set_postfix_str(f"{outcome.submission.student}: {outcome.status}", refresh=False)
            shown.update(1)
            if progress is not None:
                eta = (time.monotonic() - started) / finished * (len(todo) - finished)
                progress(outcome, len(outcomes), len(found), eta)
    finally:
        shown.close()
        if memory_mib is not None:
            if before is None:
                os.environ.pop(MEMORY_VARIABLE, None)
            else:
                os.environ[MEMORY_VARIABLE] = before
    outcomes.sort(key=lambda o: o.submission.student)
    graded = [o.graded for o in outcomes]
    write_text_output(str(out_dir / "gradebook.csv"), gradebook_csv([g.score for g in graded]))
    write_summary(out_dir, setup.problem.title, setup.rubric, graded)
    return GradeRun(outcomes, problems, out_dir, time.monotonic() - begun,
                    sum(1 for o in outcomes if o.status == "retried"))
