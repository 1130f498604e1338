"""Grades out: Gradescope's autograder results.json for one submission, and a class's CSV gradebook.

results.json follows Gradescope's documented format (gradescope-autograders.readthedocs.io, "Autograder
Specifications", "Output format"): a top-level score and one test per rubric part, each with its
score, max_score, status, name, number and output. The gradebook has one row per submission:
the student, the variant, the total, the maximum, each part's score, and the parts a person must
look at. Cells a spreadsheet would read as a formula (=, +, -, @ first) are quoted with '.
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from typing import Any

from ..kinds.rubric import StudentScore

#: The first characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def score_text(value: Fraction) -> str:
    """An exact score as text: an integer (2), its exact decimal (1.25), else 6 decimals (0.333333)."""
    if value.denominator == 1:
        return str(value.numerator)
    q = value.denominator
    for p in (2, 5):
        while q % p == 0:
            q //= p
    if q != 1:
        return f"{float(value):.6f}"
    digits = 0
    while (value * 10**digits).denominator != 1:
        digits += 1
    scaled = int(value * 10**digits)
    body = str(abs(scaled)).rjust(digits + 1, "0")
    return f"{'-' if scaled < 0 else ''}{body[:-digits]}.{body[-digits:]}"


def results_json(result: StudentScore, execution_time: float | None = None) -> dict[str, Any]:
    """Gradescope's results.json for one submission: one test per part (score, max_score, status
    passed only at full points, output saying what was found and whether a person must look)."""
    tests = []
    for number, part in enumerate(result.parts, start=1):
        lines = [f"{part.outcome}: {part.detail}" if part.detail else part.outcome]
        if part.needs_person:
            lines.append("needs a person: this part could not be graded automatically (0 points until reviewed)")
        tests.append({
            "name": part.part.name,
            "number": str(number),
            "score": float(part.score),
            "max_score": float(part.part.points),
            "status": "passed" if part.score == part.part.points else "failed",
            "output": "\n".join(lines),
            "output_format": "text",
            "tags": [part.part.id, *part.part.targets],
            "extra_data": {"part": part.part.id, "outcome": part.outcome, "needs_person": part.needs_person,
                           "score_exact": str(part.score)},
        })
    summary = f"{score_text(result.total)} of {score_text(result.max_total)} points"
    if result.needs_person:
        summary += "; some parts wait for a person (see the tests marked 'needs a person')"
    out: dict[str, Any] = {"score": float(result.total), "output": "\n".join([summary, *result.notes]),
                           "output_format": "text", "tests": tests,
                           "extra_data": {"student": result.student, "variant": result.variant,
                                          "needs_person": result.needs_person}}
    if execution_time is not None:
        out["execution_time"] = execution_time
    return out


def results_json_text(result: StudentScore, execution_time: float | None = None) -> str:
    """results.json as text (UTF-8, two-space indents, keys in a fixed order)."""
    return json.dumps(results_json(result, execution_time), indent=2, ensure_ascii=False) + "\n"


def gradebook_csv(results: list[StudentScore]) -> str:
    """The class's gradebook: a header, then one row per submission in the order given. Every
    submission is graded by the same rubric (its parts are the columns)."""
    if not results:
        raise ValueError("a gradebook needs at least one submission")
    parts = [p.part for p in results[0].parts]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "variant", "total", "max_total", *[p.id for p in parts], "needs_person"])
    for result in results:
        if [p.part for p in result.parts] != parts:
            raise ValueError(f"{result.student}: graded by another rubric than the first submission")
        writer.writerow([safe_cell(result.student), safe_cell(result.variant), score_text(result.total),
                         score_text(result.max_total), *[score_text(p.score) for p in result.parts],
                         " ".join(safe_cell(p.part.id) for p in result.parts if p.needs_person)])
    return buffer.getvalue()


def safe_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: a leading =, +, -, @, tab or CR gets a ' before it."""
    return f"'{text}" if text.startswith(FORMULA_START) else text
