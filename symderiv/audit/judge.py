"""`audit(problem, text)`: every equation of a solution document judged in place, link by link,
each link a Claim judged by the problem's own machinery in its bounded worker."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..core.errors import InputTypeError, InternalError, SymderivError, Timeout
from ..core.exact import decimals_written, numeric_cells
from ..core.timebound import run_bounded, time_limit
from ..core.verdict import Verdict
from ..kinds.base import Claim, Problem
from ..kinds.network import NetworkProblem
from .arithmetic import judge_as_formulas
from .composition import judge_compositions
from .document import Document, Equation, Link
from .extract import extract
from .limits import AUDIT_SECONDS, LINK_SECONDS, MAX_JUDGED_LINKS, MAX_SIDE_CHARS
from .network import (
    SideReading,
    as_definition,
    audit_view,
    correct_value,
    entrywise,
    expand_definitions,
    function_definition,
    function_head,
    read_sides,
    substitute,
)
from .parts import candidates
from .stepsize import StepSizeChains, stated_reading, verdict_kind
from .targets import Recognised, about_own_names, is_derivative, normalise, recognise, states_one_hot

#: What an entry of an audit says about its link (or its equation, when it was not read).
VERDICTS = ("correct", "incorrect", "undecided", "definition", "not read")
#: How a side that is a number (or a matrix of numbers) reads: a value, no name, no target.
NUMBER = SideReading(True, None, "a number", False)
#: Relations judged as equalities ("\\approx" to the digits written).
EQUALITIES = ("=", r"\approx", ":=", "=:", r"\equiv")


@dataclass
class Entry:
    """The verdict on one link of an equation (or on an equation that was not read: `link` None).
    `target` is what the left side was recognised as ('dL/dW1', 'gradient', or the side itself
    when it names a quantity of the problem); `correct` the true value of a recognised target."""

    equation: int
    link: int | None
    line: int
    column: int
    text: str
    relation: str | None
    section: tuple[str, ...]
    chain: int
    verdict: str
    message: str = ""
    target: str | None = None
    counterexample: dict[str, Any] | None = None
    mistake: str | None = None
    expected: Any = None  # SymPy values, as the verdict's (render/ prints them)
    claimed: Any = None
    correct: sp.Basic | None = None
    problem: str | None = None
    first_wrong: bool = False
    remarks: tuple[str, ...] = ()  # the conventions of notation the link was read under (the verdict's)
    by_problem: tuple[tuple[str, str], ...] = ()  # judged by several problems: (title, verdict) of each


@dataclass
class Audit:
    """A document and the verdict on every link of every equation, in document order."""

    document: Document
    entries: list[Entry]
    problems: list[str] = field(default_factory=list)

    def equation_entries(self, equation: int) -> list[Entry]:
        return [entry for entry in self.entries if entry.equation == equation]

    def equation_verdict(self, equation: int, problem: str | None = None) -> str:
        """incorrect if a link is; else undecided if a link is; not read; else correct (or
        definition when every link defines). With `problem` (a title): the verdicts that problem
        reached, where the part was judged by several."""
        verdicts = {dict(entry.by_problem).get(problem, entry.verdict) if problem else entry.verdict
                    for entry in self.equation_entries(equation)}
        for verdict in ("not read", "incorrect", "undecided", "correct", "definition"):
            if verdict in verdicts:
                return verdict
        return "undecided"

    def summary(self) -> dict[str, int]:
        """Counts of equations: read, correct, incorrect, undecided, definitions, not read; and of links."""
        counts = {"equations": len(self.document.equations), "read": 0, "correct": 0, "incorrect": 0,
                  "undecided": 0, "definition": 0, "not_read": 0}
        for equation in self.document.equations:
            verdict = self.equation_verdict(equation.index)
            counts["not_read" if verdict == "not read" else verdict] += 1
            counts["read"] += verdict != "not read"
        counts["links"] = sum(1 for entry in self.entries if entry.link is not None)
        return counts

    def first_wrong(self) -> list[Entry]:
        """The first wrong link of each chain, in document order."""
        return [entry for entry in self.entries if entry.first_wrong]

    def first_wrong_by_part(self) -> list[tuple[str, Entry]]:
        """The first wrong step of each part (top-level section, or the whole document)."""
        seen: dict[str, Entry] = {}
        for entry in self.first_wrong():
            part = entry.section[0] if entry.section else "(document)"
            seen.setdefault(part, entry)
        return list(seen.items())


# -- judging ------------------------------------------------------------------------------------

@dataclass
class _Item:
    """One link of a chain, with its equation."""

    equation: Equation
    position: int
    link: Link


def _decimals(latex: str) -> int | None:
    """The fewest decimals written in a number or matrix of numbers ('0.35' -> 2), None if none."""
    try:
        cells = numeric_cells(latex)
    except SymderivError:
        return None
    places = [d for row in cells or [] for cell in row if (d := decimals_written(cell)) is not None]
    return min(places) if places else None


def _approximately(entry: Entry, lhs: str, rhs: str) -> None:
    """An \\approx link found unequal: judged to the precision written, as `=` with decimals is (half
    a unit of the last digit), it stays incorrect -- one unit off named as truncation, not rounding;
    with no decimal on either side the precision meant is not known: undecided."""
    places = [d for d in (_decimals(lhs), _decimals(rhs)) if d is not None]
    if not places:
        entry.verdict = "undecided"
        entry.message = f"not equal exactly, and no decimals are written to give the precision of \\approx: " \
                        f"{entry.message}"
        return
    unit = sp.Rational(1, 10 ** min(places))
    values = (entry.expected, entry.claimed)
    if all(isinstance(v, sp.Expr) and v.is_number for v in values):
        off = sp.Abs(values[0] - values[1])
        if sp.N(off - unit, 30) <= 0:
            entry.mistake = f"truncated rather than rounded: within one unit ({unit}) of the last digit written, " \
                            "not half a unit"


def _is_number(latex: str) -> bool:
    try:
        return numeric_cells(latex) is not None
    except SymderivError:
        return False




def _link_text(document: Document, link: Link) -> str:
    """The link as `lhs relation rhs`, each side as the reader got it (alignment and line breaks out)."""
    written = " ".join(link.written.replace("&", " ").split()) or link.relation
    return f"{link.lhs.latex} {written} {link.rhs.latex}"




def _defines(link: Link, left: SideReading, right: SideReading, lhs: str, where: dict[str, str]) -> bool:
    """The first link of a chain defines the student's own name: a definition (`:=`, "let")
    of a name the problem does not know, or `name = ...` written first for a name nobody
    knows; either also when the student defined a function of that name with another argument
    (`l_2(\\mathbf{V}) = ...` after `l_2(\\mathbf{h}) = ...`)."""
    redefines = any(function_head(key) == function_head(lhs) and key != lhs for key in where)
    if link.definition:
        named = left if link.defined_side is link.lhs else right
        return not named.known or redefines
    return link.relation == "=" and left.name and (not left.known or redefines)


class _Judging(StepSizeChains):
    """The state of one audit: the problems, the readers' views, and how many links were judged."""

    def __init__(self, document: Document, problems: list[Problem]) -> None:
        self.document = document
        self.problems = problems
        self.views: dict[int, Problem] = {}
        self.judged = 0
        self.started = time.monotonic()
        self.verdicts: dict[tuple, Verdict] = {}  # a claim written twice is judged once
        self.readings: dict[tuple, SideReading] = {}
        self.defined: list[tuple[int, Equation, str, str]] = []  # the student's names: (problem, where, name, value)

    def view(self, problem: Problem) -> Problem:
        found = self.views.get(id(problem))
        if found is None:
            found = audit_view(problem) if isinstance(problem, NetworkProblem) else problem
            self.views[id(problem)] = found
        return found

    def where(self, equation: Equation, problem: Problem) -> dict[str, str]:
        """The student's names visible at `equation`, name -> value: each defined before it in the same
        top-level section and the part `problem` judges (a later definition of a name, or of a
        function of the same name with another argument, replaces an earlier one)."""
        out = self.document.notation_in_prose(equation)  # stated in words: notation for every problem
        for owner, defined_in, name, value in self.defined:
            visible = equation.section[:1] == defined_in.section[:1]
            explained = self.document.equations[defined_in.explains].start if defined_in.explains >= 0 else None
            if owner == id(problem) and visible and (defined_in.start < equation.start if explained is None
                                                     else explained <= equation.start):
                for old in [old for old in out if function_head(old) == function_head(name)]:
                    del out[old]
                out[name] = value
        return expand_definitions(out)

    def define(self, problem: Problem, item: _Item, name: str, value: str) -> dict[str, str]:
        """Keep the student's definition `name = value` (as the notation takes it, see
        network.as_definition); returns it as a one-entry table."""
        name, value = as_definition(name, value)
        self.defined.append((id(problem), item.equation, name, value))
        return {name: value}

    def exhausted(self) -> str | None:
        """Why no more links are judged in this document (its bounds), or None."""
        if self.judged >= MAX_JUDGED_LINKS:
            return f"not judged: more than {MAX_JUDGED_LINKS} links in one document"
        if time.monotonic() - self.started > AUDIT_SECONDS:
            return f"not judged: the audit's time bound ({AUDIT_SECONDS:g} s) was reached"
        return None

    def check(self, problem: Problem, claim: Claim) -> Verdict:
        key = (id(problem), claim.target, claim.latex, repr(sorted(claim.options.items())))
        found = self.verdicts.get(key)
        if found is not None:
            return Verdict(claim.id, claim.target, claim.latex, found.verdict, found.message,
                           found.expected, found.claimed, found.counterexample, found.mistake, dict(found.details),
                           found.remarks)
        why = self.exhausted()
        if why is not None:
            return Verdict(claim.id, claim.target, claim.latex, "undecided", message=why)
        self.judged += 1
        verdict = problem.check_one(claim, seconds=min(LINK_SECONDS, time_limit()))
        self.verdicts[key] = verdict
        return verdict

    # -- a chain --------------------------------------------------------------------------------

    def chain(self, items: list[_Item], problems: list[Problem]) -> list[Entry]:
        """The entries of one chain, judged by each problem of its part (several agree, or the link is
        undecided: see `_agreed`)."""
        if not problems:
            return [self._entry(item, "undecided", "no problem file given for this part of the document")
                    for item in items]
        why = self.exhausted()
        if why is not None:
            return [self._entry(item, "undecided", why) for item in items]
        if len(problems) == 1:
            return self._chain_in(items, problems[0])
        results = [self._chain_in(items, problem) for problem in problems]
        return [_agreed([result[n] for result in results]) for n in range(len(items))]

    def _chain_in(self, items: list[_Item], problem: Problem) -> list[Entry]:
        view = self.view(problem)
        where = self.where(items[0].equation, view)
        if isinstance(view, NetworkProblem):
            entries = self._network_chain(items, view, where)
        else:
            entries = self._target_chain(items, view, where)
        for entry in entries:
            entry.problem = problem.title
        return entries

    def _entry(self, item: _Item, verdict: str, message: str = "", **extra: Any) -> Entry:
        link = item.link
        return Entry(item.equation.index, item.position, link.line, link.column, _link_text(self.document, link),
                     link.relation, item.equation.section, item.equation.chain, verdict, message, **extra)

    def _from_verdict(self, item: _Item, verdict: Verdict, target: str | None, prefix: str = "") -> Entry:
        message = verdict.message or ""
        if verdict.verdict == "error":
            message = f"cannot judge: {message}"
        return self._entry(item, verdict_kind(verdict), prefix + message, target=target,
                           counterexample=verdict.counterexample, mistake=verdict.mistake,
                           expected=verdict.expected, claimed=verdict.claimed, remarks=verdict.remarks)

    # -- the network kind: every side bound through the notation ---------------------------------

    def _readings(self, view: NetworkProblem, sides: list[str], where: dict[str, str]) -> list[SideReading]:
        """What each side names (see network.read_sides), remembered per side and definitions; a
        number names nothing and is not sent to the worker."""
        context = (id(view), repr(sorted(where.items())))
        missing = [side for side in dict.fromkeys(sides)
                   if (context, side) not in self.readings and not _is_number(side)]
        if missing:
            why = self.exhausted()
            try:
                if why is not None:
                    raise SymderivError(why)
                self.judged += 1
                found = run_bounded(view, read_sides, missing, where, seconds=min(LINK_SECONDS, time_limit()))
            except (Timeout, SymderivError) as exc:
                found = [SideReading(False, None, str(exc)) for _ in missing]
            except InternalError as exc:
                found = [SideReading(False, None, f"internal error (a bug in symderiv): {exc.summary}")
                         for _ in missing]
            self.readings.update({(context, side): reading for side, reading in zip(missing, found, strict=True)})
        return [self.readings.get((context, side), NUMBER) for side in sides]

    def _network_chain(self, items: list[_Item], view: NetworkProblem, where: dict[str, str]) -> list[Entry]:
        sides = [items[0].link.lhs.latex] + [item.link.rhs.latex for item in items]
        readings = self._readings(view, sides, where)
        has_data = view.given >= {"X", "T", *view.net.params}
        # a side that is a number (x_1 = [1, 0], z_2 = [1, 1], L = 0.19) makes the chain about the data:
        # a formula equals a number only at particular values, never as an identity at random points
        about_data = has_data and any(_is_number(side) for side in sides)
        entries: list[Entry] = []
        defining: tuple[int, int] | None = None
        for n, item in enumerate(items):
            link, lhs, rhs = item.link, sides[n], sides[n + 1]
            reading = readings[n]
            target = reading.target or (lhs if reading.known else None)
            if n == 0 and not item.equation.continues and _defines(link, readings[0], readings[1], lhs, where):
                defined, value = (link.defined_side.latex, link.value_side.latex) if link.definition else (lhs, rhs)
                where = expand_definitions({**where, **self.define(view, item, defined, value)})
                defining = (len(self.defined) - 1, n)
                entries.append(self._entry(item, "definition", f"defines {defined} (a name of the student's own)"))
                continue
            if link.relation not in EQUALITIES:
                entries.append(self._entry(item, "undecided", f"the relation {link.written} is not judged "
                                           "in a network problem", target=target))
                continue
            if any(len(side) > MAX_SIDE_CHARS for side in (lhs, rhs)):
                entries.append(self._entry(item, "undecided", "a side too long to read", target=target))
                continue
            claim_id = f"line {link.line}"
            if reading.target and _is_number(rhs):
                claim = Claim(claim_id, reading.target, rhs)
            else:
                options: dict[str, Any] = {}
                if where:
                    options["where"] = dict(where)
                if about_data:
                    options["at"] = "data"
                claim = Claim(claim_id, "", f"{lhs} = {rhs}", options=options)
            verdict = self.check(view, claim)
            entry = self._from_verdict(item, verdict, target)
            if link.relation == r"\approx" and entry.verdict == "incorrect" and not claim.target:
                _approximately(entry, lhs, rhs)
            if entry.verdict == "incorrect" and reading.target:
                entry.correct = _correct(view, reading.target)
            entries.append(entry)
        if defining is not None and len(entries) > 1 and all(e.verdict == "correct" for e in entries[1:]):
            # `l_2(h') = y' = W h' + c`: the name stands for the last, most explicit, side of its chain
            owner, equation, _, _ = self.defined[defining[0]]
            name, value = as_definition(items[0].link.lhs.latex, sides[-1])
            self.defined[defining[0]] = (owner, equation, name, value)
        return entries

    # -- every other kind: a target recognised from the left side, each side judged against it ----

    def _target_chain(self, items: list[_Item], problem: Problem, where: dict[str, str]) -> list[Entry]:
        head = items[0].link
        relations = tuple(item.link.relation for item in items)
        sides = [head.lhs.latex] + [item.link.rhs.latex for item in items]
        eigen = stated_reading(self.document, problem) if problem.kind == "gradient_descent" else None
        earlier = [(link.lhs.latex, link.rhs.latex) for equation in self.document.equations[:items[0].equation.index]
                   for link in equation.links]
        recognised: Recognised | None = recognise(problem, sides, relations, where, eigen,
                                                  states_one_hot(problem, earlier))
        # "where $\partial L/\partial z_k = ...$": the value of a derivative the problem knows is a claim
        # whatever the prose says (a derivative has its meaning already); a name or function stays defined
        if head.definition and (recognised is None or head.relation != "=" or not is_derivative(head.lhs.latex)):
            entries = []
            for item in items:
                if item.link.definition:
                    self.define(problem, item, item.link.defined_side.latex, item.link.value_side.latex)
                    cue = item.link.cue or ""
                    how = f"; {cue.removeprefix('prose: denote (').removesuffix(')')}" if cue.startswith(
                        "prose: denote (") else ""
                    entries.append(self._entry(item, "definition", f"defines {item.link.defined_side.latex} "
                                               f"(the student's name{how})"))
                else:
                    entries.append(self._entry(item, "undecided", "a definition's value is not judged further"))
            return entries
        if recognised is None and head.relation == "=" and (function_definition(head.lhs.latex)
                                                            or entrywise(head.lhs.latex) is not None):
            # `g_1(\mathbf{x}) = ...` written first: the student's own function (a plain name is a claim)
            where = expand_definitions({**where, **self.define(problem, items[0], head.lhs.latex, head.rhs.latex)})
            first = self._entry(items[0], "definition", f"defines {head.lhs.latex} (a function of the student's own)")
            return [first] + [self._as_formulas(problem, item, where, "a definition's value is not judged further")
                              for item in items[1:]]
        if recognised is None and len(items) == 1 and states_one_hot(problem, [(head.lhs.latex, head.rhs.latex)]):
            return [self._entry(items[0], "undecided", "the one-hot hypothesis on the targets: not judged, taken "
                                "for the derivatives after it")]
        if recognised is None:
            # numbers alone, unless the left side applies a function the student defined (a statement
            # in the problem's symbols alone may be a hypothesis: "if t is one-hot, sum_k t_k = 1")
            own = about_own_names(head.lhs.latex, where)
            return [self._as_formulas(problem, item, where, f"the left side {head.lhs.latex!r} names nothing "
                                      "this problem knows", numbers_only=not own) for item in items]
        claim_id = f"line {head.line}"
        if recognised.rewritten_bound:
            return self._rewritten_bound(items, problem, recognised, claim_id)
        if recognised.whole:
            equations: list[Equation] = []
            for item in items:
                if item.equation not in equations:
                    equations.append(item.equation)
            statement = " ".join(" ".join(equation.source.split()) for equation in equations)
            # what the student wrote after the statement (`\quad \forall i`) belongs to it
            statement += "".join(f" \\quad {condition.latex}" for equation in equations
                                 for condition in equation.conditions)
            claim = Claim(claim_id, recognised.target, statement, options=dict(recognised.options))
            verdict = self._check_reading(problem, claim)
            return [self._from_verdict(item, verdict, recognised.target) for item in items]
        sides = [substitute(item.link.rhs.latex, where) for item in items]
        verdicts = [self.check(problem, Claim(f"{claim_id}.{n + 1}", recognised.target, side,
                                              options=dict(recognised.options)))
                    if r"\partial" not in side else
                    Verdict(f"{claim_id}.{n + 1}", recognised.target, side, "correct",
                            message="the definition of the entry on the left (one output differentiated by one input)")
                    if normalise(side) in recognised.restates else
                    Verdict(f"{claim_id}.{n + 1}", recognised.target, side, "undecided",
                            message="a derivative left to take: not read as a value of the target")
                    for n, side in enumerate(sides)]
        entries: list[Entry] = []
        before = "correct"  # the left side of the first link is the target itself
        for item, verdict in zip(items, verdicts, strict=True):
            literal = verdict.mistake is None and "does not exist" in (verdict.message or "")  # no mistake named
            if verdict.verdict == "incorrect" and literal:
                verdict = Verdict(verdict.id, verdict.target, verdict.latex, "undecided",
                                  message=f"cannot read the student's notation literally: {verdict.message}")
            now = verdict_kind(verdict)
            if item.link.definition:
                entries.append(self._from_verdict(item, verdict, recognised.target))
            elif before == "correct" and now == "undecided":  # the kind cannot read it: the two sides as formulas
                fallback = self._as_formulas(problem, item, where, "", target=recognised.target)
                entries.append(fallback if fallback.verdict != "undecided" else
                               self._from_verdict(item, verdict, recognised.target))
            elif before == "correct":
                entries.append(self._from_verdict(item, verdict, recognised.target))
            elif before == "incorrect" and now == "correct":
                entries.append(self._entry(item, "incorrect", f"the side before differs from "
                                           f"{recognised.target} and this one equals it, so the two differ",
                                           target=recognised.target))
            else:
                entries.append(self._as_formulas(problem, item, where, f"the side before is {before} and this "
                                                 f"one {now} as {recognised.target}: their equality is not judged",
                                                 target=recognised.target))
            before = now
        if recognised.target == "rewrite" and entries and entries[0].verdict == "correct" \
                and function_definition(head.lhs.latex) \
                and not any(function_head(name) == function_head(head.lhs.latex) for name in where):
            self.define(problem, items[0], head.lhs.latex, head.rhs.latex)  # g(a) = ..., right: the student's g
        return entries


    def _as_formulas(self, problem: Problem, item: _Item, where: dict[str, str], why: str,
                     target: str | None = None, numbers_only: bool = False) -> Entry:
        """A link judged as an equality of two formulas in the problem's symbols (see
        arithmetic.judge_as_formulas); `why` it is undecided otherwise."""
        link = item.link
        if link.relation != "=" or link.definition or max(len(link.lhs.latex), len(link.rhs.latex)) > MAX_SIDE_CHARS:
            return self._entry(item, "undecided", why, target=target)
        if self.exhausted() is not None:
            return self._entry(item, "undecided", f"{why} ({self.exhausted()})", target=target)
        self.judged += 1
        try:
            verdict = run_bounded(problem, judge_as_formulas, f"line {link.line}", link.lhs.latex, link.rhs.latex,
                                  where, numbers_only, seconds=min(LINK_SECONDS, time_limit()))
        except Timeout as exc:
            return self._entry(item, "undecided", f"{why} ({exc})", target=target)
        except SymderivError:
            return self._entry(item, "undecided", why, target=target)
        except InternalError as exc:
            return self._entry(item, "undecided", f"{why} (internal error, a bug in symderiv: {exc.summary})",
                               target=target)
        if verdict.verdict not in ("correct", "incorrect"):
            return self._entry(item, "undecided", why, target=target)
        return self._from_verdict(item, verdict, target, prefix="as formulas: ")


def _correct(view: NetworkProblem, target: str) -> sp.Basic | None:
    """The true value of a recognised target (network.correct_value), None past the time bound."""
    try:
        return run_bounded(view, correct_value, target)
    except (Timeout, SymderivError):
        return None


def _agreed(entries: list[Entry]) -> Entry:
    """One link judged by several problems of the same part (two questions under one heading): the
    verdict they reach, when those that decide agree; undecided, naming them, when they do not."""
    by_problem = tuple((entry.problem or "", entry.verdict) for entry in entries)
    decided = [entry for entry in entries if entry.verdict in ("correct", "incorrect")]
    if not decided or len({entry.verdict for entry in decided}) == 1:
        chosen = decided[0] if decided else next((e for e in entries if e.verdict == "definition"), entries[0])
        chosen.by_problem = by_problem
        return chosen
    first = decided[0]
    said = "; ".join(f"{entry.problem}: {entry.verdict}" for entry in decided)
    return Entry(first.equation, first.link, first.line, first.column, first.text, first.relation, first.section,
                 first.chain, "undecided", f"the problems of this part disagree ({said})", target=first.target,
                 by_problem=by_problem)


def _mark_first_wrong(entries: list[Entry]) -> None:
    seen: set[int] = set()
    for entry in entries:
        if entry.verdict == "incorrect" and entry.chain not in seen:
            entry.first_wrong = True
            seen.add(entry.chain)


def guess_format(text: str) -> str:
    """'tex' for a LaTeX document (\\documentclass, \\begin{document} or \\section), else 'md'."""
    return "tex" if re.search(r"\\(documentclass|begin\{document\}|section\*?\{)", text) else "md"


def audit(problem: Problem | list[Problem], text: str, fmt: str | None = None) -> Audit:
    """Every equation of the solution `text` (fmt 'md', 'tex' or 'txt'; guessed when None) judged
    against `problem` (or several, each judging the part its `section` names): one entry per link,
    one per equation that could not be read."""
    problems = list(problem) if isinstance(problem, (list, tuple)) else [problem]
    if not problems or not all(isinstance(p, Problem) for p in problems):
        raise InputTypeError("audit needs a Problem (or a list of them): load one with symderiv.load(path)")
    if not isinstance(text, str):
        raise InputTypeError(f"a document must be text (str), got {type(text).__name__}")
    document = extract(text, fmt or guess_format(text))
    judging = _Judging(document, problems)
    found = candidates(document, problems)
    chains: dict[int, list[_Item]] = {}
    for equation in document.equations:
        if equation.not_read is None:
            chains.setdefault(equation.chain, []).extend(
                _Item(equation, position, link) for position, link in enumerate(equation.links))
    order = list(chains)
    for start in list(chains):  # "where $p = ...$" after a display: its definitions judged before the display
        explained = document.equations[start].explains
        if explained in chains and order.index(explained) < order.index(start):
            order.remove(start)
            order.insert(order.index(explained), start)
    judged: dict[int, list[Entry]] = {}
    for start in order:
        judged[start] = judging.chain(chains[start], found.get(start, []))
    entries: list[Entry] = []
    done: set[int] = set()
    for equation in document.equations:
        if equation.not_read is not None:
            entries.append(Entry(equation.index, None, equation.line, equation.column, equation.source, None,
                                 equation.section, equation.chain, "not read", equation.not_read))
        elif equation.chain not in done:
            done.add(equation.chain)
            entries.extend(judged[equation.chain])
    entries.sort(key=lambda entry: (entry.equation, -1 if entry.link is None else entry.link))
    judge_compositions(problems, document, entries, judging.check)
    _mark_first_wrong(entries)
    return Audit(document, entries, [p.title for p in problems])
