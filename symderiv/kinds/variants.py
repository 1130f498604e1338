"""Exercise variants: new exact data for a problem file, drawn by the rules of its [variants] table.

The table (validated field by field; every error names its place, e.g. `variants.values.W1.range`):

    [variants]
    vary = "all"                 # or a list of names: a network's parameters (W1, b1, ...), X, T, or the
                                 # groups "parameters", "inputs" (X), "targets" (T); a quadratic's A, b, c;
                                 # a regularisation model's H, w_star, mu; a calculus problem's constants
    range = [-1, 1]              # the interval every drawn value lies in (ends exact: 0.5, "1/3", 2)
    decimals = 1                 # values k/10^decimals; or denominator = q for values k/q (fractions)
    tries = 1000                 # draws one variant may take to meet its constraints, then an error
    title = "..."                # the variants' title (default: the original's), "(variant 007)" appended
    kink_distance = 0.05         # network: every pre-activation of a kinked activation at least this far
                                 # from its kink (never at it, even without this rule)
    active_units = true          # network: every hidden unit of a kinked activation positive for a sample
    hessian_positive_definite = true   # gradient_descent (A + A^T), regularisation (H), calculus
                                       # (a constant Hessian of the scalar function)

    [variants.values.T]          # one value's own rules (range, decimals, denominator as above, and)
    one_hot = true               # rows that are one-hot vectors (targets of a classification loss)
    [variants.values.H]
    symmetric = true             # default: true where the original value is a symmetric square matrix
    diagonal = [1, 4]            # a square matrix's diagonal entries drawn from this range instead

Variant i of a run with seed s draws from NumPy's PCG64 seeded with SeedSequence([s, i]); the same
seed gives the same variants, byte for byte. A draw is checked exactly (rational arithmetic) and
drawn again until it meets every constraint; for a network, the bias of each kinked layer is drawn
after the rest, among the values of its grid that meet the constraints for its unit. A variant that
meets them in no more than `tries` draws is an error naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from ..core.errors import ProblemFileError, SymderivError
from ..core.limits import (
    VARIANT_MAX_DECIMALS,
    VARIANT_MAX_DENOMINATOR,
    VARIANT_MAX_MAGNITUDE,
    VARIANT_MAX_TRIES,
)
from ..core.tomlwrite import TomlFloat, dumps, read
from . import parse_text
from .base import Fields, Problem
from .netconstraints import Grid, Values, choose_biases, constraint_reason, forward_needs, fractions, kinked_layers
from .stepsize import hessian, positive_definite

RULE_KEYS = {"vary", "range", "decimals", "denominator", "values", "kink_distance", "active_units",
             "hessian_positive_definite", "tries", "title"}
VALUE_KEYS = {"range", "decimals", "denominator", "diagonal", "symmetric", "one_hot"}
NETWORK_GROUPS = {"parameters": "parameters", "inputs": "X", "targets": "T"}
DEFAULT_RANGE = (Fraction(-1), Fraction(1))
DEFAULT_DECIMALS = 1
DEFAULT_TRIES = 1000

class VariantError(SymderivError):
    """A variant could not be made: its constraints were not met within its tries (names it)."""


@dataclass(frozen=True)
class Slot:
    """A value of a problem file that a variant may draw anew: its name, its shape as displayed,
    where a problem file writes it, its given value (or None) and its group (network)."""

    name: str
    shape: tuple[int, int]
    path: tuple[str, ...]
    given: sp.Matrix | None
    group: str = ""


@dataclass(frozen=True)
class ValueRule:
    """How one value is drawn."""

    slot: Slot
    grid: Grid
    diagonal: Grid | None = None
    symmetric: bool = False
    one_hot: bool = False


@dataclass(frozen=True)
class Rules:
    """A problem file's [variants] table, read and checked."""

    values: tuple[ValueRule, ...]
    kink_distance: Fraction | None
    active_units: bool
    hessian_positive_definite: bool
    tries: int
    title: str


@dataclass(frozen=True)
class Source:
    """A problem file ready to give variants: its path, document (floats as written), problem and rules."""

    path: str
    doc: dict[str, Any]
    problem: Problem
    rules: Rules


@dataclass(frozen=True)
class Variant:
    """One variant: its number (1-based), id ("007"), own seed, the draws it took, its values and file."""

    number: int
    ident: str
    seed: int
    tries: int
    values: Values
    text: str


# ---------------------------------------------------------------------- the values of each kind

def _network_slots(problem: Any, doc: dict[str, Any]) -> list[Slot]:
    net, out = problem.net, []
    for key, spec in net.params.items():
        out.append(Slot(key, spec.shape, ("params", key, "value"), problem.values.get(key), "parameters"))
    out.append(Slot("X", (problem.batch, net.n_in), ("data", "X"), problem.values.get("X"), "inputs"))
    out.append(Slot("T", (problem.batch, net.n_out), ("data", "T"), problem.values.get("T"), "targets"))
    return out


def _quadratic_slots(problem: Any, doc: dict[str, Any]) -> list[Slot]:
    q, n = problem.q, problem.q.A.rows
    return [Slot("A", (n, n), ("quadratic", "A"), q.A), Slot("b", (n, 1), ("quadratic", "b"), q.b),
            Slot("c", (1, 1), ("quadratic", "c"), sp.Matrix([[q.c]]))]


def _regularisation_slots(problem: Any, doc: dict[str, Any]) -> list[Slot]:
    model = problem.model
    if model is None:
        return []
    n = model["H"].rows
    return [Slot("H", (n, n), ("model", "H"), model["H"]),
            Slot("w_star", (n, 1), ("model", "w_star"), model["w_star"]),
            Slot("mu", (1, 1), ("model", "mu"), sp.Matrix([[model["mu"]]]))]


def _calculus_slots(problem: Any, doc: dict[str, Any]) -> list[Slot]:
    return [Slot(key, problem.names[key].shape, ("constants", key), problem.names[key])
            for key in doc.get("constants", {})]


SLOTS: dict[str, Callable[[Any, dict[str, Any]], list[Slot]]] = {
    "network": _network_slots, "gradient_descent": _quadratic_slots,
    "regularisation": _regularisation_slots, "calculus": _calculus_slots,
}
#: The constraints that apply to each kind.
CONSTRAINTS = {"network": {"kink_distance", "active_units"}, "gradient_descent": {"hessian_positive_definite"},
               "regularisation": {"hessian_positive_definite"}, "calculus": {"hessian_positive_definite"}}


def _problem_hessian(problem: Any) -> sp.Matrix:
    """The Hessian the rule hessian_positive_definite is about: A + Aᵀ of a quadratic, the model's H,
    or the Hessian of a calculus problem's scalar function (constants in place)."""
    if problem.kind == "gradient_descent":
        return hessian(problem.q)
    if problem.kind == "regularisation":
        return problem.model["H"]
    return sp.hessian(problem.fs[0], problem.xs)


# ---------------------------------------------------------------------- reading the rules

def prepare(text: str, path: str, problem: Problem) -> Source:
    """The problem file `text` (read as `problem`) with its [variants] table read and checked."""
    doc = read(text)
    fields = Fields(doc, path)
    if not fields.has("variants"):
        raise ProblemFileError(path, "variants", "missing table: the rules of the variants (see symderiv.variants)")
    return Source(path, doc, problem, read_rules(fields.table("variants"), problem, doc))


def read_rules(t: Fields, problem: Problem, doc: dict[str, Any]) -> Rules:
    """The [variants] table `t` of `problem`: every field checked, errors naming it."""
    t.check_keys(RULE_KEYS)
    if problem.kind not in SLOTS:
        raise t.error("vary", f"a {problem.kind} problem has no values to vary; variants are made for "
                              f"{', '.join(sorted(SLOTS))} problems")
    slots = {s.name: s for s in SLOTS[problem.kind](problem, doc)}
    if not slots:
        raise t.error("vary", "the problem gives no values to vary (a regularisation problem needs a [model])")
    base = _grid(t, None, "")
    varied = _vary(t, problem, slots)
    own = t.table("values", None)
    for key in own.data:
        if key not in slots:
            raise own.error(key, f"unknown value; known: {', '.join(slots)}")
        if key not in varied:
            raise own.error(key, "rules for a value that does not vary (see variants.vary)")
    values = tuple(_value_rule(own.table(name, None), slots[name], base) for name in varied)
    for name in CONSTRAINTS["network"] | {"hessian_positive_definite"}:
        if t.has(name) and name not in CONSTRAINTS[problem.kind]:
            kinds = sorted(k for k, names in CONSTRAINTS.items() if name in names)
            raise t.error(name, f"applies to {', '.join(kinds)} problems, not to {problem.kind}")
    kink = t.number("kink_distance", None)
    if kink is not None and kink < 0:
        raise t.error("kink_distance", f"must be at least 0, got {kink}")
    rules = Rules(values, None if kink is None else Fraction(int(kink.p), int(kink.q)),
                  t.get("active_units", bool, False), t.get("hessian_positive_definite", bool, False),
                  t.integer("tries", DEFAULT_TRIES, minimum=1), t.text("title", problem.title))
    if rules.tries > VARIANT_MAX_TRIES:
        raise t.error("tries", f"{rules.tries} is past the limit (at most {VARIANT_MAX_TRIES})")
    if problem.kind == "network":
        _check_network_rules(t, problem, rules)
    elif rules.hessian_positive_definite and problem.kind == "calculus":
        if not problem.scalar:
            raise t.error("hessian_positive_definite", "applies to a scalar function (`scalar`), not a map")
        if _problem_hessian(problem).free_symbols & set(problem.xs):
            raise t.error("hessian_positive_definite", "the function's Hessian depends on the variables; "
                                                       "the rule applies where it is constant")
    return rules


def _vary(t: Fields, problem: Problem, slots: dict[str, Slot]) -> list[str]:
    """The names that vary, in the kind's order: `vary` is "all", a name, or a list of names and groups."""
    raw = t.get("vary", (str, list), "all")
    items = [raw] if isinstance(raw, str) else raw
    groups = NETWORK_GROUPS if problem.kind == "network" else {}
    chosen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise t.error("vary", f"expected names (text), got {item!r}")
        if item == "all":
            chosen |= set(slots)
        elif item in groups:
            chosen |= {s.name for s in slots.values() if s.group == item}
        elif item in slots:
            chosen.add(item)
        else:
            known = ["all", *groups, *slots]
            raise t.error("vary", f"unknown value {item!r}; known: {', '.join(known)}")
    if not chosen:
        raise t.error("vary", "nothing to vary")
    return [name for name in slots if name in chosen]


def _grid(t: Fields, base: Grid | None, key: str = "range") -> Grid:
    """`range` (or `key`) with `decimals` or `denominator` of table `t`; what `t` leaves out from `base`."""
    key = key or "range"
    if t.has("decimals") and t.has("denominator"):
        raise t.error("denominator", "give decimals or denominator, not both")
    if t.has("decimals"):
        decimals = t.integer("decimals", minimum=0)
        if decimals > VARIANT_MAX_DECIMALS:
            raise t.error("decimals", f"{decimals} is past the limit (at most {VARIANT_MAX_DECIMALS})")
        q, dec = 10**decimals, decimals
    elif t.has("denominator"):
        q = t.integer("denominator", minimum=1)
        if q > VARIANT_MAX_DENOMINATOR:
            raise t.error("denominator", f"{q} is past the limit (at most {VARIANT_MAX_DENOMINATOR})")
        dec = None
    elif base is not None:
        q, dec = base.q, base.decimals
    else:
        q, dec = 10**DEFAULT_DECIMALS, DEFAULT_DECIMALS
    if t.has(key):
        ends = t.matrix(key, shape=(1, 2))
        lo, hi = (Fraction(int(v.p), int(v.q)) for v in ends)
        if max(abs(lo), abs(hi)) > VARIANT_MAX_MAGNITUDE:
            raise t.error(key, f"an end past the limit (at most {VARIANT_MAX_MAGNITUDE} in magnitude)")
        if lo > hi:
            raise t.error(key, f"expected [low, high] with low <= high, got [{lo}, {hi}]")
    elif base is not None:
        lo, hi = base.lo, base.hi
    else:
        lo, hi = DEFAULT_RANGE
    grid = Grid(lo, hi, q, dec)
    if grid.kmin > grid.kmax:
        step = f"{dec} decimals" if dec is not None else f"denominator {q}"
        raise t.error(key if t.has(key) else ("decimals" if dec is not None else "denominator"),
                      f"no value with {step} lies in [{lo}, {hi}]")
    return grid


def _value_rule(t: Fields, slot: Slot, base: Grid) -> ValueRule:
    """One value's rules ([variants.values.NAME]), its grid defaulting to the table's."""
    t.check_keys(VALUE_KEYS)
    rows, cols = slot.shape
    one_hot = t.get("one_hot", bool, False)
    if one_hot:
        for key in ("range", "decimals", "denominator", "diagonal", "symmetric"):
            if t.has(key):
                raise t.error(key, "a one-hot value has no other rules")
        if cols < 2:
            raise t.error("one_hot", f"{slot.name} has {cols} column: a one-hot row needs at least 2")
        return ValueRule(slot, base, one_hot=True)
    grid = _grid(t, base)
    square = rows == cols and rows > 1
    given = slot.given
    symmetric = t.get("symmetric", bool, square and given is not None and given == given.T)
    if symmetric and not square:
        raise t.error("symmetric", f"{slot.name} is {rows}x{cols}, not a square matrix")
    diagonal = None
    if t.has("diagonal"):
        if not square:
            raise t.error("diagonal", f"{slot.name} is {rows}x{cols}, not a square matrix")
        diagonal = _grid(t, grid, "diagonal")
    return ValueRule(slot, grid, diagonal, symmetric)


def _check_network_rules(t: Fields, problem: Any, rules: Rules) -> None:
    """A network's constraints need the layers they are about and the values that reach them."""
    kinked = kinked_layers(problem)
    hidden = [l for l in kinked if l < len(problem.net.layers)]
    if rules.kink_distance is not None and not kinked:
        raise t.error("kink_distance", "no layer of the network has a kinked activation")
    if rules.active_units and not hidden:
        raise t.error("active_units", "no hidden layer of the network has a kinked activation")
    if (rules.kink_distance is not None or rules.active_units) and kinked:
        varied = {r.slot.name for r in rules.values}
        needed = forward_needs(problem, max(kinked))
        missing = [name for name in needed if name not in varied and name not in problem.values]
        if missing:
            which = "kink_distance" if rules.kink_distance is not None else "active_units"
            raise t.error(which, f"needs the values of {', '.join(missing)}: give them or let them vary")


# ---------------------------------------------------------------------- drawing

def variant_seed(seed: int, number: int) -> int:
    """The seed of variant `number` (1-based) of a run with `seed`: 64 bits of NumPy's
    SeedSequence([seed, number]), so every variant has its own stream, the same on every machine."""
    return int(np.random.SeedSequence([seed, number]).generate_state(1, np.uint64)[0])


def make_variant(source: Source, number: int, seed: int, width: int = 3) -> Variant:
    """Variant `number` of a run with `seed`: drawn until it meets its constraints, at most
    `rules.tries` times (else a VariantError naming it), and written as a problem file."""
    ident = str(number).zfill(width)
    own = variant_seed(seed, number)
    rng = np.random.default_rng(own)
    rules, reason = source.rules, ""
    for attempt in range(1, rules.tries + 1):
        values = {rule.slot.name: _draw(rule, rng) for rule in rules.values}
        if source.problem.kind == "network":
            reason = _settle_network(source, values, rng)
        text = _text(source, values, ident, seed, own, attempt)
        if source.problem.kind != "network":
            reason = _check_other(source, text, ident)
        if not reason:
            return Variant(number, ident, own, attempt, values, text)
    raise VariantError(f"{source.path}: variant {ident}: no draw met the constraints of [variants] in "
                       f"{rules.tries} tries (the last: {reason}); widen the ranges or raise variants.tries")


def _draw(rule: ValueRule, rng: np.random.Generator) -> list[list[Fraction]]:
    """One value's entries (display shape): uniform on its grid, the diagonal on its own grid,
    mirrored when symmetric; or one-hot rows."""
    rows, cols = rule.slot.shape
    if rule.one_hot:
        hot = rng.integers(0, cols, size=rows)
        return [[Fraction(int(j == h)) for j in range(cols)] for h in hot]
    flat = rule.grid.draw(rng, rows * cols)
    m = [flat[i * cols:(i + 1) * cols] for i in range(rows)]
    if rule.diagonal is not None:
        for i, v in enumerate(rule.diagonal.draw(rng, rows)):
            m[i][i] = v
    if rule.symmetric:
        for i in range(rows):
            for j in range(i):
                m[i][j] = m[j][i]
    return m


def _check_other(source: Source, text: str, ident: str) -> str:
    """Why a variant of a kind other than network fails (empty when it does not): the kind must
    read it (a regularisation H positive semi-definite, mu > 0, ...) and its Hessian rule must hold."""
    try:
        problem = parse_text(text, f"{source.path} (variant {ident})")
    except ProblemFileError as exc:
        return f"{exc.field}: {exc.reason}"
    if source.rules.hessian_positive_definite:
        H = _problem_hessian(problem)
        if H.free_symbols:
            return "the Hessian depends on the variables"
        if not positive_definite(H):
            return f"the Hessian {H.tolist()} is not positive definite"
    return ""


def _settle_network(source: Source, values: Values, rng: np.random.Generator) -> str:
    """Complete a network draw and say why it fails (empty when it does not): the given values
    join the drawn ones, the biases of kinked layers that vary are drawn anew to meet the
    constraints (netconstraints.choose_biases), and every constraint is checked on the whole
    forward pass."""
    problem, rules = source.problem, source.rules
    full = {k: fractions(v) for k, v in problem.values.items() if k not in values}
    full.update(values)
    grids = {r.slot.name: r.grid for r in rules.values if not r.one_hot}
    distance = rules.kink_distance or Fraction(0)
    reason = choose_biases(problem, full, grids, distance, rules.active_units, rng)
    values.update({name: full[name] for name in grids})
    return reason or constraint_reason(problem, full, distance, rules.active_units)


# ---------------------------------------------------------------------- the variant's problem file

def _text(source: Source, values: Values, ident: str, seed: int, own: int, tries: int) -> str:
    """The variant's problem file: the original's tables with the drawn values in place (exact:
    decimals as written on the grid, other rationals as "p/q"), its title marked with the variant,
    without [variants] and without the original's [[claims]] (one student's answers to other data)."""
    doc = {k: v for k, v in source.doc.items() if k not in ("variants", "claims")}
    doc = _copy(doc)
    doc["title"] = f"{source.rules.title} (variant {ident})"
    by_name = {r.slot.name: r for r in source.rules.values}
    for name, rows in values.items():
        rule = by_name[name]
        node = doc
        for key in rule.slot.path[:-1]:
            node = node.setdefault(key, {})
        node[rule.slot.path[-1]] = _toml_value(rows, rule)
    name = Path(source.path).name
    header = (f"Variant {ident} of {name}, made by `symderiv variants` with --seed {seed} "
              f"(the variant's own seed {own}; {tries} {'draw' if tries == 1 else 'draws'}).\n"
              "The values follow the rules of the original's [variants] table; the original's claims are left out.")
    return dumps(doc, header)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _toml_value(rows: list[list[Fraction]], rule: ValueRule) -> Any:
    """A matrix as a problem file writes it: a number (1x1), a flat list (a column) or a list of rows."""
    memo: dict[tuple[int, int], int | str] = {}  # grid values repeat

    def cell(v: Fraction) -> int | str:
        key = (v.numerator, v.denominator)
        if key not in memo:
            memo[key] = _number(v, rule)
        return memo[key]

    cells = [[cell(v) for v in row] for row in rows]
    if len(cells) == 1 and len(cells[0]) == 1:
        return cells[0][0]
    if len(cells[0]) == 1:
        return [row[0] for row in cells]
    return cells


def _number(v: Fraction, rule: ValueRule) -> int | str:
    """An exact value as text symderiv reads exactly: an integer, a decimal with the grid's number
    of decimals (a TOML float, read from its text), or a fraction "p/q"."""
    decimals = rule.grid.decimals
    if v.denominator == 1 and (rule.one_hot or not decimals):
        return int(v)
    if decimals is not None:
        scaled = v * 10**decimals
        if scaled.denominator != 1:
            raise ValueError(f"{v} is not on a grid of {decimals} decimals")
        digits = str(abs(int(scaled))).rjust(decimals + 1, "0")
        return TomlFloat(f"{'-' if scaled < 0 else ''}{digits[:-decimals]}.{digits[-decimals:]}")
    return f"{v.numerator}/{v.denominator}"


def check_loaded(variant: Variant, problem: Any, source: Source) -> None:
    """The variant's file, read back by symderiv, holds exactly the values drawn (else an error: a
    bug in the writer, never a variant with other numbers than its key)."""
    for rule in source.rules.values:
        name, rows = rule.slot.name, variant.values[rule.slot.name]
        expected = sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in rows])
        got = {s.name: s for s in SLOTS[problem.kind](problem, source.doc)}[name].given
        if got is None or got.shape != expected.shape or got != expected:
            raise SymderivError(f"{source.path}: variant {variant.ident}: the file written does not read back "
                                f"with the values drawn for {name}")
