"""CNN layer lists: every intermediate shape, and weights and biases per layer and in total."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..core.errors import NotationError, ProblemFileError, ShapeError
from ..core.verdict import Shape as ShapeAnswer
from ..core.verdict import Verdict
from ..notation import ast as A
from ..notation.reading import node_value, relation_of
from ._readers import cannot_read, list_items, number_sides, read_integer, read_integers, unknown_target, verdict
from .base import HEADER_KEYS, Claim, Fields, Problem, Solution, problem_kind

LAYER_TYPES = ("conv", "maxpool", "avgpool")


@dataclass(frozen=True)
class Layer:
    """One layer: a convolution with `filters` output channels, or a pooling layer.

    `kernel`, `stride` and `padding` are (height, width) pairs.
    """

    name: str
    type: str
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int] = (0, 0)
    filters: int | None = None
    bias: bool = True


@dataclass(frozen=True)
class Shape:
    """A feature-map stack: height × width, `channels` maps."""

    height: int
    width: int
    channels: int

    def __str__(self) -> str:
        return f"{self.height}x{self.width}, {self.channels} maps"


@dataclass(frozen=True)
class LayerResult:
    layer: Layer
    input: Shape
    output: Shape
    weights: int
    biases: int

    @property
    def params(self) -> int:
        return self.weights + self.biases


#: A side written squared in a shape (28^2, 28^{2}): the side twice.
_SQUARED = re.compile(r"(?<![\d.])(\d+)\s*\^\s*(?:2|\{\s*2\s*\})(?![\d.])")


def output_size(n: int, kernel: int, stride: int, padding: int, where: str) -> int:
    """o = (n + 2p − k)/s + 1: the number of window positions along one axis.

    The window must fit (n + 2p ≥ k) and the stride must divide n + 2p − k exactly, else the
    architecture is impossible as specified (the last rows would be silently dropped).
    """
    span = n + 2 * padding - kernel
    if kernel < 1 or stride < 1 or padding < 0:
        raise ShapeError(f"{where}: kernel and stride must be at least 1 and padding at least 0")
    if span < 0:
        raise ShapeError(f"{where}: the {kernel}-wide window does not fit in an input of size "
                         f"{n} with padding {padding} (output size would be "
                         f"{sp.Rational(span, stride) + 1})")
    if span % stride:
        raise ShapeError(f"{where}: stride {stride} does not divide n + 2p - k = {n} + "
                         f"{2 * padding} - {kernel} = {span} (output size would be "
                         f"{sp.Rational(span, stride) + 1})")
    return span // stride + 1


def simulate(start: Shape, layers: list[Layer]) -> list[LayerResult]:
    """Shapes and parameter counts layer by layer.

    A convolution with k_h×k_w kernels, C_in input and C_out output channels has
    k_h·k_w·C_in·C_out weights and C_out biases; pooling has no parameters and keeps the
    channel count. Raises ShapeError naming the layer when a shape is impossible.
    """
    out, shape = [], start
    for i, layer in enumerate(layers):
        where = f"layer {i + 1} ({layer.name})"
        try:
            h = output_size(shape.height, layer.kernel[0], layer.stride[0], layer.padding[0],
                            where + ", height")
            w = output_size(shape.width, layer.kernel[1], layer.stride[1], layer.padding[1],
                            where + ", width")
        except ShapeError as exc:
            exc.layer_index = i  # type: ignore[attr-defined]
            raise
        if layer.type == "conv":
            assert layer.filters is not None
            weights = layer.kernel[0] * layer.kernel[1] * shape.channels * layer.filters
            biases = layer.filters if layer.bias else 0
            new = Shape(h, w, layer.filters)
        else:
            weights = biases = 0
            new = Shape(h, w, shape.channels)
        out.append(LayerResult(layer, shape, new, weights, biases))
        shape = new
    return out


def _pair(t: Fields, key: str, default: Any, minimum: int) -> tuple[int, int]:
    value = t.get(key, (int, list), default)
    pair = [value, value] if isinstance(value, int) else value
    if (len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
            or min(pair) < minimum):
        raise t.error(key, f"expected a whole number at least {minimum}, or [height, width]")
    return int(pair[0]), int(pair[1])


@problem_kind("cnn")
class CNNProblem(Problem):
    """`[input]` height, width, channels; `[[layers]]` name, type, kernel, stride, padding,
    filters (conv), bias; claims on `output.<layer>`, `weights.<layer>`, `biases.<layer>`,
    `params.<layer>`, `params.total`, `formula.conv_output`, `formula.pool_output`."""

    def __init__(self, header: Fields, claims: list[Claim], start: Shape,
                 layers: list[Layer], results: list[LayerResult]) -> None:
        super().__init__(header, claims)
        self.start, self.layers, self.results = start, layers, results

    @classmethod
    def from_fields(cls, doc: Fields, claims: list[Claim]) -> CNNProblem:
        doc.check_keys(HEADER_KEYS | {"input", "layers"})
        inp = doc.table("input")
        inp.check_keys({"height", "width", "channels"})
        start = Shape(inp.integer("height", minimum=1), inp.integer("width", minimum=1),
                      inp.integer("channels", minimum=1))
        layers, names = [], {"input"}
        tables = doc.tables("layers")
        for t in tables:
            t.check_keys({"name", "type", "kernel", "stride", "padding", "filters", "bias"})
            kind = t.choice("type", LAYER_TYPES)
            name = t.text("name")
            if name in names:
                raise t.error("name", f"duplicate layer name {name!r}")
            names.add(name)
            kernel = _pair(t, "kernel", ..., 1)
            stride = _pair(t, "stride", 1 if kind == "conv" else list(kernel), 1)
            padding = _pair(t, "padding", 0, 0)
            if kind == "conv":
                filters = t.integer("filters", minimum=1)
                bias = t.get("bias", bool, True)
            else:
                for key in ("filters", "bias"):
                    if t.has(key):
                        raise t.error(key, "only a conv layer has filters and biases")
                filters, bias = None, False
            layers.append(Layer(name, kind, kernel, stride, padding, filters, bias))
        try:
            results = simulate(start, layers)
        except ShapeError as exc:
            index = getattr(exc, "layer_index", 0)
            raise ProblemFileError(doc.path, f"layers[{index}]", str(exc)) from None
        return cls(doc, claims, start, layers, results)

    def targets(self) -> list[str]:
        out = ["output.input", "params.total", "weights.total", "biases.total",
               "formula.conv_output", "formula.pool_output"]
        for r in self.results:
            out += [f"output.{r.layer.name}", f"weights.{r.layer.name}",
                    f"biases.{r.layer.name}", f"params.{r.layer.name}"]
        return out

    def totals(self) -> dict[str, int]:
        w = sum(r.weights for r in self.results)
        b = sum(r.biases for r in self.results)
        return {"weights": w, "biases": b, "params": w + b}

    def solve(self, elementwise: bool | None = None) -> Solution:
        rows = [{"name": r.layer.name, "type": r.layer.type,
                 "output": [r.output.height, r.output.width, r.output.channels], "weights": r.weights,
                 "biases": r.biases, "params": r.params} for r in self.results]
        data = {"input": [self.start.height, self.start.width, self.start.channels],
                "layers": rows, "total": self.totals()}
        return Solution(self.title, data)

    def judge(self, claim: Claim) -> Verdict:
        targets = self.targets()
        if claim.target not in targets:
            return unknown_target(claim, targets)
        what, name = claim.target.split(".", 1)
        try:
            if what == "formula":
                return self.judge_formula(claim, name)
            if what == "output":
                return self.judge_shape(claim, name)
            got = read_integer(claim.latex)
            steps = number_sides(claim.latex)
        except NotationError as exc:
            return cannot_read(claim, exc)
        if name == "total":
            true = self.totals()[what]
        else:
            r = next(r for r in self.results if r.layer.name == name)
            true = {"weights": r.weights, "biases": r.biases, "params": r.params}[what]
        for step, value in steps:  # 3 \times 3 \times 3 \times 16 = 144: every step of the arithmetic
            if value != true:
                return verdict(claim, "incorrect", f"{step}{claim.target} is {true}, not {sp.sstr(value)}",
                               expected=sp.Integer(true), claimed=value)
        if got == true:
            return verdict(claim, "correct", f"{claim.target} = {true}",
                           expected=sp.Integer(true), claimed=sp.Integer(got))
        return verdict(claim, "incorrect", f"{claim.target} is {true}, not {got}",
                       expected=sp.Integer(true), claimed=sp.Integer(got))

    def judge_shape(self, claim: Claim, name: str) -> Verdict:
        shape = self.start if name == "input" else next(
            r.output for r in self.results if r.layer.name == name)
        for item in list_items(claim.latex):  # each part must be a formula ('28 \\times 28 \\times' is not)
            relation_of(item)
        got = read_integers(_SQUARED.sub(r"\1 \\times \1", claim.latex))  # 28^2 x 16: 28 x 28 x 16
        true = [shape.height, shape.width, shape.channels]
        if len(got) == 3 and got != true and got == [true[2], true[0], true[1]]:
            return verdict(claim, "correct", f"the output of {name} is {shape}, written channels first (C x H x W)",
                           expected=ShapeAnswer(tuple(true)), claimed=ShapeAnswer(tuple(got)))
        if len(got) not in (2, 3):
            return verdict(claim, "undecided",
                           "expected 'height \\times width' and optionally the number of maps")
        ok = got == true[:len(got)]
        message = f"the output of {name} is {shape}"
        if len(got) == 2:
            message += " (the claim gives no channel count)"
        return verdict(claim, "correct" if ok else "incorrect", message,
                       expected=ShapeAnswer((shape.height, shape.width, shape.channels)),
                       claimed=ShapeAnswer(tuple(got)))

    def judge_formula(self, claim: Claim, which: str) -> Verdict:
        """A written output-size formula, in words (Input size, Kernel size, Stride, Padding)."""
        n, k, s, p = sp.symbols("n k s p", positive=True, integer=True)
        words = {"input size": n, "input": n, "kernel size": k, "kernel": k, "filter size": k,
                 "stride": s, "padding": p}
        side = relation_of(claim.latex).sides[-1]
        names: dict[str, sp.Basic] = {"n": n, "k": k, "s": s, "p": p}
        for node in A.walk(side):  # \text{Input Size}: a word of the vocabulary, in any case and spacing
            word = " ".join(node.text.split()).lower() if isinstance(node, A.Name) else None
            if word in words:
                names[f"\\text{{{node.text}}}"] = words[word]
        got = node_value(claim.latex, side, names)
        if isinstance(got, sp.MatrixBase) or not isinstance(got, sp.Expr):  # a matrix is no output size
            what = "matrix" if isinstance(got, sp.MatrixBase) else type(got).__name__
            return verdict(claim, "error", "an output size is one formula in the input size, kernel size, stride "
                           f"and padding, not a {what}")
        true = (n + 2 * p - k) / s + 1
        pools = [L for L in self.layers if L.type != "conv"]
        convs = [L for L in self.layers if L.type == "conv"]
        context = pools if which == "pool_output" else convs
        padded = any(L.padding != (0, 0) for L in context)
        if p not in got.free_symbols and not padded:  # no layer here is padded: the formula without p
            true = true.subs(p, 0)
        scope = "in general" if p in true.free_symbols or not context else "without padding (as every layer here)"
        if sp.simplify(got - true) != 0 and which == "pool_output" and pools and \
                all(L.kernel == L.stride for L in pools):
            true, scope = true.subs(k, s), "when the pooling window equals its stride (as in every pooling " \
                "layer here)"
        if sp.simplify(got - true) == 0:
            return verdict(claim, "correct", f"equals {true} {scope}", expected=true, claimed=got)
        ce = None
        for nn, kk, ss in itertools.product(range(2, 9), range(1, 4), range(1, 4)):
            point = {n: nn, k: kk if k in true.free_symbols else ss, s: ss, p: 0}
            if (nn - point[k]) % ss == 0 and nn >= point[k] and got.subs(point) != true.subs(point):
                ce = {"input size": nn, "kernel size": point[k], "stride": ss, "padding": 0,
                      "expected": true.subs(point), "claimed": got.subs(point)}
                break
        here = all(got.subs({n: r.input.height, k: r.layer.kernel[0], s: r.layer.stride[0],
                             p: r.layer.padding[0]}) == r.output.height
                   for r in self.results if r.layer in context)
        mistake = None
        if sp.simplify(got - (n - k + 1) / s) == 0:
            mistake = ("the +1 is inside the division by the stride: the correct size is "
                       "(n - k)/s + 1; the two agree only when s = 1")
        return verdict(claim, "incorrect",
                       f"the output size is {true} {scope}, not {got}"
                       + ("; it happens to give the right sizes for this problem's layers"
                          if here else ""),
                       expected=true, claimed=got, counterexample=ce,
                       mistake=mistake)
