"""`symderiv solve`, `check` and `variants`: the problem is loaded here, its work runs bounded in its worker."""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import signal
import traceback
from pathlib import Path
from typing import Any

from .errors import InternalError, OutputError, SymderivError, Timeout
from .limits import VARIANTS_MAX_COUNT
from .problem import Claim, Problem, Solution, load
from .render.document import solution_latex, solution_markdown
from .render.pdf import LatexError, compile_pdf, engine
from .render.report import report_latex, report_markdown
from .render.sheet import sheet_latex
from .terminal import (
    EXIT_OK,
    check_output,
    debugging,
    exit_status,
    is_internal,
    render_table,
    save_crash_report,
    say,
    write_output,
    write_text_output,
)
from .timebound import TIME_VARIABLE, bounded, close_workers, run_bounded, solve_limit, time_limit
from .variants import Source, Variant, check_loaded, make_variant, prepare
from .verdict import Verdict

OUTPUTS = ("latex", "pdf", "markdown")


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
        solution, texts = run_bounded(problem, _solve_task, _formats(outputs), seconds=solve_limit())
    except Timeout as exc:
        raise SymderivError(f"{args.file}: solve: {exc} ({TIME_VARIABLE} = {time_limit():g} s per proof, "
                            f"{solve_limit():g} s per solve)") from None
    if args.json:
        print(json.dumps(solution.data, indent=2, default=str))
    else:
        print(solution.text)
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
    verdicts = problem.check(claims)
    _report_crashes(verdicts)
    if args.json:
        print(json.dumps({"title": problem.title, "source": problem.source,
                          "claims": [v.to_json() for v in verdicts]}, indent=2, default=str))
    else:
        print(render_table(problem.title, verdicts))
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


def _solve_task(problem: Problem, formats: tuple[str, ...]) -> tuple[Solution, dict[str, str]]:
    """The solution and its documents (a task run in the problem's worker)."""
    solution = problem.solve()
    texts = {}
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


def _report_crashes(verdicts: list[Verdict]) -> None:
    """A claim whose judgement hit a bug: one line on stderr naming where its traceback was saved
    (the traceback leaves the verdict's details; the message keeps its summary)."""
    for v in verdicts:
        if not is_internal(v):
            continue
        info: dict[str, Any] = v.details["internal_error"]
        report = info.pop("traceback", "")
        where = save_crash_report(info.get("error", ""), report)
        if debugging():
            say(report.rstrip())
        if where:
            info["traceback_file"] = where
        say(f"symderiv: internal error (a bug in symderiv) judging claim {v.id!r}: {info.get('error', '')}; "
            + (f"traceback in {where}" if where else "run with SYMDERIV_DEBUG=1 for the traceback"))



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
