"""Solve time against width, depth and batch size: every network solved with its gradients proved.

For each network of the grid (widths 2 ... 1,000, one to four hidden layers, batches 1 ... 1,024,
both layouts, the registry's activations and losses) a problem file is made in memory and
`solve` runs in this process. Printed per network: the CPU time of the solve (this process and
the workers it forks), whether its
architecture's index-form proof came from the cache (a first solve of an architecture proves
it, later ones reuse it), and the checks. The run fails (exit 1) if any network is not solved
with every check passed.

    env -u OPENBLAS_CORETYPE python benchmarks/bench_solve.py [--quick]

The proof cache is a fresh temporary directory, so the first network of each architecture
pays for its proof.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SYMDERIV_CACHE_DIR", tempfile.mkdtemp(prefix="symderiv-bench-cache-"))

import numpy as np  # noqa: E402
import sympy  # noqa: E402

from symderiv import parse_text  # noqa: E402
from symderiv.core.errors import SymderivError  # noqa: E402
from symderiv.core.timebound import cpu_with_workers  # noqa: E402

# (inputs, hidden widths, outputs, hidden activation, output activation, loss, layout)
ARCHITECTURES = [
    (2, [2], 1, "relu", "identity", "half_sse", "column"),
    (4, [2], 1, "relu", "identity", "half_sse", "column"),
    (8, [8], 4, "relu", "identity", "half_sse", "column"),
    (8, [8, 8], 1, "tanh", "identity", "mse", "row"),
    (12, [12], 4, "sigmoid", "identity", "softmax_cross_entropy", "column"),
    (16, [16], 4, "relu", "identity", "softmax_cross_entropy", "row"),
    (32, [32, 32], 10, "leaky_relu", "identity", "softmax_cross_entropy", "column"),
    (64, [64], 10, "tanh", "softmax", "sse", "row"),
    (128, [128, 64, 32], 10, "relu", "identity", "softmax_cross_entropy", "column"),
    (256, [256], 1, "sigmoid", "sigmoid", "half_sse", "row"),
    (512, [512], 10, "relu", "identity", "sigmoid_binary_cross_entropy", "column"),
    (784, [100], 10, "relu", "identity", "softmax_cross_entropy", "column"),
    (1000, [1000], 10, "relu", "identity", "softmax_cross_entropy", "column"),
    (1000, [1000], 10, "tanh", "identity", "mse", "row"),
]
BATCHES = [1, 3, 8, 64, 1024]
QUICK_BATCHES = [1, 8, 1024]


def problem_text(n_in: int, hidden: list[int], n_out: int, act: str, out_act: str, loss: str, layout: str,
                 batch: int) -> str:
    """A problem file with no values: parameters and data are drawn at random (seeded)."""
    layers = [*((w, act) for w in hidden), (n_out, out_act)]
    rows = ",\n".join(f'  {{ units = {w}, activation = "{a}", weight = "W{l}", bias = "b{l}" }}'
                      for l, (w, a) in enumerate(layers, start=1))
    return (f'title = "bench"\nkind = "network"\n[model]\nlayout = "{layout}"\ninputs = {n_in}\n'
            f'loss = "{loss}"\nbatch = {batch}\nlayers = [\n{rows}\n]\n')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="batches 1, 8, 1024 only")
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_info
        blas = "; ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads, "
                         f"{i.get('architecture')})" for i in threadpool_info())
    except ImportError:
        blas = "threadpoolctl not installed"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"SymPy {sympy.__version__}, NumPy {np.__version__}; BLAS: {blas}")
    print(f"proof cache: {os.environ['SYMDERIV_CACHE_DIR']}\n")
    print(f"{'network':32} {'layout':7} {'loss':29} {'N':>5} {'CPU s':>7} {'proof':>10}  checks")
    failures = 0
    times: list[float] = []
    for arch in ARCHITECTURES:
        n_in, hidden, n_out, act, out_act, loss, layout = arch
        for batch in QUICK_BATCHES if args.quick else BATCHES:
            name = "-".join(map(str, [n_in, *hidden, n_out])) + f" {act}/{out_act}"
            start = cpu_with_workers()
            try:
                problem = parse_text(problem_text(*arch, batch), "<bench>")
                fresh = not problem.net.params or _proof_is_fresh(problem)
                solution = problem.solve()
                checks = solution.data["checks"]
                ok = all(c["passed"] for c in checks)
                detail = "; ".join(f"{c['method'].split(' (')[0]}" for c in checks)
            except SymderivError as exc:
                ok, fresh, detail = False, False, f"ERROR {exc}"
            elapsed = cpu_with_workers() - start
            times.append(elapsed)
            failures += not ok
            print(f"{name:32} {layout:7} {loss:29} {batch:5} {elapsed:7.2f} {'proved' if fresh else 'cached':>10}  "
                  f"{'ok' if ok else 'FAILED'}: {detail}", flush=True)
    print(f"\n{len(times)} solves, {failures} failed; CPU s per solve: median {np.median(times):.2f}, "
          f"max {max(times):.2f}")
    return 1 if failures else 0


def _proof_is_fresh(problem) -> bool:
    from symderiv.core import netproof

    return netproof.signature(problem.net) not in netproof._MEMORY


if __name__ == "__main__":
    sys.exit(main())
