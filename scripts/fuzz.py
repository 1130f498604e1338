"""Fuzz campaign: generated formulas through parse, bind, judge, renderers and audit extraction, in bounded workers.

    python scripts/fuzz.py --n 1000 --seed 1 [--out fuzz-findings] [--budget 5] [--jobs 1]
    python scripts/fuzz.py --replay fuzz-findings/crash-judge-0123abcd.json

Each input (a formula from one of the sources of fuzz_inputs.py) is given a real bundled problem and
claim of it (chosen by kind, so every kind is fuzzed alike) and a role there: the claim's LaTeX (most
often), a `where` definition, its `of`, its target, its id or the report's title. It then runs, in a
forked worker of symderiv.core.timebound (the problems loaded and warmed once, inherited at the fork), through
the stages parse, bind, judge (`Problem.check`, under symderiv's own CPU bound SYMDERIV_TIME_LIMIT =
budget), render (terminal table, LaTeX and Markdown reports, JSON), audit (symderiv.audit.extract on a
Markdown, LaTeX or text document holding it) and, for a sampled fraction, pdf (pdflatex on the report).

Each stage's outcome: ok (a value or verdict), error (a SymderivError: a documented error), crash (any
other exception; for pdf also a report pdflatex rejects), hang (past HANG_FACTOR x budget + 1 s of CPU:
symderiv did not turn it into 'undecided: time bound'; or the kernel's CPU limit ended the worker) or
memory (MemoryError, or the worker killed, past SYMDERIV_MEMORY_LIMIT). Every distinct crash, hang and
memory finding (by stage, kind and place) is shrunk by delta debugging (tokens, then characters; bounded)
and saved to --out as JSON: the input, its reproducer, the stage, the problem file, the traceback.
Inputs are drawn from random.Random(f"{seed}/{index}"): the same --seed gives the same inputs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import mmap
import os
import random
import re
import sys
import tempfile
import threading
import time
import tomllib
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzz_inputs as inputs

from symderiv import kinds  # noqa: F401  (registers every problem kind)
from symderiv.audit import extract
from symderiv.core.errors import InternalError, ResourceLimitError, SymderivError, Timeout
from symderiv.core.timebound import MEMORY_VARIABLE, TIME_VARIABLE, Worker, bounded
from symderiv.core.verdict import Verdict
from symderiv.kinds import load
from symderiv.kinds.base import Claim, Problem
from symderiv.notation.bind import parse_expression, parse_relation
from symderiv.notation.judge import Judge, Side
from symderiv.notation.parse import _parser, parse
from symderiv.render.pdf import LatexError, compile_pdf, engine
from symderiv.render.report import report_latex, report_markdown, verdict_latex
from symderiv.render.table import render_table
from symderiv.render.verdicts import verdict_json

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("parse", "bind", "judge", "render", "audit", "pdf")
KINDS_OF_OUTCOME = ("ok", "error", "crash", "hang", "memory", "skipped")
FINDINGS = ("crash", "hang", "memory")
HANG_FACTOR = 1.5  # a stage past HANG_FACTOR * budget + 1 s of CPU hangs (symderiv's own bound is the budget)
RECYCLE = 500  # inputs a worker judges before a fresh fork replaces it (caches of claims stay bounded)
ROLES = (("claim", 80), ("where", 5), ("of", 2), ("target", 4), ("id", 4), ("title", 5))
NAMES = ("x", "y", "z", "t", "w", "b", "n", "k", "x_1", "x_2", "x_3", "\\eta", "\\lambda", "\\alpha", "\\mu")


# ----------------------------------------------------------------------------- the loaded problems


@dataclass
class Template:
    """A real claim of a bundled problem (or, for a file without claims, one on its first target)."""

    problem: int
    claim: Claim


class Context:
    """What every worker inherits at its fork: the bundled problems (their truths computed once),
    the claims to take targets and options from, the corpus of bundled formulas, the grammar walker."""

    def __init__(self, warm: bool = True) -> None:
        self.paths = sorted((ROOT / "derivations").glob("*.toml"))
        self.problems: list[Problem] = [load(p) for p in self.paths]
        self.templates: list[Template] = []
        for n, problem in enumerate(self.problems):
            claims = problem.claims or [Claim("fuzz", t, "") for t in problem.targets()[:1]]
            self.templates.extend(Template(n, c) for c in claims)
        self.by_kind: dict[str, list[int]] = {}
        for t, template in enumerate(self.templates):
            self.by_kind.setdefault(self.problems[template.problem].kind, []).append(t)
        self.corpus = sorted(set(self._bundled_formulas()))
        if warm:
            self._warm()
        self.walker = inputs.GrammarWalker(_parser(False), inputs.vocabulary(self.corpus))
        self.names = {name: sp.Symbol(name.lstrip("\\")) for name in NAMES}

    def _bundled_formulas(self) -> list[str]:
        """Every formula of the bundled files: claims' latex, `of`, `where` names and definitions,
        parameters' latex, [notation] entries."""
        out: list[str] = []

        def walk(value: Any, key: str = "", inside: str = "") -> None:
            if isinstance(value, dict):
                for k, v in value.items():
                    if inside in ("where", "notation") and isinstance(k, str) and k.strip():
                        out.append(k)
                    walk(v, k, k if k in ("where", "notation") else inside)
            elif isinstance(value, list):
                for v in value:
                    walk(v, key, inside)
            elif isinstance(value, str) and value.strip() and (key in ("latex", "of") or inside):
                out.append(value)

        for path in self.paths:
            walk(tomllib.loads(path.read_text(encoding="utf-8")))
        for problem in self.problems:  # the identities' proof steps, as symderiv prints them
            if problem.kind == "identity":
                steps = bounded(problem.solve, seconds=60).data.get("steps", [])
                out.extend(s["latex"] for s in steps if s.get("latex"))
        return out

    def _warm(self) -> None:
        """Judge every real claim once in this process: each problem's truth, scope and caches
        are then inherited by every worker."""
        for problem in self.problems:
            for claim in problem.claims:
                try:
                    bounded(problem.judge, claim, seconds=60)
                except Exception:  # warming only: the campaign itself reports what fails
                    pass



# ----------------------------------------------------------------------------- one input


@dataclass
class Spec:
    """One input and where it goes: `text` in role `role` of template `template`; the audit
    document is `frame` with '@F@' replaced by the text."""

    index: int
    source: str
    text: str
    template: int
    role: str
    doc_format: str
    frame: str
    pdf: bool

    @property
    def document(self) -> str:
        return self.frame.replace("@F@", self.text)


def make_spec(ctx: Context, seed: int, index: int, pdf_rate: float) -> Spec:
    """Input `index` of the campaign of `seed` (its own random stream: independent of order and jobs)."""
    rng = random.Random(f"{seed}/{index}")
    source, text = inputs.generate(rng, ctx.corpus, ctx.walker)
    kind = rng.choice(sorted(ctx.by_kind))
    template = rng.choice(ctx.by_kind[kind])
    role = rng.choices([r for r, _ in ROLES], weights=[w for _, w in ROLES])[0]
    doc_format, frame = inputs.document(rng, "@F@", ctx.corpus)
    return Spec(index, source, text, template, role, doc_format, frame, rng.random() < pdf_rate)


def _claim(ctx: Context, spec: Spec) -> Claim:
    """The claim `spec` makes of its template: its text in the role it plays."""
    base = ctx.templates[spec.template].claim
    claim = Claim(base.id, base.target, base.latex, base.note, dict(base.options))
    if spec.role == "claim" or (spec.role in ("where", "of") and not claim.latex):
        claim.latex = spec.text
    elif spec.role == "where":
        where = dict(claim.options.get("where") or {})
        key = next(iter(where), "u")
        where[key] = spec.text
        claim.options["where"] = where
    elif spec.role == "of":
        claim.options["of"] = spec.text
    elif spec.role == "target":
        claim.target = spec.text
    elif spec.role == "id":
        claim.id = spec.text
    return claim


def stage_parse(ctx: Context, spec: Spec, verdict: Verdict | None) -> str:
    return f"{len(parse(spec.text).chains)} chain(s)"


def stage_bind(ctx: Context, spec: Spec, verdict: Verdict | None) -> str:
    """The text bound as the judge binds it: to the network's scope (its free indices' ranges
    probed, then every side valued); for other kinds, read over plain symbols."""
    problem = ctx.problems[ctx.templates[spec.template].problem]
    scope = getattr(problem, "_formula_scope", None) if problem.kind == "network" else None
    if scope is None:
        doc = parse(spec.text)
        one = len(doc.chains) == 1 and len(doc.chains[0].sides) == 1
        (parse_expression if one else parse_relation)(spec.text, ctx.names)
        return "plain"
    judge = Judge(scope[0], scope[1], spec.text, points=1)
    for chain in parse(spec.text).chains:  # an index with no range: UnboundIndex, a NotationError
        sides = [Side(s, False, spec.text) for s in chain.sides]
        env = {letter: 1 for letter in judge.free_ranges(sides)}
        for side in sides:
            judge.evaluate(side, env)
    return "bound"


def stage_judge(ctx: Context, spec: Spec, verdict: Verdict | None) -> Verdict:
    problem = ctx.problems[ctx.templates[spec.template].problem]
    return problem.check([_claim(ctx, spec)])[0]


def _title(ctx: Context, spec: Spec) -> tuple[str, str]:
    problem = ctx.problems[ctx.templates[spec.template].problem]
    return (spec.text if spec.role == "title" else problem.title), problem.source


def stage_render(ctx: Context, spec: Spec, verdict: Verdict | None) -> str:
    assert verdict is not None
    title, source = _title(ctx, spec)
    sizes = [len(render_table(title, [verdict])), len(report_latex(title, [verdict], source)),
             len(report_markdown(title, [verdict], source)), len(verdict_latex(verdict)),
             len(json.dumps(verdict_json(verdict), indent=2, default=str))]
    return f"{sum(sizes)} characters"


def stage_audit(ctx: Context, spec: Spec, verdict: Verdict | None) -> str:
    doc = extract(spec.document, spec.doc_format)
    for equation in doc.equations:
        doc.chain(equation)
        doc.definitions_visible(equation)
    return f"{len(doc.claims())} claims, {len(doc.not_read())} not read"


def stage_pdf(ctx: Context, spec: Spec, verdict: Verdict | None) -> str:
    assert verdict is not None
    title, source = _title(ctx, spec)
    with tempfile.TemporaryDirectory(prefix="symderiv-fuzz-") as tmp:
        compile_pdf(report_latex(title, [verdict], source), Path(tmp) / "report.pdf")
    return "compiled"


STAGE_FUNCTIONS = {"parse": stage_parse, "bind": stage_bind, "judge": stage_judge, "render": stage_render,
                   "audit": stage_audit, "pdf": stage_pdf}


@dataclass
class Outcome:
    stage: str
    kind: str  # one of KINDS_OF_OUTCOME
    detail: str = ""  # the verdict, the error's class, or the exception's summary
    cpu: float = 0.0
    trace: str = ""

    @property
    def signature(self) -> str:
        """What tells two findings apart: stage, kind, and the innermost place in symderiv."""
        return f"{self.kind}|{self.stage}|{self.detail.split(':')[0]}|{_place(self.trace)}"


def _place(trace: str) -> str:
    """The innermost frame of symderiv in a traceback: 'symderiv/x.py:123 (function)'."""
    place = ""
    for line in trace.splitlines():
        m = _FRAME.match(line)
        if m and "/symderiv/" in m["path"]:
            place = f"symderiv/{m['path'].rsplit('/symderiv/', 1)[1]}:{m['line']} ({m['function']})"
    return place


_FRAME = re.compile(r'\s*File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)')


def run_input(target: tuple[Context, mmap.mmap], spec: Spec, stages: tuple[str, ...],
              budget: float) -> list[Outcome]:
    """Every stage of `stages` on `spec` (a task run in a worker); render and pdf need the judge's
    verdict. The stage under way is written to the job's shared slot (read if the worker dies)."""
    ctx, slot = target
    hang_after = HANG_FACTOR * budget + 1.0
    outcomes: list[Outcome] = []
    verdict = None
    for stage in stages:
        if stage in ("render", "pdf") and verdict is None:
            outcomes.append(Outcome(stage, "skipped", "no verdict"))
            continue
        slot[0] = STAGES.index(stage) + 1
        start = time.process_time()
        try:
            value = bounded(STAGE_FUNCTIONS[stage], ctx, spec, verdict, seconds=hang_after)
            outcome = Outcome(stage, "ok", str(value))
            if stage == "judge":
                verdict = value
                timed = value.verdict == "undecided" and value.message.startswith("time bound")
                outcome.detail = value.verdict + (" (time bound)" if timed else "")
        except Timeout as exc:
            used = time.process_time() - start
            kind = "hang" if used >= hang_after - 0.05 else "error"
            outcome = Outcome(stage, kind, f"Timeout: {exc}", trace=traceback.format_exc() if kind == "hang" else "")
        except LatexError as exc:  # symderiv's own report must compile, whatever the claim
            kind = "crash" if engine() is not None else "error"
            outcome = Outcome(stage, kind, f"LatexError: {' '.join(str(exc).split())[:300]}", trace=str(exc))
        except SymderivError as exc:
            outcome = Outcome(stage, "error", type(exc).__name__)
        except MemoryError:
            outcome = Outcome(stage, "memory", "MemoryError", trace=traceback.format_exc())
        except (Exception, SystemExit) as exc:
            outcome = Outcome(stage, "crash", f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}",
                              trace=traceback.format_exc())
        outcome.cpu = time.process_time() - start
        outcomes.append(outcome)
        if outcome.kind == "memory":
            break  # the worker is retired by the parent
    return outcomes


class Runner:
    """One job: a worker of symderiv.core.timebound that runs inputs, replaced when it dies or retires."""

    def __init__(self, ctx: Context, budget: float) -> None:
        self.ctx, self.budget = ctx, budget
        self.slot = mmap.mmap(-1, 8)
        self.worker: Worker | None = None
        self.used = 0

    def run(self, spec: Spec, stages: tuple[str, ...] = STAGES) -> list[Outcome]:
        stages = tuple(s for s in stages if s != "pdf" or spec.pdf)
        if self.worker is None or self.used >= RECYCLE:
            self.close()
            self.worker = Worker((self.ctx, self.slot))  # the slot: shared memory, inherited at the fork
            self.used = 0
        self.used += 1
        self.slot[0] = 0
        seconds = len(stages) * (HANG_FACTOR * self.budget + 1.0) + 5.0
        try:
            outcomes = self.worker.run(run_input, spec, stages, self.budget, seconds=seconds)
        except (Timeout, ResourceLimitError, InternalError) as exc:
            return self._died(stages, exc)
        if any(o.kind == "memory" for o in outcomes):
            self.close()
        return outcomes

    def _died(self, stages: tuple[str, ...], exc: Exception) -> list[Outcome]:
        """The worker ended without an answer: the stage it was in gets the finding."""
        stage = STAGES[self.slot[0] - 1] if 1 <= self.slot[0] <= len(STAGES) else stages[0]
        if isinstance(exc, Timeout):
            kind = "hang"
        elif isinstance(exc, ResourceLimitError):
            kind = "memory"
        else:
            kind = "crash"
        summary = exc.summary if isinstance(exc, InternalError) else str(exc)
        trace = getattr(exc, "report", "") or f"the worker ended: {summary}"
        self.worker = None  # it retired itself (or was killed)
        out = [Outcome(stage, kind, f"worker {type(exc).__name__}: {summary}"[:300], trace=trace)]
        return out + [Outcome(s, "skipped", "the worker ended") for s in stages if s != stage]

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None


# ----------------------------------------------------------------------------- shrinking


def shrink(runner: Runner, spec: Spec, finding: Outcome, max_tests: int, max_seconds: float) -> tuple[str, Outcome]:
    """The smallest text found (delta debugging over tokens, then characters) whose stage still
    gives the same finding (same signature); with the finding of that text."""
    stages = (finding.stage,) if finding.stage not in ("render", "pdf") else ("judge", finding.stage)
    deadline = time.monotonic() + max_seconds
    tests = [0]
    best = [finding]

    def fails(text: str) -> bool:
        if tests[0] >= max_tests or time.monotonic() > deadline:
            return False
        tests[0] += 1
        outcomes = runner.run(replace(spec, text=text, pdf=True), stages)
        hit = next((o for o in outcomes if o.stage == finding.stage), None)
        if hit is not None and hit.signature == finding.signature:
            best[0] = hit
            return True
        return False

    if not fails(spec.text):  # not reproduced alone (it needed the worker's earlier state)
        return spec.text, finding
    text = "".join(_ddmin(inputs.TOKEN.findall(spec.text), lambda units: fails("".join(units))))
    text = "".join(_ddmin(list(text), lambda units: fails("".join(units))))
    return text, best[0]


def _ddmin(units: list[str], fails) -> list[str]:
    """Delta debugging (complements only): drop chunks of `units` while the failure stays."""
    n = 2
    while len(units) >= 2:
        size = math.ceil(len(units) / n)
        for start in range(0, len(units), size):
            candidate = units[:start] + units[start + size:]
            if candidate and fails(candidate):
                units, n = candidate, max(n - 1, 2)
                break
        else:
            if n >= len(units):
                break
            n = min(len(units), 2 * n)
    return units


# ----------------------------------------------------------------------------- the campaign


@dataclass
class Tally:
    by_source: dict[str, Counter] = field(default_factory=dict)
    by_stage: dict[str, Counter] = field(default_factory=dict)
    cpu: Counter = field(default_factory=Counter)
    slowest: dict[str, tuple[float, int]] = field(default_factory=dict)
    verdicts: Counter = field(default_factory=Counter)
    findings: dict[str, tuple[Spec, Outcome, int]] = field(default_factory=dict)  # signature -> first, count
    done: int = 0
    log: Path | None = None  # each new finding is appended here at once (JSON lines), before any shrinking

    def add(self, spec: Spec, outcomes: list[Outcome]) -> None:
        self.done += 1
        worst = "ok"
        for o in outcomes:
            self.by_stage.setdefault(o.stage, Counter())[o.kind] += 1
            self.cpu[o.stage] += o.cpu
            if o.cpu > self.slowest.get(o.stage, (0.0, -1))[0]:
                self.slowest[o.stage] = (o.cpu, spec.index)
            if o.stage == "judge" and o.kind == "ok":
                self.verdicts[o.detail] += 1
            if o.kind in FINDINGS:
                first = self.findings.get(o.signature)
                self.findings[o.signature] = (first[0], first[1], first[2] + 1) if first else (spec, o, 1)
                if first is None and self.log is not None:
                    with self.log.open("a", encoding="ascii") as log:
                        log.write(json.dumps({"signature": o.signature, "summary": o.detail, "spec": asdict(spec),
                                              "traceback": o.trace}, ensure_ascii=True) + "\n")
            rank = ("ok", "skipped", "error", "memory", "hang", "crash")
            if rank.index(o.kind) > rank.index(worst):
                worst = o.kind
        self.by_source.setdefault(spec.source, Counter())[worst] += 1


def campaign(ctx: Context, n: int, seed: int, budget: float, jobs: int, pdf_rate: float,
             max_time: float | None, progress: bool, log: Path | None = None) -> tuple[Tally, float]:
    tally = Tally(log=log)
    lock = threading.Lock()
    counter = iter(range(n))
    start = time.monotonic()
    stop = threading.Event()

    def job() -> None:
        runner = Runner(ctx, budget)
        try:
            while not stop.is_set():
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                spec = make_spec(ctx, seed, index, pdf_rate)
                outcomes = runner.run(spec)
                with lock:
                    tally.add(spec, outcomes)
                    done = tally.done
                if progress and done % 500 == 0:
                    found = sum(c for _, _, c in tally.findings.values())
                    print(f"fuzz: {done}/{n} inputs, {time.monotonic() - start:.0f} s, {found} findings "
                          f"({len(tally.findings)} distinct)", file=sys.stderr, flush=True)
                if max_time is not None and time.monotonic() - start > max_time:
                    stop.set()
        finally:
            runner.close()

    threads = [threading.Thread(target=job, daemon=True) for _ in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally, time.monotonic() - start


def save_findings(ctx: Context, tally: Tally, out: Path, budget: float, seed: int, max_tests: int,
                  max_seconds: float) -> list[dict[str, Any]]:
    """Each distinct finding shrunk and saved as JSON in `out`; the saved records."""
    out.mkdir(parents=True, exist_ok=True)
    runner = Runner(ctx, budget)
    saved = []
    try:
        for signature, (spec, outcome, count) in sorted(tally.findings.items(), key=lambda kv: kv[1][0].index):
            tests = max_tests if outcome.kind == "crash" else max(6, max_tests // 10)
            small, found = shrink(runner, spec, outcome, tests, max_seconds)
            template = ctx.templates[spec.template]
            record = {
                "kind": outcome.kind, "stage": outcome.stage, "summary": found.detail, "signature": signature,
                "count": count, "seed": seed, "index": spec.index, "source": spec.source,
                "problem_file": str(ctx.paths[template.problem].relative_to(ROOT)),
                "claim_id": template.claim.id, "target": template.claim.target, "role": spec.role,
                "input": spec.text, "reproducer": small, "document_format": spec.doc_format,
                "document_frame": spec.frame, "budget": budget, "traceback": found.trace or outcome.trace,
                "spec": asdict(replace(spec, text=small)),
                "replay": "python scripts/fuzz.py --replay FILE",
            }
            digest = hashlib.sha256(signature.encode("utf-8", "surrogatepass")).hexdigest()[:10]
            path = out / f"{outcome.kind}-{outcome.stage}-{digest}.json"
            record["replay"] = f"python scripts/fuzz.py --replay {path}"
            path.write_text(json.dumps(record, indent=2, ensure_ascii=True) + "\n", encoding="ascii")
            record["file"] = str(path)
            saved.append(record)
    finally:
        runner.close()
    return saved


def summary(tally: Tally, n: int, seed: int, budget: float, jobs: int, seconds: float,
            saved: list[dict[str, Any]]) -> str:
    cols = ("ok", "error", "crash", "hang", "memory")
    lines = [f"fuzz: {tally.done} of {n} inputs, seed {seed}, budget {budget:g} s CPU per stage, {jobs} job(s): "
             f"{seconds:.0f} s wall, {tally.done / max(seconds, 1e-9):.1f} inputs/s, "
             f"{sum(tally.cpu.values()):.0f} s CPU in workers", ""]
    head = f"{'source':10} {'inputs':>7} " + " ".join(f"{c:>7}" for c in cols)
    lines += [head, "-" * len(head)]
    total: Counter = Counter()
    for source in inputs.SOURCES:
        counts = tally.by_source.get(source, Counter())
        total.update(counts)
        lines.append(f"{source:10} {sum(counts.values()):7d} " + " ".join(f"{counts[c]:7d}" for c in cols))
    lines.append(f"{'all':10} {sum(total.values()):7d} " + " ".join(f"{total[c]:7d}" for c in cols))
    lines.append("(an input counts once, by its worst stage: ok < error < memory < hang < crash)")
    lines.append("")
    head = f"{'stage':10} {'runs':>7} " + " ".join(f"{c:>7}" for c in (*cols, "skipped")) + "   cpu s  max s"
    lines += [head, "-" * len(head)]
    for stage in STAGES:
        counts = tally.by_stage.get(stage, Counter())
        runs = sum(counts.values())
        slow = tally.slowest.get(stage, (0.0, -1))
        lines.append(f"{stage:10} {runs:7d} " + " ".join(f"{counts[c]:7d}" for c in (*cols, "skipped"))
                     + f" {tally.cpu[stage]:7.0f} {slow[0]:6.2f}" + (f" (#{slow[1]})" if slow[1] >= 0 else ""))
    lines.append("")
    lines.append("judge verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.verdicts.items())))
    crashes = sum(c for _, o, c in tally.findings.values() if o.kind == "crash")
    hangs = sum(c for _, o, c in tally.findings.values() if o.kind == "hang")
    memory = sum(c for _, o, c in tally.findings.values() if o.kind == "memory")
    lines.append(f"findings: {crashes} crashes, {hangs} hangs, {memory} memory ({len(tally.findings)} distinct)")
    for record in saved:
        lines.append(f"  {record['kind']:6} {record['stage']:7} x{record['count']:<5} {record['summary'][:90]}")
        lines.append(f"         reproducer {record['reproducer'][:100]!r} -> {record['file']}")
    return "\n".join(lines)


def replay(path: Path, budget: float) -> int:
    """Run a saved finding's reproducer again; exit 1 while it still fails."""
    record = json.loads(path.read_text(encoding="ascii"))
    spec = Spec(**record["spec"])
    ctx = Context(warm=False)
    runner = Runner(ctx, record.get("budget", budget))
    try:
        stages = (record["stage"],) if record["stage"] not in ("render", "pdf") else ("judge", record["stage"])
        outcomes = runner.run(spec, stages)
    finally:
        runner.close()
    for o in outcomes:
        print(f"{o.stage}: {o.kind}: {o.detail}")
        if o.kind in FINDINGS and o.trace:
            print(o.trace)
    return 1 if any(o.kind in FINDINGS for o in outcomes) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="inputs to run")
    parser.add_argument("--seed", type=int, default=0, help="the campaign's seed (same seed, same inputs)")
    parser.add_argument("--out", default=str(ROOT / "fuzz-findings"), help="where findings are saved")
    parser.add_argument("--budget", type=float, default=5.0,
                        help="CPU seconds of one stage (symderiv's SYMDERIV_TIME_LIMIT for the judge); "
                             f"past {HANG_FACTOR} x budget + 1 s a stage hangs")
    parser.add_argument("--memory", type=int, default=2048, help="MiB a worker may add (SYMDERIV_MEMORY_LIMIT)")
    parser.add_argument("--jobs", type=int, default=1, help="workers run in parallel")
    parser.add_argument("--pdf-rate", type=float, default=0.002, help="fraction of inputs whose report is compiled")
    parser.add_argument("--max-time", type=float, default=None, help="stop after this many seconds (wall)")
    parser.add_argument("--shrink-tests", type=int, default=300, help="runs of one crash's shrinking at most")
    parser.add_argument("--shrink-seconds", type=float, default=300.0, help="seconds of one finding's shrinking")
    parser.add_argument("--summary-json", default=None, help="also write the counts as JSON to this file")
    parser.add_argument("--replay", default=None, help="run a saved finding again (exit 1 while it fails)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    os.environ[TIME_VARIABLE] = f"{args.budget:g}"
    os.environ[MEMORY_VARIABLE] = str(args.memory)
    if args.replay:
        return replay(Path(args.replay), args.budget)
    began = time.monotonic()
    ctx = Context()
    if not args.quiet:
        print(f"fuzz: {len(ctx.problems)} problems, {len(ctx.templates)} claims, {len(ctx.corpus)} bundled formulas, "
              f"loaded and warmed in {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tally, seconds = campaign(ctx, args.n, args.seed, args.budget, max(1, args.jobs), args.pdf_rate,
                              args.max_time, not args.quiet, out / f"found-seed{args.seed}.jsonl")
    saved = save_findings(ctx, tally, out, args.budget, args.seed, args.shrink_tests,
                          args.shrink_seconds) if tally.findings else []
    print(summary(tally, args.n, args.seed, args.budget, max(1, args.jobs), seconds, saved))
    if args.summary_json:
        data = {"n": args.n, "done": tally.done, "seed": args.seed, "budget": args.budget, "seconds": seconds,
                "by_source": {k: dict(v) for k, v in tally.by_source.items()},
                "by_stage": {k: dict(v) for k, v in tally.by_stage.items()}, "verdicts": dict(tally.verdicts),
                "findings": [{k: r[k] for k in ("kind", "stage", "summary", "count", "reproducer", "file")}
                             for r in saved]}
        Path(args.summary_json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 1 if tally.findings else 0


if __name__ == "__main__":
    sys.exit(main())
