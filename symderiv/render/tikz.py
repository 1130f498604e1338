"""TikZ pictures: a network's layers, units and weights."""

from __future__ import annotations

from ..core.network import Network

#: At most this many units of a layer are drawn; wider layers show their ends and a gap.
MAX_UNITS = 5


def _units(n: int) -> list[int | None]:
    """The unit numbers drawn for a layer of n units; None marks the elided gap."""
    if n <= MAX_UNITS:
        return list(range(1, n + 1))
    return [1, 2, None, n - 1, n]


def network_diagram(net: Network) -> str:
    """The network as a TikZ picture: one column of units per layer, the weights between
    consecutive layers labelled by their display names, each layer's activation below."""
    widths = net.widths
    L = len(net.layers)
    out = [r"\begin{tikzpicture}[x=3.2cm,y=1.0cm,"
           r"unit/.style={circle,draw,minimum size=8mm,inner sep=0pt,font=\scriptsize},"
           r"gap/.style={font=\small}]"]
    tallest = max(len(_units(w)) for w in widths)
    for l, n in enumerate(widths):
        shown = _units(n)
        top = (len(shown) - 1) / 2
        for r, u in enumerate(shown):
            y = top - r
            name = f"n{l}-{r}"
            if u is None:
                out.append(rf"\node[gap] ({name}) at ({l},{y:.2f}) {{$\vdots$}};")
                continue
            if l == 0:
                label = rf"$x_{{{u}}}$"
            elif l == L:
                label = rf"$y_{{{u}}}$" if n > 1 else "$y$"
            else:
                label = rf"$a^{{({l})}}_{{{u}}}$"
            out.append(rf"\node[unit] ({name}) at ({l},{y:.2f}) {{{label}}};")
        below = -(tallest - 1) / 2 - 1.0
        caption = "input" if l == 0 else net.layers[l - 1].act.latex
        caption = caption if l == 0 else f"${caption}$"
        out.append(rf"\node[font=\footnotesize] at ({l},{below:.2f}) {{{caption}, {n} units}};")
    for l in range(1, L + 1):
        prev, cur = _units(widths[l - 1]), _units(widths[l])
        for a, ua in enumerate(prev):
            for b, ub in enumerate(cur):
                if ua is None or ub is None:
                    continue
                out.append(rf"\draw[->,gray] (n{l - 1}-{a}) -- (n{l}-{b});")
        w, bias = net.layer_params(l)
        label = f"${w.latex}$" + (f", ${bias.latex}$" if bias is not None else "")
        top = (tallest - 1) / 2 + 0.8
        out.append(rf"\node[font=\small] at ({l - 0.5},{top:.2f}) {{{label}}};")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)
