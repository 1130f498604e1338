"""Start-up of the command line: wall time of `symderiv --help`, `symderiv list` and `import symderiv`.

Each round runs every command once as a fresh process (`python -m symderiv ...`), in turn, so
machine drift falls on all of them alike; medians, 10th and 90th percentiles over --rounds
(>= 30), of wall time and of the process's CPU time (which a loaded machine inflates less).
A bare `python -c pass` is the floor. Then the slowest imports of `symderiv.cli` (`python -X
importtime`), and whether SymPy, NumPy or lark is among them (none should be: the target is
under 0.5 s for --help and list, issue 9). The measured processes load no BLAS, so there are no
threads or kernels to report. Run: python benchmarks/bench_startup.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "python -c pass (floor)": ["-c", "pass"],
    "symderiv --help": ["-m", "symderiv", "--help"],
    "symderiv list": ["-m", "symderiv", "list"],
    "import symderiv": ["-c", "import symderiv"],
}
HEAVY = ("sympy", "numpy", "lark", "symderiv.kinds.base")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run."""
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start, _children_cpu() - cpu


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _importtime(env: dict[str, str]) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of `import symderiv.cli`, slowest first."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import symderiv.cli"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return sorted(rows, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = max(parser.parse_args().rounds, 1)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
          f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f}")
    for args in COMMANDS.values():  # warm the file cache and the .pyc files
        _run(args, env)
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(rounds):
        for name, args in COMMANDS.items():
            wall, cpu = _run(args, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    print(f"\nseconds over {rounds} rounds (interleaved); CPU = user + system of the process")
    print(f"{'command':26} {'wall median':>11} {'p10':>7} {'p90':>7} {'CPU median':>11} {'p90':>7}")
    for name in COMMANDS:
        wall, cpu = walls[name], cpus[name]
        print(f"{name:26} {statistics.median(wall):11.3f} {_percentile(wall, 0.1):7.3f} {_percentile(wall, 0.9):7.3f}"
              f" {statistics.median(cpu):11.3f} {_percentile(cpu, 0.9):7.3f}")
    rows = _importtime(env)
    print("\nslowest imports of symderiv.cli (cumulative ms):")
    for micros, module in rows[:8]:
        print(f"  {micros / 1000:8.1f}  {module}")
    heavy = sorted({m if m in HEAVY else m.split(".")[0] for _, m in rows if m.split(".")[0] in HEAVY or m in HEAVY})
    print(f"heavy packages imported: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
