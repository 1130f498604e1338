"""MNIST-size benchmark (784-100-10, ReLU, sum of squares, batch 1024): symderiv's generated gradient against baselines.

Every method runs once per round, in a shuffled order, all in this one process, for float64 and
float32; after warm-up rounds, the medians and interquartile ranges of the times and of the
per-round ratios are printed.  Methods:
  symderiv gradients   the generated NumPy module numeric_gradients runs, inputs bound once
                       (MatrixForm.compiled.bind: the workspace of the batch and dtype)
  symderiv API         MatrixForm.numeric_gradients(inputs): binding, shape checks and copies included
  symderiv forward     the generated forward pass alone
  hand NumPy           a hand-written backprop: 2 + 3 matrix products, idiomatic NumPy (allocating)
  hand NumPy, out=     the same with every result written into preallocated buffers
  torch autograd       forward, loss and backward (CPU build of torch 2.13.0; skipped if absent)
  JAX jit              jax.jit(jax.grad(loss)) (optional extra; skipped if absent)
  floor                the 5 matrix products alone (NumPy's BLAS; torch's too when present):
                       the FLOP-bound floor of any backprop on this machine; forward floor: 2 products
Threads are pinned (threadpoolctl for NumPy's BLAS and OpenMP, torch.set_num_threads, XLA flags);
the BLAS kernels are reported.  Run with OPENBLAS_CORETYPE unset (`make bench` does).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symderiv import load  # noqa: E402

BATCH = 1024
DTYPES = (np.float64, np.float32)


def machine() -> str:
    """The CPU's model name and core count, from lscpu."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return platform.processor() or "unknown CPU"
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    model = fields.get("Model name", "unknown CPU").strip()
    return f"{model}, {fields.get('CPU(s)', '?').strip()} CPUs ({platform.system()} {platform.release()})"


def blas_report() -> str:
    """NumPy's BLAS library, version, kernel and thread count, as threadpoolctl sees them."""
    from threadpoolctl import threadpool_info

    rows = [f"{i['internal_api']} {i.get('version') or ''} kernel {i.get('architecture') or '?'}, "
            f"{i['num_threads']} thread(s)" for i in threadpool_info() if i["user_api"] == "blas"]
    return "; ".join(rows) or "no BLAS found by threadpoolctl"


def pin_cpus(threads: int) -> list[int]:
    """Hold the process to `threads` of the CPUs it may run on (Linux affinity), so libraries that size
    their thread pools from the affinity mask (XLA's) start no more threads than the others; the CPUs."""
    if not hasattr(os, "sched_setaffinity"):
        return []
    allowed = sorted(os.sched_getaffinity(0))
    if threads < len(allowed):
        os.sched_setaffinity(0, allowed[:threads])
    return sorted(os.sched_getaffinity(0))


def network_data(dtype: type) -> dict[str, np.ndarray]:
    """Inputs of the seed 003 network at batch 1024 (internal shapes: V 100x784, b 100x1, ...)."""
    rng = np.random.default_rng(0)
    data = {"V": rng.standard_normal((100, 784)) * 0.05, "b": rng.standard_normal((100, 1)) * 0.05,
            "W": rng.standard_normal((10, 100)) * 0.05, "c": rng.standard_normal((10, 1)) * 0.05,
            "X": rng.random((BATCH, 784)), "T": np.eye(10)[rng.integers(0, 10, BATCH)]}
    return {k: v.astype(dtype) for k, v in data.items()}


def hand_numpy(V: Any, b: Any, W: Any, c: Any, X: Any, T: Any) -> tuple[Any, ...]:
    """Backprop by hand: Z1 = V Xᵀ + b, A1 = ReLU(Z1), Y = W A1 + c, L = ||Y - Tᵀ||²."""
    Z1 = V @ X.T + b
    A1 = np.maximum(Z1, 0)
    Y = W @ A1 + c
    G = 2 * (Y - T.T)
    dW = G @ A1.T
    dc = G.sum(axis=1, keepdims=True)
    D1 = (W.T @ G) * (Z1 > 0)
    dV = D1 @ X
    db = D1.sum(axis=1, keepdims=True)
    return dV, db, dW, dc


def hand_numpy_buffers(d: dict[str, np.ndarray]) -> Callable[[], tuple[Any, ...]]:
    """The same backprop, every result written into a buffer allocated here, once."""
    V, b, W, c, X, T = (d[k] for k in "VbWcXT")
    Z1, A1, D1, G1 = (np.empty((100, BATCH), V.dtype) for _ in range(4))
    Y, G = np.empty((10, BATCH), V.dtype), np.empty((10, BATCH), V.dtype)
    dW, dc, dV, db = (np.empty(s, V.dtype) for s in ((10, 100), (10, 1), (100, 784), (100, 1)))

    def run() -> tuple[Any, ...]:
        np.matmul(V, X.T, out=Z1)
        np.add(Z1, b, out=Z1)
        np.maximum(Z1, 0, out=A1)
        np.matmul(W, A1, out=Y)
        np.add(Y, c, out=Y)
        np.subtract(Y, T.T, out=G)
        np.multiply(G, 2, out=G)
        np.matmul(G, A1.T, out=dW)
        G.sum(axis=1, keepdims=True, out=dc)
        np.matmul(W.T, G, out=G1)
        np.multiply(G1, Z1 > 0, out=D1)
        np.matmul(D1, X, out=dV)
        D1.sum(axis=1, keepdims=True, out=db)
        return dV, db, dW, dc

    return run


def numpy_floor(d: dict[str, np.ndarray]) -> tuple[Callable[[], None], Callable[[], None], float]:
    """The 2 forward and the 5 forward + backward matrix products alone (outputs preallocated);
    and their floating-point operation count."""
    V, W, X = d["V"], d["W"], d["X"]
    Z1, G1 = np.empty((100, BATCH), V.dtype), np.empty((100, BATCH), V.dtype)
    Y = np.empty((10, BATCH), V.dtype)
    dW, dV = np.empty((10, 100), V.dtype), np.empty((100, 784), V.dtype)

    def forward() -> None:
        np.matmul(V, X.T, out=Z1)
        np.matmul(W, Z1, out=Y)

    def both() -> None:
        forward()
        np.matmul(Y, Z1.T, out=dW)
        np.matmul(W.T, Y, out=G1)
        np.matmul(G1, X, out=dV)

    flops = 2.0 * (100 * 784 * BATCH + 10 * 100 * BATCH + 10 * BATCH * 100 + 100 * 10 * BATCH + 100 * BATCH * 784)
    return forward, both, flops


def torch_methods(d: dict[str, np.ndarray], threads: int) -> dict[str, Callable[[], Any]]:
    """torch.autograd's gradient and torch's 5 matrix products; empty without torch."""
    try:
        import torch
    except ImportError:
        return {}
    torch.set_num_threads(threads)
    t = {k: torch.tensor(v, requires_grad=k in "VbWc") for k, v in d.items()}
    params = [t[k] for k in "VbWc"]

    def gradient() -> list[Any]:
        for p in params:
            p.grad = None
        z1 = t["V"] @ t["X"].T + t["b"]
        y = t["W"] @ torch.relu(z1) + t["c"]
        ((y - t["T"].T) ** 2).sum().backward()
        return [p.grad for p in params]

    with torch.no_grad():
        V, W, X = (t[k].detach() for k in "VWX")
        z1, g1, y = torch.empty(100, BATCH, dtype=V.dtype), torch.empty(100, BATCH, dtype=V.dtype), \
            torch.empty(10, BATCH, dtype=V.dtype)
        dw, dv = torch.empty(10, 100, dtype=V.dtype), torch.empty(100, 784, dtype=V.dtype)

    def floor() -> None:
        with torch.no_grad():
            torch.matmul(V, X.T, out=z1)
            torch.matmul(W, z1, out=y)
            torch.matmul(y, z1.T, out=dw)
            torch.matmul(W.T, y, out=g1)
            torch.matmul(g1, X, out=dv)

    return {"torch autograd": gradient, "floor: 5 products (torch's BLAS)": floor}


def jax_method(d: dict[str, np.ndarray]) -> dict[str, Callable[[], Any]]:
    """jax.jit of jax.grad of the loss; empty without JAX (the optional `jax` extra)."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return {}

    def loss(V: Any, b: Any, W: Any, c: Any, X: Any, T: Any) -> Any:
        y = W @ jnp.maximum(V @ X.T + b, 0) + c
        return jnp.sum((y - T.T) ** 2)

    grad = jax.jit(jax.grad(loss, argnums=(0, 1, 2, 3)))
    args = [jax.device_put(d[k]) for k in "VbWcXT"]
    return {"JAX jit": lambda: jax.block_until_ready(grad(*args))}


def check_agreement(ours: dict[str, np.ndarray], others: dict[str, list[Any]], dtype: type) -> None:
    """Every method's gradients equal symderiv's (to 1e-9 in float64, 1e-3 of the largest entry in float32)."""
    tol = 1e-9 if dtype == np.float64 else 1e-3
    for name, grads in others.items():
        for key, g in zip("VbWc", grads, strict=True):
            g = np.asarray(g, dtype=np.float64)
            scale = 1.0 + float(np.max(np.abs(ours[key])))
            worst = float(np.max(np.abs(g - ours[key]))) / scale
            if worst > tol:
                raise SystemExit(f"{name} disagrees with symderiv on dL/d{key} ({np.dtype(dtype).name}): {worst:.1e}")


def quartiles(xs: list[float]) -> tuple[float, float, float]:
    q1, med, q3 = np.percentile(xs, [25, 50, 75])
    return float(med), float(q1), float(q3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for every library (default 1)")
    parser.add_argument("--rounds", type=int, default=50, help="measured rounds (at least 30; default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="rounds run first and not measured")
    parser.add_argument("--markdown", action="store_true", help="print the tables in Markdown")
    opts = parser.parse_args()
    if opts.rounds < 30:
        parser.error("at least 30 rounds")
    threads = opts.threads
    cpus = pin_cpus(threads)
    # JAX reads its thread settings when it starts: one thread means no Eigen thread pool.
    if threads == 1:
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    try:
        import jax

        jax.config.update("jax_enable_x64", True)  # float64 arrays stay float64
    except ImportError:
        pass
    from threadpoolctl import threadpool_limits

    limits = threadpool_limits(limits=threads)
    problem = load(ROOT / "derivations" / "seed003-s4-mnist-network.toml")
    compiled = problem.matrix_form.compiled

    methods: dict[tuple[str, str], Callable[[], Any]] = {}
    floors: dict[str, float] = {}
    for dtype in DTYPES:
        name = np.dtype(dtype).name
        d = network_data(dtype)
        module, args = compiled.bind(d)
        _, forward_args = compiled.bind(d, with_targets=False)
        ours = compiled.gradients(d)
        mine = {"symderiv gradients": (lambda m=module, a=args: m.gradients(*a)),
                "symderiv API": (lambda d=d: problem.matrix_form.numeric_gradients(d)),
                "symderiv forward": (lambda m=module, a=forward_args: m.forward(*a)),
                "hand NumPy": (lambda d=d: hand_numpy(*(d[k] for k in "VbWcXT"))),
                "hand NumPy, out=": hand_numpy_buffers(d)}
        forward_floor, floor, flops = numpy_floor(d)
        mine["floor: 2 forward products"] = forward_floor
        mine["floor: 5 products"] = floor
        mine.update(torch_methods(d, threads))
        mine.update(jax_method(d))
        check_agreement(ours, {m: list(mine[m]()) for m in ("hand NumPy", "hand NumPy, out=")}
                        | ({"torch autograd": [g.numpy() for g in mine["torch autograd"]()]}
                           if "torch autograd" in mine else {})
                        | ({"JAX jit": list(mine["JAX jit"]())} if "JAX jit" in mine else {}), dtype)
        floors[name] = flops
        methods.update({(name, m): f for m, f in mine.items()})

    order = list(methods)
    rng = random.Random(0)
    wall: dict[tuple[str, str], list[float]] = {k: [] for k in order}
    cpu: dict[tuple[str, str], list[float]] = {k: [] for k in order}
    load_before = os.getloadavg()[0]
    gc.disable()
    for r in range(opts.warmup + opts.rounds):
        rng.shuffle(order)
        for key in order:
            c0, t0 = time.process_time_ns(), time.perf_counter_ns()
            methods[key]()
            t1, c1 = time.perf_counter_ns(), time.process_time_ns()
            if r >= opts.warmup:
                wall[key].append((t1 - t0) * 1e-6)
                cpu[key].append((c1 - c0) * 1e-6)
    gc.enable()
    header(threads, cpus, opts, (load_before, os.getloadavg()[0]))  # the BLAS report while the limits hold
    limits.restore_original_limits()
    for dtype in DTYPES:
        report(np.dtype(dtype).name, wall, cpu, floors, opts.markdown)


def header(threads: int, cpus: list[int], opts: argparse.Namespace, load: tuple[float, float]) -> None:
    import importlib.metadata as md

    def version(pkg: str) -> str:
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return "not installed"

    print(f"machine: {machine()}; load average {load[0]:.1f} before, {load[1]:.1f} after")
    print(f"NumPy {np.__version__}, BLAS: {blas_report()}; torch {version('torch')}; jax {version('jax')}")
    on = f"CPUs {', '.join(map(str, cpus))}" if cpus else "CPU affinity not settable here"
    print(f"threads pinned to {threads} (threadpoolctl, torch.set_num_threads, XLA flags; {on}); "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    print(f"network 784-100-10 ReLU, sum of squares, batch {BATCH}; {opts.rounds} rounds after {opts.warmup} "
          "warm-up, methods shuffled in every round; wall-clock and process CPU time (all threads) in ms, "
          "median [q1, q3]; ratios taken round by round")


def report(dtype: str, wall: dict[tuple[str, str], list[float]], cpu: dict[tuple[str, str], list[float]],
           flops: dict[str, float], markdown: bool) -> None:
    """The table of one dtype: each method's times, then symderiv's gradient over each other method."""
    methods = [m for d, m in wall if d == dtype]
    targets = {"hand NumPy": 1.05, "torch autograd": 1.0}

    def cell(xs: list[float], digits: int) -> str:
        med, q1, q3 = quartiles(xs)
        return f"{med:.{digits}f} [{q1:.{digits}f}, {q3:.{digits}f}]"

    print()
    print(f"### {dtype}" if markdown else f"{dtype}:")
    if markdown:
        print("\n| method | wall ms | CPU ms |\n|---|---|---|")
    for m in methods:
        w, c = wall[(dtype, m)], cpu[(dtype, m)]
        if m.startswith("floor: 5"):
            m = f"{m}, {flops[dtype] / quartiles(c)[0] * 1e-6:.1f} GFLOP/s"
        print(f"| {m} | {cell(w, 2)} | {cell(c, 2)} |" if markdown else f"  {m:46s} {cell(w, 2):24s} {cell(c, 2)}")
    pairs = [("symderiv gradients", b) for b in methods if b not in ("symderiv gradients", "symderiv forward")]
    pairs += [("symderiv gradients", "symderiv forward"), ("floor: 5 products", "floor: 2 forward products")]
    if markdown:
        print("\n| ratio | wall | CPU | target |\n|---|---|---|---|")
    else:
        print(f"  {'ratio':46s} {'wall':24s} {'CPU':24s}")
    for a, b in pairs:
        rw = [x / y for x, y in zip(wall[(dtype, a)], wall[(dtype, b)], strict=True)]
        rc = [x / y for x, y in zip(cpu[(dtype, a)], cpu[(dtype, b)], strict=True)]
        label = ("gradient" if a == "symderiv gradients" else a) + " / " + b.removeprefix("symderiv ")
        goal = targets.get(b)
        verdict = "" if goal is None else (f"<= {goal}: " + ("met" if quartiles(rc)[0] <= goal else "NOT met")
                                           + " (CPU)")
        print(f"| {label} | {cell(rw, 3)} | {cell(rc, 3)} | {verdict} |" if markdown else
              f"  {label:46s} {cell(rw, 3):24s} {cell(rc, 3):24s} {verdict}")


if __name__ == "__main__":
    main()
