"""`symderiv solve`, `check`, `audit`, `variants` and `grade`: a problem is loaded here, its work bounded."""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import signal
import sys
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from .audit import FORMATS, guess_format
from .audit import audit as audit_document
from .core.errors import InternalError, OutputError, SymderivError, Timeout
from .core.limits import VARIANTS_MAX_COUNT
from .core.timebound import TIME_VARIABLE, bounded, close_workers, run_bounded, solve_limit, time_limit
from .core.verdict import Verdict
from .grading import DEFAULT_SECONDS, Outcome
from .grading import grade as grade_class
from .kinds import load
from .kinds.base import Claim, Problem, Solution
from .kinds.variants import Source, Variant, check_loaded, make_variant, prepare
from .render.audit_report import audit_html, audit_json, audit_latex, audit_markdown, audit_terminal
from .render.document import solution_latex, solution_markdown
from .render.gradebook import score_text
from .render.pdf import LatexError, compile_pdf, engine
from .render.report import report_latex, report_markdown
from .render.sheet import sheet_latex
from .render.solution_text import solution_text
from .render.table import render_table
from .render.terminal import (
    EXIT_OK,
    EXIT_WRONG,
    check_output,
    debugging,
    exit_status,
    is_internal,
    save_crash_report,
    say,
    unicode_ok,
    write_output,
    write_text_output,
)
from .render.verdicts import verdict_json

OUTPUTS = ("latex", "pdf", "markdown", "html")


def load_problem(path: str) -> Problem:
    """`load` within the time limit (CPU), with a backstop: whatever reading an untrusted file raises
    (a RecursionError from a deeply nested TOML value, a ValueError or OverflowError from a number)
    is a one-line error naming the file. Only reading is covered; judging is bounded in workers."""
    try:
        return bounded(load, path, seconds=time_limit())
    except Timeout as exc:
        raise SymderivError(f"{path}: cannot read the problem file ({exc}; {TIME_VARIABLE})") from None
    except SymderivError:
        raise
    except (RecursionError, ValueError, OverflowError, TypeError, MemoryError) as exc:
        reason = " ".join(str(exc).split())[:200] or "no detail"
        raise SymderivError(f"{path}: cannot read the problem file ({type(exc).__name__}: {reason})") from None


def solve(args: argparse.Namespace) -> int:
    """Derive the problem's answers (and its documents) in its worker; print them; write the files."""
    outputs = _outputs(args)
    problem = load_problem(args.file)
    try:
        solution, texts = run_bounded(problem, _solve_task, _formats(outputs), not unicode_ok(),
                                      seconds=solve_limit())
    except Timeout as exc:
        raise SymderivError(f"{args.file}: solve: {exc} ({TIME_VARIABLE} = {time_limit():g} s per proof, "
                            f"{solve_limit():g} s per solve)") from None
    if args.json:
        print(json.dumps(solution.data, indent=2, default=str))
    else:
        print(texts["text"])
    _write_documents(outputs, texts)
    return EXIT_OK


def check(args: argparse.Namespace) -> int:
    """Judge the claims (each in the problem's worker under its budget); print the verdicts, then
    write the report files. The verdicts always print, whatever happened to a single claim."""
    outputs = _outputs(args)
    claims = None
    if args.claim is not None or args.target is not None:
        if args.claim is None or args.target is None:
            raise SymderivError("--claim and --target go together")
        claims = [Claim("command-line", args.target, args.claim)]
    problem = load_problem(args.file)
    verdicts = _report_crashes(problem.check(claims))
    if args.json:
        print(json.dumps({"title": problem.title, "source": problem.source,
                          "claims": [verdict_json(v) for v in verdicts]}, indent=2, default=str))
    else:
        print(render_table(problem.title, verdicts, ascii=not unicode_ok()))
    if outputs:
        try:
            texts = run_bounded(problem, _report_task, verdicts, _formats(outputs), seconds=time_limit())
        except Timeout as exc:
            raise SymderivError(f"the report: {exc} ({TIME_VARIABLE})") from None
        _write_documents(outputs, texts)
    return exit_status(verdicts)


def _outputs(args: argparse.Namespace) -> dict[str, str]:
    """The output options given, each target checked before any work is done."""
    chosen = {kind: getattr(args, kind) for kind in OUTPUTS if getattr(args, kind, None) is not None}
    for path in chosen.values():
        check_output(path)
    return chosen


def _formats(outputs: dict[str, str]) -> tuple[str, ...]:
    """The texts the outputs need: a PDF is made from the LaTeX."""
    return tuple(kind for kind in ("latex", "markdown")
                 if kind in outputs or (kind == "latex" and "pdf" in outputs))


def _solve_task(problem: Problem, formats: tuple[str, ...], ascii: bool) -> tuple[Solution, dict[str, str]]:
    """The solution, its text for the terminal (`ascii`: one that cannot show Unicode) and its
    documents (a task run in the problem's worker)."""
    solution = problem.solve()
    texts = {"text": solution_text(problem, solution, ascii)}
    if "latex" in formats:
        texts["latex"] = solution_latex(problem, solution)
    if "markdown" in formats:
        texts["markdown"] = solution_markdown(problem, solution)
    return solution, texts


def _report_task(problem: Problem, verdicts: list[Verdict], formats: tuple[str, ...]) -> dict[str, str]:
    """The graded report's texts (a task run in the problem's worker)."""
    texts = {}
    if "latex" in formats:
        texts["latex"] = report_latex(problem.title, verdicts, problem.source)
    if "markdown" in formats:
        texts["markdown"] = report_markdown(problem.title, verdicts, problem.source)
    return texts


def _write_documents(outputs: dict[str, str], texts: dict[str, str]) -> None:
    """Each output written to a temporary file beside it and renamed into place."""
    if "latex" in outputs:
        write_text_output(outputs["latex"], texts["latex"])
    if "pdf" in outputs:
        write_output(outputs["pdf"], lambda part: _compile(texts["latex"], part))
    if "markdown" in outputs:
        write_text_output(outputs["markdown"], texts["markdown"])


def _compile(tex: str, part: Path) -> None:
    compile_pdf(tex, part)


def _report_crashes(verdicts: list[Verdict]) -> list[Verdict]:
    """The verdicts, each claim whose judgement hit a bug named in one line on stderr with where
    its traceback was saved (in the verdict returned for it, the traceback's file replaces the
    traceback in details; the message keeps its summary)."""
    out = []
    for v in verdicts:
        if not is_internal(v):
            out.append(v)
            continue
        info: dict[str, Any] = dict(v.details["internal_error"])
        report = info.pop("traceback", "")
        where = save_crash_report(info.get("error", ""), report)
        if debugging():
            say(report.rstrip())
        if where:
            info["traceback_file"] = where
        say(f"symderiv: internal error (a bug in symderiv) judging claim {v.id!r}: {info.get('error', '')}; "
            + (f"traceback in {where}" if where else "run with SYMDERIV_DEBUG=1 for the traceback"))
        out.append(replace(v, details={**v.details, "internal_error": info}))
    return out



def read_solution(path: str, fmt: str | None) -> tuple[str, str]:
    """The text of a solution document (`-`: standard input) and its format: `fmt`, else by the
    file's extension (.md, .tex, .txt), else guessed from the text. Errors name the file."""
    if path == "-":
        data = sys.stdin.buffer.read() if sys.stdin is not None else b""
        name = "standard input"
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise SymderivError(f"{path}: cannot read the solution ({exc.strerror or exc})") from None
        name = path
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SymderivError(f"{name}: the solution is not UTF-8 text (byte {exc.start})") from None
    extension = Path(path).suffix.lower().lstrip(".") if path != "-" else ""
    chosen = fmt or (extension if extension in FORMATS else None) or (
        "md" if extension == "markdown" else None) or guess_format(text)
    return text, chosen


def audit(args: argparse.Namespace) -> int:
    """Judge every equation of a solution document against its problem files; print the listing
    (or JSON), then write the annotated documents. Exit 0 when every equation read is correct (or
    a definition), 1 when one is incorrect, undecided or not read, 2 on bad input."""
    outputs = _outputs(args)
    text, fmt = read_solution(args.solution, args.format)
    problems = [load_problem(path) for path in args.problem]
    result = audit_document(problems, text, fmt)
    name = "standard input" if args.solution == "-" else args.solution
    if args.json:
        print(json.dumps({"solution": name, **audit_json(result)}, indent=2, default=str))
    else:
        print(audit_terminal(result, name))
    try:
        if "markdown" in outputs:
            write_text_output(outputs["markdown"], bounded(audit_markdown, result, seconds=time_limit()))
        if "html" in outputs:
            write_text_output(outputs["html"], bounded(audit_html, result, Path(name).name, seconds=time_limit()))
        if "pdf" in outputs:
            tex = bounded(audit_latex, result, Path(name).name, seconds=time_limit())
            write_output(outputs["pdf"], lambda part: _compile(tex, part))
    except Timeout as exc:
        raise SymderivError(f"the audit report: {exc} ({TIME_VARIABLE})") from None
    summary = result.summary()
    return EXIT_OK if summary["incorrect"] + summary["undecided"] + summary["not_read"] == 0 else EXIT_WRONG


# ---------------------------------------------------------------------- variants

#: Processes `variants --jobs` may use at most.
MAX_JOBS = 64


def variants(args: argparse.Namespace) -> int:
    """Make `--count` variants of a problem file by its [variants] rules, each in OUT/vNNN/: the
    problem file, the problem sheet and the solution key (.tex, and .pdf unless --no-pdf), then
    OUT/manifest.json. Every key passed the solve's checks; any variant that fails stops the run
    (exit 2, naming it)."""
    if not 1 <= args.count <= VARIANTS_MAX_COUNT:
        raise SymderivError(f"--count must be from 1 to {VARIANTS_MAX_COUNT}, got {args.count}")
    if args.seed < 0:
        raise SymderivError(f"--seed must be at least 0, got {args.seed}")
    if not 1 <= args.jobs <= MAX_JOBS:
        raise SymderivError(f"--jobs must be from 1 to {MAX_JOBS}, got {args.jobs}")
    if not args.no_pdf and engine() is None:
        raise LatexError("pdflatex was not found: install TeX (`bash scripts/install-tex.sh`), "
                         "or use --no-pdf to write the sheets and keys as LaTeX")
    out = _output_directory(args.out)
    problem = load_problem(args.file)
    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SymderivError(f"{args.file}: cannot read the problem file again ({exc})") from None
    try:
        source = bounded(prepare, text, args.file, problem, seconds=time_limit())
    except Timeout as exc:
        raise SymderivError(f"{args.file}: variants: {exc} ({TIME_VARIABLE})") from None
    width = max(3, len(str(args.count)))
    jobs = [(source, number, args.seed, width, str(out), not args.no_pdf) for number in range(1, args.count + 1)]
    entries = []
    for status, *result in _run_jobs(jobs, args.jobs):
        if status == "crash":
            raise InternalError(*result)
        if status == "error":
            raise SymderivError(result[0])
        entries.append(result[0])
        print(f"v{result[0]['id']}: {result[0]['draws']} {'draw' if result[0]['draws'] == 1 else 'draws'}, "
              f"{', '.join(result[0]['files'])}", flush=True)
    manifest = {"problem": Path(args.file).name, "problem_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "seed": args.seed, "count": args.count, "variants": entries}
    write_text_output(str(out / "manifest.json"), json.dumps(manifest, indent=2) + "\n")
    print(f"{args.count} variants in {out} (manifest.json)")
    return EXIT_OK


def _output_directory(path: str) -> Path:
    """--out: made when missing (with its parents); an existing file there is an error."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot write variants to {path}: it is not a directory") from None
    except OSError as exc:
        raise OutputError(f"cannot write variants to {path}: {exc.strerror or exc}") from None
    return out


def _run_jobs(jobs: list[tuple[Any, ...]], processes: int) -> Any:
    """The results of _variant_job for every job, in order: here, or in `processes` forked
    processes (ended at once if the run stops: an error, Ctrl-C)."""
    if processes == 1:
        yield from (_variant_job(job) for job in jobs)
        return
    pool = multiprocessing.get_context("fork").Pool(processes, initializer=_ignore_interrupts)
    try:
        yield from pool.imap(_variant_job, jobs)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _ignore_interrupts() -> None:
    """A pool process leaves Ctrl-C to the main process, which ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _variant_job(job: tuple[Any, ...]) -> tuple[Any, ...]:
    """("ok", manifest entry), ("error", one line) or ("crash", summary, traceback) for one variant."""
    source, number, seed, width, out, pdf = job
    try:
        return ("ok", _variant_files(source, number, seed, width, Path(out), pdf))
    except SymderivError as exc:
        return ("error", str(exc))
    except InternalError as exc:
        return ("crash", exc.summary, exc.report)
    except Exception as exc:  # a bug: reported with its traceback by the main process
        return ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())
    finally:
        close_workers()  # the variant's solve worker: each variant is a new problem, never used again


def _variant_files(source: Source, number: int, seed: int, width: int, out: Path, pdf: bool) -> dict[str, Any]:
    """Draw variant `number`, write its problem file, read it back, solve it (the key exists only if
    the solve's checks pass) and write its sheet and key; its manifest entry."""
    ident = str(number).zfill(width)
    try:
        variant: Variant = bounded(make_variant, source, number, seed, width, seconds=solve_limit())
    except Timeout as exc:
        raise SymderivError(f"{source.path}: variant {ident}: its constraints were not met within the time "
                            f"bound ({exc}; {TIME_VARIABLE})") from None
    folder = out / f"v{ident}"
    folder.mkdir(exist_ok=True)
    toml_file = folder / "problem.toml"
    write_text_output(str(toml_file), variant.text)
    problem = load_problem(str(toml_file))
    check_loaded(variant, problem, source)
    try:
        key, sheet = run_bounded(problem, _variant_task, seconds=solve_limit())
    except Timeout as exc:
        raise SymderivError(f"{toml_file}: solve: {exc} ({TIME_VARIABLE})") from None
    files = [toml_file.name]
    for name, tex in (("sheet", sheet), ("key", key)):
        write_text_output(str(folder / f"{name}.tex"), tex)
        files.append(f"{name}.tex")
        if pdf:
            write_output(str(folder / f"{name}.pdf"), lambda part, tex=tex: compile_pdf(tex, part, reproducible=True))
            files.append(f"{name}.pdf")
    return {"id": ident, "seed": variant.seed, "draws": variant.tries,
            "files": [f"{folder.name}/{f}" for f in files]}


def _variant_task(problem: Problem) -> tuple[str, str]:
    """The solution key (the solution document; solve refuses results that fail its checks) and
    the problem sheet of a variant (a task run in the problem's worker). The document does not
    print per-entry formulas, so they are not derived (for a small network, most of a solve)."""
    solution = problem.solve(elementwise=False)
    return solution_latex(problem, solution), sheet_latex(problem)


# ---------------------------------------------------------------------- grade

def grade(args: argparse.Namespace) -> int:
    """Grade every submission of a folder by the problem file's [rubric] (see symderiv.grading): a
    progress bar on a terminal, else one line per submission; then the totals and where the files are.
    Exit 0 when every part of every submission was graded, 1 when some wait for a person."""
    jobs = args.jobs if args.jobs is not None else (multiprocessing.cpu_count() or 1)
    if not 1 <= jobs <= MAX_JOBS:
        raise SymderivError(f"--jobs must be from 1 to {MAX_JOBS}, got {jobs}")
    seconds = DEFAULT_SECONDS if args.timeout is None else args.timeout
    if not 0 < seconds <= 86_400:
        raise SymderivError(f"--timeout must be more than 0 and at most 86400 seconds, got {seconds:g}")
    if args.memory is not None and not 0 < args.memory <= 2**20:
        raise SymderivError(f"--memory must be more than 0 and at most {2**20} MiB, got {args.memory:g}")
    if not args.no_pdf and engine() is None:
        raise LatexError("pdflatex was not found: install TeX (`bash scripts/install-tex.sh`), "
                         "or use --no-pdf to write each audit as HTML only")
    out = _output_directory(args.out)
    terminal = sys.stderr is not None and sys.stderr.isatty()
    run = grade_class(args.file, args.submissions, out, jobs=jobs, force=args.force, seconds=seconds,
                      memory_mib=args.memory, pdf=not args.no_pdf, variants=args.variants,
                      progress=None if terminal else _progress_line, bar=terminal)
    for problem in run.problems:
        say(f"symderiv: skipped: {problem}")
    person = [o.submission.student for o in run.outcomes if o.graded.score.needs_person]
    skipped = sum(1 for o in run.outcomes if o.status == "skipped")
    print(f"{len(run.outcomes)} submissions ({run.graded} graded, {skipped} already graded, {run.retried} retried "
          f"after a worker died) in {run.seconds:.1f} s; {len(person)} wait for a person"
          + (f" ({', '.join(person[:10])}{', ...' if len(person) > 10 else ''})" if person else ""))
    print(f"wrote {out}/<student>/ (audit.html{'' if args.no_pdf else ', audit.pdf'}, results.json), "
          f"{out}/gradebook.csv, {out}/summary.html, {out}/summary.pdf")
    return EXIT_WRONG if person or run.problems else EXIT_OK


def _progress_line(outcome: Outcome, done: int, total: int, eta: float | None) -> None:
    """One plain line per submission (when stderr is not a terminal): how many are done, the ETA, the
    student, the score and the status."""
    score = outcome.graded.score
    left = "" if eta is None else f", ETA {int(eta) // 60}:{int(eta) % 60:02d}"
    person = ", needs a person" if score.needs_person and outcome.status != "needs a person" else ""
    print(f"[{done}/{total}{left}] {score.student}: {score_text(score.total)}/{score_text(score.max_total)} "
          f"({outcome.status}{person}, {outcome.seconds:.1f} s)", flush=True)
