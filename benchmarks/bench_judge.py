"""Judge benchmark: every bundled claim judged in process; claims/s, median and p99 per claim.

Every `[[claims]]` entry of every problem file in derivations/ (all kinds) is judged through
`Problem.check`, as `symderiv check` does, in this one process (no subprocess per claim).

A round of a file is what `symderiv check FILE` does after start-up: SymPy's cache is
cleared, the file is loaded (timed: "load"), its first claim is judged once as a warm-up
(timed: "warm", the first claim with the problem's own setup: the scope a formula is bound
to, the points it is judged at), and then every claim is judged in order, each timed.  The
warm-up is excluded from the claim figures; the first claim's figure is its second
judgement.  With `--rounds R` every file gets R such rounds (each on a freshly loaded
problem, so nothing a problem keeps carries from one round to the next) and a claim's time
is the median of its R times.  Times are wall clock; CPU time (this process and the workers
it forks) is printed alongside, since a shared machine's load enters the wall clock.

Printed per file and overall: claims, claims/s (claims over the sum of their times), median,
p99 (nearest rank) and the slowest claim.  Every round must give the same verdicts, or the
script fails.  Targets (issue 9): median claim < 100 ms, p99 < 2 s.

    python benchmarks/bench_judge.py [--rounds 3] [--only seed003] [--verdicts out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sympy  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

from symderiv import load  # noqa: E402
from symderiv.core.timebound import cpu_with_workers  # noqa: E402
from symderiv.render.verdicts import verdict_json  # noqa: E402

TARGET_MEDIAN, TARGET_P99 = 0.100, 2.0


def p99(times: list[float]) -> float:
    """The 99th percentile by nearest rank (the smallest time >= 99 % of the times)."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]




def machine() -> str:
    """The CPU count, Python, SymPy and the thread pools (when threadpoolctl is installed)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load_avg = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    text = (f"machine: {platform.machine()} {model}, {os.cpu_count()} CPUs ({usable} usable), load average "
            f"{load_avg}; Python {platform.python_version()}; SymPy {sympy.__version__} (ground types "
            f"{_ground_types()}); mpmath {_mpmath_version()}")
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return text + "; threadpoolctl not installed (the judge is single-threaded Python)"
    pools = ", ".join(f"{p['internal_api']} {p.get('architecture', '?')} x{p['num_threads']}"
                      for p in threadpool_info())
    return text + f"; thread pools: {pools or 'none'}"


def _ground_types() -> str:
    from sympy.external.gmpy import GROUND_TYPES

    return GROUND_TYPES


def _mpmath_version() -> str:
    import mpmath

    return mpmath.__version__


def verdict_record(v, seconds: float, cpu_seconds: float) -> dict:
    return {**verdict_json(v), "ms": round(seconds * 1e3, 1), "cpu_ms": round(cpu_seconds * 1e3, 1)}


def summary(name: str, times: list[float], width: int) -> str:
    return (f"{name[:width]:<{width}} {len(times):>6} {len(times) / sum(times):>9.1f} "
            f"{statistics.median(times) * 1e3:>10.1f} {p99(times) * 1e3:>9.1f} {max(times) * 1e3:>9.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds per file (a claim's time: the median)")
    ap.add_argument("--only", default="", help="only files whose name contains this text")
    ap.add_argument("--verdicts", default="", help="write every verdict (and its times) to this JSON file")
    args = ap.parse_args()

    print(machine())
    print(f"{args.rounds} round(s) per file, each on a fresh load with SymPy's cache cleared; a claim's time is "
          "the median of its rounds; load and warm-up (first claim with the problem's setup) excluded")
    files = [p for p in sorted((ROOT / "derivations").glob("*.toml")) if args.only in p.name]
    all_times: list[float] = []
    all_cpu: list[float] = []
    slowest: list[tuple[float, str]] = []
    records: dict[str, list[dict]] = {}
    header = (f"{'file':<34} {'claims':>6} {'claims/s':>9} {'median ms':>10} {'p99 ms':>9} {'max ms':>9} "
              f"{'load s':>7} {'warm s':>7}  slowest")
    print(header)
    print("-" * len(header))
    wall0 = time.perf_counter()
    for path in files:
        loads, warms = [], []
        walls: dict[str, list[float]] = {}
        cpus: dict[str, list[float]] = {}
        verdicts: dict[str, object] = {}
        claims = []
        for _ in range(args.rounds):
            clear_cache()
            t0 = time.perf_counter()
            problem = load(path)
            loads.append(time.perf_counter() - t0)
            claims = problem.claims
            if not claims:
                break
            t0 = time.perf_counter()
            problem.check(claims[:1])
            warms.append(time.perf_counter() - t0)
            for claim in claims:
                c0, t0 = cpu_with_workers(), time.perf_counter()
                v = problem.check([claim])[0]
                walls.setdefault(claim.id, []).append(time.perf_counter() - t0)
                cpus.setdefault(claim.id, []).append(cpu_with_workers() - c0)
                seen = verdicts.setdefault(claim.id, v)
                if verdict_json(seen) != verdict_json(v):
                    print(f"FAIL: {path.name} {claim.id}: {seen.verdict} ({seen.message}) then {v.verdict} "
                          f"({v.message})")
                    return 1
        if not claims:
            continue
        times = {cid: statistics.median(ts) for cid, ts in walls.items()}
        cpu_times = {cid: statistics.median(ts) for cid, ts in cpus.items()}
        values = list(times.values())
        all_times.extend(values)
        all_cpu.extend(cpu_times.values())
        slowest.extend((t, f"{path.name}:{cid}") for cid, t in times.items())
        worst = max(times, key=times.__getitem__)
        print(f"{summary(path.name, values, 34)} {statistics.median(loads):>7.2f} {statistics.median(warms):>7.2f}"
              f"  {worst}")
        records[path.name] = [verdict_record(verdicts[c.id], times[c.id], cpu_times[c.id]) for c in claims]
    wall = time.perf_counter() - wall0
    print("-" * len(header))
    print(summary("overall (wall clock)", all_times, 34))
    print(summary("overall (CPU time)", all_cpu, 34))
    print(f"whole run: {wall:.1f} s wall (loads, warm-ups and every round)")
    print("slowest claims: " + ", ".join(f"{name} {t * 1e3:.0f} ms" for t, name in sorted(slowest)[-5:][::-1]))
    median, top = statistics.median(all_times), p99(all_times)
    ok = median < TARGET_MEDIAN and top < TARGET_P99
    print(f"targets (wall clock): median < {TARGET_MEDIAN * 1e3:.0f} ms, p99 < {TARGET_P99:.0f} s: "
          f"{'met' if ok else 'NOT met'}")
    counts: dict[str, int] = {}
    for recs in records.values():
        for r in recs:
            counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    print("verdicts: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    if args.verdicts:
        text = json.dumps(records, indent=1, ensure_ascii=False, default=str)
        Path(args.verdicts).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
