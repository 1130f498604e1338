"""Grading a class: 200 synthetic submissions with planted mistakes, graded by `symderiv grade --jobs 2`.

The reference is the typed solution of seed 002 Problem 1 (derivations/solutions/seed002-p1-network.md)
with its three planted mistakes put right. Each submission is the reference with 0-3 planted changes in
distinct targets, each recorded with its part and line (MUTATIONS: sign flips, a dropped or extra 1/2,
a removed ReLU mask, a dropped transpose - the kinds of tests/test_notation_mutants_fuzz.py's SEMANTIC
mutants - and a wrong final number, which the rubric gives chain points for), some made unreadable (a
brace removed from a target's line; bytes that are not UTF-8), some empty, some pathological (fuzz
inputs of scripts/fuzz_inputs.py: nesting past the limits, huge numbers; a 200 kB document). One grading
worker is killed (SIGKILL) during the run: its submission is retried and the batch finishes.

Prints the throughput (submissions per minute of wall clock), the median seconds of each stage per
submission, and the accuracy against the planted truth: every planted mistake found at its part (the
part's outcome and the line of its first wrong step), no part without a planted mistake marked other
than correct, no submission lost (a results.json, a done marker and a gradebook row for each).
`--count N` (default 200), `--jobs N` (2), `--no-pdf`, `--out DIR`, `--docs` (copy the summary plots
to docs/). Threads and BLAS are reported via threadpoolctl, as the project's benchmarks do.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from fuzz_inputs import huge_input, nesting_input  # noqa: E402

PROBLEM = ROOT / "derivations" / "course" / "seed002-p1-network.toml"
SOLUTION = ROOT / "derivations" / "solutions" / "seed002-p1-network.md"
PART = {"L": "loss", "dL/dw2": "output-layer", "dL/db2": "output-layer", "dL/dW1": "hidden-layer",
        "dL/db1": "hidden-layer"}
ORDER = ("unreadable", "undecided", "incorrect", "missing", "chain", "correct")
# The reference's own planted mistakes (see the solution's header), put right.
FIXES = [
    (r"&= \frac{1}{2} \cdot 2.073 \\", r"&= \frac{1}{2} \cdot 2.037 \\"),
    ("&= (-0.2) + (-0.53) + 1.31 \\\\", "&= (-0.2) + (-0.53) + (-1.31) \\\\"),
    ("&= \\frac{1}{2} \\sum_{k=1}^{3} (y_k - t_k) \\, f(W^{(1)} \\mathbf{x}_k + \\mathbf{b}^{(1)}) \\\\\n", ""),
]


@dataclass(frozen=True)
class Mutation:
    """A planted change: its name, its target, the text replaced (once, exactly), the outcome it must
    give its part, and the kind of mistake (for the record)."""

    name: str
    target: str
    old: str
    new: str
    outcome: str
    kind: str


MUTATIONS = [
    Mutation("L dropped 1/2", "L", r"L &= \frac{1}{2} \sum_{k=1}^{3} (y_k - t_k)^2 \\",
             r"L &= \sum_{k=1}^{3} (y_k - t_k)^2 \\", "incorrect", "dropped factor"),
    Mutation("L arithmetic", "L", r"&= \frac{1}{2} \cdot 2.037 \\", r"&= \frac{1}{2} \cdot 2.073 \\", "incorrect",
             "arithmetic"),
    Mutation("L final number", "L", "  &= 1.0185", "  &= 1.0158", "chain", "final number"),
    Mutation("db2 sign", "dL/db2", "&= \\sum_{k=1}^{3} (y_k - t_k) \\\\\n", "&= \\sum_{k=1}^{3} (t_k - y_k) \\\\\n",
             "incorrect", "sign"),
    Mutation("db2 final number", "dL/db2", "&= -2.04 .", "&= -2.4 .", "chain", "final number"),
    Mutation("dw2 extra 1/2", "dL/dw2", r"&= \sum_{k=1}^{3} (y_k - t_k) \, f(W",
             r"&= \frac{1}{2} \sum_{k=1}^{3} (y_k - t_k) \, f(W", "incorrect", "extra factor"),
    Mutation("dw2 sign", "dL/dw2", r"&= \sum_{k=1}^{3} (y_k - t_k) \, f(W", r"&= \sum_{k=1}^{3} (t_k - y_k) \, f(W",
             "incorrect", "sign"),
    Mutation("dw2 final number", "dL/dw2", r"-1.2445 \\ -0.2385", r"-1.2445 \\ -0.2835", "chain", "final number"),
    Mutation("db1 mask removed", "dL/db1", r"\, \mathbf{w}^{(2)} \odot \mathbf{1}_{\mathbf{z}_k > 0} = \begin",
             r"\, \mathbf{w}^{(2)} = \begin", "incorrect", "activation derivative"),
    Mutation("db1 sign", "dL/db1", r"\sum_{k=1}^{3} (y_k - t_k) \, \mathbf{w}^{(2)} \odot",
             r"\sum_{k=1}^{3} (t_k - y_k) \, \mathbf{w}^{(2)} \odot", "incorrect", "sign"),
    Mutation("db1 final number", "dL/db1", r"-0.262 \\ -0.318", r"-0.262 \\ -0.381", "chain", "final number"),
    Mutation("dW1 transpose dropped", "dL/dW1", r"\mathbf{x}_k^{\top} = \begin", r"\mathbf{x}_k = \begin",
             "incorrect", "missing transpose"),
    Mutation("dW1 mask removed", "dL/dW1", r"\left( \mathbf{w}^{(2)} \odot \mathbf{1}_{\mathbf{z}_k > 0} \right)",
             r"\left( \mathbf{w}^{(2)} \right)", "incorrect", "activation derivative"),
    Mutation("dW1 final number", "dL/dW1", "0.2096 \\\\", "0.2069 \\\\", "chain", "final number"),
    Mutation("dW1 unreadable", "dL/dW1", r"\mathbf{x}_k^{\top} = \begin", r"\mathbf{x}_k^{\top = \begin",
             "unreadable", "unreadable"),
    Mutation("L unreadable", "L", r"&= \frac{1}{2}(0.04 + 0.2809 + 1.7161) \\",
             r"&= \frac{1}{2(0.04 + 0.2809 + 1.7161) \\", "unreadable", "unreadable"),
]


@dataclass
class Planted:
    """One synthetic submission: its file name, bytes, the outcome each part must get, and the lines
    of the planted mistakes per part (the first wrong step the grader must name)."""

    student: str
    kind: str
    data: bytes
    expected: dict[str, str]
    lines: dict[str, list[int]] = field(default_factory=dict)
    mutations: list[str] = field(default_factory=list)


def reference() -> str:
    """The solution with its planted mistakes put right and its header comment dropped."""
    text = SOLUTION.read_text(encoding="utf-8")
    text = text[text.index("-->") + 4:]
    for old, new in FIXES:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def plant(rng: random.Random, student: str, base: str) -> Planted:
    """A submission with 0-3 mutations in distinct targets (at most one per target)."""
    count = rng.choice((0, 1, 1, 1, 2, 2, 3))
    chosen: list[Mutation] = []
    for mutation in rng.sample(MUTATIONS, len(MUTATIONS)):
        if len(chosen) == count:
            break
        if all(m.target != mutation.target for m in chosen) and all(m.old not in c.old and c.old not in m.old
                                                                    for c in chosen for m in [mutation]):
            chosen.append(mutation)
    text = base
    for mutation in chosen:
        assert text.count(mutation.old) == 1, mutation.name
        text = text.replace(mutation.old, mutation.new)
    expected = {part: "correct" for part in set(PART.values())}
    lines: dict[str, list[int]] = {}
    for mutation in chosen:
        part = PART[mutation.target]
        expected[part] = min(expected[part], mutation.outcome, key=ORDER.index)
        if mutation.outcome != "unreadable":
            at = text.index(mutation.new) + next(n for n, (a, b) in enumerate(zip(mutation.old, mutation.new,
                                                                                   strict=False)) if a != b)
            lines.setdefault(part, []).append(text.count("\n", 0, at) + 1)
    return Planted(student, "planted" if chosen else "clean", text.encode(), expected, lines,
                   [m.name for m in chosen])


def pathological(rng: random.Random, student: str, base: str, n: int) -> Planted:
    """The reference with fuzz inputs (nesting, huge numbers) appended under their own heading, or padded to 200 kB."""
    expected = {part: "correct" for part in set(PART.values())}
    if n % 3 == 2:
        pad = "\n\nA remark, repeated. " * 9000 + "\n\n$$y_1 - t_1 = -0.2$$\n" * 200
        return Planted(student, "pathological: 200 kB", (base + pad).encode(), expected)
    maker = nesting_input if n % 3 == 0 else huge_input
    extra = "\n".join(f"$$q_{{{i}}} = {maker(rng, ['x'])}$$\n" for i in range(3))
    return Planted(student, f"pathological: {maker.__name__}", (base + "\n\n## Remarks\n\n" + extra).encode(),
                   expected)


def make_class(count: int, seed: int, folder: Path) -> list[Planted]:
    """`count` submissions written to `folder`: about 8% unreadable as a whole or empty, 5% pathological,
    the rest clean or planted."""
    rng = random.Random(seed)
    base = reference()
    made: list[Planted] = []
    for n in range(count):
        student = f"s{n:03d}"
        roll = rng.random()
        if roll < 0.04:
            made.append(Planted(student, "not text", b"\xff\xfe\x00binary" + rng.randbytes(200),
                                {part: "unreadable" for part in set(PART.values())}))
        elif roll < 0.08:
            made.append(Planted(student, "empty", b"", {part: "missing" for part in set(PART.values())}))
        elif roll < 0.13:
            made.append(pathological(rng, student, base, n))
        else:
            made.append(plant(rng, student, base))
    folder.mkdir(parents=True, exist_ok=True)
    for planted in made:
        (folder / f"{planted.student}.md").write_bytes(planted.data)
    return made


def _children(pid: int) -> list[int]:
    """The child processes of `pid` (every thread's, from /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def kill_one_worker(pid: int, after: float, record: list[str]) -> None:
    """After `after` seconds, SIGKILL one grading worker of the process `pid` (a child of it)."""
    time.sleep(after)
    for _ in range(200):
        workers = _children(pid)
        if workers:
            os.kill(workers[0], signal.SIGKILL)
            record.append(f"killed worker {workers[0]} at {after:.0f} s")
            return
        time.sleep(0.05)


def check(made: list[Planted], out: Path) -> dict[str, int | list[str]]:
    """The accuracy against the planted truth (see the module docstring)."""
    rows = {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}
    found = missed = wrong_marks = lost = planted_total = 0
    problems: list[str] = []
    for planted in made:
        folder = out / planted.student
        if not (folder / "results.json").exists() or not (folder / ".done.json").exists() or \
                planted.student not in rows:
            lost += 1
            problems.append(f"{planted.student}: lost")
            continue
        grade = json.loads((folder / ".done.json").read_text())["grade"]
        outcomes = {p["id"]: p["outcome"] for p in grade["parts"]}
        mistake_lines: dict[str, set[int]] = {}
        for m in grade["mistakes"]:
            mistake_lines.setdefault(m["part"], set()).add(m["line"])
        for part, expected in planted.expected.items():
            got = outcomes[part]
            if expected == "correct":
                if got != "correct":
                    wrong_marks += 1
                    problems.append(f"{planted.student} ({planted.kind}): part {part} {got}, planted nothing "
                                    f"({next(p['detail'] for p in grade['parts'] if p['id'] == part)[:160]})")
                continue
            planted_total += 1
            lines_ok = all(line in mistake_lines.get(part, set()) for line in planted.lines.get(part, []))
            if got == expected and lines_ok:
                found += 1
            else:
                missed += 1
                problems.append(f"{planted.student} ({', '.join(planted.mutations) or planted.kind}): part {part} "
                                f"{got}, planted {expected} at lines {planted.lines.get(part)}; found "
                                f"{sorted(mistake_lines.get(part, set()))}")
    return {"planted": planted_total, "found": found, "missed": missed, "correct_marked_wrong": wrong_marks,
            "lost": lost, "problems": problems}


def threads_line() -> str:
    """The CPU's model name and the BLAS threads NumPy would use (the graders import NumPy too)."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU") if Path("/proc/cpuinfo").exists() else "unknown CPU"
    try:
        import numpy  # noqa: F401  (loads its BLAS, for threadpoolctl to see)
        from threadpoolctl import threadpool_info
    except ImportError:
        return f"{model}; threadpoolctl not installed"
    info = threadpool_info()
    return f"{model}; " + (", ".join(f"{i['internal_api']} {i['num_threads']} threads ({i.get('architecture', '?')})"
                                     for i in info) or "no BLAS loaded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", default="/tmp/symderiv-bench-grade")
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument("--kill-after", type=float, default=30.0, help="seconds into the run to kill a worker")
    parser.add_argument("--docs", action="store_true", help="copy the class summary's plots to docs/")
    args = parser.parse_args()
    work = Path(args.out)
    subprocess.run(["rm", "-rf", str(work)], check=True)
    made = make_class(args.count, args.seed, work / "submissions")
    kinds: dict[str, int] = {}
    for planted in made:
        kinds[planted.kind.split(":")[0]] = kinds.get(planted.kind.split(":")[0], 0) + 1
    print(f"{len(made)} submissions: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start; {threads_line()}")
    command = [sys.executable, "-m", "symderiv", "grade", str(PROBLEM), str(work / "submissions"),
               "--out", str(work / "out"), "--jobs", str(args.jobs), *(["--no-pdf"] if args.no_pdf else [])]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killed: list[str] = []
    killer = threading.Thread(target=kill_one_worker, args=(proc.pid, args.kill_after, killed), daemon=True)
    killer.start()
    lines = proc.stdout.read().splitlines() if proc.stdout else []
    status = proc.wait()
    wall = time.monotonic() - start
    print("\n".join(line for line in lines if "retried" in line or "symderiv:" in line or not line.startswith("[")))
    print(f"exit status {status}; {'; '.join(killed) or 'no worker killed (the run ended first)'}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    stages: dict[str, list[float]] = {}
    for planted in made:
        marker = work / "out" / planted.student / ".done.json"
        if marker.exists():
            for stage, seconds in json.loads(marker.read_text()).get("stages", {}).items():
                stages.setdefault(stage, []).append(seconds)
    print(f"throughput: {len(made) / wall * 60:.1f} submissions/minute ({len(made)} in {wall:.1f} s wall clock, "
          f"--jobs {args.jobs}{', no PDF' if args.no_pdf else ', with audit.pdf'})")
    for stage, values in stages.items():
        print(f"  stage {stage:7}: median {statistics.median(values):.3f} s, max {max(values):.2f} s, "
              f"total {sum(values):.1f} s over {len(values)} submissions")
    result = check(made, work / "out")
    print(f"accuracy: {result['found']} of {result['planted']} planted mistakes found at their part; "
          f"{result['correct_marked_wrong']} parts without a planted mistake marked other than correct; "
          f"{result['lost']} submissions lost")
    for problem in result["problems"][:30]:
        print(f"  {problem}")
    if args.docs:
        for name in ("scores", "parts", "mistakes"):
            (ROOT / "docs" / f"grade-summary-{name}.png").write_bytes(
                (work / "out" / f"summary-{name}.png").read_bytes())
        print("copied the summary plots to docs/grade-summary-*.png")


if __name__ == "__main__":
    main()
