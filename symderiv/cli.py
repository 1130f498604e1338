"""The `symderiv` command: solve, check and list problem files, audit a solution document, make
variants of a problem file, and grade a class's submissions."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tomllib
import traceback
from pathlib import Path

from .core.errors import InternalError, SymderivError
from .core.timebound import check_environment, close_workers
from .render.terminal import (
    EXIT_BAD_INPUT,
    EXIT_CLOSED_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_WRONG,
    debugging,
    exit_status,
    one_line,
    save_crash_report,
    say,
    tolerant_streams,
)

__all__ = ["EXIT_BAD_INPUT", "EXIT_CLOSED_PIPE", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_WRONG",
           "bundled_dir", "exit_status", "main", "run"]

VALUE_OPTIONS = ("--claim", "--target")  # their next word is their value, even one that starts with '-'


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
    s.add_argument("file", help="a problem file (TOML), e.g. derivations/seed002-p1-network.toml")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    _document_flags(s)
    c = sub.add_parser("check", help="judge every claim of a problem file")
    c.add_argument("file", help="a problem file (TOML)")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.add_argument("--claim", metavar="LATEX", help="judge this formula instead of the file's claims "
                                                     "(the next word, even one starting with '-')")
    c.add_argument("--target", metavar="TARGET", help="what --claim is about, e.g. dL/dW1")
    _document_flags(c)
    sub.add_parser("list", help="list the bundled problem files")
    a = sub.add_parser("audit", help="judge every equation of a solution document in place")
    a.add_argument("solution", help="the solution: a .md, .tex or .txt file, or - for standard input")
    a.add_argument("--problem", action="append", required=True, metavar="PROBLEM.toml",
                   help="a problem file the solution answers (repeat for several; each judges the part "
                        "its `section` names)")
    a.add_argument("--format", choices=("md", "tex", "txt"), help="the solution's format (default: by its "
                                                                   "extension; for - guessed from the text)")
    a.add_argument("--json", action="store_true", help="machine-readable output")
    a.add_argument("--markdown", metavar="OUT.md", help="also write the document with a mark after every equation")
    a.add_argument("--html", metavar="OUT.html", help="also write it as one HTML page (KaTeX inside, nothing fetched)")
    a.add_argument("--pdf", metavar="OUT.pdf", help="also write the audit as PDF (needs pdflatex)")
    v = sub.add_parser("variants", help="make exercise variants of a problem file by the rules of its [variants] "
                                        "table: new data, a problem sheet and a solution key for each")
    v.add_argument("file", help="a problem file (TOML) with a [variants] table")
    v.add_argument("--count", type=int, required=True, help="how many variants")
    v.add_argument("--seed", type=int, default=0, help="the run's seed (default 0): the same seed, the same files")
    v.add_argument("--out", required=True, metavar="DIR", help="the directory to write the variants to")
    v.add_argument("--jobs", type=int, default=1, help="variants made at once (processes; default 1)")
    v.add_argument("--no-pdf", action="store_true", help="write the sheets and keys as LaTeX only")
    g = sub.add_parser("grade", help="grade a class's submissions by the problem file's [rubric]: an audit, "
                                     "results.json and a gradebook row each, and a class summary")
    g.add_argument("file", help="a problem file (TOML) with a [rubric] table")
    g.add_argument("submissions", help="a folder of submissions: STUDENT.md/.tex/.txt (STUDENT.v17.md for "
                                       "variant 17), or a folder per student holding one document")
    g.add_argument("--out", required=True, metavar="DIR", help="where to write OUT/<student>/, gradebook.csv, "
                                                               "summary.html and summary.pdf")
    g.add_argument("--jobs", type=int, default=None, help="grading workers (default: one per core)")
    g.add_argument("--force", action="store_true", help="grade again submissions already graded")
    g.add_argument("--variants", metavar="DIR", help="the folder `symderiv variants --out` wrote: each "
                                                     "submission is graded against the variant it names")
    g.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="wall-clock (and CPU) seconds one submission may take (default 300)")
    g.add_argument("--memory", type=float, default=None, metavar="MiB",
                   help="memory one grading worker may add (default $SYMDERIV_MEMORY_LIMIT, 4096)")
    g.add_argument("--no-pdf", action="store_true", help="write each audit as HTML only (no audit.pdf)")
    return p


def _document_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--latex", metavar="OUT.tex", help="also write the document as LaTeX")
    p.add_argument("--pdf", metavar="OUT.pdf", help="also write the document as PDF (needs pdflatex)")
    p.add_argument("--markdown", metavar="OUT.md", help="also write the document as Markdown")


def _join_values(argv: list[str]) -> list[str]:
    """`--claim -2x` as `--claim=-2x`: argparse would read a value that starts with '-' as an option."""
    out: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            out.append(word)
            out.extend(words)
            break
        if word in VALUE_OPTIONS:
            value = next(words, None)
            out.append(word if value is None else f"{word}={value}")
        else:
            out.append(word)
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status: 0 all correct, 1 a claim incorrect or undecided, 2 bad
    input (a problem file, a claim, an output path, an environment variable) or a bound reached,
    3 an internal error (a bug), 130 interrupted (Ctrl-C), 141 the output pipe was closed."""
    tolerant_streams()
    try:
        status = _run(sys.argv[1:] if argv is None else list(argv))
        if sys.stdout is not None:  # None when started with stdout closed
            sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_CLOSED_PIPE
    except SymderivError as exc:
        say(f"symderiv: error: {exc}")
        return EXIT_BAD_INPUT
    except MemoryError:
        say("symderiv: error: out of memory")
        return EXIT_BAD_INPUT
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    except InternalError as exc:
        return _crashed(exc.summary, exc.report)
    except Exception as exc:
        summary = f"{type(exc).__name__}: {one_line(str(exc), 300)}".rstrip(": ")
        return _crashed(summary, traceback.format_exc())


def run() -> None:
    """The console script (and `python -m symderiv`): main(), then exit at once, without tearing
    down the interpreter (finalizing SymPy's modules takes ~0.5 s; workers are ended here)."""
    status = main()
    close_workers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(status)


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(_join_values(argv))
    check_environment()
    if args.command == "list":
        return _list()
    from . import commands  # SymPy and the kinds: imported only by the commands that need them

    if args.command == "audit":
        return commands.audit(args)
    if args.command == "variants":
        return commands.variants(args)
    if args.command == "grade":
        return commands.grade(args)
    return commands.solve(args) if args.command == "solve" else commands.check(args)


def _list() -> int:
    """Each bundled file's name, kind, number of claims and title, read from its TOML alone."""
    for path in sorted(bundled_dir().glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            kind, title, claims = data.get("kind"), data.get("title"), data.get("claims", [])
            if not isinstance(kind, str) or not isinstance(title, str) or not isinstance(claims, list):
                raise ValueError("kind and title must be text, claims a list of tables")
            print(f"{path.name:45} {kind:18} {len(claims):3} claims  {one_line(title)}")
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            print(f"{path.name:45} ERROR {one_line(str(exc))}")
    return EXIT_OK


def _interrupted() -> int:
    """Ctrl-C: end the workers, say so on one line, exit 130 (a second Ctrl-C meanwhile is ignored)."""
    previous = signal.getsignal(signal.SIGINT)
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        previous = None
    try:
        close_workers()
        say("symderiv: interrupted")
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return EXIT_INTERRUPTED


def _silence_stdout() -> None:
    """The reader of stdout went away (`| head`): end quietly, and keep the interpreter's last flush
    from reporting the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _crashed(summary: str, report: str) -> int:
    """A bug: one line naming it and where its traceback is (SYMDERIV_DEBUG=1 prints it), exit 3."""
    where = save_crash_report(summary, report)
    if debugging():
        say(report.rstrip())
    say(f"symderiv: internal error (a bug in symderiv): {summary}; "
        + (f"traceback in {where}" if where else "run with SYMDERIV_DEBUG=1 for the traceback"))
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    run()
