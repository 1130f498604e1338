"""A problem kind for the tests of the bounds (`kind = "test_bounds"`): each claim's target says
how its judgement behaves, so that time, memory, crashes and Ctrl-C can be tested on purpose.

  instant   correct at once
  spin      a proof that never ends (a Python loop: the CPU timer stops it)
  stuck     a proof stuck where the timer cannot reach it (SIGPROF blocked, as in a long C call:
            only the kernel's RLIMIT_CPU stops it)
  allocate  memory without end (the worker's RLIMIT_AS stops it)
  crash     a bug (an unexpected KeyError)
  segfault  a worker that dies by a signal

A claim's `note`, when given, is a file into which the judgement writes its process id first
(so a test knows the worker is busy). `solve` behaves as the top-level field `solve` says.
Import this module before loading such a file (the command line: `python -c`, see the tests).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from symderiv.core.verdict import Verdict
from symderiv.kinds.base import HEADER_KEYS, Claim, Fields, Problem, Solution, problem_kind


def _spin() -> None:
    n = 0
    while True:
        n = (n * 7 + 1) % 1000003


def _behave(how: str, marker: str) -> None:
    if marker:
        Path(marker).write_text(str(os.getpid()))
    if how == "spin":
        _spin()
    if how == "stuck":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
        _spin()
    if how == "allocate":
        hoard = []
        while True:
            hoard.append(bytearray(16 * 2**20))
    if how == "crash":
        raise KeyError("a bug planted by the test kind")
    if how == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)


@problem_kind("test_bounds")
class BoundsProblem(Problem):
    """Claims whose judgement spins, gets stuck, allocates, crashes or answers at once."""

    def __init__(self, header: Fields, claims: list[Claim], solve_how: str) -> None:
        super().__init__(header, claims)
        self.solve_how = solve_how

    @classmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> BoundsProblem:
        doc.check_keys(HEADER_KEYS | {"solve"})
        return cls(doc, claims, doc.choice("solve", ["instant", "spin", "crash"], "instant"))

    def solve(self) -> Solution:
        _behave(self.solve_how, "")
        return Solution(self.title, {"answer": 1})

    def judge(self, claim: Claim) -> Verdict:
        _behave(claim.target, claim.note)
        return Verdict(claim.id, claim.target, claim.latex, "correct", message="answered at once")

    def targets(self) -> list[str]:
        return ["instant", "spin", "stuck", "allocate", "crash", "segfault"]
