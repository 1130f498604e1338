"""Document extraction time: the seeds, and pathological documents at the size limit, all formats.

Every case runs once per round, the cases interleaved round by round in one process; the
median over the rounds is printed with the slowest round. Extraction is pure Python (no BLAS);
threads are reported as the project's benchmarks do. `--rounds N` (default 30), `--quick` (3).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symderiv.audit import DocumentLimitError, extract  # noqa: E402
from symderiv.audit.limits import MAX_DOCUMENT_CHARS, MAX_EQUATIONS  # noqa: E402

SIZE = MAX_DOCUMENT_CHARS - 100


def cases() -> list[tuple[str, str, str]]:
    """(label, format, text): the seeds as they are, then documents just under the size limit."""
    found: list[tuple[str, str, str]] = []
    seeds = next((folder / "shared" / "seeds" for folder in ROOT.parents if (folder / "shared" / "seeds").is_dir()),
                 None)
    for path in sorted(seeds.glob("*.txt")) if seeds else []:
        found.append((f"seed {path.name[:3]}", "txt", path.read_text()))
    patterns = {
        "unbalanced $": "$a ",
        "unclosed $$ lines": "$$ a\n",
        "unclosed $$ paragraphs": "$$ a\n\n",
        "unclosed \\begin{align}": "\\begin{align}\n",
        "open brackets": "[",
        "open braces": "{",
        "display equations": "$$a = b = c$$\n\n",
        "deep math brackets": "$" + "(" * 7_000 + "$\n\n",
    }
    for label, unit in patterns.items():
        for fmt in ("md", "tex"):
            found.append((f"{label} ({fmt})", fmt, unit * (SIZE // len(unit))))
    found.append((f"{MAX_EQUATIONS + 1} equations (tex)", "tex", "$a = b$\n" * (MAX_EQUATIONS + 1)))
    return found


def run(fmt: str, text: str) -> str:
    try:
        summary = extract(text, fmt).summary()
    except DocumentLimitError as error:
        return f"refused: {error}"
    return f"{summary['equations']} equations, {summary['not_read']} not read"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    arguments = parser.parse_args()
    rounds = 3 if arguments.quick else arguments.rounds
    try:
        from threadpoolctl import threadpool_info

        threads = ", ".join(f"{pool['internal_api']} {pool['num_threads']}" for pool in threadpool_info()) or "none"
    except ImportError:
        threads = "threadpoolctl not installed"
    print(f"extraction is pure Python; thread pools: {threads}; rounds {rounds}")
    table = cases()
    times: dict[str, list[float]] = {label: [] for label, _, _ in table}
    outcome: dict[str, str] = {}
    for _ in range(rounds):
        for label, fmt, text in table:
            start = time.perf_counter()
            outcome[label] = run(fmt, text)
            times[label].append(time.perf_counter() - start)
    for label, _, text in table:
        print(f"{label:34s} {len(text):>9,} chars  median {statistics.median(times[label]):7.3f} s  "
              f"max {max(times[label]):7.3f} s  {outcome[label][:70]}")


if __name__ == "__main__":
    main()
