"""The `symderiv` command: solve, check and list problem files."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from .errors import SymderivError
from .problem import Claim, Problem, load
from .verdict import Verdict

EXIT_OK, EXIT_WRONG, EXIT_BAD_INPUT = 0, 1, 2


def bundled_dir() -> Path:
    """The derivations/ folder: ./derivations, else the one beside the package source."""
    here = Path.cwd() / "derivations"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "derivations"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="symderiv", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="derive the loss and every gradient of a problem file")
    s.add_argument("file")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    _document_flags(s)
    c = sub.add_parser("check", help="judge every claim of a problem file")
    c.add_argument("file")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.add_argument("--claim", metavar="LATEX", help="judge this formula instead of the file's claims")
    c.add_argument("--target", metavar="TARGET", help="what --claim is about, e.g. dL/dW1")
    _document_flags(c)
    sub.add_parser("list", help="list the bundled problem files")
    return p


def _document_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--latex", metavar="OUT.tex", help="also write the document as LaTeX")
    p.add_argument("--pdf", metavar="OUT.pdf", help="also write the document as PDF (needs pdflatex)")
    p.add_argument("--markdown", metavar="OUT.md", help="also write the document as Markdown")


def _write_documents(args: argparse.Namespace, latex: Any, markdown: Any) -> None:
    """Write --latex/--pdf/--markdown outputs; `latex`/`markdown` build the text on demand."""
    from .render.pdf import compile_pdf

    if getattr(args, "latex", None):
        Path(args.latex).write_text(latex(), encoding="utf-8")
    if getattr(args, "pdf", None):
        compile_pdf(latex(), args.pdf)
    if getattr(args, "markdown", None):
        Path(args.markdown).write_text(markdown(), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 all correct, 1 a claim not correct, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            return _list()
        problem = _load(args.file)
        if args.command == "solve":
            return _solve(problem, args.json, args)
        return _check(problem, args)
    except SymderivError as exc:
        print(f"symderiv: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _load(path: str) -> Problem:
    """`load`, with a backstop: whatever reading an untrusted file raises (a RecursionError
    from a deeply nested TOML value, a ValueError or OverflowError from a number) is a
    one-line error naming the file. Only reading is covered; judging is not."""
    try:
        return load(path)
    except SymderivError:
        raise
    except (RecursionError, ValueError, OverflowError, TypeError, MemoryError) as exc:
        reason = " ".join(str(exc).split())[:200] or "no detail"
        raise SymderivError(f"{path}: cannot read the problem file ({type(exc).__name__}: {reason})") from None


def _list() -> int:
    folder = bundled_dir()
    for path in sorted(folder.glob("*.toml")):
        try:
            problem = _load(str(path))
            print(f"{path.name:45} {problem.kind:18} {len(problem.claims):3} claims  {problem.title}")
        except SymderivError as exc:
            print(f"{path.name:45} ERROR {exc}")
    return EXIT_OK


def _solve(problem: Problem, as_json: bool, args: argparse.Namespace | None = None) -> int:
    solution = problem.solve()
    if args is not None:
        from .render.document import solution_latex, solution_markdown

        _write_documents(args, lambda: solution_latex(problem, solution),
                         lambda: solution_markdown(problem, solution))
    if as_json:
        print(json.dumps(solution.data, indent=2, default=str))
    else:
        print(solution.text)
    return EXIT_OK


def _check(problem: Problem, args: argparse.Namespace) -> int:
    claims = None
    if args.claim is not None or args.target is not None:
        if args.claim is None or args.target is None:
            raise SymderivError("--claim and --target go together")
        claims = [Claim("command-line", args.target, args.claim)]
    verdicts = problem.check(claims)
    from .render.report import report_latex, report_markdown

    _write_documents(args, lambda: report_latex(problem.title, verdicts, problem.source),
                     lambda: report_markdown(problem.title, verdicts, problem.source))
    if args.json:
        print(json.dumps({"title": problem.title, "source": problem.source,
                          "claims": [v.to_json() for v in verdicts]}, indent=2, default=str))
    else:
        print(render_table(problem.title, verdicts))
    return exit_status(verdicts)


def exit_status(verdicts: list[Verdict]) -> int:
    """0 when every claim is correct; 2 when a claim cannot be read; otherwise 1."""
    if all(v.verdict == "correct" for v in verdicts):
        return EXIT_OK
    if any(v.verdict == "incorrect" for v in verdicts):
        return EXIT_WRONG
    if any(v.verdict == "error" for v in verdicts):
        return EXIT_BAD_INPUT
    return EXIT_WRONG


_MARK = {"correct": "ok", "incorrect": "WRONG", "undecided": "??", "error": "ERROR"}


def render_table(title: str, verdicts: list[Verdict]) -> str:
    """A plain-text table: one block per claim with verdict, reason and counterexample."""
    lines = [title, "=" * len(title)]
    width = max([len(v.id) for v in verdicts] + [2])
    for v in verdicts:
        lines.append(f"{_MARK[v.verdict]:6} {v.id:{width}}  {v.target}")
        lines.append(f"{'':6} {'':{width}}  claim:    {_one_line(v.latex)}")
        pad = " " * (width + 9)
        size = (v.details or {}).get("reduced", {}).get("note", "")
        why = v.message.removesuffix(f" [{size}]") if size else v.message
        for label, value in (("why", why), ("size", size), ("mistake", v.mistake), ("expected", v.expected),
                             ("claimed", v.claimed if v.verdict != "correct" else None)):
            if not value:
                continue
            text = str(value)
            if "\n" in text:  # a parse error with its caret line: keep the columns
                first, *rest = text.split("\n")
                lines.append(f"{pad}{label + ':':9} {first}")
                lines.extend(f"{pad}{'':9} {r}" for r in rest)
            elif label in ("why", "size", "mistake"):  # the reason in full, wrapped
                wrapped = textwrap.wrap(" ".join(text.split()), 110, break_long_words=False) or [""]
                if len(wrapped) > 6:
                    wrapped = [*wrapped[:5], "... (the whole reason is in --json)"]
                lines.append(f"{pad}{label + ':':9} {wrapped[0]}")
                lines.extend(f"{pad}{'':9} {r}" for r in wrapped[1:])
            else:
                lines.append(f"{pad}{label + ':':9} {_one_line(text)}")
        if v.counterexample:
            lines.append(f"{'':6} {'':{width}}  counterexample: {_counterexample(v.counterexample)}")
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    lines.append("")
    lines.append(", ".join(f"{n} {k}" for k, n in counts.items()) or "no claims")
    return "\n".join(lines)


def _one_line(text: str, limit: int = 160) -> str:
    s = " ".join(text.split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _counterexample(ce: dict[str, Any]) -> str:
    return _one_line(", ".join(f"{k} = {v}" for k, v in ce.items()), 400)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
