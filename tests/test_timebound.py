"""CPU-time budgets and workers (symderiv/timebound.py): what a bounded computation returns or
raises, nested budgets, the state it leaves behind, the environment variables it reads, and a
problem's claims judged in its worker (issue 9, point 2). Budgets here are fractions of a second
of CPU; a case checks what happens, never how long it took."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from bounds_kind import BoundsProblem  # noqa: F401  (registers kind = "test_bounds")

from symderiv.core.errors import (
    EnvironmentSettingError,
    InternalError,
    ResourceLimitError,
    SymderivError,
    Timeout,
)
from symderiv.core.timebound import (
    Worker,
    bounded,
    check_environment,
    cpu_with_workers,
    memory_limit,
    run_bounded,
    time_limit,
)
from symderiv.kinds import parse_text
from symderiv.kinds.base import Claim


def spin(seconds: float) -> str:
    """Use `seconds` of CPU time in Python, then answer."""
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    return "done"


def swallow(seconds: float) -> str:
    """Like spin, but catching every exception on the way (as careless code does)."""
    start = time.process_time()
    while time.process_time() - start < seconds:
        try:
            sum(range(1000))
        except Exception:
            pass
    return "finished anyway"


def raise_error(kind: type[Exception]) -> None:
    raise kind("raised by the bounded function")


def nested_inner_times_out() -> str:
    """An inner budget spent and caught by its caller: the outer computation goes on."""
    try:
        bounded(spin, 5.0, seconds=0.05)
    except Timeout:
        return "inner gave up, outer went on"
    return "inner finished"


def nested_outer_times_out() -> str:
    """Every inner call catches its Timeout: the outer budget must still end the whole."""
    for _ in range(1000):
        try:
            bounded(spin, 0.05, seconds=10.0)
        except Timeout:
            pass
    return "never returned"


# (source, function, arguments, budget in s, expected result or exception type)
CASES = [
    ("within the budget", spin, (0.01,), 5.0, "done"),
    ("past the budget", spin, (60.0,), 0.1, Timeout),
    ("past the budget, Timeout swallowed: the result is never returned", swallow, (1.0,), 0.1, Timeout),
    ("an exception of the function", raise_error, (ValueError,), 5.0, ValueError),
    ("a SymderivError of the function", raise_error, (SymderivError,), 5.0, SymderivError),
    ("an inner budget spent, caught by its caller", nested_inner_times_out, (), 5.0,
     "inner gave up, outer went on"),
    ("an outer budget spent while each inner one catches", nested_outer_times_out, (), 0.2, Timeout),
    ("a budget of 1e-6 s (test_topics_matrix_calculus: a proof out of time)", spin, (5.0,), 1e-6, Timeout),
]


@pytest.mark.parametrize("label,fn,args,seconds,expected", CASES, ids=[c[0] for c in CASES])
def test_bounded(label: str, fn, args: tuple, seconds: float, expected) -> None:
    before = (signal.getsignal(signal.SIGPROF), signal.getitimer(signal.ITIMER_PROF))
    if isinstance(expected, type):
        with pytest.raises(expected) as info:
            bounded(fn, *args, seconds=seconds)
        if expected is Timeout:
            assert str(info.value) == f"time bound: gave up after {seconds:g} s of CPU time"
    else:
        assert bounded(fn, *args, seconds=seconds) == expected
    assert (signal.getsignal(signal.SIGPROF), signal.getitimer(signal.ITIMER_PROF)) == before


def test_bounded_outside_the_main_thread_runs_in_a_child() -> None:
    """A closure (not picklable) still works: the child inherits it at the fork."""
    found: dict[str, object] = {}
    offset = 41

    def work() -> None:
        found["value"] = bounded(lambda: offset + 1, seconds=5.0)
        try:
            bounded(spin, 60.0, seconds=0.1)
        except Timeout as exc:
            found["timeout"] = str(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(120)
    assert found == {"value": 42, "timeout": "time bound: gave up after 0.1 s of CPU time"}


# (source, value of SYMDERIV_TIME_LIMIT, the limit or None for an EnvironmentSettingError)
TIME_LIMITS = [
    ("unset: the default", None, 10.0),
    ("empty: the default", "", 10.0),
    ("a number", "2.5", 2.5),
    ("spaces around", " 3 ", 3.0),
    ("issue 10: abc", "abc", None),
    ("zero", "0", None),
    ("negative", "-1", None),
    ("not a number", "nan", None),
    ("infinite", "inf", None),
    ("past the maximum", "1e7", None),
]


@pytest.mark.parametrize("label,value,expected", TIME_LIMITS, ids=[c[0] for c in TIME_LIMITS])
def test_time_limit_from_the_environment(label: str, value: str | None, expected: float | None,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if value is None:
        monkeypatch.delenv("SYMDERIV_TIME_LIMIT", raising=False)
    else:
        monkeypatch.setenv("SYMDERIV_TIME_LIMIT", value)
    if expected is None:
        with pytest.raises(EnvironmentSettingError, match=r"^SYMDERIV_TIME_LIMIT='.*': expected a number of CPU"):
            check_environment()
    else:
        assert time_limit() == expected


@pytest.mark.parametrize("value,expected", [("0", None), ("1", 2**20), ("4096", 4096 * 2**20), ("x", "error"),
                                            ("-5", "error")])
def test_memory_limit_from_the_environment(value: str, expected, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDERIV_MEMORY_LIMIT", value)
    if expected == "error":
        with pytest.raises(EnvironmentSettingError, match="SYMDERIV_MEMORY_LIMIT"):
            memory_limit()
    else:
        assert memory_limit() == expected


def _task(target: dict[str, object], how: str) -> object:
    """A task on the worker's target: the target's value, or a deliberate failure."""
    if how == "value":
        return (target["value"], os.getpid())
    if how == "bad input":
        raise SymderivError("bad input, reported as it is")
    if how == "crash":
        raise KeyError("a bug")
    if how == "spin":
        return spin(60.0)
    if how == "stuck":  # SIGPROF blocked, as in a long C call: only RLIMIT_CPU stops it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
        return spin(60.0)
    if how == "allocate":
        hoard = []
        while True:
            hoard.append(bytearray(2**24))
    raise AssertionError(how)


# (source, task, its outcome: a type of exception, or "value"; whether the worker is replaced)
WORKER_CASES = [
    ("an answer", "value", "value", False),
    ("a SymderivError passes through; the worker stays", "bad input", SymderivError, False),
    ("a bug: InternalError, a fresh worker", "crash", InternalError, True),
    ("past the budget: Timeout, a fresh worker", "spin", Timeout, True),
    ("stuck past the budget: the kernel stops it, Timeout", "stuck", Timeout, True),
    ("past the memory bound: ResourceLimitError", "allocate", ResourceLimitError, True),
]


@pytest.mark.parametrize("label,how,outcome,replaced", WORKER_CASES, ids=[c[0] for c in WORKER_CASES])
def test_worker(label: str, how: str, outcome, replaced: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDERIV_MEMORY_LIMIT", "256")
    target = {"value": object.__name__ + " inherited at the fork"}
    worker = Worker(target)
    try:
        value, first = worker.run(_task, "value", seconds=5.0)
        assert value == "object inherited at the fork" and first != os.getpid()
        if outcome == "value":
            assert worker.run(_task, how, seconds=5.0)[0] == value
        else:
            with pytest.raises(outcome):
                worker.run(_task, how, seconds=5.0 if how == "allocate" else 0.2)
        _, second = worker.run(_task, "value", seconds=5.0)
        assert (second != first) == replaced
    finally:
        worker.close()
    assert worker.pid is None


def _spin_in(target: object, seconds: float) -> str:
    return spin(seconds)


def test_cpu_with_workers_counts_a_live_workers_time() -> None:
    """The CPU a task used in a pooled worker (still alive, idle) is in cpu_with_workers, not in
    this process's own time (what the benchmarks time claims by)."""

    class Target:
        pass

    target = Target()
    before, own = cpu_with_workers(), time.process_time()
    assert run_bounded(target, _spin_in, 0.3, seconds=5.0) == "done"
    assert cpu_with_workers() - before >= 0.3
    assert time.process_time() - own < 0.3


BOUNDS = """title = 'bounds'
kind = 'test_bounds'
""" + "".join(f"[[claims]]\nid = '{i}'\ntarget = '{t}'\nlatex = '1'\n"
              for i, t in enumerate(["instant", "spin", "instant", "crash", "instant", "stuck", "instant"]))


def test_every_claim_is_judged_whatever_one_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Problem.check in process: a claim out of time or crashing never loses the others."""
    monkeypatch.setenv("SYMDERIV_TIME_LIMIT", "0.3")
    verdicts = parse_text(BOUNDS).check()
    assert [v.verdict for v in verdicts] == ["correct", "undecided", "correct", "error", "correct", "undecided",
                                             "correct"]
    assert verdicts[1].message == "time bound: gave up after 0.3 s of CPU time"
    assert verdicts[3].details["internal_error"]["error"] == "KeyError: 'a bug planted by the test kind'"
    assert "Traceback" in verdicts[3].details["internal_error"]["traceback"]
    assert verdicts[5].message.startswith("time bound: the worker was stopped")


def test_a_claim_given_in_process_is_judged_like_one_of_the_file() -> None:
    problem = parse_text(BOUNDS)
    (v,) = problem.check([Claim("extra", "instant", "1")])
    assert (v.id, v.verdict) == ("extra", "correct")
