"""Reduced-size copies of a network: a network too large to write out entry by entry is judged
on a smaller copy (same layers, activations, loss, layout), `[notation] reduce`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..core.errors import SymderivError
from ..core.network import Layer, Network


@dataclass(frozen=True)
class ReducedCopy:
    """The smaller network and batch, the pairs (full size, reduced size) a notation table maps,
    and the details a verdict judged on it carries (widths, batch, the note saying so)."""

    net: Network
    batch: int
    sizes: list[tuple[int, int]]
    details: dict[str, Any]


def reduced_copy(net: Network, batch: int, spec: dict[str, Any], path: str) -> ReducedCopy:
    """The copy `spec` asks for (`inputs`, `units` per layer, `batch`; by default every width at
    most 3 and the batch at most 2); an error naming the file when it is not one width per
    layer or would enlarge the network."""
    units = spec.get("units", tuple(min(layer.units, 3) for layer in net.layers))
    if len(units) != len(net.layers):
        raise SymderivError(f"{path}: [notation] reduce.units needs one width per layer "
                            f"({len(net.layers)}), got {len(units)}")
    n_in, small_batch = spec.get("inputs", min(net.n_in, 3)), spec.get("batch", min(batch, 2))
    full = [net.n_in, *(layer.units for layer in net.layers), batch]
    small = [n_in, *units, small_batch]
    if any(s > f for s, f in zip(small, full, strict=True)):
        raise SymderivError(f"{path}: [notation] reduce must not enlarge the network: "
                            f"{_sizes_text(small)} for {_sizes_text(full)}")
    mapped = sorted({(f, s) for f, s in zip(full, small, strict=True) if f != s}, reverse=True)
    note = (f"judged at a reduced size: {_sizes_text(small)} for the problem's {_sizes_text(full)}"
            + (f"; sizes written {', '.join(f'{f} as {s}' for f, s in mapped)}" if mapped else "")
            + "; the formulas are size-generic")
    details = {"widths": small[:-1], "batch": small_batch, "full_widths": full[:-1], "full_batch": batch,
               "note": note}
    return ReducedCopy(_reduced(net, n_in, tuple(units)), small_batch, list(zip(full, small, strict=True)), details)


def _reduced(net: Network, inputs: int | None = None, units: tuple[int, ...] | None = None) -> Network:
    """The same network (layers, activations, loss, layout) with smaller widths: the given
    input width and layer widths, by default every width at most 3 (for a symbolic proof of
    the form, and for judging size-generic formulas)."""
    widths = units if units is not None else tuple(min(layer.units, 3) for layer in net.layers)
    layers = tuple(Layer(w, layer.activation, layer.weight, layer.bias, layer.alpha)
                   for w, layer in zip(widths, net.layers, strict=True))
    shapes = tuple((k, s if 1 in s else None) for k, s in net.display_shapes)
    n_in = inputs if inputs is not None else min(net.n_in, 3)
    small = replace(net, n_in=n_in, layers=layers, display_shapes=())
    fixed = []
    for k, s in shapes:
        if s is not None:
            internal = small.params[k].internal
            fixed.append((k, internal if s == net.params[k].internal else internal[::-1]))
    return replace(small, display_shapes=tuple(fixed))


def _sizes_text(sizes: list[int]) -> str:
    """[784, 100, 10, 64] -> '784-100-10, N = 64' (widths, then the batch)."""
    return "-".join(map(str, sizes[:-1])) + f", N = {sizes[-1]}"
