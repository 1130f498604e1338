"""Pathological documents through `symderiv audit` (issue 13, point 4): megabytes, 10,000 equations and
deep nesting are refused or listed as not read with a clear one-line message, the rest of the document
still judged, within a bounded peak memory (the child's maximum resident set, from wait4)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from symderiv.audit.limits import MAX_DOCUMENT_CHARS, MAX_EQUATIONS, MAX_MATH_CHARS, MAX_MATH_NESTING

ROOT = Path(__file__).resolve().parents[1]
NETWORK = ROOT / "derivations" / "seed002-p1-network.toml"  # L = 1.0185 at its data (seed 002)
#: Peak resident memory of the command on any of these documents (a SymPy process with the problem loaded
#: takes about 250 MB; a document read whole into nested structures would take gigabytes).
MEMORY_BOUND_MB = 1024
GOOD = "$$L = 1.0185$$\n\n"

# (label, document, exit status, text the one-line message or the listing must contain, a line judged correct)
CASES = [
    ("megabytes", "Prose. " * 500_000, 2,
     f"document not read: characters 3,500,000 past the limit of {MAX_DOCUMENT_CHARS:,}", None),
    ("10,000 equations", "$a = b$\n\n" * 10_000, 2,
     f"document not read: equations {MAX_EQUATIONS + 1:,} past the limit of {MAX_EQUATIONS:,} "
     f"(at line {2 * MAX_EQUATIONS + 1})", None),
    ("braces nested 3,000 deep", GOOD + "$$" + "{" * 3_000 + "x" + "}" * 3_000 + " = 1$$\n", 1,
     f"nested more than {MAX_MATH_NESTING}", 1),
    ("a block of 100,000 open braces", GOOD + "$$" + "{" * 100_000 + "$$\n", 1,
     f"more than {MAX_MATH_CHARS:,}", 1),
    ("\\left( nested 500 deep", GOOD + "$$" + "\\left(" * 500 + "x" + "\\right)" * 500 + " = 1$$\n", 1,
     f"nested more than {MAX_MATH_NESTING}", 1),
]


def _audit(document: str, tmp_path: Path) -> tuple[int, str, str, float]:
    """Exit status, stdout, stderr and peak resident memory (MB) of `symderiv audit -` on `document`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMDERIV_")}
    env.update(PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    out, err = tmp_path / "out", tmp_path / "err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        child = subprocess.Popen([sys.executable, "-m", "symderiv", "audit", "-", "--problem", str(NETWORK)],
                                 cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=stdout, stderr=stderr)
        assert child.stdin is not None
        child.stdin.write(document.encode("utf-8"))
        child.stdin.close()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8"), usage.ru_maxrss / 1024


@pytest.mark.slow
@pytest.mark.parametrize("label, document, status, message, good_line", CASES, ids=[case[0] for case in CASES])
def test_pathological_document_is_bounded_with_a_clear_message(label: str, document: str, status: int, message: str,
                                                                good_line: int | None, tmp_path: Path) -> None:
    code, stdout, stderr, peak_mb = _audit(document, tmp_path)
    assert code == status, (label, stdout[-2000:], stderr[-2000:])
    if status == 2:  # refused whole: one line on stderr naming the bound, nothing judged
        assert stderr.count("\n") == 1 and message in stderr and stdout == ""
    else:  # the bad block listed as not read, with why; the good equation still judged
        assert message in stdout and stderr == ""
        assert re.search(rf"^\s+{good_line}:\d+\s+correct\s+L = 1\.0185", stdout, flags=re.M)
        assert re.search(r"^\s+\d+:\d+\s+not read", stdout, flags=re.M)
    assert peak_mb < MEMORY_BOUND_MB, f"{label}: peak memory {peak_mb:.0f} MB"
