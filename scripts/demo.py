"""Solve and check every bundled problem file; fail only on errors, not on wrong students."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from symderiv.cli import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, main


def run() -> int:
    """Every command in this process (its claims judged in forked workers); a file that cannot be
    processed (exit 2) or an internal error (exit 3) is a failure; Ctrl-C stops the demo."""
    failures = 0
    start = time.monotonic()
    for path in sorted(Path("derivations").glob("*.toml")):
        for command in ("solve", "check"):
            print(f"\n$ symderiv {command} {path}", flush=True)
            began = time.monotonic()
            status = main([command, str(path)])
            print(f"[exit {status}, {time.monotonic() - began:.1f} s]", flush=True)
            if status == EXIT_INTERRUPTED:
                return status
            if status in (EXIT_BAD_INPUT, EXIT_INTERNAL):
                failures += 1
    took = f" in {time.monotonic() - start:.0f} s"
    print(f"\n{failures} command(s) failed{took}" if failures else f"\nall problem files processed{took}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run())
