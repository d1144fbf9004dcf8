"""Score-over-time plots as SVG, drawn by matplotlib without a display."""

import io
from datetime import datetime
from typing import Any

# A bare Figure renders without pyplot or a display backend, so it is safe in a server.
import matplotlib
import matplotlib.dates as mdates
from matplotlib.figure import Figure

from spinereg.core.responders import definitions

# Instruments plotted: axis label (units in it), top of the scale, and the responder rule whose
# threshold is drawn below the first (baseline) score.
PLOTTED = {
    "odi-2.1a": ("ODI (%, 0–100)", 100, "odi_mic10"),
    "vas-pain": ("VAS pain (mm, 0–100)", 100, "vas_15mm"),
    "nrs-pain": ("NRS pain (0–10)", 10, "nrs_2pt"),
    "bpi-sf": ("BPI interference (0–10)", 10, "bpi_int_1pt"),
}


def responder_line(responder_id: str, baseline: float) -> tuple[float, str]:
    """The follow-up score at which `responder_id` is first met, lower scores being better."""
    rule = definitions()[responder_id]
    level = (
        baseline - rule.threshold if rule.kind == "absolute" else baseline * (1 - rule.threshold)
    )
    return level, f"responder: {rule.label}"


def score_plot_svg(series: dict[str, list[tuple[datetime, float]]]) -> str:
    shown = [name for name in PLOTTED if series.get(name)]
    figure = Figure(figsize=(7.5, 2.2 * max(len(shown), 1)), layout="constrained")
    if not shown:
        axes = figure.subplots()
        axes.text(0.5, 0.5, "No scored questionnaires yet", ha="center", va="center")
        axes.set_axis_off()
    else:
        axes_list: Any = figure.subplots(len(shown), 1, squeeze=False)
        for axes, name in zip(axes_list[:, 0], shown, strict=True):
            points = series[name]
            label, top, responder_id = PLOTTED[name]
            axes.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                marker="o",
                color="#0b5cad",
                label="score",
            )
            level, text = responder_line(responder_id, points[0][1])
            if level > 0:
                axes.axhline(level, linestyle="--", color="#a3120b", linewidth=1, label=text)
                axes.legend(loc="lower left", fontsize=7, framealpha=0.9)
            axes.set_ylim(0, top)
            locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]  # matplotlib
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
            axes.set_ylabel(label, fontsize=8)
            axes.grid(alpha=0.3)
        axes_list[-1, 0].set_xlabel("Date of the questionnaire")
    buffer = io.StringIO()
    # Text stays text in the SVG: selectable, searchable and read by screen readers.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg")
    return buffer.getvalue()
