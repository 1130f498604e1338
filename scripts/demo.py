"""Solve and check every bundled problem file; fail only on errors, not on wrong students.

`python scripts/demo.py [--jobs N]`: the commands run in N forked processes (default: one per
core), each printed whole and in order as it finishes; every claim is still judged in its own
bounded worker, as `symderiv check` does."""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import sys
import time
from pathlib import Path

from symderiv.cli import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, main
from symderiv.core.timebound import close_workers


def _command(task: tuple[str, str]) -> tuple[int, float, str]:
    """One `symderiv COMMAND FILE` in this process: its exit status, seconds and printed text."""
    command, path = task
    buffer = io.StringIO()
    sys.stdout = sys.stderr = buffer
    began = time.monotonic()
    try:
        status = main([command, path])
    finally:
        close_workers()
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    return status, time.monotonic() - began, buffer.getvalue()


def run(jobs: int) -> int:
    """Every command; a file that cannot be processed (exit 2) or an internal error (exit 3) is a
    failure; Ctrl-C stops the demo (exit 130)."""
    tasks = [(command, str(path)) for path in sorted(Path("derivations").glob("*.toml"))
             for command in ("solve", "check")]
    failures = 0
    start = time.monotonic()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        try:
            for (command, path), (status, seconds, text) in zip(tasks, pool.imap(_command, tasks), strict=True):
                print(f"\n$ symderiv {command} {path}\n{text}[exit {status}, {seconds:.1f} s]", flush=True)
                if status == EXIT_INTERRUPTED:
                    return status
                if status in (EXIT_BAD_INPUT, EXIT_INTERNAL):
                    failures += 1
        except KeyboardInterrupt:
            pool.terminate()
            print("demo: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
    took = f" in {time.monotonic() - start:.0f} s with {jobs} process(es)"
    print(f"\n{failures} command(s) failed{took}" if failures else f"\nall problem files processed{took}")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes (default: one per core)")
    sys.exit(run(max(1, parser.parse_args().jobs)))
