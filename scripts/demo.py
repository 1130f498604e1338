"""Solve and check every bundled problem file; fail only on errors, not on wrong students."""

from __future__ import annotations

import sys
from pathlib import Path

from symderiv.cli import EXIT_BAD_INPUT, main


def run() -> int:
    failures = 0
    for path in sorted(Path("derivations").glob("*.toml")):
        for command in ("solve", "check"):
            print(f"\n$ symderiv {command} {path}", flush=True)
            status = main([command, str(path)])
            if status == EXIT_BAD_INPUT:
                failures += 1
    print(f"\n{failures} problem file(s) could not be processed" if failures else "\nall problem files processed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run())
