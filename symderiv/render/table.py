"""The verdict table `check` prints: one block per claim, its values in Unicode maths (or ASCII)."""

from __future__ import annotations

import textwrap
from typing import Any

from ..core.verdict import Verdict
from .terminal import one_line
from .verdicts import counterexample_text, value_text

_MARK = {"correct": "ok", "incorrect": "WRONG", "undecided": "??", "error": "ERROR"}


def render_table(title: str, verdicts: list[Verdict], ascii: bool = False) -> str:
    """A plain-text table: one block per claim with verdict, reason, the values and the
    counterexample (`ascii`: for a terminal that cannot show Unicode)."""
    lines = [title, "=" * len(title)]
    width = max([len(v.id) for v in verdicts] + [2])
    for v in verdicts:
        lines.append(f"{_MARK[v.verdict]:6} {v.id:{width}}  {v.target}")
        lines.append(f"{'':6} {'':{width}}  claim:    {one_line(v.latex)}")
        pad = " " * (width + 9)
        size = (v.details or {}).get("reduced", {}).get("note", "")
        why = v.message.removesuffix(f" [{size}]") if size else v.message
        rows: list[tuple[str, Any]] = [("why", why), ("size", size), ("mistake", v.mistake)]
        rows += [("remark", r) for r in v.remarks]
        rows += [("expected", value_text(v.expected, ascii)),
                 ("claimed", value_text(v.claimed, ascii) if v.verdict != "correct" else None)]
        for label, text in rows:
            if not text:
                continue
            if "\n" in text:  # a parse error with its caret line: keep the columns
                first, *rest = text.split("\n")
                lines.append(f"{pad}{label + ':':9} {first}")
                lines.extend(f"{pad}{'':9} {r}" for r in rest)
            elif label in ("why", "size", "mistake", "remark"):  # the reason in full, wrapped
                wrapped = textwrap.wrap(" ".join(text.split()), 110, break_long_words=False) or [""]
                if len(wrapped) > 6:
                    wrapped = [*wrapped[:5], "... (the whole reason is in --json)"]
                lines.append(f"{pad}{label + ':':9} {wrapped[0]}")
                lines.extend(f"{pad}{'':9} {r}" for r in wrapped[1:])
            else:
                lines.append(f"{pad}{label + ':':9} {one_line(text)}")
        if v.counterexample:
            shown = one_line(counterexample_text(v.counterexample, ascii), 400)
            lines.append(f"{'':6} {'':{width}}  counterexample: {shown}")
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    lines.append("")
    lines.append(", ".join(f"{n} {k}" for k, n in counts.items()) or "no claims")
    return "\n".join(lines)
