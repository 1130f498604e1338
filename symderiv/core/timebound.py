"""CPU-time budgets: every proof and judgement is bounded, in process or in a reusable worker process."""

from __future__ import annotations

import atexit
import math
import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
import traceback
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, TypeVar

try:  # POSIX only: elsewhere the workers have no kernel limits (and there is no fork anyway)
    import fcntl
    import resource
except ImportError:  # pragma: no cover
    fcntl = resource = None  # type: ignore[assignment]

from .errors import EnvironmentSettingError, InternalError, ResourceLimitError, SymderivError, Timeout

T = TypeVar("T")

TIME_VARIABLE = "SYMDERIV_TIME_LIMIT"
MEMORY_VARIABLE = "SYMDERIV_MEMORY_LIMIT"
# CPU seconds of one judgement (one claim). The slowest bundled claim takes 0.8 s of CPU
# (benchmarks/bench_judge.py, p99 0.7 s): 10 keeps every verdict with a wide margin.
DEFAULT_TIME_LIMIT = 10.0
MAX_TIME_LIMIT = 1e6
DEFAULT_MEMORY_LIMIT = 4096  # MiB of address space a worker may add to what it inherits
MAX_MEMORY_LIMIT = 2**40
SOLVE_SHARE = 12  # a solve runs several proofs (an index-form network proof may take up to 60 s)
REPEAT = 0.05  # CPU seconds between repeated alarms once a budget is spent (a swallowed Timeout)
CPU_GRACE = 2.0  # CPU seconds past a task's budget before the kernel stops its worker (RLIMIT_CPU)
WALL_FACTOR, WALL_SLACK = 20.0, 60.0  # a worker silent this long (wall clock) is stuck, not busy
POOL_SIZE = 4  # idle workers kept (one per problem object, the most recently used)


# ----------------------------------------------------------------------------- the budgets


def time_limit() -> float:
    """CPU seconds one judgement (one claim) may use: $SYMDERIV_TIME_LIMIT, default 10."""
    return _setting(TIME_VARIABLE, DEFAULT_TIME_LIMIT, "CPU seconds", MAX_TIME_LIMIT)


def solve_limit() -> float:
    """CPU seconds one solve (several proofs and the documents) may use: SOLVE_SHARE times the limit."""
    return SOLVE_SHARE * time_limit()


def memory_limit() -> int | None:
    """Bytes of address space a worker may add to what it inherits: $SYMDERIV_MEMORY_LIMIT in MiB
    (default 4096); 0 means no bound."""
    mib = _setting(MEMORY_VARIABLE, DEFAULT_MEMORY_LIMIT, "MiB", MAX_MEMORY_LIMIT, zero=True)
    return None if mib == 0 else int(mib * 2**20)


def check_environment() -> None:
    """Raise EnvironmentSettingError naming the first variable of symderiv whose value cannot be used."""
    time_limit()
    memory_limit()


def _setting(name: str, default: float, unit: str, maximum: float, zero: bool = False) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    shown = raw if len(raw) <= 40 else raw[:37] + "..."
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    low = "at least 0" if zero else "greater than 0"
    if not (math.isfinite(value) and (value >= 0 if zero else value > 0) and value <= maximum):
        raise EnvironmentSettingError(f"{name}={shown!r}: expected a number of {unit} ({low}, at most "
                                      f"{maximum:g}), e.g. {name}={default:g}")
    return value


def _seconds(seconds: float | None) -> float:
    if seconds is None:
        return time_limit()
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        raise ValueError(f"a time bound must be a positive number of seconds, got {seconds!r}")
    return float(seconds)


# ----------------------------------------------------------------------------- in process


@dataclass(eq=False)  # budgets are told apart by identity, never by value
class _Budget:
    """One bounded() call in progress: spent once the process's CPU time passes `deadline`."""

    deadline: float
    seconds: float
    spent: bool = False

    def timeout(self) -> Timeout:
        return Timeout(f"time bound: gave up after {self.seconds:g} s of CPU time")


_MODULE = globals()  # an alarm never raises in code of this module (see _on_alarm)
_budgets: list[_Budget] = []  # the bounded() calls in progress in this process, innermost last
_before: tuple[Any, tuple[float, float]] | None = None  # SIGPROF handler and timer before the outermost


def bounded(fn: Callable[..., T], *args: Any, seconds: float | None = None) -> T:
    """Return fn(*args), or raise Timeout once it has used `seconds` of CPU time (default: the limit).

    In the main thread the budget is a profiling timer of this process (ITIMER_PROF: CPU time,
    so a loaded machine does not fail sooner); at the budget a SIGPROF raises Timeout inside fn,
    and again every REPEAT s should fn swallow it. A result computed after the budget was spent
    is never returned. Budgets nest: an inner call cannot outlive an outer one. Outside the main
    thread fn runs in a forked child under the same budget. Exceptions of fn are re-raised here.
    """
    limit = _seconds(seconds)
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        if not hasattr(os, "fork"):  # neither a profiling timer nor fork (Windows): not bounded
            return fn(*args)
        return _bounded_in_child(fn, args, limit)
    budget = _enter(limit)
    try:
        result = fn(*args)
    except BaseException as exc:
        _leave(budget)
        if budget.spent and not isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise budget.timeout() from None
        raise
    _leave(budget)
    if budget.spent:
        raise budget.timeout()
    return result


def _enter(limit: float) -> _Budget:
    """Push a budget of `limit` CPU seconds; Timeout at once when an enclosing one is spent (code
    that swallowed its Timeout starts no new bounded work)."""
    global _before
    for b in _budgets:
        if b.spent:
            raise b.timeout()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
    try:
        now = time.process_time()
        if not _budgets:
            _before = (signal.signal(signal.SIGPROF, _on_alarm), signal.getitimer(signal.ITIMER_PROF))
        budget = _Budget(now + limit, limit)
        _budgets.append(budget)
        _arm(now)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    return budget


def _leave(budget: _Budget) -> None:
    global _before
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
    try:
        if budget in _budgets:
            _budgets.remove(budget)
        if _budgets:
            _arm(time.process_time())
        elif _before is not None:
            handler, (delay, interval) = _before
            _before = None
            signal.setitimer(signal.ITIMER_PROF, delay, interval)
            signal.signal(signal.SIGPROF, handler if handler is not None else signal.SIG_DFL)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _arm(now: float) -> None:
    """Set the profiling timer for the nearest deadline (REPEAT from now, once a budget is spent)."""
    nearest = math.inf
    for b in _budgets:
        if b.spent:
            nearest = now + REPEAT
            break
        nearest = min(nearest, b.deadline)
    signal.setitimer(signal.ITIMER_PROF, max(nearest - now, 1e-3))


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    """SIGPROF: mark every budget whose deadline passed as spent and raise Timeout in the running
    code, never inside this module (its bookkeeping checks `spent` itself, so a budget is never
    left on the stack by an alarm that lands between two of its lines)."""
    if not _budgets:
        return
    now = time.process_time()
    innermost = None
    for b in _budgets:
        if now >= b.deadline - 1e-3:
            b.spent = True
        if b.spent:
            innermost = b
    _arm(now)
    if innermost is not None and (frame is None or frame.f_globals is not _MODULE):
        raise innermost.timeout()


def _bounded_in_child(fn: Callable[..., T], args: tuple[Any, ...], limit: float) -> T:
    worker = Worker((fn, args))
    try:
        return worker.run(_call_target, seconds=limit)
    finally:
        worker.close()


def _call_target(target: tuple[Callable[..., T], tuple[Any, ...]]) -> T:
    fn, args = target
    return fn(*args)


# ----------------------------------------------------------------------------- workers

_HEADER = struct.Struct("<Q")
_in_worker = False  # True in a worker process: nested work runs in process
_parent_fds: set[int] = set()  # pipe ends the parent holds (closed in every new worker)


class Worker:
    """A forked process that runs tasks `fn(target, *args)` under a CPU budget each.

    `target` (a loaded problem) is inherited at the fork, so a task is a small picklable message
    (a module-level function and, e.g., one claim). The worker's address space is bounded
    (RLIMIT_AS: what it inherits plus $SYMDERIV_MEMORY_LIMIT) and each task's CPU time twice: by
    `bounded` inside (Timeout) and by RLIMIT_CPU a little later (the kernel stops a worker stuck
    in C code). A worker that dies, runs out of time or memory, or crashes is replaced by a fresh
    fork at the next task; it ignores Ctrl-C (the parent ends it) and dies with its parent.
    """

    def __init__(self, target: Any) -> None:
        self.target = target
        self.pid: int | None = None
        self._to = self._from = -1
        self._cpu_before = 0.0  # the worker's CPU seconds when the current task was sent
        self._lock = threading.Lock()
        self._owner = os.getpid()

    def run(self, fn: Callable[..., T], *args: Any, seconds: float | None = None) -> T:
        """fn(target, *args) in the worker: its value, or Timeout past `seconds` of CPU time,
        ResourceLimitError past the memory bound, InternalError for an unexpected exception;
        a SymderivError of fn is re-raised as it is."""
        limit = _seconds(seconds)
        message = pickle.dumps((fn, args, limit))
        with self._lock:
            if self.pid is None:
                self._start()
            try:
                try:
                    _send(self._to, message)
                except BrokenPipeError:  # it died while idle: a fresh one
                    self._reap()
                    self._start()
                    _send(self._to, message)
                reply = self._receive(limit)
            except BaseException:
                self.close()  # interrupted or broken: its state is unknown
                raise
            status, value = reply[0], reply[1]
            if status not in ("ok", "error"):
                self._reap()  # the worker retires after a time or memory bound, or a crash
        if status == "ok":
            return value
        if status == "error":
            raise value
        if status == "timeout":
            raise Timeout(value)
        if status == "memory":
            raise ResourceLimitError(value)
        raise InternalError(*value)

    def close(self) -> None:
        """End the worker now (SIGKILL) and collect it."""
        if self.pid is not None and os.getpid() == self._owner:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()

    # -- parent side

    def _start(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        parent = os.getpid() if threading.current_thread() is threading.main_thread() else None
        fds: list[int] = []
        try:
            fds.extend(os.pipe())
            fds.extend(os.pipe())
            pid = os.fork()
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            raise ResourceLimitError(f"cannot start a worker process: {exc.strerror or exc}") from None
        task_r, task_w, reply_r, reply_w = fds
        if pid == 0:  # the worker
            code = 0
            try:
                os.close(task_w)
                os.close(reply_r)
                _serve(self.target, task_r, reply_w, parent)
            except BaseException:
                code = 70
            finally:
                os._exit(code)
        os.close(task_r)
        os.close(reply_w)
        self.pid, self._to, self._from = pid, task_w, reply_r
        self._cpu_before = 0.0
        _parent_fds.update((task_w, reply_r))

    def _receive(self, limit: float) -> tuple[Any, ...]:
        """The worker's reply; if it dies first, why (from its exit status and CPU time)."""
        wall = WALL_FACTOR * limit + WALL_SLACK
        start = time.monotonic()
        while not _readable(self._from, 0.5):
            if time.monotonic() - start > wall:
                self.close()
                raise Timeout(f"time bound: no answer within {wall:g} s of wall-clock time")
        data = _receive(self._from)
        if data is None:
            raise self._death(limit)
        try:
            reply = pickle.loads(data)
        except Exception as exc:
            raise InternalError(f"the worker's answer cannot be read ({type(exc).__name__}: {exc})",
                                traceback.format_exc()) from None
        self._cpu_before = reply[2]
        return reply

    def _death(self, limit: float) -> Exception:
        pid = self.pid
        status, cpu = self._reap()
        used = cpu - self._cpu_before
        if status is not None and os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
            if sig == signal.SIGXCPU or used >= limit:
                return Timeout(f"time bound: the worker was stopped after {used:.3g} s of CPU time "
                               f"(budget {limit:g} s)")
            if sig == signal.SIGKILL:
                return ResourceLimitError(f"the worker process was killed (SIGKILL) after {used:.3g} s of "
                                          "CPU time: out of memory, or ended by another process")
            return InternalError(f"the worker process died by signal {name}", "")
        code = os.waitstatus_to_exitcode(status) if status is not None else "unknown"
        return InternalError(f"the worker process {pid} exited (code {code}) without an answer", "")

    def _reap(self) -> tuple[int | None, float]:
        """Close the pipes and collect the worker: its wait status and CPU seconds."""
        for fd in (self._to, self._from):
            if fd >= 0:
                _parent_fds.discard(fd)
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to = self._from = -1
        pid, self.pid = self.pid, None
        if pid is None:
            return None, 0.0
        try:
            _, status, usage = os.wait4(pid, 0)
        except ChildProcessError:
            return None, 0.0
        return status, usage.ru_utime + usage.ru_stime


def _serve(target: Any, task_r: int, reply_w: int, parent: int | None) -> None:
    """The worker's loop: read a task, run it under its budget, send the reply; EOF ends it."""
    global _in_worker, _before
    _in_worker = True
    for fd in _parent_fds:  # other workers' pipes: theirs to close
        try:
            os.close(fd)
        except OSError:
            pass
    _parent_fds.clear()
    _POOL.clear()
    _budgets.clear()
    _before = None
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the whole group: the parent ends us
    _die_with_parent(parent)
    task_r, reply_w = _above_stdio(task_r), _above_stdio(reply_w)  # the parent may have run with 0-2 closed
    try:
        os.dup2(2, 1)  # stdout is the parent's (JSON, tables): anything printed here goes to stderr
    except OSError:
        pass
    _limit_resources()
    while True:
        data = _receive(task_r)
        if data is None:
            return
        fn, args, limit = pickle.loads(data)
        _cpu_backstop(limit)
        retire = True
        try:
            reply: tuple[Any, ...] = ("ok", bounded(fn, target, *args, seconds=limit))
            retire = False
        except Timeout as exc:
            reply = ("timeout", str(exc))
        except MemoryError:
            reply = ("memory", _memory_message())
        except SymderivError as exc:
            reply = ("error", exc)
            retire = False
        except BaseException as exc:
            reply = ("crash", _crash(exc))
        try:
            out = pickle.dumps((*reply, time.process_time()))
        except Exception as exc:
            out = pickle.dumps(("crash", (f"the answer cannot be sent back ({type(exc).__name__}: {exc})",
                                          traceback.format_exc()), time.process_time()))
            retire = True
        _send(reply_w, out)
        if retire:
            return


def _above_stdio(fd: int) -> int:
    """`fd` moved to a descriptor above 2 (so that redirecting stdout cannot close a pipe)."""
    if fd > 2:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 3)
    os.close(fd)
    return moved


def _crash(exc: BaseException) -> tuple[str, str]:
    summary = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}".rstrip(": ")
    return summary, "".join(traceback.format_exception(exc))


def _memory_message() -> str:
    limit = memory_limit()
    bound = f"its bound of {limit / 2**20:g} MiB more address space" if limit else "the memory available"
    return f"memory bound: the computation needed more than {bound} (set {MEMORY_VARIABLE} in MiB)"


def _limit_resources() -> None:
    if resource is None:
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    extra = memory_limit()
    size = _address_space()
    if extra is not None and size is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), else None."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _cpu_backstop(limit: float) -> None:
    """RLIMIT_CPU a little past this task's budget: SIGXCPU ends the worker if the timer cannot."""
    if resource is None:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(time.process_time() + limit + CPU_GRACE)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _die_with_parent(parent: int | None) -> None:
    """Linux: SIGKILL this worker when its parent dies (else it would finish its task first).
    Only for a worker forked by the main thread: the kernel watches the forking thread."""
    if parent is None:
        return
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(0)


def _send(fd: int, data: bytes) -> None:
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int) -> bytes | None:
    """One message, or None at end of file (the other side is gone)."""
    head = _read_exactly(fd, _HEADER.size)
    if head is None:
        return None
    return _read_exactly(fd, _HEADER.unpack(head)[0])


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _readable(fd: int, seconds: float) -> bool:
    ready, _, _ = select.select([fd], [], [], seconds)
    return bool(ready)


# ----------------------------------------------------------------------------- the pool

_POOL: OrderedDict[int, tuple[Any, Worker]] = OrderedDict()  # id(target) -> (weak reference, worker)
_pool_lock = threading.Lock()


def run_bounded(target: Any, fn: Callable[..., T], *args: Any, seconds: float | None = None) -> T:
    """fn(target, *args) under a CPU budget, in the worker of `target` (forked at its first task
    and reused while `target` lives; POOL_SIZE idle workers at most), or in process when this is
    already a worker or the system cannot fork. Raises what `Worker.run` raises."""
    if _in_worker or not hasattr(os, "fork"):
        return bounded(fn, target, *args, seconds=seconds)
    return worker_for(target).run(fn, *args, seconds=seconds)


def worker_for(target: Any) -> Worker:
    """The worker of `target`: the live one, else a new one (closing the least recently used)."""
    key = id(target)
    with _pool_lock:
        entry = _POOL.get(key)
        if entry is not None and entry[0]() is target:
            _POOL.move_to_end(key)
            return entry[1]
        if entry is not None:  # a problem that died, its id taken by a new one
            _POOL.pop(key, None)
            entry[1].close()
        worker = Worker(target)
        try:
            ref = weakref.ref(target, lambda _, k=key: _forget(k))
        except TypeError:
            ref = lambda: target  # noqa: E731  (no weak reference: kept until evicted)
        _POOL[key] = (ref, worker)
        while len(_POOL) > POOL_SIZE:
            _, (_, old) = _POOL.popitem(last=False)
            old.close()
        return worker


def cpu_with_workers() -> float:
    """CPU seconds of this process, its collected children and its live workers (at their last answers)."""
    t = os.times()
    with _pool_lock:
        live = sum(w._cpu_before for _, w in _POOL.values() if w.pid is not None)
    return t.user + t.system + t.children_user + t.children_system + live


def _forget(key: int) -> None:
    entry = _POOL.pop(key, None)
    if entry is not None:
        entry[1].close()


def close_workers() -> None:
    """End every idle worker of this process (at exit, and after Ctrl-C)."""
    while _POOL:
        _, (_, worker) = _POOL.popitem()
        worker.close()


atexit.register(close_workers)
