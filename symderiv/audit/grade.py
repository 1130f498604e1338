"""A class's submissions: found by student (and variant), and each audit scored by the problem's rubric.

A submission is a typed document (.md, .tex, .txt, as `symderiv audit` reads it) in the submissions
folder: a file named by its student (`alice.md`), or a folder per student holding one document
(`alice/answer.tex`). Its variant (a folder of `symderiv variants --out`, `vNNN/problem.toml`) is
named in the file name (`alice.v17.md`) or on the document's first line (`variant: 17`, also
inside Markdown front matter `---` or a comment `% variant: 17`, `<!-- variant: 17 -->`).

Each rubric part is scored from the chains of the audit whose first side is one of its targets
(`\\frac{\\partial L}{\\partial W^{(1)}} = ... = [numbers]`): `correct` when every link is right and
the final value is the target's; `chain` when the chain has a formula, every link up to the last
formula is right and the final number alone is wrong (a bare wrong number is `incorrect`);
`incorrect` for a wrong formula or a wrong step; `undecided` when a link could not be judged;
`missing` when no chain names the target; `unreadable` when a target has no complete answer and an
equation near it (or anywhere, for a missing one) could not be read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import SymderivError, Timeout
from ..core.exact import numeric_cells
from ..core.timebound import time_limit
from ..kinds.base import Claim, Problem
from ..kinds.rubric import Rubric, StudentScore
from .extract import FORMATS
from .judge import Audit, Entry
from .limits import LINK_SECONDS, MAX_DOCUMENT_CHARS

#: File endings read as submissions (the format each is read in).
SUBMISSION_FORMATS = {".md": "md", ".markdown": "md", ".tex": "tex", ".txt": "txt"}
#: `variant: 17` on the first line (bare, in front matter, or after a comment mark).
_VARIANT_LINE = re.compile(r"^\s*(?:%|<!--|#)?\s*variant\s*[:=]\s*v?([0-9]{1,6})\b", re.IGNORECASE)
#: `alice.v17.md`: the variant in the file name.
_VARIANT_NAME = re.compile(r"^(?P<student>.+)\.v(?P<variant>[0-9]{1,6})$")
#: A student's name as a folder name: letters, digits, '.', '_', '-' (others become '_').
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
#: Mistake names of the judges, by kind (first match wins); a wrong link without a name is "wrong value".
MISTAKE_KINDS = (
    ("sign", re.compile(r"^sign\b|constant factor -1$")),
    ("swapped indices", re.compile(r"swapped indices|index map")),
    ("missing transpose", re.compile(r"transpose")),
    ("wrong activation derivative", re.compile(r"f' factor|mask|activation")),
    ("dropped or extra factor", re.compile(r"constant factor|factor")),
    ("wrong shape", re.compile(r"shape")),
    ("missing or extra sum", re.compile(r"sum")),
)
OTHER_MISTAKE = "wrong value (no pattern named)"
#: The mistake of a part whose chain is right and whose final number is wrong.
FINAL_NUMBER = "wrong final number"
#: A constant factor between the claimed and the true value this simple is a dropped or extra factor
#: (1/2, 2, 3/2, -2); a ratio such as 691/679 is an arithmetic slip (a wrong value).
SIMPLE_FACTOR = 4
_FACTOR = re.compile(r"constant factor (-?[0-9]+)(?:/([0-9]+))?$")


@dataclass(frozen=True)
class Submission:
    """One student's document: where it is, its format, its variant id (or None), its text's SHA-256."""

    student: str
    path: str
    fmt: str
    variant: str | None
    sha256: str
    size: int


@dataclass
class Mistake:
    """A wrong link of a graded part: the part, the line, the kind of mistake, the judge's words, the link."""

    part: str
    line: int
    kind: str
    mistake: str
    text: str


@dataclass
class Graded:
    """A submission's score and the mistakes found, part by part."""

    score: StudentScore
    mistakes: list[Mistake] = field(default_factory=list)


#: Names of the class's own files in OUT: a student of that name gets a folder named student-NAME.
RESERVED = {"gradebook.csv", "summary.html", "summary.pdf", "summary-scores.png", "summary-parts.png",
            "summary-mistakes.png"}


def safe_name(student: str) -> str:
    """A student's name as a folder name (never empty, never '.' or '..', never a file of the class's)."""
    name = (_UNSAFE.sub("_", student).strip("._") or "student")[:100]
    return f"student-{name}" if name.lower() in RESERVED else name


def read_variant(first_lines: str) -> str | None:
    """The variant id named on one of the first lines of a document (`variant: 17`), or None."""
    for line in first_lines.splitlines()[:5]:
        found = _VARIANT_LINE.match(line)
        if found:
            return str(int(found.group(1)))
        if line.strip() not in ("", "---", "<!--"):
            break
    return None


def find_submissions(folder: str | Path) -> tuple[list[Submission], list[str]]:
    """The submissions in `folder` by student name (sorted), and the problems found (one line each:
    two documents of one student, a folder with no or several documents, a file too large)."""
    root = Path(folder)
    if not root.is_dir():
        raise SymderivError(f"{folder}: not a folder of submissions")
    found: dict[str, Submission] = {}
    problems: list[str] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            documents = sorted(p for p in entry.iterdir() if p.is_file() and p.suffix.lower() in SUBMISSION_FORMATS)
            if len(documents) != 1:
                problems.append(f"{entry}: a student's folder needs exactly one document (.md, .tex, .txt), "
                                f"found {len(documents)}")
                continue
            student, named_variant, path = entry.name, _VARIANT_NAME.match(documents[0].stem), documents[0]
        elif entry.is_file() and entry.suffix.lower() in SUBMISSION_FORMATS:
            named_variant = _VARIANT_NAME.match(entry.stem)
            student, path = (named_variant.group("student") if named_variant else entry.stem), entry
        else:
            continue
        data = path.read_bytes()
        variant = str(int(named_variant.group("variant"))) if named_variant else \
            read_variant(data[:2000].decode("utf-8", "replace"))
        key = safe_name(student)
        if key in found:
            problems.append(f"{path}: a second document of student {key!r} (the first: {found[key].path})")
            continue
        found[key] = Submission(key, str(path), SUBMISSION_FORMATS[path.suffix.lower()], variant,
                                hashlib.sha256(data).hexdigest(), len(data))
    return [found[k] for k in sorted(found)], problems


def read_submission(submission: Submission) -> str:
    """The text of a submission (UTF-8), refused with one line naming its file if it is not text or too long."""
    data = Path(submission.path).read_bytes()
    name = Path(submission.path).name  # the file's name only: the message goes to the student
    if len(data) > 4 * MAX_DOCUMENT_CHARS:
        raise SymderivError(f"{name}: {len(data)} bytes, more than a document may have")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SymderivError(f"{name}: not UTF-8 text (byte {exc.start})") from None


def variant_problems(folder: str | Path) -> dict[str, Path]:
    """The problem file of each variant in a `symderiv variants --out` folder: id ('17') -> vNNN/problem.toml."""
    out: dict[str, Path] = {}
    for entry in sorted(Path(folder).glob("v*/problem.toml")):
        digits = entry.parent.name[1:]
        if digits.isdigit():
            out[str(int(digits))] = entry
    return out


def mistake_kind(mistake: str | None) -> str:
    """The kind of a judge's mistake name ('constant factor 1/2' -> 'dropped or extra factor')."""
    if not mistake:
        return OTHER_MISTAKE
    factor = _FACTOR.search(mistake)
    if factor and (abs(int(factor.group(1))) > SIMPLE_FACTOR or int(factor.group(2) or 1) > SIMPLE_FACTOR):
        return OTHER_MISTAKE
    for kind, pattern in MISTAKE_KINDS:
        if pattern.search(mistake):
            return kind
    return OTHER_MISTAKE


def _is_number(latex: str) -> bool:
    try:
        return numeric_cells(latex) is not None
    except SymderivError:
        return False


def _rhs(audit: Audit, entry: Entry) -> str:
    return audit.document.equations[entry.equation].links[entry.link].rhs.latex


def _final_value(problem: Problem, target: str, latex: str) -> str:
    """The verdict on the final side of a part's chain as the target's value ('correct', 'incorrect',
    'undecided'), judged in process under the link's budget (the audit runs in a grading worker)."""
    try:
        verdict = problem.check_one(Claim(f"final {target}", target, latex), seconds=min(LINK_SECONDS, time_limit()))
    except (Timeout, SymderivError):
        return "undecided"
    return verdict.verdict if verdict.verdict in ("correct", "incorrect") else "undecided"


def grade_audit(audit: Audit, problem: Problem, rubric: Rubric, student: str, variant: str = "") -> Graded:
    """Each part of `rubric` scored from the chains of `audit` headed by its targets (module docstring);
    the outcome of a part of several targets is the worst of theirs."""
    chains: dict[int, list[Entry]] = {}
    for entry in audit.entries:
        if entry.link is not None:
            chains.setdefault(entry.chain, []).append(entry)
    owner = {target: part.id for part in rubric.parts for target in part.targets}
    headed: dict[str, list[list[Entry]]] = {}
    region: dict[int, str] = {}  # equation index -> the target whose chain came last before it
    current: str | None = None
    for equation in audit.document.equations:
        links = chains.get(equation.chain, [])
        if links and links[0].equation == equation.index and links[0].target in owner:
            current = links[0].target
            headed.setdefault(current, []).append(links)
        if current is not None:
            region[equation.index] = current
    unread = [e for e in audit.entries if e.verdict == "not read"]
    outcomes: dict[str, list[tuple[str, str]]] = {part.id: [] for part in rubric.parts}
    mistakes: list[Mistake] = []
    for target, part_id in owner.items():
        near = [e for e in unread if region.get(e.equation) == target]
        outcome, detail, wrong = _target_outcome(audit, problem, target, headed.get(target, []), near, unread)
        outcomes[part_id].append((outcome, f"{target}: {detail}"))
        mistakes += [Mistake(part_id, e.line, FINAL_NUMBER if outcome == "chain" else mistake_kind(e.mistake),
                             e.mistake or "", e.text) for e in wrong]
    order = ("unreadable", "undecided", "incorrect", "missing", "chain", "correct")
    scores = []
    for part in rubric.parts:
        found = outcomes[part.id]
        worst = min((o for o, _ in found), key=order.index)
        scores.append(rubric.score(part.id, worst, "; ".join(d for _, d in found)))
    notes = tuple(f"line {e.line}: not read ({e.message})" for e in unread[:5])
    return Graded(StudentScore(student, tuple(scores), variant, notes), mistakes)


def _target_outcome(audit: Audit, problem: Problem, target: str, chains: list[list[Entry]], near: list[Entry],
                    unread: list[Entry]) -> tuple[str, str, list[Entry]]:
    """(outcome, what was found, the first wrong link of each wrong chain) for one target."""
    if not chains:
        if unread:
            return "unreadable", f"no answer read; {len(unread)} equation(s) not read, first at line " \
                                 f"{unread[0].line}", []
        return "missing", "no equation gives it", []
    links = [e for chain in chains for e in chain]
    wrong = [e for e in links if e.verdict == "incorrect"]
    firsts = [e for e in wrong if e.first_wrong] or wrong[:1]
    last = chains[-1][-1]
    final = _rhs(audit, last)
    numeric = _is_number(final)
    if near and not numeric:
        return "unreadable", f"the answer ends in a formula and line {near[0].line} could not be read", []
    if wrong:
        formulas = [e for e in chains[-1] if not _is_number(_rhs(audit, e))]
        last_formula = formulas[-1].link if formulas else -1
        right = ("correct", "definition")
        chain_right = last_formula >= 0 and all(e.verdict in right for chain in chains[:-1] for e in chain) and \
            all(e.verdict in right for e in chains[-1] if e.link <= last_formula)
        if numeric and chain_right and _final_value(problem, target, final) == "incorrect":
            return "chain", f"every step right, the final number wrong (line {last.line})", firsts
        where = ", ".join(f"line {e.line}" + (f" ({e.mistake})" if e.mistake else "") for e in firsts)
        return "incorrect", f"a wrong step: {where}", firsts
    undecided = [e for e in links if e.verdict == "undecided"]
    if undecided:
        return "undecided", f"line {undecided[0].line} could not be judged: {undecided[0].message[:200]}", []
    if numeric and _final_value(problem, target, final) != "correct":
        return "undecided", f"the final value at line {last.line} could not be judged", []
    return "correct", f"correct (line {last.line})", []


def score_json(graded: Graded) -> dict[str, Any]:
    """A graded submission as JSON (the done marker keeps it, so a rerun rebuilds the class's outputs)."""
    score = graded.score
    return {"student": score.student, "variant": score.variant, "notes": list(score.notes),
            "parts": [{"id": p.part.id, "outcome": p.outcome, "detail": p.detail} for p in score.parts],
            "mistakes": [vars(m) for m in graded.mistakes]}


def score_from_json(data: dict[str, Any], rubric: Rubric) -> Graded:
    """score_json read back, each part scored again by `rubric` (a changed rubric changes the points)."""
    parts = tuple(rubric.score(p["id"], p["outcome"], p["detail"]) for p in data["parts"])
    if [p.part.id for p in parts] != [p.id for p in rubric.parts]:
        raise ValueError("graded by another rubric")
    return Graded(StudentScore(data["student"], parts, data.get("variant", ""), tuple(data.get("notes", ()))),
                  [Mistake(**m) for m in data.get("mistakes", [])])


def unreadable(rubric: Rubric, student: str, variant: str, why: str) -> Graded:
    """Every part unreadable (0 points, for a person), with the reason: a document that could not be graded."""
    parts = tuple(rubric.score(part.id, "unreadable", why) for part in rubric.parts)
    return Graded(StudentScore(student, parts, variant, (f"needs a person: {why}",)))


__all__ = ["FORMATS", "MISTAKE_KINDS", "Graded", "Mistake", "Submission", "find_submissions", "grade_audit",
           "mistake_kind", "read_submission", "read_variant", "safe_name", "score_from_json", "score_json",
           "unreadable", "variant_problems"]
