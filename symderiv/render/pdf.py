"""pdflatex: compile a .tex file, with a time limit, clear errors and the log's lines."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import SymderivError

#: Seconds one pdflatex run may take.
TIMEOUT = 120


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


def compile_pdf(tex: str, out: str | Path, runs: int = 1) -> str:
    """Compile the LaTeX source `tex` to the PDF file `out`; returns the log.

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
                    [exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
                    cwd=tmp, capture_output=True, timeout=TIMEOUT, check=False)
            except subprocess.TimeoutExpired:
                raise LatexError(f"pdflatex did not finish within {TIMEOUT} s") from None
            logfile = Path(tmp) / "doc.log"
            log = logfile.read_text(encoding="latin-1") if logfile.exists() else proc.stdout.decode("latin-1")
            if proc.returncode != 0 or not (Path(tmp) / "doc.pdf").exists():
                raise LatexError(f"pdflatex failed (exit {proc.returncode}):\n{log_excerpt(log)}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "doc.pdf", out)
    return log
