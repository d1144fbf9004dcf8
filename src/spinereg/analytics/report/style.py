"""Figure style for print: Okabe–Ito colours (distinguishable with colour-vision deficiency;
Okabe and Ito 2008; its yellow, unreadable as a line on white paper, swapped for Tol's wine),
8–9 pt text at the printed width of 6.5 inches, a caption under the plot, labels with units.
Figures are bare `matplotlib.figure.Figure`s: no pyplot state, no display."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from spinereg.core.vocabulary import LABELS

WIDTH_IN = 6.5
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#882255",
    "#999999",
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<")
TREATMENT_ORDER = (
    "bmac",
    "esi_interlaminar",
    "esi_transforaminal",
    "prp",
    "facet_steroid",
    "mbb",
    "rfa",
    "surgery",
    "conservative",
)
RC: dict[str, Any] = {
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.4,
    "svg.fonttype": "none",  # text stays text: selectable, searchable, read by screen readers
    "pdf.fonttype": 42,  # TrueType in PDFs, editable in journals' tools
}
DAYS_PER_MONTH = 365.25 / 12
CAPTION_FONT_SIZE = 7.0


def label(code: str) -> str:
    """The display label of a vocabulary code (treatment, condition, sex)."""
    return LABELS.get(code, code.replace("_", " "))


def short_condition(code: str) -> str:
    return {"discogenic": "Discogenic", "facet": "Facet"}.get(code, label(code))


def short_treatment(code: str) -> str:
    short = {
        "esi_interlaminar": "ESI interlaminar",
        "esi_transforaminal": "ESI transforaminal",
        "facet_steroid": "Facet steroid",
        "mbb": "Medial branch block",
        "rfa": "RFA",
        "prp": "PRP",
        "bmac": "BMAC",
    }
    return short.get(code, label(code))


def treatment_style(code: str) -> dict[str, Any]:
    position = TREATMENT_ORDER.index(code) if code in TREATMENT_ORDER else len(PALETTE) - 1
    return {
        "color": PALETTE[position % len(PALETTE)],
        "marker": MARKERS[position % len(MARKERS)],
    }


def ordered_treatments(codes: Any) -> list[str]:
    present = [str(code) for code in codes]
    known = [code for code in TREATMENT_ORDER if code in present]
    return known + sorted(code for code in present if code not in TREATMENT_ORDER)


@contextmanager
def print_style() -> Iterator[None]:
    # rc_context's stub wants literal keys; these are plain rcParams names checked at run time.
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        yield


def new_figure(height_in: float, width_in: float = WIDTH_IN) -> Figure:
    with print_style():
        return Figure(figsize=(width_in, height_in), layout="constrained")


def add_caption(figure: Figure, caption: str) -> None:
    """Write the caption under the plot, reserving room for it in the constrained layout."""
    width_in, height_in = figure.get_size_inches()
    wrapped = textwrap.fill(caption, width=int(width_in * 17))
    lines = wrapped.count("\n") + 1
    reserve = min(0.45, (lines * CAPTION_FONT_SIZE * 1.35 / 72 + 0.08) / height_in)
    engine = figure.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(rect=(0, reserve, 1, 1 - reserve))
    figure.text(
        0.01, 0.01, wrapped, fontsize=CAPTION_FONT_SIZE, va="bottom", ha="left", color="#333333"
    )


def caption_text(*, n: int, method: str, responder: str | None) -> str:
    """Every figure says how many, how, and by which responder rule."""
    rule = responder if responder else "none (the figure shows scores, not responders)"
    return f"n = {n:,}. Method: {method} Responder definition: {rule}"


def figure_svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with print_style():
        figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def message_axes(axes: Any, message: str) -> None:
    """An empty panel that says why it is empty."""
    axes.set_axis_off()
    axes.text(
        0.5,
        0.5,
        textwrap.fill(message, 40),
        ha="center",
        va="center",
        fontsize=7.5,
        color="#8a1c1c",
        transform=axes.transAxes,
    )


def error_bars(center: Any, lower: Any, upper: Any) -> Any:
    """Distances from the centre to the limits for `errorbar`, never negative (a limit equal to
    the estimate can land a rounding error on the wrong side of it)."""
    import numpy as np

    middle = np.asarray(center, dtype=np.float64)
    below = np.clip(middle - np.asarray(lower, dtype=np.float64), 0, None)
    above = np.clip(np.asarray(upper, dtype=np.float64) - middle, 0, None)
    return np.vstack([np.nan_to_num(below), np.nan_to_num(above)])
