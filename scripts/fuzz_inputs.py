"""Inputs of the fuzz campaign (scripts/fuzz.py): grammar walks, mutations, Unicode, huge numbers, nesting, TeX."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from re import _constants as C
from re import _parser as sre_parse

from lark import Lark
from lark.grammar import NonTerminal, Rule, Terminal

SOURCES = ("grammar", "mutation", "unicode", "huge", "nesting", "tex")
#: How often each source is drawn (out of the sum).
WEIGHTS = {"grammar": 25, "mutation": 35, "unicode": 10, "huge": 10, "nesting": 10, "tex": 10}
#: LaTeX tokens of a formula: a command, an escaped character, a word, a number, spaces, one character.
TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z]+|\d+(?:\.\d+)?|\s+|.", re.S)

COMMANDS = ("\\alpha", "\\beta", "\\delta", "\\eta", "\\lambda", "\\sigma", "\\phi", "\\theta", "\\mu",
            "\\nabla", "\\ell", "\\mathcal", "\\sqrt", "\\infty", "\\partial", "\\cdot", "\\top", "\\odot",
            "\\otimes", "\\circ", "\\operatorname", "\\mathbb", "\\lfloor", "\\rfloor", "\\max", "\\exp",
            "\\log", "\\text", "\\mathrm", "\\delta", "\\epsilon", "\\varepsilon", "\\xi", "\\gamma", "\\pi")
SPECIALS = "{}[]()^_\\&$%#~'=+-*/|,.;:<>! \n\t"
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f", "\u180e")
DIRECTION = ("\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2069")
COMBINING = ("\u0301", "\u0308", "\u0332", "\u0338", "\u20d7", "\u0302", "\u0303", "\u0307")
HOMOGLYPHS = {
    "a": "\u0430\u03b1\uff41", "e": "\u0435\u212f", "o": "\u043e\u03bf\u2134", "x": "\u0445\u00d7\U0001d465",
    "p": "\u0440\u03c1", "c": "\u0441\u217d", "y": "\u0443\u03b3", "W": "\u051c\uff37", "b": "\u042c\u0184",
    "-": "\u2212\u2013\u2010\ufe63", "=": "\uff1d\u2550\ua78a", "(": "\uff08\u207d", ")": "\uff09\u207e",
    "{": "\uff5b", "}": "\uff5d", "^": "\u02c6\uff3e", "_": "\uff3f", "\\": "\uff3c\u2216\u29f5",
    "1": "\u00b9\u2081\u0661\uff11\U0001d7cf", "2": "\u00b2\u2082\u0662\uff12", "0": "\u2070\u0660\uff10\u06f0",
    "3": "\u00b3\u0663\uff13\u09e9", "9": "\u0669\uff19\u096f", "k": "\u03ba\u043a", "i": "\u0456\u0131",
    "s": "\u0455", "T": "\u0422\u22a4", "L": "\u216c\u029f", " ": "\u00a0\u2009\u3000\u2028\u0085",
}
FULLWIDTH_DIGITS = "".join(chr(0xFF10 + d) for d in range(10))
OTHER_DIGITS = "\u0660\u06f0\u0966\u09e6\u0e50\u1040\uff10\U0001d7ce"  # zeros of other scripts (str.isdigit)
CONTROLS = ("\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x1b]0;x\x07", "\r", "\x85", "\u2028", "\u2029",
            "\x7f", "\ud800", "\udcff", "\ufffd", "\uffff", "\U0010ffff")
HUGE = ("1e400", "1e-400", "1.5e99999", "10^{10^{10}}", "2^{2^{99}}", "10^{400}", "{10^{10}}^{10^{10}}",
        "x^{99999999}", "x^{-99999999}", "\\exp(10^{9})", "\\exp(\\exp(\\exp(10)))", "e^{e^{e^{e^{10}}}}",
        "\\sinh(10^{5})", "\\cosh(-10^{6})", "\\log(10^{-10^{10}})", "\\frac{1}{10^{-400}}", "(10^{400})^{10}",
        "x_{99999999999}", "W^{(99999999)}", "\\mathbf{1}_{99999}", "\\sum_{k=1}^{10^{12}} k",
        "\\sum_{k=1}^{99999999} x_k", "0^{-1}", "\\frac{1}{0}", "\\frac{0}{0}", "1/(1-1)", "(-1)^{1/2}",
        "(-8)^{1/3}", "0^{0}", "\\log(0)", "\\log(-1)", "\\sqrt{-1}", "2^{64}", "2^{65}", "10^{308}", "10^{309}",
        "1.7976931348623157e308", "4.9e-324", "x^{1/99999}", "x^{0.000000000000000000001}", "10^{-10^{10}}",
        "\\frac{10^{300}}{10^{-300}}", "\\max(10^{400}, 1)", "\\tanh(10^{400})", "\\sigma(-10^{400})")


class RegexSampler:
    """Random strings matching a regular expression (bounded repeats; lookarounds ignored)."""

    def __init__(self, max_repeat: int = 4) -> None:
        self.max_repeat = max_repeat
        self._parsed: dict[str, sre_parse.SubPattern] = {}

    def sample(self, pattern: str, rng: random.Random) -> str:
        if pattern not in self._parsed:
            self._parsed[pattern] = sre_parse.parse(pattern)
        return self._emit(self._parsed[pattern], rng)

    def _emit(self, items, rng: random.Random) -> str:
        out = []
        for op, av in items:
            if op is C.LITERAL:
                out.append(chr(av))
            elif op is C.NOT_LITERAL:
                out.append(rng.choice([c for c in "xk1 " if ord(c) != av]))
            elif op is C.ANY:
                out.append(rng.choice("xk1+"))
            elif op is C.IN:
                out.append(self._one_of(av, rng))
            elif op is C.BRANCH:
                out.append(self._emit(rng.choice(av[1]), rng))
            elif op is C.SUBPATTERN:
                out.append(self._emit(av[3], rng))
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
                low, high, body = av
                count = rng.randint(low, min(high, low + self.max_repeat))
                out.extend(self._emit(body, rng) for _ in range(count))
            # AT, ASSERT, ASSERT_NOT, GROUPREF: nothing to emit
        return "".join(out)

    @staticmethod
    def _one_of(items, rng: random.Random) -> str:
        pool: list[str] = []
        negate = False
        for op, av in items:
            if op is C.NEGATE:
                negate = True
            elif op is C.LITERAL:
                pool.append(chr(av))
            elif op is C.RANGE:
                pool.extend(chr(c) for c in range(av[0], min(av[1], av[0] + 60) + 1))
            elif op is C.CATEGORY:
                pool.extend({C.CATEGORY_DIGIT: "0123456789", C.CATEGORY_SPACE: " \t\n",
                             C.CATEGORY_WORD: "abcxyzW019_"}.get(av, "x"))
        if negate:
            pool = [c for c in "abcxyzWT0129 +-=()" if c not in pool]
        return rng.choice(pool or ["x"])


class GrammarWalker:
    """Random sentences of a lark grammar: a derivation that picks rules at random, and past
    `depth` only rules of the least height (so every walk ends); terminals are sampled from
    their regular expressions (names, commands and numbers from the bundled formulas)."""

    def __init__(self, lark: Lark, vocabulary: dict[str, list[str]]) -> None:
        self.rules: dict[str, list[Rule]] = {}
        for rule in lark.rules:
            self.rules.setdefault(rule.origin.name, []).append(rule)
        self.terminals = {t.name: t.pattern for t in lark.terminals}
        self.ignored = [name for name in lark.lexer_conf.ignore if name != "SPACE"]
        self.vocabulary = vocabulary
        self.regex = RegexSampler()
        self.height = self._heights()
        self.start = lark.options.start[0] if isinstance(lark.options.start, list) else lark.options.start

    def _heights(self) -> dict[str, float]:
        """The least derivation height of every nonterminal (a fixed point)."""
        height = {name: float("inf") for name in self.rules}
        changed = True
        while changed:
            changed = False
            for name, rules in self.rules.items():
                for rule in rules:
                    h = 1 + max((height[s.name] for s in rule.expansion if isinstance(s, NonTerminal)), default=0)
                    if h < height[name]:
                        height[name], changed = h, True
        return height

    def _rule_height(self, rule: Rule) -> float:
        return 1 + max((self.height[s.name] for s in rule.expansion if isinstance(s, NonTerminal)), default=0)

    def sample(self, rng: random.Random, depth: int = 8) -> str:
        tokens: list[str] = []
        budget = [400]  # symbols expanded at most (a bound on the walk's size)
        self._walk(self.start, rng, depth, tokens, budget)
        out = []
        for tok in tokens:
            out.append(tok)
            roll = rng.random()
            out.append(" " if roll < 0.85 else "" if roll < 0.95 else self._ignored(rng))
        return "".join(out).strip()

    def _ignored(self, rng: random.Random) -> str:
        name = rng.choice(self.ignored)
        return f" {self.regex.sample(self.terminals[name].to_regexp(), rng)} "

    def _walk(self, name: str, rng: random.Random, depth: int, tokens: list[str], budget: list[int]) -> None:
        rules = self.rules[name]
        if depth <= 0 or budget[0] <= 0:
            least = min(self._rule_height(r) for r in rules)
            rules = [r for r in rules if self._rule_height(r) == least]
        rule = rng.choice(rules)
        budget[0] -= 1
        for symbol in rule.expansion:
            if isinstance(symbol, Terminal):
                tokens.append(self.terminal(symbol.name, rng))
            else:
                self._walk(symbol.name, rng, depth - 1, tokens, budget)

    def terminal(self, name: str, rng: random.Random) -> str:
        words = self.vocabulary.get(name)
        if words and rng.random() < 0.8:
            return rng.choice(words)
        pattern = self.terminals[name]
        if pattern.type == "str":
            return pattern.value
        return self.regex.sample(pattern.value, rng)


def vocabulary(corpus: list[str]) -> dict[str, list[str]]:
    """Names, commands and numbers of the bundled formulas, by the grammar's terminal names."""
    words: set[str] = set()
    commands: set[str] = set(COMMANDS)
    numbers: set[str] = {"0", "1", "2", "3", "10", "0.5", "1.5"}
    for text in corpus:
        for tok in TOKEN.findall(text):
            if re.fullmatch(r"\\[A-Za-z]+", tok):
                commands.add(tok)
            elif re.fullmatch(r"[A-Za-z]+", tok) and len(tok) <= 6:
                words.add(tok)
            elif re.fullmatch(r"\d+(\.\d+)?", tok) and len(tok) <= 6:
                numbers.add(tok)
    return {"WORD": sorted(words), "COMMAND": sorted(commands), "NUMBER": sorted(numbers)}


# ----------------------------------------------------------------------------- mutations


def _span(rng: random.Random, n: int, longest: int = 8) -> tuple[int, int]:
    start = rng.randrange(n + 1)
    return start, min(n, start + rng.randint(1, longest))


def _delete(text: str, rng: random.Random, corpus: list[str]) -> str:
    if not text:
        return text
    a, b = _span(rng, len(text), 1 if rng.random() < 0.6 else 10)
    return text[:a] + text[b:]


def _insert(text: str, rng: random.Random, corpus: list[str]) -> str:
    at = rng.randrange(len(text) + 1)
    piece = rng.choice(SPECIALS) if rng.random() < 0.7 else rng.choice([*COMMANDS, "x", "1", "k", "W"])
    return text[:at] + piece + text[at:]


def _swap(text: str, rng: random.Random, corpus: list[str]) -> str:
    if len(text) < 2:
        return text
    i = rng.randrange(len(text) - 1)
    j = i + 1 if rng.random() < 0.7 else rng.randrange(len(text))
    chars = list(text)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def _splice(text: str, rng: random.Random, corpus: list[str]) -> str:
    """A run of tokens replaced by a run of tokens of another bundled formula."""
    mine, theirs = TOKEN.findall(text), TOKEN.findall(rng.choice(corpus))
    if not theirs:
        return text
    a, b = _span(rng, len(mine), 6)
    c, d = _span(rng, len(theirs), 10)
    return "".join(mine[:a] + theirs[c:d] + mine[b:])


def _unbrace(text: str, rng: random.Random, corpus: list[str]) -> str:
    """One brace (or every brace) removed, or one added."""
    places = [m.start() for m in re.finditer(r"[{}]", text)]
    roll = rng.random()
    if roll < 0.15:
        return text.replace(rng.choice("{}"), "")
    if roll < 0.3 or not places:
        at = rng.randrange(len(text) + 1)
        return text[:at] + rng.choice("{}") + text[at:]
    at = rng.choice(places)
    return text[:at] + text[at + 1:]


def _duplicate(text: str, rng: random.Random, corpus: list[str]) -> str:
    a, b = _span(rng, len(text), 20)
    return text[:b] + text[a:b] * rng.randint(1, 6) + text[b:]


def _renumber(text: str, rng: random.Random, corpus: list[str]) -> str:
    """A number replaced by a huge, tiny, negative or malformed one."""
    numbers = list(re.finditer(r"\d+(?:\.\d+)?", text))
    new = rng.choice([*HUGE[:8], "0", "-1", "00", "1.", ".5", "1..2", "9" * rng.randint(20, 500), "1e", "0x1F"])
    if not numbers:
        return f"{text} {new}"
    m = rng.choice(numbers)
    return text[:m.start()] + new + text[m.end():]


def _recommand(text: str, rng: random.Random, corpus: list[str]) -> str:
    commands = list(re.finditer(r"\\[A-Za-z]+", text))
    if not commands:
        return _insert(text, rng, corpus)
    m = rng.choice(commands)
    return text[:m.start()] + rng.choice(COMMANDS) + text[m.end():]


MUTATIONS: tuple[Callable[[str, random.Random, list[str]], str], ...] = (
    _delete, _delete, _insert, _insert, _swap, _splice, _splice, _unbrace, _unbrace, _duplicate, _renumber,
    _recommand)


def mutation(rng: random.Random, corpus: list[str]) -> str:
    text = rng.choice(corpus)
    for _ in range(rng.choice((1, 1, 2, 3, 5))):
        text = rng.choice(MUTATIONS)(text, rng, corpus)
    return text


# ----------------------------------------------------------------------------- the other sources


def unicode_input(rng: random.Random, corpus: list[str]) -> str:
    """A bundled formula with look-alike, invisible, direction, combining, foreign-digit or control
    characters; or random bytes read as text."""
    roll = rng.random()
    if roll < 0.15:
        data = rng.randbytes(rng.randint(1, 80))
        return data.decode(rng.choice(("utf-8", "latin-1")), errors=rng.choice(("surrogateescape", "replace")))
    text = list(rng.choice(corpus))
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        at = rng.randrange(len(text) + 1)
        if kind < 0.35:
            candidates = [i for i, ch in enumerate(text) if ch in HOMOGLYPHS]
            if candidates:
                i = rng.choice(candidates)
                text[i] = rng.choice(HOMOGLYPHS[text[i]])
                continue
        if kind < 0.5:
            text.insert(at, rng.choice(ZERO_WIDTH))
        elif kind < 0.6:
            text.insert(at, rng.choice(DIRECTION))
        elif kind < 0.7:
            text.insert(at, rng.choice(COMBINING))
        elif kind < 0.85:
            digits = [i for i, ch in enumerate(text) if ch.isdigit()]
            if digits:
                i = rng.choice(digits)
                text[i] = rng.choice((FULLWIDTH_DIGITS[int(text[i])] if text[i] in "0123456789" else "\uff11",
                                      chr(ord(rng.choice(OTHER_DIGITS)) + rng.randrange(10))))
            else:
                text.insert(at, rng.choice(FULLWIDTH_DIGITS))
        else:
            text.insert(at, rng.choice(CONTROLS))
    return "".join(text)


def huge_input(rng: random.Random, corpus: list[str]) -> str:
    """Huge, tiny and undefined numbers: alone, in a relation, in a bundled formula, or as long digit strings."""
    roll = rng.random()
    big = rng.choice(HUGE)
    if roll < 0.2:
        return big
    if roll < 0.35:
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice((30, 399, 400, 401, 2000, 4500))))
        return rng.choice((digits, f"0.{digits}", f"{digits}.5", f"x = {digits}", f"{digits} x^{{2}}"))
    if roll < 0.5:
        return f"{big} = {rng.choice(HUGE)}"
    if roll < 0.7:
        return _renumber(rng.choice(corpus), rng, corpus)
    text = rng.choice(corpus)
    if "=" in text:
        left, right = text.split("=", 1)
        return f"{left}= {big} \\cdot ({right})"
    return f"{big} \\cdot ({text})"


def nesting_input(rng: random.Random, corpus: list[str]) -> str:
    """Brackets, fractions, roots, scripts, signs and functions nested around the nesting limits
    (balanced or not), alone or around a bundled formula."""
    depth = rng.choice((5, 20, 39, 40, 41, 63, 64, 65, 99, 100, 101, 200, 1000, 1900))
    inner = rng.choice(("x", "1", "x_k", "W^{(1)}", rng.choice(corpus)))
    opens, closes = rng.choice((
        ("(", ")"), ("{", "}"), ("[", "]"), ("\\left(", "\\right)"), ("\\frac{1}{", "}"), ("\\frac{", "}{2}"),
        ("\\sqrt{", "}"), ("x^{", "}"), ("x_{", "}"), ("\\exp(", ")"), ("\\sigma(", ")"), ("\\mathbf{", "}"),
        ("\\hat{", "}"), ("f(", ")"), ("\\begin{bmatrix}", "\\end{bmatrix}"), ("\\sum_{k=1}^{2}", ""),
        ("-", ""), ("\\exp ", ""), ("\\log ", ""), ("x'", ""), ("{", "}^{2}"), ("(", ")^{T}"), ("\\{", "\\}"),
        ("\\lfloor ", "\\rfloor"), ("\\text{", "}"), ("\\operatorname{f}(", ")"), ("x + (", ")"),
    ))
    text = opens * depth + inner + closes * depth
    roll = rng.random()
    if roll < 0.1 and closes:
        text = opens * depth + inner + closes * (depth - rng.randint(1, min(depth, 3)))  # not closed
    elif roll < 0.2:
        text = opens * depth + inner  # never closed
    elif roll < 0.3:
        text = inner + closes * depth  # never opened
    elif roll < 0.4:
        text = " + ".join([inner] * depth)  # long, flat
    elif roll < 0.45:
        text = "x" + "'" * depth
    if rng.random() < 0.3:
        text = f"{rng.choice(corpus).split('=')[0]} = {text}"
    return text


TEX_TRICKS = (
    "^^5cinput{/etc/hostname}", "x^^5cinput{/etc/passwd}", "^^5c", "^^", "^^^^005c", "x^^M", "\\^^5c",
    "\\text{^^5cinput{/etc/hostname}}", "\\def\\x{1}\\x", "\\edef\\x{\\input{/etc/hostname}}", "\\let\\x=\\input",
    "\\csname input\\endcsname{/etc/hostname}", "\\csname x\\endcsname", "\\input{/etc/passwd}",
    "\\input /etc/hostname ",
    "\\include{/etc/hostname}", "\\catcode`\\^=7", "\\catcode 92=12", "\\write18{id}", "\\immediate\\write18{ls}",
    "\\openin1=/etc/hostname", "\\read1 to\\x", "\\expandafter\\x", "\\string\\input", "\\text{\\input{x}}",
    "\\mathrm{\\input{x}}", "\\operatorname{input}", "\\operatorname{\\input{x}}", "\\text{$\\input{x}$}", "%",
    "x % comment", "#1", "##", "~", "\\verb|x|", "\\\\input{x}", "\\newcommand{\\x}{1}", "\\renewcommand\\sigma{1}",
    "\\begin{document}", "\\end{document}", "\\makeatletter\\@input{x}", "\\text{\\}", "\\text{}}}}",
    "$x$ $$", "\\(", "\\)", "\\[", "\\]", "\\end{bmatrix}", "\\begin{bmatrix}", "\\begin{align}x\\end{align}",
    "\\href{file:///etc/passwd}{x}", "\\url{file:///etc/passwd}", "\\htmlClass{x}{y}", "\\special{x}",
    "\\pdfliteral{x}", "\\tag{\\input{x}}", "\\tag{^^5c}", "\\text{\\tag{x}}", "\\lowercase{\\INPUT}",
    "\\uppercase{\\input}", "\\char92 input", "\\jobname", "\\endinput", "\\relax", "\\begingroup",
    "\\scantokens{\\input x}", "\\detokenize{x}", "\\number`\\x", "\\romannumeral 5000", "\\the\\catcode",
    "\\mathchar\"7E", "\\text{\\catcode}", "\\textbf{\\write18}", "\\begin{cases} \\input x & \\end{cases}",
    "\\end{aligned}", "\\begin{aligned}", "\\\\\\\\", "&&&", "\\newline", "\\par", "\\vspace{10000pt}",
    "\\hspace*{-\\maxdimen}", "\\rule{\\maxdimen}{\\maxdimen}", "\\kern-1000pt", "\\displaystyle\\displaystyle",
    "\\left.", "\\right.", "\\left\\{", "\\middle|", "\\big(", "\\mathbb{\\input}", "\\mathcal{^^}",
)


def tex_input(rng: random.Random, corpus: list[str]) -> str:
    """TeX's programming tricks (^^, \\def, \\csname, \\input, ...) alone or inside a bundled formula."""
    trick = rng.choice(TEX_TRICKS)
    roll = rng.random()
    if roll < 0.3:
        return trick
    text = rng.choice(corpus)
    at = rng.randrange(len(text) + 1)
    if roll < 0.8:
        return text[:at] + trick + text[at:]
    return f"\\text{{{trick}}} = {text}" if roll < 0.9 else f"{text} \\quad \\operatorname{{{trick}}}"


def grammar_input(rng: random.Random, walker: GrammarWalker) -> str:
    return walker.sample(rng, rng.choice((3, 5, 8, 8, 12, 16)))


# ----------------------------------------------------------------------------- documents

MD_TEMPLATES = (
    "# Solution\n\nLet $x = 1$. Then\n\n$$\n@F@\n$$\n\nHence $@F@$.\n",
    "## Part (a)\n\nWe have $$ @F@ $$ where $@C@$.\n\n## Part (b)\n\n$$ @C@ $$\n",
    "- item $@F@$\n- and $$ @F@ $$\n\n1. $@C@$\n",
    "```\n@F@\n```\n\nThen $$\\begin{aligned} @C@ \\\\ &= @F@ \\end{aligned}$$\n",
    "Define\n\\begin{align}\n@F@\n\\end{align}\nso that $ @C@ $ and @F@\n",
    "> quote $@F@$\n\n| a | b |\n|---|---|\n| $@F@$ | x |\n",
    "@F@\n",
    "$$\n@F@\n",
    "$@F@",
)
TEX_TEMPLATES = (
    "\\section{Answer}\nLet $@C@$. Then\n\\begin{align}\n@F@\n\\end{align}\n",
    "\\documentclass{article}\n\\begin{document}\n\\[ @F@ \\]\nwhere $ @C@ $.\n\\end{document}\n",
    "\\subsection*{@F@}\n\\begin{equation} @F@ \\end{equation}\n% @F@\n",
    "Hence \\( @F@ \\) and $$ @C@ $$ \\begin{align*} @C@ &= @F@ \\\\ &= 0 \\end{align*}\n",
    "@F@",
    "\\begin{align} @F@",
)
TXT_TEMPLATES = (
    "Solution\n\n@C@\n@F@\n\nso @F@\n",
    "1) @F@\n   = @C@\n",
    "$$ @F@ $$\n@F@\n",
    "@F@",
)


def document(rng: random.Random, text: str, corpus: list[str]) -> tuple[str, str]:
    """A solution document (format 'md', 'tex' or 'txt') holding `text` among bundled formulas."""
    fmt = rng.choice(("md", "md", "tex", "txt"))
    template = rng.choice({"md": MD_TEMPLATES, "tex": TEX_TEMPLATES, "txt": TXT_TEMPLATES}[fmt])
    other = rng.choice(corpus)
    return fmt, template.replace("@C@", other).replace("@F@", text)


def generate(rng: random.Random, corpus: list[str], walker: GrammarWalker) -> tuple[str, str]:
    """(source, text) of one input drawn with `rng`."""
    source = rng.choices(SOURCES, weights=[WEIGHTS[s] for s in SOURCES])[0]
    if source == "grammar":
        return source, grammar_input(rng, walker)
    maker = {"mutation": mutation, "unicode": unicode_input, "huge": huge_input, "nesting": nesting_input,
             "tex": tex_input}[source]
    return source, maker(rng, corpus)
