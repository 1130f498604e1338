"""`symderiv solve`, `check` and `audit`: the problem is loaded here, its work runs bounded in its worker."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from .audit import FORMATS, guess_format
from .audit import audit as audit_document
from .core.errors import SymderivError, Timeout
from .core.timebound import TIME_VARIABLE, bounded, run_bounded, solve_limit, time_limit
from .core.verdict import Verdict
from .kinds import load
from .kinds.base import Claim, Problem, Solution
from .render.audit_report import audit_html, audit_json, audit_latex, audit_markdown, audit_terminal
from .render.document import solution_latex, solution_markdown
from .render.pdf import compile_pdf
from .render.report import report_latex, report_markdown
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
