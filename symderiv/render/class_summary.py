"""A class's summary: score distribution, per-part success and the mistake kinds found at each part, as
PNG plots (matplotlib, Agg), one HTML page (the plots inside) and one PDF, each plot with one anonymised
example (a submission named by nothing but the example; the link as the student wrote it)."""

from __future__ import annotations

import base64
import html
import io
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..audit.grade import Graded
from ..kinds.rubric import Rubric
from .gradebook import score_text
from .terminal import write_output, write_text_output

#: Outcomes in the order of the per-part bars, with their colours.
OUTCOME_COLOURS = {"correct": "#2e7d32", "chain": "#9ccc65", "incorrect": "#c62828", "missing": "#9e9e9e",
                   "undecided": "#ffb300", "unreadable": "#6a1b9a"}
PLOTS = ("scores", "parts", "mistakes")


@dataclass
class Plot:
    """One plot of the summary: its file name, title, PNG bytes and the anonymised example shown under it."""

    name: str
    title: str
    png: bytes
    example: str


def _pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no display; imported here: an optional heavy dependency)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _plain(text: str) -> str:
    """A label matplotlib shows as written (a '$' would start its mathtext)."""
    return text.replace("$", r"\$")


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _fraction_of_max(graded: Graded) -> float:
    top = graded.score.max_total
    return float(graded.score.total / top) if top else 0.0


def _median_example(graded: list[Graded]) -> str:
    ordered = sorted(graded, key=lambda g: g.score.total)
    middle = ordered[len(ordered) // 2].score
    parts = ", ".join(f"{p.part.id} {score_text(p.score)}/{score_text(p.part.points)} ({p.outcome})"
                      for p in middle.parts)
    return f"The median submission: {score_text(middle.total)} of {score_text(middle.max_total)} points: {parts}."


def scores_plot(graded: list[Graded], rubric: Rubric) -> Plot:
    """Histogram of the totals (in points)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6.4, 3.6))
    totals = [float(g.score.total) for g in graded]
    top = float(rubric.total)
    axes.hist(totals, bins=min(20, max(5, len(set(totals)))), range=(0, top), color="#1565c0", edgecolor="white")
    axes.set_xlabel(f"points (of {score_text(rubric.total)})")
    axes.set_ylabel("submissions")
    mean = sum(totals) / len(totals)
    axes.axvline(mean, color="black", linestyle="--", linewidth=1, label=f"mean {mean:.2f}")
    axes.legend()
    axes.set_title(f"Score distribution ({len(graded)} submissions)")
    png = _png(figure)
    plt.close(figure)
    return Plot("scores", "Score distribution", png, _median_example(graded))


def part_counts(graded: list[Graded], rubric: Rubric) -> dict[str, Counter[str]]:
    """For each part id, how many submissions had each outcome."""
    counts: dict[str, Counter[str]] = {part.id: Counter() for part in rubric.parts}
    for g in graded:
        for p in g.score.parts:
            counts[p.part.id][p.outcome] += 1
    return counts


def parts_plot(graded: list[Graded], rubric: Rubric) -> Plot:
    """Stacked bars: each part's share of submissions by outcome (correct first: the success rate)."""
    plt = _pyplot()
    counts = part_counts(graded, rubric)
    figure, axes = plt.subplots(figsize=(6.4, 3.6))
    ids = [part.id for part in rubric.parts]
    bottom = [0.0] * len(ids)
    for outcome, colour in OUTCOME_COLOURS.items():
        share = [counts[i][outcome] / len(graded) for i in ids]
        if any(share):
            axes.bar(range(len(ids)), share, bottom=bottom, color=colour, label=outcome)
            bottom = [b + s for b, s in zip(bottom, share, strict=True)]
    for x, ident in enumerate(ids):
        rate = counts[ident]["correct"] / len(graded)
        axes.text(x, rate / 2, f"{rate:.0%}", ha="center", va="center", color="white", fontweight="bold")
    axes.set_xticks(range(len(ids)), [_plain(i) for i in ids])
    axes.set_ylim(0, 1)
    axes.set_ylabel("share of submissions")
    axes.set_title("Per-part outcome (green: success)")
    axes.legend(fontsize="small", ncols=3, loc="lower center", bbox_to_anchor=(0.5, -0.42))
    png = _png(figure)
    plt.close(figure)
    worst = min(ids, key=lambda i: counts[i]["correct"])
    wrong = [p for g in graded for p in g.score.parts if p.part.id == worst and p.outcome != "correct"]
    failing = next((p for p in wrong if p.outcome in ("incorrect", "chain")), wrong[0] if wrong else None)
    example = f"Part {worst} has the lowest success rate ({counts[worst]['correct']} of {len(graded)} correct)"
    example += f"; one submission's part: {failing.outcome}: {failing.detail}." if failing else "."
    return Plot("parts", "Per-part success rate", png, example)


def mistake_counts(graded: list[Graded], rubric: Rubric) -> dict[str, Counter[str]]:
    """For each part id, how many mistakes of each kind were found (first wrong link of each chain)."""
    counts: dict[str, Counter[str]] = {part.id: Counter() for part in rubric.parts}
    for g in graded:
        for m in g.mistakes:
            counts.setdefault(m.part, Counter())[m.kind] += 1
    return counts


def mistakes_plot(graded: list[Graded], rubric: Rubric) -> Plot:
    """Grouped bars: at each part (step), how often each mistake kind was found."""
    plt = _pyplot()
    counts = mistake_counts(graded, rubric)
    kinds = sorted({k for c in counts.values() for k in c}, key=lambda k: -sum(c[k] for c in counts.values()))
    figure, axes = plt.subplots(figsize=(6.4, 3.6))
    ids = list(counts)
    width = 0.8 / max(1, len(kinds))
    colours = plt.get_cmap("tab10")
    for n, kind in enumerate(kinds):
        axes.bar([x + n * width - 0.4 + width / 2 for x in range(len(ids))], [counts[i][kind] for i in ids],
                 width=width, label=kind, color=colours(n % 10))
    axes.set_xticks(range(len(ids)), [_plain(i) for i in ids])
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylabel("mistakes found")
    axes.set_title("Mistake kinds found at each step")
    if kinds:
        axes.legend(fontsize="small", ncols=2, loc="lower center", bbox_to_anchor=(0.5, -0.5))
    else:
        axes.text(0.5, 0.5, "no mistakes found", ha="center", transform=axes.transAxes)
    png = _png(figure)
    plt.close(figure)
    example = "No mistake was found."
    if kinds:
        common = kinds[0]
        found = next(m for g in graded for m in g.mistakes if m.kind == common)
        example = (f"The most common kind, {common}: in one submission, part {found.part}, "
                   f"the step {found.text} ({found.mistake or 'no pattern named'}).")
    return Plot("mistakes", "Mistake kinds at each step", png, example)


def summary_plots(graded: list[Graded], rubric: Rubric) -> list[Plot]:
    makers: list[Callable[[list[Graded], Rubric], Plot]] = [scores_plot, parts_plot, mistakes_plot]
    return [make(graded, rubric) for make in makers]


def _stats(graded: list[Graded], rubric: Rubric) -> list[tuple[str, str]]:
    totals = sorted(g.score.total for g in graded)
    mean = sum(totals, Fraction(0)) / len(totals)
    person = sum(1 for g in graded if g.score.needs_person)
    return [("submissions", str(len(graded))), ("points", score_text(rubric.total)),
            ("mean", f"{float(mean):.2f}"), ("median", score_text(totals[len(totals) // 2])),
            ("full marks", str(sum(1 for t in totals if t == rubric.total))),
            ("waiting for a person", str(person))]


def summary_html(title: str, graded: list[Graded], rubric: Rubric, plots: list[Plot]) -> str:
    """The class summary as one HTML page (plots inline as PNG, nothing fetched)."""
    counts = part_counts(graded, rubric)
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _stats(graded, rubric))
    head = "".join(f"<th>{o}</th>" for o in OUTCOME_COLOURS)
    parts = "".join(f"<tr><th>{html.escape(p.id)}</th><td>{html.escape(p.name)}</td><td>{score_text(p.points)}</td>"
                    + "".join(f"<td>{counts[p.id][o]}</td>" for o in OUTCOME_COLOURS) + "</tr>" for p in rubric.parts)
    figures = "".join(
        f'<figure><h2>{html.escape(p.title)}</h2><img alt="{html.escape(p.title)}" '
        f'src="data:image/png;base64,{base64.b64encode(p.png).decode()}"><figcaption>Example (anonymised): '
        f"{html.escape(p.example)}</figcaption></figure>" for p in plots)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Class summary: "
            f"{html.escape(title)}</title><style>body{{font-family:sans-serif;max-width:60em;margin:auto}}"
            f"table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px}}"
            f"img{{max-width:100%}}figcaption{{font-size:90%;color:#333}}</style></head><body>"
            f"<h1>Class summary: {html.escape(title)}</h1><table>{rows}</table>"
            f"<h2>Parts</h2><table><tr><th>part</th><th>name</th><th>points</th>{head}</tr>{parts}</table>"
            f"{figures}</body></html>\n")


def summary_pdf(title: str, graded: list[Graded], rubric: Rubric, plots: list[Plot], out: Path) -> None:
    """The class summary as a PDF (matplotlib's PDF backend): the figures, then each plot with its example."""
    plt = _pyplot()
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(out, metadata={"Title": f"Class summary: {title}", "CreationDate": None}) as pdf:
        figure = plt.figure(figsize=(8.27, 11.69))
        lines = [f"Class summary: {title}", ""] + [f"{k}: {v}" for k, v in _stats(graded, rubric)] + [""]
        counts = part_counts(graded, rubric)
        for part in rubric.parts:
            shares = ", ".join(f"{o} {counts[part.id][o]}" for o in OUTCOME_COLOURS if counts[part.id][o])
            lines.append(f"part {part.id} ({score_text(part.points)} points): {shares}")
        text = "\n".join(textwrap.fill(line, 90) for line in lines)
        figure.text(0.08, 0.95, text, va="top", family="monospace", fontsize=9, parse_math=False)
        pdf.savefig(figure)
        plt.close(figure)
        for plot in plots:
            figure = plt.figure(figsize=(8.27, 11.69))
            image = plt.imread(io.BytesIO(plot.png), format="png")
            axes = figure.add_axes((0.05, 0.35, 0.9, 0.6))
            axes.imshow(image)
            axes.axis("off")
            caption = textwrap.fill(f"Example (anonymised): {plot.example}", 100)
            figure.text(0.08, 0.3, caption, va="top", fontsize=9, parse_math=False)  # never read as mathtext
            pdf.savefig(figure)
            plt.close(figure)


def write_summary(out: Path, title: str, rubric: Rubric, graded: list[Graded]) -> list[Path]:
    """OUT/summary.html, OUT/summary.pdf and OUT/summary-<plot>.png, each written by temporary file and rename."""
    plots = summary_plots(graded, rubric)
    written = []
    for plot in plots:
        path = out / f"summary-{plot.name}.png"
        write_output(str(path), lambda part, data=plot.png: part.write_bytes(data))
        written.append(path)
    write_text_output(str(out / "summary.html"), summary_html(title, graded, rubric, plots))
    write_output(str(out / "summary.pdf"), lambda part: summary_pdf(title, graded, rubric, plots, part))
    return [*written, out / "summary.html", out / "summary.pdf"]
