"""The patient's own trajectory after a follow-up: their scores since the treatment, one small
panel per instrument, with the responder threshold drawn below their first score.

It reuses the staff plot's choice of instruments, scales and responder rules
(`web.plots.PLOTTED`, `web.plots.responder_line`), so a patient and their clinician see the same
threshold. It is drawn separately because a patient reads it on a phone in their own language:
the time axis counts months after the treatment instead of calendar dates (no month names to
translate), and every label goes through gettext."""

import io
from collections.abc import Sequence

import matplotlib
from django.utils.translation import gettext as _
from matplotlib.figure import Figure

from spinereg.registry.followup.portal import ScorePoint
from spinereg.web.plots import PLOTTED, responder_line

DAYS_PER_MONTH = 365.25 / 12


def instrument_label(instrument_id: str) -> str:
    """What the patient reads beside each panel and in the table, with the scale."""
    labels = {
        "odi-2.1a": _("Disability (ODI, 0–100)"),
        "nrs-pain": _("Pain (0–10)"),
        "vas-pain": _("Pain (VAS, 0–100)"),
        "bpi-sf": _("Pain interference (BPI, 0–10)"),
        "pgic": _("Change since treatment (PGIC)"),
        "peg-3": _("Pain, enjoyment and activity (PEG, 0–10)"),
        "vps": _("Pain in words (VPS)"),
    }
    return labels.get(instrument_id, instrument_id)


def plotted(points: Sequence[ScorePoint]) -> list[str]:
    present = {point.instrument_id for point in points}
    return [name for name in PLOTTED if name in present]


def trajectory_svg(points: Sequence[ScorePoint]) -> str:
    """The panels as an SVG document (text kept as text: readable by screen readers)."""
    shown = plotted(points)
    figure = Figure(figsize=(4.6, 2.0 * max(len(shown), 1)), layout="constrained")
    if not shown:
        axes = figure.subplots()
        axes.text(0.5, 0.5, _("No scores yet"), ha="center", va="center")
        axes.set_axis_off()
    else:
        axes_list = figure.subplots(len(shown), 1, squeeze=False)
        for axes, name in zip(axes_list[:, 0], shown, strict=True):
            series = sorted(
                (p for p in points if p.instrument_id == name), key=lambda p: p.days_from_index
            )
            _label, top, responder_id = PLOTTED[name]
            months = [p.days_from_index / DAYS_PER_MONTH for p in series]
            axes.plot(
                months,
                [p.value for p in series],
                marker="o",
                color="#0a58a6",
                label=_("your score"),
            )
            level, _rule = responder_line(responder_id, series[0].value)
            if level > 0:
                axes.axhline(
                    level,
                    linestyle="--",
                    color="#9f1109",
                    linewidth=1,
                    label=_("meaningful improvement"),
                )
            axes.legend(loc="upper right", fontsize=8, framealpha=0.9)
            axes.set_ylim(0, top)
            axes.set_xlim(min(0.0, *months) - 0.5, max(months[-1], 3.0) + 0.5)
            axes.set_title(instrument_label(name), fontsize=10, loc="left")
            axes.tick_params(labelsize=8)
            axes.grid(alpha=0.3)
        axes_list[-1, 0].set_xlabel(
            _("Months after treatment (lower scores are better)"), fontsize=8
        )
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "spinereg"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
