"""pdflatex: compile a .tex file in a fresh temporary directory, with shell escape off, file
access restricted to that directory, time and memory limits, clear errors and the log's lines."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import SymderivError

try:  # POSIX only; elsewhere pdflatex runs with the time limit alone
    import resource
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]

#: Seconds one pdflatex run may take (wall clock; the same in CPU seconds).
TIMEOUT = 120
#: Bytes of address space pdflatex may use.
MEMORY_LIMIT = 2 * 1024**3
#: Bytes pdflatex may write to one file (the PDF, the log).
FILE_LIMIT = 256 * 1024**2
#: pdflatex's command line: no \write18, stop at the first error, never wait for input.
FLAGS = ("-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode")
#: kpathsea's settings for the run: read and write only files in the working directory (or
#: TeX's own trees, by name): no absolute path elsewhere, no '..', no dot files; no shell.
KPATHSEA = {"openin_any": "p", "openout_any": "p", "shell_escape": "f"}


class LatexError(SymderivError):
    """pdflatex is missing, timed out, or reported an error (with the log's lines)."""


def engine() -> str | None:
    """The path of pdflatex, or None."""
    return shutil.which("pdflatex")


def log_excerpt(log: str, context: int = 3) -> str:
    """The error lines of a LaTeX log ('! ...') with the lines that follow them."""
    lines = log.splitlines()
    out: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("!"):
            out.extend(lines[i:i + context + 1])
    return "\n".join(out) if out else "\n".join(lines[-15:])


def overfull_boxes(log: str) -> int:
    """How many overfull boxes a LaTeX log reports."""
    return len(re.findall(r"^Overfull \\[hv]box", log, flags=re.M))


def compile_pdf(tex: str, out: str | Path, runs: int = 1, reproducible: bool = False) -> str:
    """Compile the LaTeX source `tex` to the PDF file `out`; returns the log. When `reproducible`,
    the PDF's dates (and the trailer /ID made from them) are SOURCE_DATE_EPOCH's (0 unless set), so
    the same source gives the same bytes.

    Raises LatexError when pdflatex is not installed, runs longer than TIMEOUT seconds,
    or fails (the message holds the log's error lines).
    """
    exe = engine()
    if exe is None:
        raise LatexError("pdflatex was not found: install TeX (on Debian/Ubuntu: "
                         "`bash scripts/install-tex.sh`, or apt-get install texlive-latex-base "
                         "texlive-latex-recommended texlive-pictures), or use --latex to write the .tex")
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="symderiv-tex-") as tmp:
        src = Path(tmp) / "doc.tex"
        src.write_text(tex, encoding="utf-8")
        log = ""
        for _ in range(runs):
            try:
                proc = subprocess.run(
                    [exe, *FLAGS, "doc.tex"], cwd=tmp, env=sandbox_environment(tmp, reproducible),
                    stdin=subprocess.DEVNULL,
                    capture_output=True, timeout=TIMEOUT, check=False, preexec_fn=_limit_resources)
            except subprocess.TimeoutExpired:
                raise LatexError(f"pdflatex did not finish within {TIMEOUT} s") from None
            logfile = Path(tmp) / "doc.log"
            log = logfile.read_text(encoding="latin-1") if logfile.exists() else proc.stdout.decode("latin-1")
            if proc.returncode != 0 or not (Path(tmp) / "doc.pdf").exists():
                raise LatexError(f"pdflatex failed (exit {proc.returncode}):\n{log_excerpt(log)}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "doc.pdf", out)
    return log


def sandbox_environment(workdir: str, reproducible: bool = False) -> dict[str, str]:
    """The environment pdflatex runs in: this process's, with KPATHSEA's restrictions, and
    TEXMFOUTPUT (the one directory absolute paths may name) set to `workdir`; when `reproducible`,
    SOURCE_DATE_EPOCH (this process's when it is a number, else 0) and FORCE_SOURCE_DATE=1."""
    env = {k: v for k, v in os.environ.items() if k not in ("TEXMFOUTPUT", "TEXINPUTS", "shell_escape_commands")}
    env.update(KPATHSEA)
    env["TEXMFOUTPUT"] = workdir
    if reproducible:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
        env["SOURCE_DATE_EPOCH"] = epoch if epoch.isdigit() and len(epoch) <= 12 else "0"
        env["FORCE_SOURCE_DATE"] = "1"
    return env


def _limit_resources() -> None:  # pragma: no cover - runs in the child before exec
    """CPU seconds, address space and file size limits for pdflatex (POSIX)."""
    if resource is None:
        return
    resource.setrlimit(resource.RLIMIT_CPU, (TIMEOUT, TIMEOUT))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))
