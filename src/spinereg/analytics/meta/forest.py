"""Forest plots of a meta-analysis, ready for print (matplotlib, no pyplot state).

`forest_plot(yi, vi, labels, effect_label=...)` draws one row per study - label, n, a square
sized by its weight with the CI, "estimate [CI]" and the percent weight - then the pooled
diamond, the prediction interval and a heterogeneity line. With `groups`, studies are listed
under subgroup headings, each with its own diamond, and the test of subgroup differences is
printed at the bottom. The numbers are those of `random_effects` / `subgroup_analysis` (metafor);
weights are the overall model's, as `weights(rma(...))` and RevMan's forest plots show them.

Ratio and proportion measures are analysed on the log / logit scale and displayed back-
transformed with `transform="exp"` (RR, on a log axis) or `"expit"` (PLO).

Layout choices for print: 7.5 in wide (a two-column page), 8 pt text, the x-axis label must
carry the unit (it is a required argument), and `save_figure` writes SVG with text kept as text
(searchable, editable) and PNG at 300 dpi.
"""

import math
import textwrap
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from spinereg.analytics.meta.model import alpha_from
from spinereg.analytics.meta.pooling import RandomEffectsResult, random_effects, validate_effects
from spinereg.analytics.meta.subgroups import subgroup_analysis
from spinereg.core.errors import RuleViolation

Transform = Literal["identity", "exp", "expit"]
FONT_SIZE_PT = 8.0
ROW_HEIGHT_IN = 0.2
FIGURE_WIDTH_IN = 7.5
PRINT_DPI = 300
CAPTION_CHARACTERS = 125  # at 7 pt across the 7.5 in figure
CAPTION_LINE_IN = 0.14
INK = "#1a1a1a"
MUTED = "#6b6b6b"
BESIDE = "#b34700"  # results shown beside the pool, never pooled: another colour and marker


@dataclass(frozen=True, slots=True)
class BesideRow:
    """A result shown below the pooled estimate and never pooled with it (e.g. a clinic's own
    patients), already on the displayed scale. With `drawn=False` it is listed in the text
    columns only and `note` says why (a different quantity from the plot's axis)."""

    label: str
    estimate: float
    lower: float
    upper: float
    n: float | None = None
    drawn: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class _Row:
    kind: Literal["header", "group", "study", "pooled", "prediction", "note", "beside"]
    label: str
    n: str = ""
    estimate: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    weight: float = math.nan
    drawn: bool = True
    note: str = ""


def forest_plot(
    yi: ArrayLike,
    vi: ArrayLike,
    labels: Sequence[str],
    *,
    effect_label: str,
    n_patients: Sequence[float | None] | None = None,
    groups: Sequence[Hashable] | None = None,
    method: str = "REML",
    test: str = "z",
    conf_level: float = 0.95,
    transform: Transform = "identity",
    null_value: float | None = None,
    favours: tuple[str, str] | None = None,
    title: str | None = None,
    digits: int = 2,
    beside: Sequence[BesideRow] = (),
    beside_heading: str = "Not pooled",
    beside_note: str = "",
    caption: str = "",
) -> Figure:
    """A publication forest plot; returns the matplotlib Figure (see `save_figure`).

    effect_label: the x-axis label with its unit, e.g. "Mean change in ODI (points, 0-100)".
    null_value: where the line of no effect is drawn on the displayed scale (default 0, or 1
    for transform="exp"; none for "expit"). favours: texts for the left and right of it.
    beside: results listed under `beside_heading` below the pooled estimate, drawn as open
    circles in another colour, with "not pooled" in the weight column; `beside_note` under them.
    caption: wrapped under the axis, so the figure carries its n and method wherever it goes.
    """
    y, v = validate_effects(yi, vi)
    if len(labels) != len(y):
        raise RuleViolation(
            field="labels", rule="same_length", message=f"{len(labels)} labels for {len(y)} studies"
        )
    if n_patients is not None and len(n_patients) != len(y):
        raise RuleViolation(
            field="n_patients",
            rule="same_length",
            message=f"{len(n_patients)} values for {len(y)} studies",
        )
    if not effect_label.strip():
        raise RuleViolation(
            field="effect_label", rule="required", message="the axis needs a label with its unit"
        )
    if transform not in ("identity", "exp", "expit"):
        raise RuleViolation(
            field="transform", rule="known_transform", message=f"{transform!r} is not supported"
        )
    display = _TRANSFORMS[transform]
    if null_value is None and transform != "expit":
        null_value = 1.0 if transform == "exp" else 0.0

    rows, footer = _rows(y, v, labels, n_patients, groups, method, test, conf_level)
    if beside:
        rows.append(_Row("group", beside_heading))
        rows += [_beside_row(row) for row in beside]
        if beside_note:
            rows.append(_Row("note", beside_note))
    percent = round(100 * conf_level)
    figure = _draw(
        rows=rows,
        footer=footer,
        display=display,
        log_axis=transform == "exp",
        effect_label=effect_label,
        null_value=null_value,
        favours=favours,
        title=title,
        digits=digits,
        estimate_header=f"Estimate [{percent}% CI]",
        show_n=n_patients is not None,
        caption=caption,
    )
    return figure


def save_figure(figure: Figure, path: str | Path, *, dpi: int = PRINT_DPI) -> Path:
    """Write PNG (at `dpi`) or SVG/PDF with text kept as text, so labels stay searchable."""
    target = Path(path)
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        figure.savefig(target, dpi=dpi, bbox_inches="tight")
    return target


def _beside_row(row: BesideRow) -> _Row:
    n_text = "" if row.n is None or math.isnan(row.n) else f"{row.n:g}"
    return _Row("beside", row.label, n_text, row.estimate, row.lower, row.upper,
                drawn=row.drawn, note=row.note)  # fmt: skip


def _identity(value: float) -> float:
    return value


def _expit(value: float) -> float:
    return 1 / (1 + math.exp(-value))


_TRANSFORMS: dict[str, Callable[[float], float]] = {
    "identity": _identity,
    "exp": math.exp,
    "expit": _expit,
}


def _rows(
    y: NDArray[np.float64],
    v: NDArray[np.float64],
    labels: Sequence[str],
    n_patients: Sequence[float | None] | None,
    groups: Sequence[Hashable] | None,
    method: str,
    test: str,
    conf_level: float,
) -> tuple[list[_Row], list[str]]:
    # Study CIs are Wald intervals on the normal distribution whatever the pooled test, as in
    # metafor's forest.rma.
    z_critical = float(stats.norm.isf(alpha_from(conf_level) / 2))

    def study_row(index: int, weight: float) -> _Row:
        half = z_critical * math.sqrt(v[index])
        n = n_patients[index] if n_patients is not None else None
        n_text = "" if n is None or (isinstance(n, float) and math.isnan(n)) else f"{n:g}"
        return _Row("study", str(labels[index]), n_text, y[index], y[index] - half,
                    y[index] + half, weight)  # fmt: skip

    rows = [_Row("header", "Study")]
    footer: list[str] = []
    if groups is None:
        overall = random_effects(y, v, method, test, conf_level)
        rows += [study_row(index, overall.weights[index]) for index in range(len(y))]
    else:
        if len(groups) != len(y):
            raise RuleViolation(
                field="groups",
                rule="same_length",
                message=f"{len(groups)} values for {len(y)} studies",
            )
        analysis = subgroup_analysis(y, v, groups, method, test, conf_level)
        overall = analysis.overall
        membership = [str(group) for group in groups]
        for name, fit in analysis.groups.items():
            rows.append(_Row("group", name))
            members = [index for index, group in enumerate(membership) if group == name]
            rows += [study_row(index, overall.weights[index]) for index in members]
            rows += _pooled_rows(fit, f"Subtotal ({_model_name(fit)})", prediction=False)
            rows.append(_Row("note", _heterogeneity_text(fit)))
        footer.append(
            f"Test for subgroup differences: Q = {analysis.q_between:.2f}, "
            f"df = {analysis.q_between_df}, {_p_text(analysis.q_between_pval)}"
        )
    rows += _pooled_rows(overall, f"Overall ({_model_name(overall)})", prediction=True)
    rows.append(_Row("note", _heterogeneity_text(overall)))
    footer.append(_model_note(overall))
    return rows, footer


def _pooled_rows(fit: RandomEffectsResult, label: str, *, prediction: bool) -> list[_Row]:
    rows = [_Row("pooled", label, str(fit.k) + " studies", fit.estimate, fit.ci_lower,
                 fit.ci_upper, float(np.sum(fit.weights)) if prediction else math.nan)]  # fmt: skip
    if prediction and not math.isnan(fit.pi_lower):
        percent = round(100 * fit.conf_level)
        rows.append(_Row("prediction", f"{percent}% prediction interval", "", fit.estimate,
                         fit.pi_lower, fit.pi_upper))  # fmt: skip
    return rows


def _model_name(fit: RandomEffectsResult) -> str:
    """Short name for the diamond labels; `_model_note` spells the model out below the plot."""
    return {"FE": "common effect", "DL": "DL", "REML": "REML"}[fit.method]


def _model_note(fit: RandomEffectsResult) -> str:
    percent = round(100 * fit.conf_level)
    if fit.method == "FE":
        model = "Common-effect (inverse-variance) model"
    else:
        model = f"Random-effects model, τ² by {fit.method}"
    interval = (
        f"Knapp-Hartung {percent}% CI (t, {fit.df} df)" if fit.test == "knha" else f"{percent}% CI"
    )
    return f"{model}; {interval}; study CIs are Wald {percent}% intervals."


def _p_text(pval: float) -> str:
    return "p < 0.001" if pval < 0.001 else f"p = {pval:.3f}"


def _heterogeneity_text(fit: RandomEffectsResult) -> str:
    if fit.k < 2:
        return "Heterogeneity: not applicable (one study)"
    return (
        f"Heterogeneity: τ² = {fit.tau2:#.3g}; I² = {fit.i2:.0f}%; "
        f"Q = {fit.q:.2f} (df = {fit.q_df}), {_p_text(fit.q_pval)}"
    )


def _draw(
    *,
    rows: list[_Row],
    footer: list[str],
    display: Callable[[float], float],
    log_axis: bool,
    effect_label: str,
    null_value: float | None,
    favours: tuple[str, str] | None,
    title: str | None,
    digits: int,
    estimate_header: str,
    show_n: bool,
    caption: str = "",
) -> Figure:
    n_rows = len(rows) + len(footer)
    top_in = 0.15 + (0.35 if title else 0.0)
    wrapped = textwrap.fill(caption, width=CAPTION_CHARACTERS) if caption else ""
    caption_in = (wrapped.count("\n") + 1) * CAPTION_LINE_IN + 0.1 if wrapped else 0.0
    bottom_in = 0.45 + (0.2 if favours else 0.0) + caption_in
    height = n_rows * ROW_HEIGHT_IN + top_in + bottom_in
    figure = Figure(figsize=(FIGURE_WIDTH_IN, height))
    figure.subplots_adjust(
        left=0.01, right=0.99, top=1 - top_in / height, bottom=bottom_in / height
    )
    grid = figure.add_gridspec(1, 3, width_ratios=(0.36, 0.30, 0.34), wspace=0.02)
    left, plot, right = (figure.add_subplot(grid[0, column]) for column in range(3))
    plot.sharey(left)
    right.sharey(left)
    for axes in (left, right):
        axes.set_xlim(0, 1)
        axes.axis("off")
    # Notes and the footer run across the plot column: keep its background transparent and
    # draw the text columns above it.
    plot.patch.set_visible(False)
    left.set_zorder(plot.get_zorder() + 1)
    left.set_ylim(n_rows - 0.5, -0.5)

    values: list[float] = []
    labels: list[Text] = []
    for position, row in enumerate(rows):
        label = _draw_text(left, right, position, row, display, digits, estimate_header, show_n)
        if label is not None and row.kind in ("study", "group", "beside"):
            labels.append(label)
        if row.kind == "study":
            _draw_study(plot, position, row, display)
            values += [display(row.lower), display(row.upper)]
        elif row.kind == "pooled":
            _draw_diamond(plot, position, row, display)
            values += [display(row.lower), display(row.upper)]
        elif row.kind == "prediction":
            _draw_interval(plot, position, row, display)
            values += [display(row.lower), display(row.upper)]
        elif row.kind == "beside" and row.drawn:
            _draw_beside(plot, position, row)
            values += [row.lower, row.upper]
        elif row.kind == "beside":
            plot.text(0.5, position, row.note, transform=plot.get_yaxis_transform(),
                      fontsize=FONT_SIZE_PT - 1, va="center", ha="center", color=MUTED,
                      fontstyle="italic")  # fmt: skip
    _shorten_to_fit(figure, left, labels, share=0.8 if show_n else 0.98)
    for offset, text in enumerate(footer):
        left.text(0, len(rows) + offset, text, fontsize=FONT_SIZE_PT, color=INK, va="center")

    _style_plot_axes(plot, values, null_value, log_axis, effect_label, favours)
    if null_value is not None:
        last_drawn = max(
            position
            for position, row in enumerate(rows)
            if row.kind in ("study", "pooled") or (row.kind == "beside" and row.drawn)
        )
        plot.plot([null_value, null_value], [0.5, last_drawn + 0.5], color=MUTED, lw=0.7,
                  zorder=0)  # fmt: skip
    if title:
        figure.suptitle(title, fontsize=FONT_SIZE_PT + 2, x=0.02, ha="left", color=INK)
    if wrapped:
        figure.text(0.01, 0.05 / height, wrapped, fontsize=FONT_SIZE_PT - 1, color=INK,
                    va="bottom", ha="left")  # fmt: skip
    return figure


def _draw_text(
    left: Axes,
    right: Axes,
    position: int,
    row: _Row,
    display: Callable[[float], float],
    digits: int,
    estimate_header: str,
    show_n: bool,
) -> Text | None:
    """Draw one row's text columns; return the label, which may need shortening."""
    bold = row.kind in ("header", "group", "pooled")
    style: dict[str, Any] = {"fontsize": FONT_SIZE_PT, "va": "center", "color": INK,
             "fontweight": "bold" if bold else "normal"}  # fmt: skip
    if row.kind == "header":
        left.text(0, position, "Study", **style)
        if show_n:
            left.text(1, position, "n", ha="right", **style)
        right.text(0.02, position, estimate_header, **style)
        right.text(1, position, "Weight (%)", ha="right", **style)
        return None
    if row.kind == "note":
        left.text(0.02, position, row.label, fontsize=FONT_SIZE_PT - 1, va="center",
                  color=MUTED, fontstyle="italic")  # fmt: skip
        return None
    indent = 0.02 if row.kind in ("study", "prediction", "beside") else 0.0
    if row.kind == "beside":
        style["color"] = BESIDE
        display = _identity  # beside rows come on the displayed scale
    label = left.text(indent, position, row.label, **style)
    if show_n and row.kind in ("study", "beside"):
        left.text(1, position, row.n, ha="right", **style)
    if math.isnan(row.estimate):
        return label
    if row.kind == "prediction":
        interval = f"[{display(row.lower):.{digits}f}, {display(row.upper):.{digits}f}]"
        right.text(0.02, position, interval, fontsize=FONT_SIZE_PT, va="center", color=MUTED)
        return label
    right.text(
        0.02,
        position,
        f"{display(row.estimate):.{digits}f} "
        f"[{display(row.lower):.{digits}f}, {display(row.upper):.{digits}f}]",
        **style,
    )
    if not math.isnan(row.weight):
        right.text(1, position, f"{row.weight:.1f}", ha="right", **style)
    elif row.kind == "beside":
        right.text(1, position, "not pooled", ha="right", **style)
    return label


def _shorten_to_fit(figure: Figure, column: Axes, labels: list[Text], share: float) -> None:
    """Trim labels that would run into the next column, ending them with an ellipsis."""
    renderer = FigureCanvasAgg(figure).get_renderer()  # type: ignore[no-untyped-call]  # unannotated in matplotlib
    column_box = column.get_window_extent(renderer)
    limit = column_box.x0 + share * column_box.width
    for label in labels:
        text = label.get_text()
        while label.get_window_extent(renderer).x1 > limit and len(text) > 4:
            text = text[:-1]
            label.set_text(text.rstrip() + "…")


def _draw_study(plot: Axes, position: int, row: _Row, display: Callable[[float], float]) -> None:
    plot.plot([display(row.lower), display(row.upper)], [position, position], color=INK, lw=0.8)
    # Square area proportional to weight (largest study ~ 0.5 row high).
    side = 0.12 + 0.4 * math.sqrt(row.weight / 100)
    plot.plot(
        [display(row.estimate)],
        [position],
        marker="s",
        markersize=72 * side * ROW_HEIGHT_IN,
        color=INK,
        linestyle="none",
    )


def _draw_beside(plot: Axes, position: int, row: _Row) -> None:
    plot.plot([row.lower, row.upper], [position, position], color=BESIDE, lw=0.8, ls="--")
    plot.plot([row.estimate], [position], marker="o", markersize=5, markerfacecolor="white",
              markeredgecolor=BESIDE, markeredgewidth=1.2, linestyle="none")  # fmt: skip


def _draw_diamond(plot: Axes, position: int, row: _Row, display: Callable[[float], float]) -> None:
    half_height = 0.32
    corners = [
        (display(row.lower), position),
        (display(row.estimate), position - half_height),
        (display(row.upper), position),
        (display(row.estimate), position + half_height),
    ]
    plot.add_patch(Polygon(corners, closed=True, facecolor=INK, edgecolor=INK, lw=0.6))


def _draw_interval(plot: Axes, position: int, row: _Row, display: Callable[[float], float]) -> None:
    lower, upper = display(row.lower), display(row.upper)
    plot.plot([lower, upper], [position, position], color=MUTED, lw=1.2)
    plot.add_patch(Rectangle((lower, position - 0.15), 0, 0.3, edgecolor=MUTED, lw=1.2))
    plot.add_patch(Rectangle((upper, position - 0.15), 0, 0.3, edgecolor=MUTED, lw=1.2))


def _style_plot_axes(
    plot: Axes,
    values: list[float],
    null_value: float | None,
    log_axis: bool,
    effect_label: str,
    favours: tuple[str, str] | None,
) -> None:
    finite = [value for value in values if math.isfinite(value)]
    if null_value is not None:
        finite.append(null_value)
    low, high = min(finite), max(finite)
    if log_axis:
        plot.set_xscale("log")
        span = math.log(high / low) if high > low else 1.0
        plot.set_xlim(low * math.exp(-0.05 * span), high * math.exp(0.05 * span))
        # Plain numbers at 1-2-5 steps read better on a ratio axis than powers of ten.
        plot.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        plot.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        plot.xaxis.set_minor_locator(NullLocator())
    else:
        span = high - low if high > low else 1.0
        plot.set_xlim(low - 0.05 * span, high + 0.05 * span)
    plot.set_yticks([])
    for side in ("left", "right", "top"):
        plot.spines[side].set_visible(False)
    plot.tick_params(axis="x", labelsize=FONT_SIZE_PT, colors=INK, length=3)
    plot.set_xlabel(effect_label, fontsize=FONT_SIZE_PT, color=INK)
    if favours is not None and null_value is not None:
        plot.annotate(favours[0], xy=(null_value, 0), xycoords=("data", "axes fraction"),
                      xytext=(-4, -28), textcoords="offset points", ha="right", va="top",
                      fontsize=FONT_SIZE_PT - 1, color=MUTED)  # fmt: skip
        plot.annotate(favours[1], xy=(null_value, 0), xycoords=("data", "axes fraction"),
                      xytext=(4, -28), textcoords="offset points", ha="left", va="top",
                      fontsize=FONT_SIZE_PT - 1, color=MUTED)  # fmt: skip
