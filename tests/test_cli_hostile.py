"""Hostile problem files, claims, output paths and environments, through the command line.

Each case runs `symderiv` as a subprocess with a private TMPDIR and cache directory (issue 10's
findings and acceptance): exit 2 with one line on stderr, within 10 s, no traceback, nothing left
in the temporary directory. A crash is exit 3, never 1 (the status of an incorrect claim); Ctrl-C
ends the run and its worker within a second (exit 130, one line); a closed pipe ends quietly; a
claim whose worker the kernel stops for CPU is `undecided: time bound` while the others are
judged; eight concurrent writers of one `--pdf` leave one valid PDF. Deliberately slow, stuck,
greedy and crashing judgements come from the test kind in tests/bounds_kind.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
D = ROOT / "derivations"
NETWORK = D / "seed002-p1-network.toml"
LINEAR = D / "seed003-s1-linear.toml"  # a calculus file whose two claims are judged in milliseconds
BUDGET = 10.0  # seconds of wall clock for one hostile case (issue 10's acceptance)
RUN = "import sys, bounds_kind\nfrom symderiv.cli import run\nrun()"  # the CLI, with the test kind


def _interruptible() -> None:
    """In the child before exec: Ctrl-C at its default. A shell without job control starts background
    commands (`make test &`) with SIGINT ignored, and Python then keeps it ignored: the run under test
    would never see the Ctrl-C the test sends (it hung so in CI runs started in the background)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _environment(tmp_path: Path, env: dict[str, str] | None) -> tuple[dict[str, str], Path]:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith("SYMDERIV_") and k != "PYTHONIOENCODING"}
    base.update(TMPDIR=str(tmpdir), XDG_CACHE_HOME=str(tmp_path / "cache"),
                PYTHONPATH=os.pathsep.join([str(ROOT), str(TESTS)]))
    base.update(env or {})
    return base, tmpdir


def symderiv(tmp_path: Path, args: list[str], env: dict[str, str] | None = None,
             timeout: float = 120) -> tuple[int, str, str, float]:
    """Run the command line; (exit status, stdout, stderr, seconds). Asserts the temporary
    directory is left empty."""
    environ, tmpdir = _environment(tmp_path, env)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", RUN, *args], cwd=tmp_path, env=environ,
                          capture_output=True, timeout=timeout)
    elapsed = time.monotonic() - start
    assert sorted(p.name for p in tmpdir.iterdir()) == [], "left behind in TMPDIR"
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    return proc.returncode, out, err, elapsed


def seed002(old: str, new: str) -> str:
    text = NETWORK.read_text()
    assert old in text, old
    return text.replace(old, new, 1)


FIRST_CLAIM = "id = \"P1.loss\"\n"
CALCULUS_CLAIM = "id = \"2a-gradient\"\n"
DEEP_ARRAY = "title = 'x'\nkind = 'network'\nx = " + "[" * 5000 + "]" * 5000 + "\n"

# (label: the finding and its source, problem file text or None (then the seed 002 file), the
#  arguments after the command, environment, a fragment of the one line on stderr)
CASES = [
    ("file: unknown claim option `bogus = [1]` (issue 10)", seed002(FIRST_CLAIM, FIRST_CLAIM + "bogus = [1]\n"),
     ["check"], {}, "claims[0].bogus: unknown claim option; the options of a network claim: at, free, of, where"),
    ("file: `at = 5` on a network claim (issue 10)", seed002(FIRST_CLAIM, FIRST_CLAIM + "at = 5\n"),
     ["check"], {}, "claims[0].at: expected one of 'data', got int 5"),
    ("file: `at = 5` on a calculus claim (issue 10)",
     LINEAR.read_text().replace(CALCULUS_CLAIM, CALCULUS_CLAIM + "at = 5\n"), ["check"], {},
     "claims[0].at: expected text, got int 5"),
    ("file: an option of another kind (one_hot_index on a network claim)",
     seed002(FIRST_CLAIM, FIRST_CLAIM + "one_hot_index = 'k'\n"), ["solve"], {},
     "claims[0].one_hot_index: unknown claim option"),
    ("file: an option on a kind without options (cnn)",
     (D / "seed002-p3-cnn.toml").read_text().replace('id = "conv1-output"\n', 'id = "conv1-output"\nwhere = {}\n'),
     ["check"], {}, "where: unknown claim option; the options of a cnn claim: none"),
    ("file: TOML that does not parse", "title = 'x\nkind = 'network'\n", ["check"], {}, "(toml)"),
    ("file: arrays nested 5000 deep", DEEP_ARRAY, ["check"], {}, "nested too deeply"),
    ("file: not UTF-8", b"title = '\xff\xfe'\nkind = 'network'\n", ["check"], {}, "(file): not UTF-8 text"),
    ("file: an unknown kind", "title = 'x'\nkind = 'networks'\n", ["solve"], {}, "kind: unknown value 'networks'"),
    ("file: missing", "MISSING", ["check"], {}, "(file): No such file or directory"),
    ("file: a directory", "DIRECTORY", ["check"], {}, "(file): Is a directory"),
    ("claim: --claim without --target", None, ["check", "--claim", "1"], {}, "--claim and --target go together"),
    ("path: --pdf to a directory (issue 10)", None, ["check", "--pdf", "DIR"], {}, "it is a directory"),
    ("path: --latex into a missing directory (issue 10)", None, ["solve", "--latex", "DIR/missing/out.tex"], {},
     "/missing does not exist"),
    ("path: --markdown /dev/full (issue 10)", LINEAR.read_text(), ["check", "--markdown", "/dev/full"], {},
     "cannot write /dev/full: No space left on device"),
    ("path: a file as the parent directory (issue 10)", None, ["check", "--latex", "FILE/out.tex"], {},
     "is not a directory"),
    ("path: an empty --markdown path", None, ["solve", "--markdown", ""], {}, "cannot write '': the path is empty"),
    ("env: SYMDERIV_TIME_LIMIT=abc (issue 10)", None, ["check"], {"SYMDERIV_TIME_LIMIT": "abc"},
     "SYMDERIV_TIME_LIMIT='abc': expected a number of CPU seconds"),
    ("env: SYMDERIV_TIME_LIMIT=0", None, ["solve"], {"SYMDERIV_TIME_LIMIT": "0"}, "SYMDERIV_TIME_LIMIT='0'"),
    ("env: SYMDERIV_TIME_LIMIT=-3", None, ["check"], {"SYMDERIV_TIME_LIMIT": "-3"}, "SYMDERIV_TIME_LIMIT='-3'"),
    ("env: SYMDERIV_TIME_LIMIT=nan", None, ["check"], {"SYMDERIV_TIME_LIMIT": "nan"}, "SYMDERIV_TIME_LIMIT='nan'"),
    ("env: SYMDERIV_TIME_LIMIT=inf", None, ["check"], {"SYMDERIV_TIME_LIMIT": "inf"}, "SYMDERIV_TIME_LIMIT='inf'"),
    ("env: SYMDERIV_MEMORY_LIMIT=lots", None, ["check"], {"SYMDERIV_MEMORY_LIMIT": "lots"},
     "SYMDERIV_MEMORY_LIMIT='lots': expected a number of MiB"),
    ("env: PYTHONIOENCODING=ascii and a file name that is not ASCII", "MISSING-η", ["check"],
     {"PYTHONIOENCODING": "ascii"}, "\\u03b7.toml: (file): No such file or directory"),
]


@pytest.mark.parametrize("label,text,args,env,fragment", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_is_one_line_exit_2(label: str, text: str | bytes | None, args: list[str],
                                          env: dict[str, str], fragment: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "plain-file").write_text("x")
    if text == "MISSING":
        path = work / "missing.toml"
    elif text == "MISSING-η":
        path = work / "missing-η.toml"
    elif text == "DIRECTORY":
        path = work
    elif text is None:
        path = NETWORK
    else:
        path = work / "hostile.toml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    command, *rest = args
    rest = [a.replace("DIR", str(work)).replace("FILE", str(work / "plain-file")) for a in rest]
    status, out, err, elapsed = symderiv(tmp_path, [command, str(path), *rest], env)
    assert status == 2, (status, out, err)
    assert len(err.splitlines()) == 1 and err.startswith("symderiv: error: "), err
    assert fragment in err, err
    assert "Traceback" not in out + err
    assert elapsed < BUDGET
    left = {p.name for p in work.iterdir()} - {"plain-file", "hostile.toml"}
    assert not left, f"left in the output directory: {left}"


# (label, claim, exit status, verdict): claims that start with '-' are claims, not options
LEADING_DASH = [
    ("README: seed 002 dL/db2 is -2.04, so -2.05 is incorrect", "-2.05", 1, "incorrect"),
    ("seed 002: dL/db2 = -204/100 exactly", r"-\frac{204}{100}", 0, "correct"),
    ("a claim that reads as an option name", "--json", 1, "undecided"),
]


@pytest.mark.parametrize("label,claim,status,verdict", LEADING_DASH, ids=[c[0] for c in LEADING_DASH])
def test_a_claim_may_start_with_a_dash(label: str, claim: str, status: int, verdict: str, tmp_path: Path) -> None:
    got, out, err, _ = symderiv(tmp_path, ["check", str(NETWORK), "--json", "--claim", claim, "--target", "dL/db2"])
    assert got == status, err
    (v,) = json.loads(out)["claims"]
    assert v["latex"] == claim and v["verdict"] == verdict


def test_ascii_output_degrades_and_never_crashes(tmp_path: Path) -> None:
    """PYTHONIOENCODING=ascii (issue 10: a UnicodeEncodeError): η is written as eta."""
    status, out, err, _ = symderiv(tmp_path, ["solve", str(D / "seed002-p2-step-size.toml")],
                                   {"PYTHONIOENCODING": "ascii"})
    assert status == 0 and err == "" and "eta" in out and out.isascii()


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`symderiv solve ... | head -1` (issue 10: BrokenPipeError): the reader is gone before any output."""
    environ, tmpdir = _environment(tmp_path, None)
    for command in (["solve", str(NETWORK)], ["list"]):
        proc = subprocess.Popen([sys.executable, "-c", RUN, *command], cwd=ROOT, env=environ,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 141 and err == "", err
    assert list(tmpdir.iterdir()) == []


BOUNDS_HEADER = "title = 'bounds'\nkind = 'test_bounds'\n"


def bounds_file(tmp_path: Path, targets: list[str], marker: Path | None = None, solve: str = "instant") -> Path:
    claims = "".join(f"[[claims]]\nid = '{i}-{t}'\ntarget = '{t}'\nlatex = '1'\n"
                     + (f"note = '{marker}'\n" if marker is not None and t in ("spin", "stuck") else "")
                     for i, t in enumerate(targets))
    path = tmp_path / "bounds.toml"
    path.write_text(BOUNDS_HEADER + f"solve = '{solve}'\n" + claims)
    return path


def test_a_worker_stopped_for_cpu_is_time_bound_and_the_others_are_judged(tmp_path: Path) -> None:
    """`stuck` blocks the timer (a long C call): the kernel's RLIMIT_CPU stops its worker, a fresh
    one judges the rest; `spin` is stopped by the timer. Both are `undecided: time bound`."""
    path = bounds_file(tmp_path, ["instant", "stuck", "instant", "spin", "instant"])
    status, out, err, _ = symderiv(tmp_path, ["check", str(path), "--json"], {"SYMDERIV_TIME_LIMIT": "0.5"})
    assert status == 1 and err == "", (status, err, out[-2000:])
    verdicts = {v["id"]: v for v in json.loads(out)["claims"]}
    assert [v["verdict"] for v in verdicts.values()] == ["correct", "undecided", "correct", "undecided", "correct"]
    assert verdicts["1-stuck"]["message"].startswith("time bound: the worker was stopped after")
    assert verdicts["3-spin"]["message"] == "time bound: gave up after 0.5 s of CPU time"


def test_memory_past_the_bound_is_a_clear_error(tmp_path: Path) -> None:
    path = bounds_file(tmp_path, ["allocate", "instant"])
    status, out, err, _ = symderiv(tmp_path, ["check", str(path), "--json"], {"SYMDERIV_MEMORY_LIMIT": "256"})
    first, second = json.loads(out)["claims"]
    assert status == 2 and err == ""
    assert first["verdict"] == "error" and first["message"].startswith("memory bound:")
    assert "256 MiB" in first["message"]
    assert second["verdict"] == "correct"


@pytest.mark.parametrize("targets,command", [(["instant", "crash", "instant"], "check"),
                                             (["instant", "segfault"], "check"),
                                             (["instant"], "solve")])
def test_a_crash_is_exit_3_never_1(targets: list[str], command: str, tmp_path: Path) -> None:
    """An unexpected exception (or a worker dying by a signal) is an internal error: one line naming
    it and the file that holds its traceback; the other claims are judged and printed."""
    path = bounds_file(tmp_path, targets, solve="crash" if command == "solve" else "instant")
    status, out, err, _ = symderiv(tmp_path, [command, str(path)])
    assert status == 3, (status, out, err)
    (line,) = err.splitlines()
    assert line.startswith("symderiv: internal error (a bug in symderiv)") and "traceback in " in line
    assert "Traceback" not in out + err
    saved = Path(line.split("traceback in ")[1])
    assert saved.is_file() and saved.is_relative_to(tmp_path / "cache")
    if "crash" in targets or command == "solve":
        assert "KeyError: 'a bug planted by the test kind'" in saved.read_text()
    if command == "check":
        assert out.count("ok     ") == targets.count("instant")
    status, _, err, _ = symderiv(tmp_path, [command, str(path)], {"SYMDERIV_DEBUG": "1"})
    assert status == 3 and ("Traceback (most recent call last)" in err or "segfault" in targets)


def test_ctrl_c_ends_the_run_and_its_worker_within_a_second(tmp_path: Path) -> None:
    """SIGINT to the process group while a proof runs (issue 10: a traceback, once no stop in 120 s)."""
    marker = tmp_path / "busy"
    path = bounds_file(tmp_path, ["instant", "spin"], marker)
    environ, tmpdir = _environment(tmp_path, {"SYMDERIV_TIME_LIMIT": "600"})
    proc = subprocess.Popen([sys.executable, "-c", RUN, "check", str(path)], cwd=tmp_path, env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=_interruptible)
    deadline = time.monotonic() + 120
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    worker = int(marker.read_text())
    time.sleep(0.2)
    start = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # say which process of the session is still there, and doing what
        session = subprocess.run(["ps", "-s", str(proc.pid), "-o", "pid,ppid,stat,wchan:20,time,args"],
                                 capture_output=True, text=True, check=False).stdout
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"still running 30 s after SIGINT:\n{session}") from None
    elapsed = time.monotonic() - start
    assert proc.returncode == 130 and err.decode() == "symderiv: interrupted\n" and out == b""
    assert elapsed < 1.0
    gone = time.monotonic() + 1.0
    while Path(f"/proc/{worker}").exists() and time.monotonic() < gone:
        time.sleep(0.02)
    assert not Path(f"/proc/{worker}").exists()
    assert list(tmpdir.iterdir()) == []


def _pdflatex() -> bool:
    if shutil.which("pdflatex") is None:
        subprocess.run(["bash", str(ROOT / "scripts" / "install-tex.sh")], capture_output=True, timeout=1800)
    return shutil.which("pdflatex") is not None


def test_eight_concurrent_writers_leave_one_valid_pdf(tmp_path: Path) -> None:
    if not _pdflatex():
        pytest.skip("pdflatex cannot be installed here")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "report.pdf"
    runs = []
    for i in range(8):
        (tmp_path / f"run{i}").mkdir()
        environ, _ = _environment(tmp_path / f"run{i}", None)
        runs.append(subprocess.Popen([sys.executable, "-c", RUN, "check", str(LINEAR), "--pdf", str(target)],
                                     cwd=tmp_path, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    for proc in runs:
        assert proc.wait(timeout=600) == 0, proc.stderr.read()
    assert [p.name for p in out_dir.iterdir()] == ["report.pdf"]
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
        assert "Gradient and critical points" in text
    for i in range(8):
        assert list((tmp_path / f"run{i}" / "tmp").iterdir()) == []
