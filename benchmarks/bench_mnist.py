"""MNIST-size benchmark (784-100-10, ReLU, batch 1024): prints speed ratios.

Ratios printed:
  gradient / torch  — symderiv's generated NumPy backprop vs torch.autograd (CPU), goal <= 1
  gradient / forward — the full backward pass vs the forward pass alone, goal <= 2.5
Times are medians of repeated runs; the network comes from the bundled seed 003 file
with the batch raised to 1024.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symderiv import load  # noqa: E402
from symderiv.matrixeval import NumpyBackend, evaluate  # noqa: E402

BATCH, REPEAT = 1024, 30


def median_time(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    problem = load(ROOT / "derivations" / "seed003-s4-mnist-network.toml")
    problem.batch = BATCH
    mf = problem.matrix_form
    rng = np.random.default_rng(0)
    inputs = {k: rng.standard_normal(p.internal) * 0.05 for k, p in problem.net.params.items()}
    inputs["X"] = rng.random((BATCH, 784))
    inputs["T"] = np.eye(10)[rng.integers(0, 10, BATCH)]
    dims = mf.dims(BATCH)
    backend = NumpyBackend()
    forward_steps = [s for s in mf.steps if s.role == "forward"]

    def forward() -> dict:
        env = dict(inputs)
        for step in forward_steps:
            env[step.symbol.name] = evaluate(step.expr, env, dims, backend)
        return env

    def gradient() -> dict:
        return mf.run(inputs, BATCH, backend)

    t_forward = median_time(forward)
    t_grad = median_time(gradient)
    print(f"network 784-100-10 ReLU, squared error, batch {BATCH}")
    print(f"forward (symderiv NumPy)       {t_forward * 1e3:8.2f} ms")
    print(f"forward+backward (symderiv)    {t_grad * 1e3:8.2f} ms")
    print(f"ratio gradient / forward       {t_grad / t_forward:8.2f}   (goal <= 2.5)")
    try:
        import torch
    except ImportError:
        print("torch not installed: `make bench` installs the CPU build (torch==2.13.0)")
        return
    torch.set_num_threads(max(1, len(__import__("os").sched_getaffinity(0))))
    tp = {k: torch.tensor(v, requires_grad=k in problem.net.params) for k, v in inputs.items()}

    def torch_gradient() -> None:
        for k in problem.net.params:
            tp[k].grad = None
        z1 = tp["V"] @ tp["X"].T + tp["b"]
        y = tp["W"] @ torch.relu(z1) + tp["c"]
        loss = ((y - tp["T"].T) ** 2).sum()
        loss.backward()

    t_torch = median_time(torch_gradient)
    ours = gradient()
    torch_gradient()
    for k in problem.net.params:
        np.testing.assert_allclose(ours[f"d{k}"], tp[k].grad.numpy(), rtol=1e-6, atol=1e-8)
    print(f"forward+backward (torch {torch.__version__}) {t_torch * 1e3:8.2f} ms")
    print(f"ratio gradient / torch         {t_grad / t_torch:8.2f}   (goal <= 1)")
    print("gradients agree with torch.autograd to rtol 1e-6")


if __name__ == "__main__":
    main()
