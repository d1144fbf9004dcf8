"""Score-over-time plots as SVG, drawn by matplotlib without a display."""

import io
from datetime import datetime
from typing import Any

# A bare Figure renders without pyplot or a display backend, so it is safe in a server.
import matplotlib
from matplotlib.figure import Figure

# Instruments plotted, with the axis label and range (units in the label).
PLOTTED = {
    "odi-2.1a": ("ODI (%, 0–100)", 100),
    "vas-pain": ("VAS pain (mm, 0–100)", 100),
    "nrs-pain": ("NRS pain (0–10)", 10),
    "bpi-sf": ("BPI interference (0–10)", 10),
}


def score_plot_svg(series: dict[str, list[tuple[datetime, float]]]) -> str:
    shown = [name for name in PLOTTED if series.get(name)]
    figure = Figure(figsize=(7.5, 2.2 * max(len(shown), 1)), layout="constrained")
    if not shown:
        axes = figure.subplots()
        axes.text(0.5, 0.5, "No scored questionnaires yet", ha="center", va="center")
        axes.set_axis_off()
    else:
        axes_list: Any = figure.subplots(len(shown), 1, squeeze=False, sharex=True)
        for axes, name in zip(axes_list[:, 0], shown, strict=True):
            points = series[name]
            label, top = PLOTTED[name]
            axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", color="#0b5cad")
            axes.set_ylim(0, top)
            axes.set_ylabel(label, fontsize=8)
            axes.grid(alpha=0.3)
        axes_list[-1, 0].set_xlabel("Date")
    buffer = io.StringIO()
    # Text stays text in the SVG: selectable, searchable and read by screen readers.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg")
    return buffer.getvalue()
