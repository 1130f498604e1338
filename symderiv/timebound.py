"""Run a computation with a hard time limit, in a forked child process."""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import Timeout

T = TypeVar("T")

DEFAULT_SECONDS = float(os.environ.get("SYMDERIV_TIME_LIMIT", "10"))


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        result: tuple[str, Any] = ("ok", fn(*args))
    except BaseException as exc:
        result = ("err", exc)
    try:
        conn.send_bytes(pickle.dumps(result))
    except Exception as exc:
        conn.send_bytes(pickle.dumps(("err", RuntimeError(f"unpicklable result: {exc}"))))
    finally:
        conn.close()


def bounded(fn: Callable[..., T], *args: Any, seconds: float | None = None) -> T:
    """Return fn(*args), or raise Timeout when it runs longer than `seconds`.

    The work runs in a forked child that is killed at the limit, so a SymPy
    simplification that never ends cannot hang the caller (unlike SIGALRM, this works
    from any thread). Exceptions raised by fn are re-raised here.
    """
    limit = DEFAULT_SECONDS if seconds is None else seconds
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(limit):
            raise Timeout(f"gave up after {limit:g} s")
        status, value = pickle.loads(parent.recv_bytes())
    except EOFError as exc:
        raise Timeout("the bounded computation died without an answer") from exc
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()
    if status == "err":
        raise value
    return value
