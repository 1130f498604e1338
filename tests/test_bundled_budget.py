"""Every bundled command within its CPU budget: `symderiv solve` and `check` of each file in
derivations/ finish in at most 10 s of CPU time (the command and every worker it forks)."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from tests.conftest import DERIVATIONS, ROOT

BUDGET_SECONDS = 10.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.slow
@pytest.mark.parametrize("command", ["solve", "check"])
@pytest.mark.parametrize("path", sorted(DERIVATIONS.glob("*.toml")), ids=lambda p: p.stem)
def test_bundled_command_within_cpu_budget(path, command) -> None:
    before = _children_cpu()
    proc = subprocess.run([sys.executable, "-m", "symderiv", command, str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=10 * BUDGET_SECONDS, check=False)
    spent = _children_cpu() - before
    assert proc.returncode in (0, 1), proc.stderr[-2000:]  # 1: a student's claim is wrong, as encoded
    assert spent <= BUDGET_SECONDS, f"{command} {path.name}: {spent:.1f} s of CPU"
